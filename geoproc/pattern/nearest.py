"""Average nearest-neighbour index (Clark and Evans 1954), as ArcGIS's *Average Nearest Neighbor*.

With n points, d_i the distance from point i to its nearest other point and A the
study area:

    observed  D_O = sum(d_i) / n
    expected  D_E = 0.5 / sqrt(n / A)          (mean under complete spatial randomness)
    index     R   = D_O / D_E                  (< 1 clustered, > 1 dispersed)
    SE            = 0.26136 / sqrt(n^2 / A)
    z             = (D_O - D_E) / SE,  p two-sided from the standard normal

(0.26136 = sqrt((4 - pi) / (4 pi)); Clark and Evans's variance). No edge
correction, as in ArcGIS: points near the study area's edge have their nearest
neighbour inside it, so D_O is slightly inflated for small n.

The area A matters as much as the distances: give the study regions (their
equal-area area, as :func:`geoproc.point_density` measures it) or ``area_km2``.
Without either, A is the points' bounding box in the metric CRS (pointpats' and,
with "minimum enclosing rectangle", ArcGIS's default), which the summary says.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.pattern._common import (
    group_positions,
    no_groups_error,
    outside_warning,
    project_points,
    study_window,
    warn_small_groups,
)
from geoproc.pattern._result import GroupedResult
from geoproc.validation import PointLabels

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["CLARK_EVANS_SE", "NearestNeighbourResult", "nearest_neighbour_index"]

CLARK_EVANS_SE = 0.26136  # sqrt((4 - pi) / (4 pi)) to 5 digits, as Clark & Evans and ArcGIS print it
MIN_POINTS = 2


class NearestNeighbourResult(GroupedResult):
    """Average nearest-neighbour statistics, one row per group.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by group: ``n``, ``area_km2``, ``observed_m`` (mean nearest-neighbour
        distance), ``expected_m``, ``ratio`` (R), ``se_m``, ``z``, ``p`` (two-sided),
        ``pattern`` ("clustered"/"dispersed" at 5 %, else "random").
    area_source : str
        Where the area came from: "regions", "given" or "bounding box".
    crs : pyproj.CRS
        The metric CRS the distances are measured in.
    by, cumulative
        The grouping used.
    """

    def __init__(self, table, area_source: str, crs, crs_note: str, by, cumulative: bool) -> None:
        self.table, self.area_source, self.crs, self.crs_note = table, area_source, crs, crs_note
        self.by, self.cumulative = by, cumulative

    n = property(lambda self: self._column("n"), doc="Points per group.")
    observed = property(lambda self: self._column("observed_m"), doc="Mean NN distance (m).")
    expected = property(lambda self: self._column("expected_m"), doc="Expected mean under CSR (m).")
    ratio = property(lambda self: self._column("ratio"), doc="Nearest-neighbour index R.")
    z = property(lambda self: self._column("z"), doc="z-score.")
    p = property(lambda self: self._column("p"), doc="Two-sided p-value.")

    def summary(self) -> str:
        """A short human-readable report."""
        gw = max([10] + [len(str(g)) for g in self.table.index])
        lines = [
            "Average nearest-neighbour index (Clark & Evans 1954; SE = 0.26136 / sqrt(n^2 / A))",
            f"  area from {self.area_source}; distances in {self.crs.name} ({self.crs_note})",
            f"  {'group':>{gw}} {'n':>5} {'area km2':>10} {'observed m':>11} {'expected m':>11} "
            f"{'R':>6} {'z':>8} {'p':>8}  pattern",
        ]
        for g, r in self.table.iterrows():  # gw: width of the group labels
            lines.append(
                f"  {g!s:>{gw}} {int(r.n):>5d} {r.area_km2:>10.1f} {r.observed_m:>11.1f} "
                f"{r.expected_m:>11.1f} {r.ratio:>6.3f} {r.z:>8.3f} {r.p:>8.4f}  {r.pattern}"
            )
        return "\n".join(lines)


def nearest_neighbour_index(
    points: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame | None = None,
    area_km2: float | None = None,
    by: str | None = None,
    cumulative: bool = False,
    crs: Any = None,
) -> NearestNeighbourResult:
    """Average nearest-neighbour index R with its z-score and p-value, overall or per group.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Points with a CRS (see :func:`geoproc.read_points`).
    regions : geopandas.GeoDataFrame, optional
        Study regions: the area is their union's equal-area area. Points outside
        them are kept, with a warning.
    area_km2 : float, optional
        The study area instead of ``regions``.
    by : str, optional
        Column to group by (e.g. ``year``); the same area for every group.
    cumulative : bool
        With ``by``: each group holds the points whose value is at most the group's.
    crs : CRS-like, optional
        Projected CRS for the distances (default: see :mod:`geoproc.pattern`).

    Returns
    -------
    NearestNeighbourResult

    Raises
    ------
    GeoprocInputError
        Bad points or regions, both or a non-positive ``area_km2``, no group with two
        points (smaller groups are left out with a warning).
    """
    from scipy.spatial import cKDTree
    from scipy.stats import norm

    if regions is not None and area_km2 is not None:
        raise GeoprocInputError("give the study regions or area_km2, not both")
    if area_km2 is not None and not (np.isfinite(area_km2) and area_km2 > 0):
        raise GeoprocInputError(f"area_km2 must be a positive number, not {area_km2!r}")
    proj = project_points(points, regions, crs)
    if regions is not None:
        window, area = study_window(regions, proj.crs)
        outside_warning(proj.xy, window, PointLabels(proj.frame), "nearest-neighbour index")
        source = "regions (equal-area)"
    elif area_km2 is not None:
        area, source = float(area_km2) * 1e6, "given"
    else:
        area, source = None, "the points' bounding box"
    rows, skipped = [], []
    for g, pos in group_positions(proj.frame, by, cumulative):
        if pos.size < MIN_POINTS:
            skipped.append((g, pos.size))
            continue
        xy = proj.xy[pos]
        a = area if area is not None else float(np.prod(xy.max(axis=0) - xy.min(axis=0)))
        if not a > 0:
            raise GeoprocInputError(f"nearest-neighbour index, group {g}: the points' bounding box "
                                    "has no area; give the study regions or area_km2")
        d, _ = cKDTree(xy).query(xy, k=2)
        n = pos.size
        observed = float(d[:, 1].mean())
        expected = 0.5 / math.sqrt(n / a)
        se = CLARK_EVANS_SE / math.sqrt(n * n / a)
        z = (observed - expected) / se
        p = float(2 * norm.sf(abs(z)))
        pattern = "random" if p >= 0.05 else ("clustered" if z < 0 else "dispersed")
        rows.append({by or "group": g, "n": int(n), "area_km2": a / 1e6, "observed_m": observed,
                     "expected_m": expected, "ratio": observed / expected, "se_m": se, "z": z,
                     "p": p, "pattern": pattern})
    if not rows:
        raise no_groups_error(MIN_POINTS, "the nearest-neighbour index", max(n for _, n in skipped))
    warn_small_groups(skipped, MIN_POINTS, "nearest-neighbour index")
    import pandas as pd

    table = pd.DataFrame(rows).set_index(by or "group")
    return NearestNeighbourResult(table, source, proj.crs, proj.crs_note, by, cumulative)
