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

The package, one concept a module:

* :mod:`~geoproc.kde.surface`: :func:`kernel_density`, the entry point (checks,
  radius, grid, stamping, GeoTIFF);
* :mod:`~geoproc.kde.stamp`: the numba stamping kernel (:func:`stamp_points`),
  plain arrays in, surface out;
* :mod:`~geoproc.kde.kernels`: kernel names and their scaling constants;
* :mod:`~geoproc.kde.grid`: QGIS's grid (:func:`kde_grid`, :class:`KDEGrid`);
* :mod:`~geoproc.kde.bandwidth`: Silverman's rule (:func:`silverman_radius`);
* :mod:`~geoproc.kde.crs`: the metric CRS for lon/lat points (:func:`projected_crs_for`);
* :mod:`~geoproc.kde.inputs`: checking, projecting and reading coordinates/weights;
* :mod:`~geoproc.kde.partitions`: dask-geopandas frames, partition by partition;
* :mod:`~geoproc.kde.sources`: the command line's inputs (one file in memory, Parquet
  datasets and CSV globs lazily) and its ``--scheduler``;
* :mod:`~geoproc.kde.geotiff`: writing the surface; :mod:`~geoproc.kde.result`: :class:`KDEResult`.
"""

from __future__ import annotations

from geoproc.kde.bandwidth import SILVERMAN_RULE, silverman_radius
from geoproc.kde.crs import projected_crs_for
from geoproc.kde.grid import DEFAULT_MAX_CELLS, NODATA, KDEGrid, kde_grid
from geoproc.kde.kernels import KERNELS, OUTPUTS, Kernel
from geoproc.kde.partitions import dask_partitions_in_flight
from geoproc.kde.result import KDEResult
from geoproc.kde.stamp import combine_partial, stamp_points
from geoproc.kde.surface import kernel_density

__all__ = [
    "DEFAULT_MAX_CELLS",
    "KERNELS",
    "NODATA",
    "OUTPUTS",
    "SILVERMAN_RULE",
    "KDEGrid",
    "KDEResult",
    "Kernel",
    "combine_partial",
    "dask_partitions_in_flight",
    "kde_grid",
    "kernel_density",
    "projected_crs_for",
    "silverman_radius",
    "stamp_points",
]
