"""Panel tables: long-format region-year data read from CSV or XLSX, checked, matched to regions.

One row per region and year. Regions are identified by a code column or by a
name column; names are matched to the codes of a boundary layer whatever their
variant (see :mod:`geoproc.region_names`).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import geoproc.panel.checks as checks
from geoproc.errors import GeoprocInputError
from geoproc.panel.model import Panel

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


__all__ = ["read_table", "read_panel", "load_panel", "as_panel", "match_regions", "region_matcher",
           "as_regions"]

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
        except zipfile.BadZipFile:  # a CSV or anything else saved under an .xlsx name
            raise GeoprocInputError(f"{path}: not an Excel (.xlsx) workbook") from None
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
        except pd.errors.EmptyDataError:  # 0 bytes, or only blank lines
            raise GeoprocInputError(f"{path}: the file is empty (no header, no rows)") from None
        df.attrs["encoding"] = enc
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["source"] = str(path)
    return df


def _text_dtypes(columns: Sequence, text_columns: Sequence[str]) -> dict:
    """``dtype`` for pandas' readers: the raw header names of ``text_columns`` as ``str``."""
    want = {str(c).strip() for c in text_columns}
    return {c: str for c in columns if str(c).strip() in want}


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
            raise checks.columns_error(regions, missing, "regions")
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


def load_panel(
    path_or_df: str | os.PathLike | pd.DataFrame,
    id: str = "code",
    year: str = "year",
    regions: Any = None,
    variables: Sequence[str] | None = None,
    balanced: bool = False,
    check_missing: bool = True,
    sheet: int | str = 0,
    regions_id: str | None = None,
    crosswalk: bool | str = False,
    additive: Sequence[str] | None = None,
) -> Panel:
    """Read and check a long-format panel (one row per region-year) as a :class:`Panel`.

    Parameters are those of :func:`read_panel`, which returns ``load_panel(...).frame``.

    Returns
    -------
    Panel
        With its provenance: ``source`` (file), ``encoding``, ``name_matches``.
    """
    import pandas as pd

    if isinstance(path_or_df, Panel):
        path_or_df = path_or_df.frame
    if isinstance(path_or_df, pd.DataFrame):
        df = path_or_df.copy()
        source = df.attrs.get("source", "panel")
    else:
        df = read_table(path_or_df, sheet=sheet, text_columns=[id])
        source = str(path_or_df)
        df.index = pd.RangeIndex(2, len(df) + 2)  # rows named by file line (header = line 1)
    what = "panel" if source == "panel" else f"panel {source}"
    checks.check_columns(df, [id, year], what)
    checks.check_ids(df, id, what)
    report = None
    if crosswalk:
        df, report = _crosswalk_ids(df, id, year, crosswalk)
    layer = _layer(regions, regions_id)
    layer_codes = None if layer is None else (
        layer[regions_id or "code"].tolist() if (regions_id or "code") in layer.columns else layer.index.tolist())
    original = (df[f"{id}_original"] if report is not None else df[id]).copy()
    mapped = df.pop("_crosswalked") if report is not None else pd.Series(False, index=df.index)
    matches: dict = {}
    if _looks_like_codes(original) or (
            layer_codes is not None and set(_code_text(original)) <= {str(c) for c in layer_codes}):
        df[id] = _typed_codes(_code_text(df[id]), layer_codes)
    else:
        # names: a crosswalked row already holds today's code (never re-matched as a name)
        codes = np.empty(len(df), dtype=object)
        m = mapped.to_numpy()
        if m.any():
            codes[m] = _typed_codes(_code_text(df.loc[mapped, id]), layer_codes)
        if (~m).any():
            codes[~m] = _match_rest(_code_text(df.loc[~mapped, id]), layer, regions_id, report, m.any())
        df[id] = list(codes)
        df[f"{id}_name"] = original
        matches = dict(zip(original, df[id], strict=True))
    if report is not None:
        df = _merge_crosswalked(df, id, year, report, additive, what)
    panel = Panel.from_frame(df, id, year, source=source, encoding=df.attrs.get("encoding"),
                             name_matches=matches)
    if variables is not None:
        panel.values(variables, check_missing=check_missing)
    if balanced:
        panel.require_balanced()
    return panel


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
    crosswalk: bool | str = False,
    additive: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read and check a long-format panel (one row per region-year).

    The frame of :func:`load_panel` (use that for the :class:`Panel` with its provenance).

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
    crosswalk : bool or {"drop", "error", "keep"}
        Map old Chinese prefecture-level codes and names (莱芜 371200, 襄樊, 毕节地区 ...)
        to today's units first (:func:`geoproc.crosswalk.crosswalk_panel`; a string is
        its ``split`` policy, ``True`` means ``"drop"``). Every mapping made is in
        ``attrs["crosswalk"]`` (one dict per original id). Rows it maps keep
        today's code (they are not matched again as names) and ``<id>_name`` the name as
        written; without ``regions`` the other names are matched to ``china_cities`` (the
        usual default only when the crosswalk mapped nothing, e.g. a province panel).
    additive : sequence of str, optional
        With ``crosswalk``: columns summed where two old units became one in the same
        year (:func:`geoproc.crosswalk.aggregate_merged`). Without it, such a merge is
        an error naming the units.

    Returns
    -------
    pandas.DataFrame
        Sorted by region and year, with ``attrs["id"]``, ``attrs["year"]`` and
        ``attrs["source"]``.

    Raises
    ------
    GeoprocInputError
        The messages of :mod:`geoproc.panel.checks`; rows of a file are named by line.
    """
    return load_panel(path_or_df, id, year, regions, variables, balanced, check_missing, sheet,
                      regions_id, crosswalk, additive).frame


def _crosswalk_ids(df: pd.DataFrame, id: str, year: str,
                   crosswalk: bool | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old prefecture-level ids to today's codes (see :mod:`geoproc.crosswalk`).

    The frame keeps ``<id>_original`` (what the panel wrote) and ``_crosswalked`` (row
    mapped); merges are handled by :func:`_merge_crosswalked` once every id is a code.
    """
    from geoproc.crosswalk import crosswalk_panel

    split = crosswalk if isinstance(crosswalk, str) else "drop"
    if split not in ("drop", "error", "keep"):
        raise GeoprocInputError(f"crosswalk={crosswalk!r}: use True, 'drop', 'error' or 'keep'")
    attrs = dict(df.attrs)
    out, report = crosswalk_panel(df, id=id, year=year, split=split)
    done = report.loc[report["action"] == "mapped", "original"].tolist()
    out["_crosswalked"] = out[f"{id}_original"].isin(done)
    out.attrs.update(attrs)
    return out, report


def _match_rest(names: pd.Series, layer: Any, regions_id: str | None, report: pd.DataFrame | None,
                any_mapped: bool) -> np.ndarray:
    """Codes of the names the crosswalk left alone.

    With the crosswalk and no ``regions``, names are today's prefecture-level units: the
    ``china_cities`` layer (the crosswalk's targets). Only when the crosswalk mapped
    nothing (a province panel, say) does the usual default (provinces, then YRD) apply.
    """
    if report is None or layer is not None:
        return match_regions(names, regions=layer, id=regions_id).to_numpy()
    try:
        return match_regions(names, regions="china_cities").to_numpy()
    except GeoprocInputError as exc:
        if any_mapped:
            raise GeoprocInputError(f"{exc} (with crosswalk, names are matched to china_cities; "
                                    "pass regions= for another layer)") from None
        try:
            return match_regions(names).to_numpy()
        except GeoprocInputError:
            raise exc from None


def _merge_crosswalked(df: pd.DataFrame, id: str, year: str, report: pd.DataFrame,
                       additive: Sequence[str] | None, what: str) -> pd.DataFrame:
    """Flag units merged into one in the same year (now that every id is a code); sum ``additive``."""
    import pandas as pd

    from geoproc.crosswalk import aggregate_merged, merged_codes

    attrs = dict(df.attrs)
    orig = f"{id}_original"
    merged = {str(c) for c in merged_codes(df, id, year)} & {str(c) for c in report["new_code"].dropna()}
    report["merged"] = [str(c) in merged for c in report["new_code"]]
    if merged:
        if not additive:
            units = "; ".join(f"{r.original} -> {r.new_name} ({r.new_code})"
                              for r in report[report["merged"]].itertuples())
            raise GeoprocInputError(
                f"{what}: units merged into one in the same year ({units}); pass additive=[...] "
                "to sum those columns (other columns of merged rows become missing)"
            )
        # only the crosswalk's merges are summed: any other duplicate is left to the id checks
        hit = df[id].astype(str).isin(merged)
        name = f"{id}_name"
        agg = aggregate_merged(df[hit].drop(columns=[name], errors="ignore"), list(additive), id=id, year=year)
        if name in df.columns:
            agg[name] = agg[orig]
        df = pd.concat([df[~hit], agg[[c for c in df.columns if c in agg.columns]]], ignore_index=True)
    df = df.drop(columns=orig)
    df.attrs.update(attrs)
    df.attrs["crosswalk"] = report.to_dict("records")
    return df


def as_regions(regions: Any, id: str | None = None) -> gpd.GeoDataFrame:
    """Checked regions (a copy) from a GeoDataFrame, a vector file or a shipped boundary name."""
    from geoproc.boundaries import read_regions

    return read_regions(regions, id=id)


def as_panel(panel: Any, id: str = "code", year: str = "year", **read: Any) -> Panel:
    """A :class:`Panel` from a Panel (returned as is), a DataFrame or a CSV/XLSX path.

    ``read`` goes to :func:`load_panel` (``regions=``, ``sheet=`` ...).
    """
    if isinstance(panel, Panel):
        return panel
    return load_panel(panel, id=id, year=year, **read)
