"""The map itself: the fitted base map and tiles, the layer control, writing the page
(atomically, optionally with every script inlined for offline use)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from geoproc.errors import GeoprocInputError
from geoproc.maps.legend import LEGEND_CSS

if TYPE_CHECKING:
    import folium

__all__ = ["DEFAULT_TILES", "base_map", "check_html_path", "finish", "render_html", "save_map"]

#: Basemap for online maps (offline maps have none).
DEFAULT_TILES = "OpenStreetMap"


def check_html_path(path: str | os.PathLike | None, overwrite: bool) -> Path | None:
    """Refuse a non-HTML output name (e.g. a column name passed by mistake) or an existing file."""
    if path is None:
        return None
    from geoproc.outputs import check_output

    p = Path(path)
    if p.suffix.lower() not in {".html", ".htm"}:
        raise GeoprocInputError(f"map output {p} must end in .html")
    return check_output(p, overwrite)


def base_map(bounds: Sequence[float], offline: bool, tiles: str | None, basemap: str | None = None,
             tianditu_key: str | None = None) -> folium.Map:
    """A folium map fitted to ``bounds`` (minx, miny, maxx, maxy in lon/lat WGS84).

    ``basemap`` (see :mod:`geoproc.maps.basemaps`) picks the tiles, whatever
    ``offline`` says (which then only inlines the scripts); without it, as before,
    offline maps get no tiles and online ones ``tiles``. On a GCJ-02 basemap (Gaode)
    the map remembers to shift every overlay into GCJ-02 and says so in a note. A map
    with no tiles labels its regions (see :func:`geoproc.maps.layers.region_layer`).
    """
    import folium
    from branca.element import Element

    from geoproc.maps.basemaps import DATUM_NOTE, add_basemap, get_basemap, shift_points

    choice = get_basemap(basemap, tianditu_key) if basemap is not None else None
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=6,
        tiles=None,
        control_scale=True,
        # Leaflet.markercluster needs the map's maxZoom, which folium leaves to the tile layer
        **{"maxZoom": 18},
    )
    m._geoproc_tiles = False
    if choice is not None:
        if choice.name != "none":
            add_basemap(m, choice, tianditu_key)
            m._geoproc_tiles = True
    elif tiles and not offline:
        folium.TileLayer(tiles, name="Basemap", control=True).add_to(m)
        m._geoproc_tiles = True
    datum = getattr(m, "_geoproc_datum", "wgs84")
    (minx, maxx), (miny, maxy) = shift_points([minx, maxx], [miny, maxy], datum)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    m.get_root().header.add_child(Element(LEGEND_CSS), name="geoproc_legend_css")
    if datum != "wgs84":
        from geoproc.maps.html import esc

        note = esc(DATUM_NOTE.format(name=choice.label))
        m.get_root().html.add_child(
            Element(f'<div class="geoproc-datum-note" id="geoproc-datum-note">{note}</div>'),
            name="geoproc_datum_note")
    return m


def finish(m: folium.Map, path: str | os.PathLike | None, offline: bool, overwrite: bool) -> folium.Map:
    """Add the layer control and, if ``path`` is given, write the page atomically."""
    import folium

    folium.LayerControl(collapsed=False).add_to(m)
    if path is not None:
        save_map(m, path, offline=offline, overwrite=overwrite)
    return m


def render_html(m: folium.Map, offline: bool = False) -> str:
    """The page as a string; with ``offline`` every script and stylesheet is inlined."""
    html = m.get_root().render()
    if offline:
        from geoproc._vendor import inline_html

        html = inline_html(html)
    return html


def save_map(m: folium.Map, path: str | os.PathLike, offline: bool = False,
             overwrite: bool = False) -> Path:
    """Write a folium map to ``path`` atomically (refusing an existing file unless ``overwrite``).

    Parameters
    ----------
    m : folium.Map
    path : str or os.PathLike
        ``.html`` output.
    offline : bool
        Inline Leaflet and the other scripts and stylesheets (vendored in
        ``geoproc/_vendor``) so the file works with no internet.
    overwrite : bool
        Replace an existing file.
    """
    from geoproc.outputs import atomic_output

    target = check_html_path(path, overwrite)
    html = render_html(m, offline)
    with atomic_output(target, overwrite) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target
