"""Spatial-weight links as lines between region centroids."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.maps.attribution import add_attribution, attribution_for
from geoproc.maps.base import DEFAULT_TILES, base_map, check_html_path, finish
from geoproc.maps.basemaps import display_datum
from geoproc.maps.geometry import (
    DISPLAY_TOLERANCE_DEG,
    check_regions,
    display_geometries,
    feature_collection,
)
from geoproc.maps.html import esc, fmt_value, region_label
from geoproc.maps.layers import PX_PER_MM, region_layer, region_tooltip
from geoproc.maps.legend import Legend

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["links_map"]


def links_map(
    regions: gpd.GeoDataFrame,
    weights: Any,
    path: str | os.PathLike | None = None,
    *,
    id: str | None = None,
    title: str | None = None,
    max_links: int = 20_000,
    attribution: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
    overwrite: bool = False,
    basemap: str | None = None,
    tianditu_key: str | None = None,
) -> folium.Map:
    """Spatial-weight links as lines between region centroids, coloured and sized by strength.

    The lines are :func:`geoproc.weights.links_frame`'s (the layer the QGIS plugin
    writes): one per pair of linked regions, valued by the stronger of ``w_ij`` and
    ``w_ji`` (the tooltip shows both) and classed by ``weight_scaled``, the value
    divided by the largest one, with the ``weight_links`` palette (fifths of 0 – 1),
    whatever the kind of weights.

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        Region polygons with an id column.
    weights : SpatialWeights or anything :func:`geoproc.as_weights` accepts
        Non-negative weights; ids must be the regions' ids (any order).
    path : str or os.PathLike, optional
        ``.html`` file to write.
    id : str, optional
        Id column of ``regions``; default ``code`` if present, else the index.
    max_links : int
        Refuse weights with more linked pairs than this (a dense gravity matrix of
        thousands of regions makes a page no browser can draw).
    title, attribution, tolerance, offline, tiles, overwrite, basemap, tianditu_key
        As in :func:`choropleth_map`.

    Returns
    -------
    folium.Map

    Raises
    ------
    GeoprocInputError
        A negative weight (naming the pair), ids that differ from the regions', more
        than ``max_links`` pairs; nothing is written.
    """
    import folium
    import scipy.sparse

    from geoproc.palettes import get_palette
    from geoproc.validation import region_ids
    from geoproc.weights import as_weights, links_frame

    check_html_path(path, overwrite)
    reg = check_regions(regions)
    ids = region_ids(reg, id)
    w = as_weights(weights)
    size = abs(w.sparse)
    n_pairs = int(scipy.sparse.triu(size + size.T, k=1).count_nonzero())  # counted before any line is built
    if n_pairs > max_links:
        raise GeoprocInputError(
            f"weights have {n_pairs} links, more than a web map can draw usefully "
            f"(max_links={max_links}); use a sparser matrix (k-nearest, a distance cut-off)"
        )
    links = links_frame(w, reg, id=id)
    pal = get_palette("weight_links")
    shown = links[pal.field].to_numpy(float)
    top = float(links["weight"].max()) if len(links) else 0.0
    cls = pal.classify(shown)
    order = np.argsort(shown, kind="stable")  # strong links drawn last, on top
    pos = {k: i for i, k in enumerate(ids)}
    labels = [region_label(r, fallback=ids[i]) for i, (_, r) in enumerate(reg.iterrows())]
    mp = base_map(reg.total_bounds, offline, tiles, basemap, tianditu_key)
    # rounded coordinates, shifted like the regions on a GCJ-02 basemap
    lines = display_geometries(links.geometry.to_numpy(), 0, display_datum(mp))
    src, dst = links["from_id"].tolist(), links["to_id"].tolist()
    w_ft, w_tf = links["w_from_to"].tolist(), links["w_to_from"].tolist()
    feats, props = [], []
    for k in order:
        a, b = labels[pos[src[k]]], labels[pos[dst[k]]]
        tip = (f"{a} → {b}: {esc(fmt_value(w_ft[k]))}<br>"
               f"{b} → {a}: {esc(fmt_value(w_tf[k]))}")
        c = int(cls[k])
        feats.append(lines[k])
        props.append({"_tip": tip, "_color": pal.colors[c],
                      "_width": round(pal.widths_mm[c] * PX_PER_MM, 2)})

    tips = [region_tooltip(row, ids[i], []) for i, (_, row) in enumerate(reg.iterrows())]
    region_layer(mp, reg, ["#f7f7f7"] * len(reg), tips, "Regions", tolerance, fill_opacity=0.7)
    name = title or f"{pal.title} ({w.kind}, {len(feats)} links)"
    if feats:
        folium.GeoJson(
            feature_collection(feats, props), name=esc(name),
            style_function=lambda f: {"color": f["properties"]["_color"],
                                      "weight": f["properties"]["_width"], "opacity": 0.9},
            highlight_function=lambda f: {"color": "#000000"},
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
        ).add_to(mp)
    legend = Legend()
    lab = pal.class_labels()
    counts = np.bincount(cls[cls >= 0], minlength=len(pal.colors))
    legend.categories(
        name,
        [(f"{lb} ({n})", c) for lb, c, n in zip(lab, pal.colors, counts, strict=True)],
        line=True, widths_px=[wm * PX_PER_MM for wm in pal.widths_mm],
        note=f"classes of weight / largest weight ({top:.4g}); weight: the larger of w_ij, w_ji",
    )
    legend.add_to(mp)
    add_attribution(mp, attribution_for(regions, attribution))
    return finish(mp, path, offline, overwrite)
