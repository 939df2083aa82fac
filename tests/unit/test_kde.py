"""Kernel density: values by hand on tiny grids, QGIS's grid rules, GeoTIFF read-back, errors."""

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import MultiPoint, Point, Polygon

from geoproc.errors import GeoprocInputError
from geoproc.kde import (
    NODATA,
    kde_grid,
    kernel_density,
    projected_crs_for,
    silverman_radius,
)

CRS = "EPSG:32651"  # a metric CRS: coordinates below are metres


def _pts(xy, crs=CRS, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=crs)


def _read(path):
    with rasterio.open(path) as ds:
        return ds.read(1), ds.transform, ds.crs, ds.nodata, ds.tags()


# One point at (10, 10), radius 2, pixel 1. QGIS grid: box (8, 8)-(12, 12);
# rows = cols = ceil(4 / 1) + 1 = 5; origin (8, 12); block half-width 2.
# Block column c has centre x 8.5 + c -> dx = c - 1.5; block row r (top row first)
# gets QGIS's centre y 8.5 + r -> dy = r - 1.5. d^2 = dx^2 + dy^2, inside if d^2 <= 4.
def _d2(r, c):
    return (c - 1.5) ** 2 + (r - 1.5) ** 2


def test_grid_follows_qgis(tmp_path):
    res = kernel_density(_pts([(10, 10)]), radius=2, pixel_size=1, out=tmp_path / "k.tif")
    values, transform, crs, nodata, tags = _read(res.path)
    assert values.shape == (5, 5) == res.shape
    assert transform == rasterio.Affine(1, 0, 8, 0, -1, 12) == res.transform
    assert crs.to_epsg() == 32651
    assert nodata == NODATA
    assert tags["KERNEL"] == "quartic" and tags["RADIUS_RULE"] == "given"
    # column 4 (dx = 2.5) and the corners are beyond the radius: nodata
    assert np.all(values[:, 4] == NODATA)
    assert values[0, 0] == NODATA  # d^2 = 1.5^2 + 1.5^2 = 4.5 > 4


@pytest.mark.parametrize(
    ("kernel", "output", "expected"),
    [
        # (1 - d^2/4)^2 at d^2 = 0.5: (1 - 0.125)^2 = 0.765625
        ("quartic", "raw", lambda d2: (1 - d2 / 4) ** 2),
        # QGIS's quartic constant 116 / (5 pi r^2) * 15/16 = 21.75 / (pi r^2)
        ("quartic", "scaled", lambda d2: 21.75 / (math.pi * 4) * (1 - d2 / 4) ** 2),
        ("triangular", "raw", lambda d2: 1 - math.sqrt(d2) / 2),
        # 3 / (pi r^2) (1 - d / r)
        ("triangular", "scaled", lambda d2: 3 / (math.pi * 4) * (1 - math.sqrt(d2) / 2)),
        ("uniform", "raw", lambda d2: 1.0),
        ("uniform", "scaled", lambda d2: 1 / (math.pi * 4)),
        ("epanechnikov", "raw", lambda d2: 1 - d2 / 4),
        # 8 / (3 pi r^2) * 3/4 = 2 / (pi r^2)
        ("epanechnikov", "scaled", lambda d2: 2 / (math.pi * 4) * (1 - d2 / 4)),
        ("triweight", "raw", lambda d2: (1 - d2 / 4) ** 3),
        # 128 / (35 pi r^2) * 35/32 = 4 / (pi r^2)
        ("triweight", "scaled", lambda d2: 4 / (math.pi * 4) * (1 - d2 / 4) ** 3),
        # ours: sigma = r / 3 = 2/3, exp(-d^2 / (2 sigma^2))
        ("gaussian", "raw", lambda d2: math.exp(-d2 / (2 * (2 / 3) ** 2))),
        (
            "gaussian",
            "scaled",
            lambda d2: (
                math.exp(-d2 / (2 * (2 / 3) ** 2))
                / (2 * math.pi * (2 / 3) ** 2 * (1 - math.exp(-4.5)))
            ),
        ),
    ],
)
def test_kernel_values_by_hand(tmp_path, kernel, output, expected):
    res = kernel_density(
        _pts([(10, 10)]), radius=2, pixel_size=1, kernel=kernel, output=output,
        out=tmp_path / "k.tif",
    )  # fmt: skip
    values, *_ = _read(res.path)
    for r in range(5):
        for c in range(5):
            d2 = _d2(r, c)
            if d2 <= 4:
                assert values[r, c] == pytest.approx(expected(d2), rel=1e-6), (r, c)
            else:
                assert values[r, c] == NODATA, (r, c)


def test_two_points_sum_and_weights(tmp_path):
    # points (10, 10) weight 2 and (11, 10) weight 0.5; box (8, 8)-(13, 12): 5 rows, 6 cols.
    # Pixel (row 2, col 2): centre x 10.5, QGIS's centre y 8.5 + 2 = 10.5 (both points
    # have ypos = 0): d1^2 = 0.25 + 0.25 = 0.5, d2^2 = 0.25 + 0.25 = 0.5.
    # raw quartic: 2 * 0.765625 + 0.5 * 0.765625 = 1.9140625
    pts = _pts([(10, 10), (11, 10)], w=[2.0, 0.5])
    res = kernel_density(pts, radius=2, pixel_size=1, weight="w", out=tmp_path / "k.tif")
    values, transform, *_ = _read(res.path)
    assert values.shape == (5, 6)
    assert values[2, 2] == pytest.approx(1.9140625, rel=1e-7)
    # pixel (row 2, col 0): centre x 8.5: d1^2 = 2.25 + 0.25 = 2.5 -> 2 * (1 - 0.625)^2
    # = 0.28125; d2^2 = 6.25 + 0.25 > 4 -> nothing
    assert values[2, 0] == pytest.approx(0.28125, rel=1e-7)


def test_qgis_row_placement_is_reproduced(tmp_path):
    # Points (10, 10) and (10, 10.4): box y 8 .. 12.4 (height 4.4, 6 rows), origin y 12.4.
    # For (10, 10) QGIS computes ypos = int(2 - 2) = 0 from the bottom and
    # ypos_io = int(2.4 - 2) = 0 from the top, so block row r gets centre y
    # 8.5 + r although its true centre is 11.9 - r. Pixel (row 0, col 2): x 10.5 ->
    # dx = 0.5, QGIS dy = -1.5 -> d^2 = 2.5 -> (1 - 0.625)^2 = 0.140625 from point 1.
    # Point 2 (10, 10.4): ypos = int(2.4 - 2) = 0 -> centre y 8.5 -> dy = -1.9;
    # ypos_io = int(2.0 - 2) = 0 -> d^2 = 0.25 + 3.61 = 3.86 -> (1 - 0.965)^2 = 0.001225.
    pts = _pts([(10, 10), (10, 10.4)])
    res = kernel_density(pts, radius=2, pixel_size=1, out=tmp_path / "k.tif")
    values, transform, *_ = _read(res.path)
    assert transform == rasterio.Affine(1, 0, 8, 0, -1, 12.4)
    assert values.shape == (6, 5)
    assert values[0, 2] == pytest.approx(0.140625 + 0.001225, rel=1e-6)


def test_buffer_rounding_in_map_units():
    # QGIS: buffer = int(r / p), plus one if r - p * buffer > 0.5 map units
    assert kde_grid((0, 0, 10, 10), 2600, 1000).buffer == 3
    assert kde_grid((0, 0, 10, 10), 2000.4, 1000).buffer == 2
    assert kde_grid((0, 0, 10, 10), 2000.6, 1000).buffer == 3
    g = kde_grid((0, 0, 10, 10), 2000, 1000)
    # width 4010 -> ceil(4.01) + 1 = 6 columns
    assert (g.rows, g.cols) == (6, 6)


def test_multipoint_counts_each_part(tmp_path):
    a = kernel_density(_pts([(10, 10), (11, 10)]), radius=2, pixel_size=1, out=tmp_path / "a.tif")
    mp = gpd.GeoDataFrame(geometry=[MultiPoint([(10, 10), (11, 10)])], crs=CRS)
    b = kernel_density(mp, radius=2, pixel_size=1, out=tmp_path / "b.tif")
    assert np.array_equal(a.read().filled(NODATA), b.read().filled(NODATA))


@pytest.mark.slow  # compiles the float64 specialisation on a cold numba cache (~4 s)
def test_float64_precision_option(tmp_path):
    pts = _pts([(10, 10), (10.3, 10.1), (11, 9)])
    a = kernel_density(pts, radius=2, pixel_size=1, out=tmp_path / "a.tif")
    b = kernel_density(pts, radius=2, pixel_size=1, out=tmp_path / "b.tif", precision="float64")
    np.testing.assert_allclose(a.read(), b.read(), rtol=1e-6)


def test_silverman_by_hand():
    # points (+-1, 0), (0, +-1), (+-10, 0): mean centre (0, 0); distances 1,1,1,1,10,10.
    # SD = sqrt((4 * 1 + 2 * 100) / 6) = sqrt(34) = 5.831; Dm = median = 1;
    # min(5.831, sqrt(1 / ln 2) * 1 = 1.2011) = 1.2011; h = 0.9 * 1.2011 * 6^-0.2
    x = np.array([1, -1, 0, 0, 10, -10], float)
    y = np.array([0, 0, 1, -1, 0, 0], float)
    expected = 0.9 * math.sqrt(1 / math.log(2)) * 6**-0.2  # = 0.75544
    assert silverman_radius(x, y) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.75544, abs=1e-5)
    # square corners (0,0),(2,0),(0,2),(2,2): all distances sqrt 2, SD = sqrt 2 wins
    x = np.array([0, 2, 0, 2], float)
    y = np.array([0, 0, 2, 2], float)
    assert silverman_radius(x, y) == pytest.approx(0.9 * math.sqrt(2) * 4**-0.2, rel=1e-12)
    # weights count as repeated points: weight 2 on (1, 0) == the point twice
    xw = np.array([1, -1, 0, 0], float)
    yw = np.array([0, 0, 1, -1], float)
    rep = silverman_radius(np.r_[xw, 1.0], np.r_[yw, 0.0])
    wtd = silverman_radius(xw, yw, np.array([2.0, 1, 1, 1]))
    assert wtd == pytest.approx(rep, rel=1e-12)


def test_default_radius_is_reported(tmp_path):
    xy = [(0, 0), (2000, 0), (0, 2000), (2000, 2000)]
    res = kernel_density(_pts(xy), pixel_size=100, out=tmp_path / "k.tif")
    # 0.9 * sqrt(2) * 1000 * 4^-0.2 = 964.6 m
    assert res.radius == pytest.approx(0.9 * math.sqrt(2) * 1000 * 4**-0.2)
    assert "Silverman" in res.radius_rule
    assert "Silverman" in res.summary()
    assert _read(res.path)[4]["RADIUS_RULE"].startswith("Silverman")
    assert res.to_frame().loc[0, "radius"] == pytest.approx(res.radius)


def test_auto_crs_utm_and_albers(tmp_path):
    # Shanghai: UTM zone 51N
    res = kernel_density(
        _pts([(121.4, 31.2), (121.5, 31.3)], crs="EPSG:4326"),
        radius=5000, pixel_size=1000, out=tmp_path / "a.tif",
    )  # fmt: skip
    assert res.crs.to_epsg() == 32651
    assert _read(res.path)[2].to_epsg() == 32651
    # China-wide: Albers equal area, standard parallels at 1/6 and 5/6 of 20..50 N
    crs = projected_crs_for(80, 20, 130, 50)
    op = crs.coordinate_operation
    params = {p.name: p.value for p in op.params}
    assert op.method_name == "Albers Equal Area"
    assert params["Latitude of 1st standard parallel"] == pytest.approx(25)
    assert params["Latitude of 2nd standard parallel"] == pytest.approx(45)
    assert params["Longitude of false origin"] == pytest.approx(105)
    assert projected_crs_for(-3, 50, -1, 52).to_epsg() == 32630  # zone 30N
    assert projected_crs_for(150, -35, 152, -33).to_epsg() == 32756  # zone 56S


def test_source_tag(tmp_path):
    pts = _pts([(10, 10), (12, 10)], source=["synthetic", "synthetic"])
    res = kernel_density(pts, radius=2, pixel_size=1, out=tmp_path / "k.tif")
    assert _read(res.path)[4]["SOURCE"] == "synthetic"
    assert res.source == "synthetic" and "synthetic" in res.summary()


def test_refuses_existing_output(tmp_path):
    out = tmp_path / "k.tif"
    out.write_bytes(b"keep")
    with pytest.raises(FileExistsError):
        kernel_density(_pts([(10, 10)]), radius=2, pixel_size=1, out=out)
    assert out.read_bytes() == b"keep"
    kernel_density(_pts([(10, 10)]), radius=2, pixel_size=1, out=out, overwrite=True)
    assert _read(out)[0].shape == (5, 5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"radius": 0}, "radius"),
        ({"radius": -5}, "radius"),
        ({"radius": 0.5}, "smaller than a pixel"),
        ({"kernel": "cosine"}, "kernel 'cosine'"),
        ({"output": "percent"}, "output 'percent' unknown"),
        ({"pixel_size": 0}, "pixel_size"),
        ({"max_cells": 10}, "max_cells=10"),
        ({"weight": "nope"}, "'nope'"),
        ({"crs": "EPSG:4326"}, "not projected"),
    ],
)
def test_bad_parameters(tmp_path, kwargs, match):
    params = {"radius": 2, "pixel_size": 1} | kwargs
    out = tmp_path / "k.tif"
    with pytest.raises(GeoprocInputError, match=match):
        kernel_density(_pts([(10, 10)]), out=out, **params)
    assert not out.exists()


def test_bad_points(tmp_path):
    out = tmp_path / "k.tif"
    with pytest.raises(GeoprocInputError, match="no coordinate reference system"):
        kernel_density(gpd.GeoDataFrame(geometry=[Point(1, 1)]), radius=2, pixel_size=1, out=out)
    with pytest.raises(GeoprocInputError, match="empty"):
        kernel_density(_pts([]), radius=2, pixel_size=1, out=out)
    neg = _pts([(10, 10), (11, 11)], w=[1.0, -2.0])
    with pytest.raises(GeoprocInputError, match=r"negative at row 1 \(-2\)"):
        kernel_density(neg, radius=2, pixel_size=1, weight="w", out=out)
    nan = _pts([(10, 10), (11, 11)], w=[np.nan, 1.0])
    with pytest.raises(GeoprocInputError, match="missing or not numeric at row 0"):
        kernel_density(nan, radius=2, pixel_size=1, weight="w", out=out)
    poly = gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs=CRS)
    with pytest.raises(GeoprocInputError, match=r"not point geometries at row 0 \(Polygon\)"):
        kernel_density(poly, radius=2, pixel_size=1, out=out)
    with pytest.raises(GeoprocInputError, match="max_cells"):
        # 1,000 km of points at 1 m pixels: ~1e12 cells, refused before allocating
        kernel_density(_pts([(0, 0), (1e6, 1e6)]), radius=10, pixel_size=1, out=out)
    assert not out.exists()


@pytest.mark.slow  # compiles the parallel kernel on a cold numba cache (~7 s)
def test_threads_give_identical_rasters(tmp_path):
    # rows are dealt out among threads; every pixel still sums its points in order
    rng = np.random.default_rng(3)
    xy = rng.normal(0, 3000, (2000, 2))
    pts = _pts(xy, w=rng.uniform(0, 2, len(xy)))
    kw = dict(radius=2500, pixel_size=300, weight="w", output="scaled")
    one = kernel_density(pts, out=tmp_path / "a.tif", threads=1, **kw)
    two = kernel_density(pts, out=tmp_path / "b.tif", threads=3, **kw)
    assert np.array_equal(one.read().filled(NODATA), two.read().filled(NODATA))


@pytest.mark.parametrize(
    ("kernel", "integral"),
    [
        # Wand & Jones constants integrate to 1 over the disc ...
        ("epanechnikov", 1.0),
        ("triangular", 1.0),
        ("triweight", 1.0),
        ("uniform", 1.0),
        ("gaussian", 1.0),
        # ... QGIS's quartic constant 116/(5 pi r^2) * 15/16 = 21.75/(pi r^2) instead of
        # 3/(pi r^2): the integral is 21.75 / 3 = 7.25 (kept, to equal QGIS)
        ("quartic", 7.25),
    ],
)
def test_scaled_surfaces_integrate_to_the_kernel_mass(tmp_path, kernel, integral):
    # one point, radius 1 km, 10 m pixels: sum(values) * pixel^2 approximates the integral
    res = kernel_density(
        _pts([(500_000.3, 3_400_000.7)]), radius=1000, pixel_size=10, kernel=kernel,
        output="scaled", out=tmp_path / "k.tif",
    )  # fmt: skip
    total = float(res.read().sum()) * 10 * 10
    assert total == pytest.approx(integral, rel=2e-3)


def test_swapped_lonlat_geodataframe_refused_before_projecting(tmp_path):
    # EPSG:4326 points with lat/lon swapped: the same check as read_points, with its hint
    pts = gpd.GeoDataFrame(
        {"name": ["Park A", "Park B"]}, geometry=[Point(31.2, 121.4), Point(30.3, 120.1)], crs=4326
    )
    out = tmp_path / "k.tif"
    with pytest.raises(GeoprocInputError, match=r"Park A \(row 0\) \(31.2, 121.4\).*look swapped"):
        kernel_density(pts, radius=5000, out=out)
    # a geographic CRS other than WGS 84 (CGCS2000) is checked in its own degrees too
    with pytest.raises(GeoprocInputError, match="look swapped"):
        kernel_density(pts.set_crs(4490, allow_override=True), radius=5000, out=out)
    assert not out.exists()


def test_messages_name_the_park_and_file_line(tmp_path):
    from geoproc.points import read_points

    p = tmp_path / "parks.csv"
    p.write_text("name,lon,lat,w\nA,121.1,31.1,1\nB,121.2,31.2,-3\n", encoding="utf-8")
    pts = read_points(p)
    with pytest.raises(GeoprocInputError, match=r"negative at B \(line 3\) \(-3\)"):
        kernel_density(pts, radius=5000, weight="w", out=tmp_path / "k.tif")
    pts.loc[0, "geometry"] = None
    with pytest.raises(GeoprocInputError, match=r"missing or empty geometry at A \(line 2\)"):
        kernel_density(pts, radius=5000, out=tmp_path / "k.tif")
