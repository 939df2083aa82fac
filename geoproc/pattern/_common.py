"""What the point-pattern statistics share: checking points, projecting them, groups, study area.

Every statistic works in one metric CRS for all groups, so that centres and distances
of different years are comparable: the points' own CRS if it is projected, else
:func:`geoproc.kde.projected_crs_for` of the points' (and study regions') lon/lat
box — the UTM zone of its centre for data up to 12 degrees across (one city, the
Yangtze River Delta), an Albers equal-area conic for China-wide data.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.validation import PointLabels, check_point_geometries, check_points_frame

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

ALL = "all"  # the group label when the points are not grouped


@dataclass(frozen=True)
class Projected:
    """Points in a metric CRS: coordinates, the frame they came from, and the CRS."""

    xy: np.ndarray  # (n, 2) metres
    frame: gpd.GeoDataFrame  # the input rows, same order (index kept)
    crs: CRS
    crs_note: str


def metric_crs(points: gpd.GeoDataFrame, regions: gpd.GeoDataFrame | None = None) -> tuple[CRS, str]:
    """The CRS the statistics are computed in, and a note saying how it was chosen.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Points with a CRS.
    regions : geopandas.GeoDataFrame, optional
        Study regions; their extent widens the box the CRS is chosen for.

    Returns
    -------
    tuple
        ``(crs, note)``.
    """
    from pyproj import CRS

    from geoproc.kde import projected_crs_for

    own = CRS.from_user_input(points.crs)
    if own.is_projected:
        return own, "the points' own CRS"
    boxes = [points.to_crs(4326).total_bounds]
    if regions is not None:
        boxes.append(regions.to_crs(4326).total_bounds)
    b = np.array(boxes)
    box = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    crs = projected_crs_for(*box)
    return crs, "UTM zone, or Albers equal-area if wider, for the data's extent"


def project_points(
    points: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame | None = None,
    crs: Any = None,
    what: str = "points",
) -> Projected:
    """Check ``points`` and return their coordinates in the statistics' metric CRS.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Point features with a CRS (see :func:`geoproc.read_points`).
    regions : geopandas.GeoDataFrame, optional
        Study regions (only their extent matters here).
    crs : CRS-like, optional
        A projected CRS to use instead of the automatic choice.
    what : str
        What the points are, for messages.

    Returns
    -------
    Projected

    Raises
    ------
    GeoprocInputError
        Not a GeoDataFrame, no CRS, no rows, missing or non-point geometries, a
        geographic ``crs``.
    """
    from pyproj import CRS

    if check_points_frame(points, what):
        raise GeoprocInputError(f"{what}: point patterns need an in-memory GeoDataFrame, not a dask "
                                "frame; call .compute() first")
    check_point_geometries(points.geometry.values, PointLabels(points), what)
    if crs is not None:
        target = CRS.from_user_input(crs)
        if not target.is_projected:
            raise GeoprocInputError(f"crs {target.name!r} is not projected; give a metric CRS")
        note = "given"
    else:
        target, note = metric_crs(points, regions)
    geoms = points.geometry.to_crs(target)
    xy = np.column_stack([geoms.x.to_numpy(), geoms.y.to_numpy()])
    if not np.isfinite(xy).all():
        bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
        labels = PointLabels(points)
        raise GeoprocInputError(
            f"{what}: {', '.join(str(labels[i]) for i in bad[:5])} cannot be projected to {target.name}"
        )
    return Projected(xy, points, target, note)


def group_positions(
    frame: pd.DataFrame, by: str | None, cumulative: bool = False, what: str = "points"
) -> Iterator[tuple[Any, np.ndarray]]:
    """Yield ``(group, positions)`` for each value of ``by`` in sorted order.

    Parameters
    ----------
    frame : pandas.DataFrame
        The points' attributes.
    by : str or None
        Grouping column (e.g. ``year`` or ``type``); None: one group :data:`ALL`.
    cumulative : bool
        Each group holds the rows whose ``by`` value is at most the group's value
        (the parks that exist by a year), not only those equal to it.
    what : str
        For messages.

    Raises
    ------
    GeoprocInputError
        ``by`` is not a column, has missing values, or ``cumulative`` is asked without ``by``.
    """
    if by is None:
        if cumulative:
            raise GeoprocInputError("cumulative groups need a grouping column (by=...)")
        yield ALL, np.arange(len(frame))
        return
    if by not in frame.columns:
        cols = ", ".join(map(str, frame.columns.drop(frame.geometry.name, errors="ignore")))
        raise GeoprocInputError(f"{what}: no column {by!r} to group by; columns are {cols}")
    values = frame[by]
    if values.isna().any():
        labels = PointLabels(frame)
        rows = np.flatnonzero(values.isna().to_numpy())
        raise GeoprocInputError(
            f"{what}: column {by!r} is empty at {', '.join(str(labels[i]) for i in rows[:5])}"
            + (f" and {rows.size - 5} more" if rows.size > 5 else "")
        )
    arr = values.to_numpy()
    for g in sorted(values.unique()):
        yield g, np.flatnonzero(arr <= g if cumulative else arr == g)


def warn_small_groups(skipped: list[tuple[Any, int]], minimum: int, statistic: str, also: str = "") -> None:
    """Warn once about the groups left out for having fewer than ``minimum`` points (``also``: or why else)."""
    if skipped:
        text = ", ".join(f"{g} ({n})" for g, n in skipped)
        warnings.warn(
            f"{statistic}: left out groups with fewer than {minimum} points{also}: {text}", stacklevel=3
        )


def no_groups_error(minimum: int, statistic: str, n: int) -> GeoprocInputError:
    """The error when no group has enough points."""
    return GeoprocInputError(
        f"{statistic} needs at least {minimum} points in a group; the largest group has {n}"
    )


def study_window(regions: gpd.GeoDataFrame, crs: CRS) -> tuple[Any, float]:
    """The regions dissolved into one polygon in ``crs``, and their equal-area area in m².

    The area comes from :func:`geoproc.density.equal_area_crs` (the regions' own CRS if
    it is equal-area, else an Albers conic centred on them), as in
    :func:`geoproc.point_density`; the polygon, in the statistics' CRS, is the window
    random points are drawn in.

    Raises
    ------
    GeoprocInputError
        Regions without a CRS, without rows, or without any area.
    """
    import geopandas as gpd

    from geoproc.density import equal_area_crs

    if not isinstance(regions, gpd.GeoDataFrame):
        raise GeoprocInputError(f"regions must be a GeoDataFrame, not {type(regions).__name__}")
    if regions.crs is None:
        raise GeoprocInputError("regions have no coordinate reference system; set one")
    if len(regions) == 0:
        raise GeoprocInputError("regions: the layer has no features")
    import shapely

    geoms = regions.geometry[~(regions.geometry.is_empty | regions.geometry.isna())]
    ea = geoms.to_crs(equal_area_crs(regions)).make_valid()
    # one union (overlapping regions counted once), reprojected for the window: a second
    # union in the metric CRS doubled the cost (0.9 s for the 41 YRD cities, 5 s for the provinces)
    union = shapely.union_all(np.asarray(ea.values, dtype=object))
    area = float(union.area)
    if not area > 0:
        raise GeoprocInputError("regions: the polygons have no area")
    window = gpd.GeoSeries([union], crs=ea.crs).to_crs(crs).make_valid().iloc[0]
    return window, area


def outside_warning(xy: np.ndarray, window: Any, labels: PointLabels, what: str) -> None:
    """Warn, naming a few, when points lie outside the study window (they are kept)."""
    import shapely

    inside = shapely.contains_xy(window, xy[:, 0], xy[:, 1]) | shapely.intersects_xy(
        window, xy[:, 0], xy[:, 1]
    )
    out = np.flatnonzero(~inside)
    if out.size:
        names = ", ".join(str(labels[i]) for i in out[:3])
        warnings.warn(
            f"{what}: {out.size} of {len(xy)} points lie outside the study regions "
            f"({names}{', ...' if out.size > 3 else ''}); they are kept",
            stacklevel=3,
        )
