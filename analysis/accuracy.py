"""Test accuracy per method (the paper's Table 1 for our runs) and the k sweep (accuracy and sigma_k
vs k, one line per temperature), every accuracy with its 95% Wilson interval (intervals.py) in the
tables and as error bars in the figure. Accuracy is recomputed from each eval file's `correct` column and
must agree with the file's own `accuracy` attribute; the training-set size is the selection file's
`kept`. It does not run or re-score anything."""
import os

import numpy as np

from intervals import wilson_interval
from iwsi_files import IwsiFileError
from report_doc import Table, new_figure
from run_layout import K_STRATEGIES, method_label


def eval_accuracy(evaluation):
    """(accuracy %, correct, total) of an eval file, checked against its attributes."""
    f = evaluation.file
    correct = np.asarray(f.column("questions/correct"))
    total, right = int(correct.size), int(np.sum(correct == 1))
    accuracy = 100.0 * right / total if total else float("nan")
    if total != int(f.attr("total")) or right != int(f.attr("correct")) or \
            (total and abs(accuracy - float(f.attr("accuracy"))) > 1e-6):
        raise IwsiFileError(f"{f.path}: attributes say {f.attr('correct')}/{f.attr('total')} correct = "
                            f"{f.attr('accuracy')}%, its correct column gives {right}/{total} = {accuracy}%")
    return accuracy, right, total


def _selection_numbers(selection):
    if selection is None:
        return None, None, None
    f = selection.file
    sigma = float(f.attr("sigma_k"))
    return int(f.attr("kept")), int(f.attr("eligible")), None if np.isnan(sigma) else sigma


def accuracy_table(layout):
    """One row per eval file: shared base evals first, then each cell's in method order."""
    show_cell = len(layout.cells) > 1
    show_t = any(c.temperature is not None for c in layout.cells)
    headers = (["cell"] if show_cell else []) + (["T"] if show_t else []) + \
        ["method", "strategy", "k", "kept", "eligible", "sigma_k", "accuracy", "ci95_low", "ci95_high", "correct",
         "total", "dataset", "split", "file"]
    rows = []
    owned = [(None, e) for e in layout.shared_evaluations] + \
        [(cell, e) for cell in layout.cells for e in cell.evaluations]
    for cell, e in owned:
        accuracy, right, total = eval_accuracy(e)
        kept, eligible, sigma = _selection_numbers(e.selection)
        k = e.k if e.strategy in K_STRATEGIES else None
        where = ([cell.name if cell else "(all)"] if show_cell else []) + \
            ([cell.temperature if cell else None] if show_t else [])
        low, high = wilson_interval(right, total)
        rows.append(where + [method_label(e.strategy, e.k), e.strategy, k, kept, eligible, sigma, accuracy, low, high,
                             right, total, e.file.attr("dataset"), e.file.attr("split"),
                             os.path.relpath(e.file.path, layout.root)])
    return Table(headers, rows, {"accuracy": ".1f", "ci95_low": ".1f", "ci95_high": ".1f", "sigma_k": ".4f",
                                 "T": "g", "k": "g"})


def _cell_label(cell):
    return f"T = {cell.temperature:g}" if cell.temperature is not None else cell.name


def k_sweep_table(layout):
    """One row per selection of a k-dependent strategy: kept, sigma_k and (when evaluated) accuracy
    with its 95% Wilson interval."""
    rows = []
    for cell in layout.cells:
        scored = {id(e.selection): eval_accuracy(e) for e in cell.evaluations if e.selection is not None}
        for s in cell.selections:
            if s.strategy not in K_STRATEGIES:
                continue
            kept, eligible, sigma = _selection_numbers(s)
            accuracy, low, high = None, None, None
            if id(s) in scored:
                accuracy, right, total = scored[id(s)]
                low, high = wilson_interval(right, total)
            rows.append([cell.name, cell.temperature, s.strategy, s.k, kept, eligible, sigma, accuracy, low, high])
    return Table(["cell", "T", "strategy", "k", "kept", "eligible", "sigma_k", "accuracy", "ci95_low", "ci95_high"],
                 rows, {"accuracy": ".1f", "ci95_low": ".1f", "ci95_high": ".1f", "sigma_k": ".4f", "T": "g",
                        "k": "g"})


def accuracy_vs_k_figure(layout, table):
    """Accuracy vs k with 95% Wilson error bars, one line per (cell, strategy); base and LMSI as
    horizontal references."""
    fig, (ax,) = new_figure()
    drawn = False
    for i, cell in enumerate(layout.cells):
        color = f"C{i % 10}"
        for strategy in sorted({r[2] for r in table.rows if r[0] == cell.name}):
            points = sorted((r[3], r[7], r[8], r[9]) for r in table.rows
                            if r[0] == cell.name and r[2] == strategy and r[7] is not None)
            if points:
                ks, accuracy, low, high = (np.array(v, dtype=float) for v in zip(*points))
                marker = "o" if strategy == "iwsi" else "s"
                ax.errorbar(ks, accuracy, yerr=[accuracy - low, high - accuracy], marker=marker, color=color,
                            capsize=3, label=f"{method_label(strategy, None)}, {_cell_label(cell)}",
                            linestyle="-" if strategy == "iwsi" else "-.")
                drawn = True
        for e in cell.evaluations:
            if e.strategy in ("base", "lmsi"):
                ax.axhline(eval_accuracy(e)[0], color=color, linestyle=":" if e.strategy == "base" else "--",
                           linewidth=1, label=f"{method_label(e.strategy, None)}, {_cell_label(cell)}")
    for e in layout.shared_evaluations:
        ax.axhline(eval_accuracy(e)[0], color="gray", linestyle=":", linewidth=1, label="base")
    if not drawn:
        return None
    ax.set_title("Test accuracy vs k (share of D_c kept; bars: 95% Wilson intervals)")
    ax.set_xlabel("k (% of consistent candidates kept)")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def sigma_k_figure(layout, table):
    """sigma_k (the DS weight of the last kept sample) vs k for IWSI, one line per cell."""
    fig, (ax,) = new_figure()
    drawn = False
    for i, cell in enumerate(layout.cells):
        points = sorted((r[3], r[6]) for r in table.rows if r[0] == cell.name and r[2] == "iwsi" and r[6] is not None)
        if points:
            ax.plot(*zip(*points), marker="o", color=f"C{i % 10}", label=_cell_label(cell))
            drawn = True
    if not drawn:
        return None
    ax.set_title("IWSI threshold sigma_k vs k")
    ax.set_xlabel("k (% of consistent candidates kept)")
    ax.set_ylabel("sigma_k (DS weight, dimensionless)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def add_accuracy(doc, layout):
    doc.heading("Accuracy")
    table = accuracy_table(layout)
    if table.rows:
        doc.table(table, "accuracy", "Test accuracy (%) per method with its 95% Wilson interval "
                  "(`ci95_low`, `ci95_high`); `kept` = training samples the selection kept",
                  markdown_too=True)
    else:
        doc.paragraph("No eval files (schema `iwsi.eval`) were found.")
    doc.heading("k sweep")
    sweep = k_sweep_table(layout)
    if not sweep.rows:
        doc.paragraph("No selection of a k-dependent strategy (iwsi, entropy, self, rm) was found.")
        return
    doc.table(sweep, "accuracy_vs_k", "Selections of k-dependent strategies")
    for make, name, caption in ((accuracy_vs_k_figure, "accuracy_vs_k", "Test accuracy vs k"),
                                (sigma_k_figure, "sigma_k_vs_k", "IWSI threshold sigma_k vs k")):
        fig = make(layout, sweep)
        if fig is not None:
            doc.figure(fig, name, caption)
