"""Region layers drawn on a map: filled polygons with name tooltips."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from geoproc.maps.geometry import display_geometries, feature_collection
from geoproc.maps.html import esc, fmt_value, region_label

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["LABEL_FIELDS", "PX_PER_MM", "label_layer", "region_layer", "region_tooltip"]

#: fields a region's map label is taken from, first found wins (short Chinese names first)
LABEL_FIELDS = ("short_zh", "name_zh", "name_en", "name")

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

    from geoproc.maps.basemaps import display_datum
    from geoproc.palettes import general_settings

    outline = general_settings()["outline"]
    geoms = display_geometries(gdf.geometry.to_numpy(), tolerance, display_datum(m))
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
    if not getattr(m, "_geoproc_tiles", True):
        label_layer(m, gdf)


def label_layer(m: folium.Map, gdf: gpd.GeoDataFrame, name: str = "Names") -> bool:
    """Region names at a point inside each region, for maps with no basemap to name places.

    Labels are plain text (escaped) in a layer of their own that the layer control can
    hide; they take no clicks, so the regions' tooltips still work. Returns whether the
    layer had a name field to label with.
    """
    import folium

    from geoproc.maps.basemaps import display_datum, shift_points
    from geoproc.maps.html import esc

    field = next((f for f in LABEL_FIELDS if f in gdf.columns), None)
    if field is None:
        return False
    pts = gdf.geometry.representative_point()
    x, y = shift_points(pts.x.to_numpy(), pts.y.to_numpy(), display_datum(m))
    group = folium.FeatureGroup(name=name, control=True)
    for xi, yi, text in zip(x, y, gdf[field], strict=True):
        if text is None or (isinstance(text, float) and text != text):
            continue
        folium.Marker(
            [round(float(yi), 5), round(float(xi), 5)],
            icon=folium.DivIcon(html=f'<div class="geoproc-label">{esc(text)}</div>',
                                icon_size=(0, 0), icon_anchor=(0, 0), class_name="geoproc-label-icon"),
            interactive=False,
        ).add_to(group)
    group.add_to(m)
    return True
