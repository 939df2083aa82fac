"""The one set of panel checks and their messages: columns, ids, years, duplicates, balance,
numbers, emptiness.

Used by :class:`geoproc.panel.Panel` (and so :func:`geoproc.read_panel`, Moran, LISA, the
SDM) and by the indicator functions. Rows are named by the frame's index (a panel read
from a file is indexed by file line, header = line 1) and region-years as ``<id> in <year>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoproc.errors import GeoprocInputError
from geoproc.numeric import numeric_column, numeric_columns

_MAX_LISTED = 10


def labels_at(labels: Sequence[str], pos: np.ndarray, limit: int = _MAX_LISTED) -> str:
    """``listing`` of the labels at positions ``pos``, formatting only the ones shown."""
    more = f" and {len(pos) - limit} more" if len(pos) > limit else ""
    return ", ".join(labels[int(i)] for i in pos[:limit]) + more


def listing(items: Sequence, limit: int = _MAX_LISTED) -> str:
    """``a, b, c and 7 more``: keep messages readable on large panels."""
    items = [str(x) for x in items]
    head = ", ".join(items[:limit])
    return head + (f" and {len(items) - limit} more" if len(items) > limit else "")


class RowLabels(Sequence):
    """``"<id> in <year>"`` per row, built only when an error message needs one.

    Formatting a label for each of 50,000 rows costs more than the indices themselves.
    """

    def __init__(self, ids: pd.Series, years: pd.Series | None) -> None:
        self._ids = ids.to_numpy()
        self._years = None if years is None else years.to_numpy()

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, pos):  # type: ignore[override]
        if isinstance(pos, slice):
            return [self[i] for i in range(*pos.indices(len(self)))]
        if self._years is None:
            return f"{self._ids[pos]}"
        return f"{self._ids[pos]} in {self._years[pos]}"


@dataclass
class Prepared:
    """A checked panel: float values of the requested columns plus ids, years and row labels."""

    values: pd.DataFrame
    ids: pd.Series
    years: pd.Series | None
    labels: RowLabels

    def where(self, mask: np.ndarray | pd.Series) -> str:
        """The region-years (labels) where ``mask`` is true."""
        return labels_at(self.labels, np.flatnonzero(np.asarray(mask, dtype=bool)))

    @property
    def groups(self) -> np.ndarray:
        """Year of each row (0 for a cross-section), as an array: grouping by position
        keeps a panel with a non-unique index working."""
        if self.years is None:
            return np.zeros(len(self.values), dtype=np.int64)
        return self.years.to_numpy()


def columns_error(frame: pd.DataFrame, absent: Sequence[str], what: str) -> GeoprocInputError:
    """The one message for columns a table lacks, listing the columns it has."""
    return GeoprocInputError(
        f"{what} has no column {listing(map(repr, absent))}; its columns are "
        f"{listing(map(str, frame.columns), 40)}"
    )


def check_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise GeoprocInputError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    dup = frame.columns[frame.columns.duplicated()]
    if len(dup):
        raise GeoprocInputError(f"{what} has duplicate column names: {listing(dup)}")
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise columns_error(frame, absent, what)
    if len(frame) == 0:
        raise GeoprocInputError(f"{what} has no rows")


def year_column(frame: pd.DataFrame, year: str, what: str) -> pd.Series:
    """Years as integers; text, fractions and empty cells are errors naming the rows."""
    y = numeric_column(frame[year], year, what=what)
    empty = y.isna().to_numpy()
    if empty.any():
        rows = listing(frame.index[empty])
        raise GeoprocInputError(f"{what}: column {year!r} is empty at rows {rows}")
    frac = (y != np.round(y)).to_numpy()
    if frac.any():
        rows = listing(f"{i} ({v})" for i, v in zip(frame.index[frac], y[frac], strict=True))
        raise GeoprocInputError(f"{what}: column {year!r} is not a whole year at rows {rows}")
    return y.astype(np.int64)


def year_gaps(years: Sequence[int] | np.ndarray) -> list[str]:
    """The runs of whole years missing between the first and last of ``years``
    ("2016" or "2016-2018"); a run is one item however long, so a typo such as
    year 201 in a 2015-2020 panel stays a short message."""
    ys = np.unique(np.asarray(years, dtype=np.int64))
    gaps = []
    for a, b in zip(ys[:-1], ys[1:], strict=True):
        if b - a > 1:
            gaps.append(f"{a + 1}" if b - a == 2 else f"{a + 1}-{b - 1}")
    return gaps


def check_consecutive(years: pd.Series | np.ndarray, what: str = "panel") -> None:
    """Refuse a panel whose years skip one for every region (2015, 2017: no 2016).

    The balance check compares each region with the panel's own years, so a year
    absent everywhere passes it; yet per-year indicators and lagged models then
    treat 2015 and 2017 as adjacent.
    """
    gaps = year_gaps(years)
    if gaps:
        ys = np.unique(np.asarray(years))
        raise GeoprocInputError(
            f"{what} has no row at all for year(s) {listing(gaps)} between {ys[0]} and {ys[-1]}; "
            "years must be consecutive (add the missing years, or pass consecutive=False "
            "for a panel of non-consecutive years such as census years)"
        )


def check_ids(frame: pd.DataFrame, id: str, what: str) -> pd.Series:
    """The id column; empty cells (NaN or blank text) are an error naming the rows."""
    ids = frame[id]
    empty = ids.isna().to_numpy()
    if not pd.api.types.is_numeric_dtype(ids.dtype):  # blank strings count as empty
        empty = empty | ids.astype(str).str.strip().eq("").to_numpy()
    if empty.any():
        raise GeoprocInputError(f"{what}: column {id!r} is empty at rows {listing(frame.index[empty])}")
    return ids


def check_duplicates(ids: pd.Series, years: pd.Series, id: str, year: str, what: str) -> None:
    """Refuse a region that appears twice in a year, naming the region-years."""
    key = pd.DataFrame({"id": ids.to_numpy(), "year": years.to_numpy()})
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        labels = RowLabels(ids, years)
        pairs = sorted({labels[k] for k in np.flatnonzero(dup)})
        raise GeoprocInputError(
            f"{what}: duplicate region-years ({id} {year}): {listing(pairs)}; "
            "each region may appear once per year"
        )


def missing_region_years(ids: pd.Series | np.ndarray, years: pd.Series | np.ndarray) -> dict:
    """``{region: [years it lacks]}`` against the panel's own years (empty when balanced)."""
    key = pd.DataFrame({"id": np.asarray(ids), "year": np.asarray(years)})
    all_years = sorted(set(key["year"].tolist()))
    # without duplicates, a region has every year iff it has as many rows as years
    counts = key.groupby("id", sort=False).size()
    short = counts.index[counts.to_numpy() < len(all_years)]
    if not len(short):
        return {}
    have = key[key["id"].isin(short)].groupby("id", sort=False)["year"].agg(set)
    return {r: sorted(set(all_years) - ys) for r, ys in have.items()}


def check_balanced(ids: pd.Series | np.ndarray, years: pd.Series | np.ndarray, what: str,
                   hint: str = "complete it, or pass balanced=False") -> None:
    """Refuse a panel where some regions lack some years, naming them and the years."""
    gaps = missing_region_years(ids, years)
    if gaps:
        all_years = sorted(set(np.asarray(years).tolist()))
        lacking = [f"{r} lacks {', '.join(map(str, ys))}" for r, ys in gaps.items()]
        raise GeoprocInputError(
            f"{what} is unbalanced (years {all_years[0]}-{all_years[-1]}): "
            f"{listing(lacking)}; {hint}"
        )


def check_values(frame: pd.DataFrame, columns: Sequence[str], labels: Sequence, what: str,
                 thousands: str | None = None, check_missing: bool = True) -> pd.DataFrame:
    """``columns`` parsed as floats (:func:`geoproc.numeric.numeric_columns`); text is an
    error naming row, region-year and cell; with ``check_missing`` so are empty and
    infinite cells."""
    values = numeric_columns(frame, columns, thousands=thousands, row_labels=labels, what=what)
    if check_missing:
        for c in columns:
            na = values[c].isna().to_numpy()
            if na.any():
                where = labels_at(labels, np.flatnonzero(na))
                raise GeoprocInputError(f"{what}: column {c!r} is empty for {where}")
            inf = ~np.isfinite(values[c].to_numpy())
            if inf.any():
                where = labels_at(labels, np.flatnonzero(inf))
                raise GeoprocInputError(f"{what}: column {c!r} is infinite for {where}")
    return values


def prepare(
    panel: pd.DataFrame,
    columns: Sequence[str],
    *,
    id: str,
    year: str | None,
    thousands: str | None = None,
    balanced: bool = True,
    consecutive: bool = True,
    what: str = "panel",
) -> Prepared:
    """Validate a long panel (one row per region-year) and parse ``columns`` as numbers.

    Raises :class:`GeoprocInputError` on a missing column, empty id or year,
    duplicate region-years, a region lacking some years (when ``balanced``), a
    year missing for every region (when ``consecutive``; the balance check cannot
    see it), text in a numeric column, or an empty numeric cell - each naming the rows.
    """
    columns = list(dict.fromkeys(columns))
    check_columns(panel, [id] + ([year] if year else []) + columns, what)
    ids = check_ids(panel, id, what)
    years = year_column(panel, year, what) if year else None
    labels = RowLabels(ids, years)
    if years is None:
        dup = ids.duplicated(keep=False).to_numpy()
        if dup.any():
            raise GeoprocInputError(
                f"{what}: duplicate regions in column {id!r} (give year= for a panel): "
                f"{listing(sorted(set(map(str, ids[dup]))))}"
            )
    else:
        check_duplicates(ids, years, id, year, what)
        if consecutive:
            check_consecutive(years, what)
        if balanced:
            check_balanced(ids, years, what)

    values = check_values(panel, columns, labels, what, thousands)
    return Prepared(values, ids, years, labels)
