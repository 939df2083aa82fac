"""Excel (.xlsx) tables with openpyxl: numbers stay numbers, shown by number formats.

A coefficient 0.12345 with p < 0.01 is stored as the number 0.12345 with the format
``0.000"***"`` (it prints ``0.123***`` and still sums, sorts and copies as a number); a
standard error gets ``"("0.000")";"(-"0.000")"``. The three rules of the table are cell borders
(medium above the header and under the last row, thin under the header).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# annotations only: base imports this module lazily to render a Table
if TYPE_CHECKING:
    from geoproc.tables.base import Cell, Table

__all__ = ["write_xlsx", "number_format"]


def number_format(c: Cell) -> str:
    """The Excel number format that prints ``c`` as :attr:`Cell.text` does."""
    body = "0" if c.decimals <= 0 else "0." + "0" * c.decimals
    if c.paren:
        # a second section for negatives (a t statistic): "(-2.345)", not Excel's "-(2.345)"
        return f'"("{body}")";"(-"{body}")"'
    return f'{body}"{c.stars}"' if c.stars else body


def _sheet_title(title: str, used: set[str], k: int) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or f"Table {k}"
    base, i = name, 2
    while name in used:
        name = f"{base[:25]} ({i})"
        i += 1
    used.add(name)
    return name


def _write_sheet(ws, t: Table) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    font = Font(name="Times New Roman", size=10.5)
    thick, thin = Side(style="medium"), Side(style="thin")
    center, left = Alignment(horizontal="center", vertical="center"), Alignment(horizontal="left",
                                                                                vertical="center")
    r0 = 1
    if t.title:
        ws.cell(1, 1, t.title).font = Font(name="Times New Roman", size=10.5, bold=True)
        r0 = 2
    nh = len(t.header)
    last = t.ncols + 1
    ws.cell(r0, 1, t.stub).alignment = left
    if nh > 1:
        ws.merge_cells(start_row=r0, start_column=1, end_row=r0 + nh - 1, end_column=1)
    for i, hrow in enumerate(t.header):
        col = 2
        for text, span in hrow:
            c = ws.cell(r0 + i, col, text)
            c.alignment = center
            if span > 1:
                ws.merge_cells(start_row=r0 + i, start_column=col, end_row=r0 + i, end_column=col + span - 1)
            col += span
    body0 = r0 + nh
    for i, r in enumerate(t.rows):
        ws.cell(body0 + i, 1, r.label).alignment = left
        if r.kind == "section":
            ws.cell(body0 + i, 1).font = Font(name="Times New Roman", size=10.5, italic=True)
        for j, c in enumerate(r.cells, start=2):
            cell = ws.cell(body0 + i, j)
            if c.is_number:
                cell.value = c.value
                cell.number_format = number_format(c)
            elif c.text:
                cell.value = c.text
            cell.alignment = center
    end = body0 + len(t.rows) - 1
    for col in range(1, last + 1):
        for row in range(r0, end + 1):
            cell = ws.cell(row, col)
            if cell.font != Font(name="Times New Roman", size=10.5, italic=True):
                cell.font = font
        top = ws.cell(r0, col)
        top.border = Border(top=thick)
        under = ws.cell(body0 - 1, col)
        under.border = Border(top=under.border.top, bottom=thin)
        bottom = ws.cell(end, col)
        bottom.border = Border(top=bottom.border.top, bottom=thick)
    for k, n in enumerate(t.notes, start=end + 2):
        ws.cell(k, 1, n).font = Font(name="Times New Roman", size=9)
    ws.column_dimensions["A"].width = max(12, min(40, max((len(r.label) for r in t.rows), default=8) * 1.6))
    from openpyxl.utils import get_column_letter

    for col in range(2, last + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14


def write_xlsx(tables: Sequence[Table], path: str | Path) -> None:
    """Write each table to its own worksheet (named after its title) of a new workbook."""
    from openpyxl import Workbook

    wb = Workbook()
    used: set[str] = set()
    for k, t in enumerate(tables, start=1):
        ws = wb.active if k == 1 else wb.create_sheet()
        ws.title = _sheet_title(t.title, used, k)
        _write_sheet(ws, t)
    wb.save(str(path))
