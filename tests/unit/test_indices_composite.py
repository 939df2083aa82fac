"""PCA index against numpy's SVD (and scikit-learn), by hand; entropy weights by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import geoproc
from geoproc.errors import GeoprocInputError

SEED = 20240517


def _panel(n_regions=8, years=(2015, 2016, 2017), p=5, seed=SEED):
    rng = np.random.default_rng(seed)
    n = n_regions * len(years)
    latent = rng.normal(size=n)
    x = latent[:, None] * rng.uniform(0.5, 2.0, p) + rng.normal(scale=0.8, size=(n, p))
    x = x * rng.uniform(1, 1000, p) + rng.uniform(0, 5000, p)  # different units
    df = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)])
    df.insert(0, "year", np.repeat(years, n_regions))
    df.insert(0, "code", np.tile([f"r{i}" for i in range(n_regions)], len(years)))
    return df


def _svd_reference(x):
    """Eigen-decomposition of the correlation matrix through the SVD of the standardised data."""
    n = len(x)
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    evals = s**2 / (n - 1)
    v = vt.T
    # the documented sign rule: coefficients of each component sum to >= 0
    signs = np.where(v.sum(axis=0) < 0, -1.0, 1.0)
    v = v * signs
    return z, evals, v, (u * s) * signs


def test_pca_first_against_numpy_svd():
    df = _panel()
    cols = [f"x{j}" for j in range(5)]
    before = df.copy()
    idx, res = geoproc.pca_index(df, cols, id="code", year="year", name="dig")
    z, evals, v, scores = _svd_reference(df[cols].to_numpy())
    assert_allclose(res.eigenvalues.to_numpy(), evals, rtol=1e-10)
    assert_allclose(res.eigenvalues.sum(), 5.0, rtol=1e-12)
    assert_allclose(res.explained_variance_ratio.to_numpy(), evals / 5, rtol=1e-10)
    assert_allclose(res.coefficients.to_numpy(), v, atol=1e-10)
    assert_allclose(res.loadings.to_numpy(), v * np.sqrt(evals), atol=1e-10)
    assert_allclose(idx.to_numpy(), scores[:, 0], atol=1e-10)
    assert idx.name == "dig" and list(idx.index) == list(df.index)
    assert res.n_components == 1
    pd.testing.assert_frame_equal(df, before)


def test_pca_matches_scikit_learn():
    decomposition = pytest.importorskip("sklearn.decomposition")
    df = _panel(seed=7)
    cols = [f"x{j}" for j in range(5)]
    _, res = geoproc.pca_index(df, cols, "weighted", keep=5)
    x = df[cols].to_numpy()
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    sk = decomposition.PCA().fit(z)
    assert_allclose(res.eigenvalues.to_numpy(), sk.explained_variance_, rtol=1e-10)
    assert_allclose(res.explained_variance_ratio.to_numpy(), sk.explained_variance_ratio_, rtol=1e-10)
    assert_allclose(np.abs(res.coefficients.to_numpy()), np.abs(sk.components_.T), atol=1e-9)


def test_pca_weighted_kaiser_and_share_against_svd():
    df = _panel(seed=3, p=6)
    cols = [f"x{j}" for j in range(6)]
    _, evals, v, scores = _svd_reference(df[cols].to_numpy())
    k = int(np.sum(evals > 1))
    idx, res = geoproc.pca_index(df, cols, "weighted")
    assert res.n_components == k and res.keep.startswith("eigenvalue > 1")
    expected = scores[:, :k] @ (evals[:k] / evals[:k].sum())
    assert_allclose(idx.to_numpy(), expected, atol=1e-10)
    assert_allclose(res.indicator_weights.to_numpy(), v[:, :k] @ (evals[:k] / evals[:k].sum()), atol=1e-10)

    share = 0.9
    k90 = int(np.argmax(np.cumsum(evals) / evals.sum() >= share) + 1)
    idx90, res90 = geoproc.pca_index(df, cols, "weighted", keep=share)
    assert res90.n_components == k90
    assert_allclose(idx90.to_numpy(), scores[:, :k90] @ (evals[:k90] / evals[:k90].sum()), atol=1e-10)


def test_pca_two_indicators_by_hand():
    df = pd.DataFrame({"code": ["a", "b", "c"], "x1": [1.0, 2.0, 3.0], "x2": [1.0, 3.0, 2.0]})
    # z1 = (-1, 0, 1), z2 = (-1, 1, 0) (means 2, sample sds 1); r = (1 + 0 + 0) / 2 = 0.5
    # eigenvalues 1 + r = 1.5 and 1 - r = 0.5; v1 = (1, 1)/sqrt2, v2 = (1, -1)/sqrt2
    idx, res = geoproc.pca_index(df, ["x1", "x2"], year=None)
    assert_allclose(res.eigenvalues, [1.5, 0.5])
    assert_allclose(res.explained_variance_ratio, [0.75, 0.25])
    assert_allclose(res.loadings["PC1"], [math.sqrt(0.75)] * 2)  # sqrt(1.5)/sqrt(2)
    # F1 = (z1 + z2)/sqrt2 = (-2, 1, 1)/sqrt2
    assert_allclose(idx, np.array([-2.0, 1.0, 1.0]) / math.sqrt(2))
    # weighted with both components: 0.75 F1 + 0.25 F2, F2 = (z1 - z2)/sqrt2 = (0, -1, 1)/sqrt2
    # (v2's coefficients sum to 0: the tie goes to the first, largest, coefficient being positive)
    idx2, res2 = geoproc.pca_index(df, ["x1", "x2"], "weighted", keep=2, year=None)
    assert_allclose(res2.component_weights, [0.75, 0.25])
    assert_allclose(idx2, [-1.0606601717798212, 0.3535533905932738, 0.7071067811865476])
    # Kaiser keeps only lambda = 1.5 > 1: the same as the first component
    idx3, res3 = geoproc.pca_index(df, ["x1", "x2"], "weighted", year=None)
    assert res3.n_components == 1
    assert_allclose(idx3, idx)


def test_pca_sign_means_more_of_positive_indicators():
    df = _panel(seed=11)
    cols = [f"x{j}" for j in range(5)]
    idx, res = geoproc.pca_index(df, cols)
    assert (res.loadings["PC1"] > 0).all()
    neg = df.assign(**{c: -df[c] for c in cols})
    idx_neg, res_neg = geoproc.pca_index(neg, cols)
    # all indicators flipped: the decomposition is the same up to sign, and the rule keeps
    # the component pointing towards "more" of the (now negated) indicators
    assert (res_neg.loadings["PC1"] > 0).all()
    assert_allclose(idx_neg, -idx, atol=1e-10)


def test_pca_by_year_is_each_year_alone():
    df = _panel(seed=5)
    cols = [f"x{j}" for j in range(5)]
    idx, res = geoproc.pca_index(df, cols, by="year")
    assert res.years == [2015, 2016, 2017]
    for y in res.years:
        sub = df[df.year == y]
        alone, _ = geoproc.pca_index(sub, cols)
        assert_allclose(idx[df.year == y], alone, atol=1e-10)
    frame = res.to_frame()
    assert frame.index.names == ["year", "indicator"] and len(frame) == 15


def test_pca_summary_and_frame():
    df = _panel()
    cols = [f"x{j}" for j in range(5)]
    _, res = geoproc.pca_index(df, cols, "weighted", keep=2)
    text = res.summary()
    assert "eigenvalue" in text and "x4" in text and "PC2" in text
    frame = res.to_frame()
    assert list(frame.columns) == ["mean", "std", "coef_PC1", "coef_PC2", "loading_PC1", "loading_PC2", "index_weight"]
    assert "2 of 5 components" in repr(res)


def test_pca_errors():
    df = _panel()
    cols = [f"x{j}" for j in range(5)]
    const = df.assign(x2=7.0)
    with pytest.raises(GeoprocInputError, match=r"indicator\(s\) x2 have zero variance"):
        geoproc.pca_index(const, cols)
    with pytest.raises(GeoprocInputError, match="method must be"):
        geoproc.pca_index(df, cols, "second")
    with pytest.raises(GeoprocInputError, match="at least 2 indicators"):
        geoproc.pca_index(df, ["x0"])
    with pytest.raises(GeoprocInputError, match="listed twice: x0"):
        geoproc.pca_index(df, ["x0", "x0", "x1"])
    with pytest.raises(GeoprocInputError, match=r"keep=9 components, but there are 5"):
        geoproc.pca_index(df, cols, "weighted", keep=9)
    with pytest.raises(GeoprocInputError, match=r"cumulative share must be in \(0, 1\]"):
        geoproc.pca_index(df, cols, "weighted", keep=1.5)
    one_year_const = df.copy()
    one_year_const.loc[df.year == 2016, "x1"] = 3.0
    with pytest.raises(GeoprocInputError, match=r"year 2016: indicator\(s\) x1 have zero variance"):
        geoproc.pca_index(one_year_const, cols, by="year")
    txt = df.astype({"x3": object})
    txt.loc[4, "x3"] = "12.5*"
    with pytest.raises(GeoprocInputError, match=r"column 'x3' is not numeric at row 4 \(r4 in 2015\): '12.5\*'"):
        geoproc.pca_index(txt, cols)


# --- entropy weights ----------------------------------------------------------------
def test_entropy_worked_example():
    """Three regions, a positive and a negative indicator, each step by hand.

    x1 = (1, 2, 3), positive: x1' = (x - 1)/(3 - 1) = (0, 0.5, 1); p1 = x1'/1.5 = (0, 1/3, 2/3)
    x2 = (10, 30, 25), negative: x2' = (30 - x)/(30 - 10) = (1, 0, 0.25); p2 = x2'/1.25 = (0.8, 0, 0.2)
    e1 = -(0*ln0 + 1/3 ln 1/3 + 2/3 ln 2/3) / ln 3 = (0.366204 + 0.270310) / 1.098612 = 0.579380
    e2 = -(0.8 ln 0.8 + 0 ln 0 + 0.2 ln 0.2) / ln 3 = (0.178515 + 0.321888) / 1.098612 = 0.455486
    d = (0.420620, 0.544514), sum 0.965134 -> w = (0.435815, 0.564185)
    index = w1 x1' + w2 x2' = (0.564185, 0.217907, 0.435815 + 0.25 * 0.564185 = 0.576861)
    """
    df = pd.DataFrame({"code": ["a", "b", "c"], "x1": [1.0, 2.0, 3.0], "x2": [10.0, 30.0, 25.0]})
    idx, res = geoproc.entropy_weight_index(df, ["x1", "x2"], [1, -1], year=None)
    e1 = -((1 / 3) * math.log(1 / 3) + (2 / 3) * math.log(2 / 3)) / math.log(3)
    e2 = -(0.8 * math.log(0.8) + 0.2 * math.log(0.2)) / math.log(3)
    assert_allclose(res.entropy, [e1, e2], rtol=1e-12)
    assert_allclose(res.entropy, [0.579380, 0.455486], atol=1e-6)
    w1 = (1 - e1) / ((1 - e1) + (1 - e2))
    assert_allclose(res.weights, [w1, 1 - w1], rtol=1e-12)
    assert_allclose(res.weights, [0.435815, 0.564185], atol=1e-6)
    assert_allclose(idx, [1 - w1, 0.5 * w1, w1 + 0.25 * (1 - w1)], rtol=1e-12)
    assert_allclose(res.normalized["x2"], [1.0, 0.0, 0.25])
    assert idx.name == "entropy_index"
    assert res.to_frame().loc["x2", "direction"] == -1


def test_entropy_directions_forms_agree():
    df = pd.DataFrame({"code": ["a", "b", "c"], "x1": [1.0, 2.0, 3.0], "x2": [10.0, 30.0, 25.0]})
    a, _ = geoproc.entropy_weight_index(df, ["x1", "x2"], ["+", "-"], year=None)
    b, _ = geoproc.entropy_weight_index(df, ["x1", "x2"], {"x2": -1}, year=None)
    assert_allclose(a, b)


def test_entropy_shift_by_hand():
    df = pd.DataFrame({"code": ["a", "b", "c"], "x1": [1.0, 2.0, 3.0], "x2": [10.0, 30.0, 25.0]})
    _, res = geoproc.entropy_weight_index(df, ["x1", "x2"], [1, -1], shift=0.01, year=None)
    # q1 = (0.01, 0.51, 1.01), sum 1.53; q2 = (1.01, 0.01, 0.26), sum 1.28
    q1 = np.array([0.01, 0.51, 1.01]) / 1.53
    q2 = np.array([1.01, 0.01, 0.26]) / 1.28
    e = [-(q * np.log(q)).sum() / math.log(3) for q in (q1, q2)]
    assert_allclose(res.entropy, e, rtol=1e-12)


def test_entropy_panel_pooled_and_by_year():
    df = _panel(seed=9, p=4)
    cols = [f"x{j}" for j in range(4)]
    idx, res = geoproc.entropy_weight_index(df, cols, [1, 1, -1, 1])
    assert res.n_obs == 24
    assert_allclose(res.weights.sum(), 1.0)
    assert idx.between(0, 1).all()
    # by hand in numpy, pooled over all 24 region-years
    x = df[cols].to_numpy()
    xn = (x - x.min(0)) / (x.max(0) - x.min(0))
    xn[:, 2] = 1 - xn[:, 2]
    p = xn / xn.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(0) / np.log(24)
    w = (1 - e) / (1 - e).sum()
    assert_allclose(res.weights, w, rtol=1e-12)
    assert_allclose(idx, xn @ w, rtol=1e-12)
    idx_y, res_y = geoproc.entropy_weight_index(df, cols, [1, 1, -1, 1], by="year")
    alone, _ = geoproc.entropy_weight_index(df[df.year == 2016], cols, [1, 1, -1, 1])
    assert_allclose(idx_y[df.year == 2016], alone)
    assert "2016" in res_y.summary()


def test_entropy_errors():
    df = _panel(p=3)
    cols = ["x0", "x1", "x2"]
    with pytest.raises(GeoprocInputError, match=r"indicator\(s\) x1 have the same value"):
        geoproc.entropy_weight_index(df.assign(x1=2.0), cols)
    with pytest.raises(GeoprocInputError, match=r"direction of 'x2' must be"):
        geoproc.entropy_weight_index(df, cols, [1, 1, 0])
    with pytest.raises(GeoprocInputError, match="2 directions for 3 indicators"):
        geoproc.entropy_weight_index(df, cols, [1, 1])
    with pytest.raises(GeoprocInputError, match="directions given for x9"):
        geoproc.entropy_weight_index(df, cols, {"x9": -1})
    with pytest.raises(GeoprocInputError, match="shift must be >= 0"):
        geoproc.entropy_weight_index(df, cols, shift=-1)
    with pytest.raises(GeoprocInputError, match='by must be "pooled" or "year"'):
        geoproc.entropy_weight_index(df, cols, by="region")
    dup = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    with pytest.raises(GeoprocInputError, match=r"duplicate region-years.*r0 in 2015"):
        geoproc.entropy_weight_index(dup, cols)
