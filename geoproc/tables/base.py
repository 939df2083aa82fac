"""The table object every publication table is: header rows, body rows of cells, notes.

A :class:`Cell` keeps the number it shows (full precision) with how it is shown
(decimals, stars, parentheses), so that each output format can print it its own way:
text in Markdown/HTML/LaTeX/DOCX, a number with a number format in XLSX, the full
value in CSV.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Cell", "Row", "Table", "write_tables", "FORMATS", "fmt_number"]

#: Output suffixes and what writes them.
FORMATS = (".docx", ".xlsx", ".tex", ".md", ".html", ".htm", ".csv")


def fmt_number(v: float, decimals: int) -> str:
    """``v`` with ``decimals`` decimals; minus sign as ``-``; ``-0.000`` printed as ``0.000``."""
    text = f"{v:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


@dataclass
class Cell:
    """One cell: a number (shown with ``decimals``, stars, parentheses) or text.

    Attributes
    ----------
    value : float, int, str or None
        The number at full precision, a text (``"Yes"``), or None (empty).
    decimals : int
        Decimals shown (integers: 0).
    stars : str
        ``"***"``, ``"**"``, ``"*"`` or ``""`` (after the number).
    paren : bool
        Shown in parentheses (a standard error, t or p under its estimate).
    """

    value: float | int | str | None = None
    decimals: int = 3
    stars: str = ""
    paren: bool = False

    @property
    def is_number(self) -> bool:
        return (isinstance(self.value, int | float) and not isinstance(self.value, bool)
                and math.isfinite(self.value))

    @property
    def text(self) -> str:
        """What the table prints: ``0.123***``, ``(0.045)``, ``Yes`` or ``""``."""
        if self.value is None:
            return ""
        if isinstance(self.value, str):
            return self.value
        if not self.is_number:
            return ""
        body = fmt_number(float(self.value), self.decimals)
        return f"({body})" if self.paren else body + self.stars


@dataclass
class Row:
    """A body row: a label and one cell per column.

    ``kind`` is ``"value"`` (an estimate or statistic), ``"paren"`` (the se/t/p row under
    an estimate), ``"section"`` (a heading row such as 直接效应, no cells) or ``"stat"``
    (fit statistics under the coefficients; the first one gets a thin rule above it).
    """

    label: str
    cells: list[Cell]
    kind: str = "value"
    key: str = ""


@dataclass
class Table:
    """A publication table.

    Attributes
    ----------
    title : str
        Caption printed above the table ("表1 ..." is left to the user).
    stub : str
        Header of the label column (``"Variable"``/``"变量"``).
    header : list of list of (str, int)
        Header rows over the data columns, each a list of (text, span); spans add up
        to the number of columns. The last row names each column.
    rows : list of Row
    notes : list of str
        Lines printed under the table (the first usually the stars legend).
    lang : {"en", "zh"}
    meta : dict
        What the table was built from (fits' names, statistic in parentheses, ...).
    """

    title: str
    stub: str
    header: list[list[tuple[str, int]]]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    lang: str = "en"
    meta: dict = field(default_factory=dict)

    @property
    def ncols(self) -> int:
        return sum(span for _, span in self.header[-1]) if self.header else 0

    def column_names(self) -> list[str]:
        """One name per data column: the header texts above it joined with a space."""
        names = [[] for _ in range(self.ncols)]
        for hrow in self.header:
            pos = 0
            for text, span in hrow:
                for j in range(pos, pos + span):
                    if text and (not names[j] or names[j][-1] != text):
                        names[j].append(text)
                pos += span
        out = [" ".join(n) for n in names]
        seen: dict[str, int] = {}
        for j, n in enumerate(out):  # unique names for a DataFrame
            if n in seen:
                seen[n] += 1
                out[j] = f"{n} [{seen[n]}]"
            else:
                seen[n] = 0
        return out

    # --- conversions --------------------------------------------------------
    def to_frame(self, numeric: bool = False) -> pd.DataFrame:
        """The table as a DataFrame (labels as index, one column per data column).

        Parameters
        ----------
        numeric : bool
            Full-precision numbers (NaN for text and empty cells) instead of the printed text.

        Returns
        -------
        pandas.DataFrame
            Section rows have empty cells; paren rows have an empty label.
        """
        import pandas as pd

        data = []
        for r in self.rows:
            cells = r.cells or [Cell() for _ in range(self.ncols)]
            if numeric:
                data.append([float(c.value) if c.is_number else math.nan for c in cells])
            else:
                data.append([c.text for c in cells])
        index = pd.Index([r.label for r in self.rows], name=self.stub)
        return pd.DataFrame(data, index=index, columns=self.column_names())

    def to_markdown(self) -> str:
        """GitHub pipe table with the title above and the notes under it."""
        from geoproc.tables.text import markdown

        return markdown([self])

    def to_html(self, document: bool = False) -> str:
        """HTML three-line table (fragment, or a UTF-8 page with ``document=True``)."""
        from geoproc.tables.text import html_page, html_table

        return html_page([self]) if document else html_table(self)

    def to_latex(self) -> str:
        """A ``table`` environment with a booktabs ``tabular`` (needs ``\\usepackage{booktabs}``;
        Chinese labels need a CJK-capable setup such as ``ctex``)."""
        from geoproc.tables.text import latex

        return latex([self])

    def to_csv(self, path: str | os.PathLike | None = None, overwrite: bool = False) -> str:
        """CSV at full precision: for each column the number and its stars side by side.

        Written to ``path`` (UTF-8 with BOM, so that Excel shows Chinese) if given.
        """
        from geoproc.tables.text import csv_text

        text = csv_text([self])
        if path is not None:
            _write_text(path, text, overwrite, encoding="utf-8-sig")
        return text

    def to_docx(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """A Word document with this table as a three-line table (三线表)."""
        return write_tables([self], path, overwrite, fmt=".docx")

    def to_xlsx(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """An Excel workbook with this table (numbers as numbers with number formats)."""
        return write_tables([self], path, overwrite, fmt=".xlsx")

    def write(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write in the format of the suffix: .docx .xlsx .tex .md .html/.htm .csv."""
        return write_tables([self], path, overwrite)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return f"<Table {self.title!r}: {len(self.rows)} rows x {self.ncols} columns, lang={self.lang}>"


def _write_text(path: Any, text: str, overwrite: bool, encoding: str = "utf-8") -> Path:
    from geoproc.outputs import atomic_output

    with atomic_output(path, overwrite) as tmp:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
    return Path(path)


def write_tables(tables: Sequence[Table] | Table, path: str | os.PathLike, overwrite: bool = False,
                 fmt: str | None = None) -> Path:
    """Write one or more tables to one file, in the format of its suffix.

    Parameters
    ----------
    tables : Table or sequence of Table
        Several tables go one after the other (DOCX, Markdown, HTML, LaTeX, CSV) or one
        worksheet each (XLSX).
    path : str or path-like
        ``.docx``, ``.xlsx``, ``.tex``, ``.md``, ``.html``/``.htm`` or ``.csv``.
    overwrite : bool
        Replace an existing file (else :class:`FileExistsError`).
    fmt : str, optional
        Format to write whatever the suffix (``".docx"``, ...).

    Returns
    -------
    pathlib.Path
    """
    from geoproc.outputs import atomic_output, check_output

    if isinstance(tables, Table):
        tables = [tables]
    tables = list(tables)
    if not tables:
        raise GeoprocInputError(f"output {path}: no tables to write")
    suffix = (fmt or Path(path).suffix).lower()
    if suffix not in FORMATS:
        raise GeoprocInputError(f"output {path}: use one of {', '.join(FORMATS)}")
    check_output(path, overwrite)
    if suffix == ".docx":
        from geoproc.tables.word import write_docx

        with atomic_output(path, overwrite) as tmp:
            write_docx(tables, tmp)
        return Path(path)
    if suffix == ".xlsx":
        from geoproc.tables.excel import write_xlsx

        with atomic_output(path, overwrite) as tmp:
            write_xlsx(tables, tmp)
        return Path(path)
    from geoproc.tables import text as t

    if suffix == ".csv":
        return _write_text(path, t.csv_text(tables), overwrite, encoding="utf-8-sig")
    render = {".tex": t.latex, ".md": t.markdown, ".html": t.html_page, ".htm": t.html_page}[suffix]
    return _write_text(path, render(tables), overwrite)
