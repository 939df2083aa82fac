"""Checking the points and bringing them into the metric CRS kernel density uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.kde.crs import projected_crs_for
from geoproc.validation import (
    PointLabels,
    check_geographic_points,
    check_point_geometries,
    check_points_frame,
    lonlat_problems,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["check_points", "coordinates_and_weights", "project_points"]


def project_points(points: Any, crs: Any, weight: str | None, is_dask: bool):
    """Check the points and bring them into the projected CRS; return (points, crs, note)."""
    from pyproj import CRS

    check_points_frame(points)
    if weight is not None and weight not in points.columns:
        raise GeoprocInputError(
            f"points: no weight column {weight!r}; columns are {', '.join(map(str, points.columns))}"
        )
    if not is_dask:
        check_points(points)
        # swapped lon/lat or metres labelled as degrees: say so (naming the points)
        # before projecting turns them into infinities
        check_geographic_points(points)
    src = CRS.from_user_input(points.crs)
    if is_dask and src.is_geographic:
        _check_dask_lonlat_bounds(points.total_bounds.compute())
    note = ""
    if crs is not None:
        from pyproj.exceptions import CRSError

        try:
            target = CRS.from_user_input(crs)
        except CRSError as exc:  # EPSG:0, a typo: name what was given
            raise GeoprocInputError(f"crs {crs!r} (CLI --crs) is not a CRS PROJ knows: {exc}") from None
        if not target.is_projected:
            raise GeoprocInputError(
                f"crs {target.name!r} is not projected; kernel density needs metres "
                "(give a projected CRS, or leave crs=None to choose UTM/Albers)"
            )
        note = "given"
    elif src.is_projected:
        target = src
        note = "the points' CRS"
    else:
        if is_dask:
            lonlat = points.to_crs(4326) if src.to_epsg() != 4326 else points
            b = lonlat.total_bounds.compute()
        else:
            b = (points.to_crs(4326) if src.to_epsg() != 4326 else points).total_bounds
        target = projected_crs_for(*b)
        note = "chosen automatically: " + (
            "UTM zone of the points' centre" if target.to_epsg() else "Albers equal-area"
        )
    if not target.equals(src):
        points = points.to_crs(target)
    return points, target, note


def check_points(points: gpd.GeoDataFrame) -> None:
    check_point_geometries(points.geometry.to_numpy(), PointLabels(points), multipoint=True)


def _check_dask_lonlat_bounds(b: np.ndarray) -> None:
    """The lon/lat range check of a dask frame in a geographic CRS, on its bounds only
    (naming rows would need another pass over the data)."""
    problems = lonlat_problems(np.array([b[0], b[2]]), np.array([b[1], b[3]]), ["west/south", "east/north"])
    if problems:
        raise GeoprocInputError(
            "points: the bounds of the points are out of the lon/lat range "
            f"({b[0]:g}, {b[1]:g}, {b[2]:g}, {b[3]:g}); " + "; ".join(problems)
        )


def coordinates_and_weights(
    pts: gpd.GeoDataFrame, weight: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Coordinates (multipoints exploded, in order) and checked weights."""
    import shapely

    # coordinates straight from the geometries (multipoints give one row per part, in
    # order); much faster than exploding them into new point objects
    xy, owner = shapely.get_coordinates(pts.geometry.to_numpy(), return_index=True)
    x, y = xy[:, 0].copy(), xy[:, 1].copy()
    labels = PointLabels(pts)  # names and file lines from read_points, not positions
    bad = np.flatnonzero(~np.isfinite(x) | ~np.isfinite(y))
    if bad.size:
        rows = ", ".join(labels[owner[i]] for i in bad[:10])
        raise GeoprocInputError(
            f"points: coordinates are not finite after projection at {rows}"
        )
    if weight is None:
        return x, y, None
    import pandas as pd

    wcol = pd.to_numeric(pts[weight], errors="coerce").to_numpy(dtype=float)
    missing = np.flatnonzero(~np.isfinite(wcol))
    if missing.size:
        rows = ", ".join(labels[i] for i in missing[:10])
        raise GeoprocInputError(
            f"points: weight column {weight!r} is missing or not numeric at {rows}"
        )
    neg = np.flatnonzero(wcol < 0)
    if neg.size:
        rows = ", ".join(f"{labels[i]} ({wcol[i]:g})" for i in neg[:10])
        raise GeoprocInputError(f"points: weight column {weight!r} is negative at {rows}")
    return x, y, wcol[owner]
