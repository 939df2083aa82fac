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
