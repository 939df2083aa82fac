"""Local Moran (LISA): against esda with the same seed, quadrants, FDR, islands."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from geoproc.errors import GeoprocInputError
from geoproc.lisa import benjamini_hochberg, local_bivariate_moran, local_moran
from geoproc.weights.base import SpatialWeights


def _layer(ids, **cols):
    return gpd.GeoDataFrame({"code": list(ids), **cols},
                            geometry=gpd.points_from_xy(np.arange(len(ids)), np.zeros(len(ids))), crs=4326)


@pytest.fixture(scope="module")
def stl():
    w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    f = libpysal.io.open(libpysal.examples.get_path("stl_hom.txt"))
    y = np.array(f.by_col["HR8893"])
    x = np.array(f.by_col["HR8488"])
    return w, y, x, SpatialWeights.from_W(w), _layer(w.id_order, y=y, x=x)


def _esda_local(y, w, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w.transform = "r"
        return esda.Moran_Local(y, w, **kw)


@pytest.mark.slow  # esda compiles its numba kernels (~30 s) in this process
def test_local_moran_equals_esda_same_seed(stl):
    w, y, _, sw, gdf = stl
    got = local_moran(gdf, "y", sw, permutations=999, seed=12345)
    m = _esda_local(y, w, permutations=999, seed=12345)
    assert_allclose(got.lisa_I, m.Is, rtol=1e-12)
    assert (got.lisa_q.to_numpy() == m.q).all()
    assert_allclose(got.lisa_p, m.p_sim, rtol=0, atol=0)  # the same permutations
    assert_allclose(got.lisa_z, m.z_sim, rtol=1e-9)
    assert_allclose(got.lisa_EI, m.EI, rtol=1e-12)
    # esda's labels use p < 0.05; no p equals 0.05 exactly here, so they agree with ours (<=)
    assert not np.any(m.p_sim == 0.05)
    esda_labels = esda.moran._get_cluster_labels(m, 0.05)
    expected = np.where(esda_labels == "Insignificant", "Not significant", esda_labels)
    assert (got.cluster.to_numpy() == expected).all()
    mb = esda.Moran_Local_BV(stl[2], y, w, permutations=999, seed=5)
    bv = local_bivariate_moran(gdf, "x", "y", sw, seed=5)
    assert_allclose(bv.lisa_I, mb.Is, rtol=1e-12)
    assert_allclose(bv.lisa_p, mb.p_sim, rtol=0, atol=0)
    assert (bv.lisa_q.to_numpy() == mb.q).all()


def test_seed_repeats(stl):
    _, _, _, sw, gdf = stl
    a = local_moran(gdf, "y", sw, permutations=199, seed=9)
    b = local_moran(gdf, "y", sw, permutations=199, seed=9, n_jobs=2)  # n_jobs: accepted, ignored
    c = local_moran(gdf, "y", sw, permutations=199, seed=10)
    assert_allclose(a.lisa_p, b.lisa_p, rtol=0, atol=0)
    assert_allclose(a.lisa_z, b.lisa_z, rtol=1e-12)
    assert not np.array_equal(a.lisa_p, c.lisa_p)


def test_permutation_null_matches_analytic_conditional_moments(stl):
    # distributional check independent of esda: under conditional randomisation the
    # mean of I_i's reference distribution is E[I_i] = -w_i z_i^2 / ((n-1) m2) (Sokal et al.
    # 1998, A7); with 4,999 draws the simulated mean is within a few standard errors.
    _, y, _, sw, gdf = stl
    got = local_moran(gdf, "y", sw, permutations=4999, seed=1, keep_simulations=True)
    sims = got.attrs["sim"]
    n = y.size
    z = (y - y.mean()) / y.std()
    m2 = (z * z).sum() / n
    wi = np.ones(n)  # row-standardised
    eic = -(z**2 * wi) / ((n - 1) * m2)
    se = sims.std(axis=1) / np.sqrt(sims.shape[1])
    assert np.all(np.abs(sims.mean(axis=1) - eic) < 5 * se + 1e-12)


def test_analytic_inference_without_permutations(stl):
    w, y, _, sw, gdf = stl
    got = local_moran(gdf, "y", sw, permutations=0)
    m = _esda_local(y, w, permutations=0)
    assert_allclose(got.lisa_z, (m.Is - m.EI) / np.sqrt(m.VI), rtol=1e-10)
    assert_allclose(got.lisa_p, 2 * stats.norm.sf(np.abs((m.Is - m.EI) / np.sqrt(m.VI))), rtol=1e-9)


def test_quadrant_labels_one_region_of_each_kind():
    # Directed weights, each region's one neighbour chosen so that:
    #   A(10) -> B(9): high next to high  -> High-High (q 1)
    #   B(9)  -> A(10): High-High;  C(1) -> D(0): low next to low -> Low-Low (q 3)
    #   D(0)  -> C(1): Low-Low;     E(10) -> D(0): high next to low -> High-Low (q 4)
    #   F(0)  -> A(10): low next to high -> Low-High (q 2)
    # mean = 30/6 = 5, so 10 and 9 are high, 1 and 0 low.
    ids = list("ABCDEF")
    y = np.array([10, 9, 1, 0, 10, 0], dtype=float)
    nb = {"A": "B", "B": "A", "C": "D", "D": "C", "E": "D", "F": "A"}
    m = np.zeros((6, 6))
    for i, j in nb.items():
        m[ids.index(i), ids.index(j)] = 1
    w = SpatialWeights(m, ids)
    gdf = _layer(ids, y=y)
    every = local_moran(gdf, "y", w, permutations=0, alpha=1.0)
    assert every.lisa_q.tolist() == [1, 1, 3, 3, 4, 2]
    assert every.cluster.tolist() == ["High-High", "High-High", "Low-Low", "Low-Low", "High-Low", "Low-High"]
    assert (np.sign(every.lisa_I) == [1, 1, 1, 1, -1, -1]).all()
    none = local_moran(gdf, "y", w, permutations=0, alpha=1e-12)
    assert set(none.cluster) == {"Not significant"}


def _bh_by_definition(p, alpha):
    """Rejected set by the Benjamini-Hochberg definition: k = max{i : p_(i) <= i alpha / m}."""
    m = len(p)
    order = np.argsort(p)
    k = 0
    for i in range(1, m + 1):
        if p[order[i - 1]] <= i * alpha / m:
            k = i
    rejected = np.zeros(m, bool)
    rejected[order[:k]] = True
    return rejected


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1, 0.3])
def test_benjamini_hochberg_definition(alpha):
    rng = np.random.default_rng(7)
    p = np.concatenate([rng.uniform(0, 0.02, 15), rng.uniform(0, 1, 60)])
    adj = benjamini_hochberg(p)
    assert ((adj <= alpha) == _bh_by_definition(p, alpha)).all()
    assert_allclose(adj, stats.false_discovery_control(p, method="bh"), rtol=1e-12)
    withnan = benjamini_hochberg(np.append(p, np.nan))
    assert np.isnan(withnan[-1])
    assert_allclose(withnan[:-1], adj, rtol=1e-15)


def test_fdr_clusters(stl):
    _, _, _, sw, gdf = stl
    plain = local_moran(gdf, "y", sw, permutations=999, seed=2, alpha=0.1)
    fdr = local_moran(gdf, "y", sw, permutations=999, seed=2, alpha=0.1, fdr=True)
    sig = _bh_by_definition(plain.lisa_p.to_numpy(), 0.1)
    assert ((fdr.cluster != "Not significant").to_numpy() == sig).all()
    assert sig.sum() < (plain.cluster != "Not significant").sum()


def test_islands_and_bad_values():
    ids = list(range(6))
    m = np.zeros((6, 6))
    for i in range(4):  # a ring of 0..3; 4 and 5 have no neighbours
        m[i, (i + 1) % 4] = m[(i + 1) % 4, i] = 1
    w = SpatialWeights(m, ids)
    gdf = _layer(ids, y=[1.0, 5, 2, 8, 3, 4], name_zh=["甲", "乙", "丙", "丁", "海南", "台湾"])
    with pytest.raises(GeoprocInputError, match=r"2 island\(s\) without neighbours: 海南 \(4\), 台湾 \(5\)"):
        local_moran(gdf, "y", w)
    kept = local_moran(gdf, "y", w, islands="keep", permutations=99, seed=1)
    assert kept.island.tolist() == [False] * 4 + [True] * 2
    assert kept.lisa_p[4:].isna().all() and (kept.cluster[4:] == "Undefined").all()  # never "Not significant"
    assert any("islands kept" in n for n in kept.attrs["notes"])
    dropped = local_moran(gdf, "y", w, islands="drop", permutations=0)
    assert dropped.code.tolist() == [0, 1, 2, 3]
    with pytest.raises(GeoprocInputError, match=r"missing \(NaN\) for regions 2"):
        local_moran(_layer(ids, y=[1.0, 5, np.nan, 8, 3, 4]), "y", w, islands="keep")
    with pytest.raises(GeoprocInputError, match=r"'y' is constant"):
        local_moran(_layer(ids, y=[2.0] * 6), "y", w, islands="keep")
    with pytest.raises(GeoprocInputError, match=r"no column 'cul'; columns are code, y"):
        local_moran(_layer(ids, y=[1.0] * 6), "cul", w)


@pytest.mark.slow  # numba compiles esda's vec_permutations (~5-12 s)
@pytest.mark.parametrize("max_card,n,perms,seed", [(4, 78, 50, 12345), (8, 3, 20, 1), (9, 10, 30, 987654)])
def test_permutation_draws_are_esdas(max_card, n, perms, seed):
    # esda draws the conditional permutations in numba (np.random.seed + choice without
    # replacement); geoproc replays them with a private NumPy RandomState
    from esda.crand import vec_permutations

    from geoproc.permutation import permuted_ids

    if max_card > n - 1:
        max_card = n - 1
    assert np.array_equal(permuted_ids(max_card, n, perms, seed), vec_permutations(max_card, n, perms, seed))
