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


def _orth(n: int) -> np.ndarray:
    """n x (n - 1) orthonormal columns orthogonal to 1 (eigenvectors of I - 11'/n)."""
    vals, vecs = np.linalg.eigh(np.eye(n) - 1.0 / n)
    return vecs[:, vals > 0.5]


def _brute_lee_yu_loglik(y, X, W, kind):
    """Maximised log-likelihood of Lee and Yu's two-way transformation approach, written out:
    lags formed from the raw data, then F_T' over time and F_N' over regions explicitly
    ((N-1)(T-1) observations, W* = F_N'WF_N, dense log-determinant); beta and sigma^2
    concentrated by least squares, rho/lambda by a bounded scalar search."""
    from scipy import optimize

    T, N = y.shape
    FT, FN = _orth(T), _orth(N)
    Ws = FN.T @ W @ FN

    def tr(a):  # (T, N, ...) -> ((T-1)(N-1), ...)
        a = np.einsum("ts,tn...->sn...", FT, a)
        return np.einsum("nm,sn...->sm...", FN, a).reshape((T - 1) * (N - 1), *a.shape[2:])

    WX = np.einsum("ij,tjk->tik", W, X)
    Z = tr(np.concatenate([X, WX], axis=2)) if kind == "sdm" else tr(X)
    ys, wys = tr(y), tr(np.einsum("ij,tj->ti", W, y))
    n = ys.shape[0]
    eye = np.eye(N - 1)

    def negll(a):
        if kind == "sem":  # (I - lambda W*) applied to y* and X*, per transformed period
            B = eye - a * Ws
            def f(v):
                return np.einsum("ij,sj...->si...", B, v.reshape(T - 1, N - 1, *v.shape[1:])).reshape(v.shape)
            yy, ZZ = f(ys), f(Z)
        else:
            yy, ZZ = ys - a * wys, Z
        e = yy - ZZ @ np.linalg.lstsq(ZZ, yy, rcond=None)[0]
        s2 = e @ e / n
        return -(-n / 2 * (np.log(2 * np.pi * s2) + 1) + (T - 1) * np.linalg.slogdet(eye - a * Ws)[1])

    res = optimize.minimize_scalar(negll, bounds=(-0.99, 0.99), method="bounded",
                                   options={"xatol": 1e-10})
    return -res.fun


def test_cigarette_lee_yu_tests_are_the_default_block():
    """Baltagi's cigarette panel, two-way SDM with --lee-yu: the LR tests SDM -> SAR and
    SDM -> SEM equal 2 (logL_SDM - logL_restricted) of independently written Lee-Yu
    likelihoods (explicit F_T, F_N), differ from the direct ones, and are the first tests
    (and the Lee-Yu effects the first effects) the text and HTML reports show, labelled."""
    import json
    import os

    import libpysal
    import scipy.io

    d = pd.read_csv(os.path.join(os.path.dirname(__file__), os.pardir, "data", "cigar.csv"))
    d["logc"], d["logp"], d["logy"] = (np.log(d["sales"]), np.log(d["price"] / d["cpi"]),
                                       np.log(d["ndi"] / d["cpi"]))
    path = os.path.join(os.path.dirname(libpysal.__file__), "examples", "wmat", "spat-sym-us.mat")
    A = scipy.io.loadmat(path)["spat0x2Dsym0x2Dus"].astype(float)
    W = A / A.sum(1, keepdims=True)
    ids = sorted(d["state"].unique())
    r = geoproc.sdm(d, (A, ids), "logc", ["logp", "logy"], id="state", year="year",
                    lee_yu=True, draws=200, seed=1, row_standardize=True)
    d = d.sort_values(["year", "state"])
    y = d["logc"].to_numpy().reshape(30, 46)
    X = np.stack([d["logp"].to_numpy().reshape(30, 46), d["logy"].to_numpy().reshape(30, 46)], -1)
    ll = {k: _brute_lee_yu_loglik(y, X, W, k) for k in ("sdm", "sar", "sem")}
    assert r.lee_yu.loglik == pytest.approx(ll["sdm"], abs=1e-6)
    assert r.tests["lr_sar_lee_yu"].stat == pytest.approx(2 * (ll["sdm"] - ll["sar"]), abs=1e-5)
    assert r.tests["lr_sem_lee_yu"].stat == pytest.approx(2 * (ll["sdm"] - ll["sem"]), abs=1e-5)
    assert abs(r.tests["lr_sar"].stat - r.tests["lr_sar_lee_yu"].stat) > 1.0  # 15.9 vs 18.2
    text = r.summary()
    first_tests = text.index("Tests under Lee–Yu (the chosen estimator")
    assert first_tests < text.index("Tests under direct ML, for comparison")
    block = text[first_tests:text.index("Tests under direct ML")]
    assert f"{r.tests['lr_sar_lee_yu'].stat:10.4f}" in block
    assert f"{r.tests['lr_sar'].stat:10.4f}" not in block
    assert (text.index("Effects (LeSage-Pace, Lee-Yu (the chosen estimator)")
            < text.index("Effects (LeSage-Pace, direct ML, for comparison"))
    ly_direct = r.lee_yu.effects.loc["logp", "direct"]
    eff_block = text[text.index("Effects (LeSage-Pace, Lee-Yu"):text.index("Effects (LeSage-Pace, direct")]
    assert f"{ly_direct:.5f}" in eff_block
    html = r.to_html()
    assert html.index("Tests under Lee–Yu") < html.index("Tests under direct ML")
    assert html.index("Lee–Yu (the chosen estimator)") < html.index("direct ML, for comparison")
    js = json.loads(r.to_json())
    assert js["estimator"] == "lee_yu"
    assert js["lee_yu"]["tests"]["lr_sar"]["stat"] == pytest.approx(2 * (ll["sdm"] - ll["sar"]), abs=1e-5)
    assert js["lee_yu"]["effects"]["logp"]["direct"] == pytest.approx(ly_direct)
