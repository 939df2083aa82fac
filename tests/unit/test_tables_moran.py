"""Moran tables as papers print them (per year x variable x matrix), checked against esda;
and Stata .dta panels read by read_panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sdm_panels import knn_w

import geoproc
from geoproc.errors import GeoprocInputError
from geoproc.weights.base import SpatialWeights

docx = pytest.importorskip("docx")
openpyxl = pytest.importorskip("openpyxl")

N, YEARS = 25, [2015, 2016, 2017]


def star(p: float) -> str:
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(7)
    ids = list(range(500, 500 + N))
    W1 = knn_w(N, 4, 1)
    rows = []
    for y in YEARS:
        # a, spatially smoothed (autocorrelated); b, noise
        a = np.linalg.solve(np.eye(N) - 0.7 * W1.toarray(), rng.normal(size=N))
        b = rng.normal(size=N)
        rows += [dict(code=i, year=y, a=a[k], b=b[k]) for k, i in enumerate(ids)]
    weights = {"W1": SpatialWeights(W1, ids, "knn", "R"),
               "W2": SpatialWeights(knn_w(N, 3, 2), ids, "knn", "R")}
    return pd.DataFrame(rows), weights


def _esda(df, w, var, year):
    import esda

    sub = df[df.year == year].set_index("code").loc[w.ids]
    wl = w.to_W()
    wl.transform = "r"
    return esda.Moran(sub[var].to_numpy(), wl, permutations=0)


def test_moran_paper_table_docx_against_esda(panel, tmp_path):
    df, weights = panel
    mt = geoproc.moran_table(df, weights, ["a", "b"], permutations=0)
    t = geoproc.moran_paper_table(mt, columns="I,EI,sd,z,p", lang="zh", labels={"a": "数字技术"})
    out = tmp_path / "moran.docx"
    t.write(out)
    tbl = docx.Document(str(out)).tables[0]
    grid = [[c.text for c in r.cells] for r in tbl.rows]
    # header: variable, matrix, statistic
    assert grid[0][1] == "数字技术" and grid[0][11] == "b"
    assert grid[1][1:11] == ["W1"] * 5 + ["W2"] * 5
    assert grid[2][1:6] == ["Moran's I", "E(I)", "sd", "z值", "p值"]
    assert [r[0] for r in grid[3:]] == [str(y) for y in YEARS]
    saw_stars = set()
    for k, y in enumerate(YEARS):
        row = grid[3 + k]
        for v_i, var in enumerate(["a", "b"]):
            for w_i, wname in enumerate(["W1", "W2"]):
                m = _esda(df, weights[wname], var, y)
                c0 = 1 + 10 * v_i + 5 * w_i
                assert row[c0] == f"{m.I:.3f}{star(m.p_norm)}"
                saw_stars.add(star(m.p_norm))
                assert row[c0 + 1] == f"{m.EI:.3f}"
                assert row[c0 + 2] == f"{np.sqrt(m.VI_norm):.3f}"
                assert row[c0 + 3] == f"{m.z_norm:.3f}"
                assert row[c0 + 4] == f"{m.p_norm:.3f}"
    assert "***" in saw_stars and "" in saw_stars  # both significant and not seen


def test_moran_default_columns_xlsx_and_randomisation(panel, tmp_path):
    df, weights = panel
    mt = geoproc.moran_table(df, {"W1": weights["W1"]}, "a", permutations=0, inference="rand")
    t = geoproc.moran_paper_table(mt)
    out = tmp_path / "m.xlsx"
    t.write(out)
    ws = openpyxl.load_workbook(out).active
    for k, y in enumerate(YEARS):
        m = _esda(df, weights["W1"], "a", y)
        r = 4 + k  # title, variable row, statistic row
        assert ws.cell(r, 1).value == str(y)
        assert_allclose(ws.cell(r, 2).value, m.I, rtol=1e-10)
        assert ws.cell(r, 2).number_format == f'0.000"{star(m.p_rand)}"'
        assert_allclose(ws.cell(r, 3).value, m.z_rand, rtol=1e-10)
    assert "randomisation" in t.notes[0]


def test_moran_columns_bad():
    with pytest.raises(GeoprocInputError, match="unknown column"):
        geoproc.moran_paper_table(None, columns="I,q")


def test_bivariate_table_against_esda(panel):
    import esda

    df, weights = panel
    t = geoproc.bivariate_moran_table(df, {"W1": weights["W1"]}, [("a", "b")], permutations=99, seed=5,
                                      columns=["I", "z", "p"])
    w = weights["W1"]
    wl = w.to_W()
    wl.transform = "r"
    for k, y in enumerate(YEARS):
        sub = df[df.year == y].set_index("code").loc[w.ids]
        np.random.seed(5)  # noqa: NPY002 - esda draws from the global state
        m = esda.Moran_BV(sub["a"].to_numpy(), sub["b"].to_numpy(), wl, permutations=99)
        cells = [c.text for c in t.rows[k].cells]
        assert cells == [f"{m.I:.3f}{star(m.p_sim)}", f"{m.z_sim:.3f}", f"{m.p_sim:.3f}"]
    assert t.header[0] == [("a – b", 3)]
    with pytest.raises(GeoprocInputError, match="permutations"):
        geoproc.bivariate_moran_table(df, weights["W1"], [("a", "b")], permutations=0)


# --- Stata input --------------------------------------------------------------------------------
def test_read_panel_stata_value_labels(tmp_path):
    df = pd.DataFrame({"code": [110000, 120000, 110000, 120000], "year": [2013, 2013, 2014, 2014],
                       "region": [1, 2, 1, 2], "cul": [1.5, 2.5, 1.75, 2.25]})
    path = tmp_path / "panel.dta"
    df.to_stata(path, write_index=False, version=118, value_labels={"region": {1: "东部", 2: "中部"}})
    t = geoproc.read_table(path, text_columns=["code"])
    assert t["code"].tolist() == ["110000", "120000", "110000", "120000"]
    assert t["region"].tolist() == ["东部", "中部", "东部", "中部"]
    p = geoproc.read_panel(path)
    assert p["code"].tolist() == [110000, 110000, 120000, 120000]
    assert p["cul"].tolist() == [1.5, 1.75, 2.5, 2.25]
    assert p.loc[p.code == 120000, "region"].tolist() == ["中部", "中部"]
    bad = tmp_path / "bad.dta"
    bad.write_text("not stata")
    with pytest.raises(GeoprocInputError, match="bad.dta"):
        geoproc.read_table(bad)
