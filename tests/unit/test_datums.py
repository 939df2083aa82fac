"""GCJ-02 and BD-09 against published test points from independent implementations."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from geoproc import GeoprocInputError, from_wgs84, to_wgs84

# googollee/eviltransform, python/test.py (TESTS): exact outputs of the published
# forward algorithm, (wgs lon, wgs lat, gcj lon, gcj lat)
EVILTRANSFORM = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
]

# wandergis/coordtransform, test/app.js (also hutool CoordinateUtilTest):
# wgs84togcj02(116.404, 39.915) and gcj02tobd09(116.404, 39.915)
COORDTRANSFORM_WGS_TO_GCJ = ((116.404, 39.915), (116.41024449916938, 39.91640428150164))
COORDTRANSFORM_GCJ_TO_BD = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))

# hujiulong/gcoord, test/fixtures/china-cities.json: the same place in WGS84, GCJ02 and
# BD09, rounded to 7 decimals (gcoord's own tests accept 1e-4 degrees for GCJ02->WGS84
# and 1e-6 for GCJ02->BD09)
GCOORD = [
    # 驻马店市
    ((114.0164322, 33.0133556), (114.022306, 33.0115324), (114.0287781, 33.0176697)),
    # 邵阳市
    ((111.4622119, 27.242124), (111.4677938, 27.2388981), (111.4742271, 27.2451662)),
    # 那曲地区
    ((92.0499619, 31.4784436), (92.0512438, 31.4762063), (92.0576832, 31.4824421)),
    # 泰州市
    ((119.9183831, 32.4580023), (119.9231242, 32.4557802), (119.9296902, 32.4615531)),
    # 金华市
    ((119.6427465, 29.0820414), (119.6474509, 29.0790641), (119.6538875, 29.0854003)),
]


@pytest.mark.parametrize("wlon, wlat, glon, glat", EVILTRANSFORM)
def test_wgs_to_gcj_eviltransform(wlon, wlat, glon, glat):
    assert_allclose(from_wgs84(wlon, wlat, "gcj02"), (glon, glat), rtol=0, atol=1e-12)
    # the exact inverse recovers the WGS84 point (eviltransform's own exact inverse
    # is only asked for 0.5 m; ours iterates to 1e-9 degrees)
    assert_allclose(to_wgs84(glon, glat, "gcj02"), (wlon, wlat), rtol=0, atol=1e-9)


def test_coordtransform_points():
    (lon, lat), expected = COORDTRANSFORM_WGS_TO_GCJ
    assert_allclose(from_wgs84(lon, lat, "gcj02"), expected, rtol=0, atol=1e-12)
    # gcj -> bd for a gcj input = wgs -> bd for the gcj point's wgs preimage
    (glon, glat), bd = COORDTRANSFORM_GCJ_TO_BD
    wlon, wlat = to_wgs84(glon, glat, "gcj02")
    assert_allclose(from_wgs84(wlon, wlat, "bd09"), bd, rtol=0, atol=1e-9)
    assert_allclose(to_wgs84(*bd, "bd09"), (wlon, wlat), rtol=0, atol=1e-9)


@pytest.mark.parametrize("wgs, gcj, bd", GCOORD)
def test_gcoord_fixture(wgs, gcj, bd):
    # the fixture's values are rounded and not all from the same algorithm run:
    # agree to 1e-5 degrees (~1 m), tighter than gcoord's own 1e-4
    assert_allclose(from_wgs84(*wgs, "gcj02"), gcj, rtol=0, atol=1e-5)
    assert_allclose(from_wgs84(*wgs, "bd09"), bd, rtol=0, atol=1e-5)
    assert_allclose(to_wgs84(*gcj, "gcj02"), wgs, rtol=0, atol=1e-5)
    assert_allclose(to_wgs84(*bd, "bd09"), wgs, rtol=0, atol=1e-5)
    # gcj -> bd alone is a closed formula: the fixture agrees to its 7-decimal rounding
    gw = to_wgs84(*gcj, "gcj02")
    assert_allclose(from_wgs84(*gw, "bd09"), bd, rtol=0, atol=1e-7)


def test_offset_is_about_half_a_kilometre():
    # the point of the datum: GCJ-02 in Nanjing is a few hundred metres from WGS84
    from pyproj import Geod

    lon, lat = 118.7969, 32.0603
    glon, glat = from_wgs84(lon, lat)
    d = Geod(ellps="WGS84").inv(lon, lat, glon, glat)[2]
    assert 100 < d < 1000


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_round_trip_grid(datum):
    rng = np.random.default_rng(7)
    lon = rng.uniform(73, 135, 5000)
    lat = rng.uniform(18, 54, 5000)
    x, y = to_wgs84(*from_wgs84(lon, lat, datum), datum)
    assert np.abs(x - lon).max() < 1e-9
    assert np.abs(y - lat).max() < 1e-9
    x, y = from_wgs84(*to_wgs84(lon, lat, datum), datum)
    assert np.abs(x - lon).max() < 1e-9
    assert np.abs(y - lat).max() < 1e-9


def test_vectorised_matches_scalar():
    lon = np.array([p[0][0] for p in GCOORD])
    lat = np.array([p[0][1] for p in GCOORD])
    for datum in ("gcj02", "bd09"):
        vx, vy = from_wgs84(lon, lat, datum)
        ix, iy = to_wgs84(vx, vy, datum)
        for i in range(len(lon)):
            sx, sy = from_wgs84(lon[i], lat[i], datum)
            assert isinstance(sx, float) and isinstance(sy, float)
            # equal up to the last bits SIMD and scalar libm paths may differ in
            assert_allclose((sx, sy), (vx[i], vy[i]), rtol=0, atol=1e-12)
            assert_allclose(to_wgs84(sx, sy, datum), (ix[i], iy[i]), rtol=0, atol=1e-12)
    # lists and 2-D arrays keep their shape
    x, y = from_wgs84([[116.4, 121.5]], [[39.9, 31.2]])
    assert x.shape == (1, 2) and y.shape == (1, 2)


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_outside_china_unchanged(datum):
    # Paris, Sydney, the poles and the antimeridian: identity outside China's box
    lon = np.array([2.3522, 151.2093, 180.0, -180.0, 0.0])
    lat = np.array([48.8566, -33.8688, 90.0, -90.0, 0.0])
    assert_allclose(np.array(from_wgs84(lon, lat, datum)), [lon, lat], rtol=0, atol=0)
    assert_allclose(np.array(to_wgs84(lon, lat, datum)), [lon, lat], rtol=0, atol=0)


def test_input_not_modified():
    lon = np.array([116.4, 121.5])
    lat = np.array([39.9, 31.2])
    for datum in ("gcj02", "bd09", "wgs84"):
        x, _ = to_wgs84(lon, lat, datum)
        x += 1.0
        assert lon.tolist() == [116.4, 121.5]


def test_wgs84_identity():
    assert to_wgs84(116.4, 39.9, "wgs84") == (116.4, 39.9)
    assert from_wgs84(116.4, 39.9, "WGS84") == (116.4, 39.9)


def test_bad_input_names_rows():
    with pytest.raises(GeoprocInputError, match="row 1"):
        to_wgs84([116.4, np.nan], [39.9, 30.0])
    with pytest.raises(GeoprocInputError, match="swapped"):
        from_wgs84([39.9], [116.4])
    with pytest.raises(GeoprocInputError, match="park B"):
        to_wgs84([116.4, 500.0], [39.9, 30.0], "bd09", labels=["park A", "park B"])
    with pytest.raises(GeoprocInputError, match="unknown datum"):
        to_wgs84(116.4, 39.9, "cgcs2000")
    with pytest.raises(GeoprocInputError, match="shapes"):
        to_wgs84([116.4, 117.0], [39.9])
