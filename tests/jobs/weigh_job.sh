# `iwsi weigh` end to end with stories260K on real GSM8K solutions: the weights file is
# bit-identical for 1, 2 and 3 ranks; exactly D_c is scored; w' and the DS weights equal the
# definition (../shared/docs/IWSI.md) from the stored losses; an empty valid set fails clearly and
# leaves no finished-looking file.
source "$(dirname "$0")/lib.bash"
MODEL=$SHARED/models/stories260K
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/c.h5" 20
W0=(--weigh.candidates "$WORK/c.h5" --data.name gsm8k --data.dir "$SHARED/data"
    --model.path "$MODEL" --runtime.threads 1 --weigh.chunk_size 8)
W=("${W0[@]}" --data.valid_size 10)
for np_ in 1 2 3; do
  check "weigh on $np_ rank(s)" mpirun -np $np_ "$IWSI" weigh "${W[@]}" --weigh.output "$WORK/w$np_.h5"
done
check "weights: 1 and 2 ranks bit-identical" "$PY" tests/jobs/same_data.py "$WORK/w1.h5" "$WORK/w2.h5" candidates valid
check "weights: 1 and 3 ranks bit-identical" "$PY" tests/jobs/same_data.py "$WORK/w1.h5" "$WORK/w3.h5" candidates valid
check "D_c is scored, w' = mean valid loss / loss, DS weight = max(w', 1/w')" "$PY" - "$WORK" <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
c, w = h5py.File(f"{d}/c.h5", "r")["candidates"], h5py.File(f"{d}/w1.h5", "r")
cons = c["consistent"][:] == 1
loss, w_prime, w_ds = (w["candidates"][k][:] for k in ("loss", "w_prime", "w_ds"))
assert np.all(np.isnan(loss) == ~cons), "scored exactly the consistent rows"
mean = w["valid/loss"][:].mean()
assert len(w["valid/loss"]) == 10 and abs(w.attrs["valid_mean_loss"] - mean) < 1e-9, (w.attrs["valid_mean_loss"], mean)
assert np.allclose(w_prime[cons], w.attrs["valid_mean_loss"] / loss[cons], rtol=1e-12)
assert np.allclose(w_ds[cons], np.maximum(w_prime[cons], 1 / w_prime[cons]), rtol=1e-12)
PY
expect_failure "empty valid set" "the valid set is empty" mpirun -np 2 "$IWSI" weigh "${W0[@]}" --data.valid_size 0 \
  --weigh.output "$WORK/bad.h5"
check "no output file is left by the failure" test ! -e "$WORK/bad.h5"
finish
