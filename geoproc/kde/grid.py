"""The raster grid QGIS's Heatmap lays over the points (extent, rows, block size)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from affine import Affine

__all__ = ["DEFAULT_MAX_CELLS", "NODATA", "KDEGrid", "kde_grid"]

NODATA = -9999.0  # QGIS's NO_DATA in qgskde.cpp
DEFAULT_MAX_CELLS = 50_000_000  # 200 MB of float32: refuse bigger grids unless raised


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
