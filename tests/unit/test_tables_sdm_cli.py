"""``geoproc sdm`` with several columns: repeated --weights, --model sdm,sar, --by subsamples;
the written DOCX and {"models": [...]} JSON checked against fits made directly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import geoproc
from geoproc._paths import data_dir
from geoproc.cli import main
from geoproc.weights.base import SpatialWeights

docx = pytest.importorskip("docx")
pytestmark = pytest.mark.filterwarnings("ignore:the area centroid lies outside")

PANEL = data_dir() / "demo" / "provinces_panel_synthetic.csv"
X = ["dig", "cultural_demand", "urbanisation"]
# the official eastern and central provinces (by the first two digits of the code)
EAST = {11, 12, 13, 21, 31, 32, 33, 35, 37, 44, 46}
CENTRAL = {14, 22, 23, 34, 36, 41, 42, 43}


def _zone(code: int) -> str:
    return "东部" if code // 10000 in EAST else "中部" if code // 10000 in CENTRAL else "西部"


def test_weights_x_models_docx_and_json(tmp_path, capsys):
    out, js = tmp_path / "sdm.docx", tmp_path / "sdm.json"
    argv = ["sdm", str(PANEL), "--y", "cul", "--x", "dig", "--controls", "cultural_demand,urbanisation",
            "--weights", "staff=gravity:rd_staff", "--weights", "k4=knn:4", "--model", "sdm,sar",
            "--draws", "50", "--seed", "2", "--lang", "zh", "--labels", "dig=数字技术",
            "-o", str(out), "--json", str(js)]
    assert main(argv) == 0
    assert "4 columns" in capsys.readouterr().out
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert [(m["weights"], m["model"], m["group"]) for m in doc["models"]] == [
        ("staff", "sdm", None), ("staff", "sar", None), ("k4", "sdm", None), ("k4", "sar", None)]
    panel = geoproc.read_panel(PANEL)
    ref = geoproc.sdm(panel, "knn:4", y="cul", x=X, model="sar", draws=50, seed=2, row_standardize=True)
    m = doc["models"][3]
    assert_allclose([m["beta"][v] for v in X], ref.beta.to_numpy(), rtol=1e-9)
    assert_allclose(m["rho"], ref.rho, rtol=1e-9)
    assert_allclose(m["tests"]["lr_sar"]["stat"], ref.tests["lr_sar"].stat, rtol=1e-7)
    d = docx.Document(str(out))
    assert len(d.tables) == 3  # coefficients, effects, tests
    grid = [[c.text for c in r.cells] for r in d.tables[0].rows]
    assert grid[0][1:] == ["staff", "staff", "k4", "k4"]  # spanning weights header
    assert grid[2][1:] == ["SDM", "SAR", "SDM", "SAR"]
    i = [r[0] for r in grid].index("数字技术")
    p = ref.p["dig"]
    stars = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    assert grid[i][4] == f"{ref.beta['dig']:.3f}{stars}"
    assert grid[i + 1][4] == f"({ref.se['dig']:.3f})"


def test_by_subsamples_restrict_and_restandardise(tmp_path):
    panel = geoproc.read_panel(PANEL)
    panel["zone"] = [_zone(c) for c in panel["code"]]
    src = tmp_path / "panel.csv"
    panel.to_csv(src, index=False)
    js = tmp_path / "by.json"
    assert main(["sdm", str(src), "--y", "cul", "--x", ",".join(X), "--weights", "k5=knn:5",
                 "--by", "zone", "--draws", "0", "--no-tests", "--islands", "keep", "-o", str(tmp_path / "by.md"),
                 "--json", str(js)]) == 0
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert [m["group"] for m in doc["models"]] == ["东部", "中部", "西部"]
    west = panel[panel.zone == "西部"]
    ids = sorted(west.code.unique())
    full = geoproc.build_weights("knn:5", "china_provinces")
    pos = [list(full.ids).index(i) if i in full.ids else list(map(str, full.ids)).index(str(i)) for i in ids]
    m = full.sparse.toarray()[np.ix_(pos, pos)]
    rs = m.sum(axis=1, keepdims=True)
    m = np.divide(m, rs, out=np.zeros_like(m), where=rs != 0)
    # 150000 has no neighbour among the western provinces: kept with a zero row, as asked
    ref = geoproc.sdm(west, SpatialWeights(m, ids, "custom", "R"), y="cul", x=X, draws=0, tests=False,
                      islands="keep")
    got = doc["models"][2]
    assert got["n"] == len(ids) == 12
    assert_allclose([got["beta"][v] for v in X], ref.beta.to_numpy(), rtol=1e-8)
    assert_allclose(got["rho"], ref.rho, rtol=1e-8)
    md = (tmp_path / "by.md").read_text(encoding="utf-8")
    assert "| Variable | (1) 东部 | (2) 中部 | (3) 西部 |" in md


def test_one_model_still_writes_the_report_and_bad_combinations(tmp_path, capsys):
    base = ["sdm", str(PANEL), "--y", "cul", "--x", "dig", "--draws", "0", "--no-tests"]
    assert main(base + ["--weights", "knn:4", "-o", str(tmp_path / "one.html")]) == 0
    assert "<!DOCTYPE html>" in (tmp_path / "one.html").read_text(encoding="utf-8")
    assert main(base + ["--weights", "knn:4", "-o", str(tmp_path / "one.xlsx")]) == 0  # one column
    assert main(base + ["--weights", "a=knn:4", "--weights", "b=knn:5", "-o", str(tmp_path / "x.txt")]) == 2
    assert ".docx" in capsys.readouterr().err
    assert main(base + ["--weights", "knn:4", "--model", "sdm,spam", "-o", str(tmp_path / "y.md")]) == 2
    assert "sdm, sar, sem, slx" in capsys.readouterr().err
    assert main(base + ["--weights", "knn:4", "--model", "sdm,sar", "--regions-output",
                        str(tmp_path / "r.csv"), "-o", str(tmp_path / "z.md")]) == 2
    assert "one model" in capsys.readouterr().err
    assert not (tmp_path / "z.md").exists()
    assert isinstance(pd.read_excel(tmp_path / "one.xlsx", header=None), pd.DataFrame)
