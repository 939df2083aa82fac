"""Weight builders against hand-computed examples of 3-5 regions.

Points on the equator make the distances hand-computable: the WGS84 geodesic
between (lon1, 0) and (lon2, 0) runs along the equator (for |dlon| < 179 deg),
so d = a * |dlon| in radians with a = 6378.137 km, i.e. A = 111.3194908 km per
degree of longitude.
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from geoproc.errors import GeoprocInputError
from geoproc.weights import (
    SpatialWeights,
    build_weights,
    gravity_weights,
    inverse_distance_weights,
    knn_weights,
    nested_weights,
    queen_weights,
    rook_weights,
)

A = 6378.137 * math.pi / 180  # km per degree of longitude on the equator


def equator(lons, ids=None):
    ids = ids if ids is not None else list(range(1, len(lons) + 1))
    return gpd.GeoDataFrame({"code": ids}, geometry=[Point(x, 0) for x in lons], crs="EPSG:4326")


@pytest.fixture
def squares():
    """A 2 x 2 block of 1-degree squares plus a far square E (an island).

        C D          E at (5..6, 5..6)
        A B
    """
    geoms = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2), box(5, 5, 6, 6)]
    return gpd.GeoDataFrame({"code": [1, 2, 3, 4, 5], "name_en": list("ABCDE")}, geometry=geoms,
                            crs="EPSG:4326")


# --- contiguity -------------------------------------------------------------------
def test_queen_and_rook_by_hand(squares):
    with pytest.warns(UserWarning, match=r"5 \(E\)"):
        q = queen_weights(squares)
    # queen: A, B, C, D all touch each other (A-D and B-C at the corner (1, 1)); E none
    expected_q = np.array([[0, 1, 1, 1, 0], [1, 0, 1, 1, 0], [1, 1, 0, 1, 0], [1, 1, 1, 0, 0],
                           [0, 0, 0, 0, 0]], float)
    assert_allclose(q.full(), expected_q)
    assert q.islands == [5] and q.ids == [1, 2, 3, 4, 5]
    with pytest.warns(UserWarning, match="island"):
        r = rook_weights(squares)
    # rook: shared edges only: A-B, A-C, B-D, C-D
    expected_r = np.array([[0, 1, 1, 0, 0], [1, 0, 0, 1, 0], [1, 0, 0, 1, 0], [0, 1, 1, 0, 0],
                           [0, 0, 0, 0, 0]], float)
    assert_allclose(r.full(), expected_r)


def test_row_standardize_queen(squares):
    q = queen_weights(squares, islands="keep")
    r = q.row_standardize()
    # each of A-D has 3 neighbours -> 1/3 each; the island's row stays 0
    expected = np.array([[0, 1, 1, 1, 0], [1, 0, 1, 1, 0], [1, 1, 0, 1, 0], [1, 1, 1, 0, 0],
                         [0, 0, 0, 0, 0]], float) / 3
    assert_allclose(r.full(), expected)
    assert r.transform == "R" and r.is_row_standardized()
    assert q.transform == "O" and q.full()[0, 1] == 1  # original untouched


def test_islands_nearest_links_both_ways(squares):
    from pyproj import Geod

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no island warning with islands="nearest"
        q = queen_weights(squares, islands="nearest")
    # E's centroid (5.5, 5.5); the nearest other centroid, by pyproj's geodesic:
    geod = Geod(ellps="WGS84")
    cents = [(0.5, 0.5), (1.5, 0.5), (0.5, 1.5), (1.5, 1.5)]
    d = [geod.inv(5.5, 5.5, x, y)[2] for x, y in cents]
    nearest = [1, 2, 3, 4][int(np.argmin(d))]
    assert nearest == 4  # D, the corner square nearest to E
    m = q.to_frame()
    assert m.loc[5, nearest] == 1 and m.loc[nearest, 5] == 1
    assert m.loc[5].sum() == 1 and q.islands == []
    assert q.meta["islands_linked"] == {5: [4]}


def test_islands_nearest_k2(squares):
    # pyproj geodesics from E's centroid (5.5, 5.5): D (1.5, 1.5) 626.98 km,
    # B (1.5, 0.5) 709.43 km, C (0.5, 1.5) 710.05 km -> the two nearest are D and B
    q = queen_weights(squares, islands="nearest", k_island=2)
    m = q.to_frame()
    assert m.loc[5].to_dict() == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}
    assert m.loc[2, 5] == 1 and m.loc[4, 5] == 1 and m.loc[3, 5] == 0
    assert (q.full() == q.full().T).all()


def test_islands_option_checked(squares):
    with pytest.raises(GeoprocInputError, match="islands must be one of"):
        queen_weights(squares, islands="drop")


def test_queen_matches_libpysal(squares):
    from libpysal.weights import Queen, Rook

    q = queen_weights(squares, islands="keep")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lq = Queen.from_dataframe(squares, ids=squares["code"].tolist(), use_index=False)
        lr = Rook.from_dataframe(squares, ids=squares["code"].tolist(), use_index=False)
    assert_allclose(q.full(), lq.full()[0])
    assert_allclose(rook_weights(squares, islands="keep").full(), lr.full()[0])


# --- k nearest --------------------------------------------------------------------
def test_knn_by_hand():
    # lon 0, 1, 3, 7: d/A = |dlon|
    #   from 0: 1 (1), 3 (3), 7 (7)      -> k=2: {1, 3}
    #   from 1: 0 (1), 3 (2), 7 (6)      -> {0, 3}
    #   from 3: 1 (2), 0 (3), 7 (4)      -> {1, 0}
    #   from 7: 3 (4), 1 (6), 0 (7)      -> {3, 1}
    w = knn_weights(equator([0, 1, 3, 7]), k=2)
    expected = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0], [0, 1, 1, 0]], float)
    assert_allclose(w.full(), expected)
    w1 = knn_weights(equator([0, 1, 3, 7]), k=1)
    assert_allclose(w1.full(), [[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    with pytest.raises(GeoprocInputError, match="only 4 regions"):
        knn_weights(equator([0, 1, 3, 7]), k=4)


def test_knn_matches_libpysal_on_polygons(squares):
    """Same neighbours as libpysal's KNN (arc distance on a sphere) with the haversine method.

    On the ellipsoid the ranking can differ: for E (5.5, 5.5) pyproj's geodesic puts
    B (1.5, 0.5) at 709.43 km and C (0.5, 1.5) at 710.05 km, the sphere the other way
    round (711.53 vs 711.10 km), so the geodesic 2nd neighbour of E is B.
    """
    from libpysal.weights import KNN
    from pyproj import Geod

    from geoproc.centroid import centroids

    cen = centroids(squares)
    lk = KNN.from_array(np.c_[cen["lon"], cen["lat"]], k=2, radius=6371.0088,
                        ids=squares["code"].tolist())
    assert_allclose(knn_weights(squares, k=2, method="haversine").full(), lk.full()[0])
    geod = Geod(ellps="WGS84")
    d = {c: geod.inv(5.5, 5.5, x, y)[2] for c, (x, y) in {2: (1.5, 0.5), 3: (0.5, 1.5)}.items()}
    assert d[2] < d[3]
    row_e = knn_weights(squares, k=2).to_frame().loc[5]
    assert row_e[4] == 1 and row_e[2] == 1 and row_e[3] == 0


# --- inverse distance -------------------------------------------------------------
def test_inverse_distance_by_hand():
    pts = equator([0, 1, 3])
    # d01 = A, d02 = 3A, d12 = 2A
    w1 = inverse_distance_weights(pts)
    expected1 = np.array([[0, 1, 1 / 3], [1, 0, 1 / 2], [1 / 3, 1 / 2, 0]]) / A
    assert_allclose(w1.full(), expected1, rtol=1e-9)
    # power 2: 1/A^2, 1/(9A^2), 1/(4A^2)
    w2 = inverse_distance_weights(pts, power=2)
    assert_allclose(w2.full(), np.array([[0, 1, 1 / 9], [1, 0, 1 / 4], [1 / 9, 1 / 4, 0]]) / A**2,
                    rtol=1e-9)
    # cut-off 2.5 A km drops the 0-3 pair (3A); rows: [0, 1/A, 0], ...
    wc = inverse_distance_weights(pts, power=1, cutoff_km=2.5 * A)
    assert_allclose(wc.full(), np.array([[0, 1, 0], [1, 0, 1 / 2], [0, 1 / 2, 0]]) / A, rtol=1e-9)
    # row-standardised power 1: row 0 = (1, 1/3)/(4/3) = (3/4, 1/4)
    assert_allclose(w1.row_standardize().full()[0], [0, 0.75, 0.25], rtol=1e-12)


def test_inverse_distance_cutoff_island_warns():
    with pytest.warns(UserWarning, match="no region within"):
        w = inverse_distance_weights(equator([0, 1, 10]), cutoff_km=2 * A)
    assert w.islands == [3]


def test_coincident_centroids_named():
    pts = equator([0, 1, 1], ids=[11, 22, 33])
    with pytest.raises(GeoprocInputError, match=r"22.*33"):
        inverse_distance_weights(pts)
    with pytest.raises(GeoprocInputError, match="distance 0"):
        gravity_weights(pts, pd.Series({11: 1.0, 22: 2.0, 33: 3.0}))


# --- gravity ----------------------------------------------------------------------
def test_gravity_by_hand():
    pts = equator([0, 1, 3])
    m = pd.Series({1: 1.0, 2: 2.0, 3: 4.0})
    w = gravity_weights(pts, m)
    # w01 = 1*2/A^2 = 2/A^2;  w02 = 1*4/(3A)^2 = 4/(9A^2);  w12 = 2*4/(2A)^2 = 2/A^2
    expected = np.array([[0, 2, 4 / 9], [2, 0, 2], [4 / 9, 2, 0]]) / A**2
    assert_allclose(w.full(), expected, rtol=1e-9)
    assert w.kind == "gravity" and w.transform == "O"
    # row-standardised row 0: (2, 4/9) / (22/9) = (9/11, 2/11)
    assert_allclose(w.row_standardize().full()[0], [0, 9 / 11, 2 / 11], rtol=1e-12)


def test_gravity_panel_period_mean_and_per_year():
    pts = equator([0, 1, 3])
    panel = pd.DataFrame({
        "code": [1, 2, 3, 1, 2, 3],
        "year": [2010, 2010, 2010, 2011, 2011, 2011],
        "rd_staff": [1.0, 2.0, 4.0, 3.0, 2.0, 8.0],
    })
    w = gravity_weights(pts, panel, mass_column="rd_staff")
    # period means: M = (2, 2, 6); w01 = 4/A^2, w02 = 12/(9A^2), w12 = 12/(4A^2)
    assert_allclose(w.full(), np.array([[0, 4, 12 / 9], [4, 0, 3], [12 / 9, 3, 0]]) / A**2, rtol=1e-9)
    assert "period mean 2010-2011" in w.meta["masses"]
    per = gravity_weights(pts, panel, mass_column="rd_staff", per_year=True)
    assert sorted(per) == [2010, 2011]
    # 2011: M = (3, 2, 8): w01 = 6/A^2, w02 = 24/(9A^2), w12 = 16/(4A^2)
    assert_allclose(per[2011].full(), np.array([[0, 6, 24 / 9], [6, 0, 4], [24 / 9, 4, 0]]) / A**2,
                    rtol=1e-9)
    assert per[2011].meta["masses"] == "year 2011"
    only = gravity_weights(pts, panel, mass_column="rd_staff", year=2010)
    assert_allclose(only.full(), per[2010].full())


@pytest.mark.parametrize(
    ("masses", "pattern"),
    [
        (pd.Series({1: 1.0, 2: np.nan, 3: 4.0}), r"missing \(NaN\).*2"),
        (pd.Series({1: 1.0, 2: 0.0, 3: 4.0}), r"must be positive.*2 = 0"),
        (pd.Series({1: 1.0, 2: -3.0, 3: 4.0}), r"must be positive.*2 = -3"),
        (pd.Series({1: 1.0, 2: 2.0, 9: 4.0}), r"regions with no mass: 3.*not regions: 9"),
        (pd.Series({1: 1.0, 2: 2.0}), r"regions with no mass: 3"),
    ],
)
def test_gravity_mass_errors(masses, pattern):
    with pytest.raises(GeoprocInputError, match=pattern):
        gravity_weights(equator([0, 1, 3]), masses)


def test_gravity_mass_errors_name_the_year():
    panel = pd.DataFrame({"code": [1, 2, 3, 1, 2, 3], "year": [2010] * 3 + [2011] * 3,
                          "rd": [1.0, 2.0, 4.0, 3.0, -1.0, 8.0]})
    with pytest.raises(GeoprocInputError, match=r"in 2011.*2 = -1"):
        gravity_weights(equator([0, 1, 3]), panel)
    unbalanced = panel.iloc[:5].assign(rd=1.0)
    with pytest.raises(GeoprocInputError, match=r"missing in 2011 for region\(s\) 3"):
        gravity_weights(equator([0, 1, 3]), unbalanced)
    dup = pd.concat([panel.assign(rd=1.0), panel.iloc[[0]].assign(rd=1.0)])
    with pytest.raises(GeoprocInputError, match="duplicate rows"):
        gravity_weights(equator([0, 1, 3]), dup)
    with pytest.raises(GeoprocInputError, match="per_year=True needs"):
        gravity_weights(equator([0, 1, 3]), pd.Series({1: 1.0, 2: 2.0, 3: 3.0}), per_year=True)


def test_gravity_mass_ids_match_across_types():
    # codes read from a CSV as text still match integer region codes
    m = pd.DataFrame({"code": ["1", "2", "3"], "rd": [1.0, 2.0, 4.0]})
    w = gravity_weights(equator([0, 1, 3]), m)
    assert_allclose(w.full()[0, 1], 2 / A**2, rtol=1e-9)


def test_gravity_does_not_touch_inputs():
    pts = equator([0, 1, 3])
    m = pd.DataFrame({"code": [1, 2, 3], "rd": [1.0, 2.0, 4.0]})
    before_pts, before_m = pts.copy(), m.copy()
    gravity_weights(pts, m)
    pd.testing.assert_frame_equal(m, before_m)
    assert pts.equals(before_pts)


# --- nested -----------------------------------------------------------------------
def test_nested_by_hand():
    pts = equator([0, 1, 3])
    gdp = pd.DataFrame({"code": [1, 2, 3] * 2, "year": [2010] * 3 + [2011] * 3,
                        "gdp": [1.0, 1.0, 3.0, 1.0, 3.0, 5.0]})
    w = nested_weights(pts, gdp, gdp_column="gdp")
    # Ybar_i = (1, 2, 4), Ybar = 7/3; W_d = 1/d:  row 0 = (0, 1/A, 1/(3A))
    # times Ybar_j/Ybar: row 0 = (0, (1/A)(6/7), (1/(3A))(12/7)) = (0, 6/7, 4/7)/A -> (0.6, 0.4)
    # row 1 = (1/A * 3/7, 0, 1/(2A) * 12/7) = (3/7, 0, 6/7)/A -> (1/3, 0, 2/3)
    # row 2 = (1/(3A) * 3/7, 1/(2A) * 6/7, 0) = (1/7, 3/7, 0)/A -> (1/4, 3/4, 0)
    expected = np.array([[0, 0.6, 0.4], [1 / 3, 0, 2 / 3], [0.25, 0.75, 0]])
    assert_allclose(w.full(), expected, rtol=1e-12)
    assert w.transform == "R" and "period mean 2010-2011" in w.meta["gdp"]
    with pytest.raises(GeoprocInputError, match=r"GDP .*must be positive.*3 = 0"):
        nested_weights(pts, pd.Series({1: 1.0, 2: 1.0, 3: 0.0}))


# --- build specs ------------------------------------------------------------------
def test_build_weights_specs(squares):
    pts = equator([0, 1, 3])
    assert_allclose(build_weights("inverse-distance:2", pts).full(),
                    inverse_distance_weights(pts, power=2).full())
    # cut-off 250 km: keeps d12 = 2A = 222.64 km, drops d02 = 3A = 333.96 km
    wc = build_weights("inverse-distance:1:250", pts)
    assert wc.full()[1, 2] > 0 and wc.full()[0, 2] == 0
    assert_allclose(build_weights("knn:1", pts).full(), knn_weights(pts, 1).full())
    data = pd.DataFrame({"code": [1, 2, 3], "rd": [1.0, 2.0, 4.0], "gdp": [1.0, 2.0, 4.0]})
    g = build_weights("gravity:rd", pts, data, row_standardize=True)
    assert g.transform == "R"
    assert_allclose(g.full()[0], [0, 9 / 11, 2 / 11], rtol=1e-12)
    assert build_weights("nested:gdp", pts, data).transform == "R"
    q = build_weights("queen", squares, islands="keep")
    assert q.kind == "queen" and q.meta["spec"] == "queen"


@pytest.mark.parametrize(
    ("spec", "pattern"),
    [("hexagon", "unknown weights"), ("knn", "wrong arguments"), ("knn:x", "not a number"),
     ("inverse-distance:1:2:3", "wrong arguments"), ("gravity", "wrong arguments"),
     ("gravity:rd", "need a data table")],
)
def test_build_weights_bad_specs(spec, pattern):
    with pytest.raises(GeoprocInputError, match=pattern):
        build_weights(spec, equator([0, 1, 3]))


# --- container and libpysal interop --------------------------------------------------
def test_libpysal_round_trip_W_and_Graph():
    m = np.array([[0, 2.0, 0.5, 0], [2.0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0, 0, 0]])
    w = SpatialWeights(m, [10, 20, 30, 40], "test")
    lw = w.to_W()
    assert lw.neighbors[10] == [20, 30] and lw.weights[10] == [2.0, 0.5] and lw.islands == [40]
    assert_allclose(SpatialWeights.from_W(lw).full(), m)
    g = w.to_graph()
    assert list(g.isolates) == [40]
    back = SpatialWeights.from_graph(g)
    assert back.ids == [10, 20, 30, 40] and isinstance(back.ids[0], int)
    assert_allclose(back.full(), m)
    r = w.row_standardize()
    assert r.to_W().transform == "R" and r.to_graph().transformation == "R"
    assert_allclose(SpatialWeights.from_graph(r.to_graph()).full(), r.full())
    # libpysal's own row-standardisation of the original gives the same matrix
    lw.transform = "R"
    assert_allclose(lw.full()[0], r.full())


def test_container_rejects_bad_matrices():
    with pytest.raises(GeoprocInputError, match="diagonal"):
        SpatialWeights(np.eye(2), ["a", "b"])
    with pytest.raises(GeoprocInputError, match="duplicate"):
        SpatialWeights(np.zeros((2, 2)), ["a", "a"])


def test_build_weights_from_file_aligns_to_regions(tmp_path):
    from geoproc.weights import write_weights

    # file in order 3, 1, 2; regions in order 1, 2, 3 with text codes
    w = SpatialWeights(np.array([[0, 1.0, 0], [1.0, 0, 2.0], [0, 2.0, 0]]), [3, 1, 2])
    write_weights(w, tmp_path / "w.gwt")
    regions = equator([0, 1, 3], ids=["1", "2", "3"])
    got = build_weights(tmp_path / "w.gwt", regions)
    assert got.ids == ["1", "2", "3"]
    # w(3,1) = 1, w(1,2) = 2 -> in the order 1, 2, 3:
    assert_allclose(got.full(), [[0, 2, 1], [2, 0, 0], [1, 0, 0]])
    assert build_weights(str(tmp_path / "w.gwt")).ids == [3, 1, 2]
    with pytest.raises(GeoprocInputError, match="in the weights but not in the regions.*: 3"):
        build_weights(tmp_path / "w.gwt", equator([0, 1], ids=[1, 2]))


def test_centroid_choice_reaches_the_distances(squares):
    """centroid="representative" measures from points inside the polygons."""
    from geoproc.centroid import centroids

    rep = centroids(squares, how="representative")
    pts = gpd.GeoDataFrame({"code": rep["id"]}, geometry=rep.geometry, crs=4326)
    w = inverse_distance_weights(squares, centroid="representative")
    assert_allclose(w.full(), inverse_distance_weights(pts).full(), rtol=1e-12)
    assert w.meta["centroid"] == "representative"
    assert "units" not in w.row_standardize().meta
