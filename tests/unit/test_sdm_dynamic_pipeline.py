"""A pipeline's sdm step with ``dynamic = "both"``: the library's numbers, labelled report."""

from __future__ import annotations

import json

import numpy as np
import pytest

import geoproc
from geoproc.durbin.dynamic_model import sdm_dynamic
from geoproc.pipeline import parse_pipeline, run_pipeline

TEXT = """\
[steps.prov]
kind = "boundaries"
source = "china_provinces"

[steps.panel]
kind = "panel"
path = "{data}/demo/provinces_panel_synthetic.csv"
regions = "prov"

[steps.w]
kind = "weights"
spec = "knn:4"
regions = "prov"
row_standardize = true

[steps.dyn]
kind = "sdm"
panel = "panel"
weights = "w"
y = "cul"
x = ["dig", "urbanisation"]
dynamic = "both"
draws = 200
seed = 4
"""


def test_dynamic_sdm_step(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text(TEXT, encoding="utf-8")
    res = run_pipeline(parse_pipeline(TEXT, p), tmp_path / "out", log=lambda m: None,
                       project=False)
    report = json.loads(next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8"))
    step = report["dyn"] if "dyn" in report else report["steps"]["dyn"]
    panel = geoproc.read_panel(geoproc.__path__[0] + "/_data/demo/provinces_panel_synthetic.csv",
                               id="code", year="year")
    w = geoproc.build_weights("knn:4", geoproc.load_boundaries("china_provinces"),
                              row_standardize=True)
    api = sdm_dynamic(panel, w, "cul", ["dig", "urbanisation"], draws=200, seed=4)
    assert step["result"]["tau"] == pytest.approx(api.tau, rel=1e-8)
    assert step["result"]["effects"]["dig"]["long_run"]["total"] == pytest.approx(
        api.effects["long_run"].loc["dig", "total"], rel=1e-8)
    assert {r["horizon"] for r in step["effects"]} == {"short_run", "long_run"}
    page = next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")
    assert "Long-run effects" in page
    assert res is not None and np.isfinite(api.rho)


def test_select_sdm_step(tmp_path):
    from geoproc.durbin.selection import select_model

    text = TEXT.replace('dynamic = "both"\ndraws = 200\nseed = 4\n', "select = true\n")
    p = tmp_path / "p.toml"
    p.write_text(text, encoding="utf-8")
    run_pipeline(parse_pipeline(text, p), tmp_path / "out", log=lambda m: None, project=False)
    report = json.loads(next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8"))
    step = report["dyn"] if "dyn" in report else report["steps"]["dyn"]
    panel = geoproc.read_panel(geoproc.__path__[0] + "/_data/demo/provinces_panel_synthetic.csv",
                               id="code", year="year")
    w = geoproc.build_weights("knn:4", geoproc.load_boundaries("china_provinces"),
                              row_standardize=True)
    api = select_model(panel, w, "cul", ["dig", "urbanisation"])
    assert step["result"]["chosen"] == api.chosen
    page = next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")
    assert "Model selection (Elhorst" in page


STATIC = TEXT.split("[steps.dyn]")[0] + """\
[steps.sac]
kind = "sdm"
panel = "panel"
weights = "w"
y = "cul"
x = ["dig", "urbanisation"]
model = "sac"
draws = 0
tests = false

[steps.re]
kind = "sdm"
panel = "panel"
weights = "w"
y = "cul"
x = ["dig", "urbanisation"]
random_effects = true
draws = 0
tests = false

[steps.ly]
kind = "sdm"
panel = "panel"
weights = "w"
y = "cul"
x = ["dig", "urbanisation"]
lee_yu = true
draws = 50
seed = 2
"""


def test_sac_random_effects_and_lee_yu_steps(tmp_path):
    """The pipeline reaches SAC, random effects and the Lee-Yu tests: each step's numbers are
    the library's, and the Lee-Yu step reports its own effects and tests."""
    p = tmp_path / "p.toml"
    p.write_text(STATIC, encoding="utf-8")
    run_pipeline(parse_pipeline(STATIC, p), tmp_path / "out", log=lambda m: None, project=False)
    report = json.loads(next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8"))
    steps = report.get("steps", report)
    panel = geoproc.read_panel(geoproc.__path__[0] + "/_data/demo/provinces_panel_synthetic.csv",
                               id="code", year="year")
    w = geoproc.build_weights("knn:4", geoproc.load_boundaries("china_provinces"),
                              row_standardize=True)
    kw = dict(y="cul", x=["dig", "urbanisation"], row_standardize=True)
    sac = geoproc.sdm(panel, w, model="sac", draws=0, tests=False, **kw)
    assert steps["sac"]["result"]["lambda"] == pytest.approx(sac.params["lambda"], rel=1e-8)
    re = geoproc.sdm(panel, w, random_effects=True, draws=0, tests=False, **kw)
    assert steps["re"]["result"]["fixed_effects"] == "random_twoway"
    assert steps["re"]["result"]["rho"] == pytest.approx(re.rho, rel=1e-8)
    ly = geoproc.sdm(panel, w, lee_yu=True, draws=50, seed=2, **kw)
    res = steps["ly"]["result"]
    assert res["estimator"] == "lee_yu"
    assert res["lee_yu"]["tests"]["lr_sar"]["stat"] == pytest.approx(ly.tests["lr_sar_lee_yu"].stat)
    got = {r["index"] if "index" in r else r["variable"]: r["direct"]
           for r in steps["ly"]["effects_lee_yu"]}
    assert got["dig"] == pytest.approx(ly.lee_yu.effects.loc["dig", "direct"])
