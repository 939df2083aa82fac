"""Getis-Ord Gi*: against esda (same seed), the classic formula by hand, bins."""

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
from geoproc.hotspots import HOTSPOT_LABELS, getis_ord
from geoproc.weights.base import SpatialWeights


def _layer(ids, **cols):
    return gpd.GeoDataFrame({"code": list(ids), **cols},
                            geometry=gpd.points_from_xy(np.arange(len(ids)), np.zeros(len(ids))), crs=4326)


@pytest.fixture(scope="module")
def stl():
    f = libpysal.io.open(libpysal.examples.get_path("stl_hom.txt"))
    y = np.array(f.by_col["HR8893"])
    w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    return y, SpatialWeights.from_W(w), _layer(w.id_order, y=y)


def _gal():
    return libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()


def _esda_g(y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(y, _gal(), n_jobs=1, **kw)


@pytest.mark.slow  # esda compiles its numba kernel (~30 s) in this process
def test_gi_star_equals_esda_same_seed(stl):
    y, sw, gdf = stl
    got = getis_ord(gdf, "y", sw, permutations=999, seed=3)
    m = _esda_g(y, permutations=999, seed=3, star=True)
    assert_allclose(got.gi_G, m.Gs, rtol=1e-12)
    assert_allclose(got.gi_z, m.Zs, rtol=1e-10)
    # esda stores p_sim as float32; the counts behind them are equal when within 1e-6
    assert_allclose(got.gi_p_sim, m.p_sim, rtol=1e-6)
    # classic Gi* on the binary weights = esda transform "B"
    got_o = getis_ord(gdf, "y", sw, permutations=999, seed=3, transform="O")
    mb = _esda_g(y, permutations=999, seed=3, star=True, transform="B")
    assert_allclose(got_o.gi_G, mb.Gs, rtol=1e-12)
    assert_allclose(got_o.gi_z, mb.Zs, rtol=1e-10)
    assert_allclose(got_o.gi_p_sim, mb.p_sim, rtol=1e-6)


def test_gi_analytic_equals_esda_without_permutations(stl):
    y, sw, gdf = stl
    for star in (True, False):
        got = getis_ord(gdf, "y", sw, permutations=0, star=star)
        m = _esda_g(y, permutations=0, star=star)
        assert_allclose(got.gi_G, m.Gs, rtol=1e-12)
        assert_allclose(got.gi_z, m.Zs, rtol=1e-10)
        # esda's p_norm is one-sided; ours two-sided
        assert_allclose(got.gi_p_norm, 2 * m.p_norm, rtol=1e-9)
        assert_allclose(got.gi_p, got.gi_p_norm)


def test_classic_formula_on_nonbinary_weights_by_hand():
    # y = [1, 2, 3, 6]; weights (as given): 0-1: 2, 1-2: 1, 2-3: 3 (symmetric).
    # G*: self-weight = the row's largest weight -> row 0 = [2, 2, 0, 0].
    # n = 4, xbar = 3, S^2 = (1 + 4 + 9 + 36)/4 - 9 = 3.5.
    # region 0: sum w x = 2*1 + 2*2 = 6, W_0 = 4, S1_0 = 8
    #   z_0 = (6 - 3*4) / (sqrt(3.5) * sqrt((4*8 - 16)/3)) = -6 / sqrt(3.5 * 16/3)
    # region 3: row = [0, 0, 3, 3]: sum w x = 9 + 18 = 27, W_3 = 6, S1_3 = 18
    #   z_3 = (27 - 18) / (sqrt(3.5) * sqrt((72 - 36)/3)) = 9 / sqrt(3.5 * 12)
    m = np.zeros((4, 4))
    m[0, 1] = m[1, 0] = 2
    m[1, 2] = m[2, 1] = 1
    m[2, 3] = m[3, 2] = 3
    got = getis_ord(_layer(range(4), y=[1.0, 2, 3, 6]), "y", SpatialWeights(m, list(range(4))),
                    permutations=0, transform="O")
    assert_allclose(got.gi_z[0], -6 / np.sqrt(3.5 * 16 / 3), rtol=1e-13)
    assert_allclose(got.gi_z[3], 9 / np.sqrt(3.5 * 12), rtol=1e-13)


def test_bins_follow_the_deciding_p(stl):
    y, sw, gdf = stl
    norm = getis_ord(gdf, "y", sw, permutations=0)
    assert set(norm.hotspot) <= set(HOTSPOT_LABELS)
    z = norm.gi_z.to_numpy()
    # two-sided normal p <= 0.01/0.05/0.10 <=> |z| >= 2.5758/1.9600/1.6449
    for conf, crit in (("99%", stats.norm.isf(0.005)), ("95%", stats.norm.isf(0.025))):
        hot = norm.hotspot.to_numpy() == f"Hot spot {conf}"
        cold = norm.hotspot.to_numpy() == f"Cold spot {conf}"
        assert (z[hot] >= crit).all() and (z[cold] <= -crit).all()
    ns = norm.hotspot.to_numpy() == "Not significant"
    assert (np.abs(z[ns]) < stats.norm.isf(0.05)).all()
    assert (np.abs(z[~ns]) >= stats.norm.isf(0.05)).all()
    sim = getis_ord(gdf, "y", sw, permutations=999, seed=1)
    assert_allclose(sim.gi_p, sim.gi_p_sim)
    p = sim.gi_p.to_numpy()
    assert ((p <= 0.01) == sim.hotspot.str.endswith("99%").to_numpy()).all()
    assert ((p > 0.1) == (sim.hotspot == "Not significant").to_numpy()).all()


def test_bad_input():
    m = np.zeros((4, 4))
    m[0, 1] = m[1, 0] = m[1, 2] = m[2, 1] = 1
    w = SpatialWeights(m, list(range(4)))
    with pytest.raises(GeoprocInputError, match=r"island\(s\) without neighbours: 3"):
        getis_ord(_layer(range(4), y=[1.0, 2, 3, 4]), "y", w)
    full = SpatialWeights(np.ones((4, 4)) - np.eye(4), list(range(4)))
    with pytest.raises(GeoprocInputError, match=r"non-negative values; negative for 2"):
        getis_ord(_layer(range(4), y=[1.0, 2, -3, 4]), "y", full)
    with pytest.raises(GeoprocInputError, match=r"in the regions but not in the weights: 9"):
        getis_ord(_layer([0, 1, 2, 9], y=[1.0, 2, 3, 4]), "y", full)
