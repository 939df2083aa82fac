"""Per-region SDM output: each region's effects, fitted values and residuals.

Checked against a second computation with a dense inverse of I - rho W and a by-hand
two-way within transformation.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sdm_panels import simulate

import geoproc
from geoproc.durbin import region_output
from geoproc.errors import GeoprocInputError


@pytest.fixture(scope="module")
def panel():
    return simulate(n=30, t=5, seed=11)


@pytest.fixture(scope="module")
def twoway(panel):
    df, w, _ = panel
    return geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", draws=0, tests=False)


def dense_S(r, k):
    """S_k = (I - rho W)^-1 (beta_k I + theta_k W) with an explicit inverse."""
    W = r.weights.full()
    n = W.shape[0]
    rho = r.rho if r.rho is not None else 0.0
    theta = float(r.theta[k]) if k in r.theta.index else 0.0
    return np.linalg.inv(np.eye(n) - rho * W) @ (float(r.beta[k]) * np.eye(n) + theta * W)


def check_against_dense(r):
    got = r.region_effects()
    assert list(got.index) == list(r.ids)
    for k in r.x_names:
        S = dense_S(r, k)
        direct = np.diag(S)
        total = S.sum(axis=1)
        assert_allclose(got[f"{k}_direct"], direct, rtol=1e-9, atol=1e-12, err_msg=k)
        assert_allclose(got[f"{k}_indirect"], total - direct, rtol=1e-9, atol=1e-12, err_msg=k)
        assert_allclose(got[f"{k}_total"], total, rtol=1e-9, atol=1e-12, err_msg=k)
        # the region means are the reported effects: tr(S)/N and 1'S1/N
        for kind in ("direct", "indirect", "total"):
            assert got[f"{k}_{kind}"].mean() == pytest.approx(r.effects.at[k, kind], rel=1e-9, abs=1e-12)
    return got


def test_region_effects_match_a_dense_inverse(twoway):
    got = check_against_dense(twoway)
    assert list(got.columns) == ["x1_direct", "x1_indirect", "x1_total", "x2_direct", "x2_indirect", "x2_total"]
    assert twoway.rho != 0


@pytest.mark.parametrize("model", ["sar", "sem", "slx"])
def test_region_effects_other_models(panel, model):
    df, w, W = panel
    r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], model=model, draws=0, tests=False)
    got = check_against_dense(r)
    if model == "sem":  # no lag of y or x: S = beta I, nothing spills over
        assert_allclose(got["x1_direct"], r.beta["x1"], rtol=1e-15)
        assert_allclose(got["x1_indirect"], 0.0, atol=1e-15)
    if model == "slx":  # S = beta I + theta W, W with a zero diagonal and rows summing to 1
        assert_allclose(got["x2_direct"], r.beta["x2"], rtol=1e-15)
        assert_allclose(got["x2_indirect"], r.theta["x2"] * W.toarray().sum(axis=1), rtol=1e-12)


@pytest.mark.parametrize("rho", [0.0, 0.35, -0.6])
def test_lag_diagonal_in_blocks_matches_dense(monkeypatch, rho):
    # a non-symmetric, not row-standardised sparse W (with an island row)
    rng = np.random.default_rng(5)
    n = 57
    W = sparse.random(n, n, density=0.08, random_state=rng, format="lil")
    W.setdiag(0)
    W[3, :] = 0
    W = sparse.csr_matrix(W) * (0.9 / max(1e-9, abs(W).sum(axis=1).max()))
    monkeypatch.setattr(region_output, "_BLOCK", 10)  # blocks of 10 columns: 6 solves, the last of 7
    d, g1 = region_output.lag_diagonal(W, rho)
    G = np.linalg.solve(np.eye(n) - rho * W.toarray(), W.toarray())
    assert_allclose(d, np.diag(G), rtol=1e-10, atol=1e-14)
    assert_allclose(g1, G.sum(axis=1), rtol=1e-10, atol=1e-14)


def two_way_within(a):
    return a - a.mean(axis=0, keepdims=True) - a.mean(axis=1, keepdims=True) + a.mean()


def test_residuals_and_fitted_by_hand(panel, twoway):
    df, _, W = panel
    r = twoway
    W = r.weights.full()

    def wide(col):  # years x regions
        return df.pivot(index="year", columns="code", values=col).loc[r.years, r.ids].to_numpy()

    # e = y~ - rho (W y)~ - x~ beta - (W x)~ theta, ~ the two-way within transformation
    y = wide("y")
    e = two_way_within(y) - r.rho * two_way_within(y @ W.T)
    for k in ("x1", "x2"):
        xk = wide(k)
        e -= r.beta[k] * two_way_within(xk) + r.theta[k] * two_way_within(xk @ W.T)
    res = r.residuals()
    assert list(res.index) == list(r.ids) and list(res.columns) == list(r.years)
    assert_allclose(res.to_numpy(), e.T, rtol=1e-7, atol=1e-10)
    fit = r.fitted()
    assert_allclose(fit.to_numpy(), (y - e).T, rtol=1e-9, atol=1e-10)
    # two-way effects absorb every region's and every year's mean residual
    assert_allclose(res.sum(axis=1), 0.0, atol=1e-10)
    assert_allclose(res.sum(axis=0), 0.0, atol=1e-10)
    # one year, and the mean over the years
    t = r.years[2]
    assert_allclose(r.residuals(t).to_numpy(), e[2], rtol=1e-7, atol=1e-10)
    assert_allclose(r.fitted("mean").to_numpy(), (y - e).mean(axis=0), rtol=1e-9)


def test_region_effects_with_a_year_carry_the_fit(panel, twoway):
    df, _, _ = panel
    r = twoway
    t = r.years[-1]
    got = r.region_effects(year=t)
    assert list(got.columns[:3]) == ["y_observed", "y_fitted", "residual"]
    obs = df[df["year"] == t].set_index("code")["y"].loc[r.ids]
    assert_allclose(got["y_observed"], obs.to_numpy(), rtol=0, atol=0)
    assert_allclose(got["y_fitted"] + got["residual"], obs.to_numpy(), rtol=1e-14)
    assert_allclose(got.drop(columns=["y_observed", "y_fitted", "residual"]), r.region_effects(), rtol=0)
    mean = r.region_effects(year="mean")
    assert_allclose(mean["y_observed"], df.groupby("code")["y"].mean().loc[r.ids].to_numpy(), rtol=1e-14)
    assert_allclose(mean["residual"], 0.0, atol=1e-12)


def test_unknown_year_lists_the_years(twoway):
    with pytest.raises(GeoprocInputError, match=r"year 1999 is not in the panel; its years are 2000, 2001, 2002"):
        twoway.region_effects(year=1999)
    with pytest.raises(GeoprocInputError, match="year 1999 is not in the panel"):
        twoway.fitted(1999)


def test_sem_residuals_are_the_innovations_by_hand(panel):
    df, _, _ = panel
    r = geoproc.sdm(df, panel[1], y="y", x=["x1", "x2"], effects="region", model="sem", draws=0, tests=False)
    W = r.weights.full()

    def wide(col):
        return df.pivot(index="year", columns="code", values=col).loc[r.years, r.ids].to_numpy()

    def region_within(a):  # subtract each region's mean over the years
        return a - a.mean(axis=0, keepdims=True)

    # e = (y~ - lambda (W y)~) - sum_k beta_k (x_k~ - lambda (W x_k)~)
    y = wide("y")
    e = region_within(y) - r.lam * region_within(y @ W.T)
    for k in ("x1", "x2"):
        xk = wide(k)
        e -= r.beta[k] * (region_within(xk) - r.lam * region_within(xk @ W.T))
    assert_allclose(r.residuals().to_numpy(), e.T, rtol=1e-7, atol=1e-10)
    assert_allclose(r.residuals().sum(axis=1), 0.0, atol=1e-10)  # region effects absorb each region's mean
    assert_allclose(r.fitted().to_numpy(), (y - e).T, rtol=1e-9, atol=1e-10)
