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


def brute_re(y, X, W, F=None):
    """Every parameter by BFGS + Nelder-Mead on the dense RE likelihood. With ``F`` (N x N-1,
    orthonormal columns orthogonal to 1): the time effects removed by Lee and Yu's F_N, i.e.
    the likelihood of F'y_t with W* = F'WF, lags formed before the transformation and no
    intercept (the first returned parameter is then a dummy 0)."""
    T, N = y.shape
    WX = np.einsum("ij,tjk->tik", W, X)
    wy = (W @ y.T).T
    if F is not None:
        y, X, WX, wy = y @ F, np.einsum("tnk,nm->tmk", X, F), np.einsum("tnk,nm->tmk", WX, F), wy @ F
        W, N = F.T @ W @ F, F.shape[1]
    one = np.ones(T * N) if F is None else np.zeros(T * N)
    M = np.column_stack([one, X.reshape(T * N, 2), WX.reshape(T * N, 2)])
    yv = y.ravel()
    wy = wy.ravel()
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
    if F is not None:
        negll0 = negll
        x0[0] = 0.0

        def negll(p):  # the intercept is not identified after F_N: fixed at 0
            return negll0(np.r_[0.0, p[1:]])
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


def test_random_effects_twoway_uses_lee_yu_time_transformation():
    """Two-way (random region, fixed time effects), row-standardised W: the likelihood of the
    data transformed by an explicit F_N (eigenvectors of I - 11'/N with eigenvalue 1), as on
    the Hausman test's RE side, maximised over every parameter with the dense NT x NT
    covariance. The period-demeaned likelihood (N observations a period) gives another rho."""
    df, W, y, X = panel(n=15, t=5, seed=9)
    r = geoproc.sdm(df, (W, list(range(W.shape[0]))), "y", ["x1", "x2"], effects="twoway",
                    random_effects=True, draws=0, seed=1, row_standardize=True)
    N = W.shape[0]
    vals, vecs = np.linalg.eigh(np.eye(N) - 1.0 / N)
    F = vecs[:, vals > 0.5]
    p, ll = brute_re(y, X, W, F)
    assert r.fixed_effects == "random_twoway"
    assert r.direct.fit.extra["time_transform"] == "lee_yu"
    np.testing.assert_allclose(r.direct.fit.coef, p[1:5], atol=2e-5)
    assert r.rho == pytest.approx(p[5], abs=2e-5)
    assert r.sigma2 == pytest.approx(np.exp(p[6]), rel=1e-4)
    assert r.direct.fit.extra["sigma2_mu"] == pytest.approx(np.exp(p[7]), rel=1e-3)
    assert r.loglik == pytest.approx(ll, abs=1e-5)
    assert r.direct.fit.n_obs == (N - 1) * 5
    assert "time effects removed by Lee and Yu's transformation" in r.summary()
    # the direct (period-demeaned) optimum differs: the transformation is not a relabelling
    from scipy import sparse

    from geoproc.durbin.logdet import SpatialOperator
    from geoproc.durbin.random_effects import fit_random_effects

    Ws = sparse.csr_matrix(W)
    old = fit_random_effects(y, X, Ws, SpatialOperator(Ws), [0, 1], lee_yu=False)
    assert abs(old.spatial - r.rho) > 1e-3


def test_random_effects_twoway_without_row_standardised_weights_keeps_demeaning():
    df, W, _, _ = panel(n=15, t=5, seed=9)
    W2 = W * 1.5
    with pytest.warns(UserWarning):
        r = geoproc.sdm(df, (W2, list(range(W.shape[0]))), "y", ["x1", "x2"], effects="twoway",
                        random_effects=True, draws=0, row_standardize=False, tests=False)
    assert r.direct.fit.extra["time_transform"] == "demeaned"
    assert r.direct.fit.n_obs == 15 * 5


def test_random_effects_choices():
    df, W, _, _ = panel()
    w = (W, list(range(W.shape[0])))
    with pytest.raises(GeoprocInputError, match="SDM, the SAR and the SEM"):
        geoproc.sdm(df, w, "y", ["x1"], model="slx", random_effects=True, row_standardize=True)
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


def sem_panel(n=15, t=5, seed=3, lam=0.4):
    rng = np.random.default_rng(seed)
    _, W, _, _ = panel(n=n, t=t, seed=seed)
    X = rng.normal(size=(t, n, 2))
    mu = 0.8 * rng.normal(size=n)
    B = np.eye(n) - lam * W
    y = np.stack([1.0 + X[s] @ [1.0, -0.5] + mu
                  + np.linalg.solve(B, 0.5 * rng.normal(size=n)) for s in range(t)])
    df = pd.DataFrame({"code": np.tile(np.arange(n), t), "year": np.repeat(np.arange(t), n),
                       "y": y.ravel(), "x1": X[..., 0].ravel(), "x2": X[..., 1].ravel()})
    return df, W, y, X


def brute_re_sem(y, X, W, F=None):
    """Every parameter by BFGS + Nelder-Mead on the dense RE error likelihood:
    covariance sigma^2 (I_T kron (B'B)^-1) + sigma_mu^2 (1_T 1_T' kron I_N), B = I - lambda W;
    with ``F`` the data and W transformed by an explicit F_N (no intercept)."""
    T, N = y.shape
    if F is not None:
        y, X, W, N = y @ F, np.einsum("tnk,nm->tmk", X, F), F.T @ W @ F, F.shape[1]
    one = np.ones((T * N, 1)) if F is None else np.zeros((T * N, 1))
    M = np.hstack([one, X.reshape(T * N, 2)])
    yv = y.ravel()
    J = np.kron(np.ones((T, T)), np.eye(N))

    def negll(p):
        b = p[:3] if F is None else np.r_[0.0, p[1:3]]
        lam, s2, sm = p[3], np.exp(p[4]), np.exp(p[5])
        B = np.eye(N) - lam * W
        Om = s2 * np.kron(np.eye(T), np.linalg.inv(B.T @ B)) + sm * J
        e = yv - M @ b
        return 0.5 * (T * N * np.log(2 * np.pi) + np.linalg.slogdet(Om)[1] + e @ np.linalg.solve(Om, e))

    x0 = np.r_[np.linalg.lstsq(M, yv, rcond=None)[0] if F is None else [0.0, 0.5, 0.0], 0.2,
               np.log(0.25), np.log(0.5)]
    r = optimize.minimize(negll, x0, method="BFGS", options={"gtol": 1e-9, "maxiter": 10000})
    r = optimize.minimize(negll, r.x, method="Nelder-Mead",
                          options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    return r.x, -r.fun


@pytest.mark.parametrize("effects", ["region", "twoway"])
def test_random_effects_sem_matches_brute_force_likelihood(effects):
    df, W, y, X = sem_panel()
    r = geoproc.sdm(df, (W, list(range(W.shape[0]))), "y", ["x1", "x2"], model="sem",
                    effects=effects, random_effects=True, draws=0, row_standardize=True, tests=False)
    N = W.shape[0]
    F = None
    if effects == "twoway":
        vals, vecs = np.linalg.eigh(np.eye(N) - 1.0 / N)
        F = vecs[:, vals > 0.5]
    p, ll = brute_re_sem(y, X, W, F)
    assert r.lam == pytest.approx(p[3], abs=5e-5)
    np.testing.assert_allclose(r.direct.fit.coef, p[1:3], atol=5e-5)
    assert r.sigma2 == pytest.approx(np.exp(p[4]), rel=2e-4)
    assert r.direct.fit.extra["sigma2_mu"] == pytest.approx(np.exp(p[5]), rel=2e-3)
    assert r.loglik == pytest.approx(ll, abs=1e-5)
    if effects == "region":
        assert r.direct.fit.extra["const"] == pytest.approx(p[0], abs=5e-5)
    # SEM effects: direct = beta, no spillover
    assert r.effects.loc["x1", "direct"] == pytest.approx(r.beta["x1"])
    assert r.effects.loc["x1", "indirect"] == pytest.approx(0.0, abs=1e-12)
    se = r.se
    assert np.all(np.isfinite(se.to_numpy())) and se["lambda"] > 0
