"""The demo pipeline end to end (through the CLI), every output, numbers against the library."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import geoproc
from geoproc.cli import main
from geoproc.pipeline import demo_pipeline_path
from geoproc.pipeline.outputs import find_qgis_python

DATA = Path(geoproc.__file__).resolve().parents[1] / "data" / "demo"
DIGITAL = ["internet_penetration", "mobile_penetration", "telecom_volume_gdp", "broadband_subscribers",
           "broadband_ports", "software_it_employment_share", "ecommerce_firm_share", "patents_granted",
           "rd_gdp"]
SDM_X = ["dig", "cultural_demand", "resource_endowment", "policy_support", "fiscal_support",
         "gdp_per_capita", "urbanisation"]


def light_demo(tmp: Path) -> Path:
    """The shipped demo with 99 permutations and 200 SDM draws (quicker; same steps)."""
    text = demo_pipeline_path().read_text(encoding="utf-8")
    # 4: the hotspots step uses normal inference (ArcGIS), without permutations
    assert text.count("permutations = 999") == 4 and text.count("draws = 1000") == 1
    text = text.replace("permutations = 999", "permutations = 99").replace("draws = 1000", "draws = 200")
    path = tmp / "demo_light.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    toml = light_demo(tmp)
    assert main(["run", str(toml), "-o", str(tmp / "out"), "-q"]) == 0
    return tmp / "out"


def _doc(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_every_output_is_written(demo):
    expected = ["results.gpkg", "report.html", "report.json", "park_kde.tif", "park_kde.qml",
                "yrd_distances.csv", "yrd_gravity.gwt", "yrd_queen.gwt", "prov_gravity.gwt", "prov_sdm.html",
                "tables.docx", "park_pattern_ripley.csv", "maps/park_pattern.html"]
    expected += [f"maps/map_{m}.html" for m in ("lisa", "hotspots", "lq", "parks", "kde", "links")]
    if find_qgis_python():
        expected.append("project.qgz")
    for f in expected:
        assert (demo / f).is_file() and (demo / f).stat().st_size > 0, f
    # offline maps: no script or stylesheet fetched from the network
    for m in (demo / "maps").glob("*.html"):
        page = m.read_text(encoding="utf-8")
        assert '<script src="http' not in page and "<link rel=\"stylesheet\" href=\"http" not in page, m


@pytest.mark.slow
def test_every_geopackage_layer_has_a_default_style(demo):
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(demo / "results.gpkg")} - {"layer_styles"}
    assert layers == {"yrd_cities", "yrd_centroids", "yrd_queen_links", "yrd_lq_2018", "yrd_lisa_lq_2018",
                      "yrd_hotspots_cva_2018", "parks_synthetic", "yrd_park_density",
                      "provinces_lisa_cul_2021", "provinces_sdm_effects", "park_ellipses"}
    con = sqlite3.connect(demo / "results.gpkg")
    styles = {t: (s, d) for t, s, d in con.execute("SELECT f_table_name, styleName, useAsDefault FROM layer_styles")}
    con.close()
    assert set(styles) == layers and all(d == 1 for _, d in styles.values())
    assert styles["yrd_lq_2018"][0] == "location_quotient"
    assert styles["yrd_park_density"][0] == "park_density"
    assert styles["yrd_queen_links"][0] == "weight_links"
    assert styles["provinces_sdm_effects"][0] == "sdm_effects"
    assert styles["park_ellipses"][0] == "sde_ellipses"
    links = pyogrio.read_dataframe(demo / "results.gpkg", layer="yrd_queen_links")
    w = geoproc.build_weights("queen", geoproc.load_boundaries("yrd_cities"), id="code")
    # one line per linked pair (w_ij or w_ji non-zero; no self-links, so half of W + W')
    sym = w.sparse + w.sparse.T
    assert sym.diagonal().sum() == 0 and len(links) == sym.nnz // 2 == 100
    # the style classifies weight_scaled, the weight over the largest (binary queen: all 1)
    assert set(links["weight_scaled"]) == {1.0}
    # layers made from the simulated tables say so (data/demo/README: every row is synthetic)
    for name in ("yrd_lisa_lq_2018", "yrd_hotspots_cva_2018", "yrd_lq_2018", "provinces_lisa_cul_2021"):
        df = pyogrio.read_dataframe(demo / "results.gpkg", layer=name, read_geometry=False)
        assert set(df["data_source"]) == {"synthetic"}, name
    parks = pyogrio.read_dataframe(demo / "results.gpkg", layer="parks_synthetic", read_geometry=False)
    assert len(parks) == 390 and set(parks["source"]) == {"synthetic"}


@pytest.mark.slow
def test_kde_raster_and_sidecar(demo):
    import rasterio

    with rasterio.open(demo / "park_kde.tif") as src:
        band = src.read(1, masked=True)
        assert src.crs.is_projected and src.res == (2000.0, 2000.0)
    rep = _doc(demo)["steps"]["park_kde"]
    assert rep["max_value"] == pytest.approx(float(band.max()), rel=1e-6)
    assert rep["points"] == 390
    root = ET.fromstring((demo / "park_kde.qml").read_text(encoding="utf-8").partition("\n")[2])
    values = [float(i.get("value")) for i in root.findall(".//colorrampshader/item")]
    assert values == pytest.approx([0, 0.1 * band.max(), 0.3 * band.max(), 0.6 * band.max(), band.max()], rel=1e-6)


@pytest.mark.slow
def test_report_numbers_equal_direct_library_calls(demo):
    doc = _doc(demo)["steps"]
    # YRD: Moran's I of the LQ on two weights
    yrd = geoproc.load_boundaries("yrd_cities")
    panel = geoproc.read_panel(DATA / "yrd_cities_panel_synthetic.csv", regions=yrd)
    panel = panel.assign(lq=geoproc.location_quotient(panel, "cultural_value_added", "gdp"))
    wq = geoproc.build_weights("queen", yrd, id="code")
    wg = geoproc.build_weights("gravity:gdp", yrd, data=panel, id="code", row_standardize=True,
                               data_id="code", year_column="year", centroid="representative")
    # representative points lie inside each city: no centroid-outside warning in the report
    assert "warnings" not in doc["yrd_gravity"] and doc["yrd_gravity"]["centroid"] == "representative"
    direct = geoproc.moran_table(panel, {"yrd_queen": wq, "yrd_gravity": wg}, ["lq"], permutations=99,
                                 seed=12345).to_frame()
    got = doc["yrd_moran"]["rows"]
    assert [(r["year"], r["weights"]) for r in got] == list(zip(direct.year, direct.weights, strict=True))
    assert [r["I"] for r in got] == direct["I"].tolist()
    assert [r["p_sim"] for r in got] == direct["p_sim"].tolist()
    # the nine cities with LQ > 1 in 2018 named in data/demo/README.md
    assert set(doc["yrd_lq"]["lq_above_1"]["2018"]) == {
        "Hangzhou", "Chuzhou", "Jinhua", "Fuyang", "Shanghai", "Huangshan", "Nanjing", "Bengbu", "Hefei"}
    # park densities
    parks = geoproc.read_points(DATA / "yrd_parks_synthetic.csv")
    dens = geoproc.point_density(parks, yrd, id="code").set_index("code")
    for r in doc["park_density"]["regions"]:
        assert r["park_count"] == dens.at[r["code"], "park_count"]
        assert r["density_per_1000km2"] == dens.at[r["code"], "density_per_1000km2"]
    # 65/174/111/40 parks by province (Shanghai, Jiangsu, Zhejiang, Anhui; data/demo/README)
    by_prov = {}
    for r in doc["park_density"]["regions"]:
        by_prov[str(r["code"])[:2]] = by_prov.get(str(r["code"])[:2], 0) + r["park_count"]
    assert by_prov == {"31": 65, "32": 174, "33": 111, "34": 40}
    # provinces: the agglomeration index has yearly mean 1 (its definition); the PCA index
    # equals the panel's dig column, built by pca_index over the same nine indicators
    prov = geoproc.read_panel(DATA / "provinces_panel_synthetic.csv", regions="china_provinces")
    assert all(v["mean"] == pytest.approx(1.0, abs=1e-12) for v in doc["prov_cul"]["by_year"].values())
    dig = prov.groupby("year")["dig"].agg(["mean", "min", "max"])
    for y, v in doc["prov_dig"]["by_year"].items():
        assert v["min"] == pytest.approx(dig.at[int(y), "min"], abs=1e-9)
        assert v["max"] == pytest.approx(dig.at[int(y), "max"], abs=1e-9)
    # SDM on the synthetic province panel
    provinces = geoproc.load_boundaries("china_provinces")
    w = geoproc.build_weights("gravity:rd_staff", provinces, data=prov, id="code", row_standardize=True,
                              data_id="code", year_column="year")
    res = geoproc.sdm(prov, w, "cul", SDM_X, draws=200, seed=12345, lee_yu=True)
    got = doc["prov_sdm"]["result"]
    assert got["rho"] == res.rho
    assert got["loglik"] == res.loglik
    # the demo asks for Lee and Yu's correction too: both estimates, side by side in the report
    assert got["lee_yu"]["rho"] == res.lee_yu.rho and got["lee_yu"]["rho"] != got["rho"]
    page = (demo / "report.html").read_text(encoding="utf-8")
    sdm_html = page[page.index("<div class='sdm'>"):]
    assert "<th>ML (direct)</th><th>Lee–Yu</th>" in sdm_html
    eff = {r["variable"] if "variable" in r else r["index"]: r for r in doc["prov_sdm"]["effects"]}
    assert len(eff) == len(res.effects)
    assert np.allclose([r["direct"] for r in doc["prov_sdm"]["effects"]], res.effects["direct"].to_numpy(),
                       rtol=0, atol=0)


@pytest.mark.slow
def test_rerun_through_the_cli_skips_every_step(demo, capsys, monkeypatch):
    toml = demo.parent / "demo_light.toml"
    before = (demo / "report.json").read_bytes()
    # validation takes the panels' columns and years from .geoproc/state.json: no panel is read
    from geoproc import panel

    def no_reading(*a, **k):
        raise AssertionError("a panel was read to validate the rerun")

    monkeypatch.setattr(panel, "read_table", no_reading)
    assert main(["run", str(toml), "-o", str(demo)]) == 0
    err = capsys.readouterr().err
    steps = [ln for ln in err.splitlines() if ln.startswith("[")]
    assert len(steps) >= 31 and all("unchanged, skipped" in ln for ln in steps), err
    assert (demo / "report.json").read_bytes() == before


def test_cli_reports_every_pipeline_problem(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[steps.a]\nkind = "boundaries"\n\n[steps.b]\nkind = "lisa"\nregions = "c"\n', encoding="utf-8")
    assert main(["run", str(bad), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml:1: step a (boundaries): required option 'source' is missing" in err
    assert "bad.toml:6: step b: regions = 'c' is not a step of this pipeline" in err
    assert "bad.toml:4: step b (lisa): required option 'panel' is missing" in err
    assert not (tmp_path / "out").exists()


def test_demo_check_lists_the_steps(capsys):
    assert main(["demo", "-o", "unused", "--check"]) == 0
    out = capsys.readouterr().out
    assert "valid, 40 steps" in out and "prov_sdm (sdm) <- prov_res, prov_gravity" in out


@pytest.mark.slow
def test_demo_tables_docx_is_the_seed_layout(demo):
    """tables.docx: five three-line tables in Chinese; the SDM column under the R&D-staff matrix
    shows the numbers of the prov_sdm step (report.json) to the digits printed."""
    docx = pytest.importorskip("docx")
    from table_checks import assert_three_line, check

    d = docx.Document(str(demo / "tables.docx"))
    titles = [p.text for p in d.paragraphs if p.runs and p.runs[0].bold]
    assert titles == ["全局Moran's I指数", "空间杜宾模型估计结果", "直接效应、间接效应与总效应", "LR检验与Wald检验",
                      "稳健性检验：替换空间权重矩阵"]
    heads = [2, 2, 2, 2, 2]  # header rows: Moran (variable, matrix, statistic) has 3
    heads[0] = 3
    for tbl, nh in zip(d.tables, heads, strict=True):
        assert_three_line(tbl._tbl, nh)
    grid = [[c.text for c in r.cells] for r in d.tables[1].rows]
    assert grid[1][1:] == ["R&D人员知识溢出矩阵", "R&D资本知识溢出矩阵"]
    sdm = _doc(demo)["steps"]["prov_sdm"]["result"]
    # the demo's SDM step sets lee_yu = true: its column shows the chosen (Lee-Yu) estimates
    assert sdm["estimator"] == "lee_yu"
    sdm = sdm["lee_yu"]
    assert any("Lee和Yu" in p.text for p in d.paragraphs)
    labels = [r[0] for r in grid]
    i = labels.index("数字技术")
    est, se = sdm["beta"]["dig"], sdm["se"]["beta"]["dig"]
    from scipy.special import ndtr

    check(grid[i][1], est, float(2 * ndtr(-abs(est / se))))
    check(grid[i + 1][1], se, paren=True)
    assert grid[labels.index("ρ")][1].startswith(f"{sdm['rho']:.3f}")
    assert any("模拟数据" in p.text for p in d.paragraphs)
