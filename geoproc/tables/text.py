"""Text renderings of :class:`~geoproc.tables.base.Table`: Markdown, HTML, LaTeX (booktabs), CSV."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

# annotations only: base imports this module lazily to render a Table
if TYPE_CHECKING:
    from geoproc.tables.base import Table

__all__ = ["markdown", "html_table", "html_page", "latex", "csv_text"]


# --- Markdown ----------------------------------------------------------------------------
def _md_escape(s: str) -> str:
    return s.replace("|", "\\|")


def markdown(tables: Sequence[Table]) -> str:
    """Pipe tables, each with its title (bold) above and notes under it."""
    out: list[str] = []
    for t in tables:
        if t.title:
            out += [f"**{_md_escape(t.title)}**", ""]
        head = [t.stub, *t.column_names()]
        out.append("| " + " | ".join(_md_escape(h) for h in head) + " |")
        out.append("|" + "|".join([":---"] + [":---:"] * t.ncols) + "|")
        for r in t.rows:
            if r.kind == "section":
                out.append("| " + f"*{_md_escape(r.label)}*" + " |" * (t.ncols + 1))
                continue
            out.append("| " + " | ".join([_md_escape(r.label)] + [_md_escape(c.text) for c in r.cells]) + " |")
        out.append("")
        out += [f"{n}  " for n in t.notes]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- HTML ---------------------------------------------------------------------------------
_CSS = """table.geoproc-table { border-collapse: collapse; margin: 0.5em 0;
  font-family: "Times New Roman", "SimSun", "Noto Serif CJK SC", serif;
  border-top: 1.5pt solid #000; border-bottom: 1.5pt solid #000; }
table.geoproc-table th, table.geoproc-table td { padding: 0.15em 0.9em; text-align: center;
  font-weight: normal; border: none; }
table.geoproc-table thead tr:last-child th { border-bottom: 0.75pt solid #000; }
table.geoproc-table tbody th { text-align: left; }
table.geoproc-table tr.section th { font-style: italic; }
caption { caption-side: top; font-weight: bold; padding-bottom: 0.3em; }
p.table-note { font-size: 0.9em; margin: 0.2em 0; }
"""


def html_table(t: Table) -> str:
    """One ``<table>`` with rules drawn by CSS classes (see :func:`html_page`), then the notes."""
    e = html.escape
    nh = len(t.header)
    lines = ['<table class="geoproc-table">']
    if t.title:
        lines.append(f"<caption>{e(t.title)}</caption>")
    lines.append("<thead>")
    for i, hrow in enumerate(t.header):
        stub = f'<th rowspan="{nh}" style="text-align:left">{e(t.stub)}</th>' if i == 0 else ""
        cells = "".join(f'<th colspan="{span}">{e(text)}</th>' if span > 1 else f"<th>{e(text)}</th>"
                        for text, span in hrow)
        lines.append(f"<tr>{stub}{cells}</tr>")
    lines.append("</thead>\n<tbody>")
    for r in t.rows:
        if r.kind == "section":
            lines.append(f'<tr class="section"><th colspan="{t.ncols + 1}">{e(r.label)}</th></tr>')
            continue
        cells = "".join(f"<td>{e(c.text)}</td>" for c in r.cells)
        lines.append(f'<tr class="{r.kind}"><th>{e(r.label)}</th>{cells}</tr>')
    lines.append("</tbody>\n</table>")
    lines += [f'<p class="table-note">{e(n)}</p>' for n in t.notes]
    return "\n".join(lines) + "\n"


def html_page(tables: Sequence[Table]) -> str:
    """A UTF-8 HTML page holding the tables (three-line style)."""
    title = html.escape(tables[0].title if tables and tables[0].title else "Tables")
    lang = "zh-CN" if tables and tables[0].lang == "zh" else "en"
    body = "\n".join(html_table(t) for t in tables)
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n<style>\n{_CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")


# --- LaTeX (booktabs) -----------------------------------------------------------------------
_TEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}
_TEX_SYMBOLS = {"ρ": r"$\rho$", "λ": r"$\lambda$", "τ": r"$\tau$", "ψ": r"$\psi$", "σ": r"$\sigma$",
                "²": r"$^2$", "×": r"$\times$", "·": r"$\cdot$", "−": "-"}


def tex_escape(s: str) -> str:
    """Escape LaTeX's special characters; Greek letters, ² and × become math."""
    out = "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)
    for k, v in _TEX_SYMBOLS.items():
        out = out.replace(k, v)
    return out.replace("$$", "")  # σ² -> $\sigma$$^2$ -> $\sigma^2$


def _tex_cell(text: str) -> str:
    """Stars as superscripts, which keeps the numbers aligned."""
    stripped = text.rstrip("*")
    n = len(text) - len(stripped)
    return tex_escape(stripped) + (f"$^{{{'*' * n}}}$" if n and stripped else tex_escape(text[len(stripped):]))


def latex(tables: Sequence[Table]) -> str:
    """Each table as a ``table`` float with a booktabs ``tabular`` and notes in a ``tablenotes``-free
    ``minipage`` (no extra packages besides booktabs)."""
    out: list[str] = []
    for t in tables:
        out += ["\\begin{table}[htbp]", "\\centering"]
        if t.title:
            out.append(f"\\caption{{{tex_escape(t.title)}}}")
        out += [f"\\begin{{tabular}}{{l{'c' * t.ncols}}}", "\\toprule"]
        for i, hrow in enumerate(t.header):
            cells, rules, pos = [], [], 2
            for text, span in hrow:
                cells.append(f"\\multicolumn{{{span}}}{{c}}{{{tex_escape(text)}}}" if span > 1 else tex_escape(text))
                if span > 1 and text:
                    rules.append(f"\\cmidrule(lr){{{pos}-{pos + span - 1}}}")
                pos += span
            stub = tex_escape(t.stub) if i == len(t.header) - 1 else ""
            out.append(" & ".join([stub, *cells]) + " \\\\")
            if rules:
                out.append(" ".join(rules))
        out.append("\\midrule")
        for r in t.rows:
            if r.kind == "section":
                out.append(f"\\multicolumn{{{t.ncols + 1}}}{{l}}{{\\textit{{{tex_escape(r.label)}}}}} \\\\")
                continue
            out.append(" & ".join([tex_escape(r.label)] + [_tex_cell(c.text) for c in r.cells]) + " \\\\")
        out += ["\\bottomrule", "\\end{tabular}"]
        if t.notes:
            out.append("\\par\\smallskip\\begin{minipage}{0.95\\linewidth}\\footnotesize")
            out += [tex_escape(n) + "\\par" for n in t.notes]
            out.append("\\end{minipage}")
        out += ["\\end{table}", ""]
    return "\n".join(out)


# --- CSV ---------------------------------------------------------------------------------------
def _full(c) -> str:
    """An integer as an integer; a float by ``repr`` (the shortest text that reads back exactly)."""
    v = c.value
    return str(v) if isinstance(v, int) else repr(float(v))


def csv_text(tables: Sequence[Table]) -> str:
    """Full precision: per data column the number (``repr``) and, beside it, its stars.

    Parenthesised cells are written as bare numbers (the label column says nothing; the row
    under an estimate is its se, t or p). Tables are separated by an empty line; the title is
    the first line of each and the notes the last lines.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for k, t in enumerate(tables):
        if k:
            w.writerow([])
        if t.title:
            w.writerow([t.title])
        names = t.column_names()
        w.writerow([t.stub] + [x for n in names for x in (n, f"{n} stars")])
        for r in t.rows:
            row = [r.label]
            for c in (r.cells or []):
                row += [_full(c) if c.is_number else c.text, c.stars if c.is_number else ""]
            w.writerow(row)
        for n in t.notes:
            w.writerow([n])
    return buf.getvalue()
