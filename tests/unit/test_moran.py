"""Global and bivariate Moran's I: by hand, against esda's documented values, against esda."""

from __future__ import annotations

import warnings

import esda
import libpysal
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from geoproc.bivariate import bivariate_moran
from geoproc.errors import GeoprocInputError
from geoproc.moran import moran_table
from geoproc.weights.base import SpatialWeights


def rook_lattice(rows: int, cols: int) -> SpatialWeights:
    """Binary rook contiguity on a grid, built directly (cell id = row * cols + col)."""
    n = rows * cols
    m = np.zeros((n, n))
    for r in range(rows):
        for c in range(cols):
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < rows and 0 <= cc < cols:
                    m[r * cols + c, rr * cols + cc] = 1
    return SpatialWeights(m, list(range(n)), "rook")


def panel_of(values: dict, ids) -> pd.DataFrame:
    rows = []
    for year, cols in values.items():
        for k, i in enumerate(ids):
            rows.append({"code": i, "year": year, **{v: cols[v][k] for v in cols}})
    return pd.DataFrame(rows)


def test_3x3_rook_lattice_by_hand():
    # y = 1..9 on a 3 x 3 grid, binary rook weights (transform "O").
    # S0 = 4 corners*2 + 4 edges*3 + centre 4 = 24; S1 = 0.5 * 24 links * (1+1)^2 = 48;
    # S2 = sum (2 d_i)^2 = 4 * (4*4 + 4*9 + 16) = 272.
    # z = y - 5 = -4..4, sum z^2 = 60, sum z^4 = 708, kurtosis b2 = (708/9)/(60/9)^2 = 1.77.
    # sum_ij w_ij z_i z_j = 2 * (horizontal 12+6+0+0+6+12 + vertical 4-2+0+0-2+4) = 80
    # I = 9/24 * 80/60 = 0.5;  E[I] = -1/8
    # V_norm = (81*48 - 9*272 + 3*576) / (8*10*576) - 1/64 = 3168/46080 - 1/64 = 0.053125
    # A = 9 * ((81-27+3)*48 - 9*272 + 3*576) = 18144;  B = 1.77 * (72*48 - 18*272 + 6*576) = 3568.32
    # V_rand = (A - B) / (8*7*6*576) - 1/64 = 14575.68/193536 - 1/64 = 0.0596875
    w = rook_lattice(3, 3)
    df = panel_of({2020: {"y": np.arange(1.0, 10.0)}}, w.ids)
    row = moran_table(df, w, "y", permutations=0, transform="O").to_frame().iloc[0]
    assert_allclose(row.I, 0.5, rtol=1e-14)
    assert_allclose(row.EI, -0.125, rtol=1e-14)
    assert_allclose(row.VI_norm, 0.053125, rtol=1e-13)
    assert_allclose(row.VI_rand, 0.0596875, rtol=1e-13)
    assert_allclose(row.z_norm, 0.625 / np.sqrt(0.053125), rtol=1e-13)
    assert_allclose(row.z_rand, 0.625 / np.sqrt(0.0596875), rtol=1e-13)
    assert_allclose(row.p_norm, 2 * stats.norm.sf(0.625 / np.sqrt(0.053125)), rtol=1e-12)
    assert_allclose(row.p_rand, 2 * stats.norm.sf(0.625 / np.sqrt(0.0596875)), rtol=1e-12)
    assert np.isnan(row.p_sim)


def _stl():
    w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    f = libpysal.io.open(libpysal.examples.get_path("stl_hom.txt"))
    return w, np.array(f.by_col["HR8893"]), np.array(f.by_col["HR8488"])


def test_textbook_values_stl_and_sids():
    # esda's documented values (esda/tests/test_moran.py, Moran docstring): St Louis
    # homicide rates HR8893: I = 0.24365582621771659, one-tailed p_norm 0.00013573931385468807;
    # SIDS SIDR74: I = 0.24772519320480135, one-tailed p_norm 5.7916539074498452e-05.
    w, y, _ = _stl()
    t = moran_table(panel_of({1993: {"hr": y}}, w.id_order), SpatialWeights.from_W(w), "hr",
                    permutations=0).to_frame().iloc[0]
    assert_allclose(t.I, 0.24365582621771659, rtol=1e-12)
    assert_allclose(t.p_norm, 2 * 0.00013573931385468807, rtol=1e-9)
    w2 = libpysal.io.open(libpysal.examples.get_path("sids2.gal")).read()
    sidr = np.array(libpysal.io.open(libpysal.examples.get_path("sids2.dbf")).by_col("SIDR74"))
    t2 = moran_table(panel_of({1974: {"sidr": sidr}}, w2.id_order), SpatialWeights.from_W(w2), "sidr",
                     permutations=0).to_frame().iloc[0]
    assert_allclose(t2.I, 0.24772519320480135, rtol=1e-12)
    assert_allclose(t2.p_norm, 2 * 5.7916539074498452e-05, rtol=1e-9)


@pytest.mark.parametrize("transform", ["R", "O"])
def test_all_statistics_equal_esda(transform):
    w, y, x = _stl()
    # a non-symmetric, non-binary matrix too: inverse distance between arbitrary points
    rng = np.random.default_rng(5)
    pts = rng.random((w.n, 2))
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    dense = 1 / d * (rng.random((w.n, w.n)) < 0.2)
    for sw in (SpatialWeights.from_W(w), SpatialWeights(dense, w.id_order, "idw")):
        df = panel_of({2000: {"a": y}, 2001: {"a": x}}, w.id_order)
        got = moran_table(df, {"W1": sw}, ["a"], permutations=99, seed=11, transform=transform).to_frame()
        for year, vals in ((2000, y), (2001, x)):
            lw = sw.to_W()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                np.random.seed(11)  # noqa: NPY002 - esda draws from the global state
                m = esda.Moran(vals, lw, transformation=transform.lower(), permutations=99)
            row = got[got.year == year].iloc[0]
            for col in ("I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand"):
                assert_allclose(row[col], getattr(m, col), rtol=1e-10, err_msg=col)
            assert row.p_sim == m.p_sim  # same permutations as np.random.seed(11) + esda


def test_seed_reproducible_and_global_state_untouched():
    w, y, _ = _stl()
    df = panel_of({2000: {"a": y}}, w.id_order)
    sw = SpatialWeights.from_W(w)
    np.random.seed(0)  # noqa: NPY002 - esda draws from the global state
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    a = moran_table(df, sw, "a", permutations=199, seed=3).to_frame()
    b = moran_table(df, sw, "a", permutations=199, seed=3).to_frame()
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    pd.testing.assert_frame_equal(a, b)


def test_bivariate_equals_esda():
    w, y, x = _stl()
    sw = SpatialWeights.from_W(w)
    got = bivariate_moran(pd.Series(x, index=w.id_order), pd.Series(y, index=w.id_order), sw,
                          permutations=99, seed=4)
    w.transform = "r"
    np.random.seed(4)  # noqa: NPY002 - esda draws from the global state
    m = esda.Moran_BV(x, y, w, permutations=99)
    assert_allclose(got.I, m.I, rtol=1e-12)
    assert_allclose(got.sim, m.sim, rtol=1e-12)
    assert got.p_sim == m.p_sim
    assert_allclose(got.z_sim, m.z_sim, rtol=1e-10)
    # x against the lag of y by hand: zx' W zy / (n - 1), sd with ddof = 1
    zx = (x - x.mean()) / x.std(ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    assert_allclose(got.I, zx @ sw.row_standardize().lag(zy) / (len(x) - 1), rtol=1e-12)


def _two_matrices():
    w = rook_lattice(4, 4)
    rng = np.random.default_rng(1)
    df = panel_of({y: {"cul": rng.random(16) + np.arange(16) / 8, "dig": rng.random(16)} for y in (2019, 2020, 2021)},
                  w.ids)
    m = rng.random((16, 16))
    np.fill_diagonal(m, 0)
    return df, {"Wrook": w, "Wg": SpatialWeights(m, w.ids, "gravity")}


def test_layout_markdown_html_csv(tmp_path):
    df, ws = _two_matrices()
    t = moran_table(df, ws, ["cul", "dig"], permutations=0)
    f = t.to_frame()
    assert list(f.columns) == ["year", "variable", "weights", "I", "EI", "VI_norm", "z_norm", "p_norm",
                               "VI_rand", "z_rand", "p_rand", "p_sim"]
    assert len(f) == 3 * 2 * 2
    lay = t.layout()
    assert list(lay.index) == [2019, 2020, 2021]
    assert list(lay.columns) == ["cul (Wrook) I", "cul (Wrook) z", "cul (Wg) I", "cul (Wg) z",
                                 "dig (Wrook) I", "dig (Wrook) z", "dig (Wg) I", "dig (Wg) z"]
    r = f[(f.year == 2020) & (f.variable == "cul") & (f.weights == "Wg")].iloc[0]
    p = r.p_norm
    expected_stars = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    assert lay.at[2020, "cul (Wg) I"] == f"{r.I:.3f}{expected_stars}"
    assert lay.at[2020, "cul (Wg) z"] == f"{r.z_norm:.2f}"
    md = t.to_markdown()
    assert md.splitlines()[0].startswith("| Year | cul (Wrook) I | cul (Wrook) z |")
    assert "*** p < 0.01, ** p < 0.05, * p < 0.1" in md
    assert "<th>cul (Wg) z</th>" in t.to_html()
    out = tmp_path / "t.csv"
    t.to_csv(out)
    back = pd.read_csv(out, encoding="utf-8-sig", nrows=3)
    assert back["Year"].tolist() == [2019, 2020, 2021]
    with pytest.raises(FileExistsError):
        t.to_csv(out)


def test_stars_thresholds():
    from geoproc.formatting import stars

    assert [stars(p) for p in (0.0099, 0.01, 0.049, 0.05, 0.099, 0.1, np.nan)] == ["***", "**", "**", "*", "*", "", ""]


# --- bad input ------------------------------------------------------------------------


def test_weights_ids_do_not_match_panel():
    df, ws = _two_matrices()
    w = SpatialWeights(ws["Wrook"].sparse, [i + 100 if i in (3, 7) else i for i in range(16)])
    with pytest.raises(GeoprocInputError, match=r"in the panel but not in the weights: 3, 7; in the weights but not in the panel: 103, 107"):
        moran_table(df, w, "cul")


def test_ids_equal_as_text_are_accepted():
    df, ws = _two_matrices()
    w = ws["Wrook"]
    ws_text = SpatialWeights(w.sparse, [str(i) for i in w.ids], "rook")
    a = moran_table(df, ws_text, "cul", permutations=0).to_frame()
    b = moran_table(df, w, "cul", permutations=0).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_islands_named_and_handled():
    w = rook_lattice(3, 3)
    m = w.full()
    m[8, :] = 0
    m[:, 8] = 0
    wi = SpatialWeights(m, w.ids, "rook")
    rng = np.random.default_rng(2)
    df = panel_of({2020: {"y": rng.random(9)}}, w.ids)
    df["code_name"] = [f"R{i}" for i in df.code]
    with pytest.raises(GeoprocInputError, match=r"1 island\(s\) without neighbours: R8 \(8\)"):
        moran_table(df, wi, "y")
    kept = moran_table(df, wi, "y", islands="keep", permutations=0)
    assert any("islands kept with zero spatial lag" in n and "R8 (8)" in n for n in kept.notes)
    assert "islands kept" in kept.to_markdown()
    dropped = moran_table(df, wi, "y", islands="drop", permutations=0)
    assert dropped.n == 8
    # dropping equals computing on the 8 connected regions directly
    sub = SpatialWeights(m[:8, :8], list(range(8)))
    direct = moran_table(df[df.code < 8], sub, "y", permutations=0).to_frame()
    assert_allclose(dropped.to_frame().I, direct.I, rtol=1e-14)


def test_constant_nan_few_regions_missing_years_unknown_variable():
    df, ws = _two_matrices()
    w = ws["Wrook"]
    const = df.copy()
    const.loc[const.year == 2020, "dig"] = 3.0
    with pytest.raises(GeoprocInputError, match=r"'dig' is constant \(3.0\) in 2020"):
        moran_table(const, w, ["cul", "dig"])
    nan = df.copy()
    nan.loc[(nan.code == 5) & (nan.year == 2021), "cul"] = np.nan
    with pytest.raises(GeoprocInputError, match=r"column 'cul' is empty for 5 in 2021"):
        moran_table(nan, w, "cul")
    gap = df[~((df.code == 4) & (df.year == 2019))]
    with pytest.raises(GeoprocInputError, match=r"unbalanced \(years 2019-2021\): 4 lacks 2019; Moran"):
        moran_table(gap, w, "cul")
    with pytest.raises(GeoprocInputError, match=r"no column 'gdp'; its columns are code, year, cul, dig"):
        moran_table(df, w, ["cul", "gdp"])
    two = SpatialWeights([[0, 1], [1, 0]], [0, 1])
    with pytest.raises(GeoprocInputError, match=r"at least 3 regions; cul in 2019 has 2"):
        moran_table(df[df.code < 2], two, "cul")


def test_weights_provenance_in_notes_markdown_and_html(tmp_path):
    from geoproc.hotspots import getis_ord
    from geoproc.lisa import local_moran

    df, ws = _two_matrices()
    meta = {"spec": "gravity:gdp", "mass_column": "gdp", "masses": "period mean 2019-2021 (3 years)",
            "distance": "geodesic", "centroid": "largest"}
    wg = SpatialWeights(ws["Wg"].sparse, ws["Wg"].ids, "gravity", meta=meta)
    t = moran_table(df, {"Wrook": ws["Wrook"], "W1": wg}, "cul", permutations=0)
    want = ("weights W1: gravity:gdp; masses gdp: period mean 2019-2021 (3 years); "
            "geodesic distances between largest centroids")
    assert want in t.notes and "weights Wrook: rook" in t.notes
    assert want in t.to_markdown() and want in t.to_html()
    # a full UTF-8 document when written, the fragment otherwise
    t.write(tmp_path / "t.html")
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert page.rstrip().endswith("</html>") and not t.to_html().startswith("<!DOCTYPE")
    # and in the local statistics' attrs
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"code": wg.ids, "y": np.arange(16.0) + 1},
                           geometry=gpd.points_from_xy(np.arange(16), np.zeros(16)), crs=4326)
    want_local = want.replace("weights W1: gravity:gdp;", "weights gravity:gdp:")  # named by its spec
    assert want_local in local_moran(gdf, "y", wg, permutations=0).attrs["notes"]
    assert want_local in getis_ord(gdf, "y", wg, permutations=0).attrs["notes"]


def test_island_error_names_a_weights_file_by_its_path():
    w = rook_lattice(3, 3)
    m = w.full()
    m[8, :] = 0
    m[:, 8] = 0
    wf = SpatialWeights(m, w.ids, "file", meta={"source": "data/queen.gal", "spec": "data/queen.gal"})
    df = panel_of({2020: {"y": np.arange(9.0)}}, w.ids)
    with pytest.raises(GeoprocInputError, match=r"weights 'data/queen.gal' have 1 island"):
        moran_table(df, wf, "y")
