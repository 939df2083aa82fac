"""Checks of written regression tables shared by the table tests (a plain helper module:
pytest does not collect it; they are assertion functions, not fixtures, so test modules
import them instead of importing each other)."""

from __future__ import annotations

import numpy as np

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def star(p: float) -> str:
    """The conventional thresholds, written out here independently of geoproc."""
    if p is None or not np.isfinite(p):
        return ""
    if p < 0.01:
        return "***"
    if p < 0.05:
        return "**"
    return "*" if p < 0.1 else ""


def shown(v: float, d: int = 3) -> str:
    s = f"{v:.{d}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def check(text: str, value: float, p: float | None = None, paren: bool = False) -> int:
    """``text`` is ``value`` to the digits it shows (at least 3 decimals), with the stars of
    ``p``; returns the decimals shown."""
    if paren:
        assert text.startswith("(") and text.endswith(")"), text
        text = text[1:-1]
    body = text.rstrip("*")
    assert text[len(body):] == ("" if p is None else star(p)), (text, p)
    d = len(body.split(".")[1])
    assert d >= 3 and body == shown(value, d), (text, value)
    return d


def assert_three_line(tbl, nh: int) -> None:
    """The table XML draws exactly the three rules of a 三线表 and no vertical line."""
    borders = tbl.tblPr.find(f"{W_NS}tblBorders")
    sides = {el.tag.replace(W_NS, ""): el for el in borders}
    for side in ("top", "bottom"):
        assert sides[side].get(f"{W_NS}val") == "single"
        assert int(sides[side].get(f"{W_NS}sz")) == 12  # 1.5 pt
    for side in ("left", "right", "insideH", "insideV"):
        assert sides[side].get(f"{W_NS}val") in ("nil", "none")
    for i, tr in enumerate(tbl.tr_lst):
        for tc in tr.tc_lst:
            tcb = tc.tcPr.find(f"{W_NS}tcBorders") if tc.tcPr is not None else None
            found = {} if tcb is None else {el.tag.replace(W_NS, ""): el for el in tcb}
            # no vertical rule anywhere
            for side in ("left", "right", "start", "end", "insideV"):
                assert side not in found or found[side].get(f"{W_NS}val") in ("nil", "none")
            if i == nh - 1:  # the rule under the header, on every cell of the last header row
                assert found["bottom"].get(f"{W_NS}val") == "single"
                assert int(found["bottom"].get(f"{W_NS}sz")) == 6
            else:
                assert not any(el.get(f"{W_NS}val") not in ("nil", "none") for el in found.values())
