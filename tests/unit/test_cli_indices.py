"""``geoproc indices`` end to end: reads a panel file, appends columns, writes a new file."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import geoproc
from geoproc.cli import main


@pytest.fixture
def panel_csv(tmp_path):
    rng = np.random.default_rng(42)
    codes = [110000, 120000, 130000, 140000, 150000]
    names = ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区"]
    rows = []
    for t in (2019, 2020):
        for c, nm in zip(codes, names, strict=True):
            gdp = rng.uniform(1000, 5000)
            rows.append(
                {
                    "code": c, "name_zh": nm, "year": t,
                    "revenue": rng.uniform(50, 500), "va": gdp * rng.uniform(0.02, 0.08), "gdp": gdp,
                    "a": rng.normal(), "b": rng.normal(), "c": rng.normal(), "d": rng.uniform(1, 9),
                }
            )
    df = pd.DataFrame(rows)
    df["b"] = df["a"] + 0.5 * df["b"]
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False, encoding="gbk")  # Chinese Excel's default encoding
    return path, df


def test_cli_end_to_end(panel_csv, tmp_path, capsys):
    path, df = panel_csv
    raw = path.read_bytes()
    out = tmp_path / "indicators.csv"
    code = main([
        "indices", str(path), "--id", "code", "--year", "year",
        "--agglomeration", "revenue", "--lq", "va,gdp", "--pca", "a,b,c",
        "--entropy", "a,b,-d", "-o", str(out),
    ])
    assert code == 0
    assert path.read_bytes() == raw  # input never modified
    res = pd.read_csv(out, encoding="utf-8-sig")
    assert list(res.columns) == list(df.columns) + [
        "revenue_agglomeration", "va_lq", "pca_index", "entropy_index"
    ]
    assert res["name_zh"].tolist() == df["name_zh"].tolist()
    # the same numbers as the library (tested by hand in test_indices*.py)
    assert_allclose(res["revenue_agglomeration"], geoproc.agglomeration_index(df, "revenue"))
    assert_allclose(res["va_lq"], geoproc.location_quotient(df, "va", "gdp"))
    assert_allclose(res["pca_index"], geoproc.pca_index(df, ["a", "b", "c"])[0])
    assert_allclose(res["entropy_index"], geoproc.entropy_weight_index(df, ["a", "b", "d"], [1, 1, -1])[0])
    printed = capsys.readouterr().out
    assert "Principal-component index" in printed and "Entropy-weight index" in printed

    # existing output refused without --overwrite, replaced with it
    assert main(["indices", str(path), "--agglomeration", "revenue", "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["indices", str(path), "--agglomeration", "revenue", "-o", str(out), "--overwrite"]) == 0
    assert "va_lq" not in pd.read_csv(out, encoding="utf-8-sig").columns


def test_cli_pca_weighted_xlsx_and_reference(panel_csv, tmp_path):
    path, df = panel_csv
    ref = tmp_path / "national.csv"
    pd.DataFrame({"year": [2019, 2020], "va": [5000.0, 5200.0], "gdp": [99000.0, 101000.0]}).to_csv(ref, index=False)
    out = tmp_path / "ind.xlsx"
    code = main([
        "indices", str(path), "--lq", "va,gdp", "--lq-reference", str(ref),
        "--pca", "a,b,c", "--pca-method", "weighted", "--pca-keep", "2", "--pca-name", "dig",
        "--by", "year", "-o", str(out),
    ])
    assert code == 0
    res = pd.read_excel(out)
    share = np.where(df["year"] == 2019, 5000 / 99000, 5200 / 101000)
    assert_allclose(res["va_lq"], df["va"] / df["gdp"] / share)
    expected, _ = geoproc.pca_index(df, ["a", "b", "c"], "weighted", keep=2, by="year")
    assert_allclose(res["dig"], expected)


def test_cli_bad_input_writes_nothing(panel_csv, tmp_path, capsys):
    path, df = panel_csv
    bad = df.astype({"revenue": object})
    bad.loc[3, "revenue"] = "1,234"
    bad_path = tmp_path / "bad.csv"
    bad.to_csv(bad_path, index=False)
    out = tmp_path / "o.csv"
    assert main(["indices", str(bad_path), "--agglomeration", "revenue", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    # row 5 of the spreadsheet (header is row 1) is the 4th data row
    assert "column 'revenue' is not numeric at row 5 (140000 in 2019): '1,234'" in err
    assert "--thousands" in err
    assert not out.exists() and not list(tmp_path.glob(".o.part-*"))
    assert main(["indices", str(bad_path), "--agglomeration", "revenue", "--thousands", ",", "-o", str(out)]) == 0
    assert out.exists()

    gap = tmp_path / "gap.csv"
    df.drop(index=[7]).to_csv(gap, index=False)
    assert main(["indices", str(gap), "--agglomeration", "revenue", "-o", str(tmp_path / "g.csv")]) == 2
    assert "130000 lacks 2020" in capsys.readouterr().err
    assert main(["indices", str(gap), "--agglomeration", "revenue", "--unbalanced", "-o", str(tmp_path / "g.csv")]) == 0

    assert main(["indices", str(path), "-o", str(tmp_path / "n.csv")]) == 2
    assert "nothing to compute" in capsys.readouterr().err
    assert main(["indices", str(path), "--lq", "va", "-o", str(tmp_path / "n.csv")]) == 2
    assert "give two columns" in capsys.readouterr().err
    assert main(["indices", str(path), "--pca", "a,b", "--pca-name", "gdp", "-o", str(tmp_path / "n.csv")]) == 2
    assert "already has column(s) 'gdp'" in capsys.readouterr().err
    assert not (tmp_path / "n.csv").exists()


def test_cli_cross_section(tmp_path):
    path = tmp_path / "cs.csv"
    pd.DataFrame({"city": ["A", "B"], "va": [1.0, 3.0], "gdp": [10.0, 10.0]}).to_csv(path, index=False)
    out = tmp_path / "cs_out.csv"
    assert main(["indices", str(path), "--id", "city", "--cross-section", "--lq", "va,gdp", "-o", str(out)]) == 0
    # reference 4/20 = 0.2: A 0.1/0.2 = 0.5, B 0.3/0.2 = 1.5
    assert_allclose(pd.read_csv(out)["va_lq"], [0.5, 1.5])


def test_every_option_has_help():
    from geoproc.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    parser = sub.choices["indices"]
    for action in parser._actions:
        assert action.help, action.dest


@pytest.mark.parametrize(("options", "column"), [
    (["--agglomeration", "revenue", "--pca", "a,b", "--pca-name", "revenue_agglomeration"], "revenue_agglomeration"),
    (["--lq", "va,gdp", "--entropy", "a,d", "--entropy-name", "va_lq"], "va_lq"),
    (["--pca", "a,b", "--entropy", "c,d", "--pca-name", "ix", "--entropy-name", "ix"], "ix"),
    (["--agglomeration", "revenue", "--agglomeration", "revenue"], "revenue_agglomeration"),
])
def test_cli_refuses_two_new_columns_with_one_name(panel_csv, tmp_path, capsys, monkeypatch, options, column):
    import geoproc.indices.compute as compute

    path, _ = panel_csv

    def no_work(*a, **k):  # the clash is refused (by compute_indices) before any index is computed
        raise AssertionError("an index was computed")

    for fn in ("agglomeration_index", "location_quotient", "pca_index", "entropy_weight_index"):
        monkeypatch.setattr(compute, fn, no_work)
    out = tmp_path / "o.csv"
    assert main(["indices", str(path), *options, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"two new columns would both be called {column!r}" in err
    assert not out.exists()


def test_cli_year_missing_for_every_region(panel_csv, tmp_path, capsys):
    path, df = panel_csv
    gap = tmp_path / "gap.csv"
    df.assign(year=df["year"].replace({2020: 2022})).to_csv(gap, index=False)
    out = tmp_path / "o.csv"
    assert main(["indices", str(gap), "--agglomeration", "revenue", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "2020-2021 between 2019 and 2022" in err and "--year-gaps" in err
    assert not out.exists()
    assert main(["indices", str(gap), "--agglomeration", "revenue", "--year-gaps", "-o", str(out)]) == 0
    got = pd.read_csv(out)
    # each year's values over that year's mean (5 regions)
    expect = df["revenue"] / df.groupby("year")["revenue"].transform("mean")
    assert_allclose(got["revenue_agglomeration"], expect)
