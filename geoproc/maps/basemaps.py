"""Web basemaps usable in China, and the datum overlays must be drawn in on each.

``none`` (the default for files handed on: no tiles, nothing fetched), ``osm``
(OpenStreetMap), ``gaode`` and ``gaode-satellite`` (AutoNavi/Amap, reachable in
mainland China) and ``tianditu`` (the national platform's vector map and its
annotation layer; needs the user's key from https://console.tianditu.gov.cn).
Tile URLs come from xyzservices' provider definitions where they exist
(``OpenStreetMap.Mapnik``, ``Gaode.Normal``, ``Gaode.Satellite``); Tianditu is not
in xyzservices and is defined here after its WMTS documentation.

Gaode's tiles are in GCJ-02 (China's offset datum): a WGS84 point drawn on them sits
a few hundred metres off. On those basemaps every overlay is shifted into GCJ-02 for
display (:func:`to_display`, :func:`geoproc.datums.from_wgs84`) and the map says so;
the data and every file written stay in WGS84. Tianditu serves CGCS2000, which
agrees with WGS84 to well under a metre, so nothing is shifted there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import folium

__all__ = ["BASEMAPS", "DATUM_NOTE", "Basemap", "add_basemap", "display_datum", "get_basemap", "to_display"]

#: the note shown on a map whose overlays were shifted into GCJ-02
DATUM_NOTE = ("Overlays shifted from WGS84 to GCJ-02 to line up with the {name} basemap "
              "(display only; the data stay in WGS84).")

_TIANDITU = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
             "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
             "&TILECOL={{x}}&tk={{key}}")


@dataclass(frozen=True)
class Basemap:
    """A basemap choice: its tile layers (URL template, attribution), datum and key need."""

    name: str
    label: str
    datum: str  # "wgs84" or "gcj02": the datum overlays are drawn in
    providers: tuple[str, ...] = ()  # xyzservices names
    urls: tuple[str, ...] = ()  # own URL templates (Tianditu)
    attribution: str = ""
    needs_key: bool = False
    subdomains: str = ""
    max_zoom: int = 18


BASEMAPS: dict[str, Basemap] = {
    "none": Basemap("none", "no basemap", "wgs84"),
    "osm": Basemap("osm", "OpenStreetMap", "wgs84", providers=("OpenStreetMap.Mapnik",)),
    "gaode": Basemap("gaode", "Gaode (Amap)", "gcj02", providers=("Gaode.Normal",)),
    "gaode-satellite": Basemap("gaode-satellite", "Gaode (Amap) satellite", "gcj02",
                               providers=("Gaode.Satellite",)),
    "tianditu": Basemap("tianditu", "Tianditu", "wgs84",
                        urls=(_TIANDITU.format(layer="vec"), _TIANDITU.format(layer="cva")),
                        attribution='&copy; <a href="https://www.tianditu.gov.cn/">Tianditu</a> '
                                    "(National Platform for Common Geospatial Information Services)",
                        needs_key=True, subdomains="01234567"),
}


def get_basemap(name: str | None, key: str | None = None) -> Basemap:
    """The basemap called ``name`` (``None``: ``"none"``), checking Tianditu's key."""
    b = BASEMAPS.get(str(name or "none").lower())
    if b is None:
        raise GeoprocInputError(f"basemap {name!r} unknown; choose one of {', '.join(BASEMAPS)}")
    if b.needs_key and not key:
        raise GeoprocInputError(
            f"basemap {b.name} needs your key (tianditu_key / --tianditu-key); "
            "get one free at https://console.tianditu.gov.cn")
    return b


def _provider(dotted: str) -> dict:
    import xyzservices.providers as xyz

    p = xyz
    for part in dotted.split("."):
        p = p[part]
    return {"tiles": p.build_url(), "attr": p.get("html_attribution") or p.get("attribution", ""),
            "max_zoom": int(p.get("max_zoom", 18)), "name": p.get("name", dotted)}


def tile_layers(b: Basemap, key: str | None = None) -> list[dict]:
    """The basemap's tile layers as folium.TileLayer keyword arguments (URL template, attribution)."""
    out = [_provider(p) for p in b.providers]
    for k, url in enumerate(b.urls):
        # "{key}" is filled here; "{s}", "{x}", "{y}", "{z}" stay for Leaflet
        out.append({"tiles": url.replace("{key}", str(key)), "attr": b.attribution if k == 0 else "",
                    "max_zoom": b.max_zoom, "name": f"{b.label} ({'map' if k == 0 else 'labels'})",
                    "subdomains": b.subdomains, "overlay": k > 0})
    return out


def add_basemap(m: folium.Map, b: Basemap, key: str | None = None) -> None:
    """Add ``b``'s tiles to ``m`` and remember the datum overlays must be drawn in."""
    import folium

    for kw in tile_layers(b, key):
        extra = {"subdomains": kw["subdomains"]} if kw.get("subdomains") else {}
        folium.TileLayer(kw["tiles"], attr=kw["attr"] or b.label, name=kw["name"], max_zoom=kw["max_zoom"],
                         overlay=kw.get("overlay", False), control=True, **extra).add_to(m)
    m._geoproc_datum = b.datum  # read by display_datum
    m._geoproc_basemap = b


def display_datum(m: Any) -> str:
    """The datum overlays on ``m`` are drawn in (``"wgs84"`` unless the basemap is GCJ-02)."""
    return getattr(m, "_geoproc_datum", "wgs84")


def to_display(geoms: Any, datum: str) -> np.ndarray:
    """Shapely geometries (lon/lat WGS84) shifted into ``datum`` for display on its tiles."""
    import shapely

    arr = np.asarray(geoms, dtype=object)
    if datum == "wgs84":
        return arr
    from geoproc.datums import from_wgs84

    def shift(xy: np.ndarray) -> np.ndarray:
        x, y = from_wgs84(xy[:, 0], xy[:, 1], datum)
        return np.column_stack([x, y])

    return shapely.transform(arr, shift)


def shift_points(lon: np.ndarray, lat: np.ndarray, datum: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat arrays shifted into ``datum`` for display (unchanged for WGS84)."""
    if datum == "wgs84" or len(lon) == 0:
        return np.asarray(lon, float), np.asarray(lat, float)
    from geoproc.datums import from_wgs84

    return from_wgs84(np.asarray(lon, float), np.asarray(lat, float), datum)
