"""The pipeline's hotspots step: ArcGIS's convention by default, permutation as an option,
the same numbers as geoproc.getis_ord, and the report and map legend naming the inference."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import geoproc
from geoproc.pipeline import parse_pipeline, run_pipeline

DATA = Path(geoproc.__file__).resolve().parents[1] / "data"

TOML = """\
[steps.prov]
kind = "boundaries"
source = "china_provinces"

[steps.panel]
kind = "panel"
path = "{data}/demo/provinces_panel_synthetic.csv"
regions = "prov"

[steps.knn]
kind = "weights"
spec = "knn:6"
regions = "prov"
centroid = "representative"

[steps.gi]
kind = "hotspots"
regions = "prov"
panel = "panel"
weights = "knn"
variable = "cul"
year = 2021

[steps.gi_perm]
kind = "hotspots"
regions = "prov"
panel = "panel"
weights = "knn"
variable = "cul"
year = 2021
inference = "permutation"
permutations = 99
seed = 3
transform = "R"

[steps.gi_map]
kind = "map"
type = "hotspot"
source = "gi"
"""


def test_hotspots_step_default_and_permutation(tmp_path):
    toml = tmp_path / "p.toml"
    toml.write_text(TOML, encoding="utf-8")
    run_pipeline(parse_pipeline(TOML, toml), tmp_path / "out", log=None, project=False)
    steps = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["steps"]

    regions = geoproc.read_regions("china_provinces")
    panel = pd.read_csv(DATA / "demo" / "provinces_panel_synthetic.csv")
    values = panel[panel.year == 2021].set_index("code")["cul"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = geoproc.build_weights("knn:6", regions, centroid="representative")
    for name, kw in (("gi", {}), ("gi_perm", {"inference": "permutation", "permutations": 99, "seed": 3,
                                              "transform": "R"})):
        want = geoproc.getis_ord(regions, values, w, **kw).set_index("code")
        rows = {r["code"]: r for r in steps[name]["regions"]}
        assert len(rows) == 31
        for code, r in rows.items():
            assert r["gi_z"] == pytest.approx(want.at[code, "gi_z"], rel=1e-12)
            assert r["gi_p"] == pytest.approx(want.at[code, "gi_p"], rel=1e-12)
            assert r["hotspot"] == want.at[code, "hotspot"]
    assert steps["gi"]["inference"] == "z under normality, binary weights"
    assert steps["gi_perm"]["inference"] == "99 conditional permutations, seed 3, row-standardised weights"
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Gi* hot and cold spots: cul 2021 (z under normality, binary weights)" in page
    legend = (tmp_path / "out" / "maps" / "gi_map.html").read_text(encoding="utf-8")
    assert "Getis-Ord Gi* hot and cold spots (z under normality, binary weights)" in legend
