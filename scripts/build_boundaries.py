#!/usr/bin/env python3
"""Build data/boundaries/*.gpkg from the map files of the npm package echarts@4.9.0.

Rerun with ``.venv/bin/python scripts/build_boundaries.py`` (needs ``npm`` on PATH, or
``--source DIR`` pointing at an unpacked ``package/`` folder). It writes

- ``data/boundaries/china_provinces.gpkg``: the 31 mainland provinces, each dissolved
  from its own city-level file ``map/json/province/<name>.json``;
- ``data/boundaries/yrd_cities.gpkg``: the 41 prefecture-level units of the Yangtze
  River Delta (Shanghai as one unit, 13 Jiangsu, 11 Zhejiang, 16 Anhui cities);

both in EPSG:4326, sorted by code, written atomically; and prints the repair and area
figures quoted in ``data/boundaries/README.md``.

Steps: decode echarts' compressed coordinates (``"UTF8Encoding": true``, see
``decode_ring``) -> repair each city (quantisation to 1/1024 degree makes rings
self-intersect) -> GCJ-02 to WGS84 (``geoproc.datums``) -> repair again -> resolve
overlaps between cities of a province, then between provinces (explicit rules in
``OVERLAP_WINNERS``) -> fill pinhole gaps -> snap every city to a 1e-7 degree grid
and repair it until it is valid in EPSG:4326, 3857, 6933 and in a Lambert azimuthal
equal-area frame on its own centre (``snap``, ``make_robust``; see there why) ->
provinces are the union of their cities, made robust the same way -> check both layers
in those CRSs once more (``check_valid_projected``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
import shapely.geometry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoproc.datums import to_wgs84  # noqa: E402
from geoproc.outputs import atomic_output  # noqa: E402

PACKAGE = "echarts@4.9.0"
OUT = ROOT / "data" / "boundaries"
# Equal-area (Albers, WGS84 ellipsoid) projection used for every area figure below
ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=WGS84 +units=m +no_defs"
# Output grid in degrees (about 1 cm): see ``snap``
GRID = 1e-7
# CRSs every unit must stay valid in (besides a local LAEA per unit)
CHECK_CRS = ("EPSG:4326", "EPSG:3857", "EPSG:6933")

# The 31 mainland provinces: echarts file stem -> (code, name_zh, short_zh, name_en).
# Codes and names: GB/T 2260 / the Ministry of Civil Affairs' administrative division
# codes; English names are the conventional ones.
PROVINCES: dict[str, tuple[int, str, str, str]] = {
    "beijing": (110000, "北京市", "北京", "Beijing"),
    "tianjin": (120000, "天津市", "天津", "Tianjin"),
    "hebei": (130000, "河北省", "河北", "Hebei"),
    "shanxi": (140000, "山西省", "山西", "Shanxi"),
    "neimenggu": (150000, "内蒙古自治区", "内蒙古", "Inner Mongolia"),
    "liaoning": (210000, "辽宁省", "辽宁", "Liaoning"),
    "jilin": (220000, "吉林省", "吉林", "Jilin"),
    "heilongjiang": (230000, "黑龙江省", "黑龙江", "Heilongjiang"),
    "shanghai": (310000, "上海市", "上海", "Shanghai"),
    "jiangsu": (320000, "江苏省", "江苏", "Jiangsu"),
    "zhejiang": (330000, "浙江省", "浙江", "Zhejiang"),
    "anhui": (340000, "安徽省", "安徽", "Anhui"),
    "fujian": (350000, "福建省", "福建", "Fujian"),
    "jiangxi": (360000, "江西省", "江西", "Jiangxi"),
    "shandong": (370000, "山东省", "山东", "Shandong"),
    "henan": (410000, "河南省", "河南", "Henan"),
    "hubei": (420000, "湖北省", "湖北", "Hubei"),
    "hunan": (430000, "湖南省", "湖南", "Hunan"),
    "guangdong": (440000, "广东省", "广东", "Guangdong"),
    "guangxi": (450000, "广西壮族自治区", "广西", "Guangxi"),
    "hainan": (460000, "海南省", "海南", "Hainan"),
    "chongqing": (500000, "重庆市", "重庆", "Chongqing"),
    "sichuan": (510000, "四川省", "四川", "Sichuan"),
    "guizhou": (520000, "贵州省", "贵州", "Guizhou"),
    "yunnan": (530000, "云南省", "云南", "Yunnan"),
    "xizang": (540000, "西藏自治区", "西藏", "Tibet"),
    "shanxi1": (610000, "陕西省", "陕西", "Shaanxi"),
    "gansu": (620000, "甘肃省", "甘肃", "Gansu"),
    "qinghai": (630000, "青海省", "青海", "Qinghai"),
    "ningxia": (640000, "宁夏回族自治区", "宁夏", "Ningxia"),
    "xinjiang": (650000, "新疆维吾尔自治区", "新疆", "Xinjiang"),
}

# The YRD prefecture-level cities: name_zh in the echarts file -> (code, short_zh, name_en).
# Current codes (MCA list); Anhui's 16 are the set since Chaohu (341400) was dissolved
# in 2011, which the source already reflects.
YRD_CITIES: dict[int, dict[str, tuple[int, str, str]]] = {
    320000: {
        "南京市": (320100, "南京", "Nanjing"),
        "无锡市": (320200, "无锡", "Wuxi"),
        "徐州市": (320300, "徐州", "Xuzhou"),
        "常州市": (320400, "常州", "Changzhou"),
        "苏州市": (320500, "苏州", "Suzhou"),
        "南通市": (320600, "南通", "Nantong"),
        "连云港市": (320700, "连云港", "Lianyungang"),
        "淮安市": (320800, "淮安", "Huai'an"),
        "盐城市": (320900, "盐城", "Yancheng"),
        "扬州市": (321000, "扬州", "Yangzhou"),
        "镇江市": (321100, "镇江", "Zhenjiang"),
        "泰州市": (321200, "泰州", "Taizhou"),
        "宿迁市": (321300, "宿迁", "Suqian"),
    },
    330000: {
        "杭州市": (330100, "杭州", "Hangzhou"),
        "宁波市": (330200, "宁波", "Ningbo"),
        "温州市": (330300, "温州", "Wenzhou"),
        "嘉兴市": (330400, "嘉兴", "Jiaxing"),
        "湖州市": (330500, "湖州", "Huzhou"),
        "绍兴市": (330600, "绍兴", "Shaoxing"),
        "金华市": (330700, "金华", "Jinhua"),
        "衢州市": (330800, "衢州", "Quzhou"),
        "舟山市": (330900, "舟山", "Zhoushan"),
        "台州市": (331000, "台州", "Taizhou"),
        "丽水市": (331100, "丽水", "Lishui"),
    },
    340000: {
        "合肥市": (340100, "合肥", "Hefei"),
        "芜湖市": (340200, "芜湖", "Wuhu"),
        "蚌埠市": (340300, "蚌埠", "Bengbu"),
        "淮南市": (340400, "淮南", "Huainan"),
        "马鞍山市": (340500, "马鞍山", "Ma'anshan"),
        "淮北市": (340600, "淮北", "Huaibei"),
        "铜陵市": (340700, "铜陵", "Tongling"),
        "安庆市": (340800, "安庆", "Anqing"),
        "黄山市": (341000, "黄山", "Huangshan"),
        "滁州市": (341100, "滁州", "Chuzhou"),
        "阜阳市": (341200, "阜阳", "Fuyang"),
        "宿州市": (341300, "宿州", "Suzhou"),
        "六安市": (341500, "六安", "Lu'an"),
        "亳州市": (341600, "亳州", "Bozhou"),
        "池州市": (341700, "池州", "Chizhou"),
        "宣城市": (341800, "宣城", "Xuancheng"),
    },
}


# ---------------------------------------------------------------------------- source


def fetch_package(workdir: Path) -> Path:
    """``npm pack`` the package into ``workdir`` and unpack it; return ``package/``."""
    out = subprocess.run(
        ["npm", "pack", PACKAGE, "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    tgz = workdir / out.stdout.strip().splitlines()[-1]
    wanted = ("package/map/json/province/", "package/LICENSE", "package/NOTICE", "package/package.json")
    with tarfile.open(tgz) as tar:
        # copy regular files only, by name (Python 3.11.2's extractall has no filter=)
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(wanted) or ".." in member.name:
                continue
            target = workdir / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(member).read())
    return workdir / "package"


def decode_ring(encoded: str, offset: list[int], scale: float = 1024.0) -> np.ndarray:
    """Decode one ring of echarts' compressed GeoJSON into an (n, 2) array of degrees.

    Mirrors ``decodePolygon`` in the package's ``src/coord/geo/parseGeoJson.js``: each
    pair of UTF-16 code units is (x, y); value = code unit - 64, zigzag-decoded
    (``(v >> 1) ^ -(v & 1)``), delta-summed starting from the ring's ``encodeOffsets``
    pair, divided by the scale (``UTF8Scale``, default 1024).
    """
    units = np.frombuffer(encoded.encode("utf-16-le"), dtype="<u2").astype(np.int64) - 64
    if units.size % 2:
        raise ValueError("odd number of code units in an encoded ring")
    v = (units >> 1) ^ -(units & 1)
    xy = v.reshape(-1, 2)
    xy = np.cumsum(xy, axis=0) + np.asarray(offset, dtype=np.int64)
    return xy / scale


def decode_geometry(geometry: dict, scale: float) -> shapely.Geometry:
    """A shapely (Multi)Polygon from an encoded echarts geometry (GeoJSON ring order)."""
    def polygon(rings: list[str], offsets: list[list[int]]) -> shapely.Polygon:
        coords = [decode_ring(r, o, scale) for r, o in zip(rings, offsets, strict=True)]
        return shapely.Polygon(coords[0], coords[1:])

    if geometry["type"] == "Polygon":
        return polygon(geometry["coordinates"], geometry["encodeOffsets"])
    if geometry["type"] == "MultiPolygon":
        return shapely.MultiPolygon(
            [
                polygon(rings, offs)
                for rings, offs in zip(geometry["coordinates"], geometry["encodeOffsets"], strict=True)
            ]
        )
    raise ValueError(f"unexpected geometry type {geometry['type']}")


def read_province_file(path: Path) -> dict[str, shapely.Geometry]:
    """City name -> decoded geometry (GCJ-02), features of the same name merged."""
    data = json.loads(path.read_text("utf-8"))
    scale = float(data.get("UTF8Scale") or 1024)
    out: dict[str, list[shapely.Geometry]] = {}
    for feature in data["features"]:
        name = feature["properties"]["name"]
        if data.get("UTF8Encoding"):
            geom = decode_geometry(feature["geometry"], scale)
        else:  # xizang.json ships as plain GeoJSON (already on the 1/1024 grid)
            geom = shapely.geometry.shape(feature["geometry"])
        out.setdefault(name, []).append(geom)
    return {name: (g[0] if len(g) == 1 else shapely.MultiPolygon(polygons(g))) for name, g in out.items()}


# ---------------------------------------------------------------------------- geometry


def polygons(geoms) -> list[shapely.Polygon]:
    """The polygonal parts of geometries (drops points and lines make_valid may leave)."""
    out: list[shapely.Polygon] = []
    for g in np.atleast_1d(geoms):
        for part in shapely.get_parts(g):
            if isinstance(part, shapely.Polygon):
                if not part.is_empty:
                    out.append(part)
            elif isinstance(part, shapely.MultiPolygon | shapely.GeometryCollection):
                out.extend(polygons(part))
    return out


def repair(geom: shapely.Geometry) -> shapely.Geometry:
    """make_valid ('structure': interiors of rings, not the XOR of their lines), polygons only."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = polygons(geom)
    return shapely.MultiPolygon(parts) if len(parts) != 1 else parts[0]


def snap(geom: shapely.Geometry, grid: float = GRID) -> shapely.Geometry:
    """Snap-round to a ``grid``-degree grid, drop repeated points and degenerate rings, repair.

    Why: after the datum conversion and the overlap/gap repairs, vertices sit at
    arbitrary doubles, some a few nanodegrees from another edge of the same ring. Such a
    ring is valid in lon/lat, but any reprojection bends edges by more than that (a
    0.5 km edge by ~4 mm in Web Mercator), so the vertex crosses the edge: before this
    step 19 of 31 provinces and 20 of 41 cities were invalid in EPSG:3857. GEOS' snap
    rounding (``set_precision``) moves every vertex to the grid and nodes any vertex
    within half a cell of an edge into that edge, so near-touches become exact shared
    vertices (which every projection maps to the same point) or are at least a cell
    apart.
    """
    geom = shapely.set_precision(geom, grid)  # mode "valid_output": snap rounding
    geom = shapely.remove_repeated_points(geom)
    parts = []
    for part in polygons(geom):
        # degenerate rings: fewer than 4 points or no area after snapping
        holes = [
            r for r in part.interiors
            if len(r.coords) >= 4 and shapely.area(shapely.Polygon(r)) > 0
        ]
        if len(part.exterior.coords) >= 4 and shapely.area(shapely.Polygon(part.exterior)) > 0:
            parts.append(shapely.Polygon(part.exterior, holes))
    geom = repair(shapely.MultiPolygon(parts) if len(parts) != 1 else parts[0])
    if not geom.is_valid:
        raise ValueError(f"geometry invalid after snapping: {shapely.is_valid_reason(geom)}")
    return geom


@lru_cache(maxsize=64)
def _transformer(src: str, dst: str):
    """A cached pyproj Transformer (building one costs ~20 ms; thousands of units need them)."""
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def _transformers(geom: shapely.Geometry) -> dict[str, tuple]:
    """(forward, inverse) lon/lat transformers for every CRS a unit must stay valid in."""
    from pyproj import Transformer

    c = geom.centroid  # a centre for the local frame; need not be the area centroid
    out = {crs: (_transformer("EPSG:4326", crs), _transformer(crs, "EPSG:4326"))
           for crs in CHECK_CRS if crs != "EPSG:4326"}
    laea = f"+proj=laea +lat_0={c.y} +lon_0={c.x} +ellps=WGS84"
    out["local LAEA"] = (Transformer.from_crs("EPSG:4326", laea, always_xy=True),
                         Transformer.from_crs(laea, "EPSG:4326", always_xy=True))
    return out


def _apply(t, geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def invalid_in(geom: shapely.Geometry) -> list[str]:
    """The CRSs (of ``CHECK_CRS`` and the unit's local LAEA) in which ``geom`` is invalid."""
    bad = [] if geom.is_valid else ["EPSG:4326"]
    for name, (fwd, _) in _transformers(geom).items():
        if not _apply(fwd, geom).is_valid:
            bad.append(name)
    return bad


def make_robust(geom: shapely.Geometry, rounds: int = 5) -> shapely.Geometry:
    """``snap``, then repair in any CRS the unit is still invalid in, until valid in all.

    Snap rounding keeps vertices half a grid cell (5 mm) from other edges, but a
    projection bends a 0.5 km edge by up to ~5 mm (Web Mercator at 45°N), so a vertex
    that close to a long edge can still cross it. Such a unit is repaired where it is
    invalid (make_valid in that CRS turns the crossing into a shared vertex), brought
    back to lon/lat and snapped again; vertices away from the defect return to the same
    grid points (the round trip is exact to ~1e-9 m).
    """
    geom = snap(geom)
    for _ in range(rounds):
        bad = invalid_in(geom)
        if not bad:
            return geom
        fwd, inv = _transformers(geom)[bad[0]] if bad[0] != "EPSG:4326" else (None, None)
        if fwd is not None:
            geom = _apply(inv, repair(_apply(fwd, geom)))
        geom = snap(geom)
    raise ValueError(f"unit still invalid in {invalid_in(geom)} after {rounds} repair rounds")


def check_valid_projected(gdf, label: str) -> dict[str, int]:
    """Count units invalid in each of ``CHECK_CRS`` and in a LAEA frame on their centre.

    Raises if any is invalid: a layer that breaks when a user reprojects it must not ship.
    """
    counts = {}
    for crs in CHECK_CRS:
        projected = gdf.geometry if crs == "EPSG:4326" else gdf.geometry.to_crs(crs)
        counts[crs] = int((~projected.is_valid).sum())
    counts["local LAEA"] = sum("local LAEA" in invalid_in(g) for g in gdf.geometry)
    if any(counts.values()):
        raise ValueError(f"{label}: units invalid after reprojection: {counts}")
    return counts


def gcj_to_wgs(geom: shapely.Geometry) -> shapely.Geometry:
    """Move every vertex from GCJ-02 to WGS84."""
    return shapely.transform(geom, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], "gcj02")))


def albers_area_km2(geoms) -> np.ndarray:
    """Areas in km² in the equal-area Albers projection ``ALBERS``."""
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", ALBERS, always_xy=True)
    projected = shapely.transform(
        np.asarray(geoms, dtype=object), lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))
    )
    return shapely.area(projected) / 1e6


# ---------------------------------------------------------------------------- overlaps

# Overlaps between cities of the source, resolved by who keeps the overlap. Default: the
# unit that comes first (lower province code, then file order) keeps it. Exceptions,
# each found by measuring every pairwise overlap (see README.md):
#   (winner, loser) as (province code, name_zh)
OVERLAP_WINNERS: list[tuple[tuple[int, str], tuple[int, str]]] = [
    # Chongming island's north shore (Haiyong and Qilong towns) belongs to Nantong
    # (Haimen and Qidong); the source's Chongming district polygon covers the whole island.
    ((320000, "南通市"), (310000, "崇明区")),
    # The Xingxingxia (星星峡) strip between Jiuquan and Hami is administered by Hami
    # (Xinjiang); the source draws it in both.
    ((650000, "哈密市"), (620000, "酒泉市")),
    # Kaizhou's 2016 polygon reaches into Dazhou; Dazhou's polygon matches its official
    # area (16,591 km²) to 0.01 %, Kaizhou's exceeds its (about 3,960 km²) by 0.8 %.
    ((510000, "达州市"), (500000, "开州区")),
]


def resolve_overlaps(keys: list[tuple[int, str]], geoms: list[shapely.Geometry]) -> list[dict]:
    """Remove every pairwise overlap (in place on ``geoms``); return what was moved."""
    winners = {frozenset(pair): pair[0] for pair in OVERLAP_WINNERS}
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    log = []
    for i, j in sorted(zip(left.tolist(), right.tolist(), strict=True)):
        if i >= j:
            continue
        inter = shapely.intersection(geoms[i], geoms[j])
        if shapely.area(inter) == 0:
            continue
        win = winners.get(frozenset((keys[i], keys[j])), keys[i])
        w, lose = (i, j) if win == keys[i] else (j, i)
        geoms[lose] = repair(shapely.difference(geoms[lose], geoms[w]))
        log.append({"winner": keys[w], "loser": keys[lose], "km2": float(albers_area_km2([inter])[0])})
    return log


def fill_gaps(geoms: list[shapely.Geometry], max_km2: float = 100.0) -> list[float]:
    """Give each enclosed gap between units to the neighbour with the longest shared edge.

    Cities simplified one by one leave pinholes between them; these are holes of the
    union of all units that no unit covers. Bigger holes (> ``max_km2``) would be real
    and are left alone (none exists). Returns the gap areas in km².
    """
    union = shapely.union_all(geoms)
    holes = [
        repair(shapely.difference(shapely.Polygon(ring), union))  # minus islands in the hole
        for part in shapely.get_parts(union)
        for ring in part.interiors
    ]
    holes = [h for h in holes if not h.is_empty]
    if not holes:
        return []
    areas = albers_area_km2(holes)
    tree = shapely.STRtree(geoms)
    additions: dict[int, list[shapely.Geometry]] = {}
    for hole, area in zip(holes, areas, strict=True):
        if area > max_km2:
            continue
        # shared edge length ~ area of the neighbour within a thin band around the hole
        band = shapely.buffer(hole, 1e-4)
        cand = tree.query(band, predicate="intersects")
        shared = [shapely.area(shapely.intersection(geoms[k], band)) for k in cand]
        additions.setdefault(int(cand[int(np.argmax(shared))]), []).append(hole)
    for k, extra in additions.items():
        geoms[k] = repair(shapely.union_all([geoms[k], *extra]))
    return [float(a) for a in areas if a <= max_km2]


# ---------------------------------------------------------------------------- build


def load_cities(source: Path) -> tuple[list[tuple[int, str]], list[shapely.Geometry], dict]:
    """Every city of the 31 mainland province files, repaired and in WGS84."""
    keys, geoms = [], []
    stats = {"units": 0, "invalid_decoded": 0, "invalid_after_datum": 0, "repair_km2": 0.0}
    for stem, (code, *_) in PROVINCES.items():
        for name, raw in read_province_file(source / "map" / "json" / "province" / f"{stem}.json").items():
            stats["units"] += 1
            stats["invalid_decoded"] += int(not raw.is_valid)
            fixed = repair(raw)
            moved = gcj_to_wgs(fixed)
            stats["invalid_after_datum"] += int(not moved.is_valid)
            final = repair(moved)
            if not raw.is_valid:
                # area changed by the repair, measured on the WGS84 geometry of each step
                before = albers_area_km2([gcj_to_wgs(shapely.MultiPolygon(polygons(raw)))])[0]
                stats["repair_km2"] += abs(float(albers_area_km2([final])[0]) - before)
            keys.append((code, name))
            geoms.append(final)
    return keys, geoms, stats


def province_frame(keys, geoms):
    import geopandas as gpd

    rows = []
    for code, name_zh, short_zh, name_en in PROVINCES.values():
        parts = [g for k, g in zip(keys, geoms, strict=True) if k[0] == code]
        geom = make_robust(shapely.union_all(parts))
        rows.append({"code": code, "name_zh": name_zh, "short_zh": short_zh, "name_en": name_en, "geometry": geom})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326").sort_values("code", ignore_index=True)


def yrd_frame(keys, geoms):
    import geopandas as gpd

    rows = []
    shanghai = [g for k, g in zip(keys, geoms, strict=True) if k[0] == 310000]
    rows.append(
        {"code": 310000, "name_zh": "上海市", "short_zh": "上海", "name_en": "Shanghai",
         "province_code": 310000, "geometry": make_robust(shapely.union_all(shanghai))}
    )
    lookup = dict(zip(keys, geoms, strict=True))
    for pcode, cities in YRD_CITIES.items():
        names = {name for code, name in keys if code == pcode}
        if names != set(cities):
            raise ValueError(f"province {pcode}: source cities {sorted(names)} differ from {sorted(cities)}")
        for name_zh, (code, short_zh, name_en) in cities.items():
            rows.append(
                {"code": code, "name_zh": name_zh, "short_zh": short_zh, "name_en": name_en,
                 "province_code": pcode, "geometry": lookup[(pcode, name_zh)]}
            )
    return gpd.GeoDataFrame(rows, crs="EPSG:4326").sort_values("code", ignore_index=True)


def pairwise_overlap_km2(gdf) -> list[tuple[int, int, float]]:
    geoms = gdf.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    out = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            a = float(albers_area_km2([shapely.intersection(geoms[i], geoms[j])])[0])
            if a > 0:
                out.append((int(gdf["code"].iat[i]), int(gdf["code"].iat[j]), a))
    return sorted(out, key=lambda r: -r[2])


def write_gpkg(gdf, path: Path, layer: str) -> None:
    with atomic_output(path, overwrite=True) as tmp:
        gdf.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")


def build(source: Path, out: Path = OUT) -> dict:
    keys, geoms, stats = load_cities(source)
    before = pairwise_overlap_km2_list(keys, geoms)
    moved = resolve_overlaps(keys, geoms)
    gaps = fill_gaps(geoms)
    # snap the cities first, so provinces are unions of on-grid, overlap-free pieces
    geoms = [make_robust(g) for g in geoms]
    # the first pass and gap filling leave slivers (the largest, 0.008 km² between
    # Jiuquan and Hami), and snapping adds a few cm² per node (0.012 km² there in all):
    # resolve them by the same rules, then snap again
    moved_again = resolve_overlaps(keys, geoms)
    geoms = [make_robust(g) for g in geoms]
    provinces = province_frame(keys, geoms)
    cities = yrd_frame(keys, geoms)
    invalid_projected = {
        "china_provinces": check_valid_projected(provinces, "china_provinces"),
        "yrd_cities": check_valid_projected(cities, "yrd_cities"),
    }
    out.mkdir(parents=True, exist_ok=True)
    write_gpkg(provinces, out / "china_provinces.gpkg", "china_provinces")
    write_gpkg(cities, out / "yrd_cities.gpkg", "yrd_cities")
    stats.update(
        overlaps_before=before,
        moved=moved,
        gaps_filled=len(gaps),
        gaps_km2=float(sum(gaps)),
        largest_gap_km2=max(gaps, default=0.0),
        invalid_projected=invalid_projected,
        moved_again=moved_again,
        province_overlaps_after=pairwise_overlap_km2(provinces),
        city_overlaps_after=pairwise_overlap_km2(cities),
        province_area_km2=dict(zip(provinces["code"], albers_area_km2(provinces.geometry), strict=True)),
        city_area_km2=dict(zip(cities["code"], albers_area_km2(cities.geometry), strict=True)),
        vertices={"china_provinces": int(shapely.get_num_coordinates(provinces.geometry).sum()),
                  "yrd_cities": int(shapely.get_num_coordinates(cities.geometry).sum())},
    )
    return stats


def pairwise_overlap_km2_list(keys, geoms) -> list[tuple[tuple[int, str], tuple[int, str], float]]:
    """Every overlap above 0.5 km² between two source units, before any resolution."""
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    out = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            a = float(albers_area_km2([shapely.intersection(geoms[i], geoms[j])])[0])
            if a > 0.5:
                out.append((keys[i], keys[j], a))
    return sorted(out, key=lambda r: -r[2])


def report(stats: dict) -> None:
    print(f"units decoded: {stats['units']}; invalid after decoding: {stats['invalid_decoded']}; "
          f"invalid after GCJ-02 -> WGS84: {stats['invalid_after_datum']}; "
          f"area changed by repairs: {stats['repair_km2']:.1f} km2")
    print("overlaps > 0.5 km2 in the source:")
    for a, b, km2 in stats["overlaps_before"]:
        print(f"  {a[1]} ({a[0]}) / {b[1]} ({b[0]}): {km2:.1f} km2")
    print(f"overlaps resolved: {len(stats['moved'])}, {sum(m['km2'] for m in stats['moved']):.1f} km2 in all")
    print(f"gaps filled: {stats['gaps_filled']}, {stats['gaps_km2']:.1f} km2 in all, "
          f"largest {stats['largest_gap_km2']:.1f} km2")
    for name in ("province", "city"):
        rows = stats[f"{name}_overlaps_after"]
        total = sum(r[2] for r in rows)
        top = max((r[2] for r in rows), default=0.0)
        print(f"{name} overlaps left: {len(rows)} pairs, {total:.2e} km2 in all, largest {top:.2e} km2")
    again = stats["moved_again"]
    print(f"overlaps resolved again after gap filling and snapping: {len(again)}, "
          f"{sum(m['km2'] for m in again):.2e} km2 in all, "
          f"largest {max((m['km2'] for m in again), default=0.0):.2e} km2")
    print("units invalid after reprojection:", stats["invalid_projected"])
    print("vertices:", stats["vertices"])
    print("province areas (km2):")
    for code, km2 in stats["province_area_km2"].items():
        print(f"  {code}: {km2:,.0f}")
    print("city areas (km2):")
    for code, km2 in stats["city_area_km2"].items():
        print(f"  {code}: {km2:,.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="an unpacked echarts package/ folder (default: npm pack)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: data/boundaries)")
    args = parser.parse_args(argv)
    if args.source is not None:
        report(build(args.source, args.out))
        return 0
    with tempfile.TemporaryDirectory(prefix="geoproc-echarts-") as tmp:
        report(build(fetch_package(Path(tmp)), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
