#!/usr/bin/python3
"""The demo's claim over several seeds, from the eval files alone:

    /usr/bin/python3 analysis/seeds_summary.py SEEDS_DIR [--out FILE]

SEEDS_DIR holds one run directory per seed (seed0/, seed1/, ...), each written by `iwsi run` with
test evaluations eval-<cell>.h5 (the plan's names, jobs/plan.h) and, for choosing k without the
test set, evaluations of the same adapters on the labeled valid split valid-<cell>.h5
(scripts/demo_seeds.sh writes both). Prints and
writes (default SEEDS_DIR/summary.md):
  1. test accuracy per strategy and k: mean, sample std, min, max, every seed, and the pooled
     accuracy (all seeds' questions together) with its 95% Wilson interval; the same as a figure
     (default SEEDS_DIR/summary.png: every seed's accuracy with its own interval, and the pooled one);
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
from dataclasses import dataclass

from intervals import interval_text, wilson_interval
from iwsi_files import IwsiFileError, open_checked
from report_doc import new_figure, save_figure


@dataclass
class Score:
    accuracy: float  # %
    correct: int
    total: int


def score(path):
    """The accuracy, correct and total attributes of an eval file, checked like every file the report reads."""
    f = open_checked(path, "iwsi.eval")
    return Score(float(f.attr("accuracy")), int(f.attr("correct")), int(f.attr("total")))


def cells_of(run_dir, prefix):
    """{cell suffix: Score} for every PREFIX-<cell>.h5 of one run directory."""
    found = {}
    for unfinished in glob.glob(os.path.join(run_dir, prefix + "-*.h5.tmp")):
        score(unfinished[:-len(".tmp")])  # says which job did not finish, unless it since has
    for path in glob.glob(os.path.join(run_dir, prefix + "-*.h5")):
        found[os.path.basename(path)[len(prefix) + 1:-3]] = score(path)
    return found


def seeds_figure(cells, scores, seeds, path):
    """Per cell: every seed's test accuracy with its 95% Wilson interval, and the pooled one (black)."""
    fig, (ax,) = new_figure(width=max(7.0, 0.9 * len(cells) + 2))
    offsets = [0.3 * (i / max(1, len(seeds) - 1) - 0.5) for i in range(len(seeds))] if len(seeds) > 1 else [0.0]
    for x, cell in enumerate(cells):
        for i, (seed, _) in enumerate(seeds):
            s = scores[seed][cell]
            low, high = wilson_interval(s.correct, s.total)
            ax.errorbar(x + offsets[i], s.accuracy, yerr=[[s.accuracy - low], [high - s.accuracy]], fmt="o",
                        color=f"C{i % 10}", capsize=2, label=f"seed {seed}" if x == 0 else None)
        correct, total = (sum(getattr(scores[seed][cell], a) for seed, _ in seeds) for a in ("correct", "total"))
        low, high = wilson_interval(correct, total)
        pooled = 100.0 * correct / total
        ax.errorbar(x + 0.45, pooled, yerr=[[pooled - low], [high - pooled]], fmt="s", color="black", capsize=3,
                    label="pooled" if x == 0 else None)
    ax.set_xticks(range(len(cells)))
    ax.set_xticklabels(cells, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Test accuracy per seed (bars: 95% Wilson intervals)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, path)


def cell_key(cell):
    """'iwsi-k30' -> ('iwsi', 30); 'lmsi' -> ('lmsi', None)."""
    m = re.fullmatch(r"(.+)-k([0-9.]+)", cell)
    return (m.group(1), float(m.group(2))) if m else (cell, None)


ORDER = ["base", "lmsi", "iwsi", "iwsi-w", "entropy", "entropy-paper", "self", "self-paper", "rm", "none", "oracle"]


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
    scores = {seed: cells_of(d, "eval") for seed, d in seeds}
    test = {seed: {cell: s.accuracy for cell, s in cells.items()} for seed, cells in scores.items()}
    valid = {seed: {cell: s.accuracy for cell, s in cells_of(d, "valid").items()} for seed, d in seeds}
    cells = sorted(set.intersection(*(set(t) for t in test.values())), key=table_order)
    names = ", ".join(str(s) for s, _ in seeds)
    lines = [f"## Test accuracy (%) over seeds {names}", "",
             "| strategy | k | mean | std | min | max | per seed | pooled [95% Wilson] |",
             "|---|---|---|---|---|---|---|---|"]
    for cell in cells:
        values = [test[s][cell] for s, _ in seeds]
        strategy, k = cell_key(cell)
        correct, total = (sum(getattr(scores[s][cell], a) for s, _ in seeds) for a in ("correct", "total"))
        lines.append(f"| {strategy} | {k_text(k)} | " + " | ".join(f"{v:.1f}" for v in spread(values)) + " | "
                     + ", ".join(f"{v:.1f}" for v in values) + f" | {interval_text(correct, total)} |")

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
    figure = os.path.splitext(out)[0] + ".png"
    if cells:
        seeds_figure(cells, scores, seeds, figure)
        text += f"\n![Test accuracy per seed with 95% Wilson intervals]({os.path.basename(figure)})\n"
    with open(out, "w") as f:
        f.write(text)
    print(text, end="")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except IwsiFileError as error:
        sys.exit(f"seeds_summary.py: error: {error}")
