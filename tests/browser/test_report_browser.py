"""A pipeline's report.html (and one of its maps) in a real headless Chromium, network cut."""

from __future__ import annotations

import json

import pytest

from geoproc.pipeline import parse_pipeline, run_pipeline

PIPELINE = """\
[pipeline]
title = "Report in the browser <script>alert(1)</script>"

[steps.yrd]
kind = "boundaries"
source = "yrd_cities"

[steps.panel]
kind = "panel"
path = "{data}/demo/yrd_cities_panel_synthetic.csv"
regions = "yrd"

[steps.queen]
kind = "weights"
spec = "queen"
regions = "yrd"

[steps.lq]
kind = "location_quotient"
panel = "panel"
sector = "cultural_value_added"
total = "gdp"
name = "lq"

[steps.moran]
kind = "moran"
panel = "lq"
weights = "queen"
variables = ["lq"]
permutations = 99
seed = 1

[steps.lisa]
kind = "lisa"
regions = "yrd"
panel = "lq"
weights = "queen"
variable = "lq"
year = 2018
permutations = 99
seed = 1
layer = "lisa"

[steps.map_lisa]
kind = "map"
type = "lisa"
source = "lisa"

# a "Spatial weights" and a "Spatial Durbin model" section (once both anchored "spatial")
[steps.queen_r]
kind = "weights"
spec = "queen"
regions = "yrd"
row_standardize = true

[steps.model]
kind = "sdm"
panel = "lq"
weights = "queen_r"
y = "lq"
x = ["gdp"]
effects = "twoway"
lee_yu = true
draws = 100
seed = 1
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    toml = tmp / "p.toml"
    toml.write_text(PIPELINE, encoding="utf-8")
    run_pipeline(parse_pipeline(PIPELINE, toml), tmp / "out", log=None, project=False)
    return tmp / "out"


@pytest.mark.slow
def test_report_renders(chromium, run_dir):
    page = chromium.open(run_dir / "report.html", settle=0.3)
    assert page.js_errors == [] and page.dialogs == [] and page.requests == []
    # the title is text, not markup
    assert page.evaluate("document.querySelector('h1').textContent") == (
        "Report in the browser <script>alert(1)</script>")
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    # two figures (cluster map, Moran scatter), decoded by the browser
    sizes = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(sizes) == 2 and all(ok and w > 200 and h > 200 for ok, w, h in sizes), sizes
    # the Moran table shows the same I as report.json (rounded to 3 decimals in the layout)
    doc = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    i2018 = next(r["I"] for r in doc["steps"]["moran"]["rows"] if r["year"] == 2018)
    cells = page.evaluate("Array.from(document.querySelectorAll('table.moran-table tbody tr'))"
                          ".map(r => [r.querySelector('th').textContent, r.querySelector('td').textContent])")
    row = dict(cells)["2018"]
    assert row.rstrip("*") == f"{i2018:.3f}"
    # the page is laid out and painted: not a blank screenshot
    img = page.image()
    colours = img.resize((100, 70)).getcolors(10000)
    assert colours is not None and len(colours) > 5


@pytest.mark.slow
def test_pipeline_map_renders_offline(chromium, run_dir):
    page = chromium.open(run_dir / "maps" / "map_lisa.html")
    assert page.js_errors == [] and page.requests == []
    n = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    assert n >= 41  # one path per YRD city at least
    assert "High-High" in page.dom and "Not significant" in page.dom


@pytest.mark.slow
def test_report_anchors_and_both_sdm_estimates(chromium, run_dir):
    page = chromium.open(run_dir / "report.html", settle=0.3)
    ids = page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(ids) == len(set(ids)), ids
    # every table-of-contents link leads to the heading of its own title
    toc = page.evaluate("Array.from(document.querySelectorAll('ul.toc a')).map(a => [a.getAttribute('href'), "
                        "a.textContent, document.getElementById(a.getAttribute('href').slice(1)).textContent])")
    assert [t for _, t, _ in toc] == ["Inputs", "Spatial weights", "Indicators", "Global Moran's I",
                                      "Local clusters (LISA) and hot spots", "Spatial Durbin model", "HTML maps"]
    assert all(text == heading for _, text, heading in toc), toc
    # the SDM section shows the uncorrected (direct ML) and Lee-Yu corrected estimates side by side
    heads = page.evaluate("Array.from(document.querySelectorAll('div.sdm table.coef thead th'))"
                          ".map(th => th.textContent)")
    assert heads == ["Variable", "ML (direct)", "Lee\u2013Yu"]
    doc = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    res = doc["steps"]["model"]["result"]
    rho = page.evaluate("Array.from(document.querySelectorAll('div.sdm table.coef tbody tr'))"
                        ".filter(r => r.querySelector('th').textContent === '\u03c1')"
                        ".map(r => Array.from(r.querySelectorAll('td')).map(td => td.firstChild.textContent))[0]")
    assert [float(v.rstrip("*")) for v in rho] == pytest.approx(
        [round(res["rho"], 4), round(res["lee_yu"]["rho"], 4)], abs=1e-12)
    # Lee and Yu's correction changes the estimate (sigma^2 at least, by (T-1)/T)
    assert res["lee_yu"]["sigma2"] != res["sigma2"]
