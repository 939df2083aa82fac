"""Values out of a long panel frame, checked: numeric columns, one year's cross-section,
balance (messages from :mod:`geoproc.panel.checks`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geoproc.panel.checks as checks
from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_balanced", "panel_values", "year_values"]


def check_balanced(df: pd.DataFrame, id: str, year: str, what: str = "panel") -> None:
    """Raise if some regions lack some years, listing them (:func:`checks.check_balanced`)."""
    checks.check_balanced(df[id], df[year], what)


def panel_values(
    df: pd.DataFrame,
    variables: Sequence[str],
    id: str = "code",
    year: str = "year",
    check_missing: bool = True,
    what: str = "panel",
) -> pd.DataFrame:
    """The numeric columns ``variables`` of ``df`` (a new frame), checked.

    Raises naming the columns that do not exist (and listing those that do),
    the cells that are not numbers (with their region-years), and, with
    ``check_missing``, the region-years with empty values
    (:func:`geoproc.panel.checks.check_values`).
    """
    variables = list(dict.fromkeys(variables))
    checks.check_columns(df, variables, what)
    labels = checks.RowLabels(df[id], df[year])
    return checks.check_values(df, variables, labels, what, check_missing=check_missing)


def year_values(
    panel: pd.DataFrame,
    variable: str,
    year: Any,
    id: str = "code",
    year_column: str = "year",
    regions: Sequence | None = None,
) -> pd.Series:
    """One year's values of ``variable``, one per region, checked.

    The cross-section the local statistics (:func:`geoproc.local_moran`,
    :func:`geoproc.getis_ord`) take; used by ``geoproc lisa``/``geoproc hotspots`` and the
    QGIS tools alike.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel, one row per region-year (e.g. from :func:`read_panel`; not modified).
    variable : str
        Numeric column to take.
    year : int
        The year.
    id, year_column : str
        Region and year columns of ``panel``.
    regions : sequence, optional
        Region ids the values must cover (e.g. a boundary layer's ids). The result is then
        in their order and indexed by them (ids that differ only in type, 320000 and
        "320000", match); panel regions that are not among them are refused.

    Returns
    -------
    pandas.Series
        Float values named ``variable``, indexed by region id.

    Raises
    ------
    GeoprocInputError
        Naming the unknown column (and listing the columns), the absent year (and listing the
        years), non-numeric or empty (NaN) cells with their regions, regions that appear twice
        in the year, regions of ``regions`` without a value, and panel regions not in
        ``regions``.
    """
    import pandas as pd

    what = f"panel {panel.attrs['source']}" if panel.attrs.get("source") else "panel"
    missing = [c for c in (variable, id, year_column) if c not in panel.columns]
    if missing:
        raise checks.columns_error(panel, missing, what)
    rows = panel[panel[year_column] == year]
    if rows.empty:
        years = sorted(panel[year_column].dropna().unique())
        raise GeoprocInputError(f"panel has no rows for {year}; its years are {', '.join(map(str, years))}")
    dup = rows[id][rows[id].duplicated()]
    if len(dup):
        raise GeoprocInputError(
            f"{what}: regions with several rows for {year}: {', '.join(map(str, dict.fromkeys(dup)))}"
        )
    values = panel_values(rows, [variable], id=id, year=year_column, what=what)[variable]
    values = pd.Series(values.to_numpy(), index=pd.Index(rows[id].to_numpy(), name=id), name=variable)
    if regions is None:
        return values
    from geoproc.ids import listing, match_ids

    ids = list(regions)
    try:
        pos = match_ids(ids, values.index, what_wanted="regions", what_available="panel", extra="ignore")
    except GeoprocInputError:
        from geoproc.ids import id_key

        have = {id_key(k) for k in values.index}
        lacking = [k for k in ids if id_key(k) not in have]
        raise GeoprocInputError(
            f"panel has no {variable!r} for {year} for regions {listing(lacking, 20)}") from None
    if len(pos) < len(values):
        known = set(values.index[pos])
        extra = [k for k in values.index if k not in known]
        raise GeoprocInputError(f"panel regions not among the regions: {listing(extra, 20)}")
    values = pd.Series(values.to_numpy()[pos], index=pd.Index(ids, name=id), name=variable)
    return values
