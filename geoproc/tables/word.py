"""Word (.docx) three-line tables (三线表) with python-docx.

The three rules are set explicitly in the table XML, not left to a table style that Word,
WPS and LibreOffice might read differently: ``w:tblBorders`` draws the top and bottom
rules (1.5 pt) and sets every other table border (left, right, inside horizontal, inside
vertical) to ``nil``; the cells of the last header row carry a 0.75 pt bottom border in
``w:tcBorders``. No cell has a left or right border.

Fonts: Times New Roman for Latin text and 宋体 (SimSun) for Chinese, set in the Normal
style and on every run (``w:rFonts w:eastAsia``), with the East Asian language zh-CN.
Where SimSun is not installed (Linux), LibreOffice substitutes a CJK font through
fontconfig (Noto Serif CJK SC from ``fonts-noto-cjk``); Word on Windows and WPS have SimSun.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# annotations only: base imports this module lazily to render a Table
if TYPE_CHECKING:
    from geoproc.tables.base import Table

__all__ = ["write_docx", "LATIN_FONT", "CJK_FONT", "RULE_OUTER", "RULE_HEADER"]

LATIN_FONT = "Times New Roman"
CJK_FONT = "SimSun"
#: Border widths in eighths of a point (OOXML ``w:sz``): 1.5 pt outer rules, 0.75 pt under the header.
RULE_OUTER = 12
RULE_HEADER = 6
BODY_PT = 10.5  # 五号
NOTE_PT = 9  # 小五

# children of w:tblPr / w:tcPr that must come after the borders element (OOXML sequence order)
_AFTER_TBL_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                      "w:tblDescription")
_AFTER_TC_BORDERS = ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
                     "w:hideMark")


def _border_el(tag: str, sides: dict[str, int | None]):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(tag)
    for side, size in sides.items():
        b = OxmlElement(f"w:{side}")
        if size:
            b.set(qn("w:val"), "single")
            b.set(qn("w:sz"), str(size))
            b.set(qn("w:space"), "0")
            b.set(qn("w:color"), "000000")
        else:
            b.set(qn("w:val"), "nil")
        el.append(b)
    return el


def _insert_before(parent, child, successors: Sequence[str]) -> None:
    from docx.oxml.ns import qn

    for tag in successors:
        found = parent.find(qn(tag))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


def _three_line_borders(table, header_rows: int) -> None:
    """Top and bottom rules on the table, a rule under the header, nothing else."""
    from docx.oxml.ns import qn

    tblPr = table._tbl.tblPr
    old = tblPr.find(qn("w:tblBorders"))
    if old is not None:
        tblPr.remove(old)
    borders = _border_el("w:tblBorders", {"top": RULE_OUTER, "left": None, "bottom": RULE_OUTER,
                                          "right": None, "insideH": None, "insideV": None})
    _insert_before(tblPr, borders, _AFTER_TBL_BORDERS)
    for tc in table.rows[header_rows - 1]._tr.tc_lst:
        tcPr = tc.get_or_add_tcPr()
        old = tcPr.find(qn("w:tcBorders"))
        if old is not None:
            tcPr.remove(old)
        _insert_before(tcPr, _border_el("w:tcBorders", {"bottom": RULE_HEADER}), _AFTER_TC_BORDERS)


def _set_fonts(run, size_pt: float | None = None, italic: bool = False, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = LATIN_FONT
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), CJK_FONT)
    if size_pt:
        run.font.size = Pt(size_pt)
    run.font.italic = italic or None
    run.font.bold = bold or None


def _style_document(doc) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), CJK_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _paragraph(container, text: str, align, size_pt: float, bold=False, italic=False,
               space_after: float = 0.0):
    from docx.shared import Pt

    p = container.add_paragraph() if hasattr(container, "add_paragraph") else container
    p.alignment = align
    pf = p.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(space_after)
    # exact line height: CJK fonts' taller ascent would otherwise make rows with Chinese
    # labels taller than the others
    pf.line_spacing = Pt(size_pt * 1.15)
    if text:
        _set_fonts(p.add_run(text), size_pt, italic=italic, bold=bold)
    return p


def _text_width_pt(text: str, size_pt: float = BODY_PT) -> float:
    """Rough printed width: a CJK character a little over one em, anything else a little over half an em."""
    return sum(size_pt * 1.1 if ord(ch) > 0x2E80 else size_pt * 0.55 for ch in text)


CELL_MARGINS_PT = 14  # Word's default left + right cell margins (2 x 0.19 cm), and a little air
PORTRAIT_PT = (21.0 - 2 * 2.54) / 2.54 * 72  # A4 text width with 2.54 cm margins


def _needed(t: Table) -> tuple[float, float]:
    """Widths (pt) the label column and the widest data column need to print unwrapped."""
    labels = [r.label for r in t.rows] + [t.stub]
    stub = max(_text_width_pt(x) for x in labels) + CELL_MARGINS_PT * 2
    texts = [c.text for r in t.rows for c in r.cells] or [""]
    return stub, max(_text_width_pt(x) for x in texts) + CELL_MARGINS_PT


def landscape(t: Table) -> bool:
    """Whether the table needs a landscape page: more than 7 data columns, or more width than
    a portrait A4 page has (numbers would wrap at their minus sign)."""
    stub, data = _needed(t)
    return t.ncols > 7 or min(stub, PORTRAIT_PT * 0.4) + data * t.ncols > PORTRAIT_PT


def _column_widths(t: Table, usable_pt: float) -> list[float]:
    """The label column as wide as its longest label (within limits), the rest shared equally."""
    stub = min(_needed(t)[0], usable_pt * 0.4)
    return [stub] + [(usable_pt - stub) / max(t.ncols, 1)] * t.ncols


def _set_widths(table, widths_pt: list[float]) -> None:
    from docx.shared import Pt

    table.autofit = False
    for row in table.rows:
        for cell, w in zip(row.cells, widths_pt, strict=False):
            cell.width = Pt(w)
    for col, w in zip(table.columns, widths_pt, strict=False):
        col.width = Pt(w)


def _repeat_header(table, header_rows: int) -> None:
    """Mark the header rows ``w:tblHeader``: a table running onto a second page repeats them."""
    from docx.oxml import OxmlElement

    for row in table.rows[:header_rows]:
        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _fill_header(table, t: Table) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH as A

    nh = len(t.header)
    stub = table.cell(0, 0)
    if nh > 1:
        stub = stub.merge(table.cell(nh - 1, 0))
    _paragraph(stub.paragraphs[0], t.stub, A.LEFT, BODY_PT)
    for i, hrow in enumerate(t.header):
        col = 1
        for text, span in hrow:
            cell = table.cell(i, col)
            if span > 1:
                cell = cell.merge(table.cell(i, col + span - 1))
            _paragraph(cell.paragraphs[0], text, A.CENTER, BODY_PT)
            col += span


def _add_table(doc, t: Table, usable_pt: float) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT as V
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH as A

    if t.title:
        title = _paragraph(doc, t.title, A.CENTER, BODY_PT, bold=True, space_after=3)
        title.paragraph_format.keep_with_next = True  # a caption never ends a page
    nh = len(t.header)
    table = doc.add_table(rows=nh + len(t.rows), cols=t.ncols + 1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fill_header(table, t)
    for i, r in enumerate(t.rows, start=nh):
        cells = table.rows[i].cells
        _paragraph(cells[0].paragraphs[0], r.label, A.LEFT, BODY_PT, italic=r.kind == "section")
        for j, c in enumerate(r.cells, start=1):
            _paragraph(cells[j].paragraphs[0], c.text, A.CENTER, BODY_PT)
    for row in table.rows:
        for cell in row.cells:
            cell.vertical_alignment = V.CENTER
    _set_widths(table, _column_widths(t, usable_pt))
    _repeat_header(table, nh)
    _three_line_borders(table, nh)
    for n in t.notes:
        _paragraph(doc, n, A.LEFT, NOTE_PT)


def _page(section, wide: bool) -> None:
    """A4 (Chinese journals' paper), 2.54 cm margins; landscape for wide tables."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    w, h = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if wide else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (h, w) if wide else (w, h)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.54))


def write_docx(tables: Sequence[Table], path: str | Path) -> None:
    """Write ``tables`` to a new .docx at ``path``: each table on its own page (a section of
    its own, landscape when it is too wide for portrait: :func:`landscape`), caption above,
    notes under it."""
    try:
        from docx import Document
    except ImportError as exc:  # an optional dependency: say how to get it
        raise ImportError("writing .docx needs python-docx: pip install 'geoproc[tables]' "
                          "(or pip install python-docx)") from exc
    from docx.enum.section import WD_SECTION

    doc = Document()
    _style_document(doc)
    for k, t in enumerate(tables):
        section = doc.sections[0] if k == 0 else doc.add_section(WD_SECTION.NEW_PAGE)
        _page(section, landscape(t))
        usable = (section.page_width - section.left_margin - section.right_margin) / 12700  # EMU -> pt
        _add_table(doc, t, usable)
    doc.save(str(path))
