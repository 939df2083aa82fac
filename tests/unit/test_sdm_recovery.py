"""Recovery of simulation truth (N = 400, T = 10) and of the synthetic province panel's truth."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sdm_panels import simulate

import geoproc

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


@pytest.fixture(scope="module")
def big():
    return simulate(n=400, t=10, rho=0.45, beta=(1.0, -0.5), theta=(0.5, 0.3), seed=2024)


def test_sdm_recovers_truth_within_3_se(big):
    df, w, W = big
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", seed=1, draws=500,
                    tests=False, lee_yu=True)
    truth = pd.Series({"x1": 1.0, "x2": -0.5, "W*x1": 0.5, "W*x2": 0.3, "rho": 0.45, "sigma2": 1.0})
    # Lee-Yu's estimates are consistent for every parameter
    z = (r.lee_yu.params - truth) / r.lee_yu.se
    assert np.all(np.abs(z) < 3), z
    # the direct approach's coefficients too; its sigma^2 is biased by (T-1)(N-1)/(TN) with
    # two-way effects (Lee and Yu 2010), here 0.9 * 0.9975
    z = (r.params - truth) / r.se
    assert np.all(np.abs(z.drop("sigma2")) < 3), z
    assert abs(r.sigma2 - 0.9 * 399 / 400) < 3 * r.se["sigma2"]
    # effects: against the true effects from the dense inverse at the true parameters
    n = W.shape[0]
    B = np.linalg.inv(np.eye(n) - 0.45 * W.toarray())
    for name, b, t in (("x1", 1.0, 0.5), ("x2", -0.5, 0.3)):
        S = B @ (b * np.eye(n) + t * W.toarray())
        true = {"direct": np.trace(S) / n, "total": S.sum() / n}
        true["indirect"] = true["total"] - true["direct"]
        for part, v in true.items():
            assert abs(r.effects.loc[name, part] - v) < 3 * r.effects.loc[name, f"{part}_se"]


def test_sem_recovers_truth(big):
    df, w, _ = simulate(n=400, t=10, rho=0.5, beta=(1.0, -0.5), seed=77, error=True)
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", model="sem", draws=0,
                    tests=False, lee_yu=True)
    truth = pd.Series({"x1": 1.0, "x2": -0.5, "lambda": 0.5, "sigma2": 1.0})
    assert np.all(np.abs((r.lee_yu.params - truth) / r.lee_yu.se) < 3)
    assert np.all(np.abs((r.params - truth) / r.se).drop("sigma2") < 3)
    # SEM effects: direct = beta, no spillover
    assert_allclose(r.effects["direct"], r.beta.to_numpy(), rtol=1e-12)
    assert_allclose(r.effects["indirect"], 0, atol=1e-12)


def test_slx_is_ols_with_dummies(big):
    df, w, W = big
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", model="slx", draws=0,
                    tests=False)
    d = df.sort_values(["year", "code"])
    n, t = 400, 10
    X = d[["x1", "x2"]].to_numpy().reshape(t, n, 2)
    WX = np.stack([W @ X[s] for s in range(t)])
    M = np.hstack([X.reshape(-1, 2), WX.reshape(-1, 2), np.tile(np.eye(n), (t, 1)),
                   np.repeat(np.eye(t), n, axis=0)[:, 1:]])
    b, *_ = np.linalg.lstsq(M, d["y"].to_numpy(), rcond=None)
    assert_allclose(np.r_[r.beta.to_numpy(), r.theta.to_numpy()], b[:4], rtol=1e-8)
    # SLX effects: direct = beta, indirect = theta (row-standardised W, zero diagonal)
    assert_allclose(r.effects["indirect"], r.theta.to_numpy(), rtol=1e-10)


@pytest.mark.slow
def test_synthetic_province_panel():
    """The shipped synthetic panel: rho, beta_dig, theta_dig and the dig effects within 3 SE."""
    panel = pd.read_csv(DEMO / "provinces_panel_synthetic.csv")
    truth = json.loads((DEMO / "provinces_panel_synthetic_truth.json").read_text(encoding="utf-8"))
    with warnings.catch_warnings():  # the shipped boundaries' centroid notice, if any
        warnings.simplefilter("ignore")
        r = geoproc.sdm(panel, "gravity:rd_staff", y="cul", x=truth["x"], id="code", year="year",
                        row_standardize=True, seed=1, draws=1000, tests=False)
    assert r.n == 31 and r.t == 9
    assert abs(r.rho - truth["rho"]) < 3 * r.se["rho"]
    for k in truth["x"]:
        assert abs(r.beta[k] - truth["beta"][k]) < 3 * r.se[k], k
        assert abs(r.theta[k] - truth["theta"][k]) < 3 * r.se[f"W*{k}"], k
    for part in ("direct", "indirect", "total"):
        true = truth["true_effects"]["dig"][part]
        assert abs(r.effects.loc["dig", part] - true) < 3 * r.effects.loc["dig", f"{part}_se"]
