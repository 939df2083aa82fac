"""Standard deviational ellipses on a web map: one outline per year or type, light to dark."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from geoproc.maps.attribution import add_attribution, attribution_for
from geoproc.maps.base import DEFAULT_TILES, base_map, check_html_path, finish
from geoproc.maps.geometry import (
    COORD_DECIMALS,
    DISPLAY_TOLERANCE_DEG,
    check_regions,
    feature_collection,
    require_column,
)
from geoproc.maps.html import esc, fmt_value
from geoproc.maps.layers import PX_PER_MM, region_layer, region_tooltip
from geoproc.maps.legend import Legend

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["ellipse_layer", "ellipse_map"]

_TIP_FIELDS = (("n", "parks"), ("major_m", "semi-major axis (km)"), ("minor_m", "semi-minor axis (km)"),
               ("rotation_deg", "azimuth of the major axis (°)"), ("area_km2", "area (km²)"),
               ("shift_km", "centre moved (km)"))


def _frame(ellipses: Any, column: str | None) -> tuple[gpd.GeoDataFrame, str]:
    """The ellipses as a lon/lat GeoDataFrame with the group as column ``column``."""
    import geopandas as gpd

    from geoproc.errors import GeoprocInputError
    from geoproc.pattern import EllipseResult

    if isinstance(ellipses, EllipseResult):
        key = ellipses.by or "group"
        gdf = ellipses.ellipses.reset_index(names=key)
    elif isinstance(ellipses, gpd.GeoDataFrame):
        gdf = ellipses
        key = column or next(c for c in gdf.columns if c != gdf.geometry.name)
    else:
        raise GeoprocInputError(
            f"ellipses: expected an EllipseResult or a GeoDataFrame, got {type(ellipses).__name__}")
    require_column(gdf, key, "ellipses")
    return check_regions(gdf, "ellipses"), key


def ellipse_layer(m: folium.Map, ellipses: Any, column: str | None = None,
                  name: str = "Standard deviational ellipses") -> list[tuple[str, str]]:
    """Draw the ellipses (outlines, no fill) and their centres on ``m``.

    Parameters
    ----------
    m : folium.Map
    ellipses : EllipseResult or geopandas.GeoDataFrame
        From :func:`geoproc.standard_deviational_ellipse`, or its layer read back.
    column : str, optional
        Group column of a GeoDataFrame (default: its first column).
    name : str
        Layer name in the layer control.

    Returns
    -------
    list of (str, str)
        ``(group label, colour)`` per ellipse, in order, for a legend.
    """
    import folium

    from geoproc.pattern.ellipse import group_colours

    gdf, key = _frame(ellipses, column)
    colours = group_colours(len(gdf))
    tips = []
    for _, row in gdf.iterrows():
        lines = [f"<b>{esc(key)} {esc(fmt_value(row[key]))}</b>"]
        for col, label in _TIP_FIELDS:
            if col in row and fmt_value(row[col]) != "no data":
                value = row[col] / 1e3 if col.endswith("_m") else row[col]
                lines.append(f"{esc(label)}: {esc(fmt_value(value))}")
        tips.append("<br>".join(lines))
    import shapely

    from geoproc.maps.basemaps import display_datum, shift_points, to_display

    datum = display_datum(m)  # GCJ-02 on a Gaode basemap
    geoms = shapely.transform(to_display(gdf.geometry.to_numpy(), datum), lambda xy: xy.round(COORD_DECIMALS))
    props = [{"_tip": t, "_colour": c} for t, c in zip(tips, colours, strict=True)]
    group = folium.FeatureGroup(name=esc(name), show=True)
    folium.GeoJson(
        feature_collection(geoms, props),
        style_function=lambda f: {"color": f["properties"]["_colour"], "weight": round(0.8 * PX_PER_MM, 2),
                                  "fill": False},
        highlight_function=lambda f: {"weight": 5},
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
    ).add_to(group)
    if {"centre_lon", "centre_lat"} <= set(gdf.columns):
        cx, cy = shift_points(gdf["centre_lon"].to_numpy(float), gdf["centre_lat"].to_numpy(float), datum)
        for colour, tip, lon, lat in zip(colours, tips, cx, cy, strict=True):
            folium.CircleMarker([round(float(lat), COORD_DECIMALS), round(float(lon), COORD_DECIMALS)],
                                radius=4, color="#ffffff", weight=1, fill=True, fill_color=colour,
                                fill_opacity=1, tooltip=folium.Tooltip(tip, sticky=True)).add_to(group)
    group.add_to(m)
    return [(f"{key} {fmt_value(v)}", c) for v, c in zip(gdf[key], colours, strict=True)]


def ellipse_map(
    ellipses: Any,
    path: str | os.PathLike | None = None,
    *,
    regions: gpd.GeoDataFrame | None = None,
    column: str | None = None,
    title: str = "Standard deviational ellipses",
    attribution: str | None = None,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
    overwrite: bool = False,
    basemap: str | None = None,
    tianditu_key: str | None = None,
) -> folium.Map:
    """A web map of standard deviational ellipses over the study regions.

    Parameters
    ----------
    ellipses : EllipseResult or geopandas.GeoDataFrame
        From :func:`geoproc.standard_deviational_ellipse` (any CRS; drawn in lon/lat).
    path : str or os.PathLike, optional
        ``.html`` file to write.
    regions : geopandas.GeoDataFrame, optional
        Regions drawn in light grey under the ellipses.
    column : str, optional
        Group column of a GeoDataFrame (default: its first column).
    title : str
        Legend title and layer name.
    attribution, offline, tiles, overwrite, basemap, tianditu_key
        As in :func:`geoproc.maps.choropleth_map` (on a Gaode basemap the ellipses and
        centres are shifted into GCJ-02 for display).

    Returns
    -------
    folium.Map
    """
    check_html_path(path, overwrite)
    gdf, key = _frame(ellipses, column)
    bounds = gdf.total_bounds
    if regions is not None:
        reg = check_regions(regions)
        bounds = reg.total_bounds
        m = base_map(bounds, offline, tiles, basemap, tianditu_key)
        tips = [region_tooltip(row, i, []) for i, (_, row) in enumerate(reg.iterrows())]
        region_layer(m, reg, ["#f0f0f0"] * len(reg), tips, "Regions", DISPLAY_TOLERANCE_DEG, fill_opacity=0.6)
        add_attribution(m, attribution_for(regions, attribution))
    else:
        m = base_map(bounds, offline, tiles, basemap, tianditu_key)
    items = ellipse_layer(m, gdf, key, title)
    legend = Legend()
    legend.categories(title, items, line=True, widths_px=[3.0] * len(items),
                      note="Outline: the ellipse; dot: the mean centre. Light to dark: first to last group.")
    legend.add_to(m)
    return finish(m, path, offline, overwrite)
