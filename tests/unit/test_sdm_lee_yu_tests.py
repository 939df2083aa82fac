"""With ``lee_yu=True`` the LR/Wald tests are also computed under Lee and Yu's estimator:
the LR statistics are 2 (logL_SDM - logL_restricted) of the Lee-Yu fits themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geoproc
from geoproc.durbin.estimation import Design, fit_error, fit_lag, spatial_lag, within


def test_lee_yu_lr_tests_use_the_lee_yu_likelihoods():
    rng = np.random.default_rng(4)
    n, t = 40, 6
    pts = rng.random((n, 2))
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    np.fill_diagonal(d, np.inf)
    A = np.zeros((n, n))
    A[np.repeat(np.arange(n), 4), np.argsort(d, axis=1)[:, :4].ravel()] = 1
    W = A / A.sum(1, keepdims=True)
    X = rng.normal(size=(t, n, 2))
    y = np.stack([np.linalg.solve(np.eye(n) - 0.4 * W, X[s] @ [1.0, -0.5] + W @ X[s] @ [0.5, 0.2]
                                  + rng.normal(size=n) + s) for s in range(t)])
    df = pd.DataFrame({"code": np.tile(np.arange(n), t), "year": np.repeat(np.arange(t), n),
                       "y": y.ravel(), "x1": X[..., 0].ravel(), "x2": X[..., 1].ravel()})
    r = geoproc.sdm(df, (W, list(range(n))), "y", ["x1", "x2"], lee_yu=True, draws=0,
                    row_standardize=True)
    # independent: the Lee-Yu likelihoods of SDM, SAR, SEM from the array estimators
    from scipy import sparse

    from geoproc.durbin.logdet import SpatialOperator

    Ws = sparse.csr_matrix(W)
    op = SpatialOperator(Ws)
    yt, wyt = within(y, "twoway"), within(spatial_lag(Ws, y), "twoway")
    Xt = within(X, "twoway").reshape(t * n, 2)
    WXt = within(spatial_lag(Ws, X), "twoway").reshape(t * n, 2)
    sdm = fit_lag(Design(yt, wyt, np.hstack([Xt, WXt]), ["a", "b", "c", "d"]), op, "twoway", True)
    sar = fit_lag(Design(yt, wyt, Xt, ["a", "b"]), op, "twoway", True, model="sar")
    sem = fit_error(Design(yt, wyt, Xt, ["a", "b"], wZ=WXt), op, "twoway", True)
    assert r.tests["lr_sar_lee_yu"].stat == pytest.approx(2 * (sdm.loglik - sar.loglik), rel=1e-6)
    assert r.tests["lr_sem_lee_yu"].stat == pytest.approx(2 * (sdm.loglik - sem.loglik), rel=1e-6)
    assert r.tests["lr_sar"].stat != pytest.approx(r.tests["lr_sar_lee_yu"].stat, rel=1e-3)
    text = r.summary()
    assert "LR SDM → SAR, Lee–Yu" in text and "Effects (LeSage-Pace, Lee-Yu" in text
