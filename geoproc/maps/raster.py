"""A density raster (kernel density's GeoTIFF) as a coloured image overlay."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.maps.attribution import add_attribution, attribution_for
from geoproc.maps.base import DEFAULT_TILES, base_map, check_html_path, finish
from geoproc.maps.basemaps import display_datum, shift_points
from geoproc.maps.geometry import (
    DISPLAY_TOLERANCE_DEG,
    check_regions,
    display_geometries,
    feature_collection,
)
from geoproc.maps.html import esc, fmt_value
from geoproc.maps.layers import label_layer, region_tooltip
from geoproc.maps.legend import Legend

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["raster_map"]


def raster_map(
    tif_path: str | os.PathLike,
    path: str | os.PathLike | None = None,
    regions: gpd.GeoDataFrame | None = None,
    *,
    band: int = 1,
    vmax: float | None = None,
    max_size: int = 1024,
    opacity: float = 0.85,
    title: str | None = None,
    attribution: str | None = None,
    raster_attribution: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
    overwrite: bool = False,
    basemap: str | None = None,
    tianditu_key: str | None = None,
) -> folium.Map:
    """A density raster (e.g. :func:`geoproc.kernel_density`'s GeoTIFF) as an image overlay.

    The raster is read with rasterio, reprojected (bilinear) to Web Mercator
    (EPSG:3857, the map's own projection, so the image lines up) at most
    ``max_size`` pixels on a side, and coloured with the ``kde`` palette: stops at
    fractions of ``vmax``, fully transparent at zero and on nodata.

    Parameters
    ----------
    tif_path : str or os.PathLike
        Single-band raster with a CRS.
    path : str or os.PathLike, optional
        ``.html`` file to write.
    regions : geopandas.GeoDataFrame, optional
        Region outlines drawn over the raster (with name tooltips).
    band : int
        Band to show.
    vmax : float, optional
        Value drawn with the last colour; default the raster's maximum.
    max_size : int
        Largest image side in pixels (keeps the page light).
    opacity : float
        Overlay opacity.
    title : str, optional
        Legend title; default "Kernel density" with the band description.
    attribution, raster_attribution : str, optional
        Sources of the boundaries and of the raster.
    tolerance, offline, tiles, overwrite, basemap, tianditu_key
        As in :func:`choropleth_map`. On a GCJ-02 basemap the image's corners are
        shifted (the offset varies by a few metres across a province: under a pixel).

    Returns
    -------
    folium.Map
    """
    import folium
    import rasterio
    from pyproj import Transformer
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from geoproc.palettes import get_palette

    check_html_path(path, overwrite)
    tif = os.fspath(tif_path)
    if not os.path.exists(tif):
        raise FileNotFoundError(f"raster {tif} not found")
    pal = get_palette("kde")
    _check_readable(tif)
    with rasterio.open(tif) as src:
        if src.crs is None:
            raise GeoprocInputError(f"raster {tif} has no coordinate reference system")
        if not 1 <= band <= src.count:
            raise GeoprocInputError(f"raster {tif} has {src.count} band(s); band {band} does not exist")
        data = src.read(band, masked=True).astype("float64").filled(np.nan)
        desc = src.descriptions[band - 1] if src.descriptions else None
        dst_crs = "EPSG:3857"
        transform, width, height = calculate_default_transform(
            src.crs, dst_crs, src.width, src.height, *src.bounds)
        scale = max(width, height) / max_size
        if scale > 1:
            width, height = max(1, int(round(width / scale))), max(1, int(round(height / scale)))
            transform, width, height = calculate_default_transform(
                src.crs, dst_crs, src.width, src.height, *src.bounds, dst_width=width, dst_height=height)
        out = np.full((height, width), np.nan)
        reproject(data, out, src_transform=src.transform, src_crs=src.crs, src_nodata=np.nan,
                  dst_transform=transform, dst_crs=dst_crs, dst_nodata=np.nan,
                  resampling=Resampling.bilinear)
    finite = data[np.isfinite(data)]
    top = float(finite.max()) if finite.size else float("nan")
    vmax = top if vmax is None else float(vmax)
    if not np.isfinite(vmax) or vmax <= 0:
        raise GeoprocInputError(f"raster {tif}: no positive values to colour (maximum {top})")
    rgba = pal.ramp_rgba(out / vmax)
    # north-up output grid: corners from the coefficients (no rotation terms)
    x0, y1 = transform.c, transform.f
    x1, y0 = transform.c + transform.a * width, transform.f + transform.e * height
    to_ll = Transformer.from_crs(dst_crs, "EPSG:4326", always_xy=True)
    (w, e), (s, n) = (lambda lon, lat: ((lon[0], lon[1]), (lat[0], lat[1])))(*to_ll.transform([x0, x1], [y0, y1]))

    if regions is not None:
        reg = check_regions(regions)
        bounds = reg.total_bounds
    else:
        reg = None
        bounds = (w, s, e, n)
    m = base_map(bounds, offline, tiles, basemap, tianditu_key)
    (w, e), (s, n) = shift_points(np.array([w, e]), np.array([s, n]), display_datum(m))
    name = title or "Kernel density"
    folium.raster_layers.ImageOverlay(
        image=rgba, bounds=[[s, w], [n, e]], name=esc(name), opacity=opacity,
        interactive=False, zindex=1, mercator_project=False,
    ).add_to(m)
    if reg is not None:
        tips = [region_tooltip(row, i, []) for i, (_, row) in enumerate(reg.iterrows())]
        geoms = display_geometries(reg.geometry.to_numpy(), tolerance, display_datum(m))
        props = [{"_tip": t} for t in tips]
        folium.GeoJson(
            feature_collection(geoms, props), name="Regions",
            style_function=lambda f: {"fillOpacity": 0.0, "color": "#444444", "weight": 1},
            highlight_function=lambda f: {"weight": 3, "color": "#000000"},
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
        ).add_to(m)
        if not m._geoproc_tiles:
            label_layer(m, reg)
        add_attribution(m, attribution_for(regions, attribution))
    add_attribution(m, raster_attribution)
    legend = Legend()
    stops = [(s.at, f"rgba({int(c[0])},{int(c[1])},{int(c[2])},{s.alpha / 255:.2f})")
             for s, c in zip(pal.stops, pal.ramp_rgba([s.at for s in pal.stops]), strict=True)]
    # the gradient is linear in value: labels at its start, middle and end
    legend.ramp(name, stops, ["0", fmt_value(vmax / 2), fmt_value(vmax)], note=(desc or None))
    legend.add_to(m)
    return finish(m, path, offline, overwrite)


def _check_readable(tif: str) -> None:
    """A CSV or a PNG under a raster's name: a named error, not a RasterioIOError."""
    import rasterio

    try:
        rasterio.open(tif).close()
    except rasterio.errors.RasterioIOError as exc:
        raise GeoprocInputError(f"raster {tif} is not a raster GDAL can read ({exc})") from None
