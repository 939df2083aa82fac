"""Strict parsing of numeric table columns: text never silently becomes NaN.

Statistical-yearbook tables copied from spreadsheets carry thousands separators
(``1,234``, ``1 234``), footnote marks (``12.5*``) and placeholders (``--``).
``pd.to_numeric(errors="coerce")`` would turn them into NaN without a word; here
a value is either parsed unambiguously or rejected with its row and column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geoproc.errors import GeoprocInputError

__all__ = ["numeric_column", "numeric_columns"]

# Spaces that spreadsheets use as thousands separators: ordinary, no-break, narrow no-break, thin.
_SPACES = " \u00a0\u202f\u2009"
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _grouped(sep: str) -> re.Pattern:
    """``1,234,567.89``: groups of exactly three digits after the first group of 1-3."""
    s = "[" + re.escape(_SPACES) + "]" if sep == " " else re.escape(sep)
    return re.compile(rf"^[+-]?\d{{1,3}}({s}\d{{3}})+(\.\d*)?$")


_LOOKS_GROUPED = {sep: _grouped(sep) for sep in (",", " ", "'", "_")}


def _where(index_label, row_labels: Sequence | None, pos: int) -> str:
    where = f"row {index_label!s}"
    if row_labels is not None:
        where += f" ({row_labels[pos]})"
    return where


def numeric_column(
    values: pd.Series,
    column: str,
    *,
    thousands: str | None = None,
    row_labels: Sequence | None = None,
    what: str = "table",
) -> pd.Series:
    """Convert one column to float, refusing any text that is not a plain number.

    Parameters
    ----------
    values : pandas.Series
        The column as read (numbers, or strings from a CSV/XLSX).
    column : str
        Its name, for messages.
    thousands : {",", " ", "'", "_"}, optional
        Accept numbers grouped in threes with this separator (``" "`` also accepts
        no-break and thin spaces). Without it, a grouped number is an error: a
        comma may be a decimal separator in the source, so we do not guess.
    row_labels : sequence of str, optional
        A label per row (e.g. ``"region 110000, year 2015"``) added to messages.
    what : str
        What the table is, for messages.

    Returns
    -------
    pandas.Series
        Float values on the same index; empty cells (None, NaN, blank strings) are NaN
        (the caller decides whether a missing value is allowed).

    Raises
    ------
    GeoprocInputError
        Naming the first offending rows, the column and the values.
    """
    if thousands is not None and thousands not in _LOOKS_GROUPED:
        raise GeoprocInputError(
            f"thousands separator must be one of ',', ' ', \"'\", '_'; got {thousands!r}"
        )
    if pd.api.types.is_bool_dtype(values.dtype):
        raise GeoprocInputError(f"{what}: column {column!r} holds true/false values, not numbers")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype(float)

    grouped = _LOOKS_GROUPED[thousands] if thousands is not None else None
    out = np.empty(len(values), dtype=float)
    bad: list[str] = []
    hint = ""
    for pos, v in enumerate(values.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[pos] = np.nan
            continue
        if isinstance(v, bool | np.bool_):
            bad.append(f"{_where(values.index[pos], row_labels, pos)}: {v!r}")
            continue
        if isinstance(v, int | float | np.integer | np.floating):
            out[pos] = float(v)
            continue
        s = str(v).strip(_SPACES + "\t")
        if s == "":
            out[pos] = np.nan
            continue
        if _PLAIN.match(s):
            out[pos] = float(s)
            continue
        if grouped is not None and grouped.match(s):
            digits = s.replace(thousands, "") if thousands != " " else re.sub(f"[{_SPACES}]", "", s)
            out[pos] = float(digits)
            continue
        seps = [sep for sep, pat in _LOOKS_GROUPED.items() if pat.match(s)]
        if seps and not hint:
            hint = (
                f"; {s!r} looks like a number with thousands separators: pass "
                f"thousands={seps[0]!r} (CLI: --thousands '{seps[0]}') to accept them"
            )
        bad.append(f"{_where(values.index[pos], row_labels, pos)}: {v!r}")
    if bad:
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise GeoprocInputError(
            f"{what}: column {column!r} is not numeric at {'; '.join(bad[:10])}{more}{hint}"
        )
    return pd.Series(out, index=values.index, name=values.name)


def numeric_columns(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    thousands: str | None = None,
    row_labels: Sequence | None = None,
    what: str = "table",
) -> pd.DataFrame:
    """Strictly parse several columns of ``frame`` as numbers (see :func:`numeric_column`).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; not modified.
    columns : sequence of str
        Columns to parse.
    thousands : str, optional
        A thousands separator to accept (``","`` or ``" "``); without it such text is an error.
    row_labels : sequence, optional
        Labels naming the rows in error messages (e.g. file line numbers).
    what : str
        What the table is, for error messages.

    Returns
    -------
    pandas.DataFrame
        A new frame of floats with ``frame``'s index and the requested columns.

    Raises
    ------
    GeoprocInputError
        Naming the row and column of the first cells that are not numbers.
    """
    return pd.DataFrame(
        {
            c: numeric_column(frame[c], c, thousands=thousands, row_labels=row_labels, what=what)
            for c in columns
        },
        index=frame.index,
    )
