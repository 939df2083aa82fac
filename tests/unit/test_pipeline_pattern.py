"""``kind = "pattern"`` in a pipeline: ellipses layer, nearest-neighbour index, Ripley curves, map, report."""

import json
import math
import re
import sqlite3
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import geoproc
from geoproc.errors import GeoprocInputError
from geoproc.pipeline import parse_pipeline, run_pipeline

pytest.importorskip("folium")

PIPELINE = """\
[pipeline]
title = "parks"

[steps.yrd]
kind = "boundaries"
source = "yrd_cities"

[steps.parks]
kind = "points"
path = "{data}/demo/yrd_parks_synthetic.csv"

[steps.patterns]
kind = "pattern"
points = "parks"
regions = "yrd"
by = "year"
cumulative = true
ripley = true
distances = [10000, 30000]
simulations = 9
seed = 3
layer = "park_ellipses"
map = true
"""


def test_pattern_step_outputs_and_report(tmp_path):
    toml = tmp_path / "p.toml"
    toml.write_text(PIPELINE, encoding="utf-8")
    run_pipeline(parse_pipeline(PIPELINE, toml), tmp_path / "out", log=None, project=False)
    out = tmp_path / "out"
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))["steps"]["patterns"]
    parks = pd.read_csv(geoproc.__file__.replace("geoproc/__init__.py", "data/demo/yrd_parks_synthetic.csv"))
    years = sorted(parks.year.unique())
    assert [r["year"] for r in rep["ellipse"]["groups"]] == years
    assert rep["ellipse"]["groups"][-1]["n"] == len(parks)
    # nearest-neighbour z of all parks (2022, cumulative) by hand: Clark & Evans in UTM 50N
    pts = geoproc.read_points(parks)
    xy = pts.to_crs(32650).get_coordinates().to_numpy()
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        area = geoproc.point_density(pts, geoproc.load_boundaries("yrd_cities"), id="code").area_km2.sum() * 1e6
    n = len(xy)
    do, de = d.min(axis=1).mean(), 0.5 / math.sqrt(n / area)
    last = rep["ann"]["groups"][-1]
    assert last["z"] == pytest.approx((do - de) / (0.26136 / math.sqrt(n * n / area)), rel=1e-6)
    # the GeoPackage layer (an outline per year) and the Ripley curves
    layer = gpd.read_file(out / "results.gpkg", layer="park_ellipses")
    assert layer.year.tolist() == years and layer.crs.to_epsg() == 32650
    con = sqlite3.connect(out / "results.gpkg")
    try:
        name, qml = con.execute("SELECT styleName, styleQML FROM layer_styles "
                                "WHERE f_table_name = 'park_ellipses'").fetchone()
        assert name == "sde_ellipses"
        # a category per year, outlines from the ellipse palette's first to last colour
        assert re.findall(r'<category symbol="\d+" value="(\d+)"', qml) == [str(y) for y in years]
        assert 'value="254,196,79,255"' in qml and 'value="153,52,4,255"' in qml
    finally:
        con.close()
    curves = pd.read_csv(out / "patterns_ripley.csv")
    assert len(curves) == 2 * len(years) and set(curves.r_m) == {10000.0, 30000.0}
    assert rep["ripley"]["groups"][-1]["distances"] == 2
    html = (out / "maps" / "patterns.html").read_text(encoding="utf-8")
    assert "year 2022" in html
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Point patterns" in page and "Standard deviational ellipses" in page and "Clark &amp; Evans" in page


@pytest.mark.parametrize(("extra", "message"), [
    ('by = "year"\nripley = true\ncumulative = true', "ripley = true needs regions"),
    ("cumulative = true", "cumulative = true needs by"),
    ("ellipse = false\nann = false", "nothing to compute"),
    ("ellipse = false\nmap = true", "layer and map draw the ellipses"),
])
def test_pattern_step_checks(tmp_path, extra, message):
    text = PIPELINE.split("[steps.patterns]")[0] + f'[steps.p]\nkind = "pattern"\npoints = "parks"\n{extra}\n'
    with pytest.raises(GeoprocInputError, match=message):
        parse_pipeline(text, tmp_path / "p.toml")
