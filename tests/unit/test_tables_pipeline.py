"""The pipeline's ``tables`` step: the tables of earlier Moran and SDM steps in one file,
numbers equal to direct library calls."""

from __future__ import annotations

from pathlib import Path

import pytest

import geoproc
from geoproc.pipeline import parse_pipeline, run_pipeline

openpyxl = pytest.importorskip("openpyxl")
pytestmark = pytest.mark.filterwarnings("ignore:the area centroid lies outside", "ignore:weights are not row-standardi")

DATA = Path(geoproc.__file__).resolve().parents[1] / "data" / "demo"

TOML = """\
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

[steps.knn]
kind = "weights"
spec = "knn:4"
regions = "yrd"
row_standardize = true

[steps.moran]
kind = "moran"
panel = "panel"
weights = ["queen", "knn"]
variables = ["gdp"]
permutations = 0

[steps.sdm_queen]
kind = "sdm"
panel = "panel"
weights = "queen"
y = "cultural_value_added"
x = ["gdp"]
draws = 50
seed = 1

[steps.sdm_knn]
kind = "sdm"
panel = "panel"
weights = "knn"
y = "cultural_value_added"
x = ["gdp"]
draws = 50
seed = 1

[steps.paper]
kind = "tables"
moran = ["moran"]
sdm = ["sdm_queen", "sdm_knn"]
robustness = ["sdm_knn"]
lang = "zh"
labels = ["gdp=地区生产总值", "knn=K近邻矩阵"]
note = "synthetic"
file = "paper.xlsx"
"""


def test_tables_step_xlsx(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text(TOML, encoding="utf-8")
    res = run_pipeline(parse_pipeline(TOML, p), tmp_path / "out", log=None, project=False)
    assert "paper" in res.ran
    wb = openpyxl.load_workbook(tmp_path / "out" / "paper.xlsx")
    assert len(wb.sheetnames) == 5  # Moran, SDM, effects, tests, robustness
    ws = wb.worksheets[1]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[2][1:] == ["queen", "K近邻矩阵"]
    panel = geoproc.read_panel(DATA / "yrd_cities_panel_synthetic.csv")
    w = geoproc.build_weights("knn:4", "yrd_cities", row_standardize=True)
    fit = geoproc.sdm(panel, w, y="cultural_value_added", x=["gdp"], draws=0, tests=False)
    i = [r[0] for r in rows].index("地区生产总值")
    assert rows[i][2] == pytest.approx(fit.params["gdp"], rel=1e-9)
    assert rows[i + 1][2] == pytest.approx(fit.se["gdp"], rel=1e-9)
    assert any(r[0] == "synthetic" for r in rows)


def test_tables_step_needs_inputs_and_a_known_format(tmp_path):
    from geoproc.errors import GeoprocInputError

    bad = TOML.replace('file = "paper.xlsx"', 'file = "paper.pdf"')
    with pytest.raises(GeoprocInputError, match="paper.pdf|.docx"):
        parse_pipeline(bad, tmp_path / "p.toml")
    empty = TOML.split("[steps.paper]")[0] + '[steps.paper]\nkind = "tables"\n'
    with pytest.raises(GeoprocInputError, match="needs moran, sdm or robustness"):
        parse_pipeline(empty, tmp_path / "p.toml")
