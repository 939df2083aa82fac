"""The entry point :func:`kernel_density`: checks, radius, grid, stamping, GeoTIFF."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.kde.bandwidth import SILVERMAN_RULE, silverman_radius
from geoproc.kde.geotiff import write_surface
from geoproc.kde.grid import DEFAULT_MAX_CELLS, NODATA, KDEGrid, kde_grid
from geoproc.kde.inputs import coordinates_and_weights, project_points
from geoproc.kde.kernels import KERNEL_CODE, KERNELS, OUTPUTS, Kernel
from geoproc.kde.partitions import dask_bounds_and_stats, dask_len, dask_surface
from geoproc.kde.result import KDEResult
from geoproc.kde.stamp import stamp_points
from geoproc.points import source_of
from geoproc.progress import ProgressCallback, report
from geoproc.validation import is_dask_frame

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["kernel_density", "kernel_density_xy"]


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
    threads: int | None = None,
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
    threads : int, optional
        Threads for an in-memory frame (default: every core numba may use). Each owns
        a band of consecutive rows (bands balanced by the points covering them), and
        every pixel still sums its points in input order, so the raster is the same
        bit for bit whatever the count. A dask frame uses one thread per partition.
    progress : callable, optional
        Called with the fraction of points stamped (0 to 1) between consecutive
        batches of points (bit-identical raster); returning ``False`` raises
        :class:`geoproc.progress.Cancelled` and no file is written. For a dask
        frame, the fraction of partitions stamped, after each batch of partitions.

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
    from geoproc.outputs import check_output

    if threads is None:
        import numba

        threads = int(numba.get_num_threads())
    _check_options(kernel, output, precision, pixel_size, threads, decay)
    check_output(out, overwrite)

    is_dask = is_dask_frame(points)
    pts, target, crs_note = project_points(points, crs, weight, is_dask)
    source = source_of(points)
    if is_dask:
        bounds, xyw = dask_bounds_and_stats(pts, weight, need_stats=radius is None)
    else:
        xyw = coordinates_and_weights(pts, weight)
        bounds = (xyw[0].min(), xyw[1].min(), xyw[0].max(), xyw[1].max())
    return _surface(xyw, bounds, pts if is_dask else None, target, crs_note, source, weight,
                    radius=radius, pixel_size=pixel_size, kernel=kernel, output=output, out=out,
                    overwrite=overwrite, max_cells=max_cells, decay=decay, precision=precision,
                    threads=threads, progress=progress)  # fmt: skip


def kernel_density_xy(
    x: np.ndarray, y: np.ndarray, crs: Any, weights: np.ndarray | None = None,
    weight: str | None = None, source: str | None = None, *, radius: float | None = None,
    pixel_size: float = 1000.0, kernel: Kernel = "quartic",
    output: Literal["raw", "scaled", "density"] = "raw", out: str | os.PathLike = "kde.tif",
    overwrite: bool = False, max_cells: int = DEFAULT_MAX_CELLS, decay: float = 0.0,
    precision: Literal["float32", "float64"] = "float32", threads: int | None = None,
    progress: ProgressCallback | None = None,
) -> KDEResult:
    """:func:`kernel_density` of coordinates already in a projected CRS (no geometries).

    The command line's fast path for a projected point layer: the coordinates come
    straight from the layer's WKB, so no shapely points (0.8 s for 10^6) nor geopandas
    (0.5 s to import) are needed; the raster is the one :func:`kernel_density` writes for
    the same layer. The caller has checked that the coordinates are finite and the
    weights finite and >= 0 (else it takes :func:`kernel_density`, whose errors name rows).
    """
    from pyproj import CRS

    from geoproc.outputs import check_output

    if threads is None:
        import numba

        threads = int(numba.get_num_threads())
    _check_options(kernel, output, precision, pixel_size, threads, decay)
    check_output(out, overwrite)
    target = CRS.from_user_input(crs)
    if x.size == 0 or not target.is_projected:
        raise GeoprocInputError("kernel_density_xy needs points in a projected CRS")
    xyw = (np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(y, dtype=float),
           None if weights is None else np.asarray(weights, dtype=float))
    bounds = (xyw[0].min(), xyw[1].min(), xyw[0].max(), xyw[1].max())
    return _surface(xyw, bounds, None, target, "the points' CRS", source, weight, radius=radius,
                    pixel_size=pixel_size, kernel=kernel, output=output, out=out,
                    overwrite=overwrite, max_cells=max_cells, decay=decay, precision=precision,
                    threads=threads, progress=progress)  # fmt: skip


def _surface(xyw, bounds, dask_pts, target, crs_note, source, weight, *, radius, pixel_size,
             kernel, output, out, overwrite, max_cells, decay, precision, threads,
             progress) -> KDEResult:  # fmt: skip
    """Radius, grid, stamping (in memory, or the dask frame ``dask_pts``) and the GeoTIFF."""
    is_dask = dask_pts is not None
    pts = dask_pts
    radius, rule = _radius(radius, xyw, pixel_size)
    grid = _checked_grid(bounds, radius, pixel_size, max_cells)

    dtype = np.float32 if precision == "float32" else np.float64
    if is_dask:
        values = dask_surface(
            pts, weight, grid, radius=radius, kernel=kernel, output=output, decay=decay,
            dtype=dtype, max_cells=max_cells, progress=progress,
        )  # fmt: skip
        n_points = int(xyw[0].size) if xyw is not None else dask_len(pts)
    else:
        values = stamp_points(*xyw, grid, radius, kernel, output, decay, dtype, threads, progress)
        n_points = int(xyw[0].size)
    report(progress, 1.0)
    valid = values != NODATA
    max_value = float(values[valid].max()) if valid.any() else float("nan")

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
    desc = f"kernel density ({kernel}, {output})" + (f" of {source} points" if source else "")
    write_surface(out, overwrite, values, grid, target, tags, desc)
    return KDEResult(
        path=str(out), transform=grid.transform, crs=target, shape=(grid.rows, grid.cols),
        radius=radius, radius_rule=rule, pixel_size=float(pixel_size), kernel=kernel,
        output=output, decay=float(decay), n_points=n_points, max_value=max_value,
        source=source, crs_note=crs_note,
    )  # fmt: skip


def _check_options(
    kernel: str, output: str, precision: str, pixel_size: float, threads: int, decay: float
) -> None:
    """Refuse unknown or out-of-range parameters before reading any point."""
    if kernel not in KERNEL_CODE:
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


def _radius(radius: float | None, xyw, pixel_size: float) -> tuple[float, str | None]:
    """The radius to use (Silverman's rule on ``xyw`` when none is given) and its rule."""
    rule = None
    if radius is None:
        radius = silverman_radius(*xyw)
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
    return radius, rule


def _checked_grid(bounds, radius: float, pixel_size: float, max_cells: int) -> KDEGrid:
    """QGIS's grid for these bounds, refused above ``max_cells`` cells."""
    grid = kde_grid(bounds, radius, pixel_size)
    if grid.cells > max_cells:
        raise GeoprocInputError(
            f"the raster would have {grid.rows} x {grid.cols} = {grid.cells:,} cells "
            f"(~{grid.cells * 4 / 2**20:,.0f} MB as float32), above max_cells={max_cells:,}; "
            "use a larger pixel_size, or pass a larger max_cells (CLI: --max-cells)"
        )
    from geoproc.resources import check_raster

    # a raised max_cells must still fit: the float64 sum and the output grid
    check_raster(grid.rows, grid.cols, itemsize=8, parameter="pixel_size (CLI: --pixel)")
    return grid
