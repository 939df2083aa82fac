"""Regions coloured by a value: choropleths, LISA cluster and Gi* hot-spot maps."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.maps.attribution import add_attribution, attribution_for
from geoproc.maps.base import DEFAULT_TILES, base_map, check_html_path, finish
from geoproc.maps.geometry import DISPLAY_TOLERANCE_DEG, check_regions, require_column, row_name
from geoproc.maps.layers import region_layer, region_tooltip
from geoproc.maps.legend import Legend

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["KINDS", "choropleth_layers", "choropleth_map", "hotspot_map", "lisa_map"]

#: kind -> palette name in styles/palettes.json
KINDS: dict[str, str] = {
    "lisa": "lisa",
    "hotspot": "hotspot",
    "lq": "lq",
    "agglomeration": "agglomeration",
    "density": "density",
}


def choropleth_map(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike | None = None,
    column: str | None = None,
    *,
    kind: str = "lq",
    breaks: Sequence[float] | None = None,
    title: str | None = None,
    tooltip_columns: Sequence[str] = (),
    attribution: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
    overwrite: bool = False,
    basemap: str | None = None,
    tianditu_key: str | None = None,
) -> folium.Map:
    """Regions coloured by ``column`` with the palette of ``kind``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Region polygons in any CRS.
    path : str or os.PathLike, optional
        ``.html`` file to write; ``None`` only returns the map.
    column : str, optional
        Column to map; default the palette's field (``cluster``, ``hotspot``, ``lq``,
        ``cul``, ``density_per_1000km2``).
    kind : {"lisa", "hotspot", "lq", "agglomeration", "density"}
        Palette: categorized for ``lisa``/``hotspot`` (values must be the palette's
        categories), graduated with the palette's fixed breaks otherwise.
    breaks : sequence of float, optional
        Other class bounds for a graduated kind, one more than its colours.
    title : str, optional
        Legend title; default the palette's.
    tooltip_columns : sequence of str
        More columns to show in the tooltips.
    attribution : str, optional
        Source of the boundaries; default ``gdf.attrs["attribution"]``, else
        :data:`BOUNDARY_ATTRIBUTION` if the regions are geoproc's shipped boundaries
        (recognised by code and outline, see :func:`boundary_attribution`), else none.
        ``""`` for none.
    tolerance : float
        Display simplification in degrees (:data:`DISPLAY_TOLERANCE_DEG`); 0 keeps
        the geometries as they are.
    offline : bool
        Inline all scripts and styles, no basemap: the file works without internet.
    tiles : str or None
        folium basemap for online maps.
    overwrite : bool
        Replace an existing ``path``.
    basemap : {"none", "osm", "gaode", "gaode-satellite", "tianditu"}, optional
        Tiles under the map (:mod:`geoproc.maps.basemaps`), added even with ``offline``
        (which then only inlines the scripts); on Gaode every overlay is shifted into
        GCJ-02 for display. Default: ``tiles`` online, none offline.
    tianditu_key : str, optional
        Your Tianditu key, needed by ``basemap="tianditu"``.

    Returns
    -------
    folium.Map

    Raises
    ------
    GeoprocInputError
        Unknown kind or column, a category not in the palette, wrong number of
        breaks, bad geometries (naming the regions); nothing is written.
    """
    check_html_path(path, overwrite)
    m, legend = choropleth_layers(gdf, column, kind, breaks, title, tooltip_columns, tolerance,
                                  offline, tiles, basemap, tianditu_key)
    legend.add_to(m)
    add_attribution(m, attribution_for(gdf, attribution))
    return finish(m, path, offline, overwrite)


def choropleth_layers(gdf: Any, column: str | None, kind: str, breaks: Sequence[float] | None,
                title: str | None, tooltip_columns: Sequence[str], tolerance: float,
                offline: bool, tiles: str | None, basemap: str | None = None,
                tianditu_key: str | None = None) -> tuple[folium.Map, Legend]:
    """The choropleth map and its legend (not yet added), for choropleth_map and points_map."""
    from geoproc.palettes import general_settings, get_palette

    if kind not in KINDS:
        raise GeoprocInputError(f"map kind {kind!r} unknown; use one of {', '.join(KINDS)}")
    pal = get_palette(KINDS[kind])
    column = column or pal.field
    regions = check_regions(gdf)
    require_column(regions, column)
    for c in tooltip_columns:
        require_column(regions, c)
    no_data = general_settings()["no_data"]
    values = regions[column]
    legend = Legend()
    if pal.type == "categorized":
        cmap = pal.color_map()
        labels = values.astype(object).where(values.notna(), None)
        unknown = sorted({str(v) for v in labels if v is not None and str(v) not in cmap})
        if unknown:
            raise GeoprocInputError(
                f"column {column!r} has values {', '.join(map(repr, unknown[:10]))} that are not "
                f"{pal.title} categories ({', '.join(cmap)})"
            )
        colors = [cmap[str(v)] if v is not None else no_data["color"] for v in labels]
        counts = {c.value: int(sum(str(v) == c.value for v in labels if v is not None)) for c in pal.categories}
        items = [(f"{c.label} ({counts[c.value]})", c.color) for c in pal.categories
                 if counts[c.value] or not c.optional]
    else:
        try:
            num = values.astype(float).to_numpy()
        except (TypeError, ValueError):
            raise GeoprocInputError(f"column {column!r} must be numeric for a {kind} map") from None
        b = pal.breaks if breaks is None else tuple(float(x) for x in breaks)
        if len(b) != len(pal.colors) + 1 or np.any(np.diff(b) <= 0):
            raise GeoprocInputError(
                f"breaks for a {kind} map: give {len(pal.colors) + 1} increasing values, got {list(b)}"
            )
        cls = pal.classify(num, b)
        out = np.flatnonzero((cls < 0) & np.isfinite(num))
        if out.size:
            names = ", ".join(f"{row_name(regions, i)} ({num[i]:g})" for i in out[:10])
            raise GeoprocInputError(f"column {column!r}: values outside the classes {list(b)} for {names}")
        colors = [pal.colors[k] if k >= 0 else no_data["color"] for k in cls]
        lab = pal.class_labels() if breaks is None else _labels(b)
        counts = np.bincount(cls[cls >= 0], minlength=len(pal.colors))
        items = [(f"{lb} ({n})", c) for lb, c, n in zip(lab, pal.colors, counts, strict=True)]
    if any(c == no_data["color"] for c in colors):
        items.append((no_data["label"], no_data["color"]))
    legend.categories(title or f"{pal.title} ({column})", items)
    tips = [
        region_tooltip(row, i, [(column, row[column])] + [(c, row[c]) for c in tooltip_columns])
        for i, (_, row) in enumerate(regions.iterrows())
    ]
    m = base_map(regions.total_bounds, offline, tiles, basemap, tianditu_key)
    region_layer(m, regions, colors, tips, f"{pal.title} ({column})", tolerance)
    return m, legend


def _labels(b: Sequence[float]) -> list[str]:
    from geoproc.palettes import Palette

    p = Palette("custom", "", "graduated", None, "", breaks=tuple(b), colors=("",) * (len(b) - 1))
    return p.class_labels()


def lisa_map(gdf: gpd.GeoDataFrame, path: str | os.PathLike | None = None,
             column: str = "cluster", **kwargs: Any) -> folium.Map:
    """LISA cluster map (High-High, Low-Low, Low-High, High-Low, Not significant).

    ``gdf`` is the result of :func:`geoproc.local_moran` (column ``cluster``); the other
    arguments are those of :func:`choropleth_map`. The tooltips also show the local
    statistic, its z-value and pseudo p-value (``lisa_I``, ``lisa_z``, ``lisa_p``) when
    present.
    """
    kwargs.setdefault("tooltip_columns", [c for c in ("lisa_I", "lisa_z", "lisa_p") if c in gdf.columns])
    return choropleth_map(gdf, path, column, kind="lisa", **kwargs)


def hotspot_map(gdf: gpd.GeoDataFrame, path: str | os.PathLike | None = None,
                column: str = "hotspot", **kwargs: Any) -> folium.Map:
    """Getis-Ord Gi* hot/cold spot map (bins "Hot spot 99%" ... "Cold spot 99%").

    ``gdf`` is the result of :func:`geoproc.getis_ord` (column ``hotspot``); the other
    arguments are those of :func:`choropleth_map`. Tooltips also show ``gi_z`` and
    ``gi_p`` when present. The default legend title says how the bins were inferred
    (z under normality or permutations, the weights), from ``gdf.attrs``.
    """
    from geoproc.hotspots import inference_label
    from geoproc.palettes import get_palette

    how = inference_label(getattr(gdf, "attrs", {}))
    if how and not kwargs.get("title"):
        kwargs["title"] = f"{get_palette('hotspot').title} ({how})"
    kwargs.setdefault("tooltip_columns", [c for c in ("gi_z", "gi_p", "gi_p_fdr") if c in gdf.columns])
    return choropleth_map(gdf, path, column, kind="hotspot", **kwargs)


