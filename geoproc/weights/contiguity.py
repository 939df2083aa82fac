"""Contiguity weights: queen (shared vertex) and rook (shared edge), with island handling."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import sparse

from geoproc.errors import GeoprocInputError
from geoproc.weights._inputs import check_positive_int, labels, load_regions
from geoproc.weights.base import SpatialWeights

__all__ = ["queen_weights", "rook_weights", "link_islands"]

ISLAND_OPTIONS = ("warn", "nearest", "keep")


def queen_weights(
    regions: Any,
    id: str | None = None,
    islands: str = "warn",
    k_island: int = 1,
    method: str = "geodesic",
    centroid: str = "area",
) -> SpatialWeights:
    """Queen contiguity: regions sharing at least one boundary vertex are neighbours (w = 1).

    Parameters
    ----------
    regions : GeoDataFrame, path or shipped boundary name
        Polygons with a CRS.
    id : str, optional
        Id column (default ``code``, else the index).
    islands : {"warn", "nearest", "keep"}
        A region with no neighbour (Hainan among China's provinces) is named in a
        warning (``"warn"``), linked to its ``k_island`` nearest regions by
        great-circle centroid distance, in both directions (``"nearest"``), or
        kept silently (``"keep"``).
    k_island : int
        Neighbours given to each island with ``islands="nearest"``.
    method : {"geodesic", "haversine"}
        Centroid distance used for ``islands="nearest"``.
    centroid : {"area", "representative", "largest"}
        The point standing for a polygon: its area centroid (default) or a point
        guaranteed inside it (see :func:`geoproc.centroids`).

    Returns
    -------
    SpatialWeights
        Binary, symmetric; ``meta["islands_found"]`` lists the islands found and
        ``meta["islands_linked"]`` what they were linked to.
    """
    return _contiguity(regions, id, rook=False, islands=islands, k_island=k_island, method=method,
                       centroid=centroid)


def rook_weights(
    regions: Any,
    id: str | None = None,
    islands: str = "warn",
    k_island: int = 1,
    method: str = "geodesic",
    centroid: str = "area",
) -> SpatialWeights:
    """Rook contiguity: regions sharing a boundary edge are neighbours (w = 1).

    Parameters and result as :func:`queen_weights`.
    """
    return _contiguity(regions, id, rook=True, islands=islands, k_island=k_island, method=method,
                       centroid=centroid)


def _contiguity(regions, id, rook, islands, k_island, method, centroid) -> SpatialWeights:
    from libpysal.graph import Graph

    if islands not in ISLAND_OPTIONS:
        raise GeoprocInputError(f"islands must be one of {', '.join(ISLAND_OPTIONS)}; got {islands!r}")
    gdf, ids, field = load_regions(regions, id)
    kind = "rook" if rook else "queen"
    geom = gdf.geometry.reset_index(drop=True)
    # libpysal's vertex-set method (strict=False) is the one Queen/Rook.from_dataframe
    # use; Graph's implementation of it is vectorised.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = Graph.build_contiguity(geom, rook=rook, strict=False)
    m = g.sparse.tocsr()  # rows in geom order 0..n-1
    m = sparse.csr_matrix((np.ones_like(m.data), m.indices, m.indptr), shape=m.shape)
    m.setdiag(0)
    m.eliminate_zeros()
    w = SpatialWeights(m, ids, kind, "O", {"id_field": field, "criterion": "shared edge" if rook
                                           else "shared vertex"})
    found = w.islands
    w.meta["islands_found"] = found
    if not found:
        return w
    names = labels(gdf, ids)
    pos = {k: i for i, k in enumerate(ids)}
    named = ", ".join(names[pos[k]] for k in found)
    if islands == "warn":
        warnings.warn(
            f"{kind} weights: {len(found)} region(s) with no neighbour (island): {named}; "
            "pass islands='nearest' (CLI: --islands nearest) to link each to its nearest region",
            UserWarning,
            stacklevel=3,
        )
        return w
    if islands == "keep":
        return w
    k_island = check_positive_int(k_island, "k_island", upper=len(ids))
    return link_islands(w, None, k_island, names, nearest=_island_neighbours(
        gdf, ids, field, method, centroid, [pos[key] for key in found], k_island))


def _island_neighbours(gdf, ids, field, method, centroid, rows: list[int], k: int) -> dict:
    """The ``k`` nearest regions of each island row, from the spatial index (no N x N matrix).

    The same regions, in the same order (ties by row order), as ``link_islands`` picks
    from the dense distance matrix; coincident centroids are refused as there.
    """
    from geoproc._neighbours import knn_pairs
    from geoproc.weights.distance_based import centroid_lonlat, refuse_coincident

    lon, lat = centroid_lonlat(gdf, ids, field, method, centroid)
    first, km = knn_pairs(lon, lat, 1, method)
    refuse_coincident(first[:, 0], km[:, 0], gdf, ids)
    nb, _ = knn_pairs(lon, lat, k, method, which=np.asarray(rows))
    return dict(zip(rows, nb.tolist(), strict=True))


def link_islands(w: SpatialWeights, d: np.ndarray | None, k: int = 1, names: list | None = None,
                 nearest: dict[int, list[int]] | None = None) -> SpatialWeights:  # fmt: skip
    """Link every island of ``w`` to its ``k`` nearest regions in ``d`` (km), both ways, w = 1.

    Ties at the k-th distance are broken by row order (stable sort). ``nearest``
    (island row -> its nearest rows, e.g. from a spatial index) replaces ``d``.
    """
    names = names or [str(i) for i in w.ids]
    m = w.sparse.tolil()
    linked = {}
    pos = {k_: i for i, k_ in enumerate(w.ids)}
    for island in w.islands:
        i = pos[island]
        if nearest is not None:
            near = nearest[i][:k]
        else:
            row = d[i].astype(float).copy()
            row[i] = np.inf
            near = np.argsort(row, kind="stable")[:k]
        for j in near:
            m[i, j] = 1.0
            m[j, i] = 1.0
        linked[island] = [w.ids[j] for j in near]
    meta = dict(w.meta)
    meta["islands_linked"] = linked
    meta["islands_linked_names"] = "; ".join(
        f"{names[pos[i]]} -> {', '.join(names[pos[j]] for j in js)}" for i, js in linked.items()
    )
    meta["islands_linked_by"] = f"{k} nearest by centroid distance"
    return SpatialWeights(m.tocsr(), w.ids, w.kind, w.transform, meta)
