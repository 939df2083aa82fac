"""Panel SDM: equality with spreg and with a brute-force dummy-variable ML, effects, tests, I/O."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize
from sdm_panels import simulate

import geoproc
from geoproc.errors import GeoprocInputError

SEED = 12345


def _spreg_arrays(df, n, t):
    """spreg wants period-major stacking (all regions of year 1, then year 2, ...)."""
    d = df.sort_values(["year", "code"])
    return d["y"].to_numpy()[:, None], d[["x1", "x2"]].to_numpy()


def _libpysal_w(w):
    wl = w.to_W()
    wl.transform = "r"
    return wl


@pytest.fixture(scope="module")
def panel():
    return simulate(n=40, t=6, seed=3)


@pytest.fixture(scope="module")
def twoway(panel):
    df, w, _ = panel
    return geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", seed=SEED, draws=500)


# --- equality with spreg 1.9 where the models coincide (one-way region effects) ----------
@pytest.mark.parametrize("model, slx", [("sar", 0), ("sdm", 1)])
def test_matches_spreg_ml_lagfe(panel, model, slx):
    import spreg

    df, w, _ = panel
    y, X = _spreg_arrays(df, 40, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = spreg.ML_LagFE(y, X, _libpysal_w(w), slx_lags=slx, epsilon=1e-12, spat_impacts=None)
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", effects="region",
                    model=model, draws=0, tests=False)
    k = 2 + 2 * slx
    ours = np.concatenate([r.beta.to_numpy(), r.theta.to_numpy(), [r.rho]])
    assert_allclose(ours, ref.betas.ravel(), rtol=1e-6)
    # spreg reports sigma2 = e'e / NT and the full log-likelihood, as we do
    assert_allclose(r.sigma2, ref.sig2.item(), rtol=1e-6)
    assert_allclose(r.loglik, np.asarray(ref.logll).item(), rtol=1e-6)
    # both use Elhorst's analytic information matrix
    assert_allclose(r.se.to_numpy()[: k + 1], np.sqrt(np.diag(ref.vm)), rtol=1e-5)


def test_sem_matches_spreg_ml_errorfe(panel):
    import spreg

    df, w, _ = panel
    y, X = _spreg_arrays(df, 40, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = spreg.ML_ErrorFE(y, X, _libpysal_w(w), epsilon=1e-12)
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", effects="region",
                    model="sem", draws=0, tests=False)
    assert_allclose(np.r_[r.beta.to_numpy(), r.lam], ref.betas.ravel(), rtol=1e-6)
    assert_allclose(r.loglik, np.asarray(ref.logll).item(), rtol=1e-6)
    assert_allclose(r.sigma2, ref.sig2.item(), rtol=1e-6)


# --- two-way effects: a second implementation with explicit dummies ------------------
def _dummy_ml(df, W, with_wx=True):
    """ML of y = rho W y + X b + W X t + region dummies + year dummies, by brute force.

    For each rho: OLS of (y - rho W y) on [X, WX, dummies] (dense), concentrated
    log-likelihood -NT/2 log(SSR/NT) + T log|I - rho W| (numpy slogdet).
    """
    d = df.sort_values(["year", "code"])
    n = d["code"].nunique()
    t = d["year"].nunique()
    Y = d["y"].to_numpy().reshape(t, n)
    X = d[["x1", "x2"]].to_numpy().reshape(t, n, 2)
    Wd = W.toarray()
    WY = Y @ Wd.T
    WX = np.einsum("ij,tjk->tik", Wd, X)
    cols = [X.reshape(-1, 2)] + ([WX.reshape(-1, 2)] if with_wx else [])
    D_reg = np.tile(np.eye(n), (t, 1))
    D_year = np.repeat(np.eye(t), n, axis=0)[:, 1:]
    M = np.hstack(cols + [D_reg, D_year])

    def parts(rho):
        z = (Y - rho * WY).ravel()
        b, *_ = np.linalg.lstsq(M, z, rcond=None)
        e = z - M @ b
        return b, e

    def negll(rho):
        _, e = parts(rho)
        return 0.5 * n * t * np.log(e @ e / (n * t)) - t * np.linalg.slogdet(np.eye(n) - rho * Wd)[1]

    rho = optimize.minimize_scalar(negll, bounds=(-0.9, 0.9), method="bounded",
                                   options={"xatol": 1e-12}).x
    b, e = parts(rho)
    s2 = e @ e / (n * t)
    ll = -0.5 * n * t * (np.log(2 * np.pi * s2) + 1) + t * np.linalg.slogdet(np.eye(n) - rho * Wd)[1]
    return rho, b[: 4 if with_wx else 2], s2, ll


def test_twoway_equals_dummy_variable_ml(panel, twoway):
    df, _, W = panel
    rho, b, s2, ll = _dummy_ml(df, W)
    assert_allclose(twoway.rho, rho, rtol=1e-6)
    assert_allclose(np.r_[twoway.beta.to_numpy(), twoway.theta.to_numpy()], b, rtol=1e-6)
    assert_allclose(twoway.sigma2, s2, rtol=1e-6)
    assert_allclose(twoway.loglik, ll, rtol=1e-8)


def test_lag_formed_before_demeaning():
    """With a W whose columns do not sum to one, lag-then-demean differs from demean-then-lag.

    The dummy-variable ML regresses on the lag of the raw y, so it is the reference.
    """
    df, w, W = simulate(n=30, t=5, seed=11, k=3)
    rho, b, _, ll = _dummy_ml(df, W)
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", draws=0, tests=False)
    colsum = np.asarray(W.sum(axis=0)).ravel()
    assert np.ptp(colsum) > 0.5  # the test is only meaningful for such a W
    assert_allclose(r.rho, rho, rtol=1e-6)
    assert_allclose(r.loglik, ll, rtol=1e-8)


# --- effects --------------------------------------------------------------------
def test_effects_equal_dense_traces(panel, twoway):
    _, _, W = panel
    n = W.shape[0]
    Wd = W.toarray()
    B = np.linalg.inv(np.eye(n) - twoway.rho * Wd)
    for name in ("x1", "x2"):
        S = B @ (twoway.beta[name] * np.eye(n) + twoway.theta[name] * Wd)
        direct = np.trace(S) / n
        total = S.sum() / n
        row = twoway.effects.loc[name]
        assert_allclose(row["direct"], direct, rtol=1e-10)
        assert_allclose(row["total"], total, rtol=1e-10)
        assert_allclose(row["indirect"], total - direct, rtol=1e-9)
        # total has the closed form (beta + theta) / (1 - rho) for row-standardised W
        assert_allclose(total, (twoway.beta[name] + twoway.theta[name]) / (1 - twoway.rho), rtol=1e-10)
        # the direct effect is not beta, and theta is not all indirect (spreg's error)
        assert abs(row["indirect"] - twoway.theta[name]) > 1e-3


def test_effect_draws_reproducible_and_sensible(panel, twoway):
    df, w, _ = panel
    again = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", seed=SEED, draws=500,
                        tests=False)
    assert_allclose(again.effects["direct_se"], twoway.effects["direct_se"], rtol=0, atol=0)
    # the direct effect's se is close to beta's se when rho is moderate (delta method:
    # direct ~ beta * a(rho) + theta * b(rho) with a ~ 1, b small)
    ratio = twoway.effects.loc["x1", "direct_se"] / twoway.se["x1"]
    assert 0.8 < ratio < 1.3
    # the simulated mean is near the point estimate (500 draws: within 4 Monte-Carlo se)
    for part in ("direct", "indirect", "total"):
        mc_se = twoway.effects[f"{part}_se"] / np.sqrt(500)
        assert np.all(np.abs(twoway.effects[f"{part}_mean"] - twoway.effects[part]) < 4 * mc_se + 1e-3)


# --- tests recomputed by hand ----------------------------------------------------
def test_lr_and_wald_by_hand(panel, twoway):
    df, w, _ = panel
    kw = dict(y="y", x=["x1", "x2"], id="code", year="year", draws=0, tests=False)
    sar = geoproc.sdm(df, w, model="sar", **kw)
    sem = geoproc.sdm(df, w, model="sem", **kw)
    assert_allclose(twoway.tests["lr_sar"].stat, 2 * (twoway.loglik - sar.loglik), rtol=1e-10)
    assert_allclose(twoway.tests["lr_sem"].stat, 2 * (twoway.loglik - sem.loglik), rtol=1e-10)
    assert twoway.tests["lr_sar"].df == 2
    # Wald theta = 0 from the covariance of theta
    th = twoway.theta.to_numpy()
    V = twoway.cov.loc[["W*x1", "W*x2"], ["W*x1", "W*x2"]].to_numpy()
    assert_allclose(twoway.tests["wald_sar"].stat, th @ np.linalg.solve(V, th), rtol=1e-10)
    # Wald theta + rho beta = 0, delta method: J = [rho I, I, beta]
    b = twoway.beta.to_numpy()
    g = th + twoway.rho * b
    names = ["x1", "x2", "W*x1", "W*x2", "rho"]
    C = twoway.cov.loc[names, names].to_numpy()
    J = np.array([[twoway.rho, 0, 1, 0, b[0]], [0, twoway.rho, 0, 1, b[1]]])
    assert_allclose(twoway.tests["wald_sem"].stat, g @ np.linalg.solve(J @ C @ J.T, g), rtol=1e-10)
    # the simulated DGP is an SDM with theta far from 0 and from -rho beta: both rejected
    assert twoway.tests["lr_sar"].p < 1e-3 and twoway.tests["lr_sem"].p < 1e-3


# --- output -----------------------------------------------------------------------
def test_json_keys(twoway):
    d = json.loads(twoway.to_json())
    for key in ("rho", "beta", "theta", "sigma2", "loglik", "se", "effects", "tests", "n", "t", "lee_yu"):
        assert key in d
    assert set(d["beta"]) == {"x1", "x2"} and set(d["theta"]) == {"x1", "x2"}
    assert set(d["se"]) >= {"rho", "beta", "theta", "sigma2"}
    assert set(d["se"]["beta"]) == {"x1", "x2"}
    assert set(d["effects"]["x1"]) == {"direct", "indirect", "total", "direct_se", "indirect_se", "total_se"}
    assert set(d["tests"]) == {"lr_sar", "lr_sem", "wald_sar", "wald_sem", "hausman"}
    for v in d["tests"].values():
        assert set(v) == {"stat", "df", "p"}
    assert d["n"] == 40 and d["t"] == 6 and d["lee_yu"] is None
    assert d["rho"] == twoway.rho and d["beta"]["x1"] == twoway.beta["x1"]


def test_html_report(twoway, tmp_path):
    out = tmp_path / "r.html"
    text = twoway.to_html(out)
    assert out.read_text(encoding="utf-8") == text
    assert "W·x1" in text and "ρ" in text and "σ²" in text and "N·T" in text
    assert f"{twoway.beta['x1']:.4f}" in text and f"({twoway.se['x1']:.4f})" in text
    assert "Direct" in text and f"{twoway.effects.loc['x2', 'indirect']:.4f}" in text
    assert "<td>240</td>" in text  # N*T = 40 * 6
    with pytest.raises(FileExistsError):
        twoway.to_html(out)


def test_summary_and_frame(twoway):
    s = twoway.summary()
    assert "W*x1" in s and "rho" in s and "Effects" in s
    f = twoway.to_frame()
    assert list(f.index) == ["x1", "x2", "W*x1", "W*x2", "rho", "sigma2"]
    assert_allclose(f.loc["rho", "estimate"], twoway.rho)


# --- bad input ------------------------------------------------------------------
def _kw():
    return dict(y="y", x=["x1", "x2"], id="code", year="year", draws=0, tests=False)


def test_unbalanced_lists_missing(panel):
    df, w, _ = panel
    bad = df[~((df["code"] == 105) & (df["year"] == 2003))]
    with pytest.raises(GeoprocInputError, match="105 lacks 2003"):
        geoproc.sdm(bad, w, **_kw())


def test_nan_lists_region_years(panel):
    df, w, _ = panel
    bad = df.copy()
    bad.loc[(bad["code"] == 107) & (bad["year"] == 2001), "x2"] = np.nan
    with pytest.raises(GeoprocInputError, match=r"'x2'.*107 in 2001"):
        geoproc.sdm(bad, w, **_kw())
    assert df["x2"].notna().all()  # the caller's frame is untouched


def test_ids_mismatch(panel):
    df, w, _ = panel
    bad = df.copy()
    bad.loc[bad["code"] == 100, "code"] = 999
    with pytest.raises(GeoprocInputError, match="999"):
        geoproc.sdm(bad, w, **_kw())


def test_single_period(panel):
    df, w, _ = panel
    with pytest.raises(GeoprocInputError, match="T >= 2"):
        geoproc.sdm(df[df["year"] == 2000], w, **_kw())


def test_collinear_and_constant_regressors(panel):
    df, w, _ = panel
    bad = df.assign(x3=2 * df["x1"] - df["x2"])
    with pytest.raises(GeoprocInputError, match="collinear"):
        geoproc.sdm(bad, w, y="y", x=["x1", "x2", "x3"], id="code", year="year", draws=0, tests=False)
    # a regressor fixed per region vanishes with region effects: named
    bad = df.assign(area=df["code"] * 1.5)
    with pytest.raises(GeoprocInputError, match="area"):
        geoproc.sdm(bad, w, y="y", x=["x1", "area"], id="code", year="year", draws=0, tests=False)


def test_not_row_standardised_warns(panel):
    df, w, W = panel
    from geoproc.weights import SpatialWeights

    raw = SpatialWeights(W * 5.0, w.ids)
    with pytest.warns(UserWarning, match="row_standardize=True") as rec:
        geoproc.sdm(df, raw, **_kw())
    # the CLI spelling named is an option geoproc sdm has (it has no --row-standardize)
    text = " ".join(str(r.message) for r in rec)
    assert "--transform R" in text and "--row-standardize" not in text
    r = geoproc.sdm(df, raw, row_standardize=True, **_kw())
    assert r.weights.is_row_standardized()


def test_rho_at_bound_is_an_error():
    """y generated with rho = 1 - 1e-9: the estimate sits on the upper bound 1/lambda_max = 1."""
    from sdm_panels import knn_w

    n, t = 30, 4
    W = knn_w(n, 4, seed=9)
    rng = np.random.default_rng(0)
    A = np.eye(n) - (1 - 1e-9) * W.toarray()
    Y = np.stack([np.linalg.solve(A, rng.normal(size=n)) for _ in range(t)])
    import pandas as pd

    from geoproc.weights import SpatialWeights

    df = pd.DataFrame({"code": np.tile(np.arange(n), t), "year": np.repeat(np.arange(t), n),
                       "y": Y.ravel(), "x1": rng.normal(size=n * t)})
    with pytest.raises(GeoprocInputError, match="upper bound"):
        geoproc.sdm(df, SpatialWeights(W, list(range(n))), y="y", x=["x1"], id="code", year="year",
                    effects="none", model="sar", draws=0, tests=False)


@pytest.mark.parametrize("kind", ["W", "Graph", "sparse"])
def test_weights_inputs(panel, twoway, kind):
    """libpysal W and Graph, and a sparse matrix with ids, give the same fit."""
    df, w, W = panel
    obj = {"W": lambda: w.to_W(), "Graph": lambda: w.to_graph(), "sparse": lambda: (W, w.ids)}[kind]()
    r = geoproc.sdm(df, obj, y="y", x=["x1", "x2"], id="code", year="year", draws=0, tests=False)
    assert_allclose(r.params, twoway.params, rtol=1e-7)


def test_lm_tests_dense_formulas(panel):
    """Elhorst's panel LM tests with explicit NT x NT matrices (small panel)."""
    df, w, W = panel
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", draws=0)
    d = df.sort_values(["year", "code"])
    n, t = 40, 6
    Y = d["y"].to_numpy().reshape(t, n)
    X = d[["x1", "x2"]].to_numpy().reshape(t, n, 2)
    dm = lambda a: a - a.mean(0, keepdims=True) - a.mean(1, keepdims=True) + a.mean((0, 1), keepdims=True)  # noqa: E731
    y, Xw = dm(Y).ravel(), dm(X).reshape(-1, 2)
    Wnt = np.kron(np.eye(t), W.toarray())
    M = np.eye(n * t) - Xw @ np.linalg.inv(Xw.T @ Xw) @ Xw.T
    e = M @ y
    s2 = e @ e / (n * t)
    Wd = W.toarray()
    tw = np.trace(Wd @ Wd + Wd.T @ Wd)
    wxb = Wnt @ (Xw @ np.linalg.lstsq(Xw, y, rcond=None)[0])
    J = (wxb @ M @ wxb + t * tw * s2) / s2
    a, b = e @ Wnt @ y / s2, e @ Wnt @ e / s2
    assert_allclose(r.lm_tests["lm_lag"].stat, a**2 / J, rtol=1e-10)
    assert_allclose(r.lm_tests["lm_error"].stat, b**2 / (t * tw), rtol=1e-10)
    assert_allclose(r.lm_tests["rlm_lag"].stat, (a - b) ** 2 / (J - t * tw), rtol=1e-10)
    assert_allclose(r.lm_tests["rlm_error"].stat, (b - t * tw / J * a) ** 2 / (t * tw * (1 - t * tw / J)),
                    rtol=1e-10)
    assert set(json.loads(r.to_json())["lm_tests"]) == {"lm_lag", "lm_error", "rlm_lag", "rlm_error"}


def test_island_effects_against_dense(panel):
    """An island (all-zero row): totals lose the closed form; checked against dense traces."""
    df, w, W = panel
    from geoproc.weights import SpatialWeights

    Wi = W.tolil()
    Wi[0, :] = 0
    Wi = Wi.tocsr()
    with pytest.warns(UserWarning, match="islands"):
        r = geoproc.sdm(df, SpatialWeights(Wi, w.ids, transform="R"), y="y", x=["x1", "x2"],
                        id="code", year="year", draws=200, seed=2, tests=False, islands="keep")
    n = 40
    B = np.linalg.inv(np.eye(n) - r.rho * Wi.toarray())
    S = B @ (r.beta["x1"] * np.eye(n) + r.theta["x1"] * Wi.toarray())
    assert_allclose(r.effects.loc["x1", "total"], S.sum() / n, rtol=1e-10)
    assert_allclose(r.effects.loc["x1", "direct"], np.trace(S) / n, rtol=1e-10)
    assert np.isfinite(r.effects.loc["x1", "total_se"])


@pytest.mark.parametrize("model", ["sar", "sem", "slx"])
def test_nested_models_report_the_same_tests(panel, twoway, model):
    """Whatever model is reported, the tests compare the same SDM, SAR and SEM fits."""
    df, w, _ = panel
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", model=model, draws=50)
    for k in ("lr_sar", "lr_sem", "wald_sar", "wald_sem"):
        assert_allclose(r.tests[k].stat, twoway.tests[k].stat, rtol=1e-6)
    assert len(r.theta) == (2 if model == "slx" else 0)
    d = json.loads(r.to_json())
    assert (d["rho"] is None) == (model in ("sem", "slx"))


def test_wx_subset_and_order(panel):
    df, w, _ = panel
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", wx=["x2"], draws=50)
    assert list(r.theta.index) == ["x2"]
    assert r.tests["lr_sar"].df == 1 and np.isnan(r.tests["lr_sem"].stat)
    assert r.effects.loc["x1", "indirect"] != 0  # x1 still spills over through rho
    full = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", wx=["x2", "x1"], draws=0)
    assert list(full.theta.index) == ["x1", "x2"]
