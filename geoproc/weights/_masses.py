"""Region attributes for gravity and nested weights: masses (R&D staff, capital) and GDP.

A table is matched to the regions by id, optionally per year. Everything that
would silently bias a weight matrix is refused with a message that names the
region (and year): unmatched ids on either side, duplicate rows, missing
years, NaN and non-positive values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoproc.errors import GeoprocInputError
from geoproc.ids import id_key

_YEAR_CANDIDATES = ("year", "Year", "YEAR", "年份")


@dataclass
class RegionValues:
    """Values aligned to the region ids: ``by_year[year]`` (``None`` when the table has no years)."""

    by_year: dict[Any, np.ndarray]
    column: str
    years: list

    def period_mean(self) -> np.ndarray:
        return np.mean(np.vstack(list(self.by_year.values())), axis=0)


# 320000, 320000.0 and "320000" are the same region: the one normalisation of geoproc.ids
_key = id_key


def _as_frame(values: Any, what: str) -> pd.DataFrame:
    if isinstance(values, dict):
        values = pd.Series(values)
    if isinstance(values, pd.Series):
        name = values.name if values.name is not None else what
        if isinstance(values.index, pd.MultiIndex):
            names = [n if n is not None else d
                     for n, d in zip(values.index.names, ("__id__", "year", "level_2"), strict=False)]
            return values.rename(name).rename_axis(names).reset_index()
        return values.rename(name).rename_axis("__id__").reset_index()
    if isinstance(values, pd.DataFrame):
        return values
    raise TypeError(
        f"{what} must be a pandas Series keyed by region id, a dict, or a DataFrame with an id "
        f"column; got {type(values).__name__}"
    )


def region_values(
    values: Any,
    ids: Sequence,
    *,
    column: str | None = None,
    id_column: str | None = None,
    year_column: str | None = None,
    year: Any = None,
    what: str = "mass",
    region_labels: Sequence[str] | None = None,
) -> RegionValues:
    """Match a table of positive values to ``ids``.

    Parameters
    ----------
    values : Series, dict or DataFrame
        A Series/dict keyed by id (a MultiIndex ``(id, year)`` is a panel), or a
        DataFrame with an id column (``id_column``; default ``"code"``, ``"id"``
        or the index) and optionally a year column.
    ids : sequence
        The region ids, in row order.
    column : str, optional
        The value column; required when the DataFrame has several candidates.
    id_column, year_column : str, optional
        Column names; the year column defaults to ``"year"`` if present.
    year : int or sequence of int, optional
        Keep only these years (the study period).
    what : str
        Name used in messages (``"mass"``, ``"GDP"``).
    region_labels : sequence of str, optional
        ``"id (name)"`` labels for messages, in the order of ``ids``.
    """
    t = _MassTable.make(_as_frame(values, what), what, id_column, year_column, column)
    ids = list(ids)
    labels = list(region_labels) if region_labels is not None else [str(i) for i in ids]
    df, years = t.years(year)
    region_keys, pos = t.match(df, ids, labels)
    by_year = t.values_by_year(df, years, region_keys, pos, labels)
    return RegionValues(by_year=by_year, column=str(t.column), years=years)


@dataclass
class _MassTable:
    """The masses table with its id, year and value columns resolved."""

    df: pd.DataFrame
    what: str
    id_column: str
    year_column: str | None
    column: str

    @classmethod
    def make(cls, df: pd.DataFrame, what: str, id_column: str | None, year_column: str | None,
             column: str | None) -> _MassTable:
        # --- which columns ------------------------------------------------------
        if id_column is None:
            for c in ("__id__", "code", "id", "region", "region_id"):
                if c in df.columns:
                    id_column = c
                    break
        if id_column is None:
            if isinstance(df.index, pd.MultiIndex):
                df = df.reset_index()
                id_column = str(df.columns[0])
            else:
                df = df.rename_axis("__id__").reset_index()
                id_column = "__id__"
        elif id_column not in df.columns:
            raise GeoprocInputError(
                f"{what} table has no id column {id_column!r}; columns are {', '.join(map(str, df.columns))}"
            )
        if year_column is None:
            year_column = next((c for c in _YEAR_CANDIDATES if c in df.columns), None)
        elif year_column not in df.columns:
            raise GeoprocInputError(
                f"{what} table has no year column {year_column!r}; columns are {', '.join(map(str, df.columns))}"
            )
        if column is None:
            skip = {id_column, year_column}
            numeric = [c for c in df.columns if c not in skip and pd.api.types.is_numeric_dtype(df[c])]
            if len(numeric) != 1:
                raise GeoprocInputError(
                    f"say which {what} column to use; candidates: {', '.join(map(str, numeric)) or 'none'}"
                )
            column = numeric[0]
        elif column not in df.columns:
            raise GeoprocInputError(
                f"{what} table has no column {column!r}; columns are {', '.join(map(str, df.columns))}"
            )
        return cls(df, what, id_column, year_column, column)

    def years(self, year: Any) -> tuple[pd.DataFrame, list]:
        """The rows of the study period and its years (``[None]`` without a year column)."""
        df, what, year_column, id_column, column = self.df, self.what, self.year_column, self.id_column, self.column
        # --- years ----------------------------------------------------------------
        df = df[[c for c in (id_column, year_column, column) if c is not None]].copy()
        if year_column is not None:
            if df[year_column].isna().any():
                rows = np.flatnonzero(df[year_column].isna().to_numpy())[:10]
                raise GeoprocInputError(f"{what} table: empty {year_column!r} at rows {', '.join(map(str, rows))}")
            if year is not None:
                wanted = [year] if np.isscalar(year) else list(year)
                have = set(df[year_column].tolist())
                absent = [y for y in wanted if y not in have]
                if absent:
                    raise GeoprocInputError(
                        f"{what} table has no rows for year(s) {', '.join(map(str, absent))}; "
                        f"it has {', '.join(map(str, sorted(have)))}"
                    )
                df = df[df[year_column].isin(wanted)]
            years = sorted(df[year_column].unique().tolist())
        else:
            if year is not None:
                raise GeoprocInputError(f"year={year!r} given but the {what} table has no year column")
            years = [None]
        return df, years

    def match(self, df: pd.DataFrame, ids: list, labels: list) -> tuple[list, dict]:
        """Matching keys of the regions (:func:`geoproc.ids.id_key`) and their positions;
        raises listing regions without a value and table ids that are not regions."""
        what, id_column, year_column = self.what, self.id_column, self.year_column
        # --- ids ------------------------------------------------------------------
        if df[id_column].isna().any():
            rows = np.flatnonzero(df[id_column].isna().to_numpy())[:10]
            raise GeoprocInputError(f"{what} table: empty id {id_column!r} at rows {', '.join(map(str, rows))}")
        df["__key__"] = [_key(x) for x in df[id_column].tolist()]
        region_keys = [_key(i) for i in ids]
        pos = {k: n for n, k in enumerate(region_keys)}
        table_keys = list(dict.fromkeys(df["__key__"]))
        only_regions = [labels[pos[k]] for k in region_keys if k not in set(table_keys)]
        only_table = [k for k in table_keys if k not in pos]
        if only_regions or only_table:
            parts = []
            if only_regions:
                parts.append(f"regions with no {what}: {', '.join(only_regions[:20])}"
                             + (f" (+{len(only_regions) - 20} more)" if len(only_regions) > 20 else ""))
            if only_table:
                parts.append(f"{what} ids that are not regions: {', '.join(only_table[:20])}"
                             + (f" (+{len(only_table) - 20} more)" if len(only_table) > 20 else ""))
            hint = ""
            if only_regions and not only_table:
                hint = f" (leave those regions out of the layer, or give their {what})"
            raise GeoprocInputError(f"{what} table ids do not match the regions; " + "; ".join(parts) + hint)
        keycols = ["__key__"] + ([year_column] if year_column else [])
        dup = df[df.duplicated(keycols, keep=False)]
        if len(dup):
            first = dup.iloc[0]
            at = f" in {first[year_column]}" if year_column else ""
            raise GeoprocInputError(
                f"{what} table has {len(dup)} duplicate rows, e.g. region {labels[pos[first['__key__']]]}{at}"
            )
        return region_keys, pos

    def values_by_year(self, df: pd.DataFrame, years: list, region_keys: list, pos: dict,
                       labels: list) -> dict[Any, np.ndarray]:
        """Positive float values of every region, year by year."""
        what, column, year_column = self.what, self.column, self.year_column
        # --- values, year by year ---------------------------------------------------
        vals = pd.to_numeric(df[column], errors="coerce")
        text = df[column][vals.isna() & df[column].notna()]
        if len(text):
            r = df.loc[text.index[0]]
            raise GeoprocInputError(
                f"{what} column {column!r} is not numeric for region {labels[pos[r['__key__']]]}: {r[column]!r}"
            )
        df[column] = vals
        by_year: dict[Any, np.ndarray] = {}
        for y in years:
            sub = df if y is None else df[df[year_column] == y]
            s = pd.Series(sub[column].to_numpy(dtype=float), index=sub["__key__"].to_numpy())
            at = "" if y is None else f" in {y}"
            missing = [labels[pos[k]] for k in region_keys if k not in s.index]
            if missing:
                raise GeoprocInputError(
                    f"{what} {column!r} missing{at} for region(s) {', '.join(missing[:20])}"
                    + (f" (+{len(missing) - 20} more)" if len(missing) > 20 else "")
                )
            v = s.reindex(region_keys).to_numpy()
            nan = np.flatnonzero(~np.isfinite(v))
            if nan.size:
                raise GeoprocInputError(
                    f"{what} {column!r} is missing (NaN){at} for region(s) {', '.join(labels[i] for i in nan[:20])}"
                )
            bad = np.flatnonzero(v <= 0)
            if bad.size:
                shown = ", ".join(f"{labels[i]} = {v[i]:g}" for i in bad[:20])
                raise GeoprocInputError(f"{what} {column!r} must be positive{at}; got {shown}")
            by_year[y] = v
        return by_year
