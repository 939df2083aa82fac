"""geoproc's HTML maps opened in a real headless Chromium with the network cut.

Each map is written with ``offline=True`` (the network is cut, as in CI); the page
must log no JavaScript error, request nothing from the internet, draw its polygons
in the palette's colours where the regions are, show its legend, and show user
text (a park named ``<img src=x onerror=alert(1)>``) as text without running it.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geoproc import maps
from geoproc.palettes import get_palette, hex_to_rgb
from geoproc.weights import SpatialWeights

EVIL = "<img src=x onerror=alert(1)>"
FIND_MAP = "Object.values(window).find(v => v instanceof L.Map)"


@pytest.fixture(scope="module")
def grid():
    """Six 1°x1° cells (3 x 2) from (118 E, 30 N); one region named with markup."""
    names = [("上海市", "Shanghai"), ("南京市", "Nanjing"), ("杭州市", "Hangzhou"),
             ("合肥市", "Hefei"), (EVIL, "Evil"), ("苏州市", "Suzhou")]
    return gpd.GeoDataFrame(
        {
            "code": [1, 2, 3, 4, 5, 6],
            "name_zh": [a for a, _ in names],
            "name_en": [b for _, b in names],
            "cluster": ["High-High", "Low-Low", "Low-High", "High-Low", "Not significant", "High-High"],
            "hotspot": ["Hot spot 99%", "Hot spot 95%", "Hot spot 90%", "Cold spot 90%",
                        "Cold spot 95%", "Cold spot 99%"],
            "lq": [0.3, 0.7, 0.9, 1.1, 1.5, 2.5],
        },
        geometry=[box(118 + i % 3, 30 + i // 3, 119 + i % 3, 31 + i // 3) for i in range(6)],
        crs=4326,
    )


def _blend(color: str, opacity: float, under=(255, 255, 255)) -> np.ndarray:
    """The pixel of a fill of ``color`` at ``opacity`` over ``under`` (source-over)."""
    return np.array([round(opacity * c + (1 - opacity) * u) for c, u in
                     zip(hex_to_rgb(color), under, strict=True)])


def _screen(page, lonlat) -> list[tuple[int, int]]:
    pts = page.evaluate(
        f"(() => {{ const m = {FIND_MAP}; return {json.dumps([[la, lo] for lo, la in lonlat])}"
        ".map(p => { const q = m.latLngToContainerPoint(p); return [q.x, q.y]; }); })()"
    )
    return [(int(round(x)), int(round(y))) for x, y in pts]


def _assert_clean(page):
    assert page.js_errors == [], page.js_errors
    assert page.dialogs == [], page.dialogs
    assert page.requests == [], page.requests  # an offline map asks the network for nothing


def _hide_labels(page, expected: int | None = None) -> None:
    """Remove the region-name labels an offline map draws, so that the fills under them
    can be read, and take a new screenshot."""
    n = page.evaluate("document.querySelectorAll('.geoproc-label').length")
    if expected is not None:
        assert n == expected
    page.evaluate("document.querySelectorAll('.geoproc-label').forEach(e => e.remove())")
    page.screenshot()


def _centres(gdf):
    return [(p.x, p.y) for p in gdf.geometry.representative_point()]


@pytest.mark.parametrize("kind", ["lisa", "hotspot", "lq"])
def test_choropleths_draw_palette_colours_where_the_regions_are(chromium, grid, tmp_path, kind):
    out = tmp_path / f"{kind}.html"
    pal = get_palette(kind)
    maps.choropleth_map(grid, out, kind=kind, offline=True)
    page = chromium.open(out)
    _assert_clean(page)
    assert page.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 6
    legend = page.evaluate("document.getElementById('geoproc-legend').innerText")
    assert pal.title in legend
    if pal.type == "categorized":
        want = [pal.color_map()[v] for v in grid[pal.field]]
        assert "High-High (2)" in legend if kind == "lisa" else "Cold spot 99% confidence (1)" in legend
    else:
        want = [pal.colors[k] for k in pal.classify(grid[pal.field])]
        assert "1 – 1.25 (1)" in legend
    _hide_labels(page, expected=6)  # an offline map names its regions
    img = np.asarray(page.image()).astype(int)
    for (x, y), color in zip(_screen(page, _centres(grid)), want, strict=True):
        got = img[y, x]
        # fill opacity 0.85 over the white background
        assert np.abs(got - _blend(color, 0.85)).max() <= 3, (x, y, got, color)
    # the grid is the user's own layer: the shipped boundaries' source is not credited
    assert "ECharts" not in page.evaluate(
        "document.querySelector('.leaflet-control-attribution').innerText")


def test_tooltips_show_both_names_and_markup_as_text(chromium, grid, tmp_path):
    out = tmp_path / "lisa.html"
    maps.lisa_map(grid, out, offline=True)
    page = chromium.open(out)
    pts = _screen(page, _centres(grid))
    page.mouse_move(*pts[0])
    text = page.evaluate("new Promise(r => setTimeout(() => r(document.querySelector('.leaflet-tooltip')"
                         "?.innerText ?? ''), 300))")
    assert "上海市" in text and "Shanghai" in text and "High-High" in text
    page.mouse_move(*pts[4])  # the region named <img ...>
    got = page.evaluate(
        "new Promise(r => setTimeout(() => { const t = document.querySelectorAll('.leaflet-tooltip');"
        " const el = t[t.length - 1]; r([el.innerText, el.querySelectorAll('img,script').length,"
        " document.querySelectorAll('img[src=x]').length]); }, 300))")
    assert EVIL in got[0] and got[1] == 0 and got[2] == 0
    chromium.collect(page)
    _assert_clean(page)


def test_park_popup_shows_injection_as_text_and_clusters_render(chromium, grid, tmp_path):
    parks = pd.DataFrame({
        "name": [EVIL, "张江文化园", "M50创意园", "南京1865"],
        "lon": [118.52, 118.53, 118.51, 119.5],
        "lat": [30.51, 30.52, 30.53, 31.5],
        "level": ["national", "national", "provincial", "city"],
    })
    out = tmp_path / "parks.html"
    maps.points_map(grid, parks, out, column="lq", kind="lq", offline=True)
    page = chromium.open(out)
    _assert_clean(page)
    # three parks close together are drawn as one cluster of 3 at this zoom
    clusters = page.evaluate("Array.from(document.querySelectorAll('.marker-cluster')).map(e => e.innerText)")
    assert "3" in clusters
    bubbles = page.evaluate("Array.from(document.querySelectorAll('.marker-cluster div'))"
                            ".map(e => getComputedStyle(e).backgroundColor)")
    got = page.evaluate(f"""new Promise(resolve => {{
        const m = {FIND_MAP};
        let cluster = null;
        m.eachLayer(l => {{ if (l instanceof L.MarkerClusterGroup) cluster = l; }});
        const mk = cluster.getLayers().find(l => l.getLatLng().lat === 30.51);  // the <img> park
        // zoom in until the cluster splits and the park's own circle is on the map
        m.setView(mk.getLatLng(), 16, {{animate: false}});
        setTimeout(() => {{
            if (!mk._map) {{ resolve(['park not on the map', -1, -1]); return; }}
            mk.openPopup();
            setTimeout(() => {{
                const el = document.querySelector('.leaflet-popup-content');
                resolve([el.innerText, el.querySelectorAll('img,script').length,
                         document.querySelectorAll('img[src=x]').length]);
            }}, 300);
        }}, 800);
    }})""")
    text, injected_here, injected_anywhere = got
    assert EVIL in text and "national" in text
    assert injected_here == 0 and injected_anywhere == 0
    chromium.collect(page)
    assert page.dialogs == [] and page.js_errors == []
    legend = page.evaluate("document.getElementById('geoproc-legend').innerText")
    assert "Cluster parks" in legend and "one park (4 in all)" in legend and "Location quotient" in legend
    # the legend draws what the map draws: round park markers and the cluster bubbles' colours
    swatches = page.evaluate("Array.from(document.querySelectorAll('#geoproc-legend .geoproc-legend-circle'))"
                             ".map(e => getComputedStyle(e).backgroundColor)")
    import re

    def rgb(css):  # "rgba(110, 204, 57, 0.6)" -> (110, 204, 57): the bubbles are translucent
        return tuple(int(v) for v in re.findall(r"[\d.]+", css)[:3])

    assert bubbles and {rgb(c) for c in bubbles} <= {rgb(c) for c in swatches}, (bubbles, swatches)


def test_weight_links_render(chromium, grid, tmp_path):
    w = np.zeros((6, 6))
    w[0, 1] = w[1, 0] = 0.6
    w[1, 2] = w[2, 1] = 0.15
    w[3, 4] = w[4, 3] = 0.3
    out = tmp_path / "links.html"
    maps.links_map(grid, SpatialWeights(w, grid["code"].tolist()), out, offline=True)
    page = chromium.open(out)
    _assert_clean(page)
    # 6 region polygons + 3 link lines
    assert page.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 9
    _hide_labels(page, expected=6)
    (x0, y0), (x1, y1) = _screen(page, _centres(grid)[:2])
    img = np.asarray(page.image()).astype(int)
    pal = get_palette("weight_links")
    got = img[(3 * y0 + y1) // 4, (3 * x0 + x1) // 4]  # a quarter along, off the shared border
    # the strongest class colour at opacity 0.9 over the region fill (#f7f7f7 at 0.7 on white)
    under = _blend("#f7f7f7", 0.7)
    assert np.abs(got - _blend(pal.colors[-1], 0.9, tuple(under))).max() <= 4, got
    # 0.15, 0.3, 0.6 over the largest 0.6: 0.25 -> "0.2 – 0.4", 0.5 -> "0.4 – 0.6", 1 -> "0.8 – 1"
    legend = page.evaluate("document.getElementById('geoproc-legend').innerText")
    for label in ("≤ 0.2 (0)", "0.2 – 0.4 (1)", "0.4 – 0.6 (1)", "0.6 – 0.8 (0)", "0.8 – 1 (1)"):
        assert label in legend, legend


def test_kde_raster_overlay_renders_and_is_transparent_at_zero(chromium, grid, tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    # a 60 x 40 km Gaussian bump of 2 km pixels in UTM 50N; zero below 1 % of the peak
    yy, xx = np.mgrid[0:40, 0:60]
    arr = np.exp(-((xx - 29.5) ** 2 + (yy - 19.5) ** 2) / 60).astype("float32")
    arr[arr < 0.01] = 0
    tif = tmp_path / "kde.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=60, height=40, count=1, dtype="float32",
                       crs="EPSG:32650", transform=from_origin(700_000, 3_450_000, 2000, 2000),
                       nodata=-9999) as ds:
        ds.write(arr, 1)
    out = tmp_path / "kde.html"
    maps.raster_map(tif, out, regions=grid, offline=True)
    page = chromium.open(out)
    _assert_clean(page)
    _hide_labels(page, expected=6)
    page.image().save(tmp_path / "kde.png")
    from pyproj import Transformer

    utm_to_ll = Transformer.from_crs(32650, 4326, always_xy=True)
    # the peak sits at pixel (29.5, 19.5): x = 700 000 + 2000 * 30 = 760 000,
    # y = 3 450 000 - 2000 * 20 = 3 410 000; the first pixel's centre is (701 000, 3 449 000)
    (cx, cy), (xe, ye) = _screen(page, [utm_to_ll.transform(760_000, 3_410_000),
                                        utm_to_ll.transform(701_000, 3_449_000)])
    img = np.asarray(page.image()).astype(int)
    # the ramp's top colour at overlay opacity 0.85 (bilinear resampling may lower the
    # peak a little: a loose match)
    top = _blend(get_palette("kde").stops[-1].color, 0.85)
    assert np.abs(img[cy, cx] - top).max() <= 30, img[cy, cx]
    # a corner pixel of the raster, where the density is zero: transparent, white background
    assert (img[ye, xe] >= 250).all(), img[ye, xe]
    assert page.evaluate("document.querySelectorAll('.geoproc-legend-ramp').length") == 1


def test_online_map_fails_with_the_network_cut(chromium, grid, tmp_path):
    """The harness does catch a broken page: an online map cannot load Leaflet here."""
    out = tmp_path / "online.html"
    maps.lisa_map(grid, out)  # CDN links, OpenStreetMap tiles
    page = chromium.open(out)
    assert any("L is not defined" in e for e in page.exceptions)
    assert any("leaflet" in u for u in page.requests)


@pytest.mark.slow
def test_yangtze_delta_maps_from_the_pipeline(chromium, tmp_path):
    """The 41 shipped cities through geoproc's own LISA and KDE, then the CLI, in Chromium."""
    import geoproc
    from geoproc.cli import main as cli_main

    yrd = geoproc.load_boundaries("yrd_cities")
    w = geoproc.queen_weights(yrd)
    lon = yrd.geometry.representative_point().x.to_numpy()
    lisa = geoproc.local_moran(yrd.assign(x=lon), "x", w, permutations=99, seed=7)
    layer = tmp_path / "lisa.gpkg"
    lisa.to_file(layer, driver="GPKG")
    out = tmp_path / "lisa.html"
    assert cli_main(["map", str(layer), "--column", "cluster", "-o", str(out), "--offline"]) == 0
    page = chromium.open(out)
    _assert_clean(page)
    assert page.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 41
    legend = page.evaluate("document.getElementById('geoproc-legend').innerText")
    n_hh = int((lisa["cluster"] == "High-High").sum())
    assert f"High-High ({n_hh})" in legend
    # a result written from the shipped cities credits their source
    assert "Apache ECharts 4.9.0" in page.evaluate(
        "document.querySelector('.leaflet-control-attribution').innerText")
    # an offline map names its cities; hidden here so that the fills can be read
    assert page.evaluate("document.querySelectorAll('.geoproc-label').length") == 41
    assert "上海" in page.evaluate("Array.from(document.querySelectorAll('.geoproc-label')).map(e => e.innerText).join()")
    page.evaluate("document.querySelectorAll('.geoproc-label').forEach(e => e.remove())")
    page.screenshot()
    # each city's representative point shows its cluster colour (unless a label box covers it)
    colors = get_palette("lisa").color_map()
    img = np.asarray(page.image()).astype(int)
    hits = sum(
        np.abs(img[y, x] - _blend(colors[c], 0.85)).max() <= 3
        for (x, y), c in zip(_screen(page, _centres(lisa)), lisa["cluster"], strict=True)
    )
    assert hits >= 38, hits  # a few tiny coastal cities may sit under an outline

    # park points (synthetic, 60 around Shanghai and Hangzhou) and their KDE raster
    rng = np.random.default_rng(3)
    pts = pd.DataFrame({
        "name": [f"园区{i}" for i in range(60)],
        "lon": np.r_[rng.normal(121.45, 0.15, 30), rng.normal(120.15, 0.15, 30)],
        "lat": np.r_[rng.normal(31.2, 0.1, 30), rng.normal(30.27, 0.1, 30)],
    })
    csv = tmp_path / "parks.csv"
    pts.to_csv(csv, index=False)
    parks_html = tmp_path / "parks.html"
    assert cli_main(["map", "yrd_cities", "--points", str(csv), "-o", str(parks_html), "--offline"]) == 0
    page = chromium.open(parks_html)
    _assert_clean(page)
    assert page.evaluate("document.querySelectorAll('.marker-cluster').length") >= 2
    gpts = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts.lon, pts.lat), crs=4326)
    tif = tmp_path / "kde.tif"
    geoproc.kernel_density(gpts, radius=20_000, pixel_size=2_000, out=tif)
    kde_html = tmp_path / "kde.html"
    assert cli_main(["map", "yrd_cities", "--raster", str(tif), "-o", str(kde_html), "--offline"]) == 0
    page = chromium.open(kde_html)
    _assert_clean(page)
    _hide_labels(page, expected=41)
    (x, y), = _screen(page, [(121.45, 31.2)])
    r, g, b = np.asarray(page.image()).astype(int)[y, x]
    # the ramp's dark red over Shanghai's parks (not the white of an empty map)
    assert r > 150 and r > g + 60 and r > b + 60, (r, g, b)
