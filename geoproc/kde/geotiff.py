"""Writing a kernel-density surface as a GeoTIFF (atomically, with its parameters as tags)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from geoproc.kde.grid import NODATA, KDEGrid

__all__ = ["write_surface"]


def write_surface(
    out: str | os.PathLike,
    overwrite: bool,
    values: np.ndarray,
    grid: KDEGrid,
    crs: Any,
    tags: dict[str, str],
    description: str,
) -> None:
    """Write ``values`` (rows from the top) as a Float32 GeoTIFF, nodata -9999.

    Parameters
    ----------
    out : path
        The GeoTIFF; written to a temporary file and moved into place.
    overwrite : bool
        Replace ``out`` if it exists.
    values : numpy.ndarray
        The surface, ``grid.rows`` x ``grid.cols``.
    grid : KDEGrid
        Its grid (transform).
    crs : pyproj.CRS
        Its projected CRS.
    tags : dict
        GDAL metadata (kernel, radius, ...).
    description : str
        The band's description.
    """
    import rasterio

    from geoproc.outputs import atomic_output
    from geoproc.resources import check_geotiff_disk

    check_geotiff_disk(grid.rows, grid.cols, out)  # disk estimate before writing (issue 13)
    with atomic_output(out, overwrite) as tmp:
        with rasterio.open(
            tmp, "w", driver="GTiff", width=grid.cols, height=grid.rows, count=1,
            dtype="float32", crs=crs.to_wkt(), transform=grid.transform, nodata=NODATA,
            compress="deflate", tiled=grid.cols >= 256 and grid.rows >= 256,
        ) as ds:  # fmt: skip
            ds.write(values.astype(np.float32, copy=False), 1)
            ds.update_tags(**tags)
            ds.set_band_description(1, description)
