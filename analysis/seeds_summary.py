#!/usr/bin/python3
"""The demo's claim over several seeds, from the eval files alone:

    /usr/bin/python3 analysis/seeds_summary.py SEEDS_DIR [--out FILE]

SEEDS_DIR holds one run directory per seed (seed0/, seed1/, ...), each written by `iwsi run` with
test evaluations eval-<cell>.h5 (the plan's names, jobs/plan.h) and, for choosing k without the
test set, evaluations of the same adapters on the labeled valid split valid-<cell>.h5
(scripts/demo_seeds.sh writes both). Prints and
writes (default SEEDS_DIR/summary.md):
  1. test accuracy per strategy and k: mean, sample std, min, max and every seed;
  2. paired differences per seed (IWSI at each k minus LMSI, minus base): mean, std, min -- the
     seed spread of the base model cancels in a paired difference;
  3. "iwsi, k chosen on valid": per seed the k whose adapter is most accurate on the valid split
     (ties go to the larger k, the more data), and that adapter's test accuracy. The test set never
     chooses anything."""
import argparse
import glob
import os
import re
import statistics
import sys

from iwsi_files import IwsiFileError, open_checked


def accuracy(path):
    """The accuracy attribute of an eval file, checked like every file the report reads."""
    return float(open_checked(path, "iwsi.eval").attr("accuracy"))


def cells_of(run_dir, prefix):
    """{cell suffix: accuracy} for every PREFIX-<cell>.h5 of one run directory."""
    found = {}
    for unfinished in glob.glob(os.path.join(run_dir, prefix + "-*.h5.tmp")):
        accuracy(unfinished[:-len(".tmp")])  # says which job did not finish, unless it since has
    for path in glob.glob(os.path.join(run_dir, prefix + "-*.h5")):
        found[os.path.basename(path)[len(prefix) + 1:-3]] = accuracy(path)
    return found


def cell_key(cell):
    """'iwsi-k30' -> ('iwsi', 30); 'lmsi' -> ('lmsi', None)."""
    m = re.fullmatch(r"(.+)-k([0-9.]+)", cell)
    return (m.group(1), float(m.group(2))) if m else (cell, None)


ORDER = ["base", "lmsi", "iwsi", "iwsi-w", "entropy", "self", "rm", "none", "oracle"]


def table_order(cell):
    """base, LMSI, then the strategies (references last), each by k."""
    strategy, k = cell_key(cell)
    return (ORDER.index(strategy) if strategy in ORDER else len(ORDER), strategy, k or 0)


def spread(values):
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.mean(values), std, min(values), max(values)


def k_text(k):
    return "-" if k is None else f"{k:g}"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    seeds = sorted((int(m.group(1)), d) for d in glob.glob(os.path.join(args.directory, "seed*"))
                   if (m := re.fullmatch(r"seed(\d+)", os.path.basename(d))))
    if not seeds:
        sys.exit(f"{args.directory}: no seed*/ run directories")
    test = {seed: cells_of(d, "eval") for seed, d in seeds}
    valid = {seed: cells_of(d, "valid") for seed, d in seeds}
    cells = sorted(set.intersection(*(set(t) for t in test.values())), key=table_order)
    names = ", ".join(str(s) for s, _ in seeds)
    lines = [f"## Test accuracy (%) over seeds {names}", "",
             "| strategy | k | mean | std | min | max | per seed |", "|---|---|---|---|---|---|---|"]
    for cell in cells:
        values = [test[s][cell] for s, _ in seeds]
        strategy, k = cell_key(cell)
        lines.append(f"| {strategy} | {k_text(k)} | " + " | ".join(f"{v:.1f}" for v in spread(values)) + " | "
                     + ", ".join(f"{v:.1f}" for v in values) + " |")

    lines += ["", "## Paired differences per seed (percentage points)", "",
              "| strategy | k | minus LMSI: mean | std | min | minus base: mean | std | min |", "|---|---|---|---|---|---|---|---|"]
    for cell in cells:
        strategy, k = cell_key(cell)
        if strategy in ("base", "lmsi"):
            continue
        row = []
        for reference in ("lmsi", "base"):
            if reference not in cells:
                row += ["-"] * 3
                continue
            diffs = [test[s][cell] - test[s][reference] for s, _ in seeds]
            mean, std, low, _ = spread(diffs)
            row += [f"{mean:+.1f}", f"{std:.1f}", f"{low:+.1f}"]
        lines.append(f"| {strategy} | {k_text(k)} | " + " | ".join(row) + " |")

    iwsi_cells = [c for c in cells if cell_key(c)[0] == "iwsi"]
    if iwsi_cells and all(all(c in valid[s] for c in iwsi_cells) for s, _ in seeds):
        lines += ["", "## IWSI with k chosen on the valid split (never the test set)", "",
                  "| seed | k chosen | valid accuracy | test accuracy | LMSI | base | minus LMSI | minus base |",
                  "|---|---|---|---|---|---|---|---|"]
        chosen, minus_lmsi, minus_base = [], [], []
        for seed, _ in seeds:
            best = max(iwsi_cells, key=lambda c: (valid[seed][c], cell_key(c)[1]))
            lmsi, base = test[seed].get("lmsi", float("nan")), test[seed].get("base", float("nan"))
            chosen.append(test[seed][best])
            minus_lmsi.append(test[seed][best] - lmsi)
            minus_base.append(test[seed][best] - base)
            lines.append(f"| {seed} | {k_text(cell_key(best)[1])} | {valid[seed][best]:.1f} | {test[seed][best]:.1f} | "
                         f"{lmsi:.1f} | {base:.1f} | {minus_lmsi[-1]:+.1f} | {minus_base[-1]:+.1f} |")
        summary = [spread(v) for v in (chosen, minus_lmsi, minus_base)]
        lines.append(f"| mean (std) | | | {summary[0][0]:.1f} ({summary[0][1]:.1f}) | | | "
                     f"{summary[1][0]:+.1f} ({summary[1][1]:.1f}) | {summary[2][0]:+.1f} ({summary[2][1]:.1f}) |")
    text = "\n".join(lines) + "\n"
    out = args.out or os.path.join(args.directory, "summary.md")
    with open(out, "w") as f:
        f.write(text)
    print(text, end="")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except IwsiFileError as error:
        sys.exit(f"seeds_summary.py: error: {error}")
