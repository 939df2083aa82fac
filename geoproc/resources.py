"""Size guards: estimate the memory and disk a request needs and refuse it before any work.

A request that cannot fit should fail in a second with the estimate and the way out,
not after an hour with ``MemoryError`` or a full disk. Each ``check_*`` helper below
takes the request's sizes, computes what it needs in bytes, compares that with what
the machine has, and raises a one-line :class:`~geoproc.errors.GeoprocInputError`
naming the parameter to change.

What the machine has:

- memory: ``MemAvailable`` from ``/proc/meminfo`` (what the kernel could give without
  swapping), or psutil's ``available`` where there is no ``/proc``; a request may use
  at most :data:`MEMORY_FRACTION` of it, since Python and the inputs need the rest;
- disk: ``shutil.disk_usage`` of the output's folder (its nearest existing parent);
- the environment variable ``GEOPROC_MAX_MEMORY`` (bytes, or with a suffix K, M, G, T)
  caps the memory budget below what the machine has -- for shared servers and batch
  jobs with a memory limit the kernel does not show; ``GEOPROC_MAX_DISK`` likewise caps
  the free disk an output may take (a quota the file system does not report).

When the machine's memory cannot be read, memory checks pass (nothing to compare with).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from geoproc.errors import GeoprocInputError

__all__ = [
    "MEMORY_FRACTION",
    "available_memory",
    "check_dense_weights",
    "check_dense_weights_csv",
    "check_disk",
    "check_distance_matrix",
    "check_draws",
    "check_geotiff_disk",
    "check_layer_disk",
    "check_memory",
    "check_time",
    "check_permutations",
    "check_raster",
    "dense_weights_csv_bytes",
    "distance_csv_bytes",
    "free_disk",
    "geotiff_bytes",
    "human",
    "vector_layer_bytes",
]

MEMORY_FRACTION = 0.8
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def human(nbytes: float) -> str:
    """Bytes as a short human figure: ``'7.3 GB'``, ``'512 MB'``, ``'1.1 TB'``."""
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if nbytes >= size:
            value = nbytes / size
            return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    return f"{int(nbytes)} bytes"


def _env_limit(name: str = "GEOPROC_MAX_MEMORY") -> int | None:
    text = os.environ.get(name, "").strip().upper().removesuffix("B")
    if not text:
        return None
    m = re.fullmatch(r"([0-9.]+)\s*([KMGT]?)I?", text)
    if not m:
        raise GeoprocInputError(
            f"{name}={os.environ[name]!r} is not a size; "
            "give bytes or e.g. 8G"
        )
    return int(float(m[1]) * _UNITS[m[2]])


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_memory() -> int | None:
    """Bytes of memory a request may use: the machine's available memory (or the
    ``GEOPROC_MAX_MEMORY`` cap when lower); None when neither can be read."""
    have = _meminfo_available()
    if have is None:
        try:
            import psutil

            have = int(psutil.virtual_memory().available)
        except Exception:  # psutil is optional; any failure means "unknown"
            have = None
    limit = _env_limit()
    if limit is not None:
        return limit if have is None else min(have, limit)
    return have


def free_disk(path: str | os.PathLike) -> int | None:
    """Free bytes on the file system of ``path`` (its nearest existing parent folder),
    capped by ``GEOPROC_MAX_DISK`` when set."""
    limit = _env_limit("GEOPROC_MAX_DISK")
    p = Path(path).expanduser().absolute()
    for folder in (p, *p.parents):
        if folder.exists():
            try:
                free = shutil.disk_usage(folder).free
            except OSError:
                return limit
            return free if limit is None else min(free, limit)
    return limit


def check_memory(nbytes: float, what: str, way_out: str) -> None:
    """Refuse a request needing ``nbytes`` of memory beyond the budget.

    Parameters
    ----------
    nbytes : float
        The estimate.
    what : str
        The request, naming the parameter (e.g. ``"--permutations 1000000000 for 31 regions"``).
    way_out : str
        What the user can do instead.

    Raises
    ------
    GeoprocInputError
        "<what> needs about X of memory; this machine has Y available; <way_out>".
    """
    have = available_memory()
    if have is None:
        return
    if nbytes > MEMORY_FRACTION * have:
        raise GeoprocInputError(
            f"{what} needs about {human(nbytes)} of memory; this machine has "
            f"{human(have)} available; {way_out}"
        )


#: element operations a second one core does in geoproc's vectorised kernels (a conservative
#: round figure: sparse products, permutations); used only to refuse hopeless requests
OPERATIONS_PER_SECOND = 2e8
#: default longest run accepted before work starts (``GEOPROC_MAX_SECONDS`` overrides)
MAX_SECONDS = 6 * 3600.0


def check_time(operations: float, what: str, way_out: str) -> None:
    """Refuse a request whose estimated run time exceeds the budget.

    Streaming keeps some requests small in memory (global Moran permutations are drawn a
    block at a time) while their run time still grows without bound; this is their guard.

    Parameters
    ----------
    operations : float
        Estimated element operations (e.g. permutations x (regions + links)).
    what : str
        The request, naming the parameter.
    way_out : str
        What the user can do instead.

    Raises
    ------
    GeoprocInputError
        "<what> needs about H hours of computing; the limit is L hours; <way_out>".
    """
    limit = MAX_SECONDS
    env = os.environ.get("GEOPROC_MAX_SECONDS")
    if env:
        try:
            limit = float(env)
        except ValueError:
            raise GeoprocInputError(f"GEOPROC_MAX_SECONDS={env!r}: give a number of seconds") from None
    seconds = operations / OPERATIONS_PER_SECOND
    if seconds > limit:
        raise GeoprocInputError(
            f"{what} needs about {seconds / 3600:,.1f} hours of computing; the limit is "
            f"{limit / 3600:,.1f} hours (GEOPROC_MAX_SECONDS); {way_out}"
        )


# the hidden partial name geoproc.outputs.part_path gives a file while it is written
_PART_NAME = re.compile(r"^\.(?P<stem>.+)\.part-[0-9a-f]{6}-\d+-[0-9a-f]{8}(?P<suffix>\.[^.]*)?$")


def _final_name(path: str | os.PathLike) -> str:
    """The file the user named: a writer handed a partial file (``.k.part-...tif``) shows ``k.tif``."""
    p = Path(path)
    m = _PART_NAME.match(p.name)
    return os.fspath(p.with_name(m["stem"] + (m["suffix"] or "")) if m else path)


def check_disk(nbytes: float, path: str | os.PathLike, what: str, way_out: str) -> None:
    """Refuse writing ``nbytes`` to ``path`` when its file system has less free space."""
    free = free_disk(path)
    if free is not None and nbytes > free:
        raise GeoprocInputError(
            f"{what} would write about {human(nbytes)} to {_final_name(path)}; only "
            f"{human(free)} is free there; {way_out}"
        )


def distance_csv_bytes(n: int, float32: bool = False, id_chars: int = 8) -> int:
    """Size of the N x N distance CSV: values up to 20,000 km, 6 decimals (3 for float32)."""
    # "1234.567890," = 12 characters (float64, %.6f) or 9 (float32, %.3f) for a
    # typical distance of thousands of km; a row starts with its id
    per = 9 if float32 else 12
    return int(n) * (int(n) * per + id_chars + 1) + int(n) * (id_chars + 1)


def check_distance_matrix(
    n: int,
    *,
    float32: bool = False,
    in_memory: bool = True,
    output: str | os.PathLike | None = None,
    parameter: str = "the points",
) -> None:
    """Refuse an N x N distance matrix that does not fit in memory, or its CSV on disk.

    Parameters
    ----------
    n : int
        Number of points or regions.
    float32 : bool
        Values stored as float32 (4 bytes) rather than float64 (8).
    in_memory : bool
        The whole matrix is held in memory (``distance_matrix``); False for the
        chunked writer, which holds only a block of rows.
    output : path, optional
        The CSV to be written: its size is checked against the free disk.
    parameter : str
        What the user gave (e.g. ``"regions file x.gpkg"``), named in the message.
    """
    item = 4 if float32 else 8
    if in_memory:
        check_memory(
            float(n) ** 2 * item,
            f"a {n:,} x {n:,} distance matrix of {parameter} "
            f"({'float32' if float32 else 'float64'})",
            "write it in blocks to a file (geoproc distances ... -o D.csv; Python: "
            "write_distance_matrix), use float32 (--float32), or give fewer points",
        )
    if output is not None:
        check_disk(
            distance_csv_bytes(n, float32),
            output,
            f"the {n:,} x {n:,} distance matrix of {parameter}",
            "give fewer points, or use --float32 (3 decimals, about a quarter smaller)",
        )


def check_permutations(
    n: int, permutations: int, *, per_site: bool = False, neighbours: int = 0,
    parameter: str = "permutations",
) -> None:
    """Refuse permutation arrays that do not fit in memory.

    Global statistics keep ``permutations x n`` permuted values; local ones
    (``per_site``) keep ``n x permutations`` reference values plus a
    ``permutations x neighbours`` table of drawn ids.
    """
    nbytes = 8.0 * permutations * (n + neighbours) if per_site else 8.0 * permutations * n
    check_memory(
        nbytes,
        f"{parameter} {permutations:,} for {n:,} regions",
        f"use fewer {parameter.lstrip('-')} (999 or 9,999 is usual)",
    )


def check_draws(draws: int, parameters: int, *, parameter: str = "draws") -> None:
    """Refuse ``draws x parameters`` float64 simulation arrays (and 3 effect tables) that do not fit."""
    nbytes = 8.0 * draws * parameters * 4
    check_memory(
        nbytes,
        f"{parameter} {draws:,} for {parameters:,} parameters",
        f"use fewer {parameter.lstrip('-')} (1,000 gives standard errors to about 2 %)",
    )


def check_raster(
    rows: int, cols: int, *, itemsize: int = 4,
    output: str | os.PathLike | None = None, parameter: str = "--pixel",
) -> None:
    """Refuse a raster of ``rows x cols`` cells that does not fit in memory or on disk.

    While computing, a float64 sum and the output grid (``itemsize`` bytes a cell) are
    held at once; the written file is taken as one uncompressed grid (GeoTIFF's worst
    case).
    """
    cells = float(rows) * float(cols)
    what = f"a raster of {rows:,} x {cols:,} = {cells:,.0f} cells"
    way_out = f"use a larger {parameter} or a smaller extent"
    check_memory(cells * (8 + itemsize), what, way_out)
    if output is not None:
        check_disk(cells * itemsize, output, what, way_out)


def check_dense_weights(n: int, *, parameter: str = "the regions") -> None:
    """Refuse a dense N x N float64 weights matrix that does not fit in memory."""
    check_memory(
        8.0 * float(n) ** 2,
        f"dense {n:,} x {n:,} weights of {parameter}",
        "use sparse weights (queen, rook, knn) or a distance cutoff, or fewer regions",
    )


#: bytes a GeoTIFF holds besides its cells: header, tags, tile/strip offsets (generous)
GEOTIFF_OVERHEAD = 64 * 1024


def geotiff_bytes(rows: int, cols: int, itemsize: int = 4) -> int:
    """Size of an uncompressed ``rows x cols`` GeoTIFF band (compression's worst case)."""
    return int(rows) * int(cols) * int(itemsize) + GEOTIFF_OVERHEAD


def check_geotiff_disk(rows: int, cols: int, output: str | os.PathLike, *, itemsize: int = 4,
                       parameter: str = "--pixel") -> None:
    """Refuse writing a ``rows x cols`` GeoTIFF to ``output`` when its disk has less room."""
    check_disk(geotiff_bytes(rows, cols, itemsize), output,
               f"the {rows:,} x {cols:,} raster", f"use a larger {parameter}, a smaller extent or another disk")


def dense_weights_csv_bytes(n: int, links: int, id_chars: int = 8) -> int:
    """Size of the N x N weights CSV: a link's value in at most 22 characters (the shortest
    round-trip repr of a double and its comma), a zero in at most 4 ("0.0,")."""
    n, links = int(n), int(links)
    return links * 22 + (n * n - links) * 4 + (n + 1) * (id_chars + 1)


def check_dense_weights_csv(n: int, links: int, output: str | os.PathLike) -> None:
    """Refuse a full-matrix weights CSV that does not fit in memory (N x N float64) or on disk."""
    check_dense_weights(n, parameter=f"{n:,} regions written to {os.fspath(output)}")
    check_disk(dense_weights_csv_bytes(n, links), output, f"the {n:,} x {n:,} weights matrix",
               "write sparse weights (.gal or .gwt list only the links) or use fewer regions")


def vector_layer_bytes(gdf: Any, text: bool = False) -> int:
    """About the size of ``gdf`` written as a GeoPackage or Shapefile (``text``: GeoJSON).

    16 bytes a coordinate (x, y doubles) plus 15 % for ring headers and SQLite pages, 32
    bytes a numeric cell, the text of string cells, 256 bytes a feature (row, R-tree entry)
    and 256 KB for the GeoPackage's own tables; GeoJSON prints each coordinate as text
    (about 1.7 times the binary size). Measured against real files of the shipped
    provinces, YRD cities and counties: within 10-20 % above.
    """
    import shapely

    coords = int(shapely.get_num_coordinates(gdf.geometry.to_numpy()).sum())
    cells = 0
    for c in gdf.columns:
        if c == gdf.geometry.name:
            continue
        col = gdf[c]
        cells += int(col.astype(str).str.len().sum()) if col.dtype == object else 32 * len(col)
    geometry = coords * 16 * 1.15 * (1.7 if text else 1.0)
    return int(geometry + cells + 256 * len(gdf) + 256 * 1024)


def check_layer_disk(gdf: Any, output: str | os.PathLike, text: bool = False) -> None:
    """Refuse writing ``gdf`` to ``output`` when its disk has less room than :func:`vector_layer_bytes`."""
    check_disk(vector_layer_bytes(gdf, text), output, f"the layer of {len(gdf):,} features",
               "write fewer features or columns, or to another disk")
