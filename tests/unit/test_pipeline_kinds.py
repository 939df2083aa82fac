"""The step-kind registry, and results that carry their own region id column."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pyogrio
import pytest

import geoproc
from geoproc.pipeline import parse_pipeline, run_pipeline

DATA = Path(geoproc.__file__).resolve().parents[1] / "data"

CUSTOM_ID = """\
[steps.prov]
kind = "boundaries"
source = "provinces_adcode.gpkg"
id = "adcode"
layer = "provinces"

[steps.panel]
kind = "panel"
path = "{data}/demo/provinces_panel_synthetic.csv"
regions = "prov"

[steps.queen]
kind = "weights"
spec = "queen"
regions = "prov"
islands = "nearest"

[steps.lisa]
kind = "lisa"
regions = "prov"
panel = "panel"
weights = "queen"
variable = "cul"
year = 2018
permutations = 99
seed = 1
layer = "lisa_cul"
"""


def test_custom_region_id_runs_through_the_report(tmp_path):
    # the shipped provinces with their id column called "adcode" (as in many
    # boundary files); the panel keeps "code": the LISA result carries "adcode"
    gdf = pyogrio.read_dataframe(DATA / "boundaries" / "china_provinces.gpkg").rename(columns={"code": "adcode"})
    pyogrio.write_dataframe(gdf, tmp_path / "provinces_adcode.gpkg", driver="GPKG")
    toml = tmp_path / "p.toml"
    toml.write_text(CUSTOM_ID, encoding="utf-8")
    run_pipeline(parse_pipeline(CUSTOM_ID, toml), tmp_path / "out", log=None, project=False)

    lisa = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["steps"]["lisa"]
    rows = {r["adcode"]: r for r in lisa["regions"]}
    assert len(rows) == 31 and sum(lisa["clusters"].values()) == 31
    # the value reported for Shanghai is the panel's, read independently here
    import pandas as pd

    panel = pd.read_csv(DATA / "demo" / "provinces_panel_synthetic.csv")
    want = panel[(panel.code == 310000) & (panel.year == 2018)]["cul"].item()
    assert rows[310000]["value"] == pytest.approx(want)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "id='step-lisa'" in page and "Moran scatter: cul 2018" in page and "LISA clusters: cul 2018" in page
    con = sqlite3.connect(tmp_path / "out" / "results.gpkg")
    try:
        assert con.execute("SELECT COUNT(*) FROM lisa_cul").fetchone()[0] == 31
    finally:
        con.close()


def test_report_errors_name_the_report(tmp_path, monkeypatch):
    from geoproc.errors import GeoprocInputError
    from geoproc.pipeline.kinds import lisa

    def broken(self, step, out, ctx):
        raise GeoprocInputError("values: no value for regions 310000")

    monkeypatch.setattr(lisa.Lisa, "figures", broken)
    text = CUSTOM_ID.replace('source = "provinces_adcode.gpkg"\nid = "adcode"', 'source = "china_provinces"')
    toml = tmp_path / "p.toml"
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(GeoprocInputError, match=r"^report: section of step lisa \(lisa\): values: no value"):
        run_pipeline(parse_pipeline(text, toml), tmp_path / "out", log=None, project=False)
    # the steps and the GeoPackage were written before the report failed
    assert (tmp_path / "out" / "results.gpkg").is_file() and not (tmp_path / "out" / "report.json").exists()


def test_every_kind_is_complete_in_its_own_module():
    from geoproc.pipeline.kinds.registry import KINDS, SECTIONS

    for name, kind in KINDS.items():
        assert kind.name == name and type(kind).__module__.endswith(f".{name}")
        assert kind.section in SECTIONS
        assert type(kind).run is not type(kind).__mro__[-2].run, name  # each kind has its own run
        for opt, spec in kind.options.items():
            for ref in spec.ref:
                assert ref in KINDS, f"{name}.{opt} names unknown kind {ref}"
    # the report's sections follow the kinds' order: inputs first, the HTML maps last
    assert SECTIONS[0] == "Inputs" and SECTIONS[-1] == "HTML maps"


def test_project_writer_is_found_as_a_module_and_runs_as_one():
    import os
    import subprocess
    import sys

    from geoproc.pipeline.outputs import project_writer

    module, origin = project_writer()
    assert module == "qgis_plugin.project_writer"
    assert origin == Path(__file__).resolve().parents[2] / "qgis_plugin" / "project_writer.py"
    # ``python -m`` from elsewhere, with the package root on the path as write_project sets it:
    # without a spec it prints its usage (before importing QGIS) and exits with 2
    env = {**os.environ, "PYTHONPATH": str(origin.parents[1])}
    r = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True, cwd="/", env=env, timeout=60)
    assert r.returncode == 2 and "usage: project_writer.py" in r.stderr
