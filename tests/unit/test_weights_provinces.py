"""Weights on the shipped boundaries, checked against libpysal and pyproj.

All slow: contiguity and centroids on the full-detail provinces take seconds each.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from geoproc.weights import (
    SpatialWeights,
    knn_weights,
    queen_weights,
    read_weights,
    rook_weights,
    write_weights,
)

pytestmark = pytest.mark.slow

HAINAN, GUANGDONG, GUANGXI = 460000, 440000, 450000


@pytest.fixture(scope="module")
def provinces():
    from geoproc.boundaries import load_boundaries

    return load_boundaries("china_provinces")


@pytest.fixture(scope="module")
def queen(provinces):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w = queen_weights(provinces)
    return w, [str(c.message) for c in caught]


def test_hainan_is_the_only_island_and_named(queen):
    w, messages = queen
    assert w.n == 31 and w.islands == [HAINAN]
    island_msgs = [m for m in messages if "island" in m]
    assert len(island_msgs) == 1 and "460000 (Hainan)" in island_msgs[0]


def test_queen_matches_libpysal(provinces, queen):
    from libpysal.weights import Queen

    w, _ = queen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lq = Queen.from_dataframe(provinces, ids=provinces["code"].tolist(), use_index=False)
    full, ids = lq.full()
    assert ids == w.ids
    assert_allclose(w.full(), full)
    # a few neighbourhoods anyone can check on a map
    f = w.to_frame()
    jiangsu = set(f.columns[f.loc[320000] == 1])
    assert jiangsu == {310000, 330000, 340000, 370000}  # Shanghai, Zhejiang, Anhui, Shandong
    assert f.loc[310000].sum() == 2  # Shanghai: Jiangsu and Zhejiang


def test_rook_matches_libpysal_on_yrd_cities():
    from libpysal.weights import Rook

    from geoproc.boundaries import load_boundaries

    cities = load_boundaries("yrd_cities")
    w = rook_weights(cities)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr = Rook.from_dataframe(cities, ids=cities["code"].tolist(), use_index=False)
    assert_allclose(w.full(), lr.full()[0])
    assert w.islands == []


def test_islands_nearest_links_hainan_to_its_nearest_centroid(provinces, queen):
    """The nearest province to Hainan, computed independently: area centroids in a
    Lambert azimuthal equal-area projection centred on each province (pyproj +
    shapely), then pyproj's WGS84 geodesic."""
    import shapely
    from pyproj import Geod, Transformer

    geod = Geod(ellps="WGS84")
    lon, lat = [], []
    for geom in provinces.to_crs(4326).geometry:
        c0 = geom.centroid  # only to centre the projection
        laea = f"+proj=laea +lat_0={c0.y} +lon_0={c0.x} +datum=WGS84"
        fwd = Transformer.from_crs(4326, laea, always_xy=True)
        c = shapely.transform(geom, lambda xy, f=fwd: np.c_[f.transform(xy[:, 0], xy[:, 1])]).centroid
        x, y = Transformer.from_crs(laea, 4326, always_xy=True).transform(c.x, c.y)
        lon.append(x)
        lat.append(y)
    codes = provinces["code"].tolist()
    i = codes.index(HAINAN)
    d = np.array(geod.inv([lon[i]] * len(codes), [lat[i]] * len(codes), lon, lat)[2])
    d[i] = np.inf
    nearest = codes[int(np.argmin(d))]
    assert nearest in (GUANGDONG, GUANGXI)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # centroid-outside warnings from geoproc.centroids
        w = queen_weights(provinces, islands="nearest")
    f = w.to_frame()
    assert f.loc[HAINAN].sum() == 1 and f.loc[HAINAN, nearest] == 1 and f.loc[nearest, HAINAN] == 1
    assert w.islands == [] and w.meta["islands_linked"] == {HAINAN: [nearest]}
    assert "Hainan" in w.meta["islands_linked_names"]
    # everything else as plain queen
    q = queen[0].to_frame()
    q.loc[HAINAN, nearest] = q.loc[nearest, HAINAN] = 1
    assert_allclose(f.to_numpy(), q.to_numpy())


def test_knn_matches_libpysal_knn(provinces):
    """libpysal's KNN (arc distance on a sphere) on the same centroids as our haversine knn."""
    import geopandas as gpd
    from libpysal.weights import KNN

    from geoproc.centroid import centroids

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cen = centroids(provinces)
        wg = knn_weights(provinces, k=4)  # polygons -> area centroids -> geodesic
    pts = gpd.GeoDataFrame({"code": cen["id"]}, geometry=cen.geometry, crs=4326)
    w = knn_weights(pts, k=4, method="haversine")
    lk = KNN.from_array(np.c_[cen["lon"], cen["lat"]], k=4, radius=6371.0088,
                        ids=provinces["code"].tolist())
    assert_allclose(w.full(), lk.full()[0])
    # the ellipsoid may swap a near tie at the 4th neighbour, nothing more
    assert (wg.full() != w.full()).sum() <= 4


def test_round_trips_on_provinces(tmp_path, queen):
    """CSV, GAL and GWT files and libpysal W / Graph give back the same weights."""
    w, _ = queen
    r = w.row_standardize()
    back = read_weights(write_weights(r, tmp_path / "q.csv"))
    assert back.ids == w.ids and np.array_equal(back.full(), r.full())
    with pytest.warns(UserWarning):  # GAL: values not stored
        write_weights(r, tmp_path / "q.gal")
    gal = read_weights(tmp_path / "q.gal")
    assert np.array_equal(gal.full(), w.full())
    with pytest.warns(UserWarning, match="460000"):  # GWT cannot carry the island
        write_weights(r, tmp_path / "q.gwt")
    with pytest.warns(UserWarning, match="only 30"):
        gwt = read_weights(tmp_path / "q.gwt")
    keep = [i for i in w.ids if i != HAINAN]
    assert_allclose(gwt.to_frame().loc[keep, keep].to_numpy(),
                    r.to_frame().loc[keep, keep].to_numpy(), rtol=0, atol=0)
    assert_allclose(SpatialWeights.from_W(r.to_W()).full(), r.full())
    g = r.to_graph()
    assert g.transformation == "R" and list(g.isolates) == [HAINAN]
    assert_allclose(SpatialWeights.from_graph(g).full(), r.full())
    # libpysal reads our GAL with the same neighbours
    import libpysal

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lw = libpysal.io.open(str(tmp_path / "q.gal")).read()
    assert {int(k): sorted(int(x) for x in v) for k, v in lw.neighbors.items()} == {
        i: sorted(w.ids[j] for j in np.flatnonzero(w.full()[n])) for n, i in enumerate(w.ids)
    }
