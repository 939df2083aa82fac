"""Running pipelines: outputs, numbers equal to the library's, caching, overwrite rules."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import geoproc
from geoproc.palettes import raster_qml
from geoproc.pipeline import parse_pipeline, run_pipeline
from geoproc.pipeline.outputs import style_qml

DATA = Path(geoproc.__file__).resolve().parents[1] / "data" / "demo"

SMALL = """\
[pipeline]
title = "small"

[steps.yrd]
kind = "boundaries"
source = "yrd_cities"
layer = "yrd_cities"

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
variables = ["lq", "gdp"]
permutations = 99
seed = 7

[steps.lisa]
kind = "lisa"
regions = "yrd"
panel = "lq"
weights = "queen"
variable = "lq"
year = 2018
permutations = 99
seed = 3
layer = "lisa_lq"
"""


def _run(tmp_path, text=SMALL, out="out", **kw):
    p = tmp_path / "p.toml"
    p.write_text(text, encoding="utf-8")
    msgs: list[str] = []
    res = run_pipeline(parse_pipeline(text, p), tmp_path / out, log=msgs.append, project=False, **kw)
    return res, msgs


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("small")
    res, msgs = _run(tmp)
    return tmp, res, msgs


def _yrd_lq():
    panel = geoproc.read_panel(DATA / "yrd_cities_panel_synthetic.csv", regions="yrd_cities")
    panel = panel.assign(lq=geoproc.location_quotient(panel, "cultural_value_added", "gdp"))
    regions = geoproc.load_boundaries("yrd_cities")
    w = geoproc.build_weights("queen", regions, id="code")
    return panel, regions, w


@pytest.mark.slow
def test_small_run_outputs_and_progress(small_run):
    tmp, res, msgs = small_run
    out = tmp / "out"
    assert res.ran == ["yrd", "panel", "queen", "lq", "moran", "lisa", "geopackage", "report"]
    for f in ["queen.gwt", "results.gpkg", "report.html", "report.json", ".geoproc/state.json"]:
        assert (out / f).is_file(), f
    # one line per step with its time
    assert len(msgs) == 8 and all(m.rstrip().endswith(" s") for m in msgs)
    assert msgs[0].startswith("[1/8] yrd (boundaries): ")


def test_report_numbers_equal_the_library(small_run):
    tmp, _, _ = small_run
    doc = json.loads((tmp / "out" / "report.json").read_text(encoding="utf-8"))
    panel, regions, w = _yrd_lq()
    direct = geoproc.moran_table(panel, w, ["lq", "gdp"], permutations=99, seed=7).to_frame()
    rows = doc["steps"]["moran"]["rows"]
    assert len(rows) == len(direct) == 10  # 5 years x 2 variables
    for r, (_, d) in zip(rows, direct.iterrows(), strict=True):
        assert (r["year"], r["variable"]) == (d["year"], d["variable"])
        for k in ("I", "EI", "z_norm", "p_norm", "z_rand", "p_sim"):
            assert r[k] == d[k], k  # JSON keeps every digit
    values = panel[panel.year == 2018].set_index("code")["lq"]
    lisa = geoproc.local_moran(regions, values, w, permutations=99, seed=3, id="code")
    got = {r["code"]: r for r in doc["steps"]["lisa"]["regions"]}
    for _, d in lisa.iterrows():
        assert got[d["code"]]["lisa_I"] == d["lisa_I"]
        assert got[d["code"]]["lisa_p"] == d["lisa_p"]
        assert got[d["code"]]["cluster"] == d["cluster"]
    counts = lisa["cluster"].value_counts().to_dict()
    assert doc["steps"]["lisa"]["clusters"] == counts
    html = (tmp / "out" / "report.html").read_text(encoding="utf-8")
    assert "Global Moran" in html and "data:image/png;base64," in html and "Synthetic data" in html


def test_geopackage_layers_carry_their_qgis_styles(small_run):
    tmp, _, _ = small_run
    gpkg = tmp / "out" / "results.gpkg"
    con = sqlite3.connect(gpkg)
    rows = con.execute("SELECT f_table_name, f_geometry_column, styleName, styleQML, useAsDefault "
                       "FROM layer_styles ORDER BY f_table_name").fetchall()
    contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
    con.close()
    assert [r[0] for r in rows] == ["lisa_lq", "yrd_cities"]
    assert all(r[4] == 1 and r[1] == "geom" for r in rows)
    assert rows[0][2] == "lisa_clusters" and rows[0][3] == style_qml("lisa_clusters")
    assert rows[0][3] == (geoproc.palettes.styles_dir() / "lisa_clusters.qml").read_text(encoding="utf-8")
    assert contents == {"yrd_cities": "features", "lisa_lq": "features", "layer_styles": "attributes"}
    import pyogrio

    lisa = pyogrio.read_dataframe(gpkg, layer="lisa_lq")
    assert len(lisa) == 41 and {"cluster", "lisa_I", "lisa_p", "value"} <= set(lisa.columns)


def test_unchanged_rerun_skips_everything(small_run, tmp_path):
    tmp, _, _ = small_run
    state = (tmp / "out" / ".geoproc" / "state.json").read_text()
    res, msgs = _run(tmp)
    assert res.ran == [] and len(res.skipped) == 8
    assert all(m.endswith("unchanged, skipped") for m in msgs)
    assert (tmp / "out" / ".geoproc" / "state.json").read_text() == state


@pytest.mark.slow
def test_changing_one_option_reruns_only_its_dependents(tmp_path):
    _run(tmp_path)
    before = (tmp_path / "out" / "report.json").read_text(encoding="utf-8")
    res, _ = _run(tmp_path, SMALL.replace("seed = 3", "seed = 4"), overwrite=True)
    assert res.ran == ["lisa", "geopackage", "report"]
    assert json.loads(before)["steps"]["moran"] == json.loads(
        (tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["steps"]["moran"]


@pytest.mark.slow
def test_panel_content_change_reruns_dependents(tmp_path):
    csv = tmp_path / "panel.csv"
    csv.write_bytes((DATA / "yrd_cities_panel_synthetic.csv").read_bytes())
    text = SMALL.replace("{data}/demo/yrd_cities_panel_synthetic.csv", str(csv))
    _run(tmp_path, text)
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("1703.44", "1703.45")  # Shanghai 2015, one cent more
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res, _ = _run(tmp_path, text, overwrite=True)
    assert res.ran == ["panel", "lq", "moran", "lisa", "geopackage", "report"]


@pytest.mark.slow
def test_force_redoes_everything(small_run, tmp_path):
    res, _ = _run(tmp_path)
    res, _ = _run(tmp_path, force=True, overwrite=True)
    assert len(res.ran) == 8 and res.skipped == []


def test_no_overwrite_without_permission(tmp_path):
    _run(tmp_path)
    state = (tmp_path / "out" / ".geoproc" / "state.json").read_text()
    report = (tmp_path / "out" / "report.json").read_text()
    with pytest.raises(FileExistsError, match="results.gpkg.*report.html.*--overwrite"):
        _run(tmp_path, SMALL.replace("seed = 3", "seed = 5"))
    # refused before computing: nothing changed
    assert (tmp_path / "out" / ".geoproc" / "state.json").read_text() == state
    assert (tmp_path / "out" / "report.json").read_text() == report


def test_existing_files_in_a_fresh_folder_are_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("mine")
    with pytest.raises(FileExistsError, match="report.html"):
        _run(tmp_path)
    assert (out / "report.html").read_text() == "mine"
    assert not (out / ".geoproc").exists()


def test_deleted_output_is_rebuilt(tmp_path):
    _run(tmp_path)
    (tmp_path / "out" / "queen.gwt").unlink()
    res, _ = _run(tmp_path)
    assert res.ran == ["queen"]  # same content, so its dependents keep their keys
    assert (tmp_path / "out" / "queen.gwt").is_file()


def test_step_error_names_the_step_and_keeps_earlier_results(tmp_path):
    # GDP is above cultural value added everywhere: the library refuses the swapped LQ at run time
    bad = SMALL.replace('sector = "cultural_value_added"\ntotal = "gdp"', 'sector = "gdp"\ntotal = "cultural_value_added"')
    assert bad != SMALL
    with pytest.raises(geoproc.GeoprocInputError, match=r"^step lq \(location_quotient\): "):
        _run(tmp_path, bad)
    res, _ = _run(tmp_path, SMALL, overwrite=True)
    # the steps before the failure were cached
    assert res.ran == ["lq", "moran", "lisa", "geopackage", "report"]


def test_text_column_is_refused_naming_it(tmp_path):
    bad = SMALL.replace('variable = "lq"', 'variable = "name_en"')
    # geoproc.panel's message, with every offending region and its value (the wording of
    # main, or of the consolidated Panel checks on h12-core)
    with pytest.raises(geoproc.GeoprocInputError,
                       match=r"^step lisa \(lisa\): .*column 'name_en' (has non-numeric values at 310000 2018 "
                             r"\('Shanghai'\)|is not numeric at row 3 \(310000 in 2018\): 'Shanghai')"):
        _run(tmp_path, bad)


def test_kde_sidecar_ramp_is_rescaled_to_the_maximum():
    vmax = 2.5
    root = ET.fromstring(raster_qml("kde", vmax).partition("\n")[2])
    items = root.findall(".//colorrampshader/item")
    # kde_raster.qml's stops at 0, 0.1, 0.3, 0.6, 1 of the maximum (styles/README.md)
    assert [float(i.get("value")) for i in items] == pytest.approx([0, 0.25, 0.75, 1.5, 2.5])
    assert [i.get("alpha") for i in items] == ["0", "255", "255", "255", "255"]
    assert [i.get("color") for i in items] == ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    assert float(root.find(".//rasterrenderer").get("classificationMax")) == 2.5
    assert np.isclose(float(root.find(".//colorrampshader").get("maximumValue")), 2.5)


@pytest.mark.slow
def test_without_a_qgis_python_only_the_project_is_skipped(tmp_path, monkeypatch):
    from geoproc.pipeline import outputs

    monkeypatch.setattr(outputs, "find_qgis_python", lambda: None)
    res, msgs = _run_with_project(tmp_path)
    assert "project.qgz" not in res.files and not (tmp_path / "out" / "project.qgz").exists()
    assert any("no Python that imports QGIS" in n for n in res.notes)
    assert (tmp_path / "out" / "results.gpkg").is_file() and (tmp_path / "out" / "report.json").is_file()
    assert msgs[-1].startswith("[9/9] project: skipped: QGIS project not written")
    # the project is not recorded as done: a later run with QGIS writes it
    state = json.loads((tmp_path / "out" / ".geoproc" / "state.json").read_text())
    assert "project" not in state["steps"] and "report" in state["steps"]


def _run_with_project(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text(SMALL, encoding="utf-8")
    msgs: list[str] = []
    res = run_pipeline(parse_pipeline(SMALL, p), tmp_path / "out", log=msgs.append, project=True)
    return res, msgs


def test_section_anchors_are_whole_unique_titles():
    from geoproc.pipeline.kinds.registry import SECTIONS
    from geoproc.pipeline.report import section_anchors

    anchors = section_anchors(SECTIONS)
    # "Spatial weights" and "Spatial Durbin model" both became "spatial" before
    assert anchors[1] == "spatial-weights" and anchors[6] == "spatial-durbin-model"
    assert len(set(anchors)) == len(anchors)
    assert section_anchors(["Moran's I", "Moran’s I", "step a"]) == ["morans-i", "morans-i-2", "section-step-a"]
    assert section_anchors(["A b", "a-b", "A  B"]) == ["a-b", "a-b-2", "a-b-3"]
