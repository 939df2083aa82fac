"""Random region effects as a model: geoproc.sdm(random_effects=True) against a brute-force
maximisation of the random-effects likelihood with the full NT x NT covariance
sigma^2 I + sigma_mu^2 (1_T 1_T' kron I_N) (dense, every parameter by scipy.optimize)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import geoproc
from geoproc.errors import GeoprocInputError


def panel(n=15, t=5, seed=9):
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    np.fill_diagonal(d, np.inf)
    A = np.zeros((n, n))
    A[np.repeat(np.arange(n), 3), np.argsort(d, axis=1)[:, :3].ravel()] = 1
    A = np.maximum(A, A.T)
    W = A / A.sum(1, keepdims=True)
    X = rng.normal(size=(t, n, 2))
    mu = 0.8 * rng.normal(size=n)
    y = np.stack([np.linalg.solve(np.eye(n) - 0.3 * W, 1.0 + X[s] @ [1.0, -0.5]
                                  + W @ X[s] @ [0.4, 0.2] + mu + 0.5 * rng.normal(size=n))
                  for s in range(t)])
    df = pd.DataFrame({"code": np.tile(np.arange(n), t), "year": np.repeat(np.arange(t), n),
                       "y": y.ravel(), "x1": X[..., 0].ravel(), "x2": X[..., 1].ravel()})
    return df, W, y, X


def brute_re(y, X, W):
    T, N = y.shape
    WX = np.einsum("ij,tjk->tik", W, X)
    M = np.column_stack([np.ones(T * N), X.reshape(T * N, 2), WX.reshape(T * N, 2)])
    yv = y.ravel()
    wy = (W @ y.T).T.ravel()
    J = np.kron(np.ones((T, T)), np.eye(N))
    ev = np.linalg.eigvals(W)

    def negll(p):
        b, rho, ls2, lsm = p[:5], p[5], p[6], p[7]
        Om = np.exp(ls2) * np.eye(T * N) + np.exp(lsm) * J
        e = yv - rho * wy - M @ b
        sign, ld = np.linalg.slogdet(Om)
        return 0.5 * (T * N * np.log(2 * np.pi) + ld + e @ np.linalg.solve(Om, e)) - T * np.sum(
            np.log(np.abs(1 - rho * ev))).real

    x0 = np.concatenate([np.linalg.lstsq(M, yv, rcond=None)[0], [0.1, np.log(0.25), np.log(0.5)]])
    r = optimize.minimize(negll, x0, method="BFGS", options={"gtol": 1e-9, "maxiter": 10000})
    r = optimize.minimize(negll, r.x, method="Nelder-Mead",
                          options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    return r.x, -r.fun


def test_random_effects_sdm_matches_brute_force_likelihood():
    df, W, y, X = panel()
    r = geoproc.sdm(df, (W, list(range(W.shape[0]))), "y", ["x1", "x2"], effects="region",
                    random_effects=True, draws=100, seed=1, row_standardize=True)
    p, ll = brute_re(y, X, W)
    assert r.fixed_effects == "random"
    np.testing.assert_allclose(r.direct.fit.coef, p[1:5], atol=2e-5)
    assert r.rho == pytest.approx(p[5], abs=2e-5)
    assert r.sigma2 == pytest.approx(np.exp(p[6]), rel=1e-4)
    assert r.direct.fit.extra["sigma2_mu"] == pytest.approx(np.exp(p[7]), rel=1e-3)
    assert r.direct.fit.extra["const"] == pytest.approx(p[0], abs=2e-5)
    assert r.loglik == pytest.approx(ll, abs=1e-5)
    assert "random region effects" in r.summary()
    js = json.loads(r.to_json())
    assert js["fixed_effects"] == "random" and "lr_sar_re" in js["tests"]


def test_random_effects_choices():
    df, W, _, _ = panel()
    w = (W, list(range(W.shape[0])))
    with pytest.raises(GeoprocInputError, match="SDM and the SAR"):
        geoproc.sdm(df, w, "y", ["x1"], model="sem", random_effects=True, row_standardize=True)
    with pytest.raises(GeoprocInputError, match="random region effects need"):
        geoproc.sdm(df, w, "y", ["x1"], effects="time", random_effects=True, row_standardize=True)
    r = geoproc.sdm(df, w, "y", ["x1", "x2"], model="sar", random_effects=True, draws=0,
                    row_standardize=True, tests=False)
    assert r.fixed_effects == "random_twoway" and list(r.theta.index) == []


def test_cli_random_effects(tmp_path):
    from geoproc.cli import main
    from geoproc.weights import as_weights, write_weights

    df, W, _, _ = panel()
    df.to_csv(tmp_path / "p.csv", index=False)
    write_weights(as_weights(W, ids=list(range(W.shape[0]))), tmp_path / "w.csv")
    code = main(["sdm", str(tmp_path / "p.csv"), "-w", str(tmp_path / "w.csv"), "--y", "y",
                 "--x", "x1", "--controls", "x2", "--random-effects", "--draws", "0",
                 "-o", str(tmp_path / "r.txt"), "--json", str(tmp_path / "r.json")])
    assert code == 0
    js = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    api = geoproc.sdm(df, (W, list(range(W.shape[0]))), "y", ["x1", "x2"], random_effects=True,
                      draws=0, row_standardize=True)
    assert js["fixed_effects"] == "random_twoway"
    assert js["rho"] == pytest.approx(api.rho, rel=1e-6)
