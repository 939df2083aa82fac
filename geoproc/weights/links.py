"""Spatial-weight links as lines: one per linked pair of regions, centroid to centroid.

The one place where a weights matrix becomes a drawable line layer, used by the HTML
map (:func:`geoproc.maps.links_map`) and the QGIS plugin's weights tool, so both show
the same pairs with the same values and refuse the same bad input.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["links_frame"]


def links_frame(
    weights: Any,
    regions: gpd.GeoDataFrame,
    id: str | None = None,
    centroid: Literal["area", "representative", "largest"] = "area",
) -> gpd.GeoDataFrame:
    """One line per pair of linked regions, from centroid to centroid.

    A pair ``(i, j)`` is linked when ``w_ij`` or ``w_ji`` is non-zero; it gives one
    line, whatever the direction(s) of the link, from the region that comes first in
    ``regions`` to the other.

    Parameters
    ----------
    weights : SpatialWeights or anything :func:`geoproc.as_weights` accepts
        Non-negative weights whose ids are the regions' ids (any order).
    regions : geopandas.GeoDataFrame
        Region polygons in any CRS.
    id : str, optional
        Id column of ``regions``; default ``code`` if present, else the index.
    centroid : {"area", "representative", "largest"}
        Line ends: area centroids (may fall outside a crescent-shaped region; that is
        fine for a line end) or points guaranteed inside the region
        (see :func:`geoproc.centroids`).

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326, one row per linked pair, ordered by the position of ``from_id``
        then ``to_id`` in ``regions``, with columns

        ``from_id``, ``to_id``
            The two regions' ids.
        ``w_from_to``, ``w_to_from``
            ``w_ij`` and ``w_ji`` (0 where the link runs one way only).
        ``weight``
            The larger of the two.
        ``weight_scaled``
            ``weight`` divided by the largest ``weight`` of all pairs, so the
            strongest link is 1 and the classes of the ``weight_links`` style span
            0 – 1 whatever the kind of weights (binary, row-standardised, gravity).

    Raises
    ------
    GeoprocInputError
        A negative weight (naming the two regions), ids that differ between the
        weights and the regions (listed), bad region geometries.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geoproc.centroid import CentroidOutsideWarning, centroids
    from geoproc.validation import region_ids
    from geoproc.weights.base import as_weights

    ids = region_ids(regions, id)
    w = as_weights(weights).align(ids, what="regions")
    m = w.sparse.tocsr().astype(float)
    m.eliminate_zeros()  # a stored zero is no link
    coo = m.tocoo()
    neg = np.flatnonzero(coo.data < 0)
    if neg.size:
        k = int(neg[0])
        raise GeoprocInputError(
            f"weights: negative weight {coo.data[k]:g} from {ids[coo.row[k]]} to {ids[coo.col[k]]}; "
            f"links need weights of 0 or more"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CentroidOutsideWarning)
        cent = centroids(regions, how=centroid, id=id)
    xy = np.column_stack([cent["lon"].to_numpy(float), cent["lat"].to_numpy(float)])

    # every pair once: the upper triangle of the symmetrised pattern (|W| + |W|^T)
    pattern = (m + m.T).tocoo()
    keep = pattern.row < pattern.col
    i, j = pattern.row[keep], pattern.col[keep]
    order = np.lexsort((j, i))
    i, j = i[order], j[order]
    w_ij = np.asarray(m[i, j]).ravel() if i.size else np.zeros(0)
    w_ji = np.asarray(m[j, i]).ravel() if i.size else np.zeros(0)
    weight = np.maximum(w_ij, w_ji)
    top = float(weight.max()) if weight.size else 0.0
    scaled = weight / top if top > 0 else weight.copy()
    id_arr = pd.Index(ids).to_numpy()  # keeps integer ids integers in the files written
    lines = shapely.linestrings(np.stack([xy[i], xy[j]], axis=1)) if i.size else []
    return gpd.GeoDataFrame(
        {
            "from_id": id_arr[i],
            "to_id": id_arr[j],
            "w_from_to": w_ij,
            "w_to_from": w_ji,
            "weight": weight,
            "weight_scaled": scaled,
        },
        geometry=gpd.GeoSeries(list(lines), crs="EPSG:4326"),
        crs="EPSG:4326",
    )
