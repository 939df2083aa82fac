"""Random-effects SDM (for the Hausman test): the ML optimum and the test statistic."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sdm_panels import simulate

import geoproc
from geoproc.durbin.data import panel_arrays
from geoproc.durbin.estimation import spatial_lag
from geoproc.durbin.logdet import SpatialOperator
from geoproc.durbin.random_effects import fit_random_effects


@pytest.fixture(scope="module")
def data():
    return simulate(n=60, t=6, seed=8)


@pytest.mark.parametrize("time_effects,lee_yu", [(True, False), (False, False), (True, True)])
def test_random_effects_is_the_ml_optimum(data, time_effects, lee_yu):
    """Gradient of the full RE log-likelihood (written out here) is zero at the estimate,
    and the analytic standard errors are close to the observed-information ones.

    ``lee_yu``: the likelihood of the data transformed by an explicit F_N (eigenvectors of
    I - 11'/N, so N - 1 regions, W -> F'WF and the region effects F'mu still iid)."""
    df, _, W = data
    pa = panel_arrays(df, "y", ["x1", "x2"], "code", "year")
    op = SpatialOperator(W)
    f = fit_random_effects(pa.y, pa.x, W, op, [0, 1], time_effects=time_effects, lee_yu=lee_yu)
    T, N = pa.y.shape
    Y, WY = pa.y, spatial_lag(W, pa.y)
    R = np.concatenate([pa.x, spatial_lag(W, pa.x)], axis=2)
    Wd = W.toarray()
    if time_effects:
        Y, WY, R = (a - a.mean(axis=1, keepdims=True) for a in (Y, WY, R))
    else:
        R = np.concatenate([R, np.ones((T, N, 1))], axis=2)
    if lee_yu:
        vals, vecs = np.linalg.eigh(np.eye(N) - 1.0 / N)
        F = vecs[:, vals > 0.5]
        Y, WY = Y @ F, WY @ F
        R = np.einsum("tnk,nm->tmk", R, F)
        Wd = F.T @ Wd @ F
    n = Y.shape[1]
    p = R.shape[2]

    def ll(par):
        d, rho, phi, s2 = par[:p], par[p], par[p + 1], par[p + 2]
        r = Y - rho * WY - R @ d
        rs = r - (1 - phi) * r.mean(axis=0)
        return (-n * T / 2 * np.log(2 * np.pi * s2) + n * np.log(phi)
                + T * np.linalg.slogdet(np.eye(n) - rho * Wd)[1] - np.sum(rs**2) / (2 * s2))

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
    re = fit_random_effects(pa.y, pa.x, W, SpatialOperator(W), [0, 1], time_effects=True,
                            lee_yu=True)  # time effects removed as on the FE side
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


def test_random_effects_with_time_effects_lee_yu_removes_the_1_over_n_bias():
    """Monte Carlo (30 panels, N = 30, T = 8, rho = 0.4, iid region effects): demeaning by
    period and treating the N deviations as free observations (the direct approach) biases
    the RE rho by O(1/N) (Lee and Yu 2010), which made the Hausman test against the Lee-Yu
    FE fit over-sized; with Lee and Yu's F_N transformation the RE rho is centred on the
    truth (docs/sdm.md has the size table)."""
    direct, ly = [], []
    for s in range(30):
        df, _, W = simulate(n=30, t=8, seed=500 + s, rho=0.4)
        pa = panel_arrays(df, "y", ["x1", "x2"], "code", "year")
        op = SpatialOperator(W)
        direct.append(fit_random_effects(pa.y, pa.x, W, op, [0, 1], lee_yu=False).spatial)
        ly.append(fit_random_effects(pa.y, pa.x, W, op, [0, 1], lee_yu=True).spatial)
    mc_se = np.std(ly) / np.sqrt(len(ly))
    assert abs(np.mean(ly) - 0.4) < 3 * mc_se
    assert np.mean(direct) < 0.4 - 5 * mc_se


def test_random_effects_lee_yu_needs_row_standardised_weights(data):
    df, _, W = data
    pa = panel_arrays(df, "y", ["x1", "x2"], "code", "year")
    W2 = (W * 2.0).tocsr()
    with pytest.raises(geoproc.GeoprocInputError, match="row-standardised"):
        fit_random_effects(pa.y, pa.x, W2, SpatialOperator(W2), [0, 1], lee_yu=True)
