"""Standard deviational ellipses on the HTML map: drawn where they are, escaped, legend, offline."""

import json
import re

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer

import geoproc
from geoproc.errors import GeoprocInputError
from geoproc.maps import ellipse_map

pytest.importorskip("folium")


def _result(by="year"):
    rng = np.random.default_rng(7)
    lon = np.r_[rng.normal(120.5, 0.3, 30), rng.normal(121.0, 0.2, 30)]
    lat = np.r_[rng.normal(31.0, 0.1, 30), rng.normal(31.3, 0.3, 30)]
    pts = gpd.GeoDataFrame({"year": [2010] * 30 + [2020] * 30, "type": ["<b>x</b>"] * 60},
                           geometry=gpd.points_from_xy(lon, lat), crs=4326)
    return geoproc.standard_deviational_ellipse(pts, by=by)


def _geojson(html):
    """The FeatureCollections folium embedded in the page."""
    return [json.loads(m) for m in re.findall(r'(\{"features": \[.*?\], "type": "FeatureCollection"\})', html)]


def test_ellipses_drawn_in_lonlat_with_colours_and_legend(tmp_path):
    res = _result()
    out = tmp_path / "sde.html"
    ellipse_map(res, out, regions=geoproc.load_boundaries("yrd_cities"), offline=True)
    html = out.read_text(encoding="utf-8")
    ellipses = next(fc for fc in _geojson(html) if "_colour" in fc["features"][0]["properties"])
    assert [f["properties"]["_colour"] for f in ellipses["features"]] == ["#fec44f", "#993404"]
    # the first vertex of the 2010 ellipse, projected back by hand from UTM to lon/lat
    x, y = res.ellipses.geometry.iloc[0].exterior.coords[0]
    lon, lat = Transformer.from_crs(res.crs, 4326, always_xy=True).transform(x, y)
    got = ellipses["features"][0]["geometry"]["coordinates"][0][0]
    assert got == pytest.approx([lon, lat], abs=1.1e-5)
    assert "year 2010" in html and "year 2020" in html and "mean centre" in html
    assert "tile.openstreetmap" not in html  # offline: no tiles


def test_group_labels_are_escaped_and_layer_read_back(tmp_path):
    res = _result(by="type")
    html = ellipse_map(res).get_root().render()
    assert "<b>x</b>" not in html.replace("<b>type", "")  # the data's markup is text
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    path = tmp_path / "e.gpkg"
    _result().to_file(path)
    m = ellipse_map(gpd.read_file(path))  # the layer as written: group column first
    assert "year 2020" in m.get_root().render()


def test_bad_input(tmp_path):
    with pytest.raises(GeoprocInputError, match="expected an EllipseResult or a GeoDataFrame"):
        ellipse_map([1, 2])
    with pytest.raises(GeoprocInputError, match="must end in .html"):
        ellipse_map(_result(), tmp_path / "x.png")
