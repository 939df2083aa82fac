"""Lee and Yu (2010) transformation approach against an explicit orthonormal transformation.

The reference transforms the data with F_T (T x (T-1)) and F_N (N x (N-1)), orthonormal
bases of the complements of the constant vectors (J = F F'), and maximises the Gaussian
likelihood of the transformed model y* = rho W* y* + X* beta + (WX)* theta + e* with
W* = F_N' W F_N: (T-1)(N-1) observations (two-way) and Jacobian (T-1) log|I - rho W*|, by
dense slogdet. geoproc uses the equivalent closed forms (log|I - rho W| - log(1 - rho)).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize
from scipy.linalg import null_space
from sdm_panels import simulate

import geoproc


def _transformed_ml(df, W, effects):
    d = df.sort_values(["year", "code"])
    n, t = d["code"].nunique(), d["year"].nunique()
    Y = d["y"].to_numpy().reshape(t, n)
    X = d[["x1", "x2"]].to_numpy().reshape(t, n, 2)
    Wd = W.toarray()
    WX = np.einsum("ij,tjk->tik", Wd, X)
    FT = null_space(np.ones((1, t))) if effects in ("region", "twoway") else np.eye(t)
    FN = null_space(np.ones((1, n))) if effects in ("time", "twoway") else np.eye(n)

    def tr(a):
        return np.einsum("ts,tn...->sn...", FT, np.einsum("nm,tn...->tm...", FN, a))

    Ys, Xs, WXs = tr(Y), tr(X), tr(WX)
    Ws = FN.T @ Wd @ FN
    WYs = np.einsum("ij,sj->si", Ws, Ys)
    Z = np.hstack([Xs.reshape(-1, 2), WXs.reshape(-1, 2)])
    m = Ys.size
    tj = Ys.shape[0]

    def parts(rho):
        z = (Ys - rho * WYs).ravel()
        b = np.linalg.lstsq(Z, z, rcond=None)[0]
        return b, z - Z @ b

    def logdet(rho):
        return np.linalg.slogdet(np.eye(Ws.shape[0]) - rho * Ws)[1]

    def neg(rho):
        _, e = parts(rho)
        return 0.5 * m * np.log(e @ e / m) - tj * logdet(rho)

    rho = optimize.minimize_scalar(neg, bounds=(-0.9, 0.9), method="bounded",
                                   options={"xatol": 1e-12}).x
    b, e = parts(rho)
    s2 = e @ e / m
    ll = -0.5 * m * (np.log(2 * np.pi * s2) + 1) + tj * logdet(rho)
    return rho, b, s2, ll


@pytest.fixture(scope="module")
def data():
    return simulate(n=30, t=5, seed=5)


@pytest.mark.parametrize("effects", ["twoway", "time", "region"])
def test_lee_yu_equals_explicit_transformation(data, effects):
    df, w, W = data
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", effects=effects,
                    lee_yu=True, draws=0, tests=False)
    rho, b, s2, ll = _transformed_ml(df, W, effects)
    ly = r.lee_yu
    assert_allclose(ly.rho, rho, rtol=1e-6)
    assert_allclose(np.r_[ly.beta.to_numpy(), ly.theta.to_numpy()], b, rtol=1e-6)
    assert_allclose(ly.sigma2, s2, rtol=1e-6)
    assert_allclose(ly.loglik, ll, rtol=1e-9)


def test_region_effects_only_rescale_sigma2(data):
    """With region effects only, Lee-Yu changes sigma^2 by T/(T-1) and nothing else."""
    df, w, _ = data
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", effects="region",
                    lee_yu=True, draws=0, tests=False)
    assert_allclose(r.lee_yu.rho, r.rho, rtol=1e-7)
    assert_allclose(r.lee_yu.beta, r.beta, rtol=1e-7)
    assert_allclose(r.lee_yu.sigma2, r.sigma2 * 5 / 4, rtol=1e-7)  # T/(T-1), T = 5


def test_lee_yu_reported_side_by_side(data):
    import json

    df, w, _ = data
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", lee_yu=True, draws=200,
                    seed=1, tests=False)
    d = json.loads(r.to_json())
    assert d["lee_yu"]["rho"] == r.lee_yu.rho
    assert set(d["lee_yu"]["beta"]) == {"x1", "x2"}
    assert "lee_yu_estimate" in r.to_frame().columns
    html = r.to_html()
    assert "Lee–Yu" in html
    assert f"{r.lee_yu.beta['x1']:.4f}" in html and f"({r.lee_yu.se['rho']:.4f})" in html
    assert f"{r.lee_yu.effects.loc['x1', 'indirect']:.4f}" in html
    assert set(d["lee_yu"]["effects"]["x2"]) >= {"direct", "indirect_se"}


def test_lee_yu_time_effects_need_row_standardised(data):
    df, w, W = data
    from geoproc.errors import GeoprocInputError
    from geoproc.weights import SpatialWeights

    raw = SpatialWeights(W * 3.0, w.ids)
    with pytest.warns(UserWarning), pytest.raises(GeoprocInputError, match="row-standardised"):
        geoproc.sdm(df, raw, y="y", x=["x1", "x2"], id="code", year="year", lee_yu=True,
                    draws=0, tests=False)
