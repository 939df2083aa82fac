"""Great-circle distance matrices between regions or points, in kilometres.

Two methods (METHODS.md §1):

- ``"geodesic"``: the shortest path on the WGS84 ellipsoid, agreeing with
  ``pyproj.Geod(ellps="WGS84").inv`` (Karney's algorithm) to well under 1 mm.
- ``"haversine"``: the great circle on a sphere of mean radius 6371.0088 km (the
  IUGG mean radius R1 of WGS84); up to ~0.5 % off the ellipsoid, but fast.

Polygons are reduced to their area centroids first (:func:`geoproc.centroids`).
Every result says which method it used (``DataFrame.attrs["method"]``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.progress import ProgressCallback, report
from geoproc.validation import check_ids, check_lonlat

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EARTH_MEAN_RADIUS_KM",
    "check_no_coincident",
    "coincident_pairs",
    "distance_matrix",
    "pairwise_distances",
    "points_lonlat",
    "write_distance_matrix",
]

#: IUGG mean Earth radius R1 = (2a + b) / 3 for WGS84, in km
EARTH_MEAN_RADIUS_KM = 6371.0088
METHODS = ("geodesic", "haversine")
DTYPES = ("float64", "float32")

Method = Literal["geodesic", "haversine"]

# rows per block when a full matrix is built from blocks: bounds the temporaries
# (a few arrays of _BLOCK_ROWS * N float64) whatever N is
_BLOCK_PAIRS = 2_000_000


def _check_args(method: str, dtype: Any) -> np.dtype:
    if method not in METHODS:
        raise GeoprocInputError(f"distance method must be one of {', '.join(METHODS)}, not {method!r}")
    dt = np.dtype(dtype)
    if dt.name not in DTYPES:
        raise GeoprocInputError(f"dtype must be float64 or float32, not {dtype!r}")
    return dt


def _haversine_block(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km on the mean-radius sphere, rows x columns.

    Computed as atan2(|n1 x n2|, n1 . n2) from per-point sines and cosines (no trig per
    pair): the textbook haversine's asin(sqrt(h)) loses ~10 cm near antipodes, this
    form is accurate to rounding everywhere and as fast.
    """
    p1, l1 = np.radians(lat1)[:, None], np.radians(lon1)[:, None]
    p2, l2 = np.radians(lat2)[None, :], np.radians(lon2)[None, :]
    return sphere_km(np.sin(p1), np.cos(p1), np.sin(l1), np.cos(l1),
                     np.sin(p2), np.cos(p2), np.sin(l2), np.cos(l2))


def sphere_km(s1, c1, sl1, cl1, s2, c2, sl2, cl2) -> np.ndarray:
    """Great-circle km from the sines and cosines of latitude (s, c) and longitude (sl, cl)
    of both ends (broadcast). The one formula of the dense matrix and of the sparse
    neighbour pairs (``geoproc._neighbours.pair_km``), so both give the same bits."""
    # sin and cos of the longitude difference from the angle-difference identities
    sdl = sl2 * cl1 - cl2 * sl1
    cdl = cl2 * cl1 + sl2 * sl1
    a = c2 * sdl
    b = c1 * s2 - s1 * c2 * cdl
    dot = s1 * s2 + c1 * c2 * cdl
    return EARTH_MEAN_RADIUS_KM * np.arctan2(np.sqrt(a * a + b * b), dot)


def _geodesic_block_pyproj(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in km between every row point and every column point, by pyproj."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    a = np.broadcast_to(np.asarray(lon1, float)[:, None], (len(lon1), len(lon2)))
    b = np.broadcast_to(np.asarray(lat1, float)[:, None], a.shape)
    c = np.broadcast_to(np.asarray(lon2, float)[None, :], a.shape)
    d = np.broadcast_to(np.asarray(lat2, float)[None, :], a.shape)
    _, _, dist = geod.inv(a.ravel(), b.ravel(), c.ravel(), d.ravel())
    return np.asarray(dist).reshape(a.shape) / 1000.0


def _geodesic_rect(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distances (km) rows x columns: the compiled kernel if available, else pyproj."""
    from geoproc import _geodesic

    if not _geodesic.available():
        return _geodesic_block_pyproj(lon1, lat1, lon2, lat2)
    out = np.empty((len(lon1), len(lon2)))
    _geodesic.fill_rect(lon1, lat1, lon2, lat2, out)
    return out


def _rect(lon1, lat1, lon2, lat2, method: str) -> np.ndarray:
    if method == "haversine":
        return _haversine_block(lon1, lat1, lon2, lat2)
    return _geodesic_rect(lon1, lat1, lon2, lat2)


def _block_rows(n: int) -> int:
    return max(1, _BLOCK_PAIRS // max(n, 1))


def pairwise_distances(
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    method: Method = "geodesic",
    dtype: str | np.dtype = "float64",
    labels: Sequence | None = None,
) -> np.ndarray:
    """N x N matrix of distances in km between points given as lon/lat degrees.

    Parameters
    ----------
    lon, lat : array-like of float
        Longitudes and latitudes in degrees (WGS84).
    method : {"geodesic", "haversine"}
        WGS84 ellipsoid geodesic (as ``pyproj.Geod(ellps="WGS84").inv``), or a sphere of
        radius 6371.0088 km.
    dtype : {"float64", "float32"}
        Storage type of the result; float32 halves the memory and keeps ~1 m at 10,000 km.
        The distances are always computed in float64.
    labels : sequence, optional
        Names for the points, used in error messages.

    Returns
    -------
    numpy.ndarray
        Symmetric, zero diagonal, shape (N, N).

    Raises
    ------
    GeoprocInputError
        NaN, out-of-range or swapped coordinates (naming the rows), or an unknown
        method/dtype.
    """
    dt = _check_args(method, dtype)
    lon = np.asarray(lon, dtype=np.float64).ravel()
    lat = np.asarray(lat, dtype=np.float64).ravel()
    if lon.shape != lat.shape:
        raise GeoprocInputError(f"lon has {lon.size} values but lat has {lat.size}")
    check_lonlat(lon, lat, labels)
    n = lon.size
    out = np.zeros((n, n), dtype=dt)
    if method == "geodesic":
        from geoproc import _geodesic

        if _geodesic.available():
            _geodesic.fill_matrix(lon, lat, out)
            return out
    step = _block_rows(n)
    for i0 in range(0, n, step):
        i1 = min(n, i0 + step)
        # upper triangle only (columns from i0); the lower is its mirror
        block = _rect(lon[i0:i1], lat[i0:i1], lon[i0:], lat[i0:], method)
        out[i0:i1, i0:] = block
        out[i0:, i0:i1] = block.T
    np.fill_diagonal(out, 0.0)
    return out


def points_lonlat(
    regions_or_points: Any, id: str | None = None, how: str = "area"
) -> tuple[list, np.ndarray, np.ndarray, str]:
    """Ids, lon, lat and the centroid method of regions, points or a lon/lat table.

    Accepts a GeoDataFrame (polygons become their centroids, see
    :func:`geoproc.centroids`; points pass through), a shipped layer name or a vector
    file path (read by :func:`geoproc.boundaries.read_regions`), or a plain DataFrame
    with ``lon`` and ``lat`` columns. Ids come from column ``id`` if given, else
    ``code``, else ``id``, else the index.
    """
    import geopandas as gpd
    import pandas as pd

    from geoproc.centroid import centroids

    obj = regions_or_points
    if isinstance(obj, str | os.PathLike):
        from geoproc.boundaries import read_regions

        obj = read_regions(obj, id=id)
    if isinstance(obj, gpd.GeoDataFrame):
        if id is None and "code" not in obj.columns and "id" in obj.columns:
            id = "id"
        cen = centroids(obj, how=how, id=id)
        methods = set(cen["method"])
        return list(cen["id"]), cen["lon"].to_numpy(), cen["lat"].to_numpy(), "/".join(sorted(methods))
    if isinstance(obj, pd.DataFrame):
        missing = [c for c in ("lon", "lat") if c not in obj.columns]
        if missing:
            raise GeoprocInputError(
                f"points table has no column {', '.join(map(repr, missing))}; "
                f"columns are {', '.join(map(str, obj.columns))}"
            )
        if id is not None:
            if id not in obj.columns:
                raise GeoprocInputError(
                    f"points table has no column {id!r}; columns are {', '.join(map(str, obj.columns))}"
                )
            ids, column = obj[id].tolist(), id
        else:
            column = next((c for c in ("code", "id") if c in obj.columns), None)
            ids = obj[column].tolist() if column else obj.index.tolist()
        check_ids(ids, "points", column or "index")
        coords = []
        for col in ("lon", "lat"):
            values = pd.to_numeric(obj[col], errors="coerce")
            text = np.flatnonzero(values.isna().to_numpy() & obj[col].notna().to_numpy())
            if text.size:
                rows = ", ".join(f"{ids[i]} (row {i}: {obj[col].iloc[i]!r})" for i in text[:10])
                raise GeoprocInputError(f"points table: column {col!r} is not a number at {rows}")
            coords.append(values.to_numpy(dtype=float))
        return ids, coords[0], coords[1], "point"
    raise GeoprocInputError(
        "expected a GeoDataFrame of regions or points, a shipped layer name or vector file, "
        f"or a DataFrame with lon and lat columns; got {type(obj).__name__}"
    )


def distance_matrix(
    regions_or_points: Any,
    method: Method = "geodesic",
    id: str | None = None,
    dtype: str | np.dtype = "float64",
    how: Literal["area", "representative", "largest"] = "area",
) -> pd.DataFrame:
    """Distances in km between all pairs of regions (their centroids) or points.

    Parameters
    ----------
    regions_or_points : GeoDataFrame, DataFrame, str or path
        Polygons (reduced to centroids, see :func:`geoproc.centroids`), points, in any
        CRS; a shipped layer name (``"china_provinces"``) or a vector file path; or a
        table with ``lon``/``lat`` columns in WGS84 degrees.
    method : {"geodesic", "haversine"}
        WGS84 ellipsoid geodesic (default) or spherical haversine (R = 6371.0088 km).
    id : str, optional
        Column with the ids that label rows and columns; default ``code``, then ``id``,
        then the index.
    dtype : {"float64", "float32"}
        Storage type of the matrix.
    how : {"area", "representative", "largest"}
        Which point stands for a polygon (see :func:`geoproc.centroids`; ``"largest"``
        suits archipelagic regions such as Hainan).

    Returns
    -------
    pandas.DataFrame
        Square, index and columns the ids (index name ``id``); ``attrs`` has
        ``method``, ``units`` (``"km"``) and ``centroids`` (which point was used).

    Raises
    ------
    GeoprocInputError
        Missing CRS, bad ids, bad geometries, coordinates that are not lon/lat.
    """
    import pandas as pd

    dt = _check_args(method, dtype)
    ids, lon, lat, cen = points_lonlat(regions_or_points, id, how)
    from geoproc.resources import check_distance_matrix

    check_distance_matrix(len(ids), float32=dt == np.float32, parameter="the regions or points")
    d = pairwise_distances(lon, lat, method=method, dtype=dt, labels=ids)
    index = pd.Index(ids, name="id")
    df = pd.DataFrame(d, index=index, columns=pd.Index(ids), copy=False)
    df.attrs.update({"method": method, "units": "km", "centroids": cen})
    return df


def write_distance_matrix(
    points: Any,
    path: str | os.PathLike,
    method: Method = "geodesic",
    chunk_rows: int | None = None,
    dtype: str | np.dtype = "float64",
    overwrite: bool = False,
    id: str | None = None,
    how: Literal["area", "representative", "largest"] = "area",
    float_format: str | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write the distance matrix (km) as CSV, a block of rows at a time.

    Memory stays at ``chunk_rows x N`` values, so N may be far larger than an N x N
    matrix in memory allows. The file appears only when complete (written to a
    temporary name, then moved).

    Parameters
    ----------
    points : GeoDataFrame, DataFrame, str or path
        As for :func:`distance_matrix`.
    path : path-like
        Output CSV: first column ``id``, header row of the same ids in the same order.
    method : {"geodesic", "haversine"}
    chunk_rows : int, optional
        Rows computed and written per block; default keeps a block near 2 million values.
    dtype : {"float64", "float32"}
        float32 rounds values to float32 before writing.
    overwrite : bool
        Replace an existing file.
    id, how
        As for :func:`distance_matrix`.
    float_format : str, optional
        printf format of the values; default ``"%.6f"`` (1 mm) for float64 and ``"%.3f"``
        (1 m) for float32.
    progress : callable, optional
        Called with the fraction of rows written (0 to 1) after each block
        (:mod:`geoproc.progress`); returning ``False`` raises
        :class:`geoproc.progress.Cancelled` and no file is written.

    Returns
    -------
    pathlib.Path
        The written file.
    """

    from geoproc.outputs import atomic_output, check_output

    dt = _check_args(method, dtype)
    source = points if isinstance(points, str | os.PathLike) else None
    check_output(path, overwrite, inputs={"points": source})  # never the input itself
    if Path(path).suffix.lower() not in (".csv", ".txt"):
        raise GeoprocInputError(
            f"output {os.fspath(path)}: the distance matrix is written as CSV; name it .csv "
            "(Excel and every statistics package open it)")
    ids, lon, lat, _ = points_lonlat(points, id, how)
    check_lonlat(lon, lat, ids)
    n = len(ids)
    from geoproc.resources import check_distance_matrix

    # the file, not the matrix, must fit: on the disk of the output's folder
    check_distance_matrix(n, float32=dt == np.float32, in_memory=False, output=path,
                          parameter="the regions or points")
    if chunk_rows is None:
        chunk_rows = _block_rows(n)
    if chunk_rows < 1:
        raise GeoprocInputError(f"chunk_rows must be at least 1, not {chunk_rows}")
    if float_format is None:
        float_format = "%.6f" if dt == np.float64 else "%.3f"
    starts = range(0, n, chunk_rows)
    # one printf per row: pandas' to_csv formats value by value in Python (~3 us each),
    # ten times slower at 10^8 values
    row_format = ",".join([float_format] * n) + "\n"
    cells = [_csv_cell(i) for i in ids]
    with atomic_output(path, overwrite, inputs={"points": source}) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write("id," + ",".join(cells) + "\n")
            for i0 in starts:
                i1 = min(n, i0 + chunk_rows)
                block = _rect(lon[i0:i1], lat[i0:i1], lon, lat, method)
                # exact zeros on the diagonal, as in distance_matrix
                rows = np.arange(i0, i1)
                block[rows - i0, rows] = 0.0
                values = block.astype(dt, copy=False).tolist()
                fh.writelines(
                    cells[i0 + r] + "," + row_format % tuple(v) for r, v in enumerate(values)
                )
                report(progress, i1 / n)  # Cancelled leaves the file unwritten
    return Path(path)


def _csv_cell(value: Any) -> str:
    """A CSV field, quoted as the csv module would when it holds a comma, quote or newline."""
    text = str(value)
    if any(c in text for c in ',"\n\r'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _as_matrix(dist: Any, ids: Sequence | None) -> tuple[np.ndarray, list]:
    import pandas as pd

    if isinstance(dist, pd.DataFrame):
        arr = dist.to_numpy()
        labels = list(dist.index) if ids is None else list(ids)
    else:
        arr = np.asarray(dist)
        labels = list(range(arr.shape[0])) if ids is None else list(ids)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise GeoprocInputError(f"distance matrix must be square, got shape {arr.shape}")
    if len(labels) != arr.shape[0]:
        raise GeoprocInputError(f"{len(labels)} ids for a {arr.shape[0]} x {arr.shape[0]} matrix")
    return arr, labels


def coincident_pairs(
    dist: pd.DataFrame | np.ndarray, ids: Sequence | None = None, tol: float = 0.0
) -> list[tuple]:
    """Pairs of different regions at distance ``<= tol`` (default: exactly 0).

    Parameters
    ----------
    dist : DataFrame or ndarray
        Square distance matrix; a DataFrame's index gives the ids.
    ids : sequence, optional
        Ids for the rows of an array (default 0..N-1), or to override a DataFrame's index.
    tol : float
        Distances at or below this count as coincident (same units as ``dist``).

    Returns
    -------
    list of tuple
        ``(id_i, id_j)`` with i < j in row order; empty if there are none.
    """
    arr, labels = _as_matrix(dist, ids)
    i, j = np.nonzero(np.triu(arr <= tol, k=1))
    return [(labels[a], labels[b]) for a, b in zip(i.tolist(), j.tolist(), strict=True)]


def check_no_coincident(
    dist: pd.DataFrame | np.ndarray, ids: Sequence | None = None, tol: float = 0.0
) -> None:
    """Raise :class:`GeoprocInputError` naming every pair of different regions at d <= tol.

    Inverse-distance and gravity weights divide by d_ij, so two regions sharing a
    centroid (duplicated polygons, or points geocoded to the same place) are bad input.
    """
    pairs = coincident_pairs(dist, ids, tol)
    if pairs:
        shown = "; ".join(f"{a} and {b}" for a, b in pairs[:20])
        more = f" (and {len(pairs) - 20} more pairs)" if len(pairs) > 20 else ""
        raise GeoprocInputError(
            f"regions at distance 0 (coincident centroids): {shown}{more}; "
            "distance-based weights need distinct locations"
        )
