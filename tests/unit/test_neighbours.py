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
