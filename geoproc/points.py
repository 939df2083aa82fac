"""Reading point data (cluster parks, firms) from tables or layers into WGS84 points.

Tables (CSV/TSV/TXT, XLSX/XLS) with longitude/latitude columns, in UTF-8, UTF-8 with
a byte-order mark or GBK/GB18030 (what Chinese Excel and statistical yearbooks
export); or any point layer GDAL reads (GeoPackage, shapefile, GeoJSON...); or a
(Geo)DataFrame. Coordinates geocoded on Chinese map services (Amap/Tencent: GCJ-02,
Baidu: BD-09) are converted to WGS84 with :func:`geoproc.datums.to_wgs84`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.validation import (
    PointLabels,
    check_geographic_points,
    check_point_geometries,
    is_dask_frame,
    lonlat_problems,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["read_points", "source_of"]

Datum = Literal["wgs84", "gcj02", "bd09"]
_TABLE_SUFFIXES = {".csv", ".tsv", ".txt"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}  # .xls: read_table explains it is unsupported
# column names tried, in order, when the given lon/lat column is absent
_LON_ALIASES = ("lon", "lng", "long", "longitude", "x", "经度", "東經", "东经")
_LAT_ALIASES = ("lat", "latitude", "y", "纬度", "緯度", "北纬")


def read_points(
    src: str | os.PathLike | pd.DataFrame | gpd.GeoDataFrame,
    lon: str = "lon",
    lat: str = "lat",
    datum: Datum = "wgs84",
    encoding: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read points into a GeoDataFrame in WGS84 (EPSG:4326).

    Parameters
    ----------
    src : path, DataFrame or GeoDataFrame
        A table (``.csv``, ``.tsv``, ``.txt``, ``.xlsx``, ``.xls``) with longitude and
        latitude columns, a point layer GDAL reads, a DataFrame with the columns, or a
        GeoDataFrame of points (it must have a CRS). The input is never modified.
    lon, lat : str
        Longitude and latitude column names (tables only). If absent, common names
        (``lng``, ``longitude``, ``x``, ``经度``...; ``latitude``, ``y``, ``纬度``...)
        are tried when the defaults are absent; an ambiguous choice is an error.
    datum : {"wgs84", "gcj02", "bd09"}
        Datum of the coordinates: "gcj02" for Amap (高德)/Tencent, "bd09" for Baidu.
        Converted to WGS84. For a layer, the datum applies to its lon/lat values.
    encoding : str, optional
        Text encoding of a CSV; default: detected by :func:`geoproc.panel.read_table`
        (UTF-8 with or without BOM, else GBK).
    layer : str, optional
        Layer name in a multi-layer file (GeoPackage).

    Returns
    -------
    GeoDataFrame
        All input columns, point geometries, CRS EPSG:4326, a fresh RangeIndex.
        After a datum conversion the lon/lat columns hold the WGS84 values;
        ``attrs["datum"]`` records the input datum and, for a file table,
        ``attrs["first_line"]`` the file line of row 0, so that later messages
        (:func:`geoproc.kernel_density`, :func:`geoproc.point_density`) name a
        point by its name and file line.

    Raises
    ------
    GeoprocInputError
        Unreadable file or encoding, missing columns, missing, non-numeric or
        out-of-range coordinates (naming the rows, every kind in one message), longitude and latitude swapped,
        a layer without a CRS or with non-point geometries, an unknown datum, no rows.
    FileNotFoundError
        ``src`` does not exist.
    """
    import geopandas as gpd
    import pandas as pd

    if datum not in ("wgs84", "gcj02", "bd09"):
        raise GeoprocInputError(f"datum {datum!r} unknown; choose 'wgs84', 'gcj02' or 'bd09'")
    what = "points"
    if isinstance(src, gpd.GeoDataFrame):
        return _from_layer(src.copy(), datum, what)
    if isinstance(src, pd.DataFrame):
        return _from_table(src.copy(), lon, lat, datum, what, first_line=None)
    path = Path(src)
    what = f"points file {path}"
    if not path.exists():
        raise FileNotFoundError(f"points file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix in _TABLE_SUFFIXES or suffix in _EXCEL_SUFFIXES:
        if encoding is None or suffix in _EXCEL_SUFFIXES:
            from geoproc.panel import read_table  # detects UTF-8, UTF-8-BOM, GBK

            table = read_table(path)
        else:
            table = _read_text_table(path, encoding)
        return _from_table(table, lon, lat, datum, what, first_line=2)
    try:
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise GeoprocInputError(f"{what}: cannot read it as a table or a layer ({exc})") from exc
    return _from_layer(gdf, datum, what)


def _read_text_table(path: Path, encoding: str) -> pd.DataFrame:
    """Read a delimited text table in the encoding the user named."""
    import pandas as pd

    sep = "\t" if path.suffix.lower() == ".tsv" else None
    try:
        # sep=None sniffs comma/semicolon/tab; the python engine is needed for that
        return pd.read_csv(
            path, encoding=encoding, sep=sep, engine="python" if sep is None else "c"
        )
    except UnicodeDecodeError as exc:
        raise GeoprocInputError(
            f"points file {path}: not {encoding} ({exc.reason} at byte {exc.start}); "
            "leave encoding unset to detect UTF-8/GBK"
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, LookupError) as exc:
        raise GeoprocInputError(f"points file {path}: cannot parse it ({exc})") from exc


def _pick_column(
    table: pd.DataFrame, name: str, aliases: Sequence[str], what: str, role: str
) -> str:
    if name in table.columns:
        return name
    cols = ", ".join(map(str, table.columns))
    if name != aliases[0]:  # a name the user chose: no guessing
        raise GeoprocInputError(f"{what}: no {role} column {name!r}; columns are {cols}")
    lower = {str(c).strip().lower(): c for c in table.columns}
    found = [lower[a] for a in aliases if a in lower]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise GeoprocInputError(
            f"{what}: no column {name!r}; several could be the {role} ({', '.join(map(str, found))}); "
            f"pass {'lon' if role == 'longitude' else 'lat'}="
        )
    raise GeoprocInputError(f"{what}: no {role} column {name!r}; columns are {cols}")


def _from_table(
    table: pd.DataFrame, lon: str, lat: str, datum: str, what: str, first_line: int | None
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if len(table) == 0:
        raise GeoprocInputError(f"{what}: no rows")
    lon_col = _pick_column(table, lon, _LON_ALIASES, what, "longitude")
    lat_col = _pick_column(table, lat, _LAT_ALIASES, what, "latitude")
    table = table.reset_index(drop=True)
    labels = PointLabels(table, first_line)
    x, x_text = _numeric(table[lon_col])
    y, y_text = _numeric(table[lat_col])
    # every kind of problem in one message: fixing a file one error at a time is slow
    problems = [
        _text_message(table[c], t, labels, c) for c, t in ((lon_col, x_text), (lat_col, y_text)) if t.any()
    ]
    problems += lonlat_problems(x, y, labels, skip=x_text | y_text)
    if problems:
        raise GeoprocInputError(f"{what}: " + "; ".join(problems))
    x, y = _convert(x, y, datum, labels)
    out = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    out.attrs["datum"] = datum
    if first_line is not None:  # messages downstream name the file line (PointLabels)
        out.attrs["first_line"] = first_line
    if datum != "wgs84":  # keep the user's columns but say which ones are converted
        out[lon_col] = x
        out[lat_col] = y
    return out


def _numeric(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Floats (NaN where empty or text) and where the cells hold text that is not a number."""
    import pandas as pd

    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    text = col.notna().to_numpy() & np.isnan(values)
    if text.any():  # a blank string is an empty cell, not text
        blank = np.array([isinstance(v, str) and not v.strip() for v in col.to_numpy()], dtype=bool)
        text &= ~blank
    return values, text


def _text_message(col: pd.Series, text: np.ndarray, labels: Sequence[str], name: str) -> str:
    bad = np.flatnonzero(text)
    rows = ", ".join(f"{labels[i]}: {col.iat[i]!r}" for i in bad[:10])
    more = f" and {bad.size - 10} more" if bad.size > 10 else ""
    return f"column {name!r} is not a number at {rows}{more}"


def _convert(x: np.ndarray, y: np.ndarray, datum: str, labels: Sequence[str]):
    if datum == "wgs84":
        return x, y
    from geoproc.datums import to_wgs84

    lon, lat = to_wgs84(x, y, datum=datum, labels=labels)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _from_layer(gdf: gpd.GeoDataFrame, datum: str, what: str) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import shapely

    if gdf.crs is None:
        raise GeoprocInputError(
            f"{what}: the layer has no coordinate reference system; set one "
            "(e.g. gdf.set_crs('EPSG:4326')) or give a table with lon/lat columns"
        )
    if len(gdf) == 0:
        raise GeoprocInputError(f"{what}: no features")
    gdf = gdf.reset_index(drop=True)
    labels = PointLabels(gdf)
    check_point_geometries(gdf.geometry.to_numpy(), labels, what)
    # degrees out of range (swapped, or metres labelled as degrees) before reprojecting
    check_geographic_points(gdf, what)
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    problems = lonlat_problems(xy[:, 0], xy[:, 1], labels)
    if problems:  # e.g. a projected layer whose coordinates fall off the projection
        raise GeoprocInputError(f"{what}: " + "; ".join(problems))
    x, y = _convert(xy[:, 0], xy[:, 1], datum, labels)
    out = gpd.GeoDataFrame(
        gdf.drop(columns=gdf.geometry.name), geometry=gpd.points_from_xy(x, y), crs="EPSG:4326"
    )
    out.attrs["datum"] = datum
    return out


def source_of(points: Any) -> str | None:
    """The provenance of points: the distinct values of their ``source`` column.

    Parameters
    ----------
    points : GeoDataFrame or dask_geopandas.GeoDataFrame
        Points, e.g. from :func:`read_points` or :func:`geoproc.synthetic_points`.

    Returns
    -------
    str or None
        The sorted distinct values joined by "; " (e.g. "synthetic"), or None without
        a ``source`` column or values.
    """
    if "source" not in points.columns:
        return None
    vals = points["source"].dropna().unique()
    if is_dask_frame(points):
        vals = vals.compute()
    vals = sorted(map(str, vals))
    return "; ".join(vals) if vals else None
