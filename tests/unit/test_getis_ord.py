"""Getis-Ord Gi*: against esda (same seed), the classic formula by hand, bins."""

from __future__ import annotations

import warnings
from pathlib import Path

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

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


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
    got = getis_ord(gdf, "y", sw, permutations=999, seed=3, transform="R", inference="permutation")
    m = _esda_g(y, permutations=999, seed=3, star=True)
    assert_allclose(got.gi_G, m.Gs, rtol=1e-12)
    # the analytic z (normal inference) is esda's Zs
    assert_allclose(getis_ord(gdf, "y", sw, transform="R").gi_z, m.Zs, rtol=1e-10)
    # esda stores p_sim as float32; the counts behind them are equal when within 1e-6
    assert_allclose(got.gi_p, m.p_sim, rtol=1e-6)
    # permutation inference shows the permutation z: esda's z_sim
    assert_allclose(got.gi_z, m.z_sim, rtol=1e-9)
    # classic Gi* on the binary weights = esda transform "B"
    got_b = getis_ord(gdf, "y", sw, permutations=999, seed=3, transform="B", inference="permutation")
    mb = _esda_g(y, permutations=999, seed=3, star=True, transform="B")
    assert_allclose(got_b.gi_G, mb.Gs, rtol=1e-12)
    assert_allclose(getis_ord(gdf, "y", sw).gi_z, mb.Zs, rtol=1e-10)
    assert_allclose(got_b.gi_p, mb.p_sim, rtol=1e-6)
    assert_allclose(got_b.gi_z, mb.z_sim, rtol=1e-9)
    for out in (got, got_b):
        _assert_bins_follow(out)


def test_gi_analytic_equals_esda_without_permutations(stl):
    y, sw, gdf = stl
    for star in (True, False):
        got = getis_ord(gdf, "y", sw, permutations=0, star=star, transform="R")
        m = _esda_g(y, permutations=0, star=star)
        assert_allclose(got.gi_G, m.Gs, rtol=1e-12)
        assert_allclose(got.gi_z, m.Zs, rtol=1e-10)
        # esda's p_norm is one-sided; ours two-sided
        assert_allclose(got.gi_p, 2 * m.p_norm, rtol=1e-9)


def test_default_is_arcgis_gi_star_binary_normal_as_esda_B(stl):
    """The default: G*, binary weights, z under normality = esda G_Local(star=True, transform="B").Zs."""
    y, sw, gdf = stl
    got = getis_ord(gdf, "y", sw)
    assert got.attrs["inference"] == "normal" and got.attrs["transform"] == "B" and got.attrs["star"]
    m = _esda_g(y, permutations=0, star=True, transform="B")
    assert_allclose(got.gi_G, m.Gs, rtol=1e-12)
    assert_allclose(got.gi_z, m.Zs, rtol=1e-10)
    assert_allclose(got.gi_p, 2 * stats.norm.sf(np.abs(m.Zs)), rtol=1e-9)
    g = getis_ord(gdf, "y", sw, star=False)
    mg = _esda_g(y, permutations=0, star=False, transform="B")
    assert_allclose(g.gi_z, mg.Zs, rtol=1e-10)
    # stl.gal is binary, so "O" (weights as given) is the same as "B"
    assert_allclose(getis_ord(gdf, "y", sw, transform="O").gi_z, got.gi_z, rtol=1e-14)


def test_gi_star_by_hand_getis_ord_1995():
    """Ord & Getis (1995), eq. 14, with binary weights and the region itself included:

    G*_i = (sum_j w_ij x_j - xbar W_i*) / (S sqrt((n S1_i* - W_i*^2) / (n - 1))),
    W_i* = sum_j w_ij, S1_i* = sum_j w_ij^2 (j = 1..n, w_ii = 1), xbar and S (population
    sd) over all n values.
    """
    # a path 0-1-2-3-4 and the link 1-3; y = [1, 2, 3, 6, 8], n = 5
    # xbar = 20/5 = 4; S^2 = (1 + 4 + 9 + 36 + 64)/5 - 16 = 22.8 - 16 = 6.8
    # region 0: neighbours {0, 1}: sum = 3, W = 2, S1 = 2
    #   z0 = (3 - 8) / (sqrt(6.8) sqrt((10 - 4)/4)) = -5 / sqrt(6.8 * 1.5)
    # region 3: {1, 2, 3, 4}: sum = 19, W = 4: z3 = (19 - 16) / (sqrt(6.8) sqrt((20 - 16)/4)) = 3 / sqrt(6.8)
    # region 4: {3, 4}: sum = 14, W = 2: z4 = (14 - 8) / sqrt(6.8 * 1.5) = 6 / sqrt(10.2)
    m = np.zeros((5, 5))
    for a, b in ((0, 1), (1, 2), (2, 3), (3, 4), (1, 3)):
        m[a, b] = m[b, a] = 1
    got = getis_ord(_layer(range(5), y=[1.0, 2, 3, 6, 8]), "y", SpatialWeights(m, list(range(5))))
    z = got.gi_z.to_numpy()
    assert_allclose(z[0], -5 / np.sqrt(10.2), rtol=1e-13)   # -1.5656
    assert_allclose(z[3], 3 / np.sqrt(6.8), rtol=1e-13)     # 1.1504
    assert_allclose(z[4], 6 / np.sqrt(10.2), rtol=1e-13)    # 1.8787
    # p = 2 (1 - Phi(|z|)); bins: |z| >= 1.645 -> 90 %, so only region 4
    assert_allclose(got.gi_p[4], 2 * (1 - stats.norm.cdf(6 / np.sqrt(10.2))), rtol=1e-12)
    assert got.hotspot.tolist()[4] == "Hot spot 90%"
    assert got.hotspot.tolist()[:4] == ["Not significant"] * 4


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
                    transform="O")
    assert_allclose(got.gi_z[0], -6 / np.sqrt(3.5 * 16 / 3), rtol=1e-13)
    assert_allclose(got.gi_z[3], 9 / np.sqrt(3.5 * 12), rtol=1e-13)


def _assert_bins_follow(out):
    """Each row's bin from its own gi_z (sign) and gi_p (or gi_p_fdr: level); NaN -> Undefined."""
    z = out.gi_z.to_numpy()
    p = (out.gi_p_fdr if "gi_p_fdr" in out else out.gi_p).to_numpy()
    for zi, pi, lab in zip(z, p, out.hotspot, strict=True):
        if not (np.isfinite(zi) and np.isfinite(pi)):
            assert lab == "Undefined"
            continue
        level = "99%" if pi <= 0.01 else "95%" if pi <= 0.05 else "90%" if pi <= 0.10 else None
        want = "Not significant" if level is None or zi == 0 else f"{'Hot' if zi > 0 else 'Cold'} spot {level}"
        assert lab == want, (zi, pi, lab)


def _gradient():
    """A 10 x 10 rook lattice with a west-east gradient (cold west, hot east) and noise."""
    w = libpysal.weights.lat2W(10, 10)
    y = np.repeat(np.arange(10.0), 10).reshape(10, 10).T.ravel() + np.random.default_rng(4).random(100) * 3
    return _layer(w.id_order, y=y), SpatialWeights.from_W(w)


def test_bins_are_the_exact_z_bins(stl):
    y, sw, gdf = stl
    lattice, wl = _gradient()
    for (g, w), kw in [((gdf, sw), {}), ((gdf, sw), {"transform": "R"}), ((gdf, sw), {"star": False}),
                       ((lattice, wl), {}), ((lattice, wl), {"star": False})]:
        norm = getis_ord(g, "y", w, **kw)
        assert set(norm.hotspot) <= set(HOTSPOT_LABELS)
        z = norm.gi_z.to_numpy()
        # two-sided normal p <= 0.01/0.05/0.10 <=> |z| >= 2.5758/1.9600/1.6449 (ArcGIS's Gi_Bin)
        crit = [stats.norm.isf(a / 2) for a in (0.01, 0.05, 0.10)]
        level = np.select([np.abs(z) >= c for c in crit], ["99%", "95%", "90%"], "")
        want = [f"{'Hot' if zi > 0 else 'Cold'} spot {lv}" if lv else "Not significant"
                for zi, lv in zip(z, level, strict=True)]
        assert norm.hotspot.tolist() == want
        assert len(set(want)) >= 2  # some spots, so the bins are tested
        if g is lattice:
            assert {"Hot spot 99%", "Cold spot 99%", "Not significant"} <= set(want)
        assert_allclose(norm.gi_p, 2 * (1 - stats.norm.cdf(np.abs(z))), rtol=1e-9, atol=1e-15)
        _assert_bins_follow(norm)


def test_permutation_z_p_and_bins_agree(stl):
    y, sw, gdf = stl
    sim = getis_ord(gdf, "y", sw, inference="permutation", permutations=999, seed=1)
    assert sim.attrs["inference"] == "permutation" and sim.attrs["permutations"] == 999
    _assert_bins_follow(sim)
    # gi_z is the permutation z: (G - mean) / sd of the simulated G (esda's z_sim), checked by
    # replaying esda's draws for one region by brute force
    from geoproc.permutation import permuted_ids

    i = 5
    w = sw.full()
    nb = np.flatnonzero(w[i])
    others = np.delete(np.arange(y.size), i)
    draws = permuted_ids(nb.size, y.size, 999, 1)[:, :nb.size]
    sims = (y[others][draws].sum(axis=1) + y[i]) / y.sum()
    assert_allclose(sim.gi_z[i], (sim.gi_G[i] - sims.mean()) / sims.std(), rtol=1e-10)
    larger = (sims >= sim.gi_G[i]).sum()
    assert_allclose(sim.gi_p[i], (min(larger, 999 - larger) + 1) / 1000, rtol=1e-12)
    # 0 permutations: nothing to infer from
    with pytest.raises(GeoprocInputError, match="needs permutations > 0"):
        getis_ord(gdf, "y", sw, inference="permutation", permutations=0)


def test_fdr_as_arcgis_benjamini_hochberg_per_level(stl):
    y, sw, gdf = stl
    plain = getis_ord(gdf, "y", sw)
    fdr = getis_ord(gdf, "y", sw, fdr=True)
    # gi_z and gi_p stay uncorrected (ArcGIS: "do not reflect any FDR correction")
    assert_allclose(fdr.gi_z, plain.gi_z) and assert_allclose(fdr.gi_p, plain.gi_p)
    # Benjamini-Hochberg by hand at each level: reject p_(1..k), k = max{i : p_(i) <= i a / m}
    p = plain.gi_p.to_numpy()
    order = np.argsort(p)
    m = p.size
    for a, conf in ((0.10, "90%"), (0.05, "95%"), (0.01, "99%")):
        ok = np.flatnonzero(p[order] <= np.arange(1, m + 1) * a / m)
        rejected = set(order[: ok.max() + 1]) if ok.size else set()
        at_least = {i for i, lab in enumerate(fdr.hotspot) if lab.endswith("%")
                    and int(lab[-3:-1]) >= int(conf[:-1])}
        assert at_least == rejected, conf
    assert_allclose(fdr.gi_p_fdr, stats.false_discovery_control(p), rtol=1e-12)
    _assert_bins_follow(fdr)
    assert (fdr.hotspot != "Not significant").sum() < (plain.hotspot != "Not significant").sum()


def test_undefined_never_not_significant():
    # constant values: no variance, refused before anything is labelled
    w = SpatialWeights(np.ones((4, 4)) - np.eye(4), list(range(4)))
    with pytest.raises(GeoprocInputError, match="is constant"):
        getis_ord(_layer(range(4), y=[3.0] * 4), "y", w)
    # an island kept: G (without itself) undefined; G* = its own standardised value
    m = np.zeros((5, 5))
    for a, b in ((0, 1), (1, 2), (2, 3)):
        m[a, b] = m[b, a] = 1
    gdf = _layer(range(5), y=[1.0, 2, 3, 6, 8])
    w = SpatialWeights(m, list(range(5)))
    g = getis_ord(gdf, "y", w, star=False, islands="keep")
    assert g.hotspot[4] == "Undefined" and np.isnan(g.gi_z[4]) and np.isnan(g.gi_p[4]) and g.island[4]
    gs = getis_ord(gdf, "y", w, islands="keep")
    # W* = S1* = 1: z = (8 - 4) / (S sqrt((5 - 1)/4)) = 4 / sqrt(6.8)
    assert_allclose(gs.gi_z[4], 4 / np.sqrt(6.8), rtol=1e-13)
    _assert_bins_follow(g)
    _assert_bins_follow(gs)
    # its permutation inference is undefined (nothing to permute)
    assert getis_ord(gdf, "y", w, islands="keep", inference="permutation", seed=1).hotspot[4] == "Undefined"


def test_huge_values_are_scale_free(stl):
    y, sw, gdf = stl
    small = getis_ord(gdf, "y", sw)
    huge = getis_ord(gdf.assign(y=gdf.y * 1e300), "y", sw)
    assert_allclose(huge.gi_z, small.gi_z, rtol=1e-12)
    assert huge.hotspot.tolist() == small.hotspot.tolist()


def test_old_names_and_unused_permutations_warn(stl):
    y, sw, gdf = stl
    with pytest.warns(DeprecationWarning, match="inference='sim' is deprecated; use inference='permutation'"):
        old = getis_ord(gdf, "y", sw, inference="sim", permutations=99, seed=2)
    new = getis_ord(gdf, "y", sw, inference="permutation", permutations=99, seed=2)
    assert_allclose(old.gi_z, new.gi_z) and (old.hotspot == new.hotspot).all()
    with pytest.warns(DeprecationWarning, match="use inference='normal'"):
        assert_allclose(getis_ord(gdf, "y", sw, inference="norm").gi_z, getis_ord(gdf, "y", sw).gi_z)
    with pytest.warns(UserWarning, match="permutations=999 unused"):
        getis_ord(gdf, "y", sw, permutations=999)
    with pytest.raises(GeoprocInputError, match="inference must be 'normal' or 'permutation', got 'exact'"):
        getis_ord(gdf, "y", sw, inference="exact")
    with pytest.raises(GeoprocInputError, match="transform must be 'B', 'R' or 'O', got 'V'"):
        getis_ord(gdf, "y", sw, transform="V")


def test_binary_transform_of_weighted_links():
    # inverse-distance-like weights: "B" counts each link 1 (warning), "O" keeps them
    m = np.zeros((4, 4))
    m[0, 1] = m[1, 0] = 2
    m[1, 2] = m[2, 1] = 1
    m[2, 3] = m[3, 2] = 3
    gdf = _layer(range(4), y=[1.0, 2, 3, 6])
    with pytest.warns(UserWarning, match="not binary; transform='B' counts every neighbour as 1"):
        b = getis_ord(gdf, "y", SpatialWeights(m, list(range(4))))
    ref = getis_ord(gdf, "y", SpatialWeights((m > 0).astype(float), list(range(4))))
    assert_allclose(b.gi_z, ref.gi_z, rtol=1e-14)


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


def _issue_case(regions, panel, variable, year, spec, names):
    import pandas as pd

    from geoproc.boundaries import read_regions
    from geoproc.weights.build import build_weights

    g = read_regions(regions)
    df = pd.read_csv(DEMO / panel)
    v = df[df.year == year].set_index("code")[variable]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # centroid-outside warnings for the provinces
        w = build_weights(spec, g)
    out = {}
    for inference in ("normal", "permutation"):
        r = getis_ord(g, v, w, inference=inference, seed=12345)
        _assert_bins_follow(r)
        out[inference] = r.set_index("name_en").loc[names]
    # the default's z is esda's analytic Gi* z on the binary weights
    m = _esda_g_w(v.reindex(g.code).to_numpy(), w, permutations=0, star=True, transform="B")
    assert_allclose(getis_ord(g, v, w).gi_z, m.Zs, rtol=1e-10)
    return out


def _esda_g_w(y, sw, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(y, sw.to_W(), n_jobs=1, **kw)


def test_issue_13_guangdong_no_longer_a_cold_spot_by_its_own_numbers():
    """Issue 13: cul 2021, knn:6 on the provinces labelled Guangdong (the highest value)
    "Cold spot 95%" with gi_z -0.03 (analytic z, permutation bins)."""
    out = _issue_case("china_provinces", "provinces_panel_synthetic.csv", "cul", 2021, "knn:6", ["Guangdong"])
    gd = out["normal"].loc["Guangdong"]
    assert abs(gd.gi_z) < 1.645 and gd.hotspot == "Not significant"
    # permutation inference (own value fixed) asks another question; its z, p and bin agree
    gp = out["permutation"].loc["Guangdong"]
    assert gp.gi_z < 0 and gp.hotspot.startswith("Cold spot") and gp.gi_p <= 0.10


def test_issue_13_xuzhou_and_jiaxing_bins_follow_their_z():
    """Issue 13: Xuzhou's gi_z -0.43 was binned "Cold spot 95%", Jiaxing's 1.31 "Hot spot 99%"
    (the demo's YRD cities, cultural value added 2018, queen weights)."""
    out = _issue_case("yrd_cities", "yrd_cities_panel_synthetic.csv", "cultural_value_added", 2018, "queen",
                      ["Xuzhou", "Jiaxing"])
    n = out["normal"]
    assert abs(n.at["Xuzhou", "gi_z"]) < 1.645 and n.at["Xuzhou", "hotspot"] == "Not significant"
    assert n.at["Jiaxing", "gi_z"] >= 2.576 and n.at["Jiaxing", "hotspot"] == "Hot spot 99%"


def test_map_legends_name_the_inference_and_show_undefined_only_when_present(tmp_path):
    from geoproc import maps, plots

    m = np.zeros((5, 5))
    for a, b in ((0, 1), (1, 2), (2, 3)):
        m[a, b] = m[b, a] = 1
    gdf = _layer(range(5), y=[1.0, 2, 3, 6, 8])
    from shapely.geometry import box

    gdf = gdf.set_geometry([box(i, 0, i + 0.9, 0.9) for i in range(5)], crs=4326)
    w = SpatialWeights(m, list(range(5)))
    g = getis_ord(gdf, "y", w, star=False, islands="keep")  # region 4: Undefined
    gs = getis_ord(gdf, "y", w, islands="keep", inference="permutation", permutations=99, seed=1, fdr=True)
    maps.hotspot_map(g, tmp_path / "g.html", offline=True)
    page = (tmp_path / "g.html").read_text(encoding="utf-8")
    assert "Getis-Ord Gi* hot and cold spots (z under normality, binary weights)" in page
    assert "Undefined (no z) (1)" in page
    full = getis_ord(gdf.iloc[:4], "y", SpatialWeights(m[:4, :4], list(range(4))))
    maps.hotspot_map(full, tmp_path / "f.html", offline=True)
    assert "Undefined" not in (tmp_path / "f.html").read_text(encoding="utf-8")
    maps.hotspot_map(gs, tmp_path / "gs.html", offline=True)
    assert "(99 conditional permutations, seed 1, binary weights, FDR)" in (tmp_path / "gs.html").read_text("utf-8")
    fig = plots.hotspot_map(g, tmp_path / "g.png")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Undefined (no z) (1)" in labels
    fig = plots.hotspot_map(full, tmp_path / "f.png")
    assert not any("Undefined" in t.get_text() for t in fig.axes[0].get_legend().get_texts())
