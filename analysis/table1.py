#!/usr/bin/python3
"""The paper's Table 1 for our runs: methods x the six datasets, each cell our test accuracy with its
95% Wilson interval beside the paper's number, from the eval files alone:

    /usr/bin/python3 analysis/table1.py RUNS_DIR [--k 80] [--out FILE]

RUNS_DIR holds one run directory per dataset as slurm/submit_table1.sh writes them (runs/paper:
gsm8k/, svamp/, anli-r1/, anli-r2/, openbookqa/, strategyqa/), each with the plan's eval files
(jobs/plan.h: eval-base.h5, eval-lmsi.h5, eval-<strategy>-k<k>.h5, eval-iwsi-w.h5). Entropy and Self
read the paper's variants (entropy-paper, self-paper) and fall back to ours (entropy, self), saying
which in the cell. A missing run or eval file is a "-" cell; an unfinished or bad one stops the
table with one line naming it. Cells evaluated with another protocol than the paper's
(eval.protocol) are marked. `avg` is the mean over the six datasets, when all six are there.
Writes FILE (default RUNS_DIR/table1.md) and a CSV beside it."""
import argparse
import contextlib
import csv
import os
import statistics
import sys

from intervals import interval_text
from iwsi_files import IwsiFileError, open_checked

DATASETS = [("gsm8k", "gsm8k"), ("svamp", "SVAMP"), ("anli-r1", "ANLI-A1"), ("anli-r2", "ANLI-A2"),
            ("openbookqa", "OpenBookQA"), ("strategyqa", "StrategyQA")]
# (method, eval cells to read in order of preference, {k} replaced by --k)
METHODS = [("base", ["base"]), ("LMSI", ["lmsi"]), ("Entropy-filter", ["entropy-paper-k{k}", "entropy-k{k}"]),
           ("Self-filter", ["self-paper-k{k}", "self-k{k}"]), ("IWSI-w", ["iwsi-w"]), ("IWSI", ["iwsi-k{k}"]),
           ("RM-filter", ["rm-k{k}"])]
# ../shared/docs/IWSI.md, Table 1 (Llama-3-8B base, k = 80): the six datasets, then the average.
PAPER = {"base": [7.0, 14.7, 16.4, 14.6, 31.8, 48.3, 22.1], "LMSI": [27.9, 45.0, 25.2, 22.6, 31.6, 51.4, 34.0],
         "Entropy-filter": [22.7, 56.0, 25.2, 22.8, 33.4, 51.2, 35.2],
         "Self-filter": [35.6, 62.7, 22.8, 25.6, 35.0, 50.4, 38.7],
         "IWSI-w": [37.0, 43.3, 21.8, 21.8, 31.8, 49.2, 34.2], "IWSI": [37.6, 62.7, 27.2, 23.4, 37.0, 54.6, 40.4],
         "RM-filter": [40.0, 66.3, 25.6, 25.0, 34.2, 51.4, 40.4]}


def find_eval(run_dir, cells, k):
    """(cell, eval file) of the first of `cells` evaluated in run_dir, or (None, None)."""
    for cell in cells:
        path = os.path.join(run_dir, f"eval-{cell.format(k=k)}.h5")
        if os.path.exists(path) or os.path.exists(path + ".tmp"):
            return cell.format(k=k), open_checked(path, "iwsi.eval")  # an unfinished one stops the table
    return None, None


def table(runs_dir, k):
    """[(method, [(cell text, accuracy or None, correct, total, eval cell) per dataset], avg text, paper avg)]."""
    rows = []
    for method, cells in METHODS:
        entries = []
        for i, (directory, _) in enumerate(DATASETS):
            cell, f = find_eval(os.path.join(runs_dir, directory), cells, k)
            paper = PAPER[method][i]
            if f is None:
                entries.append((f"- (paper {paper:.1f})", None, None, None, None))
                continue
            correct, total = int(f.attr("correct")), int(f.attr("total"))
            notes = []
            if cell != cells[0].format(k=k):
                notes.append(f"ours: {cell}")
            if f.attrs.get("protocol", "ours") != "paper":
                notes.append(f"protocol {f.attrs.get('protocol', 'ours')}")
            note = f" *{'; '.join(notes)}*" if notes else ""
            entries.append((f"{interval_text(correct, total)} (paper {paper:.1f}){note}", 100.0 * correct / total,
                            correct, total, cell))
        ours = [e[1] for e in entries]
        avg = statistics.mean(ours) if all(a is not None for a in ours) else None
        rows.append((method, entries, "-" if avg is None else f"{avg:.1f}", PAPER[method][-1], avg))
    return rows


@contextlib.contextmanager
def written(path):
    """A file opened for writing under a temporary name, renamed to `path` once complete."""
    temporary = path + ".tmp"
    with open(temporary, "w", newline="") as f:
        yield f
    os.replace(temporary, path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs_dir")
    parser.add_argument("--k", type=float, default=80.0, help="the k of the k-dependent strategies (default 80)")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.runs_dir):
        sys.exit(f"table1.py: error: {args.runs_dir}: no such directory")
    k = f"{args.k:g}"
    rows = table(args.runs_dir, k)
    names = [name for _, name in DATASETS]
    lines = [f"## Table 1: test accuracy (%) [95% Wilson interval] (the paper's number), k = {k}", "",
             "| method | " + " | ".join(names) + " | avg |", "|---" * (len(names) + 2) + "|"]
    for method, entries, avg, paper_avg, _ in rows:
        lines.append(f"| {method} | " + " | ".join(e[0] for e in entries) + f" | {avg} (paper {paper_avg:.1f}) |")
    text = "\n".join(lines) + "\n"
    out = args.out or os.path.join(args.runs_dir, "table1.md")
    with written(out) as f:
        f.write(text)
    with written(os.path.splitext(out)[0] + ".csv") as f:
        writer = csv.writer(f)
        writer.writerow(["method", "dataset", "eval_cell", "accuracy", "correct", "total", "paper"])
        for method, entries, _, _, _ in rows:
            for (directory, _), (_, accuracy, correct, total, cell), paper in zip(DATASETS, entries, PAPER[method]):
                writer.writerow([method, directory, cell or "", "" if accuracy is None else repr(accuracy),
                                 "" if correct is None else correct, "" if total is None else total, paper])
    print(text, end="")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except IwsiFileError as error:
        sys.exit(f"table1.py: error: {error}")
