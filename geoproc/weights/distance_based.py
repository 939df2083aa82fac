"""Distance-based weights on great-circle centroid distance: k-nearest and inverse distance."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from geoproc.weights._inputs import check_positive, check_positive_int, distances_km, load_regions
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
    gdf, ids, field = load_regions(regions_or_points, id)
    k = check_positive_int(k, "k", upper=len(ids))
    d = distances_km(gdf, ids, field, method, centroid)
    return SpatialWeights(knn_matrix(d, k), ids, f"knn{k}", "O",
                          {"id_field": field, "k": k, "distance": method, "centroid": centroid})


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
    d = distances_km(gdf, ids, field, method, centroid)
    w = SpatialWeights(inverse_distance_matrix(d, power, cutoff_km), ids, "inverse-distance", "O",
                       {"id_field": field, "power": power, "cutoff_km": cutoff_km,
                        "distance": method, "centroid": centroid, "units": "1/km^power"})
    if cutoff_km is not None and w.islands:
        import warnings

        from geoproc.weights._inputs import labels

        names = labels(gdf, ids)
        pos = {k: i for i, k in enumerate(ids)}
        warnings.warn(
            f"inverse-distance weights: no region within {cutoff_km:g} km of "
            f"{', '.join(names[pos[i]] for i in w.islands)}; raise the cut-off",
            UserWarning,
            stacklevel=2,
        )
    return w
