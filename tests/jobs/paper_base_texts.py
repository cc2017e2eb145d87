"""Training texts for the small base model of tests/jobs/paper_e2e_job.sh, in GSM8K format.

The first N records of GSM8K's train.jsonl (their human solutions) and of OpenBookQA's train.tsv
(its question in the paper's "Answer Choices are: A)..; B)..." form, answered "#### (K)", which
becomes "The answer is (K)."), so the model has seen the pool questions of a small run and ends
its answers with the sentence both extractors read. Single "Q: ..\nA: .." texts are enough: a
model trained on them still answers after the paper's three-exemplar prompts (measured: 90-99%
of samples parsed), while texts written after exemplars made training 20 times slower.

Usage: paper_base_texts.py SHARED_DATA_DIR N OUT_JSONL
"""
import csv
import json
import re
import sys

data, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def gsm8k():
    with open(f"{data}/gsm8k/train.jsonl", encoding="utf-8") as f:
        for line, _ in zip(f, range(n)):
            record = json.loads(line)
            yield record["question"], record["answer"]


def openbookqa():
    # As src/data/choice_readers.cc: a stem that is no question gets a "?", then the options.
    with open(f"{data}/openbookqa/train.tsv", encoding="utf-8", newline="") as f:
        for row, _ in zip(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE), range(n)):
            stem = row["Question Stem"].strip()
            stem += "" if stem.endswith("?") else "?"
            parts = re.split(r"\(([ABCD])\)", row["Choices"])[1:]
            options = "; ".join(f"{label}){text.strip()}" for label, text in zip(parts[0::2], parts[1::2]))
            yield f"{stem} Answer Choices are: {options}.", f"#### ({row['Answer Key']})"


with open(out, "w", encoding="utf-8") as f:
    for question, answer in [*gsm8k(), *openbookqa()]:
        f.write(json.dumps({"question": question, "answer": answer}) + "\n")
