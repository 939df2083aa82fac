"""The dynamic panel's front end: panel + weights in, the issue's JSON keys and labelled
summaries out; the numbers are those of the array estimator (checked against brute force
and SDPDmod in test_sdm_dynamic_bruteforce.py / test_sdm_dynamic_cigar.py)."""

from __future__ import annotations

import json
import os

import libpysal
import numpy as np
import pandas as pd
import pytest
import scipy.io

from geoproc.durbin.dynamic import fit_dynamic
from geoproc.durbin.dynamic_model import sdm_dynamic
from geoproc.errors import GeoprocInputError

DATA = os.path.join(os.path.dirname(__file__), os.pardir, "data", "cigar.csv")


@pytest.fixture(scope="module")
def cigar_panel():
    d = pd.read_csv(DATA)
    d["logc"] = np.log(d["sales"])
    d["logp"] = np.log(d["price"] / d["cpi"])
    d["logy"] = np.log(d["ndi"] / d["cpi"])
    path = os.path.join(os.path.dirname(libpysal.__file__), "examples", "wmat", "spat-sym-us.mat")
    A = scipy.io.loadmat(path)["spat0x2Dsym0x2Dus"].astype(float)
    return d.sample(frac=1.0, random_state=0), A, sorted(d["state"].unique())  # rows shuffled


def test_front_end_matches_the_array_estimator_and_writes_the_issue_keys(cigar_panel, tmp_path):
    d, A, ids = cigar_panel
    r = sdm_dynamic(d, (A, ids), y="logc", x=["logp", "logy"], id="state", year="year",
                    row_standardize=True, draws=200, seed=3)
    s = d.sort_values(["year", "state"])
    y = s["logc"].to_numpy().reshape(30, 46)
    X = s[["logp", "logy"]].to_numpy().reshape(30, 46, 2)
    f = fit_dynamic(y, X, A / A.sum(1, keepdims=True), x_names=["logp", "logy"])
    np.testing.assert_allclose(r.fit.params, f.params, rtol=0, atol=1e-8)
    js = json.loads(r.to_json(str(tmp_path / "d.json")))
    for key in ("tau", "psi", "rho", "beta", "theta", "sigma2", "se", "loglik", "effects"):
        assert key in js
    assert js["tau"] == pytest.approx(f.tau) and js["psi"] == pytest.approx(f.psi)
    assert js["se"]["tau"] == pytest.approx(f.se[0]) and js["se"]["psi"] == pytest.approx(f.se[1])
    for horizon in ("short_run", "long_run"):
        for part in ("direct", "indirect", "total", "direct_se", "indirect_se", "total_se"):
            assert np.isfinite(js["effects"]["logp"][horizon][part])
    assert (tmp_path / "d.json").exists()
    text = r.summary()
    assert "Short-run effects" in text and "Long-run effects" in text
    assert "Yu-de Jong-Lee bias-corrected" in text and "Lee-Yu transformation" in text
    page = r.to_html()
    assert "Short-run effects" in page and "Long-run effects" in page and "τ" in page


def test_front_end_choices_and_errors(cigar_panel):
    d, A, ids = cigar_panel
    r = sdm_dynamic(d, (A, ids), y="logc", x=["logp", "logy"], id="state", year="year",
                    effects="region", model="sar", dynamic="tl", draws=0)
    assert r.psi is None and r.fit.names == ["tau", "logp", "logy"]
    assert json.loads(r.to_json())["psi"] is None
    with pytest.raises(GeoprocInputError, match="row-standardised"):
        sdm_dynamic(d, (A, ids), y="logc", x=["logp"], id="state", year="year",
                    row_standardize=False)
    with pytest.raises(GeoprocInputError, match="needs region effects"):
        sdm_dynamic(d, (A, ids), y="logc", x=["logp"], id="state", year="year", effects="time")
    with pytest.raises(GeoprocInputError, match="dynamic must be one of"):
        sdm_dynamic(d, (A, ids), y="logc", x=["logp"], id="state", year="year", dynamic="x")


def test_region_effects_are_rows_of_the_dense_matrices_and_average_to_the_effects(cigar_panel):
    d, A, ids = cigar_panel
    r = sdm_dynamic(d, (A, ids), y="logc", x=["logp", "logy"], id="state", year="year",
                    row_standardize=True, draws=0)
    reg = r.region_effects()
    W = A / A.sum(1, keepdims=True)
    n = len(W)
    f = r.fit
    for k, name in enumerate(f.x_names):
        C = f.beta[k] * np.eye(n) + f.theta[k] * W
        for h, M in (("short", np.linalg.solve(np.eye(n) - f.rho * W, C)),
                     ("long", np.linalg.solve((1 - f.tau) * np.eye(n) - (f.rho + f.psi) * W, C))):
            np.testing.assert_allclose(reg[f"{name}_{h}_direct"], np.diag(M), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(reg[f"{name}_{h}_total"], M.sum(1), rtol=1e-9, atol=1e-12)
            horizon = "short_run" if h == "short" else "long_run"
            assert reg[f"{name}_{h}_indirect"].mean() == pytest.approx(
                r.effects[horizon].loc[name, "indirect"], rel=1e-9)
    assert list(reg.index) == ids
    frag = r.html_fragment(level=4)
    assert frag.startswith("<h4>") and "<h5>Long-run effects</h5>" in frag
    assert set(r.effects_table()["horizon"]) == {"short_run", "long_run"}


def test_geoproc_sdm_dynamic_keyword_is_the_dynamic_front_end(cigar_panel):
    import geoproc

    d, A, ids = cigar_panel
    a = geoproc.sdm(d, (A, ids), "logc", ["logp", "logy"], id="state", year="year",
                    row_standardize=True, draws=50, seed=1, dynamic="stl")
    b = sdm_dynamic(d, (A, ids), "logc", ["logp", "logy"], id="state", year="year",
                    row_standardize=True, draws=50, seed=1, dynamic="stl")
    assert a.fit.names == ["psi", "logp", "logy", "W*logp", "W*logy"]
    np.testing.assert_array_equal(a.fit.params, b.fit.params)
    assert a.tau is None and json.loads(a.to_json())["tau"] is None
