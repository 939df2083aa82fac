"""``geoproc sdm`` end to end: report, JSON, weights file and kind, errors (exit 2, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sdm_panels import simulate

import geoproc
from geoproc.cli import main
from geoproc.weights import write_weights


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("sdm_cli")
    df, w, _ = simulate(n=40, t=6, seed=3)
    df.to_csv(d / "panel.csv", index=False)
    write_weights(w, d / "w.csv")
    return d, df, w


def test_cli_report_and_json(files, capsys):
    d, df, w = files
    out, js = d / "r.html", d / "r.json"
    code = main(["sdm", str(d / "panel.csv"), "--weights", str(d / "w.csv"), "--y", "y", "--x", "x1",
                 "--controls", "x2", "--seed", "5", "--draws", "300", "--lee-yu",
                 "-o", str(out), "--json", str(js)])
    assert code == 0
    assert "wrote" in capsys.readouterr().out
    data = json.loads(js.read_text(encoding="utf-8"))
    api = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", seed=5, draws=300,
                      lee_yu=True)
    # the CLI reads the files (sorted rows, weights from CSV): same results up to the ~1e-8
    # resolution of a likelihood maximum located from function values
    assert_allclose(data["rho"], api.rho, rtol=1e-6)
    assert_allclose(data["beta"]["x2"], api.beta["x2"], rtol=1e-6)
    assert_allclose(data["effects"]["x1"]["indirect_se"], api.effects.loc["x1", "indirect_se"], rtol=1e-5)
    assert_allclose(data["tests"]["lr_sar"]["stat"], api.tests["lr_sar"].stat, rtol=1e-6)
    assert data["lee_yu"]["sigma2"] == pytest.approx(api.lee_yu.sigma2, rel=1e-6)
    html = out.read_text(encoding="utf-8")
    assert "W·x1" in html and "W·x2" in html and "Lee–Yu" in html


def test_cli_no_wx_for_controls_and_txt(files):
    d, df, w = files
    out = d / "r2.txt"
    code = main(["sdm", str(d / "panel.csv"), "-w", str(d / "w.csv"), "--y", "y", "--x", "x1",
                 "--controls", "x2", "--no-wx-controls", "--draws", "0", "--no-tests", "-o", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "W*x1" in text and "W*x2" not in text


def test_cli_errors_write_nothing(files, capsys):
    d, _, _ = files
    out = d / "bad.html"
    code = main(["sdm", str(d / "panel.csv"), "-w", str(d / "w.csv"), "--y", "y", "--x", "nope",
                 "-o", str(out)])
    assert code == 2
    assert "nope" in capsys.readouterr().err
    assert not out.exists()
    # an existing output is refused without --overwrite
    out.write_text("keep", encoding="utf-8")
    code = main(["sdm", str(d / "panel.csv"), "-w", str(d / "w.csv"), "--y", "y", "--x", "x1",
                 "-o", str(out)])
    assert code == 2 and out.read_text(encoding="utf-8") == "keep"


def test_cli_unbalanced_panel_names_gap(files, capsys, tmp_path):
    d, df, _ = files
    bad = df[~((df["code"] == 110) & (df["year"] == 2004))]
    bad.to_csv(tmp_path / "p.csv", index=False)
    code = main(["sdm", str(tmp_path / "p.csv"), "-w", str(d / "w.csv"), "--y", "y", "--x", "x1",
                 "-o", str(tmp_path / "r.html")])
    assert code == 2
    assert "110" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.slow
def test_cli_demo_panel_gravity_kind(tmp_path):
    """The users' command on the synthetic province panel, weights built on the fly."""
    demo = Path(__file__).resolve().parents[2] / "data" / "demo"
    panel = demo / "provinces_panel_synthetic.csv"
    out, js = tmp_path / "r.html", tmp_path / "r.json"
    code = main(["sdm", str(panel), "--weights", "gravity:rd_staff", "--y", "cul", "--x", "dig",
                 "--controls", "cultural_demand,resource_endowment,policy_support,fiscal_support,"
                 "gdp_per_capita,urbanisation", "--seed", "1", "-o", str(out), "--json", str(js)])
    assert code == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    truth = json.loads((demo / "provinces_panel_synthetic_truth.json").read_text())
    assert data["n"] == 31 and data["t"] == 9
    assert abs(data["rho"] - truth["rho"]) < 3 * data["se"]["rho"]
    assert abs(data["theta"]["dig"] - truth["theta"]["dig"]) < 3 * data["se"]["theta"]["dig"]
    assert np.isfinite(data["tests"]["hausman"]["stat"])
    assert pd.notna(data["effects"]["dig"]["total_se"])


DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "provinces_panel_synthetic.csv"


def test_cli_unbalanced_panel_with_gravity_kind_lists_gaps(tmp_path, capsys):
    """The panel is checked before a gravity kind reads its masses from it."""
    df = pd.read_csv(DEMO)
    bad = df[~((df["code"] == 140000) & (df["year"] == 2013))]
    bad.to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "r.html"
    code = main(["sdm", str(tmp_path / "p.csv"), "-w", "gravity:rd_staff", "--y", "cul", "--x", "dig",
                 "--draws", "0", "--no-tests", "-o", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "is unbalanced" in err and "140000 lacks 2013" in err
    assert not out.exists()


def test_mass_gap_names_the_column():
    """A gravity kind built from a table lacking a region-year names the mass column."""
    from geoproc.errors import GeoprocInputError
    from geoproc.weights import build_weights

    df = pd.read_csv(DEMO)
    bad = df[~((df["code"] == 140000) & (df["year"] == 2013))]
    with pytest.raises(GeoprocInputError, match=r"'rd_staff' missing in 2013 for region\(s\) 140000"):
        build_weights("gravity:rd_staff", "china_provinces", data=bad, data_id="code", year_column="year")


def test_cli_failing_json_writes_no_report(files, monkeypatch, capsys):
    """Both texts are built before either file is written: no report without its JSON."""
    from geoproc.durbin.model import SDMResult
    from geoproc.errors import GeoprocInputError

    d, _, _ = files

    def broken(self, *a, **k):
        raise GeoprocInputError("cannot write JSON")

    monkeypatch.setattr(SDMResult, "to_json", broken)
    out, js = d / "fail.html", d / "fail.json"
    code = main(["sdm", str(d / "panel.csv"), "-w", str(d / "w.csv"), "--y", "y", "--x", "x1",
                 "--draws", "0", "--no-tests", "-o", str(out), "--json", str(js)])
    assert code == 2
    assert "cannot write JSON" in capsys.readouterr().err
    assert not out.exists() and not js.exists()
    assert not list(d.glob(".fail*"))  # no temporary file left behind


def test_cli_regions_output(files, tmp_path):
    """--regions-output: each region's effects (dense S_k = (I - rho W)^-1 (beta_k I + theta_k W)
    by hand) and the chosen year's observed y, joined to the regions by id."""
    import geopandas as gpd
    from shapely.geometry import box

    d, df, w = files
    ids = list(w.ids)[::-1]  # the layer in another order than the panel
    regions = gpd.GeoDataFrame({"code": ids}, geometry=[box(i, 0, i + 1, 1) for i in range(len(ids))],
                               crs="EPSG:4326")
    regions.to_file(tmp_path / "regions.gpkg", driver="GPKG")
    out, gpkg, csv = tmp_path / "r.html", tmp_path / "by_region.gpkg", tmp_path / "by_region.csv"
    args = ["sdm", str(d / "panel.csv"), "-w", str(d / "w.csv"), "--y", "y", "--x", "x1", "--controls",
            "x2", "--draws", "0", "--no-tests", "--regions", str(tmp_path / "regions.gpkg")]
    assert main([*args, "-o", str(out), "--regions-output", str(gpkg), "--regions-year", "2003"]) == 0
    layer = gpd.read_file(gpkg).set_index("code")
    assert list(layer.index) == ids
    api = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", draws=0, tests=False)
    Wd = w.sparse.toarray()
    inv = np.linalg.inv(np.eye(len(Wd)) - api.rho * Wd)
    pos = {c: i for i, c in enumerate(w.ids)}
    for k in ("x1", "x2"):
        S = inv @ (api.beta[k] * np.eye(len(Wd)) + api.theta[k] * Wd)
        for c in (100, 117, 139):
            i = pos[c]
            assert_allclose(layer.loc[c, f"{k}_direct"], S[i, i], rtol=1e-6)
            assert_allclose(layer.loc[c, f"{k}_total"], S[i].sum(), rtol=1e-6)
            assert_allclose(layer.loc[c, f"{k}_indirect"], S[i].sum() - S[i, i], rtol=1e-6, atol=1e-12)
    y2003 = df[df["year"] == 2003].set_index("code")["y"]
    assert_allclose(layer["y_observed"].to_numpy(), y2003.loc[ids].to_numpy(), rtol=1e-12)
    # .csv: the same table without geometry; "mean": means of y over the years
    assert main([*args, "-o", str(tmp_path / "r2.html"), "--regions-output", str(csv),
                 "--regions-year", "mean"]) == 0
    table = pd.read_csv(csv, encoding="utf-8-sig").set_index("code")
    assert "geometry" not in table.columns
    assert_allclose(table.loc[ids, "y_observed"].to_numpy(),
                    df.groupby("code")["y"].mean().loc[ids].to_numpy(), rtol=1e-12)


def test_cli_regions_output_year_check_and_csv_without_regions(files, tmp_path, capsys):
    d, _, _ = files
    out, gpkg = tmp_path / "r.html", tmp_path / "by_region.csv"
    code = main(["sdm", str(d / "panel.csv"), "-w", str(d / "w.csv"), "--y", "y", "--x", "x1",
                 "--draws", "0", "--no-tests", "-o", str(out), "--regions-output", str(gpkg),
                 "--regions-year", "1999"])
    assert code == 2
    err = capsys.readouterr().err
    assert "1999" in err
    assert not out.exists() and not gpkg.exists()
    # without regions a .csv holds the table by panel id; a .gpkg needs the regions
    csv = tmp_path / "t.csv"
    assert main(["sdm", str(d / "panel.csv"), "-w", str(d / "w.csv"), "--y", "y", "--x", "x1",
                 "--draws", "0", "--no-tests", "-o", str(out), "--regions-output", str(csv)]) == 0
    table = pd.read_csv(csv, encoding="utf-8-sig")
    assert sorted(table["code"]) == list(range(100, 140)) and "x1_direct" in table.columns
    code = main(["sdm", str(d / "panel.csv"), "-w", str(d / "w.csv"), "--y", "y", "--x", "x1",
                 "--draws", "0", "--no-tests", "-o", str(tmp_path / "r3.html"), "--regions-output",
                 str(tmp_path / "t.gpkg")])
    assert code == 2 and "--regions" in capsys.readouterr().err
    assert not (tmp_path / "r3.html").exists()
