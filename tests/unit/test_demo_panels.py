"""The synthetic demo panels: the generator's SDM, and the shipped files' shape and markers."""

import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point

import geoproc

ROOT = Path(__file__).resolve().parents[2]  # the checkout (this file is tests/unit/…)

DEMO = ROOT / "data" / "demo"
PROVINCES = DEMO / "provinces_panel_synthetic.csv"
TRUTH = DEMO / "provinces_panel_synthetic_truth.json"
YRD = DEMO / "yrd_cities_panel_synthetic.csv"
NINE_2018 = {330100, 341100, 330700, 341200, 310000, 341000, 320100, 340300, 340100}


def _generator():
    spec = importlib.util.spec_from_file_location("make_demo_panels", ROOT / "scripts" / "make_demo_panels.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# Stand-in regions for the generator tests: provincial capitals as points (rounded
# coordinates), so these tests do not depend on the shipped boundaries.
CAPITALS = {
    110000: (116.40, 39.90), 120000: (117.20, 39.13), 130000: (114.51, 38.04), 140000: (112.55, 37.87),
    150000: (111.75, 40.84), 210000: (123.43, 41.80), 220000: (125.32, 43.82), 230000: (126.53, 45.80),
    310000: (121.47, 31.23), 320000: (118.80, 32.06), 330000: (120.16, 30.27), 340000: (117.23, 31.82),
    350000: (119.30, 26.08), 360000: (115.86, 28.68), 370000: (117.12, 36.65), 410000: (113.63, 34.75),
    420000: (114.31, 30.59), 430000: (112.94, 28.23), 440000: (113.26, 23.13), 450000: (108.37, 22.82),
    460000: (110.20, 20.04), 500000: (106.55, 29.56), 510000: (104.07, 30.57), 520000: (106.63, 26.65),
    530000: (102.83, 24.88), 540000: (91.13, 29.65), 610000: (108.94, 34.34), 620000: (103.83, 36.06),
    630000: (101.78, 36.62), 640000: (106.23, 38.49), 650000: (87.62, 43.83),
}


@pytest.fixture(scope="module")
def gen():
    return _generator()


@pytest.fixture(scope="module")
def standin_regions():
    return gpd.GeoDataFrame(
        [{"code": c, "name_zh": f"省{c}", "name_en": f"P{c}", "geometry": Point(x, y)} for c, (x, y) in CAPITALS.items()],
        crs="EPSG:4326",
    )


def test_sdm_outcome_solves_the_model(gen):
    rng = np.random.default_rng(1)
    n, t_len, k = 5, 3, 2
    w = rng.uniform(0, 1, (n, n))
    np.fill_diagonal(w, 0)
    w /= w.sum(axis=1, keepdims=True)
    x = rng.normal(size=(t_len, n, k))
    beta, theta, rho = np.array([0.5, -0.2]), np.array([1.0, 0.3]), -0.4
    mu, eps = rng.normal(size=n), rng.normal(scale=0.1, size=(t_len, n))
    y, lam = gen.sdm_outcome(w, x, beta, theta, rho, mu, eps)
    for t in range(t_len):
        # (I - rho W) y_t - (X_t beta + W X_t theta + mu + eps_t) must be lambda_t on every region
        lhs = (np.eye(n) - rho * w) @ y[t] - (x[t] @ beta + w @ x[t] @ theta + mu + eps[t])
        assert_allclose(lhs, np.full(n, lam[t]), atol=1e-12)
        assert y[t].mean() == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError, match="row-standardised"):
        gen.sdm_outcome(w * 2, x, beta, theta, rho, mu, eps)


def _sdm_residuals(panel, truth, w):
    """eps_t = (I - rho W) y_t - X_t beta - W X_t theta - mu - lambda_t, from the truth file."""
    codes = sorted(panel["code"].unique())
    n = len(codes)
    a = np.eye(n) - truth["rho"] * w
    beta = np.array([truth["beta"][c] for c in truth["x"]])
    theta = np.array([truth["theta"][c] for c in truth["x"]])
    mu = np.array([truth["mu"][str(c)] for c in codes])
    out = []
    for year, g in panel.sort_values(["year", "code"]).groupby("year"):
        assert g["code"].tolist() == codes
        x = g[truth["x"]].to_numpy()
        y = g[truth["y"]].to_numpy()
        out.append(a @ y - x @ beta - w @ x @ theta - mu - truth["lambda"][str(year)])
    return np.concatenate(out)


def _check_panel(panel, truth, w):
    assert panel.shape[0] == 31 * 9
    assert panel.groupby("code")["year"].apply(list).map(lambda ys: ys == list(range(2013, 2022))).all()
    assert (panel["source"] == "synthetic").all()
    # cul is revenue over the mean of all provinces that year (pandas, not geoproc)
    mean = panel.groupby("year")["cultural_revenue"].transform("mean")
    assert_allclose(panel["cul"], panel["cultural_revenue"] / mean, rtol=1e-12)
    assert (panel["cul"] > 0).all()
    # dig is the first principal component of the nine indicators (numpy SVD, sign: coefficients sum >= 0)
    x = panel[truth_digital()].to_numpy()
    z = (x - x.mean(0)) / x.std(0, ddof=1)
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    sign = 1.0 if vt[0].sum() >= 0 else -1.0
    assert_allclose(panel["dig"], sign * u[:, 0] * s[0], atol=1e-9)
    # the truth file describes the data: residuals look like N(0, sigma^2)
    eps = _sdm_residuals(panel, truth, w)
    assert abs(eps.mean()) < 0.01
    assert np.sqrt(truth["sigma2"]) * 0.85 < eps.std() < np.sqrt(truth["sigma2"]) * 1.15
    assert truth["rho"] == -0.468 and truth["beta"]["dig"] == -0.338 and truth["theta"]["dig"] == 1.276


def truth_digital():
    return [
        "internet_penetration", "mobile_penetration", "telecom_volume_gdp", "broadband_subscribers",
        "broadband_ports", "software_it_employment_share", "ecommerce_firm_share", "patents_granted", "rd_gdp",
    ]


@pytest.mark.slow
def test_generator_with_standin_regions(gen, standin_regions):
    panel, truth = gen.make_provinces_panel(standin_regions, seed=123)
    w = geoproc.build_weights(
        "gravity:rd_staff", standin_regions, data=panel, data_id="code", year_column="year", row_standardize=True
    ).full()
    _check_panel(panel, truth, w)
    assert truth["seed"] == 123 and truth["weights"]["spec"] == "gravity:rd_staff"
    assert truth["weights"]["fingerprint"]["frobenius_norm"] == pytest.approx(np.linalg.norm(w))
    again, _ = gen.make_provinces_panel(standin_regions, seed=123)
    pd.testing.assert_frame_equal(panel, again)  # reproducible


def test_yrd_generator_lq_list(gen):
    cities = pd.DataFrame({"code": list(gen.YRD_BASE), "name_zh": "x", "name_en": "x"})
    yrd = gen.make_yrd_panel(cities)
    assert yrd.shape == (41 * 5, 7)
    y18 = yrd[yrd.year == 2018]
    ref = y18["cultural_value_added"].sum() / y18["gdp"].sum()
    lq = y18["cultural_value_added"] / y18["gdp"] / ref
    assert set(y18.loc[lq > 1, "code"]) == NINE_2018


# --- the shipped files ---------------------------------------------------------------
shipped = pytest.mark.skipif(not PROVINCES.exists(), reason="demo panels not generated yet")


@shipped
@pytest.mark.slow
def test_shipped_provinces_panel():
    panel = pd.read_csv(PROVINCES)
    truth = json.loads(TRUTH.read_text("utf-8"))
    assert "synthetic" in PROVINCES.name and "synthetic" in TRUTH.name
    assert "SYNTHETIC" in truth["note"]
    regions = geoproc.load_boundaries("china_provinces")
    assert sorted(panel["code"].unique()) == sorted(regions["code"])
    w = geoproc.build_weights(
        "gravity:rd_staff", regions, data=panel, data_id="code", year_column="year", row_standardize=True
    )
    w = w.align(sorted(panel["code"].unique())).full()
    assert truth["weights"]["fingerprint"]["frobenius_norm"] == pytest.approx(np.linalg.norm(w), rel=1e-9)
    _check_panel(panel, truth, w)
    readme = (DEMO / "README.md").read_text("utf-8")
    assert PROVINCES.name in readme and "synthetic" in readme.lower()


@shipped
def test_shipped_yrd_panel():
    yrd = pd.read_csv(YRD)
    assert "synthetic" in YRD.name and (yrd["source"] == "synthetic").all()
    assert yrd.shape[0] == 41 * 5 and sorted(yrd["year"].unique()) == [2015, 2016, 2017, 2018, 2019]
    y18 = yrd[yrd.year == 2018]
    lq = (y18["cultural_value_added"] / y18["gdp"]) / (y18["cultural_value_added"].sum() / y18["gdp"].sum())
    assert set(y18.loc[lq > 1, "code"]) == NINE_2018
    assert set(y18.loc[lq > 1, "name_en"]) == {
        "Hangzhou", "Chuzhou", "Jinhua", "Fuyang", "Shanghai", "Huangshan", "Nanjing", "Bengbu", "Hefei"
    }


def test_template_is_an_empty_table():
    template = pd.read_csv(ROOT / "data" / "templates" / "panel_template.csv")
    assert len(template) == 0
    assert {"code", "name_zh", "year", "cultural_revenue", "rd_staff"} <= set(template.columns)
    schema = (ROOT / "docs" / "input_schema.md").read_text("utf-8")
    for col in template.columns:
        assert f"`{col}`" in schema, col
