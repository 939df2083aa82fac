"""Distance-based weights on great-circle centroid distance: k-nearest and inverse distance.

k-nearest neighbours and inverse distance with a cut-off search a spatial index
(:mod:`geoproc._neighbours`: a k-d tree on unit vectors, then exact distances for the
candidates only), so they never form the N x N distance matrix: 300,000 regions take
seconds. Their neighbours, tie order and distances are those of the dense matrix
(``knn_matrix``/``inverse_distance_matrix`` on :func:`geoproc.distance_matrix`).
Inverse distance without a cut-off is dense by definition (every pair is linked); its
size is checked against the free memory first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from geoproc.errors import GeoprocInputError
from geoproc.weights._inputs import (
    COINCIDENT_KM,
    check_positive,
    check_positive_int,
    distances_km,
    labels,
    load_regions,
)
from geoproc.weights.base import SpatialWeights

__all__ = ["knn_weights", "inverse_distance_weights", "knn_matrix", "inverse_distance_matrix"]


def knn_matrix(d: np.ndarray, k: int) -> sparse.csr_matrix:
    """Binary k-nearest-neighbour matrix from a distance matrix (row i: the k closest j != i).

    Ties at the k-th distance are broken by row order (stable sort), so results
    are reproducible.
    """
    n = d.shape[0]
    dd = np.array(d, dtype=float)  # copy: never touch the caller's matrix
    np.fill_diagonal(dd, np.inf)
    nearest = np.argsort(dd, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(n), k)
    return sparse.csr_matrix((np.ones(n * k), (rows, nearest.ravel())), shape=(n, n))


def inverse_distance_matrix(d: np.ndarray, power: float = 1.0, cutoff_km: float | None = None) -> np.ndarray:
    """Dense ``1 / d**power`` with a zero diagonal, and zero beyond ``cutoff_km``."""
    w = np.array(d, dtype=float)
    np.fill_diagonal(w, np.inf)  # 1/inf = 0 on the diagonal, no division warning
    if cutoff_km is not None:
        w[w > cutoff_km] = np.inf
    if power == 1:
        np.reciprocal(w, out=w)
    else:
        np.power(w, -float(power), out=w)
    return w


def knn_weights(
    regions_or_points: Any, k: int, id: str | None = None, method: str = "geodesic",
    centroid: str = "area",
) -> SpatialWeights:
    """k-nearest neighbours on great-circle distance between centroids (or points).

    Parameters
    ----------
    regions_or_points : GeoDataFrame, path or shipped boundary name
        Polygons (their area centroids are used) or points, with a CRS.
    k : int
        Neighbours per region; the matrix is not symmetric in general.
    id : str, optional
        Id column (default ``code``, else the index).
    method : {"geodesic", "haversine"}
        Distance on the WGS84 ellipsoid or on a sphere.
    centroid : {"area", "representative", "largest"}
        The point standing for a polygon: its area centroid (default) or a point
        guaranteed inside it (see :func:`geoproc.centroids`).

    Returns
    -------
    SpatialWeights
        Binary, ``k`` neighbours in every row.
    """
    from geoproc._neighbours import knn_pairs

    gdf, ids, field = load_regions(regions_or_points, id)
    k = check_positive_int(k, "k", upper=len(ids))
    lon, lat = centroid_lonlat(gdf, ids, field, method, centroid)
    nb, dist = knn_pairs(lon, lat, k, method)
    refuse_coincident(nb[:, 0], dist[:, 0], gdf, ids)
    n = len(ids)
    m = sparse.csr_matrix((np.ones(n * k), nb.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    m.sort_indices()
    return SpatialWeights(m, ids, f"knn{k}", "O",
                          {"id_field": field, "k": k, "distance": method, "centroid": centroid})


def centroid_lonlat(gdf, ids: list, field: str, method: str, centroid: str):
    """Lon/lat of the regions' centroids (points stay themselves), in ``ids`` order, checked."""
    from geoproc.distances import METHODS, points_lonlat
    from geoproc.validation import check_lonlat

    if method not in METHODS:
        raise GeoprocInputError(f"distance method must be one of {', '.join(METHODS)}, not {method!r}")
    got, lon, lat, _ = points_lonlat(gdf, None if field == "index" else field, centroid)
    if list(got) != list(ids):
        pos = {key: i for i, key in enumerate(got)}
        order = np.array([pos[key] for key in ids])
        lon, lat = lon[order], lat[order]
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    check_lonlat(lon, lat, ids)
    return lon, lat


def refuse_coincident(nearest: np.ndarray, km: np.ndarray, gdf, ids: list) -> None:
    """Raise naming the regions whose nearest other region is at distance ~0 (as the dense path)."""
    close = np.flatnonzero(km <= COINCIDENT_KM)
    if close.size == 0:
        return
    names = labels(gdf, ids)
    pairs = sorted({(min(i, int(j)), max(i, int(j))) for i, j in zip(close, nearest[close], strict=True)})
    shown = "; ".join(f"{names[a]} and {names[b]}" for a, b in pairs[:20])
    more = f" (and {len(pairs) - 20} more pairs)" if len(pairs) > 20 else ""
    raise GeoprocInputError(
        f"regions at distance 0 (coincident centroids): {shown}{more}; "
        "distance-based weights need distinct locations"
    )


def check_dense_size(n: int, what: str, hint: str) -> None:
    """Refuse an N x N float64 build (~3 copies while it is built) beyond the memory budget of
    :mod:`geoproc.resources` (free memory, cgroup limit or ``GEOPROC_MAX_MEMORY``)."""
    from geoproc.resources import check_memory

    check_memory(3 * 8.0 * n * n,
                 f"{what} for {n:,} regions (a dense {n:,} x {n:,} matrix, 3 copies while built)", hint)


def inverse_distance_weights(
    regions_or_points: Any,
    power: float = 1,
    cutoff_km: float | None = None,
    id: str | None = None,
    method: str = "geodesic",
    centroid: str = "area",
) -> SpatialWeights:
    """Inverse distance weights ``w_ij = 1 / d_ij**power`` (d in km), zero beyond ``cutoff_km``.

    Parameters
    ----------
    regions_or_points : GeoDataFrame, path or shipped boundary name
        Polygons (their area centroids are used) or points, with a CRS.
    power : float
        Distance decay exponent ``a`` (1 or 2 in the literature).
    cutoff_km : float, optional
        Pairs farther apart than this get no link.
    id : str, optional
        Id column (default ``code``, else the index).
    method : {"geodesic", "haversine"}
        Distance on the WGS84 ellipsoid or on a sphere.
    centroid : {"area", "representative", "largest"}
        The point standing for a polygon: its area centroid (default) or a point
        guaranteed inside it (see :func:`geoproc.centroids`).

    Returns
    -------
    SpatialWeights
        Symmetric, not row-standardised (call ``.row_standardize()``).
    """
    power = check_positive(power, "power")
    if cutoff_km is not None:
        cutoff_km = check_positive(cutoff_km, "cutoff_km", finite=False)
    gdf, ids, field = load_regions(regions_or_points, id)
    meta = {"id_field": field, "power": power, "cutoff_km": cutoff_km, "distance": method,
            "centroid": centroid, "units": "1/km^power"}  # fmt: skip
    if cutoff_km is None:
        check_dense_size(len(ids), "inverse-distance weights without a cut-off",
                         "give cutoff_km (CLI: inverse-distance:POWER:CUTOFF_KM) or use knn:K")
        d = distances_km(gdf, ids, field, method, centroid)
        return SpatialWeights(inverse_distance_matrix(d, power), ids, "inverse-distance", "O", meta)
    w = SpatialWeights(_sparse_inverse_distance(gdf, ids, field, method, centroid, power, cutoff_km),
                       ids, "inverse-distance", "O", meta)  # fmt: skip
    if w.islands:
        import warnings

        names = labels(gdf, ids)
        pos = {k: i for i, k in enumerate(ids)}
        warnings.warn(
            f"inverse-distance weights: no region within {cutoff_km:g} km of "
            f"{', '.join(names[pos[i]] for i in w.islands)}; raise the cut-off",
            UserWarning,
            stacklevel=2,
        )
    return w


def _sparse_inverse_distance(gdf, ids, field, method, centroid, power, cutoff_km) -> sparse.csr_matrix:
    """``1 / d**power`` for the pairs within ``cutoff_km``, from the spatial index.

    The same operations on the same distances as ``inverse_distance_matrix``, so the
    same values.
    """
    from geoproc._neighbours import knn_pairs, pairs_within

    lon, lat = centroid_lonlat(gdf, ids, field, method, centroid)
    nb, km = knn_pairs(lon, lat, 1, method)
    refuse_coincident(nb[:, 0], km[:, 0], gdf, ids)
    indptr, cols, d = pairs_within(lon, lat, cutoff_km, method)
    vals = np.reciprocal(d) if power == 1 else np.power(d, -float(power))
    n = len(ids)
    return sparse.csr_matrix((vals, cols, indptr), shape=(n, n))
