"""Point counts and densities per region on hand-made squares with known areas."""

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, box

from geoproc.density import count_points, point_density
from geoproc.errors import GeoprocInputError

# An Albers equal-area CRS: metres, areas exact, so squares have the areas we draw
ALBERS = "+proj=aea +lat_0=30 +lon_0=120 +lat_1=25 +lat_2=47 +ellps=WGS84 +units=m +no_defs"


def _regions(**cols):
    # A: 10 km x 10 km = 100 km^2; B: 20 km x 10 km = 200 km^2, sharing the edge x = 10 km
    geoms = [box(0, 0, 10_000, 10_000), box(10_000, 0, 30_000, 10_000)]
    return gpd.GeoDataFrame({"code": ["A", "B"], **cols}, geometry=geoms, crs=ALBERS)


def _points(xy, crs=ALBERS, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=crs)


XY = [
    (5_000, 5_000),  # A
    (1_000, 1_000),  # A
    (9_000, 9_000),  # A
    (10_000, 5_000),  # on the shared edge: counted once, in A (first region)
    (20_000, 5_000),  # B
    (50_000, 50_000),  # outside
]


def test_counts_shares_densities_by_hand():
    with pytest.warns(UserWarning, match="1 of 6 points fall in no region"):
        out = point_density(_points(XY), _regions())
    assert out["park_count"].tolist() == [4, 1]
    # shares of the 5 points inside: 4/5, 1/5
    np.testing.assert_allclose(out["park_share"], [0.8, 0.2], rtol=1e-15)
    # the squares' own equal-area CRS is used: 100 and 200 km^2
    np.testing.assert_allclose(out["area_km2"], [100.0, 200.0], rtol=1e-12)
    # 4 / 100 km^2 * 1000 = 40; 1 / 200 * 1000 = 5
    np.testing.assert_allclose(out["density_per_1000km2"], [40.0, 5.0], rtol=1e-12)
    assert out.attrs["points_total"] == 6
    assert out.attrs["points_outside"] == 1
    assert out.attrs["points_outside_index"] == [5]
    assert "aea" in out.attrs["area_crs"]


def test_per_capita():
    regions = _regions(pop=[2_000_000, 250_000])
    with pytest.warns(UserWarning):
        out = point_density(_points(XY), regions, per_capita="pop")
    # 4 / 2,000,000 * 1e6 = 2.0; 1 / 250,000 * 1e6 = 4.0
    np.testing.assert_allclose(out["parks_per_million"], [2.0, 4.0], rtol=1e-15)


def test_input_not_modified_and_source_column():
    regions = _regions()
    points = _points(XY[:5], source=["synthetic"] * 5)
    before_r, before_p = regions.copy(), points.copy()
    out = point_density(points, regions)
    assert list(regions.columns) == list(before_r.columns)
    assert regions.equals(before_r) and points.equals(before_p)
    assert (out["points_source"] == "synthetic").all()


def test_lonlat_regions_use_albers_areas_that_match_geodesic_areas():
    # 0.5 x 0.5 degree cells at 30 N, densified so that edges follow parallels and
    # meridians; GeographicLib's polygon area (pyproj.Geod) is the independent reference
    cells = [box(120.0, 30.0, 120.5, 30.5), box(120.5, 30.0, 121.0, 30.5)]
    cells = [shapely.segmentize(c, 0.001) for c in cells]
    regions = gpd.GeoDataFrame({"code": [1, 2]}, geometry=cells, crs="EPSG:4326")
    pts = _points([(120.2, 30.2), (120.7, 30.1), (120.8, 30.4)], crs="EPSG:4326")
    out = point_density(pts, regions)
    geod = Geod(ellps="WGS84")
    ref = np.array([abs(geod.geometry_area_perimeter(c)[0]) / 1e6 for c in cells])
    np.testing.assert_allclose(out["area_km2"], ref, rtol=1e-6)
    assert out["park_count"].tolist() == [1, 2]
    np.testing.assert_allclose(out["density_per_1000km2"], np.array([1, 2]) / ref * 1000)


def test_different_crs_is_reprojected_with_warning():
    regions = _regions()
    pts_lonlat = _points(XY[:5]).to_crs(4326)
    with pytest.warns(UserWarning, match="reprojecting the points"):
        out = point_density(pts_lonlat, regions)
    # (10 km, 5 km) comes back on the shared edge only up to rounding: it may fall in
    # either square, so check the total and B's interior point
    assert out["park_count"].sum() == 5
    assert out["park_count"].iloc[1] in (1, 2)


def test_count_points_first_region_wins_on_shared_edge():
    regions = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    pts = np.array([Point(1, 0.5), Point(0.5, 0.5), Point(3, 3)])
    counts, outside = count_points(pts, regions)
    assert counts.tolist() == [2, 0]
    assert outside.tolist() == [2]
    # the caller's geometries stay unprepared
    assert not shapely.is_prepared(regions).any()


def test_bad_input():
    regions = _regions()
    with pytest.raises(GeoprocInputError, match="no coordinate reference system"):
        point_density(gpd.GeoDataFrame(geometry=[Point(1, 1)]), regions)
    with pytest.raises(GeoprocInputError, match="regions has no coordinate reference system"):
        point_density(_points(XY), gpd.GeoDataFrame({"code": [1]}, geometry=[box(0, 0, 1, 1)]))
    with pytest.raises(GeoprocInputError, match="empty"):
        point_density(_points([]), regions)
    with pytest.raises(GeoprocInputError, match="population column 'pop' .* B"):
        point_density(_points(XY[:5]), _regions(pop=[10, 0]), per_capita="pop")
    with pytest.raises(GeoprocInputError, match="no population column 'people'"):
        point_density(_points(XY[:5]), regions, per_capita="people")
    lines = gpd.GeoDataFrame({"code": ["L"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=ALBERS)
    with pytest.raises(GeoprocInputError, match="not polygons: L"):
        point_density(_points(XY), lines)
    dup = _regions()
    dup["code"] = ["A", "A"]
    with pytest.raises(GeoprocInputError, match="duplicate"):
        point_density(_points(XY), dup)
    polys_as_points = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=ALBERS)
    with pytest.raises(GeoprocInputError, match=r"not single points at row 0 \(Polygon\)"):
        point_density(polys_as_points, regions)


def test_no_warning_when_all_inside():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = point_density(_points(XY[:5]), _regions())
    assert out.attrs["points_outside"] == 0


# ---------------------------------------------------------------- demo data and CLI

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "yrd_parks_synthetic.csv"


def test_demo_parks_counts_by_city_and_province():
    """point_density on the demo file read by read_points agrees with a plain shapely
    point-in-polygon count per city, and with the city each park was drawn in."""
    import shapely

    from geoproc import load_boundaries, point_density, read_points

    cities = load_boundaries("yrd_cities")
    got = point_density(read_points(DEMO), cities)
    got = got.set_index(got["code"].astype(str))["park_count"]

    raw = pd.read_csv(DEMO, dtype={"city_code": str})
    xy = shapely.points(raw["lon"].to_numpy(float), raw["lat"].to_numpy(float))
    geoms = cities.to_crs(4326).geometry.to_numpy()
    by_shapely = {str(c): int(shapely.covers(g, xy).sum()) for c, g in zip(cities["code"], geoms, strict=True)}
    assert got.to_dict() == by_shapely
    assert got.to_dict() == {c: int((raw["city_code"] == c).sum()) for c in by_shapely}
    assert got.groupby(got.index.str[:2]).sum().to_dict() == {"31": 65, "32": 174, "33": 111, "34": 40}


def test_cli_density_and_kde_on_demo_parks(tmp_path, capsys):
    from geoproc.cli import main

    out, tif = tmp_path / "density.gpkg", tmp_path / "kde.tif"
    argv = [
        "density", str(DEMO), "--regions", "yrd_cities", "-o", str(out),
        "--kde", str(tif), "--radius", "20000", "--pixel", "2000", "--values", "scaled",
    ]  # fmt: skip
    assert main(argv) == 0
    result = gpd.read_file(out, layer="density")
    # each synthetic park was drawn inside the city named in its city_code column:
    # the counts per city must be exactly those
    parks = pd.read_csv(DEMO, dtype={"city_code": str})
    expected = parks["city_code"].value_counts()
    got = result.set_index(result["code"].astype(str))["park_count"]
    assert got.sum() == 390
    assert got[expected.index].tolist() == expected.tolist()
    assert (result["points_source"] == "synthetic").all()
    with rasterio.open(tif) as ds:
        assert ds.tags()["SOURCE"] == "synthetic"
        assert ds.crs.to_epsg() == 32650  # YRD centre ~118.9 E: UTM zone 50N
        assert ds.res == (2000.0, 2000.0) and ds.nodata == -9999
    assert "synthetic" in capsys.readouterr().out
    # existing outputs are refused (exit code 2) and left alone
    before = out.stat().st_mtime_ns
    assert main(argv) == 2
    assert out.stat().st_mtime_ns == before
    assert "already exists" in capsys.readouterr().err


def test_cli_bad_kde_parameters_write_nothing(tmp_path, capsys):
    from geoproc.cli import main

    out, tif = tmp_path / "density.csv", tmp_path / "kde.tif"
    argv = [
        "density", str(DEMO), "--regions", "yrd_cities", "-o", str(out),
        "--kde", str(tif), "--radius", "500", "--pixel", "1000",
    ]  # fmt: skip
    assert main(argv) == 2
    assert "smaller than a pixel" in capsys.readouterr().err
    assert not out.exists() and not tif.exists()


def test_swapped_lonlat_geodataframe_refused_before_projecting():
    # a GeoDataFrame in EPSG:4326 with lat/lon swapped: read_points's check, with its hint
    regions = _regions().to_crs(4326)
    pts = gpd.GeoDataFrame(
        {"name": ["Park A", "Park B"]}, geometry=[Point(31.2, 121.4), Point(121.1, 31.1)], crs=4326
    )
    with pytest.raises(GeoprocInputError, match=r"Park A \(row 0\) \(31.2, 121.4\); longitude and latitude look swapped"):
        point_density(pts, regions)


def test_messages_name_the_park_and_file_line(tmp_path):
    from geoproc.points import read_points

    p = tmp_path / "parks.csv"
    p.write_text("name,lon,lat\nA,120.01,30.01\nB,120.02,30.02\n", encoding="utf-8")
    pts = read_points(p)
    pts.loc[1, "geometry"] = None  # B, line 3 of the file, loses its geometry
    with pytest.raises(GeoprocInputError, match=r"missing or empty geometry at B \(line 3\)"):
        point_density(pts, _regions().to_crs(4326))


def test_cli_failing_table_leaves_no_raster(tmp_path, capsys, monkeypatch):
    from geoproc.cli import main

    def fail(*a, **k):
        raise OSError("disk full")

    # the table is written after the raster has been computed: both or neither appear
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", fail)
    out, tif = tmp_path / "density.gpkg", tmp_path / "kde.tif"
    argv = [
        "density", str(DEMO), "--regions", "yrd_cities", "-o", str(out),
        "--kde", str(tif), "--radius", "20000", "--pixel", "5000",
    ]  # fmt: skip
    with pytest.raises(OSError, match="disk full"):
        main(argv)
    assert not out.exists() and not tif.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary files left either


@pytest.mark.parametrize("value", ["scaled", "raw", "density", "Scaled"])
def test_cli_output_given_a_values_word(tmp_path, capsys, monkeypatch, value):
    from geoproc.cli import main

    monkeypatch.chdir(tmp_path)
    argv = ["density", str(DEMO), "--regions", "yrd_cities", "--kde", "kde.tif", "--output", value]
    assert main(argv) == 2
    assert f"use --values {value.lower()}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_prints_library_warnings_as_one_line_naming_the_command(tmp_path, capsys):
    """A park outside every city: the command says so on stderr, one line, named."""
    from geoproc.cli import main

    csv = tmp_path / "parks.csv"
    csv.write_text("name,lon,lat\na,120.3,31.5\nfar,100.0,40.0\n", encoding="utf-8")
    assert main(["density", str(csv), "--regions", "yrd_cities", "-o", str(tmp_path / "d.csv")]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^geoproc density: warning: 1 of 2 points fall in no region", err, re.M), err
