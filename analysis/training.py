"""Training runs of one cell: loss curves (one line per strategy) and a summary table (samples,
steps, final loss, throughput) from the `iwsi.train` files. Columns other than step and loss are
optional, so a train file written before they existed still plots."""
import os

import numpy as np

from report_doc import Table, new_figure
from run_layout import method_label


def _optional(file, name):
    return np.asarray(file.column(name)) if file.has_column(name) else None


def training_table(cell, root):
    rows = []
    for t in cell.trainings:
        f = t.file
        steps, epoch = f.column("steps/step"), _optional(f, "steps/epoch")
        speed, seconds = _optional(f, "steps/tokens_per_s"), _optional(f, "steps/seconds")
        final = f.attr("final_loss")
        rows.append([method_label(t.strategy, t.k), f.attr("mode"), f.attr("samples"), int(steps.size),
                     int(np.max(epoch)) + 1 if epoch is not None and epoch.size else None,
                     float(final) if final is not None else None,
                     float(np.mean(speed)) if speed is not None and speed.size else None,
                     float(np.sum(seconds)) if seconds is not None else None, os.path.relpath(f.path, root)])
    return Table(["method", "mode", "samples", "steps", "epochs", "final loss", "mean tokens/s", "seconds", "file"],
                 rows, {"final loss": ".4f", "mean tokens/s": ".1f", "seconds": ".1f"})


def training_figure(cell):
    fig, (ax,) = new_figure()
    for i, t in enumerate(cell.trainings):
        ax.plot(t.file.column("steps/step"), t.file.column("steps/loss"), color=f"C{i % 10}",
                label=method_label(t.strategy, t.k))
    ax.set_title(f"Training loss, {cell.title.replace('`', '')}")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss (nats/token)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def add_training(doc, cell, root):
    if not cell.trainings:
        return
    doc.heading("Training", 3)
    doc.table(training_table(cell, root), f"training{cell.slug}", "Fine-tuning runs")
    doc.figure(training_figure(cell), f"training_loss{cell.slug}", "Training loss curves, one line per strategy")
