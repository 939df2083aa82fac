"""The sparse (LU + series) path of the SDM against the exact eigenvalue/dense path."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sdm_panels import knn_w, simulate

import geoproc
from geoproc.durbin.logdet import SpatialOperator


@pytest.fixture(scope="module")
def ops():
    W = knn_w(400, 6, seed=7)
    return W, SpatialOperator(W, "eig"), SpatialOperator(W, "lu")


@pytest.mark.parametrize("rho", [-0.6, -0.2, 0.3, 0.7, 0.95])
def test_logdet_exact(ops, rho):
    W, eig, lu = ops
    ref = np.linalg.slogdet(np.eye(W.shape[0]) - rho * W.toarray())[1]
    assert_allclose(eig.logdet(rho), ref, rtol=1e-12)
    assert_allclose(lu.logdet(rho), ref, rtol=1e-12)


def test_bounds(ops):
    W, eig, lu = ops
    lam = np.linalg.eigvals(W.toarray())
    real = lam[np.abs(lam.imag) < 1e-9].real
    assert_allclose(eig.bounds, (1 / real.min(), 1 / real.max()), rtol=1e-12)
    assert_allclose(lu.bounds, (1 / real.min(), 1.0), rtol=1e-7)


@pytest.mark.parametrize("rho", [-0.4, 0.2, 0.6])
def test_traces_of_G(ops, rho):
    W, eig, lu = ops
    n = W.shape[0]
    G = W.toarray() @ np.linalg.inv(np.eye(n) - rho * W.toarray())
    exact = (np.trace(G), np.trace(G @ G), np.sum(G * G))
    assert_allclose(eig.G_traces(rho), exact, rtol=1e-10)
    # derivatives of exact sparse log-determinants (finite differences)
    assert_allclose(lu.G_traces(rho), exact, rtol=1e-8)
    assert_allclose(lu.G_traces(rho, time_projected=True), eig.G_traces(rho, time_projected=True),
                    rtol=1e-8)
    # Lee-Yu's time projection J G, J = I - 11'/N
    J = np.eye(n) - 1.0 / n
    JG = J @ G
    proj = (np.trace(JG), np.trace(JG @ JG), np.sum(JG * JG))
    assert_allclose(eig.G_traces(rho, time_projected=True), proj, rtol=1e-9)


def test_solve_and_effect_traces(ops):
    W, eig, lu = ops
    n = W.shape[0]
    rng = np.random.default_rng(0)
    b = rng.normal(size=(n, 3))
    A = np.eye(n) - 0.5 * W.toarray()
    assert_allclose(A @ lu.solve(0.5, b), b, atol=1e-10)
    assert_allclose(A.T @ lu.solve(0.5, b, transpose=True), b, atol=1e-10)
    rhos = np.array([0.1, 0.3, 0.45, 0.2, 0.25])
    B = [np.linalg.inv(np.eye(n) - r * W.toarray()) for r in rhos]
    a = np.array([np.trace(x) / n for x in B])
    b = np.array([np.trace(x @ W.toarray()) / n for x in B])
    assert_allclose(eig.trace_B(rhos), a, rtol=1e-12)
    # a Chebyshev interpolant of the exact LU log-determinant, differentiated
    assert_allclose(lu.trace_B(rhos), a, rtol=1e-10)
    assert_allclose(lu.trace_BW(rhos), b, rtol=1e-9)
    assert_allclose(lu.trace_BW(rhos[:2]), b[:2], rtol=1e-9)  # few values: finite differences


def test_model_sparse_path_matches_exact_path():
    df, w, _ = simulate(n=300, t=5, seed=21, k=6)
    kw = dict(y="y", x=["x1", "x2"], id="code", year="year", seed=4, draws=400, tests=False)
    a = geoproc.sdm(df, w, logdet="eig", **kw)
    b = geoproc.sdm(df, w, logdet="lu", **kw)
    assert a.logdet_method == "eig" and b.logdet_method == "lu"
    assert_allclose(b.params, a.params, rtol=1e-8)
    assert_allclose(b.loglik, a.loglik, rtol=1e-12)
    assert_allclose(b.se, a.se, rtol=1e-8)
    for part in ("direct", "indirect", "total"):
        assert_allclose(b.effects[part], a.effects[part], rtol=1e-8)
        assert_allclose(b.effects[f"{part}_se"], a.effects[f"{part}_se"], rtol=1e-7)


def test_non_row_standardised_totals():
    W = knn_w(50, 4, seed=3) * 2.0  # row sums 2: not row-standardised
    op = SpatialOperator(W, "eig")
    W = W.tolil()
    W[0, :] = 0  # an island row: row sums no longer constant
    op = SpatialOperator(W.tocsr(), "eig")
    n = 50
    rho = 0.2
    B = np.linalg.inv(np.eye(n) - rho * W.toarray())
    c1, c2 = op.sum_B(np.array([rho]))
    assert_allclose(c1[0], B.sum() / n, rtol=1e-12)
    assert_allclose(c2[0], (B @ W.toarray()).sum() / n, rtol=1e-12)
    # many values (the draws): Chebyshev interpolation of exact solves
    rhos = np.linspace(0.05, 0.3, 7)
    c1, c2 = op.sum_B(rhos)
    for r, a, b in zip(rhos, c1, c2, strict=True):
        B = np.linalg.inv(np.eye(n) - r * W.toarray())
        assert_allclose(a, B.sum() / n, rtol=1e-11)
        assert_allclose(b, (B @ W.toarray()).sum() / n, rtol=1e-11)


def test_surrogate_fallbacks(ops):
    """Values outside the search's interpolant get their own; a rho near 1 is searched exactly."""
    W, eig, lu = ops
    lu.build_surrogate(0.30, 0.32)
    rhos = np.linspace(0.1, 0.5, 9)
    assert_allclose(lu.trace_G(rhos), eig.trace_G(rhos), rtol=1e-10)


def test_high_rho_sparse_path():
    df, w, _ = simulate(n=300, t=5, rho=0.85, seed=31, k=6)
    kw = dict(y="y", x=["x1", "x2"], id="code", year="year", seed=4, draws=200, tests=False)
    a = geoproc.sdm(df, w, logdet="eig", **kw)
    b = geoproc.sdm(df, w, logdet="lu", **kw)
    assert a.rho > 0.75
    assert_allclose(b.params, a.params, rtol=1e-7)
    assert_allclose(b.se, a.se, rtol=1e-7)
    assert_allclose(b.effects["total_se"], a.effects["total_se"], rtol=1e-6)


def test_interpolants_kept_for_later_fits(ops):
    """An earlier interpolant stays usable after a later one is built elsewhere."""
    W, eig, _ = ops
    op = SpatialOperator(W, "lu")
    op.build_surrogate(0.30, 0.34)
    op.build_surrogate(0.50, 0.54)
    assert op.surrogate_covers(0.31, 0.33) and op.surrogate_covers(0.51, 0.53)
    assert op.use_surrogate(0.31, 0.33) == (0.30, 0.34)
    ref = np.linalg.slogdet(np.eye(W.shape[0]) - 0.32 * W.toarray())[1]
    assert_allclose(op.surrogate_logdet(0.32), ref, rtol=1e-12)
    assert_allclose(op.exact_trace_G(0.32), eig.exact_trace_G(0.32), rtol=1e-9)


def test_tests_reuse_the_sdm_interpolant(monkeypatch):
    """With tests, the Lee-Yu refit for Hausman reuses the SDM's interpolant (not a 3rd build
    after the SAR/SEM ones) and finds the rho a fresh operator finds."""
    df, w, _ = simulate(n=120, t=5, seed=0)
    kw = dict(y="y", x=["x1", "x2"], id="code", year="year", draws=0, logdet="lu")
    fresh = geoproc.sdm(df, w, lee_yu=True, tests=False, **kw)
    built = []
    orig = SpatialOperator.build_surrogate

    def spy(self, lo, hi):
        built.append((lo, hi))
        orig(self, lo, hi)

    monkeypatch.setattr(SpatialOperator, "build_surrogate", spy)
    r = geoproc.sdm(df, w, tests=True, **kw)
    # one for the SDM (rho 0.38), one for SAR and SEM (0.54, 0.59); Lee-Yu (0.40) reuses the first
    assert len(built) == 2
    assert_allclose(r.fits["sdm_lee_yu"].spatial, fresh.lee_yu.rho, rtol=1e-9)
