#!/bin/bash
# Starts a single-node Slurm cluster on localhost (ports 6817/6818) whose files all live in RUN_DIR:
# munged (only if none runs; then RUN_DIR/munged.started says so, for down.sh), slurmctld, slurmd.
# Returns when the node is idle. Afterwards: export SLURM_CONF=RUN_DIR/slurm.conf. Root only.
# It does not install anything (scripts/setup.sh does) and never touches /etc/slurm.
# usage: tests/slurm/up.sh RUN_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$(mkdir -p "$1" && cd "$1" && pwd)
mkdir -p "$RUN"/{state,spool,log,tmp}
sed "s#@DIR@#$RUN#g" "$HERE/slurm.conf.in" > "$RUN/slurm.conf"
export SLURM_CONF=$RUN/slurm.conf
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || mungekey --create --force   # munge's postinst normally made it
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  install -d -o munge -g munge -m 755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  touch "$RUN/munged.started"
  munge -n | unmunge >/dev/null
fi
if scontrol ping 2>/dev/null | grep -q UP; then
  echo "up.sh: a slurmctld already answers on this machine's port 6817; stop it first" >&2; exit 1
fi
slurmctld -c          # -c: start with no saved jobs
slurmd -N localhost   # -N must equal NodeName in slurm.conf (the hostname is irrelevant)
for _ in $(seq 150); do
  sinfo -h -N -o %t 2>/dev/null | grep -qx idle && exit 0
  sleep 0.2
done
echo "up.sh: slurm did not come up" >&2; tail -n 20 "$RUN"/log/*.log >&2; exit 1
