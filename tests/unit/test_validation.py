"""The shared point validators of geoproc.validation (used by read_points, kernel_density, point_density)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPoint, Point

from geoproc.errors import GeoprocInputError
from geoproc.validation import (
    PointLabels,
    check_geographic_points,
    check_lonlat,
    check_point_geometries,
    check_points_frame,
    lonlat_problems,
)


def test_point_labels_name_and_line_follow_the_index():
    df = pd.DataFrame({"name": ["A", None, "C"], "x": [1, 2, 3]}, index=[0, 1, 2])
    assert list(PointLabels(df)) == ["A (row 0)", "row 1", "C (row 2)"]
    assert list(PointLabels(df, first_line=2)) == ["A (line 2)", "line 3", "C (line 4)"]
    df.attrs["first_line"] = 2
    assert PointLabels(df.iloc[[2]])[0] == "C (line 4)"  # index label 2: file line 4
    assert PointLabels(pd.DataFrame({"名称": ["园区"]}))[0] == "园区 (row 0)"


def test_lonlat_problems_lists_every_kind():
    lon = np.array([121.0, np.nan, 31.0, 350000.0, np.nan])
    lat = np.array([31.0, 30.0, 121.0, 3450000.0, 30.0])
    labels = ["a", "b", "c", "d", "e"]
    skip = np.array([False, False, False, False, True])  # e: reported as text elsewhere
    got = lonlat_problems(lon, lat, labels, skip=skip)
    assert got[0] == "missing coordinates at 1 row(s): b"
    # c alone would look swapped; with d, the metres hint wins (|lon| > 360)
    assert got[1].startswith("coordinates out of lon/lat range at 2 row(s): c (31, 121), d (350000, 3.45e+06)")
    assert "projected metres" in got[1]
    swapped = lonlat_problems(np.array([31.0]), np.array([121.0]), ["c"])
    assert swapped == ["coordinates out of lon/lat range at 1 row(s): c (31, 121); longitude and latitude look swapped"]
    assert lonlat_problems(np.array([180.0]), np.array([-90.0]), ["edge"]) == []


def test_check_lonlat_keeps_its_messages():
    with pytest.raises(GeoprocInputError, match=r"out of lon/lat range at c \(row 0\) \(longitude and latitude look swapped\)"):
        check_lonlat(np.array([31.0]), np.array([121.0]), ["c"])


def test_check_point_geometries():
    geoms = np.array([Point(0, 0), None, MultiPoint([(0, 0), (1, 1)]), LineString([(0, 0), (1, 1)])])
    with pytest.raises(GeoprocInputError, match=r"missing or empty geometry at b$"):
        check_point_geometries(geoms, ["a", "b", "c", "d"])
    ok = geoms[[0, 2, 3]]
    with pytest.raises(GeoprocInputError, match=r"not single points at row 1 \(MultiPoint\), row 2 \(LineString\)"):
        check_point_geometries(ok)
    with pytest.raises(GeoprocInputError, match=r"not point geometries at row 2 \(LineString\)$"):
        check_point_geometries(ok, multipoint=True)
    many = np.array([LineString([(0, 0), (1, 1)])] * 25)
    with pytest.raises(GeoprocInputError, match="and 5 more"):
        check_point_geometries(many)


def test_check_points_frame():
    with pytest.raises(GeoprocInputError, match="must be a GeoDataFrame"):
        check_points_frame(pd.DataFrame({"x": [1]}))
    with pytest.raises(GeoprocInputError, match="no coordinate reference system"):
        check_points_frame(gpd.GeoDataFrame(geometry=[Point(0, 0)]))
    with pytest.raises(GeoprocInputError, match="empty"):
        check_points_frame(gpd.GeoDataFrame(geometry=[], crs=4326))
    assert check_points_frame(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=4326)) is False


def test_check_geographic_points_only_in_degrees():
    swapped = gpd.GeoDataFrame({"name": ["P"]}, geometry=[MultiPoint([(121, 31), (31, 121)])], crs=4326)
    # the second part of P's multipoint is swapped; the message names P
    with pytest.raises(GeoprocInputError, match=r"P \(row 0\) \(31, 121\); longitude and latitude look swapped"):
        check_geographic_points(swapped)
    # the same numbers in a projected CRS are metres: no check
    check_geographic_points(swapped.set_crs(32651, allow_override=True))


# --- layer coordinates against their CRS (polygons as points are) --------------------------
import shapely  # noqa: E402

from geoproc.validation import check_layer_coordinates, require_crs  # noqa: E402


@pytest.fixture(scope="module")
def provinces():
    import geoproc

    return geoproc.load_boundaries("china_provinces")


def _swapped(gdf):
    out = gdf.copy()
    out["geometry"] = shapely.transform(out.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    return out


def test_shipped_layer_passes(provinces):
    check_layer_coordinates(provinces, "china_provinces", provinces["code"].tolist())
    check_layer_coordinates(provinces.to_crs(3857), "p")  # genuinely projected


def test_swapped_polygons_named(provinces):
    bad = _swapped(provinces)
    with pytest.raises(GeoprocInputError) as info:
        check_layer_coordinates(bad, "regions file prov.gpkg", bad["code"].tolist())
    msg = str(info.value)
    # Beijing (110000) is the first row; its swapped vertices have y = longitude ~116 > 90
    assert msg.startswith("regions file prov.gpkg: the layer is labelled EPSG:4326")
    assert "e.g. 110000 (row 0) at (" in msg and "look swapped" in msg and "\n" not in msg
    x, y = (float(v) for v in msg.split("e.g. 110000 (row 0) at (")[1].split(")")[0].split(", "))
    assert 39 < x < 42 and 115 < y < 118  # a Beijing vertex, swapped: (lat, lon)


def test_metres_labelled_degrees_named(provinces):
    bad = provinces.to_crs(3857).set_crs(4326, allow_override=True)
    with pytest.raises(GeoprocInputError, match=r"projected metres labelled as degrees") as info:
        check_layer_coordinates(bad, "prov.gpkg", bad["code"].tolist())
    assert "31 of 31 features" in str(info.value)


def test_degrees_labelled_projected_named(provinces):
    bad = provinces.set_crs(3857, allow_override=True)
    with pytest.raises(GeoprocInputError, match=r"labelled EPSG:3857 \(projected, metres\).*EPSG:4326"):
        check_layer_coordinates(bad, "prov.gpkg")


def test_missing_crs_names_a_feature_and_guesses(provinces):
    bad = provinces.copy().set_crs(None, allow_override=True)
    with pytest.raises(GeoprocInputError, match=r"no coordinate reference system.*e\.g\. row 0 at .*"
                                                r"look like lon/lat degrees"):
        require_crs(bad, "prov.shp")
    bad = provinces.to_crs(3857).set_crs(None, allow_override=True)
    with pytest.raises(GeoprocInputError, match="they look projected"):
        check_layer_coordinates(bad, "prov.shp")


def test_infinite_coordinates_named():
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[
        shapely.box(0, 0, 1, 1), shapely.Polygon([(0, 0), (np.inf, 0), (1, 1)])], crs=4326)
    with pytest.raises(GeoprocInputError, match=r"non-finite coordinates .* 1 of 2 features, e\.g\. b \(row 1\) at \(inf, 0\)"):
        check_layer_coordinates(gdf, "x", gdf["code"].tolist())


@pytest.mark.parametrize("entry", ["read_regions", "centroids", "distance_matrix"])
def test_entry_points_refuse_swapped_regions_before_proj(provinces, entry, tmp_path):
    import geoproc
    from geoproc.boundaries import read_regions

    path = tmp_path / "swapped.gpkg"
    _swapped(provinces).to_file(path)
    call = {"read_regions": lambda: read_regions(path),
            "centroids": lambda: geoproc.centroids(_swapped(provinces)),
            "distance_matrix": lambda: geoproc.distance_matrix(str(path), id="code")}[entry]
    with pytest.raises(GeoprocInputError, match="look swapped"):
        call()


def test_standardize_is_scale_free_and_does_not_overflow():
    from geoproc.validation import standardize

    y = np.array([1.0, 2.0, 4.0, 9.0])
    # by hand: mean 4, population sd sqrt(((-3)^2 + (-2)^2 + 0 + 5^2) / 4) = sqrt(9.5)
    expect = (y - 4.0) / np.sqrt(9.5)
    assert np.allclose(standardize(y), expect, rtol=1e-15)
    assert np.allclose(standardize(y * 1e300), expect, rtol=1e-12)  # y.std() would be inf
    assert np.allclose(standardize(y * 1e-300), expect, rtol=1e-12)
    with pytest.raises(GeoprocInputError, match="cul is constant"):
        standardize(np.full(4, 7.0), "cul")
    with pytest.raises(GeoprocInputError, match=r"cul: 1 value\(s\) are NaN or infinite \(first at position 2\)"):
        standardize(np.array([1.0, 2.0, np.inf]), "cul")
