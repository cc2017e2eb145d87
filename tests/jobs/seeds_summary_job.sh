# analysis/seeds_summary.py (the demo's multi-seed claim) on eval files made here with known
# accuracies: the per-strategy spread, the paired differences per seed, and k chosen on the valid
# split (ties to the larger k) -- the test split must never influence the choice.
source "$(dirname "$0")/lib.bash"
"$PY" - "$WORK" <<'PY'
import h5py, os, sys
d = sys.argv[1]
# seed -> {cell: (test accuracy, valid accuracy or None)}
runs = {0: {"base": (40, None), "lmsi": (30, None), "iwsi-k30": (60, 70), "iwsi-k80": (50, 70), "oracle": (35, None)},
        1: {"base": (20, None), "lmsi": (25, None), "iwsi-k30": (45, 60), "iwsi-k80": (90, 50), "oracle": (30, None)}}
for seed, cells in runs.items():
    os.makedirs(f"{d}/seeds/seed{seed}")
    for cell, (test, valid) in cells.items():
        for prefix, value in (("eval", test), ("valid", valid)):
            if value is None:
                continue
            with h5py.File(f"{d}/seeds/seed{seed}/{prefix}-{cell}.h5", "w") as f:  # a minimal iwsi.eval file
                correct = [1] * value + [0] * (100 - value)
                f["questions/question_index"], f["questions/correct"] = list(range(100)), correct
                f.attrs.update({"schema": "iwsi.eval", "schema_version": 1, "complete": 1,
                                "accuracy": float(value), "correct": value, "total": 100})
PY
check "the summary runs" "$PY" analysis/seeds_summary.py "$WORK/seeds"
mv "$WORK/seeds/seed1/eval-lmsi.h5" "$WORK/seeds/seed1/eval-lmsi.h5.tmp"
expect_failure "an unfinished eval file" "seed1/eval-lmsi.h5 is unfinished" "$PY" analysis/seeds_summary.py "$WORK/seeds"
mv "$WORK/seeds/seed1/eval-lmsi.h5.tmp" "$WORK/seeds/seed1/eval-lmsi.h5"
check "its numbers are the expected ones" "$PY" - "$WORK/seeds/summary.md" <<'PY'
import sys
text = open(sys.argv[1]).read()
rows = {tuple(c.strip() for c in line.split("|")[1:3]): [c.strip() for c in line.split("|")[3:-1]]
        for line in text.split("## Paired")[0].splitlines() if line.startswith("| ") and not line.startswith("| strategy")}
# test accuracy: mean, std, min, max, per seed
# ... and pooled: base has 40 + 20 of 200 right, 30.0% with 95% Wilson interval [24.1, 36.7] (by hand: centre 0.30377, half-width 0.06302)
assert rows[("base", "-")] == ["30.0", "14.1", "20.0", "40.0", "40.0, 20.0", "30.0 [24.1, 36.7]"], rows[("base", "-")]
assert rows[("iwsi", "80")][:4] == ["70.0", "28.3", "50.0", "90.0"]
# paired differences: iwsi k30 - lmsi = +30, +20; minus base = +20, +25
paired = [line for line in text.splitlines() if line.startswith("| iwsi | 30 |")][1]
assert [c.strip() for c in paired.split("|")[3:-1]] == ["+25.0", "7.1", "+20.0", "+22.5", "3.5", "+20.0"], paired
# k on valid: seed 0 ties (70, 70) -> the larger k (80, test 50); seed 1 -> k 30 (60 > 50, test 45)
assert "| 0 | 80 | 70.0 | 50.0 | 30.0 | 40.0 | +20.0 | +10.0 |" in text, text
assert "| 1 | 30 | 60.0 | 45.0 | 25.0 | 20.0 | +20.0 | +25.0 |" in text, text
assert "| mean (std) | | | 47.5 (3.5) | | | +20.0 (0.0) | +17.5 (10.6) |" in text, text
assert "![Test accuracy per seed with 95% Wilson intervals](summary.png)" in text
PY
check "the seeds figure is a PNG" "$PY" -c "import sys; assert open(sys.argv[1], 'rb').read(8) == b'\x89PNG\r\n\x1a\n'" "$WORK/seeds/summary.png"
finish
