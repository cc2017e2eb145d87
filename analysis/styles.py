"""Rationale styles of the synthetic demo task (src/synth): which styles the model generates, and
which of them the DS weight keeps. `iwsi synth` labels its own rationales (clean, jumping,
redundant, spurious); generated ones are labeled here by reading the question's numbers and the
rationale's equations, with the same definitions:
  clean      one correct equation per step, in order;
  jumping    no equation, the answer stated directly;
  redundant  the clean equations with one repeated, or a no-op "v + 0 = v" inserted;
  spurious   the question's operations in order, an intermediate result off, the last result true;
  other      anything else (wrong arithmetic that ends wrong, skipped or invented steps).
Used only for runs on the synthetic task (candidate files with `dataset` = synthetic)."""
import re

import numpy as np

from report_doc import Table, new_figure
from run_layout import method_label

STYLES = ["clean", "jumping", "redundant", "spurious", "other"]
ADD, SUBTRACT = {"buys", "finds", "gets"}, {"gives", "loses", "sells"}
EQUATION = re.compile(r"(\d+) ([+-]) (\d+) = (\d+) \.")


def question_steps(question):
    """'ann has 7 apples . ann buys 5 more . ann gives 3 to bo . how many ...' -> (7, [('+', 5), ('-', 3)])."""
    sentences = [s.split() for s in question.split(" . ")]
    start = int(sentences[0][2])
    steps = [("+" if words[1] in ADD else "-", int(words[2])) for words in sentences[1:]
             if len(words) >= 3 and (words[1] in ADD or words[1] in SUBTRACT)]
    return start, steps


def clean_equations(start, steps):
    equations, value = [], start
    for op, operand in steps:
        result = value + operand if op == "+" else value - operand
        equations.append((value, op, operand, result))
        value = result
    return equations


def rationale_style(question, text):
    """One of STYLES for a rationale (generated or written) of a synthetic question."""
    equations = [(int(a), op, int(b), int(c)) for a, op, b, c in EQUATION.findall(text)]
    if not equations:
        return "jumping"
    start, steps = question_steps(question)
    clean = clean_equations(start, steps)
    if equations == clean:
        return "clean"
    if len(equations) == len(clean) + 1:
        for at in range(len(equations)):
            rest = equations[:at] + equations[at + 1:]
            extra = equations[at]
            repeated = at > 0 and extra == equations[at - 1]
            no_op = extra[2] == 0 and extra[0] == extra[3]
            if rest == clean and (repeated or no_op):
                return "redundant"
    if len(equations) == len(clean) and [(op, b) for _, op, b, _ in equations] == steps and \
            equations[-1][3] == clean[-1][3] and equations[0][0] == start:
        return "spurious"
    return "other"


def candidate_styles(cell, rows):
    """Styles of the given candidate rows, from their texts and their questions' prompts."""
    c = cell.candidates
    prompts = c.text("questions/prompt")
    question_of = np.asarray(c.column("candidates/question_index"))
    texts = c.text("candidates/text")  # one read of everything beats thousands of small ones
    return np.array([rationale_style(prompts[question_of[r]], texts[r]) for r in rows])


def style_table(columns, rows, styles, selections):
    headers = ["style", "D_c", "share of D_c (%)", "share correct (%)", "median w_DS"] + \
              [f"kept by {method_label(s.strategy, s.k)} (%)" for s in selections]
    kept_sets = [set(np.asarray(s.file.column("kept/row")).tolist()) for s in selections]
    table_rows = []
    for style in STYLES:
        mine = rows[styles == style]
        if mine.size == 0:
            continue
        correct = columns.correct[mine] if columns.correct is not None else np.full(mine.size, -1)
        labeled = correct != -1
        share_correct = 100.0 * np.mean(correct[labeled] == 1) if labeled.any() else None
        table_rows.append([style, int(mine.size), 100.0 * mine.size / rows.size, share_correct,
                           float(np.median(columns.w_ds[mine]))] +
                          [100.0 * sum(int(r) in kept for r in mine) / mine.size for kept in kept_sets])
    formats = {h: ".1f" for h in headers[2:]}
    formats["median w_DS"] = ".3f"
    return Table(headers, table_rows, formats)


def style_figure(cell, columns, rows, styles, selections):
    w = columns.w_ds[rows]
    top = max(1.01, float(np.quantile(w, 0.99)))
    bins = np.linspace(1.0, top, 31)
    fig, (ax,) = new_figure()
    for i, style in enumerate(STYLES):
        here = np.minimum(w[styles == style], top)
        if here.size:
            ax.hist(here, bins=bins, histtype="step", linewidth=1.5, color=f"C{i}", label=f"{style} (n = {here.size})")
    for s in selections:
        sigma = float(s.file.attr("sigma_k"))
        if np.isfinite(sigma):
            ax.axvline(min(sigma, top), color="k", linestyle="--", linewidth=0.8)
            ax.annotate(f"k={s.k:g}: kept to the left", (min(sigma, top), ax.get_ylim()[1] * 0.95), rotation=90,
                        fontsize=7, ha="right", va="top")
    ax.set_title(f"DS weights of consistent candidates by rationale style, {cell.title.replace('`', '')}")
    ax.set_xlabel(f"DS weight w_DS (dimensionless; last bin holds all >= {top:.3g})")
    ax.set_ylabel("candidates (count)")
    ax.legend(fontsize=8)
    return fig


def add_styles(doc, cell, columns):
    if cell.candidates.attr("dataset") != "synthetic" or columns.w_ds is None or columns.consistent is None:
        return
    rows = np.where(columns.consistent & np.isfinite(columns.w_ds))[0]
    if rows.size == 0:
        return
    styles = candidate_styles(cell, rows)
    selections = sorted((s for s in cell.selections if s.strategy == "iwsi"), key=lambda s: -s.k)
    doc.heading("Rationale styles (synthetic task)", 3)
    doc.table(style_table(columns, rows, styles, selections), f"styles{cell.slug}",
              "Consistent candidates by the style of their rationale, and the share of each style every IWSI k keeps",
              markdown_too=True)
    doc.figure(style_figure(cell, columns, rows, styles, selections), f"ds_weights_by_style{cell.slug}",
               "DS-weight distribution of consistent candidates by style; samples left of sigma_k are kept")


def answer_style_table(layout):
    """Per evaluation on the synthetic task: how often the model answers with no steps at all (a
    bare guess, the habit the demo's labeled set teaches) and how accurate each kind of answer is."""
    rows = []
    for cell, e in [(None, e) for e in layout.shared_evaluations] + \
            [(c, e) for c in layout.cells for e in c.evaluations]:
        if e.file.attr("dataset") != "synthetic":
            continue
        texts = e.file.text("questions/text")
        correct = np.asarray(e.file.column("questions/correct")) == 1
        bare = np.array([not EQUATION.search(t) for t in texts], dtype=bool)
        share = lambda mask: 100.0 * np.mean(correct[mask]) if mask.any() else None
        rows.append([cell.name if cell else "(all)", method_label(e.strategy, e.k), e.file.attr("split"),
                     100.0 * np.mean(correct), 100.0 * np.mean(bare), share(bare), share(~bare)])
    return Table(["cell", "method", "split", "accuracy", "bare answers (%)", "accuracy of bare answers",
                  "accuracy with steps"], rows, {h: ".1f" for h in ("accuracy", "bare answers (%)",
                                                                    "accuracy of bare answers", "accuracy with steps")})


def add_answer_styles(doc, layout):
    table = answer_style_table(layout)
    if table.rows:
        doc.table(table, "answer_styles", "Greedy answers without any step (bare guesses) per evaluation, synthetic "
                  "task: the habit IWSI is meant to remove", markdown_too=True)
