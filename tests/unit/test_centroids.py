"""Area centroids in an equal-area frame, checked against hand-computed centroids."""

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LineString, Point, Polygon, box

from geoproc.centroid import CentroidOutsideWarning, centroids
from geoproc.errors import GeoprocInputError

# an equal-area frame in which the shapes below are drawn, in metres
LAEA = CRS.from_proj4("+proj=laea +lat_0=30 +lon_0=110 +ellps=WGS84 +units=m +no_defs")
TO_LONLAT = Transformer.from_crs(LAEA, 4326, always_xy=True)


def _lonlat(x, y):
    lon, lat = TO_LONLAT.transform(x, y)
    return float(lon), float(lat)


def _close(row, lon, lat, metres):
    # 1e-5 degree ~ 1.1 m of latitude
    assert abs(row["lon"] - lon) * 111e3 * np.cos(np.radians(lat)) <= metres
    assert abs(row["lat"] - lat) * 111e3 <= metres


def test_square_and_l_shape_by_hand():
    # unit = 10 km; square [0, 2]^2 units: centroid (1, 1) units = (10 km, 10 km)
    square = box(0, 0, 20_000, 20_000)
    # L of three unit squares [0,1]x[0,1], [1,2]x[0,1], [0,1]x[1,2]:
    # x = (0.5 + 1.5 + 0.5) / 3 = 0.8333 units, y = (0.5 + 0.5 + 1.5) / 3 = 0.8333 units
    ell = Polygon([(0, 0), (20_000, 0), (20_000, 10_000), (10_000, 10_000), (10_000, 20_000), (0, 20_000)])
    g = gpd.GeoDataFrame({"code": ["sq", "L"]}, geometry=[square, ell], crs=LAEA)
    c = centroids(g)
    assert list(c["id"]) == ["sq", "L"]
    assert c.crs.to_epsg() == 4326
    assert c.attrs["method"] == "area" and list(c["method"]) == ["area", "area"]
    assert c["inside"].all()
    # geoproc's own LAEA frame is centred on each region, not on (110E, 30N): the same
    # vertices joined by straight lines in that frame bound a slightly different shape
    # (centimetres over 20 km), hence 5 cm rather than round-off
    _close(c.iloc[0], *_lonlat(10_000, 10_000), metres=0.05)
    _close(c.iloc[1], *_lonlat(25_000 / 3, 25_000 / 3), metres=0.05)
    assert c.geometry.x.tolist() == c["lon"].tolist()


def test_area_centroid_is_not_the_lonlat_centroid():
    # 20 x 40 degree box from 20N to 60N: more area lies at low latitudes, so the area
    # centroid is south of the degree-box centre (40N); a band's area is proportional to
    # sin(lat2) - sin(lat1), and half of it lies below asin((sin 20 + sin 60) / 2) = 37.16 N
    g = gpd.GeoDataFrame({"code": [1]}, geometry=[box(100, 20, 120, 60)], crs=4326)
    lat = centroids(g)["lat"].iloc[0]
    assert lat < 39.0


def test_centroid_is_the_fixed_point_of_its_own_equal_area_frame():
    # geopandas/pyproj alone: project each province into an LAEA frame centred on
    # geoproc's centroid, take shapely's planar centroid there, and map it back; it
    # must land on the same point (the definition in geoproc.centroids), within 1 cm.
    # Inner Mongolia (150000) is the hard case: a bounding-box-centred frame is 833 m off.
    from geoproc.boundaries import load_boundaries

    prov = load_boundaries("china_provinces")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CentroidOutsideWarning)
        c = centroids(prov)
    geod = Geod(ellps="WGS84")
    worst = 0.0
    for geom, lon, lat in zip(prov.to_crs(4326).geometry, c["lon"], c["lat"], strict=True):
        crs = CRS.from_proj4(f"+proj=laea +lat_0={lat!r} +lon_0={lon!r} +ellps=WGS84 +units=m")
        p = gpd.GeoSeries([geom], crs=4326).to_crs(crs).centroid.iloc[0]
        lon2, lat2 = Transformer.from_crs(crs, 4326, always_xy=True).transform(p.x, p.y)
        worst = max(worst, geod.inv(lon, lat, lon2, lat2)[2])
    assert worst < 0.01


def test_result_does_not_depend_on_input_crs_or_other_regions():
    g = gpd.GeoDataFrame(
        {"code": [1, 2, 3]},
        geometry=[box(100, 20, 104, 25), box(118, 30, 122.5, 33), box(80, 40, 90, 48)],
        crs=4326,
    )
    ref = centroids(g)
    for crs in (3857, LAEA, "EPSG:32650"):
        other = centroids(g.to_crs(crs))
        np.testing.assert_allclose(other[["lon", "lat"]], ref[["lon", "lat"]], atol=1e-9)
    alone = centroids(g.iloc[[1]])
    np.testing.assert_allclose(alone[["lon", "lat"]], ref.iloc[[1]][["lon", "lat"]], atol=0)


def _crescent():
    # disc R = 10 km at the origin minus disc r = 7 km at (2.5 km, 0):
    # x = (0 * pi R^2 - 2.5 * pi r^2) / (pi (R^2 - r^2)) = -2.5 * 49 / 51 = -2.402 km, y = 0;
    # that point lies in the removed disc (which spans x from -4.5 to 9.5 km)
    big = Point(0, 0).buffer(10_000, quad_segs=256)
    hole = Point(2_500, 0).buffer(7_000, quad_segs=256)
    return big.difference(hole)


def test_crescent_centroid_is_outside_and_named():
    g = gpd.GeoDataFrame({"code": ["moon", "sq"]}, geometry=[_crescent(), box(0, 0, 1000, 1000)], crs=LAEA)
    with pytest.warns(CentroidOutsideWarning, match=r"moon.*how='representative'") as rec:
        c = centroids(g)
    assert "sq" not in str(rec[0].message)
    assert c["inside"].tolist() == [False, True]
    # polygonised discs: within 10 m of the exact -2.402 km
    _close(c.iloc[0], *_lonlat(-2_500 * 49 / 51, 0), metres=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = centroids(g, how="representative")
    assert r["inside"].all() and r.attrs["method"] == "representative"
    assert r.to_crs(LAEA).geometry.iloc[0].within(_crescent())


def test_points_pass_through_and_index_kept():
    g = gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=[Point(116.4, 39.9), box(0, 0, 1, 1)], crs=4326, index=[10, 20]
    )
    c = centroids(g, id="name")
    assert list(c.index) == [10, 20]
    assert (c.loc[10, "lon"], c.loc[10, "lat"], c.loc[10, "method"]) == (116.4, 39.9, "point")
    assert c.loc[20, "method"] == "area"


def test_region_across_the_dateline():
    # one region in two parts at 179..180 and -180..-179, 0..1 N: centroid on the 180th meridian
    part = gpd.GeoSeries([box(179, 0, 180, 1).union(box(-180, 0, -179, 1))], crs=4326)
    c = centroids(gpd.GeoDataFrame({"code": ["fiji"]}, geometry=part))
    assert abs(abs(c["lon"].iloc[0]) - 180.0) < 1e-9
    assert 0.49 < c["lat"].iloc[0] < 0.51


def test_bad_input_is_named():
    with pytest.raises(GeoprocInputError, match="no coordinate reference system"):
        centroids(gpd.GeoDataFrame({"code": [1]}, geometry=[box(0, 0, 1, 1)]))
    with pytest.raises(GeoprocInputError, match=r"road \(LineString\)"):
        centroids(gpd.GeoDataFrame({"code": ["road"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=4326))
    with pytest.raises(GeoprocInputError, match="duplicate"):
        centroids(gpd.GeoDataFrame({"code": [1, 1]}, geometry=[box(0, 0, 1, 1)] * 2, crs=4326))
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    with pytest.raises(GeoprocInputError, match="invalid geometry for bow"):
        centroids(gpd.GeoDataFrame({"code": ["bow"]}, geometry=[bowtie], crs=4326))
    with pytest.raises(GeoprocInputError, match="how"):
        centroids(gpd.GeoDataFrame({"code": [1]}, geometry=[box(0, 0, 1, 1)], crs=4326), how="mean")
    with pytest.raises(GeoprocInputError, match="GeoDataFrame"):
        centroids(pd.DataFrame({"code": [1]}))


def test_input_not_modified():
    g = gpd.GeoDataFrame({"code": [1]}, geometry=[box(0, 0, 1, 1)], crs=3857)
    before = g.copy()
    centroids(g)
    pd.testing.assert_frame_equal(g, before)


def test_public_name_works_in_any_import_order():
    # importing geoproc.centroids (the module, e.g. via geoproc.distances) binds the
    # package attribute to the module; it must still be callable as the function
    import subprocess
    import sys

    code = (
        "import geoproc, geoproc.distances, geopandas as gpd\n"
        "from shapely.geometry import box\n"
        "g = gpd.GeoDataFrame({'code': [1]}, geometry=[box(0, 0, 1, 1)], crs=4326)\n"
        "print(round(float(geoproc.centroids(g)['lon'].iloc[0]), 6))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0.5"


def test_largest_is_area_for_single_part_regions():
    # one polygon, and a MultiPolygon with one part: "largest" is exactly "area"
    tri = Polygon([(110, 30), (112, 30), (111, 33)])
    from shapely.geometry import MultiPolygon

    g = gpd.GeoDataFrame({"code": [1, 2]}, geometry=[tri, MultiPolygon([tri])], crs=4326)
    a = centroids(g, how="area")
    big = centroids(g, how="largest")
    assert big["lon"].tolist() == a["lon"].tolist()
    assert big["lat"].tolist() == a["lat"].tolist()
    assert list(big["method"]) == ["largest", "largest"] and big.attrs["method"] == "largest"


def test_largest_part_is_chosen_by_area_on_the_ellipsoid_not_by_square_degrees():
    from shapely.geometry import MultiPolygon

    # part A: 2 x 2 degrees at 59-61N, ~222 km x 111 km * cos(60) * 2 = 222 x 111 = 24,600 km²
    #         (4 square degrees);
    # part B: 1.8 x 1.8 degrees on the equator, ~200 km x 200 km = 40,000 km² (3.24 sq deg)
    # so B is the largest by area, A by square degrees
    a = box(100, 59, 102, 61)
    b = box(100.1, -0.9, 101.9, 0.9)
    geod = Geod(ellps="WGS84")
    area_a = abs(geod.geometry_area_perimeter(a)[0])
    area_b = abs(geod.geometry_area_perimeter(b)[0])
    assert area_b > area_a and a.area > b.area  # the premise, checked by pyproj
    g = gpd.GeoDataFrame({"code": [1]}, geometry=[MultiPolygon([a, b])], crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CentroidOutsideWarning)
        c = centroids(g, how="largest").iloc[0]
        whole = centroids(g, how="area").iloc[0]
    # B is symmetric about the equator and about 101E: its area centroid is (101, 0)
    _close(c, 101.0, 0.0, metres=0.01)
    assert c["inside"]
    assert whole["lat"] > 10  # the whole region's centroid lies between the parts


@pytest.fixture(scope="module")
def provinces():
    from geoproc.boundaries import load_boundaries

    return load_boundaries("china_provinces")


def test_hainan_largest_centroid_is_hainan_islands(provinces):
    import shapely

    hainan = provinces.loc[provinces["code"] == 460000].geometry.iloc[0]
    # independently: the largest part by geodesic area (pyproj), its centroid in an
    # equal-area LAEA frame centred on the island (pyproj + shapely)
    geod = Geod(ellps="WGS84")
    parts = shapely.get_parts(hainan)
    island = max(parts, key=lambda p: abs(geod.geometry_area_perimeter(p)[0]))
    laea = CRS.from_proj4("+proj=laea +lat_0=19.2 +lon_0=109.75 +ellps=WGS84 +units=m")
    fwd = Transformer.from_crs(4326, laea, always_xy=True)
    inv = Transformer.from_crs(laea, 4326, always_xy=True)
    projected = shapely.transform(island, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))
    lon, lat = inv.transform(projected.centroid.x, projected.centroid.y)
    assert abs(lon - 109.75) < 0.01 and abs(lat - 19.19) < 0.01  # near 109.75E, 19.19N

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CentroidOutsideWarning)  # Gansu's crescent
        area = centroids(provinces).set_index("id")
        largest = centroids(provinces, how="largest").set_index("id")
    # a frame centred 1-2 km off the fixed point moves the centroid by centimetres
    _close(largest.loc[460000], lon, lat, metres=1.0)
    assert largest.loc[460000, "inside"]
    # the default stays the area centroid of all parts, at sea south of the island
    # (Sansha's reefs), more than 150 km from the island's centroid
    _, _, d = geod.inv(area.loc[460000, "lon"], area.loc[460000, "lat"], lon, lat)
    assert d > 150e3 and not area.loc[460000, "inside"]


def test_shipped_layer_name_and_file_path_are_accepted(provinces, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CentroidOutsideWarning)
        by_name = centroids("china_provinces")
        by_frame = centroids(provinces)
        path = tmp_path / "p.gpkg"
        provinces.to_file(path, engine="pyogrio")
        by_path = centroids(path)
    assert by_name["id"].tolist() == by_frame["id"].tolist() == by_path["id"].tolist()
    lonlat = by_name[["lon", "lat"]].to_numpy()
    assert np.array_equal(lonlat, by_frame[["lon", "lat"]].to_numpy())
    assert np.allclose(by_path[["lon", "lat"]].to_numpy(), lonlat, atol=1e-12)
    with pytest.raises(GeoprocInputError, match="china_provinces"):
        centroids("no_such_layer")
