# iwsi-tools, what the Slurm scripts ask on a login node (no MPI, libtorch or Python): whether
# outputs are complete, what an INI file says, the INI file without the scripts' own sections, and
# the strategies with what each takes. `iwsi TOOL` must answer the same.
source "$(dirname "$0")/lib.bash"
TOOLS=${IWSI_TOOLS:-$(dirname "$IWSI")/iwsi-tools}

# complete: a finished output, one not marked complete (a job still writing, or one that died), a
# broken file, a missing one, a marker file and a missing marker.
echo '{"id": 1, "prompt": "Once upon a time"}' >"$WORK/prompt.jsonl"
"$IWSI" decode --decode.prompts "$WORK/prompt.jsonl" --decode.output "$WORK/done.h5" \
  --model.path "$SHARED/models/stories260K" --temperature 0 --max_new_tokens 4 >/dev/null 2>&1
"$PY" -c "import h5py; h5py.File('$WORK/open.h5', 'w').attrs['complete'] = 0"
echo "not HDF5" >"$WORK/broken.h5"
touch "$WORK/cells.done"
paths=("$WORK/done.h5" "$WORK/open.h5" "$WORK/broken.h5" "$WORK/absent.h5" "$WORK/cells.done" "$WORK/absent.done")
check "complete: 1 only for the finished output and the marker" test "$("$TOOLS" complete "${paths[@]}" | paste -sd' ')" = "1 0 0 0 1 0"
check "iwsi complete answers the same" test "$("$IWSI" complete "${paths[@]}" | paste -sd' ')" = "1 0 0 0 1 0"

# ini: the last of repeated keys, comments anywhere, sections only by name, defaults.
cat >"$WORK/c.ini" <<'INI'
# a comment
[sampling]
temperature = 0.7   # first
temperature = 1.1
[slurm]
mem = 16G
[filter]
k=80
INI
check "ini get: the last value of a repeated key, comments dropped" test "$("$TOOLS" ini get "$WORK/c.ini" sampling.temperature)" = 1.1
check "ini get: a key without spaces around =" test "$("$TOOLS" ini get "$WORK/c.ini" filter.k)" = 80
check "ini get: the default for a missing key" test "$("$TOOLS" ini get "$WORK/c.ini" slurm.qos normal)" = normal
expect_failure "ini get: a missing key without default names file, section and key" \
  "$WORK/c.ini: option 'qos' in [slurm] is required" "$TOOLS" ini get "$WORK/c.ini" slurm.qos
expect_failure "ini get: an unreadable file is named" "cannot read $WORK/absent.ini" "$TOOLS" ini get "$WORK/absent.ini" a.b
"$TOOLS" ini strip "$WORK/c.ini" "$WORK/stripped.ini" slurm
check "ini strip: the section and its keys go, the rest stays as written" \
  test "$(cat "$WORK/stripped.ini")" = "$(grep -v -e '^\[slurm\]' -e '^mem' "$WORK/c.ini")"
check "... and the jobs accept the result" "$IWSI" filter --config "$WORK/stripped.ini" --help

# strategies: the table of select/strategy.h.
check "strategies: one line per strategy: name uses_k needs_weights needs_judgments needs_rm_scores" \
  test "$("$TOOLS" strategies | paste -sd,)" = \
  "none 0 0 0 0,lmsi 0 0 0 0,iwsi 1 1 0 0,entropy 1 0 0 0,self 1 0 1 0,rm 1 0 0 1,oracle 0 0 0 0,iwsi-w 0 1 0 0,entropy-paper 1 0 0 0,self-paper 1 0 1 0"
expect_failure "an unknown tool use prints the usage" "usage: iwsi-tools" "$TOOLS" nothing
finish
