"""geoproc.weights.links_frame: one line per linked pair, values by hand and against libpysal."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

import geoproc
from geoproc.errors import GeoprocInputError
from geoproc.weights import SpatialWeights, links_frame


@pytest.fixture()
def grid():
    """Six 1°x1° cells, 3 columns x 2 rows, from (118 E, 30 N); ids 10..15 row by row."""
    return gpd.GeoDataFrame(
        {"code": [10, 11, 12, 13, 14, 15]},
        geometry=[box(118 + i % 3, 30 + i // 3, 119 + i % 3, 31 + i // 3) for i in range(6)],
        crs=4326,
    )


def test_pairs_values_and_scaling_by_hand(grid):
    ids = grid["code"].tolist()
    w = np.zeros((6, 6))
    w[0, 1] = w[1, 0] = 0.4       # symmetric
    w[3, 4], w[4, 3] = 0.1, 0.3   # asymmetric: weight = max = 0.3
    w[5, 2] = 0.2                 # one way only, stored below the diagonal
    out = links_frame(SpatialWeights(w, ids), grid)
    # ordered by the first region's position: (10, 11), (12, 15), (13, 14)
    assert out["from_id"].tolist() == [10, 12, 13]
    assert out["to_id"].tolist() == [11, 15, 14]
    np.testing.assert_array_equal(out["w_from_to"], [0.4, 0.0, 0.1])
    np.testing.assert_array_equal(out["w_to_from"], [0.4, 0.2, 0.3])
    np.testing.assert_array_equal(out["weight"], [0.4, 0.2, 0.3])
    # divided by the largest weight 0.4: 1, 0.5, 0.75
    np.testing.assert_allclose(out["weight_scaled"], [1.0, 0.5, 0.75], rtol=0, atol=1e-15)
    assert out.crs.to_epsg() == 4326
    # line ends are the area centroids: the cells' centres (118.5, 30.5), (119.5, 30.5)
    # up to the small shift of an equal-area centroid of a lon/lat cell (well under 0.002°)
    first = np.asarray(out.geometry.iloc[0].coords)
    np.testing.assert_allclose(first, [[118.5, 30.5], [119.5, 30.5]], atol=2e-3)
    cent = geoproc.centroids(grid)
    np.testing.assert_array_equal(first[0], [cent["lon"].iloc[0], cent["lat"].iloc[0]])
    # representative points lie inside their cells
    rep = links_frame(SpatialWeights(w, ids), grid, centroid="representative")
    for (a, b), (i, j) in zip(rep.geometry.map(lambda g: g.coords), [(0, 1), (2, 5), (3, 4)], strict=True):
        assert grid.geometry.iloc[i].contains(gpd.points_from_xy([a[0]], [a[1]])[0])
        assert grid.geometry.iloc[j].contains(gpd.points_from_xy([b[0]], [b[1]])[0])


def test_regions_in_another_order_and_crs(grid):
    """Weights ids in one order, regions in another (and projected): same pairs."""
    ids = grid["code"].tolist()
    w = np.zeros((6, 6))
    w[0, 1] = w[1, 0] = 2.0
    w[2, 3] = w[3, 2] = 8.0
    shuffled = grid.iloc[[5, 3, 1, 0, 2, 4]].to_crs(32650)
    out = links_frame(SpatialWeights(w, ids), shuffled)
    # region order 15, 13, 11, 10, 12, 14: pairs (13, 12) then (11, 10)
    assert list(zip(out["from_id"], out["to_id"], strict=True)) == [(13, 12), (11, 10)]
    np.testing.assert_array_equal(out["weight"], [8.0, 2.0])
    np.testing.assert_array_equal(out["weight_scaled"], [1.0, 0.25])  # 8/8, 2/8
    assert out.crs.to_epsg() == 4326


def test_queen_links_match_libpysal(grid):
    """Binary queen weights of the 3 x 2 grid: the pairs are libpysal's, each scaled to 1."""
    from libpysal.weights import Queen

    q = Queen.from_dataframe(grid, ids=grid["code"].tolist(), use_index=False)
    want = {(min(a, b), max(a, b)) for a, nb in q.neighbors.items() for b in nb}
    out = links_frame(geoproc.queen_weights(grid), grid)
    assert set(zip(out["from_id"], out["to_id"], strict=True)) == want
    # 3 x 2 queen grid by hand: 2 x 2 horizontal + 3 vertical + 2 x 2 diagonal pairs = 11 lines
    assert len(out) == 11
    np.testing.assert_array_equal(out["weight"], np.ones(11))  # binary
    np.testing.assert_array_equal(out["weight_scaled"], np.ones(11))


def test_negative_weight_names_the_pair_and_zeros_are_no_link(grid):
    ids = grid["code"].tolist()
    w = np.zeros((6, 6))
    w[0, 1] = 0.5
    w[5, 0] = -0.2
    with pytest.raises(GeoprocInputError, match="negative weight -0.2 from 15 to 10"):
        links_frame(SpatialWeights(w, ids), grid)
    empty = links_frame(SpatialWeights(np.zeros((6, 6)), ids), grid)
    assert len(empty) == 0 and list(empty.columns[:6]) == [
        "from_id", "to_id", "w_from_to", "w_to_from", "weight", "weight_scaled"]
    with pytest.raises(GeoprocInputError, match="in the weights but not in the regions: 7"):
        links_frame(SpatialWeights(np.zeros((7, 7)), ids + [7]), grid)


def test_the_input_is_not_modified(grid):
    before = grid.copy()
    links_frame(geoproc.queen_weights(grid), grid)
    assert grid.equals(before) and grid.crs == before.crs
