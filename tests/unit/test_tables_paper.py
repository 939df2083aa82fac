"""The seed study's set of tables (geoproc.paper_tables) on the synthetic province panel:
every table a three-line table, columns in the order of the matrices, numbers those of a fit
under the same matrix, Moran's I that of esda."""

from __future__ import annotations

import numpy as np
import pytest
from table_checks import assert_three_line, check, star

import geoproc
from geoproc._paths import data_dir

docx = pytest.importorskip("docx")
# the area centroids of Hainan and Gansu fall outside them; the demo's W uses them all the same
pytestmark = pytest.mark.filterwarnings("ignore:the area centroid lies outside")

PANEL = data_dir() / "demo" / "provinces_panel_synthetic.csv"


@pytest.fixture(scope="module")
def tables():
    return geoproc.paper_tables(PANEL, draws=200, seed=3,
                                robustness_weights={"inverse_distance2": "inverse-distance:2"})


def test_paper_tables_layout_docx(tables, tmp_path):
    out = tmp_path / "tables.docx"
    geoproc.write_tables(tables, out)
    d = docx.Document(str(out))
    assert [p.text for p in d.paragraphs if p.runs and p.runs[0].bold] == [
        "全局Moran's I指数", "空间杜宾模型估计结果", "直接效应、间接效应与总效应",
        "LR检验与Wald检验", "稳健性检验：替换空间权重矩阵"]
    for t, tbl in zip(tables, d.tables, strict=True):
        assert_three_line(tbl._tbl, len(t.header))
    sdm_grid = [[c.text for c in r.cells] for r in d.tables[1].rows]
    assert sdm_grid[1][1:] == ["R&D人员知识溢出矩阵", "R&D资本知识溢出矩阵"]
    assert d.tables[4].rows[1].cells[1].text == "地理距离平方倒数矩阵"


def test_paper_columns_are_the_fits_under_those_matrices(tables):
    df = geoproc.read_panel(PANEL)
    w = geoproc.build_weights("gravity:rd_capital", "china_provinces", data=df, data_id="code",
                              year_column="year", row_standardize=True)
    x = ["dig", "cultural_demand", "resource_endowment", "policy_support", "fiscal_support",
         "gdp_per_capita", "urbanisation"]
    fit = geoproc.sdm(df, w, y="cul", x=x, draws=0, tests=False)
    reg = tables[1].to_frame()
    labels = list(reg.index)
    i = labels.index("数字技术")
    check(reg.iloc[i, 1], fit.params["dig"], fit.p["dig"])
    check(reg.iloc[i + 1, 1], fit.se["dig"], paren=True)
    check(reg.iloc[labels.index("ρ"), 1], fit.rho, fit.p["rho"])
    assert reg.iloc[labels.index("N"), 1] == "279"


def test_paper_moran_is_esda(tables):
    import esda

    df = geoproc.read_panel(PANEL)
    w = geoproc.build_weights("gravity:rd_staff", "china_provinces", data=df, data_id="code",
                              year_column="year", row_standardize=True)
    wl = w.to_W()
    sub = df[df.year == 2021].set_index("code").loc[w.ids]
    m = esda.Moran(sub["dig"].to_numpy(), wl, permutations=0)
    moran = tables[0]
    row = next(r for r in moran.rows if r.label == "2021")
    # columns: cul (rd_staff I, z; rd_capital I, z), dig (rd_staff I, z; ...)
    assert row.cells[4].text == f"{m.I:.3f}{star(m.p_norm)}"
    assert row.cells[5].text == f"{m.z_norm:.3f}"
    assert np.isfinite(m.I)
