"""``geoproc.weights.build_weight_set``: several named matrices from specs (CLI and QGIS tools)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import geoproc
from geoproc.errors import GeoprocInputError
from geoproc.weights import build_weight_set


@pytest.fixture(scope="module")
def grid():
    """A 3 x 3 grid of 0.5-degree cells (codes 1..9, row by row) and a far-away cell 10."""
    cells = [box(110 + 0.5 * c, 30 + 0.5 * r, 110.5 + 0.5 * c, 30.5 + 0.5 * r) for r in range(3) for c in range(3)]
    cells.append(box(114, 34, 114.5, 34.5))  # an island, nearest to cell 9 (the top-right one)
    return gpd.GeoDataFrame({"code": list(range(1, 11))}, geometry=cells, crs="EPSG:4326")


def neighbours(w, i):
    row = w.full()[w.ids.index(i)]
    return sorted(w.ids[j] for j in np.flatnonzero(row))


@pytest.mark.slow  # the first contiguity/knn build of a session pays for imports and compilation (~8 s)
def test_named_matrices_in_order_by_hand(grid):
    ws = build_weight_set(["queen", "R=rook", "K2 = knn:2"], grid, id="code", islands="keep")
    assert list(ws) == ["queen", "R", "K2"]
    # by hand on the 3 x 3 grid: cell code = 3 row + col + 1; rook neighbours share an edge
    # (|dr| + |dc| = 1), queen neighbours also a corner (max(|dr|, |dc|) = 1)
    for i in range(1, 10):
        r, c = divmod(i - 1, 3)
        others = [(j, *divmod(j - 1, 3)) for j in range(1, 10) if j != i]
        assert neighbours(ws["R"], i) == [j for j, rr, cc in others if abs(rr - r) + abs(cc - c) == 1], i
        assert neighbours(ws["queen"], i) == [j for j, rr, cc in others if max(abs(rr - r), abs(cc - c)) == 1], i
    # centre cell 5: rook neighbours 2, 4, 6, 8; queen adds the corners
    assert neighbours(ws["R"], 5) == [2, 4, 6, 8]
    assert neighbours(ws["queen"], 5) == [1, 2, 3, 4, 6, 7, 8, 9]
    assert neighbours(ws["queen"], 10) == []  # kept as an island
    assert (ws["K2"].full() > 0).sum(axis=1).tolist() == [2] * 10


def test_islands_nearest_links_the_island(grid):
    ws = build_weight_set("queen", grid, id="code", islands="nearest")
    assert neighbours(ws["queen"], 10) == [9]


def test_row_standardize_and_single_spec(grid):
    w = build_weight_set("rook", grid, id="code", islands="keep", row_standardize=True)["rook"]
    # cell 1 (a corner) has rook neighbours 2 and 4: 1/2 each
    row = w.full()[w.ids.index(1)]
    assert row[w.ids.index(2)] == 0.5 and row[w.ids.index(4)] == 0.5


def test_gravity_takes_the_panel_columns(grid):
    data = pd.DataFrame({"prov": np.repeat(range(1, 11), 2), "t": [2020, 2021] * 10,
                         "mass": np.arange(20, dtype=float) + 1})
    ws = build_weight_set(["G=gravity:mass"], grid, data, id="code", data_id="prov", year_column="t")
    want = geoproc.gravity_weights(grid, data, id="code", mass_column="mass", mass_id="prov", year_column="t")
    np.testing.assert_allclose(ws["G"].full(), want.full(), rtol=1e-15)


def test_weights_file_with_equals_sign_in_its_path(grid, tmp_path):
    w = geoproc.rook_weights(grid, id="code", islands="keep")
    path = tmp_path / "a=b.gal"
    geoproc.write_weights(w, path)
    ws = build_weight_set([str(path), f"F={path}"])  # files need no regions
    assert list(ws) == [str(path), "F"]
    np.testing.assert_array_equal(ws["F"].full(), w.full())


@pytest.mark.parametrize(("specs", "kwargs", "message"), [
    (["queen"], {"regions": None}, r"weights 'queen' are built from regions; give the regions"),
    (["W=queen", "W=rook"], {}, r"two weights are called 'W'"),
    (["queens"], {}, r"unknown weights 'queens'"),
    (["queen"], {"islands": "ignore"}, r"islands must be raise, keep, drop or nearest"),
    (["gravity:mass"], {}, r"need a data table with the column 'mass'"),
])
def test_bad_specs_are_named(grid, specs, kwargs, message):
    kw = {"regions": grid, "id": "code", **kwargs}
    with pytest.raises(GeoprocInputError, match=message):
        build_weight_set(specs, **kw)


def test_weights_file_islands_nearest_links_them_by_centroid_distance(grid, tmp_path):
    w = geoproc.queen_weights(grid, id="code", islands="keep")
    path = tmp_path / "queen.gal"
    geoproc.write_weights(w, path)
    # by hand: cell 10 ([114, 114.5] x [34, 34.5]) is nearest to cell 9 ([111, 111.5] x [31, 31.5]),
    # the grid's top-right cell, as for queen weights built here
    ws = build_weight_set([str(path)], grid, id="code", islands="nearest")
    got = ws[str(path)]
    assert neighbours(got, 10) == [9] and 10 in neighbours(got, 9)
    assert got.meta["islands_linked"] == {10: [9]} and got.meta["centroid"] == "area"
    # without the regions, a message that says what works (not "--islands nearest" again)
    with pytest.raises(GeoprocInputError, match=r"queen\.gal has 1 island.*10.*needs the regions.*--islands keep"):
        build_weight_set([str(path)], islands="nearest")
    # other policies leave the island for the statistic
    assert build_weight_set([str(path)], islands="keep")[str(path)].islands == [10]
