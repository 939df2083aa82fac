"""Region layers drawn on a map: filled polygons with name tooltips."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from geoproc.maps.geometry import display_geometries, feature_collection
from geoproc.maps.html import esc, fmt_value, region_label

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["PX_PER_MM", "region_layer", "region_tooltip"]

PX_PER_MM = 96 / 25.4  # CSS pixels per millimetre


def region_tooltip(row: Any, ident: Any, extra: Sequence[tuple[str, Any]]) -> str:
    head = region_label(row, fallback=ident)
    lines = [head] if head else []
    lines += [f"{esc(k)}: {esc(fmt_value(v))}" for k, v in extra]
    return "<br>".join(lines)


def region_layer(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    colors: Sequence[str],
    tips: Sequence[str],
    name: str,
    tolerance: float,
    fill_opacity: float = 0.85,
) -> None:
    import folium

    from geoproc.palettes import general_settings

    outline = general_settings()["outline"]
    geoms = display_geometries(gdf.geometry.to_numpy(), tolerance)
    props = [{"_tip": t, "_fill": c} for t, c in zip(tips, colors, strict=True)]
    weight = round(outline["width_mm"] * PX_PER_MM * 1.5, 2)  # screen lines look thinner than print
    folium.GeoJson(
        feature_collection(geoms, props),
        name=esc(name),
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": outline["color"],
            "weight": weight,
            "fillOpacity": fill_opacity,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
        smooth_factor=0.5,
    ).add_to(m)


