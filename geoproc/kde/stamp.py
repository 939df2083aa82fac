"""Stamping: adding each point's kernel to the pixels within its radius, as qgskde.cpp.

The only hand-written numerical core of :mod:`geoproc.kde` (numba). Everything
here works on plain arrays in a projected CRS: :func:`stamp_points` takes
coordinates, weights and a :class:`~geoproc.kde.grid.KDEGrid` and returns the
surface; reading, projecting and writing live in the other modules.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from geoproc._parallel import NUMBA_LOCK
from geoproc.kde.grid import NODATA, KDEGrid
from geoproc.kde.kernels import KERNEL_CODE, density_constant, kernel_constant
from geoproc.progress import ProgressCallback, report

__all__ = ["combine_partial", "row_bands", "stamp_points"]

@njit(cache=True, nogil=True, error_model="numpy")
def _stamp_rows(
    xs, ys, ws, grid, xmin, ymin, ymax, pixel, buffer, radius, s_max, kernel, c,
    decay, row_lo, row_hi,
):  # fmt: skip
    """Add every point's kernel to the rows ``row_lo:row_hi`` of the grid, as qgskde.cpp.

    One thread owns one band of consecutive rows (all rows on one thread).

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
    the input order, as in QGIS, whatever the bands; ``grid``'s dtype sets the
    accumulation precision (float32 as QGIS). Like QGIS, the grid starts as nodata
    (-9999) and a pixel is set to 0 before its first addition.

    Speed: the inner loops are masked and branch-free, and their indexes are offsets
    proven non-negative (the ``continue`` guards), which removes numba's negative-index
    wraparound checks and lets LLVM vectorise them (about 2x). Rows whose nearest
    pixel is beyond the radius are skipped. Threads own disjoint bands of rows, so
    they never write the same pixel; a point whose block misses a band is skipped by
    that band's thread after two comparisons.
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
        if ypos_io >= row_hi or ypos_io + block <= row_lo:
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
        top = max(0, -ypos_io, row_lo - ypos_io)
        bottom = min(block, rows - ypos_io, row_hi - ypos_io)
        if right < left or bottom <= top:
            continue
        n = right - left + 1
        c0 = xpos + left
        if c0 < 0:
            continue
        wc = w * c
        for yp in range(top, bottom):
            row = ypos_io + yp
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
    decay, bounds,
):  # fmt: skip
    """``_stamp_rows`` on one thread per band ``bounds[t]:bounds[t + 1]`` of rows."""
    for t in prange(bounds.size - 1):
        _stamp_rows(
            xs, ys, ws, grid, xmin, ymin, ymax, pixel, buffer, radius, s_max,
            kernel, c, decay, bounds[t], bounds[t + 1],
        )  # fmt: skip


def row_bands(y: np.ndarray, grid: KDEGrid, threads: int) -> np.ndarray:
    """Row bounds of ``threads`` bands of consecutive rows with about equal work.

    A row's work is the number of points whose block covers it, so clustered points
    still split evenly. Only the speed depends on the bounds: each pixel belongs to
    one band and sums its points in input order whatever they are.
    """
    rows, block = grid.rows, 2 * grid.buffer + 1
    start = np.clip(((grid.ymax - y) / grid.pixel_size - grid.buffer).astype(np.int64), 0, rows)
    diff = np.bincount(start, minlength=rows + 1)[: rows + 1].astype(np.int64)
    diff[: rows + 1] -= np.bincount(np.minimum(start + block, rows), minlength=rows + 1)[: rows + 1]
    work = np.cumsum(diff[:rows])  # points covering each row
    cum = np.cumsum(work)
    total = cum[-1] if rows else 0
    inner = np.searchsorted(cum, total * np.arange(1, threads) / threads)
    return np.unique(np.r_[0, np.clip(inner, 0, rows), rows]).astype(np.int64)


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

    ``threads > 1`` splits the rows into that many bands of consecutive rows
    (:func:`row_bands`), one numba thread each (same values: each pixel still sums its
    points in order); calls are serialised, as numba's default threading
    layer must not be entered from two Python threads at once. With ``progress`` the
    points are stamped in consecutive batches, in the same order onto the same
    array, so every pixel's float32 sum is bit-identical; the callback gets the
    fraction of points done after each batch (``False`` raises ``Cancelled``).
    """
    out = np.full((grid.rows, grid.cols), NODATA, dtype=dtype)
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    code = KERNEL_CODE[kernel]
    radius = float(radius)
    if output == "density":
        const = density_constant(code, radius, float(decay))
    else:
        const = kernel_constant(code, output == "scaled", radius, float(decay))
    args = (
        x, y, w, out, grid.xmin, grid.ymin, grid.ymax, grid.pixel_size, grid.buffer,
        radius, _max_square_within(radius), code, const, float(decay),
    )  # fmt: skip
    n = x.size
    # without a callback one call over all points; with one, ~100 batches (a numba
    # call costs microseconds) so cancel answers within a percent of the work. On
    # threads, ~10: between parallel calls the idle OpenMP threads spin-wait, which
    # cost 1.4 s of CPU (and the main thread's core on a busy machine) at 100 batches
    step = n if progress is None else max(1, -(-n // (100 if threads == 1 else 10)))
    report(progress, 0.0)
    bounds = row_bands(y, grid, threads) if threads > 1 and n else None
    for a in range(0, max(n, 1), max(step, 1)):
        batch = (x[a:a + step], y[a:a + step], w[a:a + step]) + args[3:]
        if bounds is not None and bounds.size > 2:
            with NUMBA_LOCK:  # shared with the permutation kernel: one entry at a time
                _stamp_parallel(*batch, bounds)
        else:
            _stamp_rows(*batch, 0, grid.rows)
        report(progress, min(n, a + step) / max(n, 1))
    return out


def combine_partial(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sum two partial surfaces, nodata where both are nodata (for partitioned data)."""
    out = np.where(a == NODATA, 0.0, a.astype(np.float64)) + np.where(b == NODATA, 0.0, b)
    out[(a == NODATA) & (b == NODATA)] = NODATA
    return out
