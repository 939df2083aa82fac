"""Basemaps usable in China and the GCJ-02 shift, in a real headless Chromium (network cut).

The tiles themselves cannot load (the network is cut), so the tests read what Leaflet
was told: each tile layer's URL template, and where each overlay is drawn. On Gaode's
GCJ-02 tiles a WGS84 point must be drawn where Gaode puts it: at the GCJ-02 position
given by geoproc.datums and by a published test vector (googollee/eviltransform's
Shanghai point, also used in tests/unit/test_datums.py).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geoproc.cli import main as cli_main
from geoproc.datums import from_wgs84

FIND_MAP = "Object.values(window).find(v => v instanceof L.Map)"
TILE_URLS = (f"(() => {{ const m = {FIND_MAP}; const out = [];"
             " m.eachLayer(l => { if (l instanceof L.TileLayer) out.push(l._url); }); return out; })()")
# eviltransform's test vector: WGS84 (121.5272106, 31.1774276) is GCJ-02 (121.531541859215, 31.17530398364597)
SHANGHAI_WGS = (121.5272106, 31.1774276)
SHANGHAI_GCJ = (121.531541859215, 31.17530398364597)


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    path = tmp_path_factory.mktemp("bm") / "regions.gpkg"
    gpd.GeoDataFrame({"code": [1, 2], "name_zh": ["浦东", "闵行"], "lq": [0.7, 1.5]},
                     geometry=[box(121.4, 31.1, 121.6, 31.3), box(121.2, 31.0, 121.4, 31.2)],
                     crs=4326).to_file(path, driver="GPKG")
    return path


@pytest.mark.parametrize("basemap, expected", [
    ("osm", ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]),
    ("gaode", ["http://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=7&x={x}&y={y}&z={z}"]),
    ("gaode-satellite", ["http://webst01.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}"]),
    ("tianditu", ["https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
                  "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=MYKEY",
                  "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva"
                  "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=MYKEY"]),
    ("none", []),
])
def test_basemap_option_gives_the_tile_url_template(chromium, regions, tmp_path, basemap, expected):
    out = tmp_path / f"{basemap}.html"
    extra = ["--tianditu-key", "MYKEY"] if basemap == "tianditu" else []
    assert cli_main(["map", str(regions), "--column", "lq", "-o", str(out), "--basemap", basemap,
                     "--attribution", "test", *extra]) == 0
    page = chromium.open(out)
    assert page.exceptions == [] and page.dialogs == []
    assert page.evaluate(TILE_URLS) == expected
    # the scripts are inlined whatever the basemap: only tiles may be asked for
    assert not [u for u in page.requests if u.endswith((".js", ".css"))], page.requests
    note = page.evaluate("(document.getElementById('geoproc-datum-note') || {}).innerText || ''")
    assert ("GCJ-02" in note) == basemap.startswith("gaode")
    # no basemap to name places: the map names its regions itself
    labels = page.evaluate("document.querySelectorAll('.geoproc-label').length")
    assert labels == (2 if basemap == "none" else 0)


def test_tianditu_without_a_key_is_refused(regions, tmp_path, capsys):
    out = tmp_path / "t.html"
    assert cli_main(["map", str(regions), "--column", "lq", "-o", str(out), "--basemap", "tianditu"]) == 2
    assert "--tianditu-key" in capsys.readouterr().err and not out.exists()


def _marker_latlng(page):
    return page.evaluate(f"""(() => {{ const m = {FIND_MAP}; let c = null;
        m.eachLayer(l => {{ if (l instanceof L.MarkerClusterGroup) c = l; }});
        const p = c.getLayers()[0].getLatLng(); return [p.lng, p.lat]; }})()""")


def _first_vertex(page):
    return page.evaluate(f"""(() => {{ const m = {FIND_MAP}; let v = null;
        m.eachLayer(l => {{ if (!v && l instanceof L.Polygon) v = l.getLatLngs().flat(3)[0]; }});
        return [v.lng, v.lat]; }})()""")


@pytest.mark.parametrize("basemap", ["gaode", "osm"])
def test_a_known_point_is_drawn_where_the_basemap_puts_it(chromium, regions, tmp_path, basemap):
    csv = tmp_path / "park.csv"
    pd.DataFrame({"name": ["test park"], "lon": [SHANGHAI_WGS[0]], "lat": [SHANGHAI_WGS[1]]}).to_csv(csv, index=False)
    out = tmp_path / f"park_{basemap}.html"
    assert cli_main(["map", str(regions), "--points", str(csv), "-o", str(out), "--basemap", basemap,
                     "--attribution", "test"]) == 0
    page = chromium.open(out)
    assert page.exceptions == []
    lon, lat = _marker_latlng(page)
    vx, vy = _first_vertex(page)
    regions_gdf = gpd.read_file(regions)
    corners = list(regions_gdf.geometry.iloc[0].exterior.coords)
    if basemap == "gaode":
        # the published GCJ-02 position, and geoproc.datums' (rows are rounded to 1e-6 degrees)
        assert (lon, lat) == pytest.approx(SHANGHAI_GCJ, abs=1e-6)
        assert (lon, lat) == pytest.approx(from_wgs84(*SHANGHAI_WGS), abs=1e-6)
        # about 480 m east and 240 m south of the WGS84 point: Gaode's offset in Shanghai
        assert 400 < (lon - SHANGHAI_WGS[0]) * 111_320 * 0.856 < 500
        assert -300 < (lat - SHANGHAI_WGS[1]) * 110_574 < -200
        # region outlines shifted alike (coordinates rounded to 1e-5 degrees)
        shifted = [from_wgs84(x, y) for x, y in corners]
        assert min(abs(vx - x) + abs(vy - y) for x, y in shifted) < 2e-5
    else:
        assert (lon, lat) == pytest.approx(SHANGHAI_WGS, abs=1e-6)
        assert min(abs(vx - x) + abs(vy - y) for x, y in corners) < 2e-5


def test_a_cluster_click_keeps_the_surroundings_in_view(chromium, tmp_path):
    """Clicking a cluster zooms to its parks with a margin (Leaflet.markercluster's default
    fits the parks edge to edge, a blank field); the region names stay on the map."""
    import numpy as np

    rng = np.random.default_rng(5)
    pts = pd.DataFrame({"name": [f"园区{i}" for i in range(30)],
                        "lon": rng.normal(120.15, 0.05, 30), "lat": rng.normal(30.27, 0.04, 30)})
    csv = tmp_path / "parks.csv"
    pts.to_csv(csv, index=False)
    out = tmp_path / "parks.html"
    assert cli_main(["map", "yrd_cities", "--points", str(csv), "-o", str(out)]) == 0
    page = chromium.open(out)
    assert page.exceptions == [] and page.requests == []
    got = page.evaluate(f"""new Promise(resolve => {{
        const m = {FIND_MAP}; let c = null;
        m.eachLayer(l => {{ if (l instanceof L.MarkerClusterGroup) c = l; }});
        const parks = L.latLngBounds(c.getLayers().map(l => l.getLatLng()));
        const z0 = m.getZoom();
        document.querySelector('.marker-cluster').dispatchEvent(new MouseEvent('click', {{bubbles: true}}));
        setTimeout(() => {{
            const view = m.getBounds();
            const w = parks.getEast() - parks.getWest(), h = parks.getNorth() - parks.getSouth();
            resolve([z0, m.getZoom(), view.getWest() < parks.getWest() - 0.3 * w,
                     view.getEast() > parks.getEast() + 0.3 * w,
                     view.getSouth() < parks.getSouth() - 0.3 * h, view.getNorth() > parks.getNorth() + 0.3 * h,
                     document.querySelectorAll('.geoproc-label').length]);
        }}, 1200);
    }})""")
    z0, z1, *margins, labels = got
    assert z0 < z1 <= 13, (z0, z1)  # zoomed in, not past 13
    assert all(margins), got  # a margin of at least 30 % of the parks' extent on every side
    assert labels == 41
