"""The city-level demo pipeline (geoproc/pipelines/cities.toml) end to end, and its panel.

The SDM estimates are checked against the parameters the synthetic panel was simulated
with (data/demo/cities_panel_synthetic_truth.json), not against a previous run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import geoproc
from geoproc.cli import main
from geoproc.pipeline import demo_pipeline_path

ROOT = Path(geoproc.__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cities")
    text = demo_pipeline_path("cities").read_text(encoding="utf-8")
    assert text.count("permutations = 999") == 2 and "draws = 500" in text
    toml = tmp / "cities_light.toml"
    toml.write_text(text.replace("permutations = 999", "permutations = 99").replace("draws = 500", "draws = 100"),
                    encoding="utf-8")
    assert main(["run", str(toml), "-o", str(tmp / "out"), "-q", "--no-project"]) == 0
    return json.loads((tmp / "out" / "report.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_sdm_recovers_the_simulated_parameters(run):
    # The panel is simulated once with a fixed seed, so the estimates are fixed numbers; a
    # correct estimator puts each within a few standard errors of the truth. 3 SE: with 7
    # parameters the chance that a correct fit of a fresh draw fails is about 2 % (seen here:
    # the largest |z| is 1.7, beta[gdp_per_capita]); a wrong W, a dropped fixed effect or a
    # sign error moves rho or theta by tens of SEs (rho's SE is 0.02 for 297 x 11).
    truth = json.loads((DEMO / "cities_panel_synthetic_truth.json").read_text(encoding="utf-8"))
    fit = run["steps"]["sdm"]["result"]
    assert fit["n"] == 297 and fit["t"] == 11
    assert abs(fit["rho"] - truth["rho"]) < 3 * fit["se"]["rho"]
    for group in ("beta", "theta"):
        for k, b in truth[group].items():
            assert abs(fit[group][k] - b) < 3 * fit["se"][group][k], (group, k)
    # total effects of a row-standardised W in closed form, (beta + theta) / (1 - rho)
    # (LeSage & Pace 2009, eq. 2.46: the row sums of (I - rho W)^-1 are all 1 / (1 - rho));
    # their SEs come from the simulation with the pipeline's 100 draws
    for k in truth["beta"]:
        total = (truth["beta"][k] + truth["theta"][k]) / (1 - truth["rho"])
        eff = fit["effects"][k]
        assert abs(eff["total"] - total) < 3 * eff["total_se"] + 1e-3, k
    assert run["synthetic_data"]


@pytest.mark.slow
def test_every_step_ran(run):
    assert set(run["steps"]) >= {"cities", "panel", "queen", "distance", "gravity", "moran", "lisa", "sdm"}
    assert run["steps"]["cities"]["regions"] == 297


def test_panel_is_reproducible_and_marked_synthetic():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from make_city_panel import make_panel
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    panel, truth = make_panel()
    shipped = pd.read_csv(DEMO / "cities_panel_synthetic.csv")
    pd.testing.assert_frame_equal(panel, shipped, check_dtype=False)
    assert (shipped["source"] == "synthetic").all()
    assert shipped.groupby("code").size().eq(11).all() and shipped["code"].nunique() == 297
    assert set(shipped["code"]) == set(geoproc.load_boundaries("china_cities_yearbook")["code"])
    assert truth == json.loads((DEMO / "cities_panel_synthetic_truth.json").read_text(encoding="utf-8"))


def test_demo_study_cities_checks(tmp_path, capsys):
    assert main(["demo", "--study", "cities", "--check", "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "cities.toml: valid, 9 steps" in out and "sdm (sdm)" in out
