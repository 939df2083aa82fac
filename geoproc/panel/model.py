"""The validated long panel every analysis takes: :class:`Panel`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import geoproc.panel.checks as checks
from geoproc.errors import GeoprocInputError

__all__ = ["Panel"]

_NAME_COLUMNS = ("name", "name_zh", "name_en")


@dataclass
class Panel:
    """A checked long panel: one row per region-year, sorted by region and year.

    Build one with :meth:`from_frame` (a DataFrame), :func:`geoproc.panel.load_panel`
    (a CSV/XLSX file, names matched to codes) or :func:`geoproc.panel.as_panel` (either,
    or a Panel).
    Every check and its message is in :mod:`geoproc.panel.checks`.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows, sorted by ``id`` then ``year``, index 0..n-1; years are integers.
    id, year : str
        Region and year columns.
    source : str
        File path (or ``"panel"``), for messages.
    encoding : str or None
        How a CSV was decoded (``utf-8-sig``, ``gb18030``), ``xlsx``, or None.
    name_matches : dict
        Region names of the file and the codes they were matched to (empty when the id
        column held codes).
    """

    frame: pd.DataFrame
    id: str = "code"
    year: str = "year"
    source: str = "panel"
    encoding: str | None = None
    name_matches: dict = field(default_factory=dict)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, id: str = "code", year: str = "year", *,
                   source: str | None = None, encoding: str | None = None,
                   name_matches: dict | None = None) -> Panel:
        """Check ``df`` (not modified) and wrap a sorted copy.

        Raises
        ------
        GeoprocInputError
            Missing ``id``/``year`` column (listing the columns), no rows, empty ids, years
            that are not whole numbers, duplicate region-years (each named).
        """
        if not isinstance(df, pd.DataFrame):
            raise GeoprocInputError(f"a panel must be a pandas DataFrame (long format), got {type(df).__name__}")
        source = source or df.attrs.get("source") or "panel"
        what = "panel" if source == "panel" else f"panel {source}"
        checks.check_columns(df, [id, year], what)
        ids = checks.check_ids(df, id, what)
        years = checks.year_column(df, year, what)
        checks.check_duplicates(ids, years, id, year, what)
        out = df.copy()
        out[year] = years.to_numpy()
        out = out.sort_values([id, year], kind="stable").reset_index(drop=True)
        out.attrs.update({"id": id, "year": year, "source": source})
        return cls(out, id, year, source, encoding or df.attrs.get("encoding"), dict(name_matches or {}))

    # --- what it holds ------------------------------------------------------------
    @property
    def what(self) -> str:
        """How messages name it: ``panel`` or ``panel <file>``."""
        return "panel" if self.source == "panel" else f"panel {self.source}"

    @property
    def ids(self) -> list:
        """Regions, in the frame's (sorted) order."""
        return list(dict.fromkeys(self.frame[self.id].tolist()))

    @property
    def years(self) -> list[int]:
        """Years, ascending."""
        return sorted(int(y) for y in self.frame[self.year].unique())

    @property
    def missing(self) -> dict:
        """``{region: [years it lacks]}``; empty for a balanced panel."""
        return checks.missing_region_years(self.frame[self.id], self.frame[self.year])

    @property
    def balanced(self) -> bool:
        """Every region has every year."""
        return len(self.frame) == len(self.ids) * len(self.years)

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return (f"<Panel {self.source}: {len(self.ids)} regions x {len(self.years)} years, "
                f"{len(self.frame)} rows{'' if self.balanced else ', unbalanced'}>")

    def labels(self) -> dict | None:
        """Region names by id (``<id>_name`` of matched names, else a name column), or None."""
        for c in (f"{self.id}_name", *_NAME_COLUMNS):
            if c in self.frame.columns:
                return dict(zip(self.frame[self.id], self.frame[c], strict=True))
        return None

    # --- checks ------------------------------------------------------------------
    def require_balanced(self, hint: str = "complete it, or pass balanced=False") -> Panel:
        """Raise naming the region-years missing from an unbalanced panel; else ``self``."""
        checks.check_balanced(self.frame[self.id], self.frame[self.year], self.what, hint)
        return self

    def require_years(self, at_least: int, why: str) -> Panel:
        """Raise unless the panel has ``at_least`` years, saying ``why``."""
        years = self.years
        if len(years) < at_least:
            raise GeoprocInputError(
                f"{self.what} has {len(years)} period(s) ({self.year} = "
                f"{', '.join(map(str, years)) or 'none'}); {why}")
        return self

    def values(self, variables: Sequence[str], *, check_missing: bool = True,
               thousands: str | None = None) -> pd.DataFrame:
        """The columns ``variables`` as floats (a new frame, index as :attr:`frame`).

        Raises naming absent columns (listing the columns), text cells (row, region-year,
        value) and, with ``check_missing``, empty or infinite cells (region-years).
        """
        variables = list(dict.fromkeys(variables))
        checks.check_columns(self.frame, variables, self.what)
        labels = checks.RowLabels(self.frame[self.id], self.frame[self.year])
        return checks.check_values(self.frame, variables, labels, self.what, thousands, check_missing)

    def subset(self, ids: Sequence) -> Panel:
        """The rows of the regions ``ids`` only (e.g. without dropped islands)."""
        from geoproc.ids import relabel

        keep = set(relabel(ids, self.ids))
        rows = self.frame[self.frame[self.id].isin(keep)].reset_index(drop=True)
        rows.attrs.update(self.frame.attrs)
        return Panel(rows, self.id, self.year, self.source, self.encoding, dict(self.name_matches))

    def year_values(self, variable: str, year: Any, regions: Sequence | None = None) -> pd.Series:
        """One year's values of ``variable`` by region (see :func:`geoproc.panel.year_values`)."""
        from geoproc.panel.values import year_values

        return year_values(self.frame, variable, year, id=self.id, year_column=self.year, regions=regions)
