"""Point counts and densities per region (cluster parks per city, firms per county).

Each point is counted in the region that contains it (boundary included). A point on
a border shared by several regions is counted once, in the first of them in the
regions' order, so the counts always add up to the points inside the study area.
Areas come from an equal-area projection: the regions' own CRS if it is an
equal-area projection, otherwise an Albers equal-area conic on the WGS 84 ellipsoid
centred on the regions, with standard parallels at 1/6 and 5/6 of their latitude
range (:func:`albers_crs`); its PROJ string is in ``attrs["area_crs"]``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.points import source_of

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

__all__ = ["MAX_OUTSIDE_LABELS", "albers_crs", "count_points", "equal_area_crs", "point_density"]

MAX_OUTSIDE_LABELS = 1000  # outside points whose labels a dask count keeps (all are counted)

# projection methods (PROJ/EPSG names) that preserve area
_EQUAL_AREA_METHODS = (
    "albers equal area",
    "lambert azimuthal equal area",
    "lambert cylindrical equal area",
    "equal area",
    "mollweide",
    "sinusoidal",
    "eckert iv",
    "eckert vi",
    "goode homolosine",
    "equal earth",
)


def albers_crs(lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> CRS:
    """Albers equal-area conic (WGS 84) centred on a lon/lat box, parallels at 1/6 and 5/6.

    Parameters
    ----------
    lon_min, lat_min, lon_max, lat_max : float
        The box, in degrees.

    Returns
    -------
    pyproj.CRS
        ``+proj=aea`` with ``lon_0``/``lat_0`` at the box's centre and standard
        parallels at one sixth and five sixths of its latitude range (1 degree
        either side of a single latitude), in metres.
    """
    from pyproj import CRS

    span = lat_max - lat_min
    lat_1 = lat_min + span / 6
    lat_2 = lat_max - span / 6
    if abs(lat_2 - lat_1) < 1e-6:  # a single latitude: keep the cone well defined
        lat_1, lat_2 = lat_1 - 1.0, lat_2 + 1.0
    lon_0 = (lon_min + lon_max) / 2
    lat_0 = (lat_min + lat_max) / 2
    return CRS.from_proj4(
        f"+proj=aea +lat_0={lat_0:.6f} +lon_0={lon_0:.6f} +lat_1={lat_1:.6f} "
        f"+lat_2={lat_2:.6f} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )


def equal_area_crs(regions: gpd.GeoDataFrame) -> Any:
    """The CRS :func:`point_density` measures areas in (see the module docstring).

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        Regions with a CRS.

    Returns
    -------
    pyproj.CRS
        The regions' own CRS if it is an equal-area projection, else
        :func:`albers_crs` of their lon/lat bounds.
    """
    from pyproj import CRS

    crs = CRS.from_user_input(regions.crs)
    if crs.is_projected and crs.coordinate_operation is not None:
        method = crs.coordinate_operation.method_name.lower()
        if any(m in method for m in _EQUAL_AREA_METHODS):
            return crs
    lonlat = regions.geometry if crs.to_epsg() == 4326 else regions.geometry.to_crs(4326)
    return albers_crs(*lonlat.total_bounds)


def point_density(
    points: gpd.GeoDataFrame | Any,
    regions: gpd.GeoDataFrame,
    id: str | None = None,
    per_capita: str | None = None,
) -> gpd.GeoDataFrame:
    """Count points per region and express them as shares and densities.

    Parameters
    ----------
    points : GeoDataFrame or dask_geopandas.GeoDataFrame
        Point features with a CRS (see :func:`geoproc.read_points`). A dask-geopandas
        frame is counted partition by partition (on a dask.distributed cluster if a
        client is active) and the counts are summed.
    regions : GeoDataFrame
        Polygons with a CRS. Points in another CRS are reprojected to the regions'
        CRS, with a warning.
    id : str, optional
        Region id column (default ``code`` if present, else the index); checked for
        gaps and duplicates, and used in messages.
    per_capita : str, optional
        Population column of ``regions`` (persons; multiply first if it is in
        10,000s): adds ``parks_per_million``.

    Returns
    -------
    GeoDataFrame
        A copy of ``regions`` with ``park_count`` (points in the region),
        ``park_share`` (fraction of the points inside the study area), ``area_km2``
        (equal-area), ``density_per_1000km2`` and, with ``per_capita``,
        ``parks_per_million``; a ``points_source`` column when the points have a
        ``source`` column (e.g. "synthetic"). ``attrs`` holds ``points_total``,
        ``points_outside`` (points in no region, also warned about),
        ``points_outside_index`` (their index labels; for a dask frame the first
        :data:`MAX_OUTSIDE_LABELS` only, so that millions of outside points do not
        fill the client's memory) and ``area_crs``.

    Raises
    ------
    GeoprocInputError
        No CRS, empty, missing, invalid or non-polygon region geometries, duplicate
        ids, non-point or missing point geometries (naming the points, by name and
        file line after :func:`geoproc.read_points`), points in a geographic CRS
        outside the lon/lat ranges (e.g. swapped), no points, a missing, non-numeric
        or non-positive population.
    """
    from geoproc.validation import (
        PointLabels,
        check_geographic_points,
        check_point_geometries,
        check_points_frame,
    )

    ids = _checked_region_ids(regions, id)
    population = None
    if per_capita is not None:
        population = _population(regions, per_capita, ids)

    is_dask = check_points_frame(points)
    if not is_dask:
        labels = PointLabels(points)
        check_point_geometries(points.geometry.to_numpy(), labels)
        # swapped lon/lat or metres labelled as degrees: say so before reprojecting
        check_geographic_points(points)
    from pyproj import CRS

    if not CRS.from_user_input(points.crs).equals(CRS.from_user_input(regions.crs)):
        warnings.warn(
            f"points are in {CRS.from_user_input(points.crs).name!r} and regions in "
            f"{CRS.from_user_input(regions.crs).name!r}: reprojecting the points to the regions' CRS",
            UserWarning,
            stacklevel=2,
        )
        points = points.to_crs(regions.crs)

    region_geoms = regions.geometry.to_numpy()
    if is_dask:
        counts, n_total, n_outside, outside = _count_dask(points, region_geoms)
    else:
        counts, outside_pos = count_points(points.geometry.to_numpy(), region_geoms, labels)
        n_total = len(points)
        n_outside = outside_pos.size
        outside = list(points.index[outside_pos])

    out = regions.copy()
    inside = int(counts.sum())
    area_crs = equal_area_crs(regions)
    area_km2 = out.geometry.to_crs(area_crs).area.to_numpy() / 1e6
    out["park_count"] = counts.astype(np.int64)
    out["park_share"] = counts / inside if inside else np.zeros(len(out))
    out["area_km2"] = area_km2
    out["density_per_1000km2"] = counts / area_km2 * 1000.0
    if population is not None:
        out["parks_per_million"] = counts / population * 1e6
    source = source_of(points)
    if source:
        out["points_source"] = source
    out.attrs.update(
        points_total=int(n_total),
        points_outside=int(n_outside),
        points_outside_index=outside,
        area_crs=area_crs.to_string(),
        source=source,
    )
    if n_outside:
        shown = ", ".join(map(str, outside[:10]))
        more = f" and {n_outside - 10} more" if n_outside > 10 else ""
        warnings.warn(
            f"{n_outside} of {n_total} points fall in no region (rows {shown}{more}); "
            "they are not counted (attrs['points_outside_index'] lists them)",
            UserWarning,
            stacklevel=2,
        )
    return out


def _checked_region_ids(regions: Any, id: str | None) -> list:
    """The regions' ids, after checking they are a polygon GeoDataFrame with a CRS."""
    import geopandas as gpd

    from geoproc.validation import check_geometries, region_ids, require_crs

    if not isinstance(regions, gpd.GeoDataFrame):
        raise GeoprocInputError(f"regions must be a GeoDataFrame, not {type(regions).__name__}")
    require_crs(regions, "regions")
    if len(regions) == 0:
        raise GeoprocInputError("regions: no features")
    ids = region_ids(regions, id)
    check_geometries(regions, ids)
    kinds = regions.geometry.geom_type.to_numpy()
    bad = np.flatnonzero((kinds != "Polygon") & (kinds != "MultiPolygon"))
    if bad.size:
        names = ", ".join(f"{ids[i]} ({kinds[i]})" for i in bad[:10])
        raise GeoprocInputError(f"regions: not polygons: {names}")
    return ids


def count_points(
    point_geoms: np.ndarray, region_geoms: np.ndarray, labels: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Counts per region and the positions of points in no region.

    Parameters
    ----------
    point_geoms : numpy.ndarray of shapely Points
        The points, in the regions' CRS.
    region_geoms : numpy.ndarray of shapely (Multi)Polygons
        The regions. A point on a border shared by several regions counts in the
        first of them.
    labels : sequence of str, optional
        A label per point for messages (e.g. :class:`geoproc.validation.PointLabels`);
        default "row <position>".

    Returns
    -------
    counts : numpy.ndarray of int
        Points in each region, in the regions' order.
    outside : numpy.ndarray of int
        Positions of the points in no region.

    Raises
    ------
    GeoprocInputError
        A missing, empty or non-point geometry (naming it).

    Notes
    -----
    An STRtree of the points is queried with the polygons' bounding boxes, and each
    candidate is tested with ``shapely.intersects_xy`` against a prepared copy of its
    polygon (boundary included). Preparing each polygon once and testing raw
    coordinates is about 3x faster than a predicate query, and the usual join
    direction (a tree of polygons queried point by point, as ``geopandas.sjoin``)
    slower still; see ``benchmarks/bench_density.py``.
    """
    import shapely

    from geoproc.validation import check_point_geometries

    check_point_geometries(point_geoms, labels)
    n = point_geoms.shape[0]
    xy = shapely.get_coordinates(point_geoms)
    # prepare copies, so that the caller's geometry objects are left untouched
    polys = shapely.from_wkb(shapely.to_wkb(region_geoms))
    shapely.prepare(polys)
    tree = shapely.STRtree(point_geoms)
    region_idx, point_idx = tree.query(polys)
    hit = shapely.intersects_xy(polys[region_idx], xy[point_idx, 0], xy[point_idx, 1])
    region_idx, point_idx = region_idx[hit], point_idx[hit]
    # a point on a shared border: keep its first region (smallest index)
    order = np.lexsort((region_idx, point_idx))
    point_idx, region_idx = point_idx[order], region_idx[order]
    first = np.ones(point_idx.size, dtype=bool)
    first[1:] = point_idx[1:] != point_idx[:-1]
    counts = np.bincount(region_idx[first], minlength=region_geoms.shape[0])
    found = np.zeros(n, dtype=bool)
    found[point_idx[first]] = True
    return counts, np.flatnonzero(~found)


def _population(regions: gpd.GeoDataFrame, column: str, ids: list) -> np.ndarray:
    import pandas as pd

    if column not in regions.columns:
        raise GeoprocInputError(
            f"regions: no population column {column!r}; columns are "
            f"{', '.join(map(str, regions.columns))}"
        )
    pop = pd.to_numeric(regions[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(pop) | (pop <= 0))
    if bad.size:
        names = ", ".join(f"{ids[i]} ({regions[column].iat[i]!r})" for i in bad[:10])
        raise GeoprocInputError(
            f"regions: population column {column!r} is missing, not a number or not positive for {names}"
        )
    return pop


def _count_partition(part: gpd.GeoDataFrame, region_geoms: np.ndarray):
    """Counts, points, outside points and the first outside labels of one partition."""
    from geoproc.validation import PointLabels

    if len(part) == 0:
        return np.zeros(region_geoms.shape[0], dtype=np.int64), 0, 0, []
    counts, outside = count_points(part.geometry.to_numpy(), region_geoms, PointLabels(part))
    return counts, len(part), outside.size, list(part.index[outside[:MAX_OUTSIDE_LABELS]])


def _count_dask(points: Any, region_geoms: np.ndarray):
    """Count each partition against the regions (shared once in the graph) and sum.

    Each partition returns its counts per region, its number of outside points and
    at most :data:`MAX_OUTSIDE_LABELS` of their labels, so the client receives a
    bounded amount whatever the number of points outside.
    """
    import dask

    regions_d = dask.delayed(region_geoms, traverse=False)
    parts = [dask.delayed(_count_partition)(p, regions_d) for p in points.to_delayed()]
    results = dask.compute(*parts)
    counts = np.sum([r[0] for r in results], axis=0)
    n_total = sum(r[1] for r in results)
    if n_total == 0:
        raise GeoprocInputError("points: the point set is empty")
    n_outside = sum(r[2] for r in results)
    outside: list = []
    for r in results:
        outside.extend(r[3][: MAX_OUTSIDE_LABELS - len(outside)])
    return counts, n_total, n_outside, outside
