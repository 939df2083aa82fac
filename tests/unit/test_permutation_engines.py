"""The numba permutation engine (all cores) against esda, the NumPy engine and itself on 1 vs 2 threads."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.spatial import cKDTree

from geoproc import permutation
from geoproc.hotspots import getis_ord
from geoproc.lisa import local_moran
from geoproc.permutation import G_STAR, MORAN, conditional_permutation
from geoproc.weights.base import SpatialWeights


def _knn(n: int, k: int, seed: int) -> tuple[np.ndarray, SpatialWeights]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (n, 2))
    _, nb = cKDTree(xy).query(xy, k + 1)
    rows = np.repeat(np.arange(n), k)
    m = sp.csr_matrix((np.full(n * k, 1.0 / k), (rows, nb[:, 1:].ravel())), shape=(n, n))
    return xy, SpatialWeights(m, list(range(n)), "knn", "R")


@pytest.fixture(scope="module")
def big():
    xy, w = _knn(3000, 6, 1)
    y = xy[:, 0] + np.random.default_rng(2).normal(0, 20, len(xy))
    z = (y - y.mean()) / y.std()
    obs = (len(z) - 1) * z * (w.sparse @ z) / (z @ z)
    return z, w, obs, (len(z) - 1) / (z @ z)


def test_numba_engine_same_on_one_and_two_threads(big):
    z, w, obs, scale = big
    one = conditional_permutation(MORAN, z, z, w, obs, 199, scale, 7, n_jobs=1, engine="numba", keep=True)
    two = conditional_permutation(MORAN, z, z, w, obs, 199, scale, 7, n_jobs=2, engine="numba", keep=True)
    for key in ("p_sim", "EI_sim", "seI_sim", "sim"):
        assert np.array_equal(one[key], two[key]), key  # bit for bit


def test_numba_engine_equals_numpy_engine(big):
    # the NumPy engine is the one compared with esda in test_lisa / test_getis_ord
    z, w, obs, scale = big
    a = conditional_permutation(MORAN, z, z, w, obs, 199, scale, 11, engine="numpy", keep=True)
    b = conditional_permutation(MORAN, z, z, w, obs, 199, scale, 11, engine="numba", keep=True)
    assert np.array_equal(a["p_sim"], b["p_sim"])
    assert_allclose(b["sim"], a["sim"], rtol=1e-12, atol=1e-14)
    assert_allclose(b["EI_sim"], a["EI_sim"], rtol=1e-10, atol=1e-14)
    assert_allclose(b["seI_sim"], a["seI_sim"], rtol=1e-10)


def test_numba_engine_streams_without_simulations(big):
    z, w, obs, scale = big
    r = conditional_permutation(MORAN, z, z, w, obs, 99, scale, 3, engine="numba")
    assert set(r) == {"p_sim", "EI_sim", "seI_sim"}  # no n x P array unless keep=True


def test_numba_engine_gi_star_equals_numpy_engine():
    xy, w = _knn(1500, 5, 4)
    y = np.exp(np.random.default_rng(5).normal(0, 1, len(xy)))
    diag = np.full(len(y), 1.0)
    obs = (w.sparse @ y + y) / y.sum()
    a = conditional_permutation(G_STAR, y, y, w, obs, 299, y.sum(), 8, engine="numpy", self_weights=diag)
    b = conditional_permutation(G_STAR, y, y, w, obs, 299, y.sum(), 8, engine="numba",
                                self_weights=diag, n_jobs=2)
    assert np.array_equal(a["p_sim"], b["p_sim"])


@pytest.mark.slow  # esda compiles its numba kernels (~30 s) in this process
def test_numba_engine_p_values_equal_esda(monkeypatch):
    monkeypatch.setattr(permutation, "NUMBA_FROM", 0)  # the numba engine for every size
    w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    y = np.array(libpysal.io.open(libpysal.examples.get_path("stl_hom.txt")).by_col["HR8893"])
    gdf = gpd.GeoDataFrame({"code": list(w.id_order), "y": y},
                           geometry=gpd.points_from_xy(np.arange(len(y)), np.zeros(len(y))), crs=4326)
    got = local_moran(gdf, "y", SpatialWeights.from_W(w), permutations=999, seed=12345, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w.transform = "r"
        m = esda.Moran_Local(y, w, permutations=999, seed=12345)
    assert_allclose(got.lisa_p, m.p_sim, rtol=0, atol=0)
    assert_allclose(got.lisa_z, m.z_sim, rtol=1e-9)
    kw = {"inference": "permutation", "permutations": 999, "seed": 12345}
    gi = getis_ord(gdf, "y", SpatialWeights.from_W(w), n_jobs=2, **kw)
    monkeypatch.setattr(permutation, "NUMBA_FROM", 10**18)  # back to the NumPy engine
    ref = getis_ord(gdf, "y", SpatialWeights.from_W(w), **kw)
    assert np.array_equal(gi.gi_p, ref.gi_p)
    assert_allclose(gi.gi_z, ref.gi_z, rtol=1e-9)
