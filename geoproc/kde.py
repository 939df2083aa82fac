"""Kernel density surfaces of points, written as GeoTIFF, the same as QGIS's Heatmap.

The grid, the kernels and the output values follow QGIS 3.22's *Heatmap (Kernel
Density Estimation)* algorithm (``qgis:heatmapkerneldensityestimation``, C++
``QgsKernelDensityEstimation`` in ``src/analysis/raster/qgskde.cpp``), so that the
same points and parameters give the same raster:

* extent: the points' bounding box grown by the radius on every side;
  ``rows = max(ceil(height / pixel) + 1, 1)``, ``cols`` likewise; the origin is the
  grown box's top-left corner, so the raster reaches up to one pixel beyond the box
  on the right and at the bottom;
* each point touches a square block of ``2 * buffer + 1`` pixels, where ``buffer`` is
  ``radius / pixel`` truncated, plus one if the remainder exceeds 0.5 map units;
  a pixel gets the kernel value at its centre if that centre lies within the radius;
* QGIS places the block's rows from the top of the raster but computes the kernel at
  pixel centres counted from the bottom of the grown box; we reproduce this exactly
  (it shifts the kernel by at most one pixel vertically, see ``_stamp_rows``);
* values are summed in single precision in the points' order, as QGIS's Float32
  buffer does (``precision="float64"`` sums in double instead);
* pixels reached by no point are nodata (-9999), pixels within some point's radius
  hold the kernel sum (possibly 0);
* "raw" is the sum of ``weight * K(d / radius)`` with ``K(0) = 1``; "scaled" multiplies
  each kernel by QGIS's normalising constant, per square map unit (m^2 in a metric CRS).
  QGIS's constants are those of Wand and Jones (1995, p. 175) except the quartic one:
  QGIS uses ``116 / (5 pi r^2) * 15 / 16`` where ``3 / (pi r^2)`` would make the
  kernel integrate to 1, so a scaled quartic surface integrates to 7.25 per point.
  We keep QGIS's constant so that surfaces agree; the other kernels integrate to 1.

The Gaussian kernel is ours (QGIS has none): ``exp(-d^2 / (2 s^2))`` with
``s = radius / 3``, cut at the radius (98.9 % of its mass) so that it uses the same
grid and footprint; "scaled" divides by ``2 pi s^2 (1 - exp(-4.5))``, the truncated
kernel's integral, so it integrates to 1.

"density" (ours; METHODS §5) is points per km^2: each kernel is divided by its own
integral over the plane, so every point contributes exactly 1 (or its weight), and
multiplied by 1e6 m^2 per km^2. With ``u = d / r`` (r in metres) and ``a`` the decay:

=============  ==========================  =====================================
kernel         raw ``K(u)``                density / raw (per km^2)
=============  ==========================  =====================================
quartic        ``(1 - u^2)^2``             ``1e6 * 3 / (pi r^2)``
triangular     ``1 - (1 - a) u``           ``1e6 * 3 / ((1 + 2a) pi r^2)``, a >= 0
uniform        ``1``                       ``1e6 / (pi r^2)``
epanechnikov   ``1 - u^2``                 ``1e6 * 2 / (pi r^2)``
triweight      ``(1 - u^2)^3``             ``1e6 * 4 / (pi r^2)``
gaussian       ``exp(-9 u^2 / 2)``         ``1e6 / (2 pi s^2 (1 - exp(-4.5)))``
=============  ==========================  =====================================

(each constant is ``1e6 / (2 pi r^2 int_0^1 K(u) u du)``). On the raster, the sum
times the pixel area in km^2 is a midpoint-rule estimate of that integral: at 40
pixels per radius within ~1e-5 of the point count for the kernels that vanish at the
radius, and within ~3e-3 for those that jump there (uniform, triangular with a
positive decay, the cut gaussian), whose circle of pixel centres miscounts the disc's
area. So density = 1e6 * scaled
for every kernel except quartic, where density = 1e6 * scaled / 7.25. A negative
triangular decay (QGIS's "coolmap") makes the kernel negative near the radius, and
at ``a = -0.5`` its integral is 0: it has no density normalisation and is refused.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numba import njit, prange

from geoproc.errors import GeoprocInputError
from geoproc.points import _is_dask, _source_of
from geoproc.progress import ProgressCallback, report
from geoproc.validation import (
    PointLabels,
    check_geographic_points,
    check_point_geometries,
    check_points_frame,
    lonlat_problems,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from affine import Affine
    from pyproj import CRS

__all__ = [
    "DEFAULT_MAX_CELLS",
    "KERNELS",
    "NODATA",
    "OUTPUTS",
    "KDEGrid",
    "KDEResult",
    "kde_grid",
    "kernel_density",
    "projected_crs_for",
    "silverman_radius",
]

Kernel = Literal["quartic", "triangular", "uniform", "epanechnikov", "triweight", "gaussian"]
KERNELS: tuple[str, ...] = (
    "quartic",
    "triangular",
    "uniform",
    "epanechnikov",
    "triweight",
    "gaussian",
)
_KERNEL_CODE = {name: i for i, name in enumerate(KERNELS)}
OUTPUTS: tuple[str, ...] = ("raw", "scaled", "density")  # see kernel_density's docstring
NODATA = -9999.0  # QGIS's NO_DATA in qgskde.cpp
DEFAULT_MAX_CELLS = 50_000_000  # 200 MB of float32: refuse bigger grids unless raised
SILVERMAN_RULE = (
    "Silverman's rule, spatial variant (as ArcGIS Kernel Density since 10.2.1): "
    "0.9 * min(SD, sqrt(1/ln 2) * Dm) * n^-0.2, SD the standard distance and Dm the "
    "median distance from the mean centre (weighted if weights are given, n = sum of weights)"
)
_PARALLEL_LOCK = threading.Lock()
_UTM_MAX_SPAN_DEG = 12.0  # wider than two UTM zones: use an equal-area conic instead


# ----------------------------------------------------------------------------- CRS


def projected_crs_for(lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> CRS:
    """A metric CRS for data spanning this lon/lat box.

    The UTM zone of the box's centre (WGS 84, EPSG:326xx north / 327xx south) when the
    box is at most 12 degrees wide and 12 degrees tall; otherwise an Albers equal-area
    conic on the WGS 84 ellipsoid centred on the box, with standard parallels at one
    sixth and five sixths of its latitude range (for China-wide data about 25 and 47 N,
    close to the usual China Albers).

    Parameters
    ----------
    lon_min, lat_min, lon_max, lat_max : float
        The data's bounding box in degrees (WGS 84).

    Returns
    -------
    pyproj.CRS
        EPSG:326xx/327xx (UTM north/south) or :func:`geoproc.density.albers_crs`.
    """
    from pyproj import CRS

    lon_c = (lon_min + lon_max) / 2
    lat_c = (lat_min + lat_max) / 2
    if lon_max - lon_min <= _UTM_MAX_SPAN_DEG and lat_max - lat_min <= _UTM_MAX_SPAN_DEG:
        zone = int(math.floor((lon_c + 180) / 6)) % 60 + 1
        return CRS.from_epsg((32600 if lat_c >= 0 else 32700) + zone)
    from geoproc.density import albers_crs

    return albers_crs(lon_min, lat_min, lon_max, lat_max)


# ----------------------------------------------------------------------------- grid


@dataclass(frozen=True)
class KDEGrid:
    """The raster grid QGIS's heatmap would use (see the module docstring)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    pixel_size: float
    rows: int
    cols: int
    buffer: int

    @property
    def transform(self) -> Affine:
        from affine import Affine

        return Affine(self.pixel_size, 0.0, self.xmin, 0.0, -self.pixel_size, self.ymax)

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def kde_grid(
    bounds: tuple[float, float, float, float], radius: float, pixel_size: float
) -> KDEGrid:
    """The grid for points with bounding box ``bounds`` (xmin, ymin, xmax, ymax).

    As ``QgsKernelDensityEstimation::calculateBounds``, ``prepare`` and
    ``radiusSizeInPixels``: the box grown by ``radius``, ``ceil(size / pixel) + 1``
    rows and columns, and a block half-width of ``radius / pixel`` truncated, plus one
    if the remainder exceeds 0.5 map units (QGIS compares it in map units, not pixels).

    Parameters
    ----------
    bounds : tuple of float
        The points' bounding box (xmin, ymin, xmax, ymax) in the projected CRS.
    radius : float
        Kernel radius, in the CRS's units (metres).
    pixel_size : float
        Pixel size, in the same units.

    Returns
    -------
    KDEGrid
        The grown box, ``rows``, ``cols``, the block half-width ``buffer`` and the
        geotransform (``.transform``).
    """
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    xmin, ymin, xmax, ymax = xmin - radius, ymin - radius, xmax + radius, ymax + radius
    rows = int(max(math.ceil((ymax - ymin) / pixel_size) + 1, 1.0))
    cols = int(max(math.ceil((xmax - xmin) / pixel_size) + 1, 1.0))
    buffer = int(radius / pixel_size)
    if radius - pixel_size * buffer > 0.5:
        buffer += 1
    return KDEGrid(xmin, ymin, xmax, ymax, float(pixel_size), rows, cols, buffer)


# ----------------------------------------------------------------------------- numba kernel


def _kernel_constant(kernel: int, scaled: bool, radius: float, decay: float) -> float:
    """QGIS's normalising constant times the kernel's own factor (1 for "raw").

    Computed in qgskde.cpp's operation order (``k * const``), so that the products
    below are the same doubles as QGIS's.
    """
    pi = math.pi  # M_PI
    if not scaled:
        return 1.0
    if kernel == 0:  # quartic
        return 116.0 / (5.0 * pi * radius**2) * (15.0 / 16.0)
    if kernel == 1:  # triangular; QGIS leaves a negative decay ("coolmap") unscaled
        return 3.0 / ((1.0 + 2.0 * decay) * pi * radius**2) if decay >= 0 else 1.0
    if kernel == 2:  # uniform
        return 2.0 / (pi * radius) * (0.5 / radius)
    if kernel == 3:  # epanechnikov
        return 8.0 / (3.0 * pi * radius**2) * (3.0 / 4.0)
    if kernel == 4:  # triweight
        return 128.0 / (35.0 * pi * radius**2) * (35.0 / 32.0)
    # gaussian (ours): sigma = radius / 3, truncated at the radius
    return 1.0 / (2.0 * pi * (radius / 3.0) ** 2 * (1.0 - math.exp(-4.5)))


def _density_constant(kernel: int, radius: float, decay: float) -> float:
    """Per-km^2 constant making the raw kernel integrate to 1 over the plane.

    ``1e6 / (2 pi r^2 int_0^1 K(u) u du)``, worked out per kernel in the module
    docstring; ``radius`` in metres. ``decay`` must be >= 0 for the triangular kernel.
    """
    pi = math.pi
    per_km2 = 1e6  # m^2 in a km^2
    if kernel == 0:  # quartic: 2 pi r^2 * 1/6
        return per_km2 * 3.0 / (pi * radius**2)
    if kernel == 1:  # triangular: 2 pi r^2 * (1/2 - (1 - a)/3) = pi r^2 (1 + 2a) / 3
        return per_km2 * 3.0 / ((1.0 + 2.0 * decay) * pi * radius**2)
    if kernel == 2:  # uniform: the disc's area
        return per_km2 / (pi * radius**2)
    if kernel == 3:  # epanechnikov: 2 pi r^2 * 1/4
        return per_km2 * 2.0 / (pi * radius**2)
    if kernel == 4:  # triweight: 2 pi r^2 * 1/8
        return per_km2 * 4.0 / (pi * radius**2)
    # gaussian truncated at r = 3 s: 2 pi s^2 (1 - exp(-r^2 / (2 s^2)))
    return per_km2 / (2.0 * pi * (radius / 3.0) ** 2 * (1.0 - math.exp(-4.5)))


@njit(cache=True, nogil=True, error_model="numpy")
def _stamp_rows(
    xs, ys, ws, grid, xmin, ymin, ymax, pixel, buffer, radius, s_max, kernel, c,
    decay, band, nbands, band_rows,
):  # fmt: skip
    """Add every point's kernel to the grid, as qgskde.cpp, in the rows of one thread.

    The thread ``band`` of ``nbands`` owns the rows with
    ``(row // band_rows) % nbands == band`` (all rows when ``nbands`` is 1).

    Hand-written (numba) because no library stamps a kernel evaluated at the exact
    point-to-pixel-centre distance: a binned FFT convolution moves each point to a
    pixel centre and differs from QGIS by far more than 1e-6.

    Exactness: the grid position, pixel centres and offsets are computed in QGIS's
    operation order (no fastmath, which would reorder them). A pixel gets the kernel
    if ``dx^2 + dy^2 <= s_max``, the largest double whose square root is <= radius:
    exactly QGIS's test ``sqrt(dx^2 + dy^2) > radius``, so nodata agrees exactly.
    The polynomial kernels use ``(d / r)^2 = s / r^2`` rather than QGIS's
    ``(sqrt(s) / r)^2``: a square root and a division fewer per pixel; each value
    changes by ~1e-16 relative, far below the float32 output's 6e-8 (the triangular
    kernel needs ``d`` and keeps QGIS's formula). Each pixel receives its points in
    the input order, as in QGIS, whatever ``nbands``; ``grid``'s dtype sets the
    accumulation precision (float32 as QGIS). Like QGIS, the grid starts as nodata
    (-9999) and a pixel is set to 0 before its first addition.

    Speed: the inner loops are masked and branch-free, and their indexes are offsets
    proven non-negative (the ``continue`` guards), which removes numba's negative-index
    wraparound checks and lets LLVM vectorise them (about 2x). Rows whose nearest
    pixel is beyond the radius are skipped. Threads own interleaved bands of at least
    a block's height, so they never write the same pixel and most points concern one
    thread only (the others skip them after a division).
    """
    rows, cols = grid.shape
    block = 2 * buffer + 1
    sigma = radius / 3.0
    inv_r2 = 1.0 / (radius * radius)
    inv_s2 = 1.0 / (sigma * sigma)
    # LLVM's vector loop takes 16 doubles a turn (4 AVX2 registers); the rest runs one
    # by one. Rows are padded to a multiple of 16 with columns beyond the radius
    # (their distance is set to infinity: masked out, written back unchanged), which keeps the odd tail short.
    width = (block + 15) // 16 * 16
    dx2 = np.full(width, np.inf)  # QGIS stamps only the block: the padding never counts
    for i in range(xs.shape[0]):
        x = xs[i]
        y = ys[i]
        w = ws[i]
        # C's double -> unsigned conversion truncates toward zero; the value is > -1
        xpos = int((x - xmin) / pixel - buffer)
        ypos = int((y - ymin) / pixel - buffer)
        ypos_io = int((ymax - y) / pixel - buffer)
        if nbands > 1:
            b0 = (ypos_io // band_rows) % nbands
            b1 = ((ypos_io + block - 1) // band_rows) % nbands
            if b0 != band and b1 != band:
                continue
        for xp in range(block):
            dx = (xpos + xp + 0.5) * pixel + xmin - x
            dx2[xp] = dx * dx
        kc = 0
        for xp in range(block):
            if dx2[xp] < dx2[kc]:
                kc = xp
        left = max(0, -xpos)
        right = min(width, cols - xpos) - 1
        top = max(0, -ypos_io)
        bottom = min(block, rows - ypos_io)
        if right < left or bottom <= top:
            continue
        n = right - left + 1
        c0 = xpos + left
        if c0 < 0:
            continue
        wc = w * c
        for yp in range(top, bottom):
            row = ypos_io + yp
            if row < 0 or (nbands > 1 and (row // band_rows) % nbands != band):
                continue
            # QGIS reads the block's rows from the top (ypos_io) but counts the centres'
            # y from the bottom (ypos): the kernel is mirrored within the block
            dy = (ypos + yp + 0.5) * pixel + ymin - y
            dy2 = dy * dy
            if dx2[kc] + dy2 > s_max:
                continue
            # masked, branch-free loops over the whole block row: faster than finding
            # the exact run of pixels within the radius first (measured)
            if kernel == 0:
                for k in range(n):
                    s = dx2[left + k] + dy2
                    u = 1.0 - s * inv_r2
                    g = grid[row, c0 + k]
                    g0 = 0.0 if g == -9999.0 else g  # QGIS: nodata becomes 0, then +=
                    grid[row, c0 + k] = g0 + w * (c * (u * u)) if s <= s_max else g
            elif kernel == 1:
                for k in range(n):
                    s = dx2[left + k] + dy2
                    t = math.sqrt(s) / radius
                    v = w * (c * (1.0 - (1.0 - decay) * t))
                    g = grid[row, c0 + k]
                    g0 = 0.0 if g == -9999.0 else g  # QGIS: nodata becomes 0, then +=
                    grid[row, c0 + k] = g0 + v if s <= s_max else g
            elif kernel == 2:
                for k in range(n):
                    s = dx2[left + k] + dy2
                    g = grid[row, c0 + k]
                    g0 = 0.0 if g == -9999.0 else g  # QGIS: nodata becomes 0, then +=
                    grid[row, c0 + k] = g0 + wc if s <= s_max else g
            elif kernel == 3:
                for k in range(n):
                    s = dx2[left + k] + dy2
                    v = w * (c * (1.0 - s * inv_r2))
                    g = grid[row, c0 + k]
                    g0 = 0.0 if g == -9999.0 else g  # QGIS: nodata becomes 0, then +=
                    grid[row, c0 + k] = g0 + v if s <= s_max else g
            elif kernel == 4:
                for k in range(n):
                    s = dx2[left + k] + dy2
                    u = 1.0 - s * inv_r2
                    g = grid[row, c0 + k]
                    g0 = 0.0 if g == -9999.0 else g  # QGIS: nodata becomes 0, then +=
                    grid[row, c0 + k] = g0 + w * (c * (u * u * u)) if s <= s_max else g
            else:
                for k in range(n):
                    s = dx2[left + k] + dy2
                    v = w * (c * math.exp(-0.5 * s * inv_s2))
                    g = grid[row, c0 + k]
                    g0 = 0.0 if g == -9999.0 else g  # QGIS: nodata becomes 0, then +=
                    grid[row, c0 + k] = g0 + v if s <= s_max else g


@njit(cache=True, parallel=True)
def _stamp_parallel(
    xs, ys, ws, grid, xmin, ymin, ymax, pixel, buffer, radius, s_max, kernel, c,
    decay, nbands,
):  # fmt: skip
    """``_stamp_rows`` on ``nbands`` threads, each owning interleaved bands of rows."""
    band_rows = max(2 * buffer + 1, 64)
    for band in prange(nbands):
        _stamp_rows(
            xs, ys, ws, grid, xmin, ymin, ymax, pixel, buffer, radius, s_max,
            kernel, c, decay, band, nbands, band_rows,
        )  # fmt: skip


def _max_square_within(radius: float) -> float:
    """The largest double ``s`` with ``sqrt(s) <= radius`` (IEEE sqrt is monotone)."""
    s = radius * radius
    while math.sqrt(s) > radius:
        s = math.nextafter(s, 0.0)
    while math.sqrt(math.nextafter(s, math.inf)) <= radius:
        s = math.nextafter(s, math.inf)
    return s


def stamp_points(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None,
    grid: KDEGrid,
    radius: float,
    kernel: str = "quartic",
    output: str = "raw",
    decay: float = 0.0,
    dtype: type = np.float32,
    threads: int = 1,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """The kernel sums of these points on ``grid`` (nodata = -9999), rows from the top.

    ``threads > 1`` splits the rows among numba threads (same values: each pixel still
    sums its points in order); calls are serialised, as numba's default threading
    layer must not be entered from two Python threads at once. With ``progress`` the
    points are stamped in consecutive batches, in the same order onto the same
    array, so every pixel's float32 sum is bit-identical; the callback gets the
    fraction of points done after each batch (``False`` raises ``Cancelled``).
    """
    out = np.full((grid.rows, grid.cols), NODATA, dtype=dtype)
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    code = _KERNEL_CODE[kernel]
    radius = float(radius)
    if output == "density":
        const = _density_constant(code, radius, float(decay))
    else:
        const = _kernel_constant(code, output == "scaled", radius, float(decay))
    args = (
        x, y, w, out, grid.xmin, grid.ymin, grid.ymax, grid.pixel_size, grid.buffer,
        radius, _max_square_within(radius), code, const, float(decay),
    )  # fmt: skip
    n = x.size
    # without a callback one call over all points; with one, ~100 batches (a numba
    # call costs microseconds) so cancel answers within a percent of the work
    step = n if progress is None else max(1, -(-n // 100))
    report(progress, 0.0)
    for a in range(0, max(n, 1), max(step, 1)):
        batch = (x[a:a + step], y[a:a + step], w[a:a + step]) + args[3:]
        if threads > 1:
            with _PARALLEL_LOCK:
                _stamp_parallel(*batch, threads)
        else:
            _stamp_rows(*batch, 0, 1, 1)
        report(progress, min(n, a + step) / max(n, 1))
    return out


def combine_partial(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sum two partial surfaces, nodata where both are nodata (for partitioned data)."""
    out = np.where(a == NODATA, 0.0, a.astype(np.float64)) + np.where(b == NODATA, 0.0, b)
    out[(a == NODATA) & (b == NODATA)] = NODATA
    return out


# ----------------------------------------------------------------------------- bandwidth


def silverman_radius(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Default search radius by the spatial variant of Silverman's rule of thumb.

    ``0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2`` (ArcGIS Kernel Density's default
    since 10.2.1), where SD is the standard distance ``sqrt(mean((x - x̄)^2 + (y - ȳ)^2))``,
    Dm the median distance from the mean centre (x̄, ȳ), and n the number of points;
    with weights, the mean centre, SD and median are weighted and n is their sum.

    Parameters
    ----------
    x, y : numpy.ndarray
        Point coordinates in a projected CRS (metres).
    weights : numpy.ndarray, optional
        Non-negative point weights.

    Returns
    -------
    float
        The radius, in the coordinates' units; 0 if all points coincide.

    Raises
    ------
    GeoprocInputError
        The weights sum to zero.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    n = w.sum()
    if n <= 0:
        raise GeoprocInputError("cannot choose a radius: the weights sum to zero")
    mx = np.sum(w * x) / n
    my = np.sum(w * y) / n
    d = np.hypot(x - mx, y - my)
    sd = math.sqrt(np.sum(w * d**2) / n)
    dm = _weighted_median(d, w)
    return 0.9 * min(sd, math.sqrt(1.0 / math.log(2.0)) * dm) * n**-0.2


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted median: where the cumulative weight reaches half the total (the mean of
    the two values when it lands exactly between them); ``np.median`` for equal weights."""
    if np.all(weights == weights[0]):
        return float(np.median(values))
    order = np.argsort(values)
    v, c = values[order], np.cumsum(weights[order])
    half = c[-1] / 2
    i = int(np.searchsorted(c, half))
    if np.isclose(c[i], half) and i + 1 < v.size:
        return float((v[i] + v[i + 1]) / 2)
    return float(v[i])


# ----------------------------------------------------------------------------- result


@dataclass
class KDEResult:
    """What :func:`kernel_density` wrote.

    Attributes
    ----------
    path : str
        The GeoTIFF.
    transform : affine.Affine
        Its geotransform (origin at the top-left corner).
    crs : pyproj.CRS
        Its (projected) CRS.
    shape : tuple of int
        (rows, cols).
    radius : float
        The radius used, in CRS units (metres).
    radius_rule : str or None
        How the radius was chosen when it was not given (Silverman's rule variant).
    pixel_size, kernel, output, decay
        The parameters used.
    n_points : int
        Points used.
    max_value : float
        Largest value in the raster.
    source : str or None
        Provenance of the points (their ``source`` column, e.g. "synthetic").
    """

    path: str
    transform: Any
    crs: Any
    shape: tuple[int, int]
    radius: float
    radius_rule: str | None
    pixel_size: float
    kernel: str
    output: str
    decay: float
    n_points: int
    max_value: float
    source: str | None = None
    crs_note: str = field(default="", repr=False)

    def read(self) -> np.ma.MaskedArray:
        """The raster values, masked where nodata."""
        import rasterio

        with rasterio.open(self.path) as ds:
            return ds.read(1, masked=True)

    def to_frame(self) -> pd.DataFrame:
        """The parameters and outcome as a one-row DataFrame."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "path": self.path,
                    "crs": self.crs.to_string(),
                    "rows": self.shape[0],
                    "cols": self.shape[1],
                    "pixel_size": self.pixel_size,
                    "radius": self.radius,
                    "radius_rule": self.radius_rule or "given",
                    "kernel": self.kernel,
                    "output": self.output,
                    "decay": self.decay,
                    "n_points": self.n_points,
                    "max_value": self.max_value,
                    "source": self.source,
                }
            ]
        )

    def summary(self) -> str:
        """A short human-readable report."""
        lines = [
            f"Kernel density ({self.kernel}, {self.output}) of {self.n_points} points"
            + (f" [{self.source}]" if self.source else ""),
            f"  raster   : {self.path} ({self.shape[0]} x {self.shape[1]} pixels of "
            f"{self.pixel_size:g} m)",
            f"  CRS      : {self.crs.name}" + (f" ({self.crs_note})" if self.crs_note else ""),
            f"  radius   : {self.radius:.6g} m"
            + (f" (default: {self.radius_rule})" if self.radius_rule else ""),
            f"  maximum  : {self.max_value:.6g}"
            + {"scaled": " per square metre (QGIS scaled)", "density": " points per km^2"}.get(
                self.output, " (kernel sum)"
            ),
        ]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- public


def kernel_density(
    points: gpd.GeoDataFrame | Any,
    radius: float | None = None,
    pixel_size: float = 1000.0,
    kernel: Kernel = "quartic",
    weight: str | None = None,
    output: Literal["raw", "scaled", "density"] = "raw",
    crs: Any = None,
    out: str | os.PathLike = "kde.tif",
    overwrite: bool = False,
    max_cells: int = DEFAULT_MAX_CELLS,
    decay: float = 0.0,
    precision: Literal["float32", "float64"] = "float32",
    threads: int = 1,
    progress: ProgressCallback | None = None,
) -> KDEResult:
    """Kernel density surface of points, written as a GeoTIFF, as QGIS's Heatmap.

    Parameters
    ----------
    points : GeoDataFrame or dask_geopandas.GeoDataFrame
        Point (or multipoint) features with a CRS. A dask-geopandas frame is processed
        partition by partition (on a dask.distributed cluster if a client is active);
        the partial surfaces are summed.
    radius : float, optional
        Kernel radius (bandwidth) in metres of the projected CRS. Default: Silverman's
        rule, spatial variant (see :func:`silverman_radius`); the result says so.
    pixel_size : float
        Pixel size in metres (default 1000).
    kernel : {"quartic", "triangular", "uniform", "epanechnikov", "triweight", "gaussian"}
        Kernel shape; all but "gaussian" are QGIS's (see the module docstring).
    weight : str, optional
        Column of non-negative point weights (QGIS's "weight from field").
    output : {"raw", "scaled", "density"}
        What each pixel holds, with ``K`` the raw kernel (1 at the point, see the module
        docstring for each kernel's formula), ``w_i`` the weights (1 without ``weight``)
        and ``d_i`` the distance from the pixel centre to point i:

        * "raw" (QGIS's "Raw"): ``sum_i w_i K(d_i / r)``; 1 at a lone point;
        * "scaled" (QGIS's "Scaled"): ``sum_i w_i c_Q K(d_i / r)`` per square metre,
          with QGIS's constants ``c_Q``; each point integrates to 1 (its weight),
          except quartic, whose QGIS constant makes it 7.25;
        * "density" (METHODS §5's convention, not in QGIS): points per km^2,
          ``sum_i w_i c_D K(d_i / r)`` with ``c_D = 1e6 / integral of K`` over the
          plane, so each point integrates to exactly 1 (its weight) and the raster's
          sum times the pixel area in km^2 is about the number of points (total
          weight). ``density = c_D * raw``; ``density = 1e6 * scaled`` except for
          quartic (``1e6 * scaled / 7.25``). Refused for the triangular kernel with a
          negative ``decay`` (no normalisation: the kernel goes negative).
    crs : optional
        Projected CRS to compute in (anything pyproj accepts). Default: the points' CRS
        if projected, else the UTM zone of the points' centre, or an Albers equal-area
        conic centred on them if they span more than 12 degrees (see
        :func:`projected_crs_for`).
    out : path
        GeoTIFF to write (Float32, nodata -9999, deflate-compressed).
    overwrite : bool
        Replace ``out`` if it exists.
    max_cells : int
        Refuse grids with more cells than this (default 50 million, 200 MB); raise it
        for bigger rasters. A dask frame stamps each partition on a whole grid: as many
        partitions run at once as fit in this budget beside the running float64 sum
        (at least one, so it needs about three grids' worth of memory at least).
    decay : float
        QGIS's decay ratio, for the triangular kernel only (0: a cone; the kernel's
        value at the radius). Ignored by the other kernels, as in QGIS.
    precision : {"float32", "float64"}
        Accumulation precision. "float32" (default) sums in single precision in the
        points' order, as QGIS does, so the rasters are identical; "float64" is more
        accurate for very many overlapping points.
    threads : int
        Threads for an in-memory frame (default 1). Each owns interleaved bands of
        rows, so the raster is the same; worth it on idle cores and big rasters only
        (on a busy machine it was slower). A dask frame uses one thread per partition.
    progress : callable, optional
        Called with the fraction of points stamped (0 to 1) between consecutive
        batches of points (bit-identical raster); returning ``False`` raises
        :class:`geoproc.progress.Cancelled` and no file is written. Ignored for a
        dask frame except for the final 1.

    Returns
    -------
    KDEResult
        The path, transform, CRS, shape, the radius used and the rule if defaulted.

    Raises
    ------
    GeoprocInputError
        No points, no CRS, missing or non-point geometries, a geographic ``crs``,
        radius <= 0 or smaller than a pixel, negative or missing weights, an unknown
        kernel or output, a grid above ``max_cells``.
    FileExistsError
        ``out`` exists and ``overwrite`` is false (checked before computing).
    """
    from geoproc.outputs import atomic_output, check_output

    if kernel not in _KERNEL_CODE:
        raise GeoprocInputError(f"kernel {kernel!r} unknown; choose one of {', '.join(KERNELS)}")
    if output not in OUTPUTS:
        raise GeoprocInputError(
            f"output {output!r} unknown; choose one of {', '.join(map(repr, OUTPUTS))}"
        )
    if precision not in ("float32", "float64"):
        raise GeoprocInputError("precision must be 'float32' or 'float64'")
    if not (pixel_size > 0 and math.isfinite(pixel_size)):
        raise GeoprocInputError(f"pixel_size must be a positive number of metres, not {pixel_size}")
    if not (isinstance(threads, int) and threads >= 1):
        raise GeoprocInputError(f"threads must be a whole number >= 1, not {threads!r}")
    if kernel == "triangular" and not -100 <= decay <= 100:
        raise GeoprocInputError(f"decay must lie in [-100, 100] (QGIS's range), not {decay}")
    if kernel == "triangular" and output == "density" and decay < 0:
        raise GeoprocInputError(
            f"decay {decay:g} < 0 with output='density': a negative decay makes the "
            "triangular kernel negative near the radius (its integral is 0 at -0.5), so "
            "it has no density normalisation; use decay >= 0, or output='raw'/'scaled' "
            "(QGIS leaves a negative decay unscaled)"
        )
    check_output(out, overwrite)

    is_dask = _is_dask(points)
    pts, target, crs_note = _project(points, crs, weight, is_dask)
    source = _source_of(points, is_dask)

    if is_dask:
        bounds, stats = _dask_bounds_and_stats(pts, weight, need_stats=radius is None)
    else:
        x, y, w = _xyw(pts, weight)
        bounds = (x.min(), y.min(), x.max(), y.max())
        stats = None

    rule = None
    if radius is None:
        radius = silverman_radius(*stats) if is_dask else silverman_radius(x, y, w)
        rule = SILVERMAN_RULE
        if not radius > 0:
            raise GeoprocInputError(
                "Silverman's rule gives a zero radius (all points coincide); give radius="
            )
    radius = float(radius)
    if not (radius > 0 and math.isfinite(radius)):
        raise GeoprocInputError(f"radius must be a positive number of metres, not {radius}")
    if radius < pixel_size:
        raise GeoprocInputError(
            f"radius {radius:g} m is smaller than a pixel ({pixel_size:g} m); "
            "use a smaller pixel_size or a larger radius"
        )

    grid = kde_grid(bounds, radius, pixel_size)
    if grid.cells > max_cells:
        raise GeoprocInputError(
            f"the raster would have {grid.rows} x {grid.cols} = {grid.cells:,} cells "
            f"(~{grid.cells * 4 / 2**20:,.0f} MB as float32), above max_cells={max_cells:,}; "
            "use a larger pixel_size, or pass a larger max_cells (CLI: --max-cells)"
        )

    dtype = np.float32 if precision == "float32" else np.float64
    if is_dask:
        values = _dask_surface(pts, weight, grid, radius, kernel, output, decay, dtype, max_cells)
        n_points = int(stats[0].size) if stats is not None else _dask_len(pts)
    else:
        values = stamp_points(x, y, w, grid, radius, kernel, output, decay, dtype, threads, progress)
        n_points = int(x.size)

    report(progress, 1.0)
    valid = values != NODATA
    max_value = float(values[valid].max()) if valid.any() else float("nan")

    import rasterio

    tags = {
        "GENERATOR": "geoproc.kernel_density (QGIS 3.22 heatmap-compatible)",
        "KERNEL": kernel,
        "OUTPUT_VALUES": output,
        "RADIUS": f"{radius!r}",
        "RADIUS_RULE": rule or "given",
        "PIXEL_SIZE": f"{pixel_size!r}",
        "N_POINTS": str(n_points),
    }
    if kernel == "triangular":
        tags["DECAY"] = f"{decay!r}"
    if weight:
        tags["WEIGHT_FIELD"] = weight
    if source:
        tags["SOURCE"] = source
    with atomic_output(out, overwrite) as tmp:
        with rasterio.open(
            tmp, "w", driver="GTiff", width=grid.cols, height=grid.rows, count=1,
            dtype="float32", crs=target.to_wkt(), transform=grid.transform, nodata=NODATA,
            compress="deflate", tiled=grid.cols >= 256 and grid.rows >= 256,
        ) as ds:  # fmt: skip
            ds.write(values.astype(np.float32, copy=False), 1)
            ds.update_tags(**tags)
            desc = f"kernel density ({kernel}, {output})"
            ds.set_band_description(1, desc + (f" of {source} points" if source else ""))
    return KDEResult(
        path=str(out), transform=grid.transform, crs=target, shape=(grid.rows, grid.cols),
        radius=radius, radius_rule=rule, pixel_size=float(pixel_size), kernel=kernel,
        output=output, decay=float(decay), n_points=n_points, max_value=max_value,
        source=source, crs_note=crs_note,
    )  # fmt: skip


# ----------------------------------------------------------------------------- helpers


def _project(points: Any, crs: Any, weight: str | None, is_dask: bool):
    """Check the points and bring them into the projected CRS; return (points, crs, note)."""
    from pyproj import CRS

    check_points_frame(points)
    if weight is not None and weight not in points.columns:
        raise GeoprocInputError(
            f"points: no weight column {weight!r}; columns are {', '.join(map(str, points.columns))}"
        )
    if not is_dask:
        _check_point_geometries(points)
        # swapped lon/lat or metres labelled as degrees: say so (naming the points)
        # before projecting turns them into infinities
        check_geographic_points(points)
    src = CRS.from_user_input(points.crs)
    if is_dask and src.is_geographic:
        _check_dask_lonlat_bounds(points.total_bounds.compute())
    note = ""
    if crs is not None:
        target = CRS.from_user_input(crs)
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


def _check_point_geometries(points: gpd.GeoDataFrame) -> None:
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


def _xyw(
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


# ----------------------------------------------------------------------------- dask


def _dask_len(pts: Any) -> int:
    return int(pts.map_partitions(len).sum().compute())


def _partition_xy(part: gpd.GeoDataFrame, weight: str | None):
    if len(part) == 0:
        return np.empty(0), np.empty(0), (None if weight is None else np.empty(0))
    _check_point_geometries(part)
    return _xyw(part, weight)


def _dask_bounds_and_stats(pts: Any, weight: str | None, need_stats: bool):
    """Bounds (and, for Silverman's rule, all coordinates) of a dask frame."""
    import dask

    parts = pts.to_delayed()
    if need_stats:
        # the median distance needs every coordinate; 3 float arrays per point is small
        # next to the raster, and the rule is only used when no radius is given
        xyws = dask.compute(*[dask.delayed(_partition_xy)(p, weight) for p in parts])
        x = np.concatenate([a[0] for a in xyws])
        y = np.concatenate([a[1] for a in xyws])
        w = None if weight is None else np.concatenate([a[2] for a in xyws])
        if x.size == 0:
            raise GeoprocInputError("points: the point set is empty")
        return (x.min(), y.min(), x.max(), y.max()), (x, y, w)

    def bounds_of(part):
        x, y, _ = _partition_xy(part, weight)
        if x.size == 0:
            return None
        return (x.min(), y.min(), x.max(), y.max())

    bs = [b for b in dask.compute(*[dask.delayed(bounds_of)(p) for p in parts]) if b is not None]
    if not bs:
        raise GeoprocInputError("points: the point set is empty")
    b = np.array(bs)
    return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), None


def _dask_workers() -> int:
    """Tasks the active dask scheduler runs at once (a distributed client's threads)."""
    try:
        from distributed import default_client

        return max(1, sum(default_client().nthreads().values()))
    except (ImportError, ValueError):  # no distributed client: the local scheduler
        import dask

        return int(dask.config.get("num_workers", None) or os.cpu_count() or 1)


def dask_partitions_in_flight(
    cells: int, itemsize: int, n_partitions: int, workers: int, max_cells: int = DEFAULT_MAX_CELLS
) -> int:
    """How many partition grids :func:`kernel_density` stamps at once on a dask frame.

    Each partition in flight holds a whole grid (``cells * itemsize`` bytes) and the
    running sum one float64 grid; the count is the workers, lowered so that all of
    them fit in ``max_cells`` float32 cells (the memory the caller allowed), and at
    least one.
    """
    budget = max_cells * 4 - cells * 8  # bytes left beside the running float64 sum
    fit = budget // max(cells * itemsize, 1)
    return int(max(1, min(workers, n_partitions, fit)))


def _add_partial(total: np.ndarray, part: np.ndarray) -> None:
    """``total += part`` in place, nodata (-9999) counting as 0 unless both are nodata."""
    hit = part != NODATA
    seen = total[hit]
    total[hit] = np.where(seen == NODATA, 0.0, seen) + part[hit]


def _dask_surface(pts, weight, grid, radius, kernel, output, decay, dtype, max_cells) -> np.ndarray:
    """Stamp the partitions on the common grid a batch at a time, adding each batch to
    one running float64 sum, so that memory is bounded by the batch size
    (:func:`dask_partitions_in_flight`) rather than by the number of partitions."""
    import dask

    def partial(part):
        x, y, w = _partition_xy(part, weight)
        return stamp_points(x, y, w, grid, radius, kernel, output, decay, dtype)

    parts = pts.to_delayed()
    batch = dask_partitions_in_flight(
        grid.cells, np.dtype(dtype).itemsize, len(parts), _dask_workers(), max_cells
    )
    total = np.full((grid.rows, grid.cols), NODATA, dtype=np.float64)
    for start in range(0, len(parts), batch):
        surfaces = list(dask.compute(*[dask.delayed(partial)(p) for p in parts[start:start + batch]]))
        while surfaces:  # free each partition's grid once it is added
            _add_partial(total, surfaces.pop(0))
    return total.astype(dtype, copy=False)
