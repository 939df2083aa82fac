"""SAC and SDEM on arrays against brute-force dummy-variable likelihoods (scipy.optimize over
every parameter, region dummies, dense log-determinants, analytic gradients)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, sparse

from geoproc.durbin.logdet import SpatialOperator
from geoproc.durbin.sac import fit_sac, fit_sdem


def knn_w(n: int, k: int, seed: int) -> sparse.csr_matrix:
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    np.fill_diagonal(d, np.inf)
    idx = np.argsort(d, axis=1)[:, :k]
    A = np.zeros((n, n))
    A[np.repeat(np.arange(n), k), idx.ravel()] = 1.0
    A = np.maximum(A, A.T)
    return sparse.csr_matrix(A / A.sum(1, keepdims=True))


def simulate(n=25, t=6, seed=11, rho=0.35, lam=-0.3, sdem=False):
    rng = np.random.default_rng(seed)
    W = knn_w(n, 3, seed)
    Wd = W.toarray()
    X = rng.normal(size=(t, n, 2))
    beta, theta = np.array([1.0, -0.5]), np.array([0.5, 0.3])
    mu = rng.normal(size=n)
    Ai = np.linalg.inv(np.eye(n) - (0.0 if sdem else rho) * Wd)
    Bi = np.linalg.inv(np.eye(n) - lam * Wd)
    y = np.empty((t, n))
    for s in range(t):
        xb = X[s] @ beta + (Wd @ X[s] @ theta if sdem else 0.0)
        y[s] = Ai @ (xb + mu + Bi @ (0.5 * rng.normal(size=n)))
    return y, X, W


def brute(y, X, W, sdem: bool):
    """Region dummies; params: coefficients, dummies, [rho,] lambda, log sigma2."""
    Wd = W.toarray()
    T, N = y.shape
    ev = np.linalg.eigvals(Wd)
    regs = [X[..., 0], X[..., 1]] + ([(Wd @ X[..., 0].T).T, (Wd @ X[..., 1].T).T] if sdem else [])
    M = np.column_stack([r.ravel() for r in regs] + [np.kron(np.ones((T, 1)), np.eye(N))])
    WM = np.column_stack([(Wd @ M[:, j].reshape(T, N).T).T.ravel() for j in range(M.shape[1])])
    yv = y.ravel()
    wy = (Wd @ y.T).T.ravel()
    wwy = (Wd @ (Wd @ y.T)).T.ravel()
    p = M.shape[1]
    nobs = T * N

    def negll(par):
        b = par[:p]
        rho = 0.0 if sdem else par[p]
        lam, ls2 = par[-2], par[-1]
        s2 = np.exp(ls2)
        u = yv - rho * wy - M @ b                     # A y - M b
        wu = wy - rho * wwy - WM @ b                  # W (A y - M b)
        e = u - lam * wu
        ld = lambda r: np.sum(np.log(np.abs(1 - r * ev))).real  # noqa: E731
        f = 0.5 * nobs * (np.log(2 * np.pi) + ls2) - T * (ld(rho) + ld(lam)) + e @ e / (2 * s2)
        g = np.empty_like(par)
        g[:p] = -(M - lam * WM).T @ e / s2
        if not sdem:
            g[p] = T * np.sum(ev / (1 - rho * ev)).real - (wy - lam * wwy) @ e / s2
        g[-2] = T * np.sum(ev / (1 - lam * ev)).real - wu @ e / s2
        g[-1] = 0.5 * nobs - e @ e / (2 * s2)
        return f, g

    start = np.zeros(p + (1 if sdem else 2) + 1)
    start[-1] = np.log(np.var(yv))
    r = optimize.minimize(negll, start, jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 20000})
    r = optimize.minimize(negll, r.x, jac=True, method="L-BFGS-B",
                          options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 20000})
    k = 4 if sdem else 2
    # covariance: inverse of the Hessian (central differences of the analytic gradient)
    x = r.x
    H = np.empty((len(x), len(x)))
    for i in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[i]))
        e = np.zeros(len(x))
        e[i] = h
        H[:, i] = (negll(x + e)[1] - negll(x - e)[1]) / (2 * h)
    se = np.sqrt(np.diag(np.linalg.inv((H + H.T) / 2)))
    keep = list(range(k)) + ([] if sdem else [p]) + [len(x) - 2]
    return x[:k], (None if sdem else x[p]), x[-2], np.exp(x[-1]), -r.fun, se[keep]


def test_sac_matches_brute_force():
    y, X, W = simulate()
    fit = fit_sac(y, X, W, "region", op=SpatialOperator(W))
    beta, rho, lam, s2, ll, se = brute(y, X, W, sdem=False)
    np.testing.assert_allclose(fit.coef, beta, atol=2e-6)
    assert fit.spatial == pytest.approx(rho, abs=2e-6)
    assert fit.extra["lambda"] == pytest.approx(lam, abs=2e-6)
    assert fit.sigma2 == pytest.approx(s2, rel=1e-5)
    assert fit.loglik == pytest.approx(ll, abs=1e-6)
    # standard errors: profile Hessian here, full dummy-variable Hessian there
    np.testing.assert_allclose(list(fit.se[:3]) + [fit.extra["se_lambda"]], se, rtol=2e-4)


def test_sdem_matches_brute_force():
    y, X, W = simulate(sdem=True)
    fit = fit_sdem(y, X, W, "region", op=SpatialOperator(W))
    coef, _, lam, s2, ll, _ = brute(y, X, W, sdem=True)
    np.testing.assert_allclose(fit.coef, coef, atol=2e-6)
    assert fit.spatial == pytest.approx(lam, abs=2e-6)
    assert fit.loglik == pytest.approx(ll, abs=1e-6)
    assert fit.names == ["x1", "x2", "W*x1", "W*x2"]


def test_sac_on_the_lu_path_matches_the_eigenvalue_path():
    y, X, W = simulate(n=80, t=5, seed=12)
    a = fit_sac(y, X, W, "twoway", op=SpatialOperator(W, "eig"))
    b = fit_sac(y, X, W, "twoway", op=SpatialOperator(W, "lu"))
    np.testing.assert_allclose(b.params, a.params, atol=1e-7)
    assert b.extra["lambda"] == pytest.approx(a.extra["lambda"], abs=1e-7)
    np.testing.assert_allclose(b.se, a.se, rtol=1e-4)


def test_sdm_front_end_fits_sac_and_sdem():
    """geoproc.sdm(model="sac"|"sdem"): the array estimators' numbers, lambda in the JSON,
    SDEM's effects beta (direct) and theta (indirect, W row-standardised)."""
    import json

    import pandas as pd

    import geoproc

    y, X, W = simulate(n=30, t=6, seed=21)
    T, N = y.shape
    df = pd.DataFrame({"code": np.tile(np.arange(N), T), "year": np.repeat(np.arange(T), N),
                       "y": y.ravel(), "x1": X[..., 0].ravel(), "x2": X[..., 1].ravel()})
    w = (W.toarray(), list(range(N)))
    r = geoproc.sdm(df, w, "y", ["x1", "x2"], model="sac", effects="region", draws=0,
                    row_standardize=True, tests=False)
    a = fit_sac(y, X, W, "region")
    np.testing.assert_allclose(r.params.to_numpy(), a.params, rtol=1e-8)
    assert list(r.params.index) == ["x1", "x2", "rho", "lambda", "sigma2"]
    js = json.loads(r.to_json())
    assert js["lambda"] == pytest.approx(a.extra["lambda"]) and js["se"]["lambda"] > 0
    r2 = geoproc.sdm(df, w, "y", ["x1", "x2"], model="sdem", effects="region", draws=0,
                     row_standardize=True, tests=False)
    b = fit_sdem(y, X, W, "region")
    np.testing.assert_allclose(r2.params.to_numpy(), b.params, rtol=1e-8)
    np.testing.assert_allclose(r2.effects["direct"], b.coef[:2], rtol=1e-10)
    np.testing.assert_allclose(r2.effects["indirect"], b.coef[2:], rtol=1e-10)


def test_gns_is_the_sac_likelihood_on_x_and_wx():
    """GNS = SAC with regressors [X, W X] (the SAC likelihood is checked against brute force
    above); its effects use rho, beta and theta like the SDM's."""
    import pandas as pd

    import geoproc

    y, X, W = simulate(n=40, t=6, seed=23, rho=0.3, lam=0.3)
    T, N = y.shape
    df = pd.DataFrame({"code": np.tile(np.arange(N), T), "year": np.repeat(np.arange(T), N),
                       "y": y.ravel(), "x1": X[..., 0].ravel(), "x2": X[..., 1].ravel()})
    r = geoproc.sdm(df, (W.toarray(), list(range(N))), "y", ["x1", "x2"], model="gns",
                    effects="region", draws=0, row_standardize=True, tests=False)
    WX = np.einsum("ij,tjk->tik", W.toarray(), X)
    a = fit_sac(y, np.concatenate([X, WX], axis=2), W, "region")
    np.testing.assert_allclose(r.params.to_numpy(), a.params, rtol=1e-7)
    assert list(r.params.index) == ["x1", "x2", "W*x1", "W*x2", "rho", "lambda", "sigma2"]
    Wd = W.toarray()
    S = np.linalg.inv(np.eye(N) - r.rho * Wd)
    M = S @ (r.beta["x1"] * np.eye(N) + r.theta["x1"] * Wd)
    assert r.effects.loc["x1", "total"] == pytest.approx(M.sum() / N, rel=1e-9)
