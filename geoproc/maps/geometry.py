"""Region layers ready for display: checks, simplified rounded outlines, GeoJSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "COORD_DECIMALS",
    "DISPLAY_TOLERANCE_DEG",
    "check_regions",
    "display_geometries",
    "feature_collection",
    "require_column",
    "row_name",
]

#: Simplification tolerance for display geometries, in degrees of lon/lat (EPSG:4326).
#: 0.005° is about 0.55 km north-south and 0.48 km east-west at 30° N, under one pixel
#: at the zoom that shows a province or the Yangtze River Delta. For a clean coverage
#: it is the tolerance of GEOS's coverage simplifier (Visvalingam-Whyatt: a vertex goes
#: when its triangle's area is below tolerance², i.e. about (0.5 km)²); otherwise that
#: of Douglas-Peucker per polygon (a vertex goes when it lies within 0.005° of the
#: simplified line).
DISPLAY_TOLERANCE_DEG = 0.005
#: Decimal places kept in map coordinates: 1e-5° is about 1 m.
COORD_DECIMALS = 5


def check_regions(gdf: Any, what: str = "regions") -> gpd.GeoDataFrame:
    """A polygon GeoDataFrame in EPSG:4326 (a copy; the caller's frame is untouched)."""
    import geopandas as gpd

    from geoproc.validation import to_lonlat

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise GeoprocInputError(f"{what}: expected a GeoDataFrame, got {type(gdf).__name__}")
    if len(gdf) == 0:
        raise GeoprocInputError(f"{what}: the layer has no features")
    out = to_lonlat(gdf, what).copy()
    geom = out.geometry
    empty = np.flatnonzero((geom.isna() | geom.is_empty).to_numpy())
    if empty.size:
        rows = ", ".join(f"{row_name(out, i)} (row {i})" for i in empty[:10])
        raise GeoprocInputError(f"{what}: empty or missing geometry for {rows}")
    types = set(geom.geom_type)
    if not types <= {"Polygon", "MultiPolygon"}:
        raise GeoprocInputError(
            f"{what}: expected polygons, got {', '.join(sorted(types - {'Polygon', 'MultiPolygon'}))}"
        )
    return out


def row_name(gdf: Any, i: int) -> str:
    for f in ("name_en", "name_zh", "name", "code"):
        if f in gdf.columns:
            return str(gdf[f].iloc[i])
    return str(gdf.index[i])


def require_column(gdf: Any, column: str, what: str = "layer") -> None:
    if column not in gdf.columns:
        cols = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise GeoprocInputError(f"{what}: no column {column!r}; columns are {cols}")


def display_geometries(geoms: Any, tolerance: float = DISPLAY_TOLERANCE_DEG,
                       datum: str = "wgs84") -> np.ndarray:
    """Simplified, rounded lon/lat geometries for drawing, shifted into ``datum``.

    Shared borders are simplified once (shapely's ``coverage_simplify``) so that
    neighbouring regions keep meeting without gaps or slivers; a layer that is not a
    clean coverage (overlaps) falls back to simplifying each polygon on its own.
    ``datum="gcj02"`` shifts the result for a Gaode basemap
    (:func:`geoproc.maps.basemaps.to_display`).
    """
    import shapely

    arr = np.asarray(geoms, dtype=object)
    if tolerance and tolerance > 0:
        try:
            ok = bool(shapely.coverage_is_valid(arr))
        except Exception:  # noqa: BLE001 - GEOS errors on odd input: fall back below
            ok = False
        if ok:
            arr = np.asarray(shapely.coverage_simplify(arr, tolerance), dtype=object)
        else:
            arr = shapely.simplify(arr, tolerance, preserve_topology=True)
    if datum != "wgs84":
        from geoproc.maps.basemaps import to_display

        arr = to_display(arr, datum)
    return shapely.transform(arr, lambda xy: np.round(xy, COORD_DECIMALS))


def feature_collection(geoms: Sequence, props: Sequence[dict]) -> dict:
    """GeoJSON FeatureCollection dict with only the given (already escaped) properties."""
    import shapely

    feats = []
    for i, (g, p) in enumerate(zip(geoms, props, strict=True)):
        feats.append({
            "type": "Feature",
            "id": str(i),
            "properties": p,
            "geometry": shapely.geometry.mapping(g),
        })
    return {"type": "FeatureCollection", "features": feats}
