"""Point patterns against the textbook formulas (ArcGIS/Yuill, Clark & Evans, brute-force K) and pointpats.

Point sets are drawn here with fixed seeds (held out: none of them shaped the code),
in a projected CRS so that distances and areas are the planar ones the formulas use.
"""

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

import geoproc
from geoproc.errors import GeoprocInputError
from geoproc.pattern import nearest_neighbour_index, ripleys_k, standard_deviational_ellipse
from geoproc.pattern.ripley import csr_points, k_values

pointpats = pytest.importorskip("pointpats")
from pointpats.centrography import ellipse as pp_ellipse  # noqa: E402
from pointpats.distance_statistics import k as pp_k  # noqa: E402

SEED = 20261203
ALBERS = "+proj=aea +lat_0=30 +lon_0=120 +lat_1=25 +lat_2=47 +ellps=WGS84 +units=m +no_defs"


def _points(xy, crs=ALBERS, **cols):
    frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)
    for name, value in cols.items():
        frame.insert(len(frame.columns) - 1, name, value)
    return frame


def _elongated(n, azimuth_deg, rng, sx=30_000.0, sy=6_000.0, centre=(50_000.0, 40_000.0)):
    """n points spread sx along the azimuth (clockwise from north) and sy across it."""
    t = math.radians(90 - azimuth_deg)  # counter-clockwise from +x
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    return rng.normal(size=(n, 2)) * [sx, sy] @ rot.T + centre


def _arcgis_sde(xy, w=None):
    """ArcGIS's Directional Distribution formula, written out (with its sqrt(2)), weighted by w."""
    w = np.ones(len(xy)) if w is None else np.asarray(w, float)
    cx, cy = (xy * w[:, None]).sum(axis=0) / w.sum()
    x, y = xy[:, 0] - cx, xy[:, 1] - cy
    a = (w * x * x).sum() - (w * y * y).sum()
    c = 2 * (w * x * y).sum()
    b = math.sqrt(a * a + c * c)  # = sqrt(A^2 + 4 (sum w x y)^2)
    theta = math.atan((a + b) / c)  # clockwise from north, of the axis sigma_y lies along
    sig_x = math.sqrt(2) * math.sqrt((w * (x * math.cos(theta) - y * math.sin(theta)) ** 2).sum() / w.sum())
    sig_y = math.sqrt(2) * math.sqrt((w * (x * math.sin(theta) + y * math.cos(theta)) ** 2).sum() / w.sum())
    return cx, cy, sig_x, sig_y, math.degrees(theta) % 180


# ----------------------------------------------------------------------------- ellipse


@pytest.mark.parametrize("azimuth", [20.0, 65.0, 110.0, 160.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_ellipse_equals_arcgis_formula(azimuth, weighted):
    rng = np.random.default_rng(SEED + int(azimuth))
    xy = _elongated(150, azimuth, rng)
    w = rng.uniform(0.5, 4.0, len(xy)) if weighted else None
    pts = _points(xy, floor=w if weighted else 1.0)
    res = standard_deviational_ellipse(pts, weight="floor" if weighted else None)
    cx, cy, sig_x, sig_y, theta = _arcgis_sde(xy, w)
    assert sig_y > sig_x  # the long axis is ArcGIS's rotated y axis, at azimuth theta
    assert res.centre_x == pytest.approx(cx, rel=1e-12)
    assert res.centre_y == pytest.approx(cy, rel=1e-12)
    assert res.major == pytest.approx(sig_y, rel=1e-10)
    assert res.minor == pytest.approx(sig_x, rel=1e-10)
    assert res.rotation == pytest.approx(theta, abs=1e-8)
    assert res.rotation == pytest.approx(azimuth, abs=6)  # and close to the direction drawn
    assert res.area_km2 == pytest.approx(math.pi * sig_x * sig_y / 1e6, rel=1e-10)
    a, b, _ = pp_ellipse(xy, weights=w, method="yuill", crimestatCorr=True, degfreedCorr=False)
    assert (res.major, res.minor) == pytest.approx((a, b), rel=1e-10)  # pointpats, weighted too
    poly = res.ellipses.geometry.iloc[0]
    # a 180-gon inscribed in the ellipse: (N / 2) a b sin(2 pi / N), 0.02 % less than pi a b
    assert poly.area == pytest.approx(90 * sig_x * sig_y * math.sin(2 * math.pi / 180), rel=1e-9)
    # the polygon's farthest vertex from the centre lies along the azimuth, at the semi-major axis
    v = np.asarray(poly.exterior.coords)[:-1] - [cx, cy]
    far = v[np.argmax(np.hypot(*v.T))]
    assert np.hypot(*far) == pytest.approx(sig_y, rel=1e-9)
    assert math.degrees(math.atan2(far[0], far[1])) % 180 == pytest.approx(theta, abs=1e-6)


def test_ellipse_conventions_against_eigenvalues_and_pointpats():
    rng = np.random.default_rng(SEED)
    xy = _elongated(40, 45.0, rng)
    n = len(xy)
    # Yuill: the square roots of the covariance matrix's eigenvalues (divisor n)
    eig = np.sqrt(np.linalg.eigvalsh(np.cov(xy.T, bias=True)))[::-1]
    yuill = standard_deviational_ellipse(_points(xy), convention="yuill")
    np.testing.assert_allclose([yuill.major, yuill.minor], eig, rtol=1e-10)
    arc = standard_deviational_ellipse(_points(xy), convention="arcgis")
    np.testing.assert_allclose([arc.major, arc.minor], eig * math.sqrt(2), rtol=1e-10)
    crime = standard_deviational_ellipse(_points(xy), convention="crimestat", std=2)
    np.testing.assert_allclose([crime.major, crime.minor], 2 * eig * math.sqrt(2 * n / (n - 2)), rtol=1e-10)
    # pointpats: its default is CrimeStat's; method="yuill" with or without the sqrt(2)
    for ours, kwargs, scale in ((crime, {}, 2), (yuill, {"method": "yuill", "crimestatCorr": False,
                                                         "degfreedCorr": False}, 1),
                                (arc, {"method": "yuill", "crimestatCorr": True, "degfreedCorr": False}, 1)):
        a, b, theta = pp_ellipse(xy, **kwargs)
        assert (ours.major, ours.minor) == pytest.approx((scale * a, scale * b), rel=1e-10)
        assert ours.rotation == pytest.approx((90 - math.degrees(theta)) % 180, abs=1e-8)


@pytest.mark.parametrize(("xy", "azimuth"), [
    ([(5, 0), (-5, 0), (0, 1), (0, -1)], 90.0),  # long east-west: the tangent formula's C = 0
    ([(0, 5), (0, -5), (1, 0), (-1, 0)], 0.0),  # long north-south
])
def test_ellipse_axis_aligned_by_hand(xy, azimuth):
    res = standard_deviational_ellipse(_points(np.array(xy, float)), convention="yuill")
    # variance along the long axis (25 + 25) / 4, across it (1 + 1) / 4
    assert (res.major, res.minor) == pytest.approx((math.sqrt(12.5), math.sqrt(0.5)), rel=1e-12)
    assert res.rotation == pytest.approx(azimuth, abs=1e-9)


def test_ellipse_on_pointpats_published_example():
    # pointpats.centrography.ellipse's docstring example and its printed result (CrimeStat convention)
    coords = np.array([[66.22, 32.54], [22.52, 22.39], [31.01, 81.21], [9.47, 31.02], [30.78, 60.10],
                       [75.21, 58.93], [79.26, 7.68], [8.23, 39.93], [98.73, 77.17], [89.78, 42.53],
                       [65.19, 92.08]])
    res = standard_deviational_ellipse(_points(coords), convention="crimestat")
    assert res.major == pytest.approx(50.13029459102783, rel=1e-12)
    assert res.minor == pytest.approx(37.95222670267865, rel=1e-12)
    # pointpats' angle 0.3465582 rad is counter-clockwise from +x: azimuth 90 - 19.856 degrees
    assert res.rotation == pytest.approx(90 - math.degrees(0.3465582095042642), abs=1e-9)


def test_ellipse_by_year_cumulative_and_shift():
    rng = np.random.default_rng(SEED + 1)
    a = _elongated(30, 0.0, rng, centre=(0.0, 0.0))
    b = _elongated(30, 90.0, rng, centre=(30_000.0, 40_000.0))
    pts = _points(np.vstack([a, b]), year=[2010] * 30 + [2015] * 30)
    per = standard_deviational_ellipse(pts, by="year")
    assert per.groups == [2010, 2015]
    cx = np.array([a.mean(axis=0), b.mean(axis=0)])
    np.testing.assert_allclose(per.ellipses[["centre_x", "centre_y"]], cx, rtol=1e-12)
    # centre moved (dx, dy): distance in km and azimuth clockwise from north
    dx, dy = cx[1] - cx[0]
    assert per.table.shift_km.iloc[1] == pytest.approx(math.hypot(dx, dy) / 1e3, rel=1e-12)
    assert per.table.shift_azimuth_deg.iloc[1] == pytest.approx(math.degrees(math.atan2(dx, dy)) % 360)
    assert math.isnan(per.table.shift_km.iloc[0])
    cum = standard_deviational_ellipse(pts, by="year", cumulative=True)
    whole = standard_deviational_ellipse(pts)
    assert cum.table.n.tolist() == [30, 60]
    assert cum.major.iloc[1] == pytest.approx(whole.major, rel=1e-12)
    assert cum.major.iloc[0] == pytest.approx(per.major.iloc[0], rel=1e-12)
    frame = per.to_frame()
    assert frame.columns[0] == "year" and "geometry" not in frame


def test_ellipse_lonlat_points_use_utm_and_report_wgs84_centre():
    rng = np.random.default_rng(SEED + 2)
    lonlat = np.column_stack([rng.uniform(120.5, 121.5, 50), rng.uniform(30.8, 31.6, 50)])
    res = standard_deviational_ellipse(_points(lonlat, crs="EPSG:4326"))
    assert res.crs.to_epsg() == 32651  # UTM 51N for Shanghai
    utm = gpd.GeoSeries(gpd.points_from_xy(*lonlat.T), crs=4326).to_crs(32651)
    cx, cy, sx, sy, _ = _arcgis_sde(np.column_stack([utm.x, utm.y]))
    assert res.major == pytest.approx(max(sx, sy), rel=1e-10)
    centre = gpd.GeoSeries(gpd.points_from_xy([cx], [cy]), crs=32651).to_crs(4326)
    assert (res.table.centre_lon.iloc[0], res.table.centre_lat.iloc[0]) == pytest.approx(
        (centre.x[0], centre.y[0]), abs=1e-9)


def test_ellipse_bad_input():
    rng = np.random.default_rng(SEED)
    pts = _points(rng.normal(size=(10, 2)) * 1000, w=[1.0] * 9 + [-2.0], year=[2000] * 8 + [2001] * 2)
    with pytest.raises(GeoprocInputError, match="weight column 'w' must hold non-negative numbers; not at row 9"):
        standard_deviational_ellipse(pts, weight="w")
    with pytest.raises(GeoprocInputError, match="no column 'yr' to group by; columns are w, year"):
        standard_deviational_ellipse(pts, by="yr")
    with pytest.raises(GeoprocInputError, match="convention 'esri' unknown"):
        standard_deviational_ellipse(pts, convention="esri")
    with pytest.warns(UserWarning, match=r"left out groups with fewer than 3 points: 2001 \(2\)"):
        res = standard_deviational_ellipse(pts, by="year")
    assert res.groups == [2000]
    with pytest.raises(GeoprocInputError, match="at least 3 points"):
        standard_deviational_ellipse(pts.iloc[:2])


def test_ellipse_to_file_refuses_overwrite(tmp_path):
    rng = np.random.default_rng(SEED)
    res = standard_deviational_ellipse(_points(rng.normal(size=(20, 2)) * 1000, year=[1, 2] * 10), by="year")
    out = tmp_path / "sde.gpkg"
    res.to_file(out)
    back = gpd.read_file(out)
    assert back.year.tolist() == [1, 2] and back.crs.equals(res.crs)
    np.testing.assert_allclose(back.major_m, res.major.to_numpy())
    with pytest.raises(FileExistsError):
        res.to_file(out)


# ----------------------------------------------------------------------------- nearest neighbour


def _clark_evans(xy, area):
    """Brute-force nearest distances, then Clark & Evans (1954) with ArcGIS's SE."""
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    n = len(xy)
    do = d.min(axis=1).mean()
    de = 0.5 / math.sqrt(n / area)
    se = 0.26136 / math.sqrt(n**2 / area)
    z = (do - de) / se
    return do, de, do / de, z, math.erfc(abs(z) / math.sqrt(2))


def test_nearest_neighbour_equals_clark_evans_with_region_area():
    rng = np.random.default_rng(SEED + 3)
    # two 50 km x 40 km regions: 4000 km^2 in their own (equal-area) CRS
    regions = gpd.GeoDataFrame({"code": [1, 2]}, geometry=[box(0, 0, 50_000, 40_000),
                                                             box(50_000, 0, 100_000, 40_000)], crs=ALBERS)
    xy = np.column_stack([rng.uniform(0, 100_000, 80), rng.uniform(0, 40_000, 80)])
    xy[:20] = np.clip(xy[20:40] + rng.normal(size=(20, 2)) * 300, 1, [99_999, 39_999])  # some clustering
    res = nearest_neighbour_index(_points(xy), regions)
    do, de, ratio, z, p = _clark_evans(xy, 4000e6)
    assert res.table.area_km2.iloc[0] == pytest.approx(4000.0, rel=1e-9)
    assert (res.observed, res.expected, res.ratio, res.z, res.p) == pytest.approx((do, de, ratio, z, p), rel=1e-9)
    assert res.table.pattern.iloc[0] == "clustered"
    assert res.area_source.startswith("regions")
    # the SE constant is Clark & Evans's sqrt((4 - pi) / (4 pi)) to five digits
    assert geoproc.pattern.CLARK_EVANS_SE == pytest.approx(math.sqrt((4 - math.pi) / (4 * math.pi)), abs=5e-6)


def test_nearest_neighbour_mean_distance_equals_pointpats_and_bbox_default():
    from pointpats import PointPattern

    rng = np.random.default_rng(SEED + 4)
    xy = rng.uniform(0, 10_000, size=(60, 2))
    res = nearest_neighbour_index(_points(xy))
    assert res.observed == pytest.approx(PointPattern(xy).mean_nnd, rel=1e-12)
    bbox_area = np.prod(xy.max(axis=0) - xy.min(axis=0))
    assert res.ratio == pytest.approx(_clark_evans(xy, bbox_area)[2], rel=1e-12)
    assert "bounding box" in res.area_source
    given = nearest_neighbour_index(_points(xy), area_km2=100.0)
    assert given.z == pytest.approx(_clark_evans(xy, 100e6)[3], rel=1e-12)


def test_nearest_neighbour_regions_area_matches_point_density_and_lonlat():
    regions = geoproc.load_boundaries("yrd_cities")
    rng = np.random.default_rng(SEED + 5)
    lonlat = np.column_stack([rng.uniform(119.0, 121.0, 40), rng.uniform(30.5, 32.0, 40)])
    pts = _points(lonlat, crs="EPSG:4326", year=[2020] * 20 + [2021] * 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nearest_neighbour_index(pts, regions, by="year")
        dens = geoproc.point_density(pts, regions, id="code")
    np.testing.assert_allclose(res.table.area_km2, dens.area_km2.sum(), rtol=1e-6)
    utm = pts.to_crs(res.crs)
    xy = np.column_stack([utm.geometry.x, utm.geometry.y])
    for g, sl in ((2020, slice(0, 20)), (2021, slice(20, 40))):
        want = _clark_evans(xy[sl], dens.area_km2.sum() * 1e6)
        assert res.z[g] == pytest.approx(want[3], rel=1e-7)  # union vs sum of areas: 1e-9


def test_nearest_neighbour_bad_input():
    xy = np.array([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(GeoprocInputError, match="not both"):
        nearest_neighbour_index(_points(xy), gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2)], crs=ALBERS),
                                area_km2=1.0)
    with pytest.raises(GeoprocInputError, match="area_km2 must be a positive number"):
        nearest_neighbour_index(_points(xy), area_km2=0)
    with pytest.raises(GeoprocInputError, match="at least 2 points"):
        nearest_neighbour_index(_points(xy[:1]), area_km2=1.0)
    with pytest.warns(UserWarning, match="1 of 2 points lie outside the study regions"):
        nearest_neighbour_index(_points(np.array([[0.5, 0.5], [5.0, 5.0]])),
                                gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2)], crs=ALBERS))


# ----------------------------------------------------------------------------- Ripley


def _brute_k(xy, r, area):
    n = len(xy)
    count = np.zeros(len(r))
    for i in range(n):
        for j in range(n):
            if i != j:
                d = math.dist(xy[i], xy[j])
                count += d <= r
    return area * count / (n * (n - 1))


def test_k_values_equal_brute_force_and_pointpats():
    rng = np.random.default_rng(SEED + 6)
    xy = rng.uniform(0, 1000, size=(45, 2))
    r = np.array([17.3, 55.1, 120.7, 250.9, 400.3])
    np.testing.assert_allclose(k_values(xy, r, 1e6), _brute_k(xy, r, 1e6), rtol=1e-12)
    # pointpats: n^2 and the bounding-box area (r chosen away from any pair distance, < vs <=)
    n, box_area = len(xy), np.prod(xy.max(axis=0) - xy.min(axis=0))
    _, kpp = pp_k(xy, support=r)
    np.testing.assert_allclose(k_values(xy, r, box_area) * (n - 1) / n, kpp, rtol=1e-12)


def test_ripley_on_window_clustered_pattern_and_seeded_envelopes():
    rng = np.random.default_rng(SEED + 7)
    window = gpd.GeoDataFrame({"code": ["W"]}, geometry=[box(0, 0, 20_000, 10_000)], crs=ALBERS)
    centres = rng.uniform([2_000, 2_000], [18_000, 8_000], size=(6, 2))
    xy = np.repeat(centres, 10, axis=0) + rng.normal(size=(60, 2)) * 400
    xy = np.clip(xy, 1, [19_999, 9_999])
    pts = _points(xy)
    r = np.array([500.0, 1000.0, 2000.0])
    res = ripleys_k(pts, window, distances=r, simulations=39, seed=5)
    np.testing.assert_allclose(res.k, _brute_k(xy, r, 200e6), rtol=1e-10)
    np.testing.assert_allclose(res.l, np.sqrt(_brute_k(xy, r, 200e6) / math.pi), rtol=1e-10)
    assert (res.table.pattern == "clustered").all()
    assert res.area_km2 == pytest.approx(200.0)
    again = ripleys_k(pts, window, distances=r, simulations=39, seed=5)
    np.testing.assert_array_equal(again.envelope_high, res.envelope_high)
    other = ripleys_k(pts, window, distances=r, simulations=39, seed=6)
    assert not np.array_equal(other.envelope_high, res.envelope_high)
    # envelopes by hand: the same generator draws the same CSR patterns
    sims = csr_points(shapely.box(0, 0, 20_000, 10_000), 60, 39, np.random.default_rng(5))
    sim_l = np.array([np.sqrt(_brute_k(s, r, 200e6) / math.pi) for s in sims])
    np.testing.assert_allclose(res.envelope_low, sim_l.min(axis=0), rtol=1e-10)
    np.testing.assert_allclose(res.envelope_high, sim_l.max(axis=0), rtol=1e-10)


def test_csr_points_are_uniform_in_a_non_convex_window():
    window = shapely.Polygon([(0, 0), (10, 0), (10, 10), (5, 10), (5, 5), (0, 5)])  # an L, area 75
    pts = csr_points(window, 500, 8, np.random.default_rng(SEED)).reshape(-1, 2)
    assert shapely.contains_xy(window, pts[:, 0], pts[:, 1]).all()
    # the lower-left square holds 25/75 of the area
    share = ((pts[:, 0] < 5) & (pts[:, 1] < 5)).mean()
    assert share == pytest.approx(1 / 3, abs=0.02)  # 4000 points: SD 0.0075


def test_ripley_csr_pattern_mostly_inside_envelope_and_by_group():
    rng = np.random.default_rng(SEED + 8)
    window = gpd.GeoDataFrame(geometry=[box(0, 0, 10_000, 10_000)], crs=ALBERS)
    xy = rng.uniform(0, 10_000, size=(120, 2))
    pts = _points(xy, kind=["a", "b"] * 60)
    res = ripleys_k(pts, window, simulations=99, seed=1, by="kind")
    assert res.groups[:1] == ["a"] and set(res.r) == {"a", "b"}
    assert len(res.r["a"]) == 20 and res.r["a"][-1] == pytest.approx(2500.0)  # quarter of 10 km
    assert (res.table.pattern == "random").mean() >= 0.8
    frame = res.to_frame()
    assert frame.columns[0] == "kind" and len(frame) == 40


def test_ripley_progress_and_cancel():
    window = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=ALBERS)
    pts = _points(np.random.default_rng(1).uniform(0, 1000, size=(30, 2)))
    seen = []
    ripleys_k(pts, window, simulations=10, seed=1, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(geoproc.Cancelled):
        ripleys_k(pts, window, simulations=10, seed=1, progress=lambda f: False)


def test_ripley_bad_distances():
    window = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=ALBERS)
    pts = _points(np.random.default_rng(1).uniform(0, 1000, size=(30, 2)))
    with pytest.raises(GeoprocInputError, match=r"positive, finite and increasing.*distances\[1\] = 50"):
        ripleys_k(pts, window, distances=[100, 50])  # 50 after 100: not increasing
    with pytest.raises(GeoprocInputError, match=r"distances\[0\] = -5"):
        ripleys_k(pts, window, distances=[-5, 10])
    with pytest.raises(GeoprocInputError, match="simulations must be a whole number"):
        ripleys_k(pts, window, simulations=-1)


def test_results_as_frames():
    rng = np.random.default_rng(SEED)
    pts = _points(rng.uniform(0, 1000, size=(30, 2)))
    assert isinstance(nearest_neighbour_index(pts).to_frame(), pd.DataFrame)
    assert "Clark & Evans" in nearest_neighbour_index(pts).summary()
    assert "arcgis convention" in standard_deviational_ellipse(pts).summary()


def test_dask_points_are_refused_with_the_remedy():
    dgpd = pytest.importorskip("dask_geopandas")
    pts = dgpd.from_geopandas(_points(np.random.default_rng(1).uniform(0, 1000, size=(10, 2))), npartitions=1)
    with pytest.raises(GeoprocInputError, match=r"in-memory GeoDataFrame.*\.compute\(\)"):
        standard_deviational_ellipse(pts)
