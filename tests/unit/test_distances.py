"""Distance matrices against GeographicLib's published geodesics, pyproj, geographiclib and hand sums."""

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geographiclib.geodesic import Geodesic
from numpy.testing import assert_allclose
from pyproj import Geod
from shapely.geometry import Point, box

from geoproc.distances import (
    check_no_coincident,
    coincident_pairs,
    distance_matrix,
    pairwise_distances,
    write_distance_matrix,
)
from geoproc.errors import GeoprocInputError

MM = 1e-6  # 1 mm in km

# GeographicLib's own regression cases (geographiclib-python,
# geographiclib/test/test_geodesic.py, GeodesicTest.testcases): lat1, lon1, lat2, lon2, s12 [m].
# Published to 1e-8 m; longitudes past 180 are wrapped here (same point, same distance).
GEOGRAPHICLIB_CASES = [
    (35.60777, -139.44815, -11.17491, -69.95921, 8935244.5604818305),
    (55.52454, 106.05087, 77.03196, 197.18234, 4105086.1713924406),
    (-21.97856, 142.59065, 41.84138, 98.56635, 8394328.894657671),
    (-66.99028, 112.2363, -12.70631, 285.90344, 11150344.2312080241),
    (-17.42761, 173.34268, -15.84784, 5.93557, 16076603.1631180673),
    (32.84994, 48.28919, -56.28556, 202.29132, 16727068.9438164461),
    (6.96833, 52.74123, -7.39675, 206.17291, 17102477.2496958388),
    (-50.56724, -16.30485, -33.56571, -94.97412, 6455670.5118668696),
    (-58.93002, -8.90775, -8.91104, 133.13503, 11756066.0219864627),
    (-68.82867, -74.28391, -50.63005, -8.36685, 3956936.926063544),
    (-10.62672, -32.0898, 5.883, -134.31681, 11470869.3864563009),
    (-21.76221, 166.90563, 48.72884, 213.97627, 9098627.3986554915),
    (-19.79938, -174.47484, -11.99349, -154.35109, 2319004.8601169389),
    (-11.95887, -116.94513, 4.57352, 7.16501, 13834722.5801401374),
    (-87.85331, 85.66836, 66.48646, 16.09921, 17286615.3147144645),
    (1.74708, 128.32011, -11.16617, 11.87109, 12942901.1241347408),
    (-25.72959, -144.90758, -57.70581, -269.17879, 9413446.7452453107),
    (-41.22777, 122.32875, -7.57291, 130.37946, 3812686.035106021),
    (11.01307, 138.25278, 6.62726, 247.05981, 11911190.819018408),
    (-29.47124, 95.14681, -27.46601, -69.15955, 13487015.8381145492),
]

# Same file, class GeodSolveTest: nearly antipodal and equatorial cases with their
# published tolerance (lat1, lon1, lat2, lon2, s12 [m], tolerance [m]).
GEODSOLVE_CASES = [
    (40.6, -73.8, 49.01666667, 2.55, 5853226, 0.5),  # GeodSolve0: JFK - CDG
    (36.493349428792, 0, 36.49334942879201, 0.0000008, 0.072, 0.5e-3),  # GeodSolve4: short line
    (88.202499451857, 0, -88.202499451857, 179.981022032992859592, 20003898.214, 0.5e-3),  # 6
    (89.262080389218, 0, -89.262080389218, 179.992207982775375662, 20003925.854, 0.5e-3),  # 6
    (89.333123580033, 0, -89.333123580032997687, 179.99295812360148422, 20003926.881, 0.5e-3),
    (56.320923501171, 0, -56.320923501171, 179.664747671772880215, 19993558.287, 0.5e-3),  # 9
    (52.784459512564, 0, -52.784459512563990912, 179.634407464943777557, 19991596.095, 0.5e-3),
    (48.522876735459, 0, -48.52287673545898293, 179.599720456223079643, 19989144.774, 0.5e-3),
    (0, 0, 0, 179, 19926189, 0.5),  # GeodSolve33: along the equator
    (0, 0, 0, 179.5, 19980862, 0.5),  # GeodSolve33: leaves the equator (beyond (1 - f) * 180)
    (0, 0, 0, 180, 20003931, 0.5),  # GeodSolve33: antipodal on the equator, over a pole
    (0, 0, 1, 180, 19893357, 0.5),  # GeodSolve33
]


def _wrap(lon):
    return (lon + 180.0) % 360.0 - 180.0


def _pair(lat1, lon1, lat2, lon2, method="geodesic"):
    d = pairwise_distances([_wrap(lon1), _wrap(lon2)], [lat1, lat2], method=method)
    assert d[0, 1] == d[1, 0]
    return d[0, 1]


@pytest.mark.slow
def test_compiled_kernels_build_or_load():
    # First on a machine: numba compiles the kernels (~20 s CPU) and caches them; later
    # runs load them in well under a second. Done here so that the compile time is
    # charged to one test marked slow rather than to whichever test comes first.
    lon, lat = _random_points(5, 0)
    for dtype in ("float64", "float32"):
        d = pairwise_distances(lon, lat, dtype=dtype)
        assert d.dtype == np.dtype(dtype) and np.all(d == d.T)
    from geoproc.distances import _rect

    assert _rect(lon[:2], lat[:2], lon, lat, "geodesic").shape == (2, 5)


@pytest.mark.parametrize("lat1,lon1,lat2,lon2,s12", GEOGRAPHICLIB_CASES)
def test_geodesic_matches_geographiclib_published_cases(lat1, lon1, lat2, lon2, s12):
    assert abs(_pair(lat1, lon1, lat2, lon2) - s12 / 1000.0) <= MM


@pytest.mark.parametrize("lat1,lon1,lat2,lon2,s12,tol", GEODSOLVE_CASES)
def test_geodesic_near_antipodal_and_equatorial_geodsolve_cases(lat1, lon1, lat2, lon2, s12, tol):
    assert abs(_pair(lat1, lon1, lat2, lon2) - s12 / 1000.0) <= tol / 1000.0


def _random_points(n, seed):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180, 180, n)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))  # uniform on the sphere
    return lon, lat


def test_geodesic_matrix_agrees_with_pyproj_on_every_pair():
    lon, lat = _random_points(150, 1)
    d = pairwise_distances(lon, lat)
    i, j = np.triu_indices(lon.size, 1)
    _, _, ref = Geod(ellps="WGS84").inv(lon[i], lat[i], lon[j], lat[j])
    assert np.max(np.abs(d[i, j] - ref / 1000.0)) <= MM
    assert_allclose(d, d.T, rtol=0, atol=0)
    assert np.all(np.diag(d) == 0)


def test_geodesic_nearly_antipodal_pairs_agree_with_geographiclib():
    # points within ~1 degree of each other's antipode: the hard case for iterative methods
    rng = np.random.default_rng(7)
    n = 60
    lat1 = rng.uniform(-80, 80, n)
    lon1 = rng.uniform(-180, 180, n)
    lat2 = -lat1 + rng.uniform(-1, 1, n)
    lon2 = _wrap(lon1 + 180 + rng.uniform(-1, 1, n))
    for k in range(n):
        ref = Geodesic.WGS84.Inverse(lat1[k], lon1[k], lat2[k], lon2[k])["s12"] / 1000.0
        assert abs(_pair(lat1[k], lon1[k], lat2[k], lon2[k]) - ref) <= MM


def test_matrix_with_many_nearly_antipodal_pairs_agrees_with_pyproj():
    # 100 points and the antipodes of each, moved by up to 2 degrees: the compiled kernel
    # hands pairs beyond 179 degrees to pyproj; every pair must still be within 1 mm
    rng = np.random.default_rng(11)
    lon1, lat1 = _random_points(100, 11)
    lon = np.r_[lon1, _wrap(lon1 + 180 + rng.uniform(-2, 2, 100))]
    lat = np.r_[lat1, np.clip(-lat1 + rng.uniform(-2, 2, 100), -90, 90)]
    d = pairwise_distances(lon, lat)
    i, j = np.triu_indices(lon.size, 1)
    _, _, ref = Geod(ellps="WGS84").inv(lon[i], lat[i], lon[j], lat[j])
    assert np.max(np.abs(d[i, j] - ref / 1000.0)) <= MM
    assert not np.isnan(d).any()
    # the row-block kernel (used by the chunked writer) gives the same numbers, bit for bit
    from geoproc.distances import _rect

    assert (_rect(lon[:7], lat[:7], lon, lat, "geodesic") == d[:7]).all()


def test_pyproj_path_when_numba_is_disabled(monkeypatch):
    lon, lat = _random_points(60, 4)
    fast = pairwise_distances(lon, lat)
    monkeypatch.setenv("GEOPROC_NO_NUMBA", "1")
    slow = pairwise_distances(lon, lat)
    assert np.max(np.abs(fast - slow)) <= MM


def test_geodesic_polar_pairs():
    # pole to pole is half a meridian: 20003.931458625 km (geographiclib's Inverse(90,0,-90,0))
    assert abs(_pair(90, 0, -90, 0) - 20003.931458625447) <= MM
    # across the north pole (lon 0 and lon 180 at 89.9 N): the geodesic is the meridian
    # through the pole, equal to the distance from 89.9 N to 89.9 N on one side + other side
    ref = 2 * Geodesic.WGS84.Inverse(89.9, 0, 90, 0)["s12"] / 1000.0
    assert abs(_pair(89.9, 0, 89.9, 180) - ref) <= MM
    assert abs(_pair(-89.5, 10, -89.9, -120) - Geodesic.WGS84.Inverse(-89.5, 10, -89.9, -120)["s12"] / 1000) <= MM


def test_geodesic_across_the_dateline():
    # 0.2 degrees of the equator, crossing 180: a * dlon = 6378.137 km * 0.0034906585 rad = 22.263898 km
    hand = 6378.137 * math.radians(0.2)
    assert abs(_pair(0, 179.9, 0, -179.9) - hand) <= MM
    # and the same as the pair shifted away from the dateline
    assert abs(_pair(35, 179.95, 36, -179.8) - _pair(35, 0.05, 36, 0.3)) <= MM


def test_haversine_by_hand():
    # quarter of a great circle: pi/2 * 6371.0088 km = 10007.557221 km
    assert _pair(0, 0, 0, 90, "haversine") == pytest.approx(6371.0088 * math.pi / 2, abs=1e-9)
    # (60N, 0E) - (60N, 90E): cos c = sin^2 60 + cos^2 60 cos 90 = 0.75, c = acos 0.75
    # = 0.722734248 rad, d = 6371.0088 * 0.722734248 = 4604.546 km
    assert _pair(60, 0, 60, 90, "haversine") == pytest.approx(6371.0088 * math.acos(0.75), abs=1e-9)
    # antipodes: pi * R
    assert _pair(10, 20, -10, -160, "haversine") == pytest.approx(6371.0088 * math.pi, abs=1e-9)


def test_float32_option():
    lon, lat = _random_points(40, 3)
    d64 = pairwise_distances(lon, lat)
    d32 = pairwise_distances(lon, lat, dtype="float32")
    assert d32.dtype == np.float32
    assert_allclose(d32, d64.astype(np.float32), rtol=0, atol=0)
    h32 = pairwise_distances(lon, lat, method="haversine", dtype=np.float32)
    assert h32.dtype == np.float32


def _cities():
    # Beijing, Shanghai, Hangzhou, Urumqi as points (ids are their admin codes)
    return gpd.GeoDataFrame(
        {"code": [110000, 310000, 330100, 650100], "name_en": ["Beijing", "Shanghai", "Hangzhou", "Urumqi"]},
        geometry=[Point(116.40, 39.90), Point(121.47, 31.23), Point(120.16, 30.27), Point(87.62, 43.83)],
        crs="EPSG:4326",
    )


def test_distance_matrix_labelled_by_ids_and_says_method():
    g = _cities()
    d = distance_matrix(g)
    assert list(d.index) == [110000, 310000, 330100, 650100]
    assert list(d.columns) == list(d.index)
    assert d.index.name == "id"
    assert d.attrs["method"] == "geodesic" and d.attrs["units"] == "km"
    _, _, ref = Geod(ellps="WGS84").inv(116.40, 39.90, 87.62, 43.83)
    assert abs(d.loc[110000, 650100] - ref / 1000) <= MM
    by_name = distance_matrix(g, id="name_en", method="haversine")
    assert list(by_name.index) == ["Beijing", "Shanghai", "Hangzhou", "Urumqi"]
    assert by_name.attrs["method"] == "haversine"


def test_distance_matrix_accepts_projected_layers_and_polygons():
    g = _cities()
    d = distance_matrix(g)
    d_merc = distance_matrix(g.to_crs(3857))
    assert_allclose(d_merc.to_numpy(), d.to_numpy(), atol=MM)
    squares = gpd.GeoDataFrame({"code": [1, 2]}, geometry=[box(0, -1, 2, 1), box(10, -1, 12, 1)], crs=4326)
    ds = distance_matrix(squares)
    # symmetric about the equator: the area centroids lie on it, at lon 1 and 11
    assert abs(ds.loc[1, 2] - 6378.137 * math.radians(10)) <= 1e-3
    assert ds.attrs["centroids"] == "area"


def test_distance_matrix_from_a_lonlat_table():
    t = pd.DataFrame({"id": ["a", "b"], "lon": [0.0, 0.0], "lat": [0.0, 90.0]})
    d = distance_matrix(t, method="haversine")
    assert d.loc["a", "b"] == pytest.approx(6371.0088 * math.pi / 2, abs=1e-9)


def test_bad_coordinates_are_named():
    with pytest.raises(GeoprocInputError, match="swapped"):
        pairwise_distances([30.0, 40.0], [120.0, 116.0], labels=["x", "y"])
    with pytest.raises(GeoprocInputError, match="missing coordinates at b"):
        pairwise_distances([1.0, np.nan], [1.0, 2.0], labels=["a", "b"])
    projected_as_lonlat = gpd.GeoDataFrame(
        {"code": [1, 2]}, geometry=[Point(500000, 3500000), Point(1.0, 1.0)], crs=4326
    )
    with pytest.raises(GeoprocInputError, match=r"1 \(row 0\).*projected"):
        distance_matrix(projected_as_lonlat)
    with pytest.raises(GeoprocInputError, match="no coordinate reference system"):
        distance_matrix(gpd.GeoDataFrame({"code": [1]}, geometry=[Point(1, 1)]))
    with pytest.raises(GeoprocInputError, match=r"'lon' is not a number at b \(row 1: 'x'\)"):
        distance_matrix(pd.DataFrame({"id": ["a", "b"], "lon": [1.0, "x"], "lat": [2.0, 3.0]}))
    with pytest.raises(GeoprocInputError, match="no column 'lat'"):
        distance_matrix(pd.DataFrame({"id": ["a"], "lon": [1.0], "y": [2.0]}))
    with pytest.raises(GeoprocInputError, match="method"):
        pairwise_distances([0, 1], [0, 1], method="vincenty")
    with pytest.raises(GeoprocInputError, match="dtype"):
        pairwise_distances([0, 1], [0, 1], dtype="int32")


def test_coincident_pairs_are_named():
    g = gpd.GeoDataFrame(
        {"code": ["A", "B", "C", "D"]},
        geometry=[Point(110, 30), Point(111, 30), Point(110, 30), Point(111, 30)],
        crs=4326,
    )
    d = distance_matrix(g)
    assert coincident_pairs(d) == [("A", "C"), ("B", "D")]
    assert coincident_pairs(d.to_numpy(), ids=list("ABCD")) == [("A", "C"), ("B", "D")]
    assert coincident_pairs(d.to_numpy()) == [(0, 2), (1, 3)]
    with pytest.raises(GeoprocInputError, match="A and C; B and D"):
        check_no_coincident(d)
    check_no_coincident(distance_matrix(g.iloc[:2]))  # distinct: no error


def test_write_distance_matrix_in_chunks(tmp_path):
    g = _cities()
    out = tmp_path / "d.csv"
    write_distance_matrix(g, out, chunk_rows=3)
    back = pd.read_csv(out, index_col="id")
    assert list(back.index) == [110000, 310000, 330100, 650100]
    assert list(back.columns) == ["110000", "310000", "330100", "650100"]
    # written with 6 decimals (1 mm), symmetric to the last digit
    assert_allclose(back.to_numpy(), distance_matrix(g).to_numpy(), rtol=0, atol=0.5e-6)
    assert (back.to_numpy() == back.to_numpy().T).all()
    with pytest.raises(FileExistsError):
        write_distance_matrix(g, out)
    write_distance_matrix(g, out, method="haversine", dtype="float32", overwrite=True)
    back = pd.read_csv(out, index_col="id")
    assert_allclose(back.to_numpy(), distance_matrix(g, method="haversine").to_numpy(), atol=1e-3)


def test_write_distance_matrix_near_antipodes(tmp_path):
    # the row-block kernel also hands nearly antipodal pairs to pyproj
    t = pd.DataFrame({"id": ["a", "b", "c"], "lon": [10.0, -170.0, -169.5], "lat": [20.0, -20.0, -19.7]})
    out = tmp_path / "d.csv"
    write_distance_matrix(t, out, chunk_rows=1)
    back = pd.read_csv(out, index_col="id")
    geod = Geod(ellps="WGS84")
    for a, b in [("a", "b"), ("a", "c"), ("b", "c")]:
        ra, rb = t.set_index("id").loc[a], t.set_index("id").loc[b]
        _, _, s = geod.inv(ra.lon, ra.lat, rb.lon, rb.lat)
        assert abs(back.loc[a, b] - s / 1000) <= 1.5 * MM  # written to 1e-6 km
        assert back.loc[a, b] == back.loc[b, a]


def test_write_distance_matrix_quotes_ids_like_pandas(tmp_path):
    t = pd.DataFrame({"id": ["a,b", 'say "hi"', "x"], "lon": [0.0, 0.0, 90.0], "lat": [0.0, 90.0, 0.0]})
    out = tmp_path / "q.csv"
    write_distance_matrix(t, out, method="haversine")
    back = pd.read_csv(out, index_col="id")
    assert list(back.index) == ["a,b", 'say "hi"', "x"] and list(back.columns) == list(back.index)
    # pi/2 * 6371.0088 km = 10007.557221 km, written to 6 decimals
    assert back.loc["a,b", 'say "hi"'] == pytest.approx(6371.0088 * math.pi / 2, abs=1e-6)
    with pytest.raises(GeoprocInputError, match="chunk_rows"):
        write_distance_matrix(t, tmp_path / "z.csv", chunk_rows=0)
    assert not (tmp_path / "z.csv").exists()


def test_write_distance_matrix_writes_nothing_on_bad_input(tmp_path):
    out = tmp_path / "d.csv"
    bad = gpd.GeoDataFrame({"code": [1, 1]}, geometry=[Point(1, 1), Point(2, 2)], crs=4326)
    with pytest.raises(GeoprocInputError, match="duplicate"):
        write_distance_matrix(bad, out)
    assert list(tmp_path.iterdir()) == []


def test_input_is_not_modified():
    g = _cities()
    before = g.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distance_matrix(g)
    pd.testing.assert_frame_equal(g, before)


def test_shipped_layer_name_and_largest_centroid(tmp_path):
    import warnings as _w

    from geoproc.centroid import CentroidOutsideWarning, centroids

    with _w.catch_warnings():
        _w.simplefilter("ignore", CentroidOutsideWarning)
        d = distance_matrix("china_provinces", how="largest")
        cen = centroids("china_provinces", how="largest").set_index("id")
    assert len(d) == 31 and d.attrs["centroids"] == "largest"
    # Beijing to Hainan Island between the "largest" centroids, by pyproj
    _, _, ref = Geod(ellps="WGS84").inv(*cen.loc[110000, ["lon", "lat"]], *cen.loc[460000, ["lon", "lat"]])
    assert abs(d.loc[110000, 460000] - ref / 1000) <= MM
    out = tmp_path / "d.csv"
    with _w.catch_warnings():
        _w.simplefilter("ignore", CentroidOutsideWarning)
        write_distance_matrix("yrd_cities", out, how="largest")
    assert pd.read_csv(out, index_col="id").shape == (41, 41)
    with pytest.raises(GeoprocInputError, match="how must be one of"):
        distance_matrix("china_provinces", how="middle")


def test_cli_accepts_centroid_largest(tmp_path):
    from geoproc.cli import main

    out = tmp_path / "d.csv"
    assert main(["distances", "china_provinces", "--centroid", "largest", "-o", str(out)]) == 0
    cli = pd.read_csv(out, index_col="id")
    lib = distance_matrix("china_provinces", how="largest")
    assert_allclose(cli.to_numpy(), lib.to_numpy(), atol=MM)  # written to 1 mm
    w = tmp_path / "w.gwt"
    assert main(["weights", "china_provinces", "--kind", "inverse-distance", "--centroid", "largest",
                 "-o", str(w)]) == 0
    assert w.exists()
