"""Dynamic spatial panels against a second implementation written independently here.

* The uncorrected QMLE against a brute-force dummy-variable likelihood: every parameter
  (tau, psi, beta, theta, rho, sigma^2 and one dummy per region, per period) maximised by
  scipy.optimize with dense log-determinants, no concentration, no within transformation.
  For Lee and Yu's time transformation the data are multiplied by an explicit orthonormal
  F_N (numpy's eigenvectors of I - 11'/N) and W replaced by F_N' W F_N.
* The bias terms of Yu, de Jong and Lee (2008, eq. 19) from dense matrices
  S = I - rho W, A = S^-1 (tau I + psi W), G = W S^-1, (I - A)^-1 S^-1, term by term, on
  both log-determinant paths, and for F_N' W F_N.
* Short- and long-run effects from the dense matrices of Debarsy, Ertur and LeSage (2012).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, sparse

from geoproc.durbin.dynamic import bias_terms, fit_dynamic, stationarity
from geoproc.durbin.dynamic_effects import dynamic_effects
from geoproc.durbin.logdet import SpatialOperator
from geoproc.errors import GeoprocInputError


def knn_w(n: int, k: int, seed: int) -> sparse.csr_matrix:
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    np.fill_diagonal(d, np.inf)
    idx = np.argsort(d, axis=1)[:, :k]
    A = np.zeros((n, n))
    A[np.repeat(np.arange(n), k), idx.ravel()] = 1.0
    A = np.maximum(A, A.T)  # symmetric contiguity-like: real eigenvalues
    return sparse.csr_matrix(A / A.sum(1, keepdims=True))


def simulate(n=15, t=7, seed=3, tau=0.4, psi=0.1, rho=0.3, time_effects=True):
    rng = np.random.default_rng(seed)
    W = knn_w(n, 3, seed)
    Wd = W.toarray()
    X = rng.normal(size=(t, n, 2))
    beta, theta = np.array([1.0, -0.5]), np.array([0.4, 0.2])
    mu = rng.normal(size=n)
    alpha = rng.normal(size=t) if time_effects else np.zeros(t)
    Sinv = np.linalg.inv(np.eye(n) - rho * Wd)
    y = np.zeros((t, n))
    prev = rng.normal(size=n)
    for s in range(t):
        rhs = tau * prev + psi * Wd @ prev + X[s] @ beta + Wd @ X[s] @ theta + mu + alpha[s]
        y[s] = Sinv @ (rhs + 0.5 * rng.normal(size=n))
        prev = y[s]
    return y, X, W


def brute_force(y, X, W, time_dummies: bool, F=None):
    """Maximise the full Gaussian likelihood over all parameters (analytic gradient).

    Columns: y_{t-1}, W y_{t-1}, X, W X; region dummies; period dummies (first dropped);
    rho; log sigma^2. With ``F`` every period is premultiplied by F' and W is F'WF.
    """
    Wd = W.toarray()
    T, N = y.shape
    cols = [y[:-1], (Wd @ y[:-1].T).T, X[1:, :, 0], X[1:, :, 1],
            (Wd @ X[1:, :, 0].T).T, (Wd @ X[1:, :, 1].T).T]
    Y, WY = y[1:], (Wd @ y[1:].T).T
    Wm = Wd
    if F is not None:
        cols = [c @ F for c in cols]
        Y, WY = Y @ F, WY @ F
        Wm = F.T @ Wd @ F
    Tp, n = Y.shape
    Z = np.column_stack([c.ravel() for c in cols])
    D = np.kron(np.ones((Tp, 1)), np.eye(n))
    if time_dummies:
        D = np.hstack([D, np.kron(np.eye(Tp), np.ones((n, 1)))[:, 1:]])
    M = np.hstack([Z, D])
    yv, wy = Y.ravel(), WY.ravel()
    ev = np.linalg.eigvals(Wm)
    nobs = yv.size

    def negll(par):
        b, rho, ls2 = par[:-2], par[-2], par[-1]
        s2 = np.exp(ls2)
        e = yv - rho * wy - M @ b
        logdet = np.sum(np.log(np.abs(1 - rho * ev))).real
        f = 0.5 * nobs * (np.log(2 * np.pi) + ls2) - Tp * logdet + e @ e / (2 * s2)
        g = np.empty_like(par)
        g[:-2] = -M.T @ e / s2
        g[-2] = Tp * np.sum(ev / (1 - rho * ev)).real - wy @ e / s2
        g[-1] = 0.5 * nobs - e @ e / (2 * s2)
        return f, g

    start = np.zeros(M.shape[1] + 2)
    start[-2] = 0.1
    start[-1] = np.log(np.var(yv))
    res = optimize.minimize(negll, start, jac=True, method="BFGS",
                            options={"gtol": 1e-10, "maxiter": 20000})
    res = optimize.minimize(negll, res.x, jac=True, method="L-BFGS-B",
                            options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 20000})
    par = res.x
    return np.concatenate([par[:6], [par[-2], np.exp(par[-1])]]), -res.fun


@pytest.mark.parametrize("effects,lee_yu", [("region", True), ("twoway", False), ("twoway", True)])
def test_qmle_matches_brute_force_dummy_variable_likelihood(effects, lee_yu):
    y, X, W = simulate(time_effects=effects == "twoway")
    fit = fit_dynamic(y, X, W, dynamic="both", model="sdm", effects=effects, lee_yu=lee_yu,
                      correct=False)
    F = None
    if effects == "twoway" and lee_yu:
        n = W.shape[0]
        vals, vecs = np.linalg.eigh(np.eye(n) - 1.0 / n)
        F = vecs[:, vals > 0.5]
    want, ll = brute_force(y, X, W, time_dummies=effects == "twoway" and not lee_yu, F=F)
    np.testing.assert_allclose(fit.raw.params, want, atol=2e-6, rtol=0)
    assert fit.loglik == pytest.approx(ll, abs=1e-6)
    # uncorrected: the reported estimates are the QMLE itself
    np.testing.assert_array_equal(fit.params, fit.raw.params)


def dense_bias(Wd, rho, tau, psi):
    n = len(Wd)
    S = np.eye(n) - rho * Wd
    Si = np.linalg.inv(S)
    G = Wd @ Si
    A = Si @ (tau * np.eye(n) + psi * Wd)
    R = np.linalg.inv(np.eye(n) - A) @ Si
    return {"tr_R": np.trace(R), "tr_WR": np.trace(Wd @ R), "tr_GR": np.trace(G @ R),
            "tr_GWR": np.trace(G @ Wd @ R), "tr_G": np.trace(G)}


@pytest.mark.parametrize("method", ["eig", "lu"])
@pytest.mark.parametrize("rho,tau,psi", [(0.3, 0.4, 0.1), (0.2, 0.6, -0.3), (0.25, 0.5, -0.125)])
def test_bias_terms_term_by_term(method, rho, tau, psi):
    # (0.25, 0.5, -0.125): c = (rho + psi)/(1 - tau) = rho, the divided differences' limit
    W = knn_w(60, 4, 1)
    op = SpatialOperator(W, method)
    got = bias_terms(op, rho, tau, psi, projected=False)
    want = dense_bias(W.toarray(), rho, tau, psi)
    for k in want:
        assert got[k] == pytest.approx(want[k], rel=1e-7 if method == "eig" else 1e-6), k


def test_bias_terms_after_time_transformation_are_those_of_FWF():
    W = knn_w(40, 4, 2)
    n = W.shape[0]
    vals, vecs = np.linalg.eigh(np.eye(n) - 1.0 / n)
    F = vecs[:, vals > 0.5]
    got = bias_terms(SpatialOperator(W), 0.3, 0.5, -0.1, projected=True)
    want = dense_bias(F.T @ W.toarray() @ F, 0.3, 0.5, -0.1)
    for k in want:
        assert got[k] == pytest.approx(want[k], rel=1e-9), k


def test_stationarity_names_the_failed_condition():
    op = SpatialOperator(knn_w(30, 3, 4))
    ok = stationarity(op, 0.2, 0.5, 0.1)
    assert ok.ok and ok.message == ""
    bad = stationarity(op, 0.3, 0.6, 0.2)
    assert not bad.ok
    assert "tau + rho + psi = 1.100000 >= 1" in bad.message
    osc = stationarity(op, 0.5, -0.7, 0.0)
    assert not osc.ok and "<= -1" in osc.message
    with pytest.raises(GeoprocInputError, match="not stationary"):
        bias_terms(op, 0.3, 0.6, 0.2, projected=False)


def test_effects_match_dense_short_and_long_run_matrices():
    y, X, W = simulate(n=20, t=8, seed=5)
    op = SpatialOperator(W)
    fit = fit_dynamic(y, X, W, dynamic="both", model="sdm", effects="twoway", op=op)
    tabs = dynamic_effects(fit, op, draws=0)
    Wd = W.toarray()
    n = len(Wd)
    for k, name in enumerate(fit.x_names):
        C = fit.beta[k] * np.eye(n) + fit.theta[k] * Wd
        short = np.linalg.solve(np.eye(n) - fit.rho * Wd, C)
        long = np.linalg.solve((1 - fit.tau) * np.eye(n) - (fit.rho + fit.psi) * Wd, C)
        for key, M in (("short_run", short), ("long_run", long)):
            row = tabs[key].loc[name]
            assert row["direct"] == pytest.approx(np.trace(M) / n, rel=1e-10)
            assert row["total"] == pytest.approx(M.sum() / n, rel=1e-10)
            assert row["indirect"] == pytest.approx((M.sum() - np.trace(M)) / n, rel=1e-9)


def test_effects_standard_errors_are_reproducible_and_positive():
    y, X, W = simulate(n=20, t=8, seed=6, psi=0.0)
    op = SpatialOperator(W)
    fit = fit_dynamic(y, X, W, dynamic="tl", model="sdm", effects="region", op=op)
    a = dynamic_effects(fit, op, draws=300, seed=7)
    b = dynamic_effects(fit, op, draws=300, seed=7)
    for key in ("short_run", "long_run"):
        assert a[key].equals(b[key])
        assert (a[key][["direct_se", "indirect_se", "total_se"]].to_numpy() > 0).all()
    assert fit.psi == 0.0 and "psi" not in fit.names


def test_bad_choices_are_one_line_input_errors():
    y, X, W = simulate(n=10, t=4)
    with pytest.raises(GeoprocInputError, match="dynamic must be one of"):
        fit_dynamic(y, X, W, dynamic="lag")
    with pytest.raises(GeoprocInputError, match="needs region effects"):
        fit_dynamic(y, X, W, effects="time")
    with pytest.raises(GeoprocInputError, match="at least 3 periods"):
        fit_dynamic(y[:2], X[:2], W)
    A = (W.toarray() > 0).astype(float)
    with pytest.raises(GeoprocInputError, match="row-standardised"):
        fit_dynamic(y, X, sparse.csr_matrix(A), effects="twoway", lee_yu=True)


@pytest.mark.parametrize("rho", [-0.5, 0.3, 0.6])
def test_kurtosis_term_series_on_the_lu_path_matches_a_dense_inverse(rho):
    from geoproc.durbin.dynamic import _diag_G_sq

    W = knn_w(300, 4, 1)
    Wd = W.toarray()
    G = Wd @ np.linalg.inv(np.eye(300) - rho * Wd)
    want = float(np.sum(np.diag(G) ** 2))
    assert _diag_G_sq(SpatialOperator(W, "lu"), rho) == pytest.approx(want, rel=2e-3)


def test_lu_path_gives_the_eigenvalue_path_estimates_and_covariance():
    y, X, W = simulate(n=60, t=6, seed=8)
    a = fit_dynamic(y, X, W, op=SpatialOperator(W, "eig"))
    b = fit_dynamic(y, X, W, op=SpatialOperator(W, "lu"))
    np.testing.assert_allclose(b.params, a.params, rtol=0, atol=2e-8)
    np.testing.assert_allclose(b.se, a.se, rtol=1e-4)


def test_non_stationary_estimates_give_short_run_effects_and_nan_long_run():
    y, X, W = simulate(n=20, t=8, seed=6)  # psi = 0.1 in the data, fitted without it
    op = SpatialOperator(W)
    fit = fit_dynamic(y, X, W, dynamic="tl", model="sdm", effects="region", op=op)
    assert not fit.stationarity.ok and "tau + rho + psi" in fit.stationarity.message
    tabs = dynamic_effects(fit, op, draws=200, seed=1)
    assert np.isfinite(tabs["short_run"][["direct", "direct_se", "total_se"]].to_numpy()).all()
    assert tabs["long_run"][["direct", "indirect", "total"]].isna().all().all()
