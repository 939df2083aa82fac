"""Spatial-index neighbours (geoproc._neighbours) against the dense distance matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoproc._neighbours import knn_pairs, pairs_within
from geoproc.distances import distance_matrix


@pytest.fixture(scope="module")
def pts():
    rng = np.random.default_rng(0)
    # scattered points over China plus a 0.1-degree grid: the grid's east and west
    # neighbours are exactly as far, so ties at the k-th distance are exercised
    lon = np.r_[rng.uniform(75, 134, 900), 110 + 0.1 * (np.arange(400) % 20), [179.9, -179.9]]
    lat = np.r_[rng.uniform(18, 53, 900), 30 + 0.1 * (np.arange(400) // 20), [10.0, 10.0]]
    d = distance_matrix(pd.DataFrame({"lon": lon, "lat": lat})).to_numpy()
    return lon, lat, d


@pytest.mark.parametrize("k", [1, 4, 8, 30])
def test_knn_equals_dense_stable_argsort(pts, k):
    lon, lat, d = pts
    dd = d.copy()
    np.fill_diagonal(dd, np.inf)
    ref = np.argsort(dd, axis=1, kind="stable")[:, :k]  # the dense path: ties by index
    nb, dist = knn_pairs(lon, lat, k)
    assert np.array_equal(nb, ref)
    assert np.array_equal(dist, np.take_along_axis(d, ref, 1))  # same kernel: same bits
    assert nb[-1, 0] == len(lon) - 2  # across the antimeridian


def test_knn_all_other_points(pts):
    lon, lat, d = pts
    lon, lat, d = lon[:50], lat[:50], d[:50, :50]
    nb, dist = knn_pairs(lon, lat, 49)
    assert all(sorted(r) == sorted(set(range(50)) - {i}) for i, r in enumerate(nb.tolist()))


@pytest.mark.parametrize("cutoff", [30.0, 400.0])
def test_pairs_within_equal_dense_band(pts, cutoff):
    lon, lat, d = pts
    indptr, cols, km = pairs_within(lon, lat, cutoff)
    mask = d <= cutoff
    np.fill_diagonal(mask, False)
    r, c = np.nonzero(mask)
    assert np.array_equal(np.repeat(np.arange(len(lon)), np.diff(indptr)), r)
    assert np.array_equal(cols, c)
    assert np.array_equal(km, d[r, c])


def test_haversine_knn_agrees_with_dense(pts):
    lon, lat, _ = pts
    d = distance_matrix(pd.DataFrame({"lon": lon, "lat": lat}), method="haversine").to_numpy().copy()
    np.fill_diagonal(d, np.inf)
    ref = np.sort(d, axis=1)[:, :6]
    _, dist = knn_pairs(lon, lat, 6, method="haversine")
    # NumPy's vectorised trig differs in the last bit between block shapes, so exact ties
    # may swap; the k distances agree to rounding
    np.testing.assert_allclose(dist, ref, rtol=0, atol=1e-9)


def test_knn_and_cutoff_weights_equal_the_dense_builders():
    import geopandas as gpd

    from geoproc.boundaries import read_regions
    from geoproc.weights._inputs import distances_km, load_regions
    from geoproc.weights.distance_based import (
        inverse_distance_matrix,
        inverse_distance_weights,
        knn_matrix,
        knn_weights,
    )

    cities = read_regions("yrd_cities")
    gdf, ids, field = load_regions(cities, None)
    d = distances_km(gdf, ids, field)  # the dense N x N path the weights used to take
    w = knn_weights(cities, 5)
    assert (w.sparse != knn_matrix(d, 5)).nnz == 0
    idw = inverse_distance_weights(cities, power=2, cutoff_km=150)
    dense = inverse_distance_matrix(d, 2, 150)
    assert np.array_equal(idw.sparse.toarray(), dense)  # same bits
    assert isinstance(gdf, gpd.GeoDataFrame)


def test_knn_weights_beyond_dense_memory_and_dense_guard(monkeypatch):
    # 60,000 points: the dense matrix would need 29 GB (3 copies: 86 GB)
    import geopandas as gpd

    from geoproc.errors import GeoprocInputError
    from geoproc.weights.distance_based import inverse_distance_weights, knn_weights

    rng = np.random.default_rng(3)
    n = 60_000
    pts = gpd.GeoDataFrame({"code": np.arange(n)},
                           geometry=gpd.points_from_xy(rng.uniform(75, 134, n), rng.uniform(18, 53, n)),
                           crs=4326)
    w = knn_weights(pts, 6)
    assert w.sparse.nnz == 6 * n and (w.sparse.diagonal() == 0).all()
    # 4 GiB budget, whatever this machine has: the guard must refuse before allocating
    monkeypatch.setenv("GEOPROC_MAX_MEMORY", "4G")
    with pytest.raises(GeoprocInputError, match="dense 60,000 x 60,000"):
        inverse_distance_weights(pts, power=1)


def test_island_links_from_the_index_equal_the_dense_ones():
    from geoproc.boundaries import read_regions
    from geoproc.weights._inputs import distances_km, labels, load_regions
    from geoproc.weights.contiguity import link_islands, queen_weights

    provinces = read_regions("china_provinces")
    gdf, ids, field = load_regions(provinces, None)
    kept = queen_weights(provinces, islands="keep")
    dense = link_islands(kept, distances_km(gdf, ids, field), 3, labels(gdf, ids))
    got = queen_weights(provinces, islands="nearest", k_island=3)
    assert got.meta["islands_linked"] == dense.meta["islands_linked"]
    assert (got.sparse != dense.sparse).nnz == 0
    assert 440000 in got.meta["islands_linked"][460000]  # Hainan -> Guangdong first


def test_link_nearest_uses_the_index_and_equals_the_dense_links(monkeypatch):
    from geoproc.boundaries import read_regions
    from geoproc.weights import _inputs
    from geoproc.weights._inputs import distances_km, labels, load_regions
    from geoproc.weights.build import link_nearest
    from geoproc.weights.contiguity import link_islands, queen_weights

    provinces = read_regions("china_provinces")
    gdf, ids, field = load_regions(provinces, None)
    kept = queen_weights(provinces, islands="keep")
    assert 460000 in kept.islands  # Hainan has no land border
    # the dense recipe: argsort of each island's row of the N x N centroid distances
    dense = link_islands(kept, distances_km(gdf, ids, field), 1, labels(gdf, ids))

    def no_matrix(*a, **k):
        raise AssertionError("N x N distance matrix built")

    monkeypatch.setattr(_inputs, "distances_km", no_matrix)
    got = link_nearest(kept, provinces)
    assert got.meta["islands_linked"] == dense.meta["islands_linked"]
    # Hainan -> Guangxi: its area centroid is nearer Hainan's than Guangdong's is
    assert got.meta["islands_linked"][460000] == [450000]
    assert (got.sparse != dense.sparse).nnz == 0


def test_gravity_refuses_its_dense_size_before_building(monkeypatch):
    from geoproc.boundaries import read_regions
    from geoproc.errors import GeoprocInputError
    from geoproc.weights import gravity

    provinces = read_regions("china_provinces")
    masses = pd.Series(1.0, index=provinces["code"])
    monkeypatch.setattr(gravity, "distances_km", lambda *a, **k: pytest.fail("distances built"))
    # 3 x 8 bytes x n^2 for n provinces is ~28 KB: over a 10 KB budget
    monkeypatch.setenv("GEOPROC_MAX_MEMORY", "10K")
    n = len(provinces)
    with pytest.raises(GeoprocInputError, match=rf"gravity weights for {n:,} regions \(a dense {n} x {n} "
                       r"matrix.*needs about .* of memory.*knn:K") as e:
        gravity.gravity_weights(provinces, masses)
    assert "\n" not in str(e.value)
    monkeypatch.delenv("GEOPROC_MAX_MEMORY")
    monkeypatch.undo()
    assert gravity.gravity_weights(provinces, masses).sparse.shape == (n, n)
