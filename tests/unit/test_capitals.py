"""Provincial capitals as region points, and the centroid-outside warning on shipped data."""

import warnings

import numpy as np
import pytest
import shapely

import geoproc
from geoproc.centroid import CentroidOutsideWarning, centroids, provincial_capitals
from geoproc.errors import GeoprocInputError


@pytest.fixture(scope="module")
def provinces():
    return geoproc.load_boundaries("china_provinces")


def test_capitals_table_each_inside_its_province(provinces):
    caps = provincial_capitals()
    assert len(caps) == 31 and caps["code"].is_unique
    assert set(caps["code"]) == set(provinces["code"])
    assert caps["source"].str.contains("GeoNames").all()
    shapes = provinces.set_index("code").geometry
    for row in caps.itertuples():
        assert shapes[row.code].covers(shapely.Point(row.lon, row.lat)), row.capital_en


def test_beijing_shanghai_distance_between_capitals(provinces):
    from pyproj import Geod

    pts = centroids(provinces, how="capital").set_index("id")
    assert (pts["method"] == "capital").all() and pts["inside"].all()
    # the geodesic between GeoNames' Beijing (39.9075 N, 116.39723 E) and Shanghai
    # (31.22222 N, 121.45806 E) on WGS84, computed here by pyproj: about 1,067 km
    _, _, metres = Geod(ellps="WGS84").inv(116.39723, 39.9075, 121.45806, 31.22222)
    d = geoproc.distance_matrix(provinces, id="code", how="capital")
    assert d.loc[110000, 310000] == pytest.approx(metres / 1000, rel=1e-9)
    assert 1060 < d.loc[110000, 310000] < 1075


def test_capital_needs_province_codes():
    cities = geoproc.load_boundaries("yrd_cities")
    with pytest.raises(GeoprocInputError, match=r"no capital for 320100, 320200"):
        centroids(cities, how="capital")


def test_shipped_layers_run_without_the_warning(provinces):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CentroidOutsideWarning)
        pts = centroids(provinces)
        centroids(geoproc.load_boundaries("yrd_cities"))
        centroids(provinces.to_crs(3857))  # the same shapes after a CRS round trip
    # the area centroids are still outside for Hainan and Gansu: only the warning is gone
    assert sorted(pts.loc[~pts["inside"], "id"]) == [460000, 620000]


def test_a_changed_shape_warns_once_per_process(provinces):
    moved = provinces.copy()
    i = int(np.flatnonzero(moved["code"] == 620000)[0])
    # Gansu nudged 0.01 degrees: no longer the documented shipped geometry
    moved.loc[i, "geometry"] = shapely.affinity.translate(moved.geometry.iloc[i], 0.01, 0)
    with pytest.warns(CentroidOutsideWarning, match=r"for 620000;"):
        centroids(moved)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CentroidOutsideWarning)
        centroids(moved)  # the same regions again: not repeated
