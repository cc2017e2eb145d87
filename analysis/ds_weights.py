"""The DS weights of the consistent candidates (D_c) split by correct / wrong answer, and the share
of correct answers per DS-weight interval, the paper's finding that correct answers concentrate at
low DS weight yet appear at every level (../shared/docs/IWSI.md section 6). Without gold answers
(`correct` = -1) only the distribution is shown. It does not recompute any weight."""
import numpy as np

from report_doc import Table, new_figure

DS_EDGES = [1.0, 1.1, 1.3, 1.5, 2.0, np.inf]
DS_INTERVALS = ["[1, 1.1)", "[1.1, 1.3)", "[1.3, 1.5)", "[1.5, 2)", "[2, inf)"]


def ds_interval(w_ds):
    """Index into DS_INTERVALS of each weight (w_DS >= 1 by construction; anything below goes first)."""
    return np.clip(np.searchsorted(DS_EDGES, w_ds, side="right") - 1, 0, len(DS_INTERVALS) - 1)


def interval_table(columns):
    scored = columns.consistent & np.isfinite(columns.w_ds)
    bins = ds_interval(columns.w_ds[scored])
    correct = columns.correct[scored] if columns.correct is not None else np.full(bins.size, -1)
    rows = []
    for i, name in enumerate(DS_INTERVALS):
        here = bins == i
        right, wrong = int(np.sum(here & (correct == 1))), int(np.sum(here & (correct == 0)))
        share = 100.0 * right / (right + wrong) if right + wrong else None
        rows.append([name, int(np.sum(here)), right, wrong, int(np.sum(here & (correct == -1))), share])
    return Table(["DS interval", "candidates", "correct", "wrong", "unlabeled", "share correct"], rows,
                 {"share correct": ".1f"})


def distribution_figure(cell, columns):
    scored = columns.consistent & np.isfinite(columns.w_ds)
    w = columns.w_ds[scored]
    # Up to the 99th percentile, so that a few huge weights do not squash the rest; the last bin
    # also holds everything above it.
    top = max(1.01, float(np.quantile(w, 0.99))) if w.size else 2.0
    bins = np.linspace(1.0, top, int(np.clip(np.sqrt(w.size), 10, 40)) + 1)
    clipped = np.minimum(w, top)
    fig, (ax,) = new_figure()
    if columns.labeled:
        correct = columns.correct[scored]
        for value, name, color in ((1, "correct", "C2"), (0, "wrong", "C3")):
            ax.hist(clipped[correct == value], bins=bins, alpha=0.55, color=color,
                    label=f"{name} (n = {int(np.sum(correct == value))})")
    else:
        ax.hist(clipped, bins=bins, alpha=0.7, color="C0", label=f"D_c, no gold answers (n = {w.size})")
    for s in cell.selections:
        sigma = float(s.file.attr("sigma_k"))
        if s.strategy == "iwsi" and np.isfinite(sigma):
            ax.axvline(sigma, color="k", linestyle="--", linewidth=0.8)
            ax.annotate(f"sigma_k, k={s.k:g}", (sigma, ax.get_ylim()[1] * 0.95), rotation=90, fontsize=7,
                        ha="right", va="top")
    ax.set_title(f"DS weights of consistent candidates, {cell.title.replace('`', '')}")
    beyond = f"; last bin holds all >= {top:.3g}" if w.size and w.max() > top else ""
    ax.set_xlabel(f"DS weight w_DS (dimensionless{beyond})")
    ax.set_ylabel("candidates (count)")
    ax.legend(fontsize=8)
    return fig


def share_figure(cell, table):
    fig, (ax,) = new_figure()
    shares = [r[5] if r[5] is not None else 0.0 for r in table.rows]
    bars = ax.bar(DS_INTERVALS, shares, color="C2")
    for bar, row in zip(bars, table.rows):
        ax.annotate(f"n = {row[2] + row[3]}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_title(f"Share of correct answers per DS-weight interval, {cell.title.replace('`', '')}")
    ax.set_xlabel("DS weight interval (w_DS, dimensionless)")
    ax.set_ylabel("correct among consistent candidates (%)")
    return fig


def add_ds_weights(doc, cell, columns):
    if columns.w_ds is None:
        doc.paragraph("No weights file (schema `iwsi.weights`): no DS weights.")
        return
    doc.heading("DS weights", 3)
    table = interval_table(columns)
    doc.table(table, f"ds_intervals{cell.slug}", "Consistent candidates per DS-weight interval")
    doc.figure(distribution_figure(cell, columns), f"ds_weights{cell.slug}",
               "DS-weight distribution of consistent candidates" + (", correct vs wrong" if columns.labeled else ""))
    if columns.labeled:
        doc.figure(share_figure(cell, table), f"ds_share_correct{cell.slug}",
                   "Share of correct answers per DS-weight interval")
