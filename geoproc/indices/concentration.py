"""Concentration indicators: the agglomeration index and the location quotient (METHODS §3)."""

from __future__ import annotations

import pandas as pd

from geoproc.errors import GeoprocInputError
from geoproc.numeric import numeric_columns
from geoproc.panel.checks import check_columns, listing, prepare, year_column

__all__ = ["agglomeration_index", "location_quotient"]


def agglomeration_index(
    panel: pd.DataFrame,
    value: str,
    *,
    id: str = "code",
    year: str | None = "year",
    name: str | None = None,
    thousands: str | None = None,
    balanced: bool = True,
    consecutive: bool = True,
) -> pd.Series:
    """Agglomeration (集聚) index: a region's value over the mean of all regions that year.

    ``cul_it = Rev_it / ((1/n) * sum_j Rev_jt)``, the n regions being those in the
    table in year t. An index of 1 is the average region; the yearly mean of the
    index is exactly 1.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table, one row per region-year.
    value : str
        Column to index, e.g. cultural-industry operating revenue. Must be >= 0.
    id, year : str
        Region id and year columns; ``year=None`` for a cross-section.
    name : str, optional
        Name of the returned Series (default ``"<value>_agglomeration"``).
    thousands : str, optional
        Accept numbers written with this thousands separator (``","`` or ``" "``).
    balanced : bool
        Require every region in every year (default), so that each yearly mean is
        over the same regions. ``False`` averages over the regions present each year.
    consecutive : bool
        Require consecutive years (default): a year missing for every region is an
        error listing the gaps; ``False`` accepts e.g. census years.

    Returns
    -------
    pandas.Series
        Float index aligned to ``panel.index``.

    Raises
    ------
    GeoprocInputError
        On negative values (naming the region-years), a year whose mean is zero,
        duplicate region-years, missing years, text in ``value``.

    Examples
    --------
    >>> panel["cul"] = geoproc.agglomeration_index(panel, "cultural_revenue", name="cul")
    """
    p = prepare(
        panel, [value], id=id, year=year, thousands=thousands, balanced=balanced,
        consecutive=consecutive,
    )
    x = p.values[value]
    neg = (x < 0).to_numpy()
    if neg.any():
        raise GeoprocInputError(f"panel: column {value!r} is negative for {p.where(neg)}")
    mean = x.groupby(p.groups).transform("mean")
    zero = (mean <= 0).to_numpy()
    if zero.any():
        yrs = sorted(set(p.groups[zero].tolist()))
        raise GeoprocInputError(
            f"panel: column {value!r} is zero for every region in year(s) {listing(yrs)}; "
            "the agglomeration index (value over the yearly mean) is undefined there"
        )
    return (x / mean).rename(name or f"{value}_agglomeration")


def _reference_totals(
    reference: pd.DataFrame,
    sector: str,
    total: str,
    year: str | None,
    thousands: str | None,
) -> pd.DataFrame:
    """The reference table as float columns e, E indexed by year (0 for a cross-section)."""
    what = "reference table"
    check_columns(reference, [sector, total] + ([year] if year else []), what)
    vals = numeric_columns(reference, [sector, total], thousands=thousands, what=what)
    if year:
        yrs = year_column(reference, year, what)
        dup = yrs.duplicated(keep=False).to_numpy()
        if dup.any():
            raise GeoprocInputError(
                f"{what}: year(s) {listing(sorted(set(yrs[dup].tolist())))} appear more than once"
            )
        vals.index = pd.Index(yrs.to_numpy(), name="year")
    else:
        if len(vals) != 1:
            raise GeoprocInputError(
                f"{what}: without year= it must have exactly one row, it has {len(vals)}"
            )
        vals.index = pd.Index([0], name="year")
    vals.columns = ["e", "E"]
    return vals


def location_quotient(
    panel: pd.DataFrame,
    sector: str,
    total: str,
    *,
    id: str = "code",
    year: str | None = "year",
    reference: str | pd.DataFrame = "all",
    reference_sector: str | None = None,
    reference_total: str | None = None,
    name: str | None = None,
    thousands: str | None = None,
    balanced: bool = True,
    consecutive: bool = True,
) -> pd.Series:
    """Location quotient (区位商) per region-year: ``LQ = (e_i / E_i) / (e / E)``.

    ``e_i`` is the region's sector figure (cultural-industry value added or
    employment), ``E_i`` its total (GDP or total employment); ``e`` and ``E`` the
    same for the reference area in that year. LQ > 1: the region is more
    specialised in the sector than the reference area.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table, one row per region-year.
    sector, total : str
        Columns of e_i and E_i (same units). ``0 <= e_i <= E_i`` and ``E_i > 0``.
    id, year : str
        Region id and year columns; ``year=None`` for a cross-section.
    reference : "all" or pandas.DataFrame
        ``"all"``: the reference area is all regions of the table in that year
        (``e = sum_i e_i``, ``E = sum_i E_i``). A DataFrame: reference totals by
        year (e.g. national figures), with the year column and the sector and total
        columns (named as in the panel unless ``reference_sector``/``reference_total``
        say otherwise); one row without a year column for a cross-section.
    name : str, optional
        Name of the returned Series (default ``"<sector>_lq"``).
    thousands : str, optional
        Accept numbers written with this thousands separator.
    balanced : bool
        With ``reference="all"``, require every region in every year (default) so
        that the reference area is the same each year.
    consecutive : bool
        Require consecutive years (default): a year missing for every region is an
        error listing the gaps; ``False`` accepts e.g. census years.

    Returns
    -------
    pandas.Series
        Float LQ aligned to ``panel.index``.

    Raises
    ------
    GeoprocInputError
        On a zero or negative total, a negative sector figure, a sector figure above
        the total (naming the region-years), a reference missing some of the
        panel's years, or a reference with a zero sector or total.

    Examples
    --------
    >>> lq = geoproc.location_quotient(cities, "cultural_va", "gdp", year="year")
    >>> cities.loc[(cities.year == 2018) & (lq > 1), "name_en"]
    """
    use_all = isinstance(reference, str)
    if use_all and reference != "all":
        raise GeoprocInputError(f'reference must be "all" or a DataFrame of totals, got {reference!r}')
    p = prepare(
        panel, [sector, total], id=id, year=year, thousands=thousands,
        balanced=balanced and use_all, consecutive=consecutive,
    )
    e_i = p.values[sector]
    big_e_i = p.values[total]
    bad = (big_e_i <= 0).to_numpy()
    if bad.any():
        raise GeoprocInputError(
            f"panel: total {total!r} is zero or negative for {p.where(bad)}; "
            "the location quotient divides by it"
        )
    bad = (e_i < 0).to_numpy()
    if bad.any():
        raise GeoprocInputError(f"panel: sector {sector!r} is negative for {p.where(bad)}")
    bad = (e_i > big_e_i).to_numpy()
    if bad.any():
        raise GeoprocInputError(
            f"panel: sector {sector!r} exceeds total {total!r} for {p.where(bad)}; "
            "check the units of the two columns"
        )

    groups = p.groups
    if use_all:
        ref = pd.DataFrame({"e": e_i.groupby(groups).sum(), "E": big_e_i.groupby(groups).sum()})
        what = "all regions"
    else:
        ref = _reference_totals(
            reference, reference_sector or sector, reference_total or total, year, thousands
        )
        missing = sorted(set(groups.tolist()) - set(ref.index.tolist()))
        if missing:
            raise GeoprocInputError(
                f"reference table has no row for year(s) {listing(missing)} of the panel"
            )
        ref = ref.loc[sorted(set(groups.tolist()))]
        what = "reference table"
        for col, label in (("e", reference_sector or sector), ("E", reference_total or total)):
            na = ref[col].isna().to_numpy()
            if na.any():
                raise GeoprocInputError(
                    f"{what}: {label!r} is empty for year(s) {listing(ref.index[na])}"
                )
        bad = (ref["e"] > ref["E"]).to_numpy()
        if bad.any():
            raise GeoprocInputError(
                f"{what}: sector exceeds total in year(s) {listing(ref.index[bad])}"
            )
    for col, label in (("e", sector), ("E", total)):
        bad = (ref[col] <= 0).to_numpy()
        if bad.any():
            yrs = listing(ref.index[bad]) if year else "the table"
            raise GeoprocInputError(
                f"{what}: {label!r} sums to zero or less in year(s) {yrs}; "
                "the location quotient divides by it"
            )
    ref_share = (ref["e"] / ref["E"]).reindex(groups).to_numpy()
    lq = (e_i / big_e_i).to_numpy() / ref_share
    return pd.Series(lq, index=panel.index, name=name or f"{sector}_lq")
