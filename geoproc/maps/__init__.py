"""Self-contained folium HTML maps of geoproc's results.

One export per kind of result -- :func:`lisa_map`, :func:`hotspot_map`,
:func:`choropleth_map` (location quotient, agglomeration, park density),
:func:`points_map`, :func:`raster_map`, :func:`links_map`, :func:`ellipse_map`. Every map has a layer
control, an HTML legend, tooltips with the region's Chinese and English names
(fields ``name_zh``, ``name_en`` when present) and the boundary source's
attribution when it is known (:func:`boundary_attribution`); colours come from
``styles/palettes.json``, the same definition the QML styles are built from.

Safety and size:

* text from the data (region and park names, column values) is HTML-escaped
  everywhere it is shown (tooltips, popups, legend, layer names);
* region outlines are simplified for display with a tolerance of
  :data:`DISPLAY_TOLERANCE_DEG` (0.005° ≈ 0.5 km, shared borders simplified once)
  and coordinates rounded to 5 decimals (≈ 1 m);
* with ``offline=True`` Leaflet, Leaflet.markercluster and jQuery are inlined from
  ``geoproc/_vendor`` and no tile layer is added, so the page needs no network;
  a map with no tiles names its regions itself (a "Names" layer);
* ``basemap=`` picks tiles usable in China (:mod:`~geoproc.maps.basemaps`: ``none``,
  ``osm``, ``gaode``, ``gaode-satellite``, ``tianditu`` with ``tianditu_key``) whatever
  ``offline`` says; on Gaode's GCJ-02 tiles every overlay is shifted into GCJ-02 for
  display and the map says so;
* with ``path`` the page is written atomically and an existing file is refused
  unless ``overwrite=True``. Every export also returns the :class:`folium.Map`.

The package, one concern a module: :mod:`~geoproc.maps.choropleth` (choropleth,
LISA, Gi*), :mod:`~geoproc.maps.points`, :mod:`~geoproc.maps.raster` (KDE overlay),
:mod:`~geoproc.maps.links`; their building blocks :mod:`~geoproc.maps.base` (base
map, tiles, writing, offline inlining), :mod:`~geoproc.maps.layers`,
:mod:`~geoproc.maps.legend`, :mod:`~geoproc.maps.geometry` (checks, display
outlines), :mod:`~geoproc.maps.attribution` and :mod:`~geoproc.maps.html` (escaping).
"""

from __future__ import annotations

from geoproc.maps.attribution import BOUNDARY_ATTRIBUTION, boundary_attribution
from geoproc.maps.base import DEFAULT_TILES, render_html, save_map
from geoproc.maps.basemaps import BASEMAPS
from geoproc.maps.choropleth import KINDS, choropleth_map, hotspot_map, lisa_map
from geoproc.maps.ellipses import ellipse_layer, ellipse_map
from geoproc.maps.geometry import DISPLAY_TOLERANCE_DEG
from geoproc.maps.html import script_json
from geoproc.maps.links import links_map
from geoproc.maps.points import points_map
from geoproc.maps.raster import raster_map

__all__ = [
    "BASEMAPS",
    "BOUNDARY_ATTRIBUTION",
    "DEFAULT_TILES",
    "DISPLAY_TOLERANCE_DEG",
    "KINDS",
    "boundary_attribution",
    "choropleth_map",
    "ellipse_layer",
    "ellipse_map",
    "hotspot_map",
    "links_map",
    "lisa_map",
    "points_map",
    "raster_map",
    "render_html",
    "save_map",
    "script_json",
]
