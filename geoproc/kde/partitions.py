"""Kernel density of a dask-geopandas frame: partition by partition on one grid."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.kde.grid import DEFAULT_MAX_CELLS, NODATA, KDEGrid
from geoproc.kde.inputs import check_points, coordinates_and_weights
from geoproc.kde.stamp import stamp_points
from geoproc.progress import ProgressCallback, report

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["dask_bounds_and_stats", "dask_len", "dask_partitions_in_flight", "dask_surface"]


def dask_len(pts: Any) -> int:
    return int(pts.map_partitions(len).sum().compute())


def _partition_xy(part: gpd.GeoDataFrame, weight: str | None):
    if len(part) == 0:
        return np.empty(0), np.empty(0), (None if weight is None else np.empty(0))
    check_points(part)
    return coordinates_and_weights(part, weight)


def dask_bounds_and_stats(pts: Any, weight: str | None, need_stats: bool):
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


def dask_surface(
    pts: Any,
    weight: str | None,
    grid: KDEGrid,
    *,
    radius: float,
    kernel: str,
    output: str,
    decay: float,
    dtype: type,
    max_cells: int,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Stamp the partitions on the common grid a batch at a time, adding each batch to
    one running float64 sum, so that memory is bounded by the batch size
    (:func:`dask_partitions_in_flight`) rather than by the number of partitions.

    ``progress`` gets the fraction of partitions added after each batch (a callback
    returning ``False`` raises :class:`geoproc.progress.Cancelled` between batches).
    """
    import dask

    def partial(part):
        x, y, w = _partition_xy(part, weight)
        return stamp_points(x, y, w, grid, radius, kernel, output, decay, dtype)

    parts = pts.to_delayed()
    batch = dask_partitions_in_flight(
        grid.cells, np.dtype(dtype).itemsize, len(parts), _dask_workers(), max_cells
    )
    total = np.full((grid.rows, grid.cols), NODATA, dtype=np.float64)
    report(progress, 0.0)
    for start in range(0, len(parts), batch):
        surfaces = list(dask.compute(*[dask.delayed(partial)(p) for p in parts[start:start + batch]]))
        while surfaces:  # free each partition's grid once it is added
            _add_partial(total, surfaces.pop(0))
        report(progress, min(len(parts), start + batch) / len(parts))
    return total.astype(dtype, copy=False)
