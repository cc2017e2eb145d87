"""The report's output: tables written as CSV (raw numbers, for other tools and for tests) and as
Markdown (formatted, embedded in index.md), figures saved as PNG with matplotlib's file-only
backend, and index.md linking and embedding everything in the order it was added. It computes
nothing about the runs (the per-topic modules do)."""
import csv
import math
import os

import matplotlib

matplotlib.use("Agg")  # files only: no display on a batch node
import matplotlib.pyplot as plt  # noqa: E402


def escape_text(text):
    """Free text (model output) made safe inside Markdown: no HTML, no table breaks, no line breaks."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", "<br>")


class Table:
    """Rows of raw values under headers; `formats` maps a header to a format spec for Markdown."""

    def __init__(self, headers, rows, formats=None):
        self.headers, self.rows, self.formats = list(headers), [list(r) for r in rows], formats or {}

    def _cell(self, header, value):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        if isinstance(value, float):
            return format(value, self.formats.get(header, ".4g"))
        return escape_text(str(value))

    def markdown(self):
        lines = ["| " + " | ".join(self.headers) + " |", "|" + "---|" * len(self.headers)]
        for row in self.rows:
            lines.append("| " + " | ".join(self._cell(h, v) for h, v in zip(self.headers, row)) + " |")
        return "\n".join(lines)

    def write_csv(self, path):
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(self.headers)
            for row in self.rows:
                writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])


def new_figure(width=7.0, height=4.5, panels=1):
    fig, axes = plt.subplots(1, panels, figsize=(width, height), squeeze=False)
    return fig, list(axes[0])


def save_figure(fig, path):
    """The figure as a PNG at `path` (written under a temporary name, then renamed), then closed."""
    fig.tight_layout()
    temporary = path + ".tmp.png"
    fig.savefig(temporary, dpi=110)
    plt.close(fig)
    os.replace(temporary, path)


class ReportDoc:
    """index.md under construction, plus the files it links."""

    def __init__(self, out_dir, title):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.parts = [f"# {title}\n"]
        self.figures, self.tables, self.pages = [], [], []

    def heading(self, text, level=2):
        self.parts.append(f"{'#' * level} {text}\n")

    def paragraph(self, text):
        self.parts.append(text.rstrip() + "\n")

    def table(self, table, name, caption=None, markdown_too=False):
        """Embeds the table and writes it as NAME.csv (and NAME.md when markdown_too)."""
        table.write_csv(os.path.join(self.out_dir, name + ".csv"))
        links = f"[{name}.csv]({name}.csv)"
        if markdown_too:
            with open(os.path.join(self.out_dir, name + ".md"), "w") as f:
                f.write((f"{caption}\n\n" if caption else "") + table.markdown() + "\n")
            links += f", [{name}.md]({name}.md)"
        self.parts.append((f"{caption} " if caption else "") + f"({links})\n\n" + table.markdown() + "\n")
        self.tables.append(name)

    def figure(self, fig, name, caption):
        save_figure(fig, os.path.join(self.out_dir, name + ".png"))
        self.parts.append(f"![{caption}]({name}.png)\n\n*{caption}* ([{name}.png]({name}.png))\n")
        self.figures.append(name + ".png")

    def page(self, name, text, caption):
        """A separate Markdown page (long content), linked and embedded."""
        with open(os.path.join(self.out_dir, name + ".md"), "w") as f:
            f.write(text)
        self.parts.append(f"{caption} ([{name}.md]({name}.md))\n\n" + text)
        self.pages.append(name + ".md")

    def write(self):
        path = os.path.join(self.out_dir, "index.md")
        with open(path, "w") as f:
            f.write("\n".join(self.parts))
        return path
