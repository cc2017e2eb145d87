#!/bin/bash
# Stops the cluster up.sh started in RUN_DIR: cancels its jobs and waits until they are gone (a
# `scontrol shutdown` alone leaves running job steps behind, by design), stops slurmctld and slurmd
# (one `scontrol shutdown`, then waits on their PIDs, SIGKILL after 10 s), and munged only if up.sh
# started it. Safe to call twice or after a failed start. It does not remove RUN_DIR.
# usage: tests/slurm/down.sh RUN_DIR
RUN=$1
export SLURM_CONF=$RUN/slurm.conf
PIDS=$(cat "$RUN/slurmctld.pid" "$RUN/slurmd.pid" 2>/dev/null)
if [ -n "$PIDS" ]; then
  JOBS=$(squeue -h -o %A 2>/dev/null | sort -u)
  if [ -n "$JOBS" ]; then
    scancel $JOBS 2>/dev/null
    for _ in $(seq 150); do  # cancelled jobs stay listed (CG) until their processes are gone
      squeue -h 2>/dev/null | grep -q . || break
      sleep 0.2
    done
  fi
  scontrol shutdown >/dev/null 2>&1
fi
for _ in $(seq 100); do  # the pid files vanish before the processes do: wait on the PIDs
  alive=
  for p in $PIDS; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && break
  sleep 0.1
done
for p in $PIDS; do kill -0 "$p" 2>/dev/null && kill -9 "$p"; done
if [ -e "$RUN/munged.started" ]; then
  runuser -u munge -- /usr/sbin/munged --stop >/dev/null 2>&1
  rm -f "$RUN/munged.started"
fi
exit 0
