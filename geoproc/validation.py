"""Checks shared by every entry point: CRS, lon/lat ranges, ids, geometries.

Each raises :class:`~geoproc.errors.GeoprocInputError` naming the offending
region, row or column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "check_geometries",
    "check_ids",
    "check_lonlat",
    "region_ids",
    "require_crs",
    "to_lonlat",
]


def _label(labels: Sequence | None, i: int) -> str:
    return f"row {i}" if labels is None else f"{labels[i]!s} (row {i})"


def require_crs(gdf: gpd.GeoDataFrame, what: str = "layer") -> None:
    """Raise if ``gdf`` has no CRS."""
    if gdf.crs is None:
        raise GeoprocInputError(
            f"{what} has no coordinate reference system; set one (e.g. gdf.set_crs('EPSG:4326'))"
        )


def check_lonlat(
    lon: np.ndarray, lat: np.ndarray, labels: Sequence | None = None, what: str = "points"
) -> None:
    """Raise on NaN, out-of-range or swapped longitude/latitude, naming the rows."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    bad = np.flatnonzero(~np.isfinite(lon) | ~np.isfinite(lat))
    if bad.size:
        rows = ", ".join(_label(labels, i) for i in bad[:10])
        raise GeoprocInputError(f"{what}: missing coordinates at {rows}")
    far = np.flatnonzero((np.abs(lat) > 90) | (np.abs(lon) > 180))
    if far.size:
        rows = ", ".join(_label(labels, i) for i in far[:10])
        hint = ""
        if np.all(np.abs(lon[far]) <= 90) and np.all(np.abs(lat[far]) <= 180):
            hint = " (longitude and latitude look swapped)"
        elif np.any(np.abs(lon[far]) > 360):
            hint = " (these look like projected coordinates in metres, not lon/lat degrees)"
        raise GeoprocInputError(f"{what}: coordinates out of lon/lat range at {rows}{hint}")


def to_lonlat(gdf: gpd.GeoDataFrame, what: str = "layer") -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326, raising if it has no CRS."""
    require_crs(gdf, what)
    if gdf.crs.to_epsg() == 4326:
        return gdf
    return gdf.to_crs(4326)


def check_ids(ids: pd.Series | Sequence, what: str = "regions", column: str = "id") -> None:
    """Raise on missing or duplicate ids, listing them."""
    import pandas as pd

    s = pd.Series(list(ids))
    missing = np.flatnonzero(s.isna().to_numpy())
    if missing.size:
        raise GeoprocInputError(
            f"{what}: column {column!r} is empty at rows {', '.join(map(str, missing[:10]))}"
        )
    dup = s[s.duplicated(keep=False)]
    if len(dup):
        vals = ", ".join(map(str, sorted(set(dup.astype(str)))[:10]))
        raise GeoprocInputError(f"{what}: duplicate {column!r} values: {vals}")


def check_geometries(gdf: gpd.GeoDataFrame, labels: Sequence | None = None, what: str = "regions") -> None:
    """Raise on missing, empty or invalid geometries, naming the regions."""
    geom = gdf.geometry
    labels = list(labels) if labels is not None else None
    empty = np.flatnonzero((geom.isna() | geom.is_empty).to_numpy())
    if empty.size:
        names = ", ".join(_label(labels, i) for i in empty[:10])
        raise GeoprocInputError(f"{what}: empty or missing geometry for {names}")
    invalid = np.flatnonzero(~geom.is_valid.to_numpy())
    if invalid.size:
        names = ", ".join(_label(labels, i) for i in invalid[:10])
        raise GeoprocInputError(
            f"{what}: invalid geometry for {names}; repair it (shapely.make_valid) first"
        )


def region_ids(gdf: gpd.GeoDataFrame, id: str | None = None, what: str = "regions") -> list:
    """The ids of ``gdf``: column ``id`` if given, else ``code``, else the index. Checked."""
    if id is not None:
        if id not in gdf.columns:
            raise GeoprocInputError(
                f"{what}: no column {id!r}; columns are {', '.join(map(str, gdf.columns))}"
            )
        ids = gdf[id].tolist()
        column = id
    elif "code" in gdf.columns:
        ids = gdf["code"].tolist()
        column = "code"
    else:
        ids = gdf.index.tolist()
        column = "index"
    check_ids(ids, what, column)
    return ids
