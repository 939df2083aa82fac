"""Standard deviational ellipse (SDE): centre, spread and direction of a point pattern.

For points (x_i, y_i) with weights w_i (1 if unweighted), mean centre
(X, Y) = sum(w x) / sum(w), deviations x~ = x - X, y~ = y - Y, the ellipse's axes
are the directions in which the weighted spread of the points is largest and
smallest (Yuill 1971; Lefever 1926):

    tan(theta) = (A + B) / C,  A = sum(w x~^2) - sum(w y~^2),
    B = sqrt(A^2 + 4 sum(w x~ y~)^2),  C = 2 sum(w x~ y~)
    sigma_x = f * sqrt(sum(w (x~ cos(theta) - y~ sin(theta))^2) / sum(w))
    sigma_y = f * sqrt(sum(w (x~ sin(theta) + y~ cos(theta))^2) / sum(w))

which are the square roots of the eigenvalues of the weighted covariance matrix
(divisor sum(w)), times a factor f. The conventions differ only in f:

* ``"arcgis"`` (default): f = sqrt(2), as ArcGIS's *Directional Distribution
  (Standard Deviational Ellipse)* and CrimeStat's text use, so that results match
  the ArcGIS figures most published park-cluster studies report. Under a bivariate
  normal the sqrt(2) ellipse holds 1 - exp(-1) = 63 % of the points.
* ``"yuill"``: f = 1, Yuill's (1971) standard deviations along the axes; the
  ellipse holds 39 % of bivariate-normal points (Wang et al. 2015, PLoS ONE
  10(3): e0118537, who argue for this one).
* ``"crimestat"``: f = sqrt(2) * sqrt(n / (n - 2)), CrimeStat's degrees-of-freedom
  correction (pointpats' default).

``std`` (1, 2 or 3, ArcGIS's *Ellipse Size*) multiplies both axes. The axes come from
the eigen-decomposition of the weighted covariance matrix (numerically stable where
the tangent formula divides by C = 0); ``rotation_deg`` is the azimuth of the major
axis, clockwise from grid north of the CRS, in [0, 180), as ArcGIS's Rotation field.
Coordinates are planar metres (see :mod:`geoproc.pattern`).

pointpats' ``centrography.ellipse`` computes the same axes (tests/unit/test_pattern.py
checks that it does, for every convention) but is not used here: importing pointpats
loads matplotlib >= 3.9, which would replace the matplotlib QGIS ships (3.6 on Debian
12) in QGIS's Python, so the plugin would need a riskier install for ten lines of
linear algebra.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.outputs import atomic_output
from geoproc.pattern._common import (
    group_positions,
    no_groups_error,
    project_points,
    warn_small_groups,
)
from geoproc.pattern._result import GroupedResult

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

__all__ = ["CONVENTIONS", "ELLIPSE_COLOURS", "EllipseResult", "group_colours", "standard_deviational_ellipse"]

Convention = Literal["arcgis", "yuill", "crimestat"]
CONVENTIONS: tuple[str, ...] = ("arcgis", "yuill", "crimestat")
MIN_POINTS = 3  # two points give a segment, and CrimeStat's n - 2 needs three
#: outline colours of the first and last group (ColorBrewer YlOrBr), shared by the QGIS
#: style and the HTML map so that years read light to dark in both; defined by the ``ellipse``
#: palette of styles/palettes.json (a test keeps this copy equal)
ELLIPSE_COLOURS = ("#fec44f", "#993404")
VERTICES = 180  # polygon vertices per ellipse: its area is 0.02 % below pi * a * b
# axis factor of each convention, by the number of points
_FACTOR = {
    "arcgis": lambda n: math.sqrt(2.0),
    "yuill": lambda n: 1.0,
    "crimestat": lambda n: math.sqrt(2.0 * n / (n - 2)),
}


class EllipseResult(GroupedResult):
    """Standard deviational ellipses, one per group.

    Attributes
    ----------
    ellipses : geopandas.GeoDataFrame
        One polygon per group in ``crs`` with columns ``n``, ``weight_sum``,
        ``centre_x``, ``centre_y`` (metres), ``centre_lon``, ``centre_lat`` (WGS 84),
        ``major_m``, ``minor_m`` (semi-axes, metres), ``rotation_deg`` (azimuth of the
        major axis), ``area_km2`` (pi * major * minor), ``axis_ratio`` (minor / major),
        and with groups ``shift_km`` / ``shift_azimuth_deg``: how far and in which
        direction the centre moved from the previous group.
    table : pandas.DataFrame
        The same without geometry, indexed by group.
    crs : pyproj.CRS
        The metric CRS of the ellipses.
    convention, std, by, weight, cumulative
        The parameters used.
    """

    def __init__(self, ellipses: gpd.GeoDataFrame, crs: CRS, crs_note: str, convention: str,
                 std: float, by: str | None, weight: str | None, cumulative: bool) -> None:
        self.ellipses = ellipses
        self.table = ellipses.drop(columns=ellipses.geometry.name).copy()
        self.table.index = ellipses.index
        self.crs, self.crs_note = crs, crs_note
        self.convention, self.std, self.by, self.weight = convention, std, by, weight
        self.cumulative = cumulative

    n = property(lambda self: self._column("n"), doc="Points per group.")
    centre_x = property(lambda self: self._column("centre_x"), doc="Mean centre x (m).")
    centre_y = property(lambda self: self._column("centre_y"), doc="Mean centre y (m).")
    major = property(lambda self: self._column("major_m"), doc="Semi-major axis (m).")
    minor = property(lambda self: self._column("minor_m"), doc="Semi-minor axis (m).")
    rotation = property(lambda self: self._column("rotation_deg"), doc="Azimuth of the major axis.")
    area_km2 = property(lambda self: self._column("area_km2"), doc="Ellipse area (km^2).")

    def to_file(self, path: Any, overwrite: bool = False, layer: str = "ellipses") -> None:
        """Write the ellipse polygons (GeoPackage, or any format GDAL writes), atomically."""
        with atomic_output(path, overwrite) as tmp:
            self.ellipses.reset_index(names=self.by or "group").to_file(
                tmp, layer=layer, engine="pyogrio"
            )

    def summary(self) -> str:
        """A short human-readable report."""
        gw = max([10] + [len(str(g)) for g in self.table.index])
        w = f", weighted by {self.weight}" if self.weight else ""
        lines = [
            f"Standard deviational ellipse ({self.std:g} SD, {self.convention} convention{w})",
            f"  CRS: {self.crs.name} ({self.crs_note})",
            f"  {'group':>{gw}} {'n':>5} {'centre lon':>10} {'lat':>8} {'major km':>9} "
            f"{'minor km':>9} {'azimuth':>7} {'area km2':>10}",
        ]
        for g, r in self.table.iterrows():  # gw: width of the group labels
            lines.append(
                f"  {g!s:>{gw}} {int(r.n):>5d} {r.centre_lon:>10.4f} {r.centre_lat:>8.4f} "
                f"{r.major_m / 1e3:>9.2f} {r.minor_m / 1e3:>9.2f} {r.rotation_deg:>7.1f} "
                f"{r.area_km2:>10.1f}"
            )
        return "\n".join(lines)


def standard_deviational_ellipse(
    points: gpd.GeoDataFrame,
    by: str | None = None,
    weight: str | None = None,
    std: float = 1.0,
    convention: Convention = "arcgis",
    cumulative: bool = False,
    crs: Any = None,
) -> EllipseResult:
    """Standard deviational ellipse of points, overall or per group (year, type ...).

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Points with a CRS (see :func:`geoproc.read_points`).
    by : str, optional
        Column to group by (e.g. ``year``): one ellipse per value, in sorted order.
    weight : str, optional
        Non-negative numeric column weighting each point (e.g. floor area, firms).
    std : float
        Ellipse size in standard deviations (ArcGIS: 1, 2 or 3).
    convention : {"arcgis", "yuill", "crimestat"}
        The axis factor (see the module docstring); "arcgis" multiplies by sqrt(2).
    cumulative : bool
        With ``by``: each group holds the points whose value is at most the group's
        (the parks existing by each year), not only those equal to it.
    crs : CRS-like, optional
        A projected CRS; default: the points' own if projected, else a UTM zone or
        Albers conic for their extent.

    Returns
    -------
    EllipseResult

    Raises
    ------
    GeoprocInputError
        Bad points, an unknown convention, a non-positive ``std``, a missing or
        non-numeric weight column, negative weights (naming rows), no group with
        three points. Groups with fewer than three points are left out with a warning.
    """
    if convention not in CONVENTIONS:
        raise GeoprocInputError(f"convention {convention!r} unknown; choose one of {', '.join(CONVENTIONS)}")
    if not (np.isfinite(std) and std > 0):
        raise GeoprocInputError(f"std must be a positive number of standard deviations, not {std!r}")
    proj = project_points(points, crs=crs)
    weights = _weights(proj.frame, weight)
    rows, shapes, skipped = [], [], []
    for g, pos in group_positions(proj.frame, by, cumulative):
        if pos.size < MIN_POINTS or (weights is not None and weights[pos].sum() <= 0):
            skipped.append((g, pos.size))
            continue
        row, shape = _one_ellipse(proj.xy[pos], None if weights is None else weights[pos], std, convention)
        rows.append({by or "group": g, **row})
        shapes.append(shape)
    if not rows:
        raise no_groups_error(MIN_POINTS, "standard deviational ellipse", max(n for _, n in skipped))
    warn_small_groups(skipped, MIN_POINTS, "standard deviational ellipse",
                      " or a zero total weight" if weights is not None else "")
    return EllipseResult(_frame(rows, shapes, proj.crs, by), proj.crs, proj.crs_note, convention,
                         float(std), by, weight, cumulative)


def group_colours(n: int) -> list[str]:
    """``n`` outline colours from light (first group) to dark (last); one group is dark.

    The colours are the ``ellipse`` palette's (``styles/palettes.json``,
    :func:`geoproc.palettes.group_colours`), shared with the QGIS style.

    Parameters
    ----------
    n : int
        Number of groups.

    Returns
    -------
    list of str
        ``#rrggbb`` colours blended linearly between :data:`ELLIPSE_COLOURS`.
    """
    from geoproc.palettes import group_colours as palette_group_colours

    return palette_group_colours(n, "ellipse")


def _weights(frame: pd.DataFrame, weight: str | None) -> np.ndarray | None:
    import pandas as pd

    from geoproc.validation import PointLabels

    if weight is None:
        return None
    if weight not in frame.columns:
        raise GeoprocInputError(f"points: no weight column {weight!r}; columns are "
                                + ", ".join(map(str, frame.columns)))
    w = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        labels = PointLabels(frame)
        raise GeoprocInputError(
            f"points: weight column {weight!r} must hold non-negative numbers; not at "
            + ", ".join(str(labels[i]) for i in bad[:5])
            + (f" and {bad.size - 5} more" if bad.size > 5 else "")
        )
    return w


def _one_ellipse(xy: np.ndarray, w: np.ndarray | None, std: float, convention: str):
    """Centre, axes and polygon of one group; returns the attribute row and the polygon."""
    import shapely

    n = len(xy)
    w = np.ones(n) if w is None else w
    cx, cy = np.average(xy, axis=0, weights=w)
    d = xy - (cx, cy)
    cov = (d * w[:, None]).T @ d / w.sum()  # weighted covariance, divisor sum(w)
    vals, vecs = np.linalg.eigh(cov)  # ascending: the minor axis first
    factor = _FACTOR[convention](n) * std
    a, b = math.sqrt(max(vals[1], 0.0)) * factor, math.sqrt(max(vals[0], 0.0)) * factor
    theta = math.atan2(vecs[1, 1], vecs[0, 1])  # major axis, counter-clockwise from +x
    if a == 0:
        warnings.warn("standard deviational ellipse: all points of a group coincide", stacklevel=3)
    t = np.linspace(0.0, 2 * np.pi, VERTICES, endpoint=False)
    ct, st = math.cos(theta), math.sin(theta)
    px = cx + a * np.cos(t) * ct - b * np.sin(t) * st
    py = cy + a * np.cos(t) * st + b * np.sin(t) * ct
    row = {
        "n": int(n),
        "weight_sum": float(w.sum()),
        "centre_x": float(cx),
        "centre_y": float(cy),
        "major_m": a,
        "minor_m": b,
        "rotation_deg": float((90.0 - math.degrees(theta)) % 180.0),
        "area_km2": math.pi * a * b / 1e6,
        "axis_ratio": b / a if a > 0 else float("nan"),
    }
    return row, shapely.Polygon(np.column_stack([px, py]))


def _frame(rows: list[dict], shapes: list, crs: CRS, by: str | None) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

    key = by or "group"
    table = pd.DataFrame(rows).set_index(key)
    centres = gpd.GeoSeries(gpd.points_from_xy(table.centre_x, table.centre_y), crs=crs).to_crs(4326)
    table.insert(4, "centre_lon", centres.x.to_numpy())
    table.insert(5, "centre_lat", centres.y.to_numpy())
    if by is not None:
        dx, dy = table.centre_x.diff(), table.centre_y.diff()
        table["shift_km"] = np.hypot(dx, dy) / 1e3
        table["shift_azimuth_deg"] = np.degrees(np.arctan2(dx, dy)) % 360.0
    return gpd.GeoDataFrame(table, geometry=shapes, crs=crs)
