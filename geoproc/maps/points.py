"""Points (parks, firms) over the regions, as clustered markers read by read_points."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from geoproc.maps.attribution import add_attribution, attribution_for
from geoproc.maps.base import DEFAULT_TILES, base_map, check_html_path, finish
from geoproc.maps.basemaps import display_datum, shift_points
from geoproc.maps.choropleth import choropleth_layers
from geoproc.maps.geometry import DISPLAY_TOLERANCE_DEG, check_regions, require_column
from geoproc.maps.html import esc, fmt_value, script_json
from geoproc.maps.layers import region_layer, region_tooltip
from geoproc.maps.legend import Legend

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["points_map"]

_NAME = ("name", "name_zh", "name_en", "park", "名称")

#: Leaflet.markercluster's default bubble colours (MarkerCluster.Default.css): fill, ring
CLUSTER_LEGEND = (
    ("cluster of 2-9 parks", "#6ecc39", "#b5e28c"),
    ("cluster of 10-99 parks", "#f0c20c", "#f1d357"),
    ("cluster of 100 or more", "#f18017", "#fd9c73"),
)


def _context_outlines(m: Any, x: Any, y: Any, tolerance: float) -> None:
    """Faint province outlines (geoproc's shipped ones) under points drawn with no regions."""
    from shapely.geometry import box

    from geoproc.boundaries import load_boundaries
    from geoproc.errors import GeoprocInputError

    try:
        prov = load_boundaries("china_provinces")
    except GeoprocInputError:  # data not installed: the points alone
        return
    near = prov[prov.intersects(box(x.min() - 1, y.min() - 1, x.max() + 1, y.max() + 1))]
    if len(near):
        tips = [region_tooltip(row, i, []) for i, (_, row) in enumerate(near.iterrows())]
        region_layer(m, near, ["#ffffff"] * len(near), tips, "Provinces", tolerance, fill_opacity=0.0)


def _read(points: Any, lon: str | None, lat: str | None, datum: str, encoding: str | None):
    """The points' attributes (no geometry) and WGS84 lon/lat, read by :func:`read_points`
    (the same encodings, column aliases, datums and messages as everywhere in geoproc)."""
    import pandas as pd

    from geoproc.errors import GeoprocInputError
    from geoproc.points import read_points

    if not isinstance(points, (str, os.PathLike, pd.DataFrame)):
        raise GeoprocInputError(
            f"points must be a GeoDataFrame, DataFrame or file path, got {type(points).__name__}"
        )
    pts = read_points(points, lon=lon or "lon", lat=lat or "lat", datum=datum, encoding=encoding)
    attrs = pd.DataFrame(pts.drop(columns=pts.geometry.name))
    return attrs, pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()


def points_map(
    regions: gpd.GeoDataFrame | None,
    points: Any,
    path: str | os.PathLike | None = None,
    *,
    column: str | None = None,
    kind: str = "density",
    lon: str | None = None,
    lat: str | None = None,
    datum: str = "wgs84",
    encoding: str | None = None,
    name_column: str | None = None,
    popup_columns: Sequence[str] | None = None,
    title: str = "Cluster parks",
    attribution: str | None = None,
    points_attribution: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
    overwrite: bool = False,
    basemap: str | None = None,
    tianditu_key: str | None = None,
) -> folium.Map:
    """Park points over the regions, as clustered markers (Leaflet.markercluster).

    Parameters
    ----------
    regions : geopandas.GeoDataFrame or None
        Region polygons drawn under the points; with ``column`` coloured as
        :func:`choropleth_map` with ``kind`` (e.g. the output of
        :func:`geoproc.point_density` with ``density_per_1000km2``).
    points : GeoDataFrame, DataFrame or path
        Anything :func:`geoproc.read_points` reads: a table with lon/lat columns, a
        CSV/TSV/Excel file (UTF-8 or GBK), any point layer; a layer is reprojected.
    path : str or os.PathLike, optional
        ``.html`` file to write.
    column, kind
        Choropleth of the regions (optional).
    lon, lat : str, optional
        Coordinate columns of a table; default found by name as :func:`geoproc.read_points`
        does (lon/lng/longitude/x/经度...; lat/latitude/y/纬度...).
    datum : {"wgs84", "gcj02", "bd09"}
        Datum of the coordinates (Amap/Tencent: "gcj02", Baidu: "bd09"), converted to WGS84.
    encoding : str, optional
        Text encoding of a CSV file; default detected (UTF-8 with or without BOM, else GBK).
    name_column : str, optional
        Column shown in the marker tooltip; default the first of name, name_zh, name_en.
    popup_columns : sequence of str, optional
        Attributes shown in the popup; default all columns.
    title : str
        Legend entry and layer name for the points.
    attribution, points_attribution : str, optional
        Sources of the boundaries (see :func:`choropleth_map`) and of the points.
    tolerance, offline, tiles, overwrite, basemap, tianditu_key
        As in :func:`choropleth_map`.

    Returns
    -------
    folium.Map

    Notes
    -----
    Clicking a cluster zooms to its parks with a margin around them (at most to zoom
    13), so the regions and their names stay in view; without ``regions``, on a map
    with no basemap, the shipped province outlines are drawn faintly under the parks.
    """
    from folium.plugins import MarkerCluster

    from geoproc.palettes import general_settings

    check_html_path(path, overwrite)
    attrs, x, y = _read(points, lon, lat, datum, encoding)
    if name_column is not None:
        require_column(attrs, name_column, "points")
    else:
        name_column = next((c for c in _NAME if c in attrs.columns), None)
    if popup_columns is None:
        popup_columns = [c for c in attrs.columns]
    for c in popup_columns:
        require_column(attrs, c, "points")
    style = general_settings()["points"]

    legend = Legend()
    where = (basemap, tianditu_key)
    if regions is not None:
        reg = check_regions(regions)
        if column is not None:
            m, legend = choropleth_layers(reg, column, kind, None, None, (), tolerance, offline, tiles, *where)
        else:
            m = base_map(reg.total_bounds, offline, tiles, *where)
            tips = [region_tooltip(row, i, []) for i, (_, row) in enumerate(reg.iterrows())]
            region_layer(m, reg, ["#f0f0f0"] * len(reg), tips, "Regions", tolerance, fill_opacity=0.6)
        add_attribution(m, attribution_for(regions, attribution))
    else:
        m = base_map((x.min(), y.min(), x.max(), y.max()), offline, tiles, *where)
        if not m._geoproc_tiles:
            _context_outlines(m, x, y, tolerance)

    cluster = MarkerCluster(name=esc(f"{title} ({len(x)})"), control=True,
                            options={"zoomToBoundsOnClick": False, "maxClusterRadius": 50})
    cluster.add_to(m)
    names = (attrs[name_column].map(fmt_value).tolist() if name_column
             else [f"#{i + 1}" for i in range(len(x))])
    cells = [attrs[c].map(fmt_value).tolist() for c in popup_columns]
    dx, dy = shift_points(x, y, display_datum(m))  # drawn where a GCJ-02 basemap puts them
    rows = [[round(float(dy[i]), 6), round(float(dx[i]), 6), names[i], *(col[i] for col in cells)]
            for i in range(len(x))]
    cluster.add_child(_point_data_class()(
        [str(c) for c in popup_columns], rows,
        {"radius": style["radius_px"], "color": style["color"], "weight": 1.5,
         "fillColor": style["fill"], "fillOpacity": 0.9},
    ))
    # the legend shows what is drawn: one circle per park, numbered cluster bubbles
    legend.categories(title, [(f"one park ({len(x)} in all)", style["fill"], style["color"])]
                      + [(lab, fill, ring) for lab, fill, ring in CLUSTER_LEGEND], circle=True,
                      note="A numbered bubble groups that many parks; click it to zoom in.")
    legend.add_to(m)
    add_attribution(m, points_attribution)
    return finish(m, path, offline, overwrite)


@lru_cache(maxsize=1)
def _point_data_class() -> type:
    """The branca element class, built on first use so importing geoproc.maps stays light."""
    from branca.element import MacroElement
    from jinja2 import Template

    class PointData(MacroElement):
        """Circle markers added to the parent MarkerCluster from one JSON table.

        One table (column names once, a row per park) instead of a folium Marker and
        Popup per park keeps the page small. Popups and tooltips are built in the
        browser with ``textContent``, so park names and attributes are never parsed as
        HTML: markup in the data shows as text.
        """

        _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var d = {{ this.payload }};
  var target = {{ this._parent.get_name() }};
  function text(tag, value) { var e = document.createElement(tag); e.textContent = value; return e; }
  function popup(row) {
    var div = document.createElement('div');
    div.appendChild(text('b', row[2]));
    var table = document.createElement('table');
    table.className = 'geoproc-popup';
    for (var k = 0; k < d.columns.length; k++) {
      var tr = document.createElement('tr');
      tr.appendChild(text('th', d.columns[k]));
      tr.appendChild(text('td', row[3 + k]));
      table.appendChild(tr);
    }
    div.appendChild(table);
    return div;
  }
  // a click on a cluster zooms to its parks with a margin, never closer than zoom 13,
  // so the regions around stay in view; at that zoom it spreads the parks out
  target.on('clusterclick', function (e) {
    var map = target._map, bounds = e.layer.getBounds().pad(0.6);
    var zoom = Math.min(map.getBoundsZoom(bounds), 13);
    if (zoom <= map.getZoom()) { e.layer.spiderfy(); return; }
    map.setView(bounds.getCenter(), zoom);
  });
  d.rows.forEach(function (row) {
    L.circleMarker([row[0], row[1]], d.style)
      .bindPopup(function () { return popup(row); }, {maxWidth: 360})
      .bindTooltip(function () { return text('span', row[2]); })
      .addTo(target);
  });
})();
{% endmacro %}
""")

        def __init__(self, columns: list, rows: list, style: dict) -> None:
            super().__init__()
            self._name = "GeoprocPointData"
            self.columns = columns
            self.rows = rows
            self.payload = script_json({"columns": columns, "rows": rows, "style": style})

    return PointData


