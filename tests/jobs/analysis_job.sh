# `analysis/report.py` on a real two-cell sweep: candidates from real GSM8K solutions, the real
# `iwsi weigh` (stories260K) and `iwsi filter` (iwsi at k = 50 and 80, lmsi); train and eval files are
# written here with h5py exactly per docs/SCHEMA.md (training a model per cell would make this test slow;
# the train and eval jobs have their own tests). The cells use the plan's names (jobs/plan.h) in
# two layouts: T0.7 as `iwsi run` writes it (filter-iwsi-k50.h5 ...), T1.1 hand-made with k50/, k80/
# subdirectories (k50/filter-iwsi.h5, k50/train-iwsi/, k50/eval-iwsi.h5).
# Every number the report writes is checked against a computation of our own from the HDF5 files;
# every figure must be a PNG linked from index.md; bad files must stop it with one clear line.
source "$(dirname "$0")/lib.bash"
MODEL=$SHARED/models/stories260K
SWEEP=$WORK/sweep
REPORT=(analysis/report.py)

# The fixture lacks what `iwsi generate` writes and a real pool has: the sampling config (T), the
# chunks table, and questions whose majority is wrong (here every 4th: its gold answer is changed).
complete_candidates() {  # FILE T
  "$PY" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
path, temperature = sys.argv[1], sys.argv[2]
with h5py.File(path, "r+") as f:
    f.attrs["config"] = f"[generate]\noutput = {path}\n\n[sampling]\nm = 3\ntemperature = {temperature}\ntop_k = 50\n"
    q, c = f["questions"], f["candidates"]
    text = lambda g, i: bytes(g["values"][g["offsets"][i]:g["offsets"][i + 1]]).decode()
    gold = [text(q["gold"], i) for i in range(len(q["question_index"]))]
    gold = [str(int(g) + 7) if i % 4 == 1 else g for i, g in enumerate(gold)]
    encoded = [np.frombuffer(g.encode(), np.int8) for g in gold]
    del q["gold"]
    g = q.create_group("gold")
    g.attrs["kind"] = "ragged"
    g["values"], g["offsets"] = np.concatenate(encoded), np.cumsum([0] + [len(e) for e in encoded]).astype(np.int64)
    answers = [text(c["answer"], i) for i in range(len(c["question_index"]))]
    c["correct"][...] = np.array([a == gold[qi] for a, qi in zip(answers, c["question_index"][:])], np.int8)
    chunks = f.create_group("chunks")
    n = 6
    chunks["chunk"], chunks["rank"] = np.arange(n, dtype=np.int64), np.array([0, 1, 0, 1, 1, 0], np.int32)
    chunks["seconds"] = np.array([2.0, 3.5, 2.5, 3.0, 4.0, 1.5])
    chunks["tokens"] = np.array([400, 520, 450, 480, 600, 300], np.int64)
PY
}

make_cell() {  # DIR T QUESTIONS LMSI_SELECTION_NAME
  local dir=$1
  mkdir -p "$dir"
  "$PY" tests/jobs/make_candidates.py "$SHARED" "$dir/candidates.h5" "$3" && complete_candidates "$dir/candidates.h5" "$2"
  check "weigh $dir" mpirun -np 2 "$IWSI" weigh --weigh.candidates "$dir/candidates.h5" --data.name gsm8k \
    --data.dir "$SHARED/data" --model.path "$MODEL" --runtime.threads 1 --weigh.chunk_size 8 --data.valid_size 10 \
    --weigh.output "$dir/weights.h5"
  check "filter lmsi $dir" mpirun -np 2 "$IWSI" filter --filter.candidates "$dir/candidates.h5" \
    --filter.output "$dir/$4" --strategy lmsi
}
filter_iwsi() {  # CELL_DIR K OUTPUT
  check "filter iwsi k=$2 into $3" mpirun -np 2 "$IWSI" filter --filter.candidates "$1/candidates.h5" \
    --filter.weights "$1/weights.h5" --filter.output "$3" --strategy iwsi --k "$2"
}
make_cell "$SWEEP/T0.7" 0.7 20 filter-lmsi.h5
filter_iwsi "$SWEEP/T0.7" 50 "$SWEEP/T0.7/filter-iwsi-k50.h5"
filter_iwsi "$SWEEP/T0.7" 80 "$SWEEP/T0.7/filter-iwsi-k80.h5"
make_cell "$SWEEP/T1.1" 1.1 14 filter-lmsi.h5
mkdir -p "$SWEEP/T1.1/k50" "$SWEEP/T1.1/k80"
filter_iwsi "$SWEEP/T1.1" 50 "$SWEEP/T1.1/k50/filter-iwsi.h5"
filter_iwsi "$SWEEP/T1.1" 80 "$SWEEP/T1.1/k80/filter-iwsi.h5"

# Train and eval files per docs/SCHEMA.md. T0.7 links them the way the jobs will (train `inputs` =
# the selection's SHA-256, eval `adapter` = the train directory), its IWSI k=80 files under names
# that say nothing (lora_b/, eval_second.h5); T1.1 by names only, with adapter paths from another
# machine.
check "synthetic train and eval files" "$PY" - "$SWEEP" <<'PY'
import hashlib, json, os, sys, h5py, numpy as np
sweep = sys.argv[1]

def common(f, schema, job, config=""):
    for key, value in {"schema": schema, "job": job, "config": config, "git_commit": "test", "versions": "",
                       "hostnames": "vm", "started_at": "", "finished_at": "", "inputs": "[]"}.items():
        f.attrs[key] = value
    f.attrs["schema_version"], f.attrs["complete"], f.attrs["mpi_ranks"] = np.int64(1), np.int64(1), np.int64(1)

def text(group, name, texts):
    g = group.create_group(name)
    g.attrs["kind"] = "ragged"
    encoded = [np.frombuffer(t.encode(), np.int8) for t in texts]
    g["values"] = np.concatenate(encoded) if encoded else np.zeros(0, np.int8)
    g["offsets"] = np.cumsum([0] + [len(e) for e in encoded]).astype(np.int64)

def write_train(directory, selection, seed, with_inputs):
    os.makedirs(directory, exist_ok=True)
    kept = int(h5py.File(selection, "r").attrs["kept"])
    steps = 12
    rng = np.random.default_rng(seed)
    loss = 3.0 * np.exp(-np.arange(steps) / (4 + seed)) + 1.0 + 0.05 * rng.random(steps)
    with h5py.File(f"{directory}/train.h5", "w") as f:
        common(f, "iwsi.train", "iwsi train")
        if with_inputs:
            sha = hashlib.sha256(open(selection, "rb").read()).hexdigest()
            f.attrs["inputs"] = json.dumps([{"path": selection, "size": os.path.getsize(selection), "sha256": sha}])
        f.attrs["mode"], f.attrs["samples"], f.attrs["final_loss"] = "lora", np.int64(kept), loss[-1]
        s = f.create_group("steps")
        s["step"], s["epoch"] = np.arange(steps, dtype=np.int64), np.arange(steps, dtype=np.int64) // 3
        s["loss"], s["lr"], s["grad_norm"] = loss, np.full(steps, 3e-4), 1.0 + rng.random(steps)
        s["tokens"], s["seconds"] = np.full(steps, 640, np.int64), np.full(steps, 0.5)
        s["tokens_per_s"] = s["tokens"][()] / s["seconds"][()]

def write_eval(path, adapter, seed, share):
    n = 40
    correct = (np.random.default_rng(seed).random(n) < share).astype(np.int8)
    with h5py.File(path, "w") as f:
        common(f, "iwsi.eval", "iwsi eval")
        f.attrs["accuracy"], f.attrs["correct"], f.attrs["total"] = 100.0 * correct.mean(), np.int64(correct.sum()), np.int64(n)
        f.attrs["dataset"], f.attrs["split"], f.attrs["model_path"], f.attrs["adapter"] = "gsm8k", "test", "stories260K", adapter
        q = f.create_group("questions")
        q["question_index"], q["correct"], q["length"] = np.arange(n, dtype=np.int64), correct, np.full(n, 30, np.int32)
        text(q, "id", [f"test.jsonl:{i + 1}" for i in range(n)])
        text(q, "gold", [str(i) for i in range(n)])
        text(q, "prediction", [str(i if c else i + 1) for i, c in enumerate(correct)])
        text(q, "text", [f"Some steps.\nThe answer is {i if c else i + 1}." for i, c in enumerate(correct)])

write_eval(f"{sweep}/eval-base.h5", "", 1, 0.10)
a = f"{sweep}/T0.7"
for seed, (label, train, evaluation, share) in enumerate([("lmsi", "train-lmsi", "eval-lmsi", 0.3),
                                                          ("iwsi-k50", "train-iwsi-k50", "eval-iwsi-k50", 0.35),
                                                          ("iwsi-k80", "lora_b", "eval_second", 0.45)], start=2):
    write_train(f"{a}/{train}", f"{a}/filter-{label}.h5", seed, with_inputs=True)
    write_eval(f"{a}/{evaluation}.h5", f"{a}/{train}/adapter", seed, share)
b = f"{sweep}/T1.1"
write_train(f"{b}/train-lmsi", f"{b}/filter-lmsi.h5", 7, with_inputs=False)
write_eval(f"{b}/eval-lmsi.h5", "/scratch/elsewhere/T1.1/train-lmsi", 7, 0.25)
for seed, (k, share) in enumerate([(50, 0.3), (80, 0.4)], start=8):
    write_train(f"{b}/k{k}/train-iwsi", f"{b}/k{k}/filter-iwsi.h5", seed, with_inputs=False)
    write_eval(f"{b}/k{k}/eval-iwsi.h5", f"/scratch/elsewhere/T1.1/k{k}/train-iwsi/adapter", seed, share)
PY

OUT=$WORK/report
check "report.py on the sweep" "$PY" "${REPORT[@]}" "$SWEEP" --out "$OUT"

check "tables equal a direct computation from the HDF5 files" "$PY" - "$SWEEP" "$OUT" <<'PY'
import csv, math, os, sys, h5py, numpy as np
sweep, out = sys.argv[1:]
table = lambda name: list(csv.DictReader(open(f"{out}/{name}.csv")))
num = lambda s: float(s) if s != "" else None
def close(a, b, what):
    assert (a is None and b is None) or abs(a - b) <= 1e-9 * max(1.0, abs(b)), f"{what}: report {a}, expected {b}"

# Accuracy: one row per eval file, accuracy = mean of its correct column, kept = rows of the
# selection it trained on.
selection_of = {"T0.7/eval-lmsi.h5": ("T0.7/filter-lmsi.h5", "LMSI"),
                "T0.7/eval-iwsi-k50.h5": ("T0.7/filter-iwsi-k50.h5", "IWSI k=50"),
                "T0.7/eval_second.h5": ("T0.7/filter-iwsi-k80.h5", "IWSI k=80"),
                "T1.1/eval-lmsi.h5": ("T1.1/filter-lmsi.h5", "LMSI"),
                "T1.1/k50/eval-iwsi.h5": ("T1.1/k50/filter-iwsi.h5", "IWSI k=50"),
                "T1.1/k80/eval-iwsi.h5": ("T1.1/k80/filter-iwsi.h5", "IWSI k=80"), "eval-base.h5": (None, "base")}
rows = table("accuracy")
assert sorted(r["file"] for r in rows) == sorted(selection_of), [r["file"] for r in rows]
for r in rows:
    name = r["file"]
    correct = h5py.File(f"{sweep}/{name}", "r")["questions/correct"][:]
    close(num(r["accuracy"]), 100.0 * np.mean(correct == 1), f"accuracy of {name}")
    assert int(r["correct"]) == int(np.sum(correct == 1)) and int(r["total"]) == correct.size, name
    # 95% Wilson interval: the p with n (p_hat - p)^2 = z^2 p (1 - p), the roots of a quadratic
    n_, p_hat, z = correct.size, np.mean(correct == 1), 1.959963984540054
    low, high = sorted(np.roots([n_ + z * z, -(2 * n_ * p_hat + z * z), n_ * p_hat * p_hat]).real)
    close(num(r["ci95_low"]), 100 * max(low, 0.0), f"ci95_low of {name}")
    close(num(r["ci95_high"]), 100 * min(high, 1.0), f"ci95_high of {name}")
    assert num(r["ci95_low"]) <= num(r["accuracy"]) <= num(r["ci95_high"]), r
    selection, method = selection_of[name]
    assert r["method"] == method, (name, r["method"], method)
    if selection is None:
        assert r["kept"] == "" and r["T"] == "", r
    else:
        kept = h5py.File(f"{sweep}/{selection}", "r")["kept/row"].size
        assert int(r["kept"]) == kept, (name, r["kept"], kept)
        assert num(r["T"]) == (0.7 if name.startswith("T0.7") else 1.1), (name, r["T"])
assert open(f"{out}/accuracy.md").read().count("\n| ") == len(rows) + 1, "accuracy.md has a row per eval file"

# k sweep: kept = floor(k% of D_c), sigma_k = the k-th smallest DS weight, from the weights file.
for r in table("accuracy_vs_k"):
    cell = f"{sweep}/{r['cell']}"
    w_ds = h5py.File(f"{cell}/weights.h5", "r")["candidates/w_ds"][:]
    w = np.sort(w_ds[np.isfinite(w_ds)])
    k = num(r["k"])
    n = max(1, math.floor(k / 100 * w.size))
    assert r["strategy"] == "iwsi" and int(r["kept"]) == n and int(r["eligible"]) == w.size, r
    close(num(r["sigma_k"]), w[n - 1], f"sigma_k of {r['cell']} k={k}")
    evals = [x for x in rows if x["file"].startswith(r["cell"] + "/") and x["method"] == f"IWSI k={k:g}"]
    assert len(evals) == 1 and num(r["accuracy"]) == num(evals[0]["accuracy"]), (r, evals)
    assert num(r["ci95_low"]) == num(evals[0]["ci95_low"]) and num(r["ci95_high"]) == num(evals[0]["ci95_high"]), r
assert len(table("accuracy_vs_k")) == 4

# DS intervals and losses per cell, recomputed with numpy.
edges = [1.0, 1.1, 1.3, 1.5, 2.0, np.inf]
for cell in ("T0.7", "T1.1"):
    c = h5py.File(f"{sweep}/{cell}/candidates.h5", "r")["candidates"]
    wf = h5py.File(f"{sweep}/{cell}/weights.h5", "r")
    cons, correct = c["consistent"][:] == 1, c["correct"][:]
    w_ds, loss = wf["candidates/w_ds"][:], wf["candidates/loss"][:]
    intervals = table(f"ds_intervals_{cell}")
    assert len(intervals) == 5
    wrong_total = 0
    for (lo, hi), r in zip(zip(edges, edges[1:]), intervals):
        here = cons & (w_ds >= lo) & (w_ds < hi)
        right, wrong = int(np.sum(here & (correct == 1))), int(np.sum(here & (correct == 0)))
        wrong_total += wrong
        assert (int(r["candidates"]), int(r["correct"]), int(r["wrong"])) == (int(here.sum()), right, wrong), (cell, r)
        close(num(r["share correct"]), 100.0 * right / (right + wrong) if right + wrong else None, f"{cell} {r['DS interval']}")
    assert wrong_total > 0, f"{cell}: the fixture has wrong consistent answers"
    losses = {r["set"]: r for r in table(f"losses_{cell}")}
    valid = wf["valid/loss"][:]
    close(num(losses["valid set"]["mean loss"]), valid.mean(), f"{cell} valid mean loss")
    close(num(losses["consistent (D_c)"]["mean loss"]), loss[cons].mean(), f"{cell} D_c mean loss")
    for k in (50, 80):
        sel = f"{sweep}/{cell}/filter-iwsi-k{k}.h5" if cell == "T0.7" else f"{sweep}/{cell}/k{k}/filter-iwsi.h5"
        kept = h5py.File(sel, "r")["kept/row"][:]
        close(num(losses[f"IWSI kept, k={k}"]["mean loss"]), loss[kept].mean(), f"{cell} IWSI k={k} mean loss")
        close(num(losses[f"IWSI kept, k={k}"]["median loss"]), np.median(loss[kept]), f"{cell} IWSI k={k} median")
    # Generation: parse rate and tokens/s per rank from the chunks table.
    stats = {r["statistic"]: r["value"] for r in table(f"generation_{cell}")}
    close(num(stats["answer parse rate (%)"]), 100.0 * np.mean(c["parsed"][:] == 1), f"{cell} parse rate")
    close(num(stats["correct among D_c (%)"]), 100.0 * np.mean(correct[cons] == 1), f"{cell} D_c correct")
    qs = h5py.File(f"{sweep}/{cell}/candidates.h5", "r")["questions"]
    text = lambda g, i: bytes(g["values"][g["offsets"][i]:g["offsets"][i + 1]]).decode()
    right = [text(qs["majority"], i) == text(qs["gold"], i) for i in range(qs["question_index"].size)]
    close(num(stats["majority answer correct (% of questions)"]), 100.0 * np.mean(right), f"{cell} majority correct")
    ch = h5py.File(f"{sweep}/{cell}/candidates.h5", "r")["chunks"]
    for r in table(f"generation_ranks_{cell}"):
        mine = ch["rank"][:] == int(r["rank"])
        close(num(r["tokens/s"]), ch["tokens"][:][mine].sum() / ch["seconds"][:][mine].sum(), f"{cell} rank {r['rank']}")
    # Training: one row per train file, its final loss.
    for r in table(f"training_{cell}"):
        close(num(r["final loss"]), float(h5py.File(f"{sweep}/{r['file']}", "r").attrs["final_loss"]), r["file"])
    assert len(table(f"training_{cell}")) == 3, cell

# Examples: the question with the widest DS spread shows its lowest and highest weight.
c = h5py.File(f"{sweep}/T0.7/candidates.h5", "r")["candidates"]
w_ds = h5py.File(f"{sweep}/T0.7/weights.h5", "r")["candidates/w_ds"][:]
q = c["question_index"][:]
spread = {i: np.ptp(w_ds[(q == i) & np.isfinite(w_ds)]) for i in set(q) if np.sum((q == i) & np.isfinite(w_ds)) >= 2}
widest = max(spread, key=lambda i: (spread[i], -i))
page = open(f"{out}/examples_T0.7.md").read()
mine = w_ds[(q == widest) & np.isfinite(w_ds)]
assert f"**Question {widest}**" in page and f"w_DS = {mine.min():.3f}" in page and f"w_DS = {mine.max():.3f}" in page
PY

check "every figure is a PNG linked from index.md, every link exists" "$PY" - "$OUT" <<'PY'
import os, re, sys
out = sys.argv[1]
index = open(f"{out}/index.md").read()
expected = {"accuracy_vs_k.png", "sigma_k_vs_k.png"} | {f"{name}_{cell}.png" for cell in ("T0.7", "T1.1") for name in
            ("ds_weights", "ds_share_correct", "losses", "training_loss", "generation")}
pngs = {n for n in os.listdir(out) if n.endswith(".png")}
assert pngs == expected, sorted(pngs ^ expected)
for name in pngs:
    assert open(f"{out}/{name}", "rb").read(8) == b"\x89PNG\r\n\x1a\n", name
    assert f"]({name})" in index, f"index.md does not link {name}"
links = set(re.findall(r"\]\(([^)]+)\)", index))
assert all(os.path.exists(f"{out}/{link}") for link in links), [l for l in links if not os.path.exists(f"{out}/{l}")]
assert "| IWSI k=80 |" in index and "[accuracy.csv](accuracy.csv)" in index
assert "note:" not in index, "every file was linked by its contents or the naming conventions, nothing guessed"
PY

# Bad inputs: one line naming the file, a non-zero exit, no traceback.
bad_copy() { rm -rf "$WORK/bad" && cp -r "$SWEEP" "$WORK/bad"; }
expect_failure "a missing directory" "$WORK/nowhere: no such directory" "$PY" "${REPORT[@]}" "$WORK/nowhere"
bad_copy && rm "$WORK/bad/T1.1/candidates.h5"
expect_failure "a run without its candidate file" "$WORK/bad/T1.1/weights.h5: no iwsi.candidates file" \
  "$PY" "${REPORT[@]}" "$WORK/bad"
bad_copy && mv "$WORK/bad/T0.7/eval-lmsi.h5" "$WORK/bad/T0.7/eval-lmsi.h5.tmp"
expect_failure "an unfinished file (.tmp only)" "$WORK/bad/T0.7/eval-lmsi.h5 is unfinished (only $WORK/bad/T0.7/eval-lmsi.h5.tmp exists)" \
  "$PY" "${REPORT[@]}" "$WORK/bad"
check "--skip-bad reports without it" "$PY" "${REPORT[@]}" "$WORK/bad" --skip-bad --out "$WORK/bad_report"
check "  ... and its accuracy table has one row less" test "$(wc -l <"$WORK/bad_report/accuracy.csv")" -eq "$(($(wc -l <"$OUT/accuracy.csv") - 1))"
set_attribute() {  # FILE NAME PYTHON_VALUE
  "$PY" -c "import h5py, numpy as np, sys; h5py.File(sys.argv[1], 'r+').attrs[sys.argv[2]] = $3" "$1" "$2"
}
bad_copy && set_attribute "$WORK/bad/T1.1/weights.h5" schema_version "np.int64(2)"
expect_failure "a newer schema version" "$WORK/bad/T1.1/weights.h5 has iwsi.weights version 2; this report reads versions 1 to 1" \
  "$PY" "${REPORT[@]}" "$WORK/bad"
bad_copy && set_attribute "$WORK/bad/T0.7/filter-iwsi-k50.h5" complete "np.int64(0)"
expect_failure "an incomplete file" "$WORK/bad/T0.7/filter-iwsi-k50.h5 is incomplete (complete = 0)" \
  "$PY" "${REPORT[@]}" "$WORK/bad"
bad_copy && set_attribute "$WORK/bad/T0.7/weights.h5" schema "'iwsi.mystery'"
expect_failure "an unknown schema" "$WORK/bad/T0.7/weights.h5 holds unknown schema 'iwsi.mystery'" \
  "$PY" "${REPORT[@]}" "$WORK/bad"
bad_copy && cp "$SWEEP/T1.1/weights.h5" "$WORK/bad/T0.7/weights.h5"
expect_failure "weights of another candidate file" "$WORK/bad/T0.7/weights.h5 has weights for 42 candidates but" \
  "$PY" "${REPORT[@]}" "$WORK/bad"
check "no failure printed a traceback" bash -c "! $PY ${REPORT[*]} $WORK/bad 2>&1 | grep -q Traceback"
finish
