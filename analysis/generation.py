"""Generation statistics of one cell's candidate file: answer parse rate, size of D_c, share of
correct answers, and, from the `chunks` table (timings, which differ from run to run), tokens per
second per rank and the spread of chunk times. Files without a chunks table (iwsi decode, test
fixtures) get the answer statistics only."""
import numpy as np

from report_doc import Table, new_figure

FINISH_REASONS = ["eos", "stop_token", "stop_string", "length"]


def _percent(mask):
    return 100.0 * float(np.mean(mask)) if mask is not None and mask.size else None


def majority_correct(columns, questions):
    """% of questions with a gold answer whose majority answer is right: a question's consistent
    candidates all carry its majority answer, so it is right iff one of them is correct."""
    correct, q = columns.correct, columns.question_index
    if correct is None or columns.consistent is None or not np.any(correct != -1):
        return None
    has_gold, right = np.zeros(questions, bool), np.zeros(questions, bool)
    has_gold[q[correct != -1]] = True
    right[q[columns.consistent & (correct == 1)]] = True
    return _percent(right[has_gold])


def summary_table(cell, columns):
    c = cell.candidates
    correct = columns.correct
    labeled = correct is not None and bool(np.any(correct != -1))
    in_dc = columns.consistent
    rows = [["questions", c.rows("questions")], ["candidates", int(columns.question_index.size)],
            ["MPI ranks", c.attr("mpi_ranks")],
            ["answer parse rate (%)", _percent(columns.parsed)],
            ["consistent, in D_c (%)", _percent(in_dc)],
            ["correct among parsed (%)",
             _percent(correct[columns.parsed] == 1) if labeled and columns.parsed is not None else None],
            ["correct among D_c (%)", _percent(correct[in_dc] == 1) if labeled and in_dc is not None else None],
            ["majority answer correct (% of questions)", majority_correct(columns, c.rows("questions"))],
            ["mean generated tokens", float(np.mean(columns.length)) if columns.length is not None else None]]
    if c.has_column("candidates/finish_reason"):
        reasons = np.asarray(c.column("candidates/finish_reason"))
        for code, name in enumerate(FINISH_REASONS):
            rows.append([f"finished by {name} (%)", _percent(reasons == code)])
    return Table(["statistic", "value"], rows, {"value": ".4g"})


def rank_table(chunks):
    rows = []
    for rank in np.unique(chunks["rank"]):
        mine = chunks["rank"] == rank
        tokens, seconds = int(np.sum(chunks["tokens"][mine])), float(np.sum(chunks["seconds"][mine]))
        s = chunks["seconds"][mine]
        rows.append([int(rank), int(np.sum(mine)), tokens, seconds, tokens / seconds if seconds > 0 else None,
                     float(np.min(s)), float(np.median(s)), float(np.max(s))])
    return Table(["rank", "chunks", "tokens", "seconds", "tokens/s", "chunk s min", "chunk s median", "chunk s max"],
                 rows, {"seconds": ".1f", "tokens/s": ".1f", "chunk s min": ".2f", "chunk s median": ".2f",
                        "chunk s max": ".2f"})


def timing_figure(cell, chunks, table):
    fig, (left, right) = new_figure(11, 4.5, panels=2)
    ranks = [r[0] for r in table.rows]
    left.bar([str(r) for r in ranks], [r[4] or 0.0 for r in table.rows], color="C0")
    left.set_title("Generation throughput per rank")
    left.set_xlabel("MPI rank")
    left.set_ylabel("generated tokens per second (tokens/s)")
    right.boxplot([chunks["seconds"][chunks["rank"] == r] for r in ranks], labels=[str(r) for r in ranks])
    right.set_title("Chunk time spread per rank")
    right.set_xlabel("MPI rank")
    right.set_ylabel("seconds per chunk (s)")
    fig.suptitle(f"Generation, {cell.title.replace('`', '')}")
    return fig


def add_generation(doc, cell, columns):
    doc.heading("Generation", 3)
    doc.table(summary_table(cell, columns), f"generation{cell.slug}", "Candidate file statistics")
    c = cell.candidates
    if not c.has_column("chunks/rank") or c.rows("chunks") == 0:
        doc.paragraph("No `chunks` table (not written by `iwsi generate`): no timings.")
        return
    chunks = {n: np.asarray(c.column(f"chunks/{n}")) for n in ("rank", "seconds", "tokens")}
    table = rank_table(chunks)
    doc.table(table, f"generation_ranks{cell.slug}", "Throughput per rank")
    doc.figure(timing_figure(cell, chunks, table), f"generation{cell.slug}",
               "Tokens/s per rank and chunk time spread")
