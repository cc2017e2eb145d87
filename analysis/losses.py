"""Loss distributions under the base model: the valid set, all consistent candidates (D_c) and the
candidates each IWSI selection kept, as normalized histograms on shared bins (no kernel smoothing),
with a summary table. The finding to see: the kept candidates' losses move toward the valid set's
(../shared/docs/IWSI.md section 6). Losses come from the weights file; nothing is re-scored."""
import numpy as np

from report_doc import Table, new_figure

MAX_SELECTIONS_DRAWN = 4  # more lines than this make the figure unreadable; the table has them all


def loss_sets(cell, columns):
    """[(name, losses)]: valid, D_c, then one per IWSI selection by k."""
    sets = [("valid set", np.asarray(cell.weights.column("valid/loss"), dtype=float)),
            ("consistent (D_c)", columns.loss[columns.consistent & np.isfinite(columns.loss)])]
    for s in cell.selections:
        if s.strategy == "iwsi":
            rows = np.asarray(s.file.column("kept/row"), dtype=np.int64)
            sets.append((f"IWSI kept, k={s.k:g}", columns.loss[rows]))
    return sets


def loss_table(cell, sets):
    valid_mean = float(cell.weights.attr("valid_mean_loss"))
    rows = [[name, int(x.size), float(np.mean(x)) if x.size else None, float(np.median(x)) if x.size else None,
             float(np.std(x)) if x.size else None, abs(float(np.mean(x)) - valid_mean) if x.size else None]
            for name, x in sets]
    return Table(["set", "samples", "mean loss", "median loss", "std", "|mean - valid mean|"], rows,
                 {h: ".4f" for h in ("mean loss", "median loss", "std", "|mean - valid mean|")})


def _drawn(sets):
    iwsi = sets[2:]
    if len(iwsi) <= MAX_SELECTIONS_DRAWN - 2:
        return sets
    closest_80 = min(iwsi, key=lambda s: abs(float(s[0].rsplit("=", 1)[1]) - 80))
    picked = [iwsi[0], closest_80, iwsi[-1]]
    return sets[:2] + [s for i, s in enumerate(picked) if s not in picked[:i]]


def loss_figure(cell, sets):
    scope = cell.weights.attr("loss_scope", "answer")
    everything = np.concatenate([x for _, x in sets if x.size])
    bin_count = int(np.clip(np.sqrt(everything.size), 10, 40))
    bins = np.linspace(float(everything.min()), float(everything.max()), bin_count + 1)
    fig, (ax,) = new_figure()
    for i, (name, x) in enumerate(_drawn(sets)):
        if x.size:
            ax.hist(x, bins=bins, density=True, histtype="step", linewidth=2 if i < 2 else 1.5,
                    color=f"C{i}", label=f"{name} (n = {x.size})")
    ax.axvline(float(cell.weights.attr("valid_mean_loss")), color="C0", linestyle=":", label="valid mean")
    ax.set_title(f"Base-model loss distributions, {cell.title.replace('`', '')}")
    what = "answer tokens" if scope == "answer" else "whole text"
    ax.set_xlabel(f"loss L(x): mean NLL of the {what} (nats/token)")
    ax.set_ylabel("density (1 / (nats/token))")
    ax.legend(fontsize=8)
    return fig


def add_losses(doc, cell, columns):
    if cell.weights is None:
        return
    doc.heading("Loss distributions", 3)
    sets = loss_sets(cell, columns)
    doc.table(loss_table(cell, sets), f"losses{cell.slug}", "Base-model loss per set (nats/token)")
    doc.figure(loss_figure(cell, sets), f"losses{cell.slug}",
               "Loss distributions: valid set, consistent candidates, IWSI-kept candidates")
