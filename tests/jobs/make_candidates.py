"""Writes an iwsi.candidates file (docs/SCHEMA.md) whose samples are real GSM8K solutions, for
testing the stages after generation without a model that can do arithmetic. Question q of the
pool (GSM8K train[q]) gets 3 samples: its own solution (rewritten like the valid set), the same
solution with a repeated first step, and a bare answer; sample 2 of every third question gives a
wrong bare answer, so votes, consistency and correctness vary.
With PROVENANCE.h5 (a candidate file `iwsi generate` wrote), its provenance attributes (config,
inputs, commit, ...) are copied, so that the run's plan takes the file for that generate's output.
usage: make_candidates.py SHARED_DIR OUT.h5 QUESTIONS [PROVENANCE.h5]"""
import json
import re
import sys

import h5py
import numpy as np

shared, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
records = [json.loads(line) for line in open(f"{shared}/data/gsm8k/train.jsonl")][:n]


def rationale(answer):
    body, final = answer.split("####")
    body = re.sub(r"<<[^>]*>>", "", body).strip()
    return f"{body}\nThe answer is {final.strip()}.", final.strip().replace(",", "")


def ragged(group, name, rows, dtype):
    g = group.create_group(name)
    g.attrs["kind"] = "ragged"
    offsets = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    flat = np.concatenate([np.asarray(r, dtype=dtype) for r in rows]) if rows else np.zeros(0, dtype)
    g["values"], g["offsets"] = flat.astype(dtype), offsets


def text(group, name, texts):
    ragged(group, name, [np.frombuffer(t.encode(), dtype=np.int8) for t in texts], np.int8)


qi, si, texts, answers, parsed, consistent, correct = [], [], [], [], [], [], []
golds, majorities, counts = [], [], []
for q, record in enumerate(records):
    good, gold = rationale(record["answer"])
    first = good.split("\n")[0]
    wrong = str(int(float(gold)) + 1) if q % 3 == 0 else gold
    samples = [(good, gold), (first + "\n" + good, gold), (f"The answer is {wrong}.", wrong)]
    majority = gold
    for s, (t, a) in enumerate(samples):
        qi.append(q), si.append(s), texts.append(t), answers.append(a), parsed.append(1)
        consistent.append(int(a == majority)), correct.append(int(a == gold))
    golds.append(gold), majorities.append(majority), counts.append(sum(a == majority for _, a in samples))

with h5py.File(out, "w") as f:
    for key, value in {"schema": "iwsi.candidates", "job": "make_candidates.py", "config": "", "git_commit": "test",
                       "versions": "", "hostnames": "", "started_at": "", "finished_at": "", "inputs": "[]",
                       "dataset": "gsm8k", "few_shot_prefix": ""}.items():
        f.attrs[key] = value
    f.attrs["schema_version"], f.attrs["complete"], f.attrs["mpi_ranks"] = np.int64(1), np.int64(1), np.int64(1)
    if len(sys.argv) > 4:
        with h5py.File(sys.argv[4], "r") as source:
            for key in ("job", "config", "git_commit", "versions", "hostnames", "started_at", "finished_at", "inputs"):
                f.attrs[key] = source.attrs[key]
    qs, cs = f.create_group("questions"), f.create_group("candidates")
    qs["question_index"] = np.arange(n, dtype=np.int64)
    text(qs, "id", [f"train.jsonl:{q + 1}" for q in range(n)])
    text(qs, "prompt", [r["question"] for r in records])
    ragged(qs, "prompt_ids", [[1]] * n, np.int32)
    text(qs, "gold", golds), text(qs, "majority", majorities)
    qs["majority_count"], qs["parsed_count"] = np.array(counts, np.int32), np.full(n, 3, np.int32)
    qs["entropy"] = np.array([0.58 if c == 2 else 0.0 for c in counts])
    qs["vote_share"] = np.array(counts) / 3.0
    cs["question_index"], cs["sample_index"] = np.array(qi, np.int64), np.array(si, np.int32)
    ragged(cs, "token_ids", [[5]] * len(qi), np.int32)
    text(cs, "text", texts), text(cs, "answer", answers)
    cs["sum_logprob"], cs["length"] = np.zeros(len(qi)), np.ones(len(qi), np.int32)
    cs["finish_reason"] = np.full(len(qi), 2, np.int8)
    cs["parsed"], cs["consistent"], cs["correct"] = (np.array(x, np.int8) for x in (parsed, consistent, correct))
