"""For a few questions, the consistent rationale with the lowest DS weight next to the one with the
highest, to read what high distribution-shift extent looks like (the paper's redundant / jumping /
spurious rationales, ../shared/docs/IWSI.md section 6). Questions are those whose consistent candidates'
DS weights spread the most. Only the rows shown are read from the text columns."""
import numpy as np

from report_doc import Table, escape_text


def pick_examples(columns, count):
    """[(question_index, lowest row, highest row)] for the `count` questions with the widest DS spread."""
    scored = np.where(columns.consistent & np.isfinite(columns.w_ds))[0]
    by_question = {}
    for row in scored:  # rows are ordered by (question, sample), so ties keep the earlier sample
        by_question.setdefault(int(columns.question_index[row]), []).append(int(row))
    picks = []
    for question, rows in by_question.items():
        if len(rows) >= 2:
            weights = columns.w_ds[rows]
            low, high = rows[int(np.argmin(weights))], rows[int(np.argmax(weights))]
            picks.append((-(weights.max() - weights.min()), question, low, high))
    picks.sort()
    return [(q, low, high) for _, q, low, high in picks[:count]]


def _describe(columns, row):
    correct = {1: "correct", 0: "wrong"}.get(int(columns.correct[row]), "no gold") \
        if columns.correct is not None else "no gold"
    return (f"w_DS = {columns.w_ds[row]:.3f}, loss = {columns.loss[row]:.3f} nats/token, sample "
            f"{int(columns.sample_index[row])}, {correct}")


def examples_page(cell, columns, count):
    """Markdown with one side-by-side table per picked question, or None when none qualifies."""
    picks = pick_examples(columns, count)
    if not picks:
        return None
    c = cell.candidates
    questions = [q for q, _, _ in picks]
    # questions/question_index is the row number (docs/SCHEMA.md), so rows can be read directly.
    prompts = c.text("questions/prompt", questions)
    golds = c.text("questions/gold", questions) if c.has_column("questions/gold") else [""] * len(picks)
    texts = c.text("candidates/text", [r for _, low, high in picks for r in (low, high)])
    parts = [f"### Lowest vs highest DS weight, {cell.title}\n"]
    for i, (question, low, high) in enumerate(picks):
        gold = f" (gold answer: {golds[i]})" if golds[i] else ""
        parts.append(f"**Question {question}**{gold}: {escape_text(prompts[i].strip())}\n")
        table = Table([f"lowest DS weight: {_describe(columns, low)}",
                       f"highest DS weight: {_describe(columns, high)}"],
                      [[texts[2 * i].strip(), texts[2 * i + 1].strip()]])
        parts.append(table.markdown() + "\n")
    return "\n".join(parts)


def add_examples(doc, cell, columns, count):
    if columns.w_ds is None or count <= 0:
        return
    text = examples_page(cell, columns, count)
    if text is None:
        doc.paragraph("No question has two consistent candidates with DS weights: no examples.")
        return
    doc.page(f"examples{cell.slug}", text, "Rationales with the lowest and highest DS weight")
