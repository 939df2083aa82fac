"""geoproc.maps without a browser: classes, colours, escaping, offline inlining, safe writes."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from geoproc import maps
from geoproc.cli import main as cli_main
from geoproc.datums import to_wgs84
from geoproc.errors import GeoprocInputError
from geoproc.maps.geometry import display_geometries
from geoproc.maps.html import esc
from geoproc.palettes import get_palette
from geoproc.weights import SpatialWeights, links_frame

EVIL = "<img src=x onerror=alert(1)>"
TEMPLATE_EVIL = "`${alert(2)}`\\"


@pytest.fixture()
def grid():
    """Six 1°x1° cells, 3 columns x 2 rows, from (118 E, 30 N); one named with markup."""
    names = [("上海市", "Shanghai"), ("南京市", "Nanjing"), ("杭州市", "Hangzhou"),
             ("合肥市", "Hefei"), (EVIL, TEMPLATE_EVIL), ("苏州市", "Suzhou")]
    return gpd.GeoDataFrame(
        {
            "code": [310000, 320100, 330100, 340100, 999999, 320500],
            "name_zh": [a for a, _ in names],
            "name_en": [b for _, b in names],
            "cluster": ["High-High", "Low-Low", "Low-High", "High-Low", "Not significant", "High-High"],
            "lq": [0.3, 0.9, 1.0, 1.3, 2.5, np.nan],
        },
        geometry=[box(118 + i % 3, 30 + i // 3, 119 + i % 3, 31 + i // 3) for i in range(6)],
        crs=4326,
    )


def _geojson_layers(m: folium.Map) -> list[folium.GeoJson]:
    return [c for c in m._children.values() if isinstance(c, folium.GeoJson)]


def _fills(m: folium.Map) -> list[str]:
    return [f["properties"]["_fill"] for f in _geojson_layers(m)[0].data["features"]]


def test_lisa_map_colours_legend_tooltips_attribution(grid, tmp_path):
    out = tmp_path / "lisa.html"
    m = maps.lisa_map(grid, out)
    pal = get_palette("lisa").color_map()
    assert _fills(m) == [pal[v] for v in grid["cluster"]]
    html = out.read_text(encoding="utf-8")
    # legend counts by hand: High-High twice (rows 0 and 5), each other class once
    for label in ["High-High (2)", "Low-Low (1)", "Low-High (1)", "High-Low (1)", "Not significant (1)"]:
        assert label in html
    # the grid is the user's own layer: no credit to the shipped boundaries' source
    assert "ECharts" not in html and "addAttribution" not in html
    tip = _geojson_layers(m)[0].data["features"][0]["properties"]["_tip"]
    assert tip == "<b>上海市</b> Shanghai<br>cluster: High-High"
    assert "L.control.layers" in html


def test_lq_classes_follow_the_qgis_rule(grid):
    m = maps.choropleth_map(grid, column="lq", kind="lq")
    c = get_palette("lq").colors
    # 0.3 -> "≤ 0.5"; 0.9 and exactly 1.0 -> "0.8 – 1"; 1.3 -> "1.25 – 2"; 2.5 -> "> 2"; NaN -> no data
    assert _fills(m) == [c[0], c[2], c[2], c[4], c[5], "#ffffff"]
    html = m.get_root().render()
    assert "0.8 – 1 (2)" in html and "No data" in html
    assert "lq: no data" in _geojson_layers(m)[0].data["features"][5]["properties"]["_tip"]


def test_custom_breaks_and_bad_breaks(grid):
    m = maps.choropleth_map(grid, column="lq", kind="lq", breaks=[0, 0.2, 0.4, 0.6, 0.95, 1.2, 3])
    c = get_palette("lq").colors
    # classes (0,.2] (.2,.4] (.4,.6] (.6,.95] (.95,1.2] (1.2,3]:
    # 0.3 -> 1, 0.9 -> 3, 1.0 -> 4, 1.3 -> 5, 2.5 -> 5
    assert _fills(m)[:5] == [c[1], c[3], c[4], c[5], c[5]]
    with pytest.raises(GeoprocInputError, match="7 increasing values"):
        maps.choropleth_map(grid, column="lq", kind="lq", breaks=[0, 1, 2])
    with pytest.raises(GeoprocInputError, match="values outside the classes.*Hefei"):
        maps.choropleth_map(grid, column="lq", kind="lq", breaks=[0, 0.2, 0.4, 0.6, 0.95, 1.2, 1.25])


def test_user_text_is_escaped_everywhere(grid, tmp_path):
    grid = grid.copy()
    grid["cluster"] = grid["cluster"]
    pts = pd.DataFrame({"name": [EVIL, "园区B"], "lon": [118.5, 119.5], "lat": [30.5, 30.5],
                        TEMPLATE_EVIL: ["a</script><script>alert(3)</script>", "b"]})
    for f, kw in [(maps.lisa_map, {}), (maps.choropleth_map, {"column": "lq", "kind": "lq"})]:
        html = maps.render_html(f(grid, **kw))
        assert EVIL not in html and TEMPLATE_EVIL not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html.replace("\\u0026", "&")
    html = maps.render_html(maps.points_map(grid, pts, title=f"parks {EVIL}"))
    assert EVIL not in html
    # park attributes travel as one JSON string inside a plain script (no template
    # literal) and the browser shows them with textContent
    assert maps.script_json(TEMPLATE_EVIL) in html
    assert "</script><script>alert(3)" not in html
    assert html.count("<script") == html.count("</script>")
    # template-literal characters are character references, so no ${...} can run
    assert esc(TEMPLATE_EVIL) == "&#96;&#36;{alert(2)}&#96;&#92;"


def test_offline_inlines_everything(grid, tmp_path):
    online = maps.render_html(maps.lisa_map(grid))
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"' in online
    out = tmp_path / "off.html"
    maps.points_map(grid, pd.DataFrame({"name": ["a"], "lon": [118.2], "lat": [30.2]}), out,
                    offline=True)
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+stylesheet", html)
    assert "L.markerClusterGroup" in html and "Leaflet" in html
    assert "tile.openstreetmap" not in html  # no basemap offline
    assert "url(images/" not in html          # Leaflet's CSS images are data: URIs


def test_writes_are_atomic_and_refuse_to_overwrite(grid, tmp_path):
    out = tmp_path / "m.html"
    maps.lisa_map(grid, out)
    before = out.read_bytes()
    with pytest.raises(FileExistsError):
        maps.lisa_map(grid, out)
    assert out.read_bytes() == before
    maps.lisa_map(grid, out, overwrite=True, title="again")
    assert "again" in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.html"]  # no temporary left
    with pytest.raises(GeoprocInputError, match="must end in .html"):
        maps.choropleth_map(grid, tmp_path / "lq", kind="lq")


def test_bad_input_names_the_culprit_and_writes_nothing(grid, tmp_path):
    out = tmp_path / "x.html"
    bad = grid.copy()
    bad.loc[2, "cluster"] = "HH"
    with pytest.raises(GeoprocInputError, match="'HH'.*High-High"):
        maps.lisa_map(bad, out)
    with pytest.raises(GeoprocInputError, match="no column 'nope'; columns are code, name_zh"):
        maps.choropleth_map(grid, out, "nope", kind="lq")
    with pytest.raises(GeoprocInputError, match="map kind 'cats'"):
        maps.choropleth_map(grid, out, kind="cats")
    empty = grid.copy()
    empty.loc[1, "geometry"] = Polygon()
    with pytest.raises(GeoprocInputError, match="empty or missing geometry for Nanjing"):
        maps.lisa_map(empty, out)
    with pytest.raises(GeoprocInputError, match="no coordinate reference system"):
        maps.lisa_map(grid.set_crs(None, allow_override=True), out)
    assert not out.exists()


def test_input_frame_is_not_modified(grid):
    copy = grid.copy()
    maps.choropleth_map(grid.to_crs(3857), column="lq", kind="lq")
    maps.lisa_map(grid)
    pd.testing.assert_frame_equal(pd.DataFrame(grid.drop(columns="geometry")),
                                  pd.DataFrame(copy.drop(columns="geometry")))
    assert grid.geometry.equals(copy.geometry)


def test_display_simplification_keeps_shared_borders():
    # two cells sharing a wiggly border of 200 vertices, 0.005 deg apart, wiggling
    # 0.0001 deg: every wiggle triangle (area < 0.5 * 0.01 * 0.0002 = 1e-6 deg^2) is far
    # below tolerance^2 = 2.5e-5 deg^2, so the border collapses to a few vertices
    ys = np.linspace(30, 31, 200)
    xs = 119 + 0.0001 * np.sin(np.arange(200))
    border = list(zip(xs, ys, strict=True))
    west = Polygon([(118, 30)] + border + [(118, 31)])
    east = Polygon([(120, 30), (120, 31)] + border[::-1])
    out = display_geometries([west, east], tolerance=0.005)
    assert shapely.get_num_coordinates(out).sum() < 20 < shapely.get_num_coordinates([west, east]).sum()
    # no gap and no overlap: the union's area is the sum of the two areas
    assert out[0].intersection(out[1]).area < 1e-12
    assert shapely.union_all(out).area == pytest.approx(out[0].area + out[1].area, abs=1e-12)
    assert shapely.union_all(out).area == pytest.approx(2.0, abs=0.002)


def test_points_popups_and_errors(grid, tmp_path):
    csv = tmp_path / "parks.csv"
    pd.DataFrame({"名称": ["甲园", "乙园", EVIL], "经度": [118.5, 119.5, 120.5],
                  "纬度": [30.5, 30.5, 31.5], "level": ["国家级", "省级", "市级"]}).to_csv(csv, index=False)
    m = maps.points_map(grid, csv)
    el = next(c for c in _all(m) if type(c).__name__ == "PointData")
    assert el.columns == ["名称", "经度", "纬度", "level"]
    assert el.rows[0] == [30.5, 118.5, "甲园", "甲园", "118.5", "30.5", "国家级"]
    assert [r[:2] for r in el.rows] == [[30.5, 118.5], [30.5, 119.5], [31.5, 120.5]]
    # the browser sets these with textContent; in the page the markup is \u003c-escaped
    assert el.rows[2][2] == EVIL
    html = maps.render_html(m)
    assert EVIL not in html and "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    with pytest.raises(GeoprocInputError, match="no longitude column.*columns are a, b"):
        maps.points_map(grid, pd.DataFrame({"a": [1], "b": [2]}))
    with pytest.raises(GeoprocInputError, match="out of lon/lat range at 1 row.*乙 \\(row 1\\).*swapped"):
        maps.points_map(grid, pd.DataFrame({"name": ["甲", "乙"], "lon": [118, 30.5], "lat": [30, 118]}))


def test_points_read_like_read_points_gbk_and_aliases(grid, tmp_path):
    """A GBK CSV (as Chinese Excel saves it) with 东经/北纬 columns: read as read_points
    reads it, so the markers sit at the file's coordinates and the names survive."""
    csv = tmp_path / "parks_gbk.csv"
    csv.write_bytes("名称,东经,北纬\n甲园,118.5,30.5\n乙园,119.25,31.75\n".encode("gbk"))
    m = maps.points_map(grid, csv)
    el = next(c for c in _all(m) if type(c).__name__ == "PointData")
    assert el.columns == ["名称", "东经", "北纬"]
    assert [r[:3] for r in el.rows] == [[30.5, 118.5, "甲园"], [31.75, 119.25, "乙园"]]
    # a datum is converted as read_points converts it
    gcj = pd.DataFrame({"name": ["a"], "lng": [119.0], "lat": [31.0]})
    el = next(c for c in _all(maps.points_map(grid, gcj, datum="gcj02")) if type(c).__name__ == "PointData")
    lon, lat = to_wgs84([119.0], [31.0], datum="gcj02")
    assert el.rows[0][:2] == [round(float(lat[0]), 6), round(float(lon[0]), 6)]
    assert el.rows[0][:2] != [31.0, 119.0]


def test_script_json_cannot_end_the_script_block():
    from geoproc.maps import script_json

    got = script_json({"a": "</script><b>&\u2028上海"})
    assert got == '{"a":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u2028上海"}'
    import json

    assert json.loads(got) == {"a": "</script><b>&\u2028上海"}


def _all(el):
    for c in el._children.values():
        yield c
        yield from _all(c)


def test_links_from_weights(grid):
    ids = grid["code"].tolist()
    w = np.zeros((6, 6))
    w[0, 1] = w[1, 0] = 0.4   # symmetric: one line
    w[3, 4], w[4, 3] = 0.1, 0.3  # asymmetric: one line, value max = 0.3
    w[2, 5] = 0.05            # one direction only
    m = maps.links_map(grid, SpatialWeights(w, ids))
    lines = _geojson_layers(m)[1].data["features"]
    c = get_palette("weight_links").colors
    # classed by value / largest (0.4) in fifths of 0 - 1: 0.05/0.4 = 0.125 -> "≤ 0.2",
    # 0.3/0.4 = 0.75 -> "0.6 – 0.8", 0.4/0.4 = 1 -> "0.8 – 1"; drawn weakest first
    assert [f["properties"]["_color"] for f in lines] == [c[0], c[3], c[4]]
    tip = lines[1]["properties"]["_tip"]
    assert "<b>合肥市</b> Hefei →" in tip and ": 0.1<br>" in tip and tip.endswith(": 0.3")
    # the lines are links_frame's, ends rounded to 5 decimals
    frame = links_frame(SpatialWeights(w, ids), grid)
    np.testing.assert_allclose(lines[2]["geometry"]["coordinates"],
                               np.asarray(frame.geometry.iloc[0].coords), atol=5e-6)
    # binary weights: every link is the strongest; gravity-like 4 and 8: 4/8 = 0.5 -> "0.4 – 0.6"
    wb = (w > 0).astype(float)
    assert {f["properties"]["_color"] for f in _geojson_layers(maps.links_map(
        grid, SpatialWeights(wb, ids)))[1].data["features"]} == {c[4]}
    w2 = np.zeros((6, 6))
    w2[0, 1] = w2[1, 0] = 4.0
    w2[2, 3] = w2[3, 2] = 8.0
    m2 = maps.links_map(grid, SpatialWeights(w2, ids))
    assert [f["properties"]["_color"] for f in _geojson_layers(m2)[1].data["features"]] == [c[2], c[4]]
    assert "weight / largest weight (8)" in m2.get_root().render()
    with pytest.raises(GeoprocInputError, match="more than a web map.*max_links=2"):
        maps.links_map(grid, SpatialWeights(w, ids), max_links=2)  # 3 pairs
    w3 = w.copy()
    w3[5, 0] = -0.2
    with pytest.raises(GeoprocInputError, match="negative weight -0.2 from 320500 to 310000"):
        maps.links_map(grid, SpatialWeights(w3, ids))
    with pytest.raises(GeoprocInputError, match="in the weights but not in the regions: 7"):
        maps.links_map(grid, SpatialWeights(np.zeros((7, 7)), ids + [7]))


def test_raster_overlay_bounds_and_transparency(tmp_path):
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin

    # 3 x 2 pixels of 1 km in Web Mercator: no resampling needed, values kept
    tif = tmp_path / "kde.tif"
    x0, y0 = 13_000_000.0, 3_600_000.0
    vals = np.array([[0, 1, 2], [3, 4, 8]], dtype="float32")
    with rasterio.open(tif, "w", driver="GTiff", width=3, height=2, count=1, dtype="float32",
                       crs="EPSG:3857", transform=from_origin(x0, y0, 1000, 1000), nodata=-1) as ds:
        ds.write(vals, 1)
    m = maps.raster_map(tif)
    ov = next(c for c in m._children.values() if isinstance(c, folium.raster_layers.ImageOverlay))
    lon, lat = Transformer.from_crs(3857, 4326, always_xy=True).transform([x0, x0 + 3000], [y0 - 2000, y0])
    np.testing.assert_allclose(np.array(ov.bounds), [[lat[0], lon[0]], [lat[1], lon[1]]], atol=1e-9)
    html = m.get_root().render()
    # the overlay PNG: same 3 x 2 grid (already Web Mercator), coloured by value / 8
    import base64
    import io

    from PIL import Image

    png = Image.open(io.BytesIO(base64.b64decode(ov.url.split(",", 1)[1])))
    rgba = np.asarray(png.convert("RGBA"))
    assert rgba.shape == (2, 3, 4)
    assert rgba[0, 0, 3] == 0                              # 0: transparent
    assert rgba[1, 2].tolist() == [0xBD, 0x00, 0x26, 255]  # 8 = max: the last stop
    # 4 -> 0.5 of the max, 2/3 of the way from stop 0.3 #fd8d3c to stop 0.6 #f03b20:
    # R 253 - 13 * 2/3 = 244.3, G 141 - 82 * 2/3 = 86.3, B 60 - 28 * 2/3 = 41.3
    assert rgba[1, 1].tolist() == [244, 86, 41, 255]
    # legend labels: 0, half the maximum, the raster maximum (8)
    assert "<span>0</span><span>4</span><span>8</span>" in html
    with pytest.raises(GeoprocInputError, match="no positive values"):
        with rasterio.open(tif, "r+") as ds:
            ds.write(np.zeros((2, 3), dtype="float32"), 1)
        maps.raster_map(tif)


def test_cli_map(grid, tmp_path, capsys):
    layer = tmp_path / "lisa.gpkg"
    grid.to_file(layer, driver="GPKG")
    out = tmp_path / "map.html"
    assert cli_main(["map", str(layer), "--column", "cluster", "-o", str(out), "--offline"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "High-High (2)" in html and not re.search(r"<script[^>]+src=", html)
    assert cli_main(["map", str(layer), "--column", "cluster", "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli_main(["map", str(layer), "--column", "name_en", "-o", str(tmp_path / "b.html")]) == 2
    assert "say what to map" in capsys.readouterr().err
    assert cli_main(["map", str(tmp_path / "nope.gpkg"), "--kind", "lq", "-o", str(tmp_path / "c.html")]) == 2


def test_41_city_map_stays_light(tmp_path):
    """The shipped Yangtze River Delta cities: well under 2 MB, online and offline."""
    import geoproc

    yrd = geoproc.load_boundaries("yrd_cities")
    assert len(yrd) == 41
    labels = ["High-High", "Low-Low", "Low-High", "High-Low", "Not significant"]
    yrd = yrd.assign(cluster=[labels[i % 5] for i in range(41)])
    sizes = {}
    runs = {"online": {}, "offline": {"offline": True}, "raw": {"tolerance": 0},
            "cdn": {"basemap": "none"}}  # no tiles, so city labels as offline, scripts from CDNs
    for name, kw in runs.items():
        out = tmp_path / f"{name}.html"
        maps.lisa_map(yrd, out, **kw)
        sizes[name] = out.stat().st_size
    assert sizes["online"] < 500_000 and sizes["offline"] < 1_000_000
    # simplification is what keeps it light: the unsimplified outlines weigh far more
    assert sizes["raw"] > 2.5 * sizes["online"]
    # offline adds the scripts and styles a LISA map uses (Leaflet and jQuery; no
    # MarkerCluster), with Leaflet's CSS images as data: URIs, and nothing else
    from geoproc._vendor import HERE

    used = sum((HERE / rel).stat().st_size for rel in
               ("leaflet/leaflet.js", "leaflet/leaflet.css", "jquery/jquery.min.js"))
    assert 0.97 * used < sizes["offline"] - sizes["cdn"] < 1.05 * used


def test_cli_map_links_raster_points_and_shipped_names(grid, tmp_path, capsys):
    import rasterio
    from rasterio.transform import from_origin

    layer = tmp_path / "regions.gpkg"
    grid.to_file(layer, driver="GPKG")
    w = np.zeros((6, 6))
    w[0, 1] = w[1, 0] = 1.0
    wfile = tmp_path / "w.gal"
    SpatialWeights(w, grid["code"].tolist()).write(wfile)
    out = tmp_path / "links.html"
    assert cli_main(["map", str(layer), "--weights", str(wfile), "-o", str(out)]) == 0
    assert "1 links" in out.read_text(encoding="utf-8")
    tif = tmp_path / "k.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       crs="EPSG:3857", transform=from_origin(13.1e6, 3.6e6, 1000, 1000)) as ds:
        ds.write(np.array([[0, 1], [2, 3]], dtype="float32"), 1)
    assert cli_main(["map", str(layer), "--raster", str(tif), "-o", str(tmp_path / "k.html")]) == 0
    csv = tmp_path / "p.csv"
    pd.DataFrame({"name": ["a"], "lon": [118.5], "lat": [30.5]}).to_csv(csv, index=False)
    assert cli_main(["map", str(layer), "--points", str(csv), "--column", "lq",
                     "-o", str(tmp_path / "p.html")]) == 0
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "Location quotient" in html and "Cluster parks (1)" in html
    capsys.readouterr()
    assert cli_main(["map", "yrd_cities", "--kind", "lq", "-o", str(tmp_path / "y.html")]) == 2
    assert "no column 'lq'; columns are code, name_zh" in capsys.readouterr().err
    assert cli_main(["map", "no_such_layer", "--kind", "lq", "-o", str(tmp_path / "n.html")]) == 2
    assert "no_such_layer is neither a file nor a shipped boundary set" in capsys.readouterr().err


ECHARTS = "Boundaries: Apache ECharts 4.9.0 map data (Apache-2.0), converted to WGS84 by geoproc"


def test_attribution_only_for_the_shipped_boundaries(grid):
    import geoproc

    yrd = geoproc.load_boundaries("yrd_cities")
    assert maps.boundary_attribution(yrd) == ECHARTS
    # a subset (Jiangsu's 13 cities), another CRS, codes stored as text: still the shipped data
    jiangsu = yrd[yrd["province_code"] == 320000].to_crs(3857)
    assert len(jiangsu) == 13
    assert maps.boundary_attribution(jiangsu) == ECHARTS
    assert maps.boundary_attribution(yrd.assign(code=yrd["code"].astype(str))) == ECHARTS
    # the same 41 official codes on other outlines (moved 0.01° east, ~1 km) are not ours
    other = yrd.set_geometry(yrd.geometry.translate(xoff=0.01))
    assert maps.boundary_attribution(other) == ""
    # the user's own layer: no credit, unless they give one (argument or attrs)
    assert maps.boundary_attribution(grid) == ""
    own = grid.copy()
    own.attrs["attribution"] = "Boundaries: my survey"
    assert maps.boundary_attribution(own) == "Boundaries: my survey"
    html = maps.lisa_map(yrd.assign(cluster="Not significant")).get_root().render()
    assert ECHARTS in html
    html = maps.lisa_map(other.assign(cluster="Not significant")).get_root().render()
    assert "ECharts" not in html
    html = maps.lisa_map(grid, attribution="Boundaries: <b>me</b>").get_root().render()
    # escaped, then JSON-encoded into the addAttribution call
    assert 'addAttribution("Boundaries: \\u0026lt;b\\u0026gt;me' in html


def test_cli_attribution_warns_for_unknown_layers(grid, tmp_path, capsys):
    import geoproc

    layer = tmp_path / "own.gpkg"
    grid.to_file(layer, driver="GPKG")
    out = tmp_path / "own.html"
    assert cli_main(["map", str(layer), "--column", "cluster", "-o", str(out)]) == 0
    assert "pass --attribution" in capsys.readouterr().err
    assert "ECharts" not in out.read_text(encoding="utf-8")
    out2 = tmp_path / "own2.html"
    assert cli_main(["map", str(layer), "--column", "cluster", "-o", str(out2),
                     "--attribution", "Boundaries: my survey"]) == 0
    assert "pass --attribution" not in capsys.readouterr().err
    assert "Boundaries: my survey" in out2.read_text(encoding="utf-8")
    # a result written from the shipped cities (as 'geoproc lisa' writes it): credited, no warning
    yrd = geoproc.load_boundaries("yrd_cities").assign(cluster="Not significant")
    shipped = tmp_path / "lisa.gpkg"
    yrd.to_file(shipped, driver="GPKG")
    out3 = tmp_path / "yrd.html"
    assert cli_main(["map", str(shipped), "--column", "cluster", "-o", str(out3)]) == 0
    assert "pass --attribution" not in capsys.readouterr().err
    assert ECHARTS in out3.read_text(encoding="utf-8")


@pytest.mark.parametrize(("flags", "named"), [
    (["--raster", "k.tif", "--points", "p.csv"], "--raster cannot be combined with --points"),
    (["--raster", "k.tif", "--column", "lq"], "--raster cannot be combined with --column"),
    (["--raster", "k.tif", "--weights", "w.gal", "--column", "lq"],
     "--raster cannot be combined with --weights, --column"),
    (["--weights", "w.gal", "--points", "p.csv"], "--weights cannot be combined with --points"),
    (["--weights", "w.gal", "--kind", "lq"], "--weights cannot be combined with --kind lq"),
])
def test_cli_map_refuses_flags_the_map_would_drop(tmp_path, capsys, flags, named):
    # none of the files exist: the flags are refused before anything is read or written
    out = tmp_path / "m.html"
    assert cli_main(["map", str(tmp_path / "regions.gpkg"), *flags, "-o", str(out)]) == 2
    assert named in capsys.readouterr().err
    assert not out.exists()


# --- basemaps and the GCJ-02 display shift (issue 17) -------------------------------------
def test_basemap_choices_and_key():
    import xyzservices.providers as xyz

    from geoproc.maps.basemaps import get_basemap, tile_layers

    assert tile_layers(get_basemap("gaode"))[0]["tiles"] == xyz.Gaode.Normal.build_url()
    assert tile_layers(get_basemap("gaode-satellite"))[0]["tiles"] == xyz.Gaode.Satellite.build_url()
    assert tile_layers(get_basemap("osm"))[0]["tiles"] == xyz.OpenStreetMap.Mapnik.build_url()
    assert tile_layers(get_basemap(None)) == []
    t = tile_layers(get_basemap("tianditu", "K"), "K")
    assert [("LAYER=vec" in d["tiles"], "LAYER=cva" in d["tiles"], d["tiles"].endswith("tk=K")) for d in t] == [
        (True, False, True), (False, True, True)]
    with pytest.raises(GeoprocInputError, match="needs your key"):
        get_basemap("tianditu")
    with pytest.raises(GeoprocInputError, match="unknown"):
        get_basemap("baidu")


def _polygon_coords(m) -> np.ndarray:
    import folium

    gj = next(c for c in m._children.values() if isinstance(c, folium.GeoJson))
    return np.array(gj.data["features"][0]["geometry"]["coordinates"][0])


def test_gaode_shifts_overlays_into_gcj02_and_says_so(grid):
    from geoproc.datums import from_wgs84

    plain = maps.choropleth_map(grid, kind="lq", basemap="osm", tolerance=0)
    shifted = maps.choropleth_map(grid, kind="lq", basemap="gaode", tolerance=0)
    a, b = _polygon_coords(plain), _polygon_coords(shifted)
    x, y = from_wgs84(a[:, 0], a[:, 1], "gcj02")
    assert np.allclose(b[:, 0], x, atol=1e-5) and np.allclose(b[:, 1], y, atol=1e-5)
    assert np.abs(b - a).max() > 1e-3  # a few hundred metres, not a rounding
    html_gaode = maps.render_html(shifted)
    assert "GCJ-02" in html_gaode and "GCJ-02" not in maps.render_html(plain)
    # no basemap: the map names its regions itself; with tiles the basemap does
    assert "geoproc-label" in maps.render_html(maps.choropleth_map(grid, kind="lq", basemap="none"))
    assert 'class="geoproc-label"' not in maps.render_html(plain)


def test_raster_overlay_corners_shifted_on_gaode(grid, tmp_path):
    import folium
    import rasterio
    from rasterio.transform import from_origin

    from geoproc.datums import from_wgs84

    tif = tmp_path / "k.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(118.5, 31.5, 0.1, 0.1)) as ds:
        ds.write(np.ones((10, 10), dtype="float32"), 1)

    def corners(m):
        ov = next(c for c in m._children.values() if isinstance(c, folium.raster_layers.ImageOverlay))
        (s, w), (n, e) = ov.bounds
        return np.array([w, s, e, n])

    plain = corners(maps.raster_map(tif, regions=grid, basemap="none"))
    shifted = corners(maps.raster_map(tif, regions=grid, basemap="gaode"))
    (w, e), (s, n) = from_wgs84(plain[[0, 2]], plain[[1, 3]])
    assert np.allclose(shifted, [w, s, e, n], atol=1e-9)
    assert np.allclose(plain, [118.5, 30.5, 119.5, 31.5], atol=0.03)  # Web Mercator grid, about a pixel
