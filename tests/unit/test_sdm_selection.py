"""Elhorst's selection sequence: its LR tests of the fixed effects against explicit dummy
regressions, and where it points on panels simulated from SAR, SEM and SDM."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from geoproc.durbin.selection import model_selection


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


def simulate(kind: str, n=120, t=10, seed=5):
    rng = np.random.default_rng(seed)
    W = knn_w(n, 5, seed)
    Wd = W.toarray()
    X = rng.normal(size=(t, n, 2))
    beta, theta = np.array([1.0, -1.0]), np.array([0.8, 0.6])
    mu, tau = rng.normal(size=n), rng.normal(size=t)
    y = np.empty((t, n))
    for s in range(t):
        e = rng.normal(size=n)
        xb = X[s] @ beta + mu + tau[s]
        if kind == "sar":
            y[s] = np.linalg.solve(np.eye(n) - 0.5 * Wd, xb + e)
        elif kind == "sem":
            y[s] = xb + np.linalg.solve(np.eye(n) - 0.6 * Wd, e)
        else:
            y[s] = np.linalg.solve(np.eye(n) - 0.4 * Wd, xb + Wd @ X[s] @ theta + e)
    return y, X, W


def ols_loglik(y, M):
    b, *_ = np.linalg.lstsq(M, y, rcond=None)
    e = y - M @ b
    n = len(y)
    return -0.5 * n * (np.log(2 * np.pi * (e @ e) / n) + 1)


def test_fixed_effects_lr_tests_match_dummy_regressions():
    y, X, W = simulate("sdm", n=40, t=6)
    T, N = y.shape
    sel = model_selection(y, X, W)
    Xf = X.reshape(T * N, -1)
    R = np.kron(np.ones((T, 1)), np.eye(N))
    P = np.kron(np.eye(T), np.ones((N, 1)))
    yv = y.ravel()
    ll2 = ols_loglik(yv, np.hstack([Xf, R, P[:, 1:]]))
    llt = ols_loglik(yv, np.hstack([Xf, P]))
    llr = ols_loglik(yv, np.hstack([Xf, R]))
    tab = sel.table.set_index("test")
    assert tab.loc["LR joint region effects", "stat"] == pytest.approx(2 * (ll2 - llt), rel=1e-9)
    assert tab.loc["LR joint time effects", "stat"] == pytest.approx(2 * (ll2 - llr), rel=1e-9)
    assert tab.loc["LR joint region effects", "df"] == N - 1


@pytest.mark.parametrize("kind", ["sar", "sem", "sdm"])
def test_the_sequence_points_to_the_generating_model(kind):
    y, X, W = simulate(kind)
    sel = model_selection(y, X, W, x_names=["a", "b"])
    assert sel.chosen == kind, sel.summary()
    assert "Hausman" in set(sel.table["step"])
    assert sel.to_dict()["chosen"] == kind


def test_cigarette_panel_fixed_effects_lr_tests_match_elhorst_2014():
    """Elhorst (2014, Spatial Econometrics, sec. 3.6.2) on Baltagi's cigarette panel: LR of
    the joint region effects 2315.7, of the time effects 473.1 (he counts 46 and 30 df; the
    restrictions are 45 and 29 once the other effects and the intercept are in)."""
    import os

    import libpysal
    import pandas as pd
    import scipy.io

    d = pd.read_csv(os.path.join(os.path.dirname(__file__), os.pardir, "data", "cigar.csv"))
    d = d.sort_values(["year", "state"])
    y = np.log(d["sales"].to_numpy()).reshape(30, 46)
    X = np.stack([np.log(d["price"] / d["cpi"]).to_numpy().reshape(30, 46),
                  np.log(d["ndi"] / d["cpi"]).to_numpy().reshape(30, 46)], axis=-1)
    path = os.path.join(os.path.dirname(libpysal.__file__), "examples", "wmat", "spat-sym-us.mat")
    A = scipy.io.loadmat(path)["spat0x2Dsym0x2Dus"].astype(float)
    sel = model_selection(y, X, sparse.csr_matrix(A / A.sum(1, keepdims=True)),
                          x_names=["logp", "logy"])
    tab = sel.table.set_index("test")
    assert round(tab.loc["LR joint region effects", "stat"], 1) == 2315.7
    assert round(tab.loc["LR joint time effects", "stat"], 1) == 473.1
    assert sel.chosen == "sdm"
