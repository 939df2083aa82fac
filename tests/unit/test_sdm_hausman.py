"""Random-effects SDM (for the Hausman test): the ML optimum and the test statistic."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from test_sdm_data import simulate

import geoproc
from geoproc.durbin.data import panel_arrays
from geoproc.durbin.estimation import spatial_lag
from geoproc.durbin.logdet import SpatialOperator
from geoproc.durbin.random_effects import fit_random_effects


@pytest.fixture(scope="module")
def data():
    return simulate(n=60, t=6, seed=8)


@pytest.mark.parametrize("time_effects", [True, False])
def test_random_effects_is_the_ml_optimum(data, time_effects):
    """Gradient of the full RE log-likelihood (written out here) is zero at the estimate,
    and the analytic standard errors are close to the observed-information ones."""
    df, _, W = data
    pa = panel_arrays(df, "y", ["x1", "x2"], "code", "year")
    op = SpatialOperator(W)
    f = fit_random_effects(pa.y, pa.x, W, op, [0, 1], time_effects=time_effects)
    T, N = pa.y.shape
    Y, WY = pa.y, spatial_lag(W, pa.y)
    R = np.concatenate([pa.x, spatial_lag(W, pa.x)], axis=2)
    if time_effects:
        Y, WY, R = (a - a.mean(axis=1, keepdims=True) for a in (Y, WY, R))
    else:
        R = np.concatenate([R, np.ones((T, N, 1))], axis=2)
    p = R.shape[2]
    Wd = W.toarray()

    def ll(par):
        d, rho, phi, s2 = par[:p], par[p], par[p + 1], par[p + 2]
        r = Y - rho * WY - R @ d
        rs = r - (1 - phi) * r.mean(axis=0)
        return (-N * T / 2 * np.log(2 * np.pi * s2) + N * np.log(phi)
                + T * np.linalg.slogdet(np.eye(N) - rho * Wd)[1] - np.sum(rs**2) / (2 * s2))

    par = np.r_[f.coef, f.spatial, f.extra["phi"], f.sigma2]
    assert_allclose(ll(par), f.loglik, rtol=1e-12)
    h = 1e-5 * np.maximum(1, np.abs(par))
    E = np.eye(len(par)) * h
    grad = np.array([(ll(par + e) - ll(par - e)) / (2 * hi) for e, hi in zip(E, h, strict=True)])
    assert np.all(np.abs(grad) < 1e-3)
    H = np.array([[(ll(par + a + b) - ll(par + a - b) - ll(par - a + b) + ll(par - a - b))
                   / (4 * ha * hb) for b, hb in zip(E, h, strict=True)] for a, ha in zip(E, h, strict=True)])
    se_obs = np.sqrt(np.diag(np.linalg.inv(-H)))
    se = np.sqrt(np.diag(f.extra["cov_full"]))
    # expected (analytic) vs observed information: close, not equal
    assert_allclose(se, se_obs, rtol=0.15)


def test_hausman_by_hand(data):
    df, w, W = data
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", draws=0)
    ly = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", draws=0,
                     lee_yu=True, tests=False).lee_yu
    pa = panel_arrays(df, "y", ["x1", "x2"], "code", "year")
    re = fit_random_effects(pa.y, pa.x, W, SpatialOperator(W), [0, 1], time_effects=True)
    b_fe = np.r_[ly.fit.coef, ly.rho]
    b_re = np.r_[re.coef, re.spatial]
    V = ly.fit.cov[:5, :5] - re.cov[:5, :5]
    d = b_fe - b_re
    assert np.all(np.linalg.eigvalsh(V) > 0)
    assert_allclose(r.tests["hausman"].stat, d @ np.linalg.solve(V, d), rtol=1e-8)
    assert r.tests["hausman"].df == 5


def test_hausman_rejects_correlated_effects(data):
    df, w, _ = data
    bad = df.copy()
    bad["y"] = bad["y"] + 3 * bad.groupby("code")["x1"].transform("mean")
    r = geoproc.sdm(bad, w, y="y", x=["x1", "x2"], id="code", year="year", draws=0)
    assert r.tests["hausman"].p < 1e-6


def test_hausman_missing_without_region_effects(data):
    df, w, _ = data
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", effects="time", draws=0)
    assert np.isnan(r.tests["hausman"].stat)
    assert r.to_dict()["tests"]["hausman"]["stat"] is None
