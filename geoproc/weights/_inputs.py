"""Shared input handling for the weight builders: regions, ids, region labels, distances."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import geopandas as gpd

# Centroids closer than this (km) count as the same place for distance-based weights.
COINCIDENT_KM = 1e-6

# Fields shown next to an id in messages, in order of preference.
NAME_FIELDS = ("name_en", "short_zh", "name_zh", "name", "NAME")


def load_regions(regions: Any, id: str | None = None) -> tuple[gpd.GeoDataFrame, list, str]:
    """Return ``(gdf, ids, id_field)`` for a GeoDataFrame, a vector file or a shipped layer name.

    ``id_field`` is the column the ids come from (``"index"`` when none).
    """
    import geopandas as gpd
    import pandas as pd

    from geoproc.validation import check_geometries, region_ids, require_crs

    if isinstance(regions, (str, os.PathLike)):
        from geoproc.boundaries import read_regions

        gdf = read_regions(regions, id=id)
    elif isinstance(regions, gpd.GeoDataFrame):
        gdf = regions
    elif isinstance(regions, pd.DataFrame) and {"lon", "lat"} <= set(regions.columns):
        from geoproc.validation import check_lonlat

        lon = pd.to_numeric(regions["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(regions["lat"], errors="coerce").to_numpy(dtype=float)
        check_lonlat(lon, lat, what="points")
        gdf = gpd.GeoDataFrame(regions.drop(columns=["lon", "lat"]),
                               geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    else:
        raise TypeError(
            "regions must be a GeoDataFrame, a table with lon/lat columns, a vector file path "
            "or a shipped boundary name; "
            f"got {type(regions).__name__}"
        )
    require_crs(gdf, "regions")
    if id is None:
        # the same default as geoproc.distances: code, then id, then the index
        id = next((c for c in ("code", "id") if c in gdf.columns), None)
    ids = region_ids(gdf, id)
    check_geometries(gdf, ids)
    from geoproc.validation import check_layer_coordinates

    check_layer_coordinates(gdf, "regions", ids)  # swapped lon/lat, metres labelled as degrees
    return gdf, ids, id if id is not None else "index"


def region_names(regions: Any, id: str | None = None) -> dict | None:
    """Region names by id (the first of :data:`NAME_FIELDS` the regions have), or None.

    ``regions`` as :func:`load_regions` takes them; used to name islands in messages.
    """
    gdf, ids, _ = load_regions(regions, id)
    field = next((f for f in NAME_FIELDS if f in gdf.columns), None)
    return None if field is None else dict(zip(ids, gdf[field].tolist(), strict=True))


def labels(gdf: gpd.GeoDataFrame, ids: list) -> list[str]:
    """``"460000 (Hainan)"`` style labels for messages."""
    for f in NAME_FIELDS:
        if f in gdf.columns:
            return [f"{i} ({n})" for i, n in zip(ids, gdf[f].tolist(), strict=True)]
    return [str(i) for i in ids]


def distances_km(
    gdf: gpd.GeoDataFrame, ids: list, field: str, method: str = "geodesic", centroid: str = "area"
) -> np.ndarray:
    """Great-circle distances (km) between region centroids (points stay themselves).

    ``geoproc.distances.distance_matrix`` takes the centroids (geoproc.centroids,
    equal-area) itself; ``centroid`` is its ``how`` ("area", "representative" or
    "largest") and is checked there. Coincident points (d = 0 off the diagonal) are refused,
    naming the pair, because every distance-based weight divides by d.
    """
    from geoproc.distances import check_no_coincident, distance_matrix

    d = distance_matrix(gdf, method=method, id=None if field == "index" else field, how=centroid)
    # 1 mm: a geodesic solver may return ~1e-15 km instead of 0 for the same point,
    # and 1/d at such distances is meaningless anyway
    check_no_coincident(d, labels(gdf, ids), tol=COINCIDENT_KM)
    if list(d.index) != list(ids):
        # B's matrix is labelled by the same ids; reorder defensively if not in row order.
        d = d.loc[ids, ids]
    return np.asarray(d, dtype=float)


def check_positive(value: Any, name: str, finite: bool = True) -> float:
    """A number > 0 (finite unless ``finite=False``: a cut-off may be infinite), else an
    error naming the argument."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise GeoprocInputError(f"{name} must be a number, got {value!r}") from None
    if not v > 0 or (finite and not np.isfinite(v)):
        raise GeoprocInputError(f"{name} must be positive, got {v}")
    return v


def check_positive_int(value: Any, name: str, upper: int | None = None) -> int:
    """An integer >= 1 (and < ``upper``), else a clear error naming the argument."""
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise GeoprocInputError(f"{name} must be a whole number, got {value!r}") from None
    if v != value and not isinstance(value, str):
        raise GeoprocInputError(f"{name} must be a whole number, got {value!r}")
    if v < 1:
        raise GeoprocInputError(f"{name} must be at least 1, got {v}")
    if upper is not None and v >= upper:
        raise GeoprocInputError(f"{name} = {v} but there are only {upper} regions; use at most {upper - 1}")
    return v
