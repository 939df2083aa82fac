"""Panel tables: long-format region-year data read from CSV or XLSX, checked, matched to regions.

One row per region and year. Regions are identified by a code column or by a
name column; names are matched to the codes of a boundary layer whatever their
variant (see :mod:`geoproc.region_names`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["read_table", "read_panel", "match_regions", "region_matcher", "panel_values", "year_values"]

# Encodings tried in order. utf-8-sig also reads plain UTF-8; GB18030 is a
# superset of GBK/GB2312, which Chinese Excel writes by default.
_ENCODINGS = ("utf-8-sig", "gb18030")
_NAME_COLUMNS = ("name_zh", "short_zh", "name_en", "name", "NAME", "name_local")


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    for enc in _ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise GeoprocInputError(
        f"{path}: cannot decode the file as UTF-8 or GBK/GB18030; save it as UTF-8 CSV"
    )


def read_table(path: str | os.PathLike, sheet: int | str = 0,
               text_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX table.

    Parameters
    ----------
    path : str or path-like
        ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xlsm`` or Stata ``.dta`` (value labels
        become their text).
    sheet : int or str
        Worksheet of an Excel file.
    text_columns : sequence of str
        Columns read as text, as written (names compared after stripping spaces): region
        codes such as US FIPS ``01`` or INSEE ``01004`` keep their leading zeros.

    Returns
    -------
    pandas.DataFrame
        Column names stripped of surrounding spaces. ``df.attrs["encoding"]``
        says how a CSV was decoded. Numbers are parsed by pandas as they stand:
        a cell such as ``"1,234"`` stays text (and is reported by
        :func:`read_panel` when it is used as a variable), never guessed.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"table {path} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            head = pd.read_excel(path, sheet_name=sheet, engine="openpyxl", nrows=0)
            df = pd.read_excel(path, sheet_name=sheet, engine="openpyxl",
                               dtype=_text_dtypes(head.columns, text_columns))
        except (ValueError, KeyError) as exc:
            raise GeoprocInputError(f"{path}: cannot read sheet {sheet!r}: {exc}") from exc
        df.attrs["encoding"] = "xlsx"
    elif suffix == ".dta":
        from geoproc.stata import read_stata

        df = read_stata(path, text_columns)
    elif suffix == ".xls":
        raise GeoprocInputError(f"{path}: old .xls files are not supported; save as .xlsx or CSV")
    else:
        text, enc = _decode(path.read_bytes(), path)
        sample = text[:8192]
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            sep = "\t" if suffix == ".tsv" else ","
        try:
            head = pd.read_csv(io.StringIO(text), sep=sep, nrows=0)
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=_text_dtypes(head.columns, text_columns))
        except pd.errors.ParserError as exc:
            raise GeoprocInputError(f"{path}: not a readable CSV table: {exc}") from exc
        df.attrs["encoding"] = enc
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["source"] = str(path)
    return df


def _text_dtypes(columns: Sequence, text_columns: Sequence[str]) -> dict:
    """``dtype`` for pandas' readers: the raw header names of ``text_columns`` as ``str``."""
    want = {str(c).strip() for c in text_columns}
    return {c: str for c in columns if str(c).strip() in want}


def _columns_error(df: pd.DataFrame, missing: Sequence[str], what: str) -> GeoprocInputError:
    return GeoprocInputError(
        f"{what}: no column {', '.join(repr(m) for m in missing)}; "
        f"columns are {', '.join(map(str, df.columns))}"
    )


def region_matcher(regions: Any = None, id: str | None = None,
                   name_columns: Sequence[str] | None = None):
    """A :class:`~geoproc.region_names.RegionMatcher` for a boundary layer.

    ``regions`` is a GeoDataFrame/DataFrame with a code column (``id``, default
    ``code``, else the index) and name columns (``name_columns``, default every
    one of ``name_zh, short_zh, name_en, name`` present, else all text columns),
    or the name of a shipped boundary set (``"china_provinces"``, ``"yrd_cities"``).
    """
    from geoproc.region_names import RegionMatcher

    if regions is None or isinstance(regions, str):
        from geoproc.boundaries import load_boundaries

        regions = load_boundaries(regions or "china_provinces")
    if id is None:
        id = "code" if "code" in regions.columns else None
    codes = regions[id].tolist() if id is not None else regions.index.tolist()
    if name_columns is None:
        name_columns = [c for c in _NAME_COLUMNS if c in regions.columns]
        if not name_columns:
            name_columns = [
                c for c in regions.columns
                if c != id and regions[c].dtype == object and c != getattr(regions, "_geometry_column_name", None)
            ]
    else:
        missing = [c for c in name_columns if c not in regions.columns]
        if missing:
            raise _columns_error(regions, missing, "regions")
    matcher = RegionMatcher(codes, [regions[c].tolist() for c in name_columns])
    if "province_code" in regions.columns:
        # cities sharing a name (苏州/宿州 "Suzhou") also match as 江苏苏州 / "Suzhou, Jiangsu"
        try:
            from geoproc.boundaries import load_boundaries

            prov = load_boundaries("china_provinces")
        except Exception:  # noqa: BLE001 - optional refinement; plain names still match
            prov = None
        if prov is not None:
            cols = [c for c in _NAME_COLUMNS if c in prov.columns]
            names = {c: [prov.at[i, k] for k in cols] for i, c in zip(prov.index, prov["code"], strict=True)}
            matcher.add_qualified(regions["province_code"].tolist(), names)
    return matcher


def match_regions(names: Sequence | pd.Series, regions: Any = None, id: str | None = None,
                  name_columns: Sequence[str] | None = None) -> pd.Series:
    """Match region names, in any variant, to region codes.

    Parameters
    ----------
    names : sequence or Series
        Names as users write them: 江苏, 江苏省, Jiangsu, JIANGSU, "Jiangsu Sheng",
        内蒙古自治区, Inner Mongolia, Tibet/Xizang, 南京市, Nanjing ... Codes
        themselves (as numbers or text) match too.
    regions : GeoDataFrame, DataFrame or str, optional
        The layer whose codes are wanted, or a shipped boundary set name. Default:
        China's provinces; if those leave names unmatched, the Yangtze River Delta
        cities are tried.
    id : str, optional
        Code column of ``regions`` (default ``code``, else the index).
    name_columns : sequence of str, optional
        Name columns of ``regions`` (default: ``name_zh, short_zh, name_en, name``
        where present, else all text columns).

    Returns
    -------
    pandas.Series
        Codes, index as ``names``.

    Raises
    ------
    GeoprocInputError
        Listing every name that matches no region, with the closest candidates
        (difflib), and every ambiguous name with the regions it could be.
    """
    import pandas as pd

    index = names.index if isinstance(names, pd.Series) else pd.RangeIndex(len(names))
    values = list(names)
    if regions is None:
        first = region_matcher("china_provinces")
        try:
            codes = first.match(values)
        except GeoprocInputError as exc_provinces:
            try:
                codes = region_matcher("yrd_cities").match(values)
            except GeoprocInputError:
                raise exc_provinces from None
    else:
        codes = region_matcher(regions, id=id, name_columns=name_columns).match(values)
    return pd.Series(codes, index=index, name="code")


def _looks_like_codes(values: pd.Series) -> bool:
    import pandas as pd

    nonnull = values.dropna()
    return len(nonnull) > 0 and bool(pd.to_numeric(nonnull, errors="coerce").notna().all())


def _layer(regions: Any, regions_id: str | None):
    """The boundary layer of ``regions`` (a frame, a shipped name or a vector file), or None."""
    if regions is None or hasattr(regions, "columns"):
        return regions
    from geoproc.boundaries import read_regions

    return read_regions(regions, id=regions_id)


def _code_text(col: pd.Series) -> pd.Series:
    """Codes as text: strings stripped, whole numbers without a decimal part (1.0 -> "1")."""
    def one(v: Any) -> str:
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()

    return col.map(one)


def _typed_codes(text: pd.Series, layer_codes: list | None) -> np.ndarray:
    """Codes typed like the layer's: integers only if the layer's codes are integers (or,
    without a layer, if every code is written as a plain integer, no leading zero)."""
    import pandas as pd

    num = pd.to_numeric(text, errors="coerce")
    whole = bool(num.notna().all() and np.all(np.mod(num, 1) == 0))
    if layer_codes is not None:
        layer_int = len(layer_codes) > 0 and all(
            isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in layer_codes)
        if layer_int and whole:
            return num.astype(np.int64).to_numpy()
        return text.to_numpy(dtype=object)
    if whole and all(str(int(v)) == t for v, t in zip(num, text, strict=True)):
        return num.astype(np.int64).to_numpy()
    if num.notna().all() and not text.str.match(r"^[+-]?0\d").any():
        return num.to_numpy()  # decimal codes, as pandas reads them
    return text.to_numpy(dtype=object)


def read_panel(
    path_or_df: str | os.PathLike | pd.DataFrame,
    id: str = "code",
    year: str = "year",
    regions: Any = None,
    variables: Sequence[str] | None = None,
    balanced: bool = False,
    check_missing: bool = True,
    sheet: int | str = 0,
    regions_id: str | None = None,
) -> pd.DataFrame:
    """Read and check a long-format panel (one row per region-year).

    Parameters
    ----------
    path_or_df : path or DataFrame
        CSV/XLSX/Stata .dta file (see :func:`read_table`) or a DataFrame (not modified).
    id : str
        Column identifying regions: codes, or names to be matched to ``regions``.
    year : str
        Year column (integers).
    regions : GeoDataFrame or str, optional
        Boundary layer (or shipped set name) to match names in ``id`` against.
        When the ``id`` column holds names, they are replaced by the layer's
        codes and the original text is kept in ``<id>_name``. Without
        ``regions``, name columns are matched to the shipped boundaries.
        Codes are read as text and matched on the text of the layer's codes; they
        become integers only if the layer's codes are integers (so US FIPS ``01``
        or INSEE ``2A004`` stay as written). Without ``regions``, codes become
        integers only when every one is written as a plain integer (no leading zero).
    variables : sequence of str, optional
        Columns that must exist and be numeric; with ``check_missing`` their
        empty cells are an error naming the region-years.
    balanced : bool
        Require every region to have every year (listing the gaps).
    check_missing : bool
        See ``variables``.
    sheet : int or str
        Worksheet of an Excel file.
    regions_id : str, optional
        Code column of ``regions`` (default ``code``, else the index).

    Returns
    -------
    pandas.DataFrame
        Sorted by region and year, with ``attrs["id"]`` and ``attrs["year"]``.
    """
    import pandas as pd

    if isinstance(path_or_df, pd.DataFrame):
        df = path_or_df.copy()
        source = df.attrs.get("source", "panel")
    else:
        df = read_table(path_or_df, sheet=sheet, text_columns=[id])
        source = str(path_or_df)
    what = f"panel {source}"
    missing = [c for c in (id, year) if c not in df.columns]
    if missing:
        raise _columns_error(df, missing, what)
    # id
    empty = np.flatnonzero(df[id].isna().to_numpy())
    if empty.size:
        raise GeoprocInputError(
            f"{what}: column {id!r} is empty at rows {', '.join(str(i + 2) for i in empty[:20])} "
            "(file line numbers, header = line 1)"
        )
    layer = _layer(regions, regions_id)
    layer_codes = None if layer is None else (
        layer[regions_id or "code"].tolist() if (regions_id or "code") in layer.columns else layer.index.tolist())
    text = _code_text(df[id])
    if _looks_like_codes(df[id]) or (
            layer_codes is not None and set(text) <= {str(c) for c in layer_codes}):
        df[id] = _typed_codes(text, layer_codes)
    else:
        codes = match_regions(text, regions=layer, id=regions_id)
        df[f"{id}_name"] = df[id]
        df[id] = codes.to_numpy()
    # year
    yrs = pd.to_numeric(df[year], errors="coerce")
    bad = np.flatnonzero((yrs.isna() | (np.mod(yrs.fillna(0), 1) != 0)).to_numpy())
    if bad.size:
        rows = ", ".join(f"line {i + 2} ({df[year].iloc[i]!r})" for i in bad[:20])
        raise GeoprocInputError(f"{what}: column {year!r} is not a whole-number year at {rows}")
    df[year] = yrs.astype(np.int64)
    # duplicates
    dup = df[df.duplicated([id, year], keep=False)]
    if len(dup):
        pairs = sorted({(r, y) for r, y in zip(dup[id], dup[year], strict=True)}, key=str)
        raise GeoprocInputError(
            f"{what}: duplicate region-years ({id}, {year}): "
            + ", ".join(f"{r} {y}" for r, y in pairs[:20])
        )
    if variables is not None:
        panel_values(df, variables, id=id, year=year, check_missing=check_missing, what=what)
    if balanced:
        check_balanced(df, id=id, year=year, what=what)
    df = df.sort_values([id, year], kind="stable").reset_index(drop=True)
    df.attrs.update({"id": id, "year": year, "source": source})
    return df


def check_balanced(df: pd.DataFrame, id: str, year: str, what: str = "panel") -> None:
    """Raise if some regions lack some years, listing them."""
    years = sorted(df[year].unique())
    have = df.groupby(id)[year].apply(set)
    gaps = {r: sorted(set(years) - s) for r, s in have.items() if len(s) < len(years)}
    if gaps:
        listed = "; ".join(f"{r}: {', '.join(map(str, g[:10]))}" for r, g in list(gaps.items())[:20])
        raise GeoprocInputError(f"{what}: years missing for {len(gaps)} regions ({listed})")


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
    ``check_missing``, the region-years with empty values.
    """
    import pandas as pd

    missing = [v for v in variables if v not in df.columns]
    if missing:
        raise _columns_error(df, missing, what)
    out = pd.DataFrame(index=df.index)
    for v in variables:
        col = df[v]
        num = pd.to_numeric(col, errors="coerce")
        notnum = num.isna() & col.notna()
        if notnum.any():
            cells = ", ".join(
                f"{r} {y} ({c!r})"
                for r, y, c in zip(df.loc[notnum, id], df.loc[notnum, year], col[notnum], strict=True)
            )
            hint = " (thousands separators? remove them)" if col[notnum].astype(str).str.contains(",").any() else ""
            raise GeoprocInputError(f"{what}: column {v!r} has non-numeric values at {cells[:600]}{hint}")
        if check_missing and num.isna().any():
            na = num.isna()
            cells = ", ".join(f"{r} {y}" for r, y in zip(df.loc[na, id], df.loc[na, year], strict=True))
            raise GeoprocInputError(f"{what}: column {v!r} is missing (NaN) for region-years {cells[:600]}")
        out[v] = num.astype(float)
    return out


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
        raise _columns_error(panel, missing, what)
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
    ids = list(regions)
    by_text = {str(k): k for k in ids}
    if all(str(k) in by_text for k in values.index):  # 320000 vs "320000"
        values.index = pd.Index([by_text[str(k)] for k in values.index], name=id)
    have, known = set(values.index), set(ids)
    lacking = [k for k in ids if k not in have]
    if lacking:
        raise GeoprocInputError(
            f"panel has no {variable!r} for {year} for regions {', '.join(map(str, lacking[:20]))}"
            + (f" (and {len(lacking) - 20} more)" if len(lacking) > 20 else "")
        )
    extra = [k for k in values.index if k not in known]
    if extra:
        raise GeoprocInputError(
            f"panel regions not among the regions: {', '.join(map(str, extra[:20]))}"
            + (f" (and {len(extra) - 20} more)" if len(extra) > 20 else "")
        )
    return values.loc[ids]


def as_regions(regions: Any, id: str | None = None) -> gpd.GeoDataFrame:
    """Checked regions (a copy) from a GeoDataFrame, a vector file or a shipped boundary name."""
    from geoproc.boundaries import read_regions

    return read_regions(regions, id=id)
