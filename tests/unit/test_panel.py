"""Panel input: encodings, XLSX, checks, and region-name matching for all 31 provinces."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geoproc.errors import GeoprocInputError
from geoproc.panel import match_regions, read_panel, read_table

# GB/T 2260 province codes, full and short Chinese names, and pinyin, written
# out here independently of the shipped boundaries.
PROVINCES = [
    (110000, "北京市", "北京", "Beijing"), (120000, "天津市", "天津", "Tianjin"),
    (130000, "河北省", "河北", "Hebei"), (140000, "山西省", "山西", "Shanxi"),
    (150000, "内蒙古自治区", "内蒙古", "Inner Mongolia"), (210000, "辽宁省", "辽宁", "Liaoning"),
    (220000, "吉林省", "吉林", "Jilin"), (230000, "黑龙江省", "黑龙江", "Heilongjiang"),
    (310000, "上海市", "上海", "Shanghai"), (320000, "江苏省", "江苏", "Jiangsu"),
    (330000, "浙江省", "浙江", "Zhejiang"), (340000, "安徽省", "安徽", "Anhui"),
    (350000, "福建省", "福建", "Fujian"), (360000, "江西省", "江西", "Jiangxi"),
    (370000, "山东省", "山东", "Shandong"), (410000, "河南省", "河南", "Henan"),
    (420000, "湖北省", "湖北", "Hubei"), (430000, "湖南省", "湖南", "Hunan"),
    (440000, "广东省", "广东", "Guangdong"), (450000, "广西壮族自治区", "广西", "Guangxi"),
    (460000, "海南省", "海南", "Hainan"), (500000, "重庆市", "重庆", "Chongqing"),
    (510000, "四川省", "四川", "Sichuan"), (520000, "贵州省", "贵州", "Guizhou"),
    (530000, "云南省", "云南", "Yunnan"), (540000, "西藏自治区", "西藏", "Tibet"),
    (610000, "陕西省", "陕西", "Shaanxi"), (620000, "甘肃省", "甘肃", "Gansu"),
    (630000, "青海省", "青海", "Qinghai"), (640000, "宁夏回族自治区", "宁夏", "Ningxia"),
    (650000, "新疆维吾尔自治区", "新疆", "Xinjiang"),
]
MUNICIPALITIES = {"北京", "天津", "上海", "重庆"}
AUTONOMOUS_EN = {
    "内蒙古": ["Inner Mongolia Autonomous Region", "Nei Mongol", "Nei Mongol Zizhiqu", "NEIMENGGU"],
    "广西": ["Guangxi Zhuang Autonomous Region", "Guangxi Zhuangzu Zizhiqu"],
    "西藏": ["Tibet Autonomous Region", "Xizang", "Xizang Zizhiqu", "XIZANG"],
    "宁夏": ["Ningxia Hui Autonomous Region", "Ningxia Huizu Zizhiqu"],
    "新疆": ["Xinjiang Uygur Autonomous Region", "Xinjiang Uyghur Autonomous Region"],
}


def _variants(full: str, short: str, pinyin: str) -> list[str]:
    suffix = "Shi" if short in MUNICIPALITIES else "Sheng"
    v = [full, short, f" {full} ", pinyin, pinyin.upper(), pinyin.lower(),
         f"{pinyin} {suffix}", f"{pinyin.upper()} {suffix.upper()}"]
    if short in MUNICIPALITIES:
        v += [f"{pinyin} City", f"{pinyin} Municipality"]
    elif short not in AUTONOMOUS_EN:
        v += [f"{pinyin} Province", f"{short}省"]
    v += AUTONOMOUS_EN.get(short, [])
    return v


def _provinces_layer() -> gpd.GeoDataFrame:
    """The shipped provinces when they exist, else an equivalent layer from the table above."""
    try:
        from geoproc.boundaries import load_boundaries

        return load_boundaries("china_provinces")
    except (ImportError, FileNotFoundError, KeyError):  # boundaries not built yet
        rows = [dict(code=c, name_zh=f, short_zh=s, name_en=p, geometry=box(i, 0, i + 1, 1))
                for i, (c, f, s, p) in enumerate(PROVINCES)]
        return gpd.GeoDataFrame(rows, crs=4326)


@pytest.fixture(scope="module")
def provinces():
    return _provinces_layer()


def _code_of(layer, short):
    col = "short_zh" if "short_zh" in layer.columns else "name_zh"
    hit = layer.loc[layer[col].astype(str).str.startswith(short), "code"]
    assert len(hit) == 1, short
    return hit.iloc[0]


@pytest.mark.parametrize("full,short,pinyin", [p[1:] for p in PROVINCES], ids=[p[3] for p in PROVINCES])
def test_every_variant_of_every_province(provinces, full, short, pinyin):
    names = _variants(full, short, pinyin)
    got = match_regions(names, provinces)
    expected = _code_of(provinces, short)
    assert (got == expected).all(), dict(zip(names, got, strict=True))


def test_table_of_31_codes_is_the_gbt2260_set(provinces):
    # guards the variants test: the layer has exactly the 31 provinces of the table
    assert len(provinces) == 31
    got = match_regions([p[1] for p in PROVINCES], provinces)
    codes = [_code_of(provinces, p[2]) for p in PROVINCES]
    assert got.tolist() == codes


def test_shanxi_and_shaanxi_stay_apart(provinces):
    got = match_regions(["Shanxi", "Shaanxi", "山西", "陕西"], provinces)
    assert got[0] == got[2] and got[1] == got[3] and got[0] != got[1]


def test_unmatched_names_listed_with_closest_candidates(provinces):
    with pytest.raises(GeoprocInputError) as e:
        match_regions(["江苏", "Jiangsuu", "Atlantis"], provinces)
    msg = str(e.value)
    assert "2 names match no single region" in msg
    assert "'Jiangsuu' (closest: " in msg and "江苏" in msg.split("Jiangsuu")[1]
    assert "'Atlantis'" in msg


def test_codes_match_themselves(provinces):
    code = _code_of(provinces, "江苏")
    assert match_regions([code, str(code)], provinces).tolist() == [code, code]


CITIES = gpd.GeoDataFrame(
    dict(code=[320100, 321200, 331000, 310000, 340100],
         name_zh=["南京市", "泰州市", "台州市", "上海市", "合肥市"],
         name_en=["Nanjing", "Taizhou", "Taizhou", "Shanghai", "Hefei"],
         province_code=[320000, 320000, 330000, 310000, 340000]),
    geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs=4326,
)


def test_city_variants_and_homonyms():
    got = match_regions(["南京", "南京市", "Nanjing", "NANJING SHI", "Nanjing City", "泰州", "台州市"], CITIES)
    assert got.tolist() == [320100] * 5 + [321200, 331000]
    with pytest.raises(GeoprocInputError, match=r"'Taizhou' is ambiguous: 泰州市 \(321200\), 台州市 \(331000\)"):
        match_regions(["Taizhou"], CITIES)


def test_any_layer_with_a_name_column():
    layer = pd.DataFrame({"id": ["A1", "B2"], "NAME": ["Île-de-France", "Provence-Alpes-Côte d'Azur"]})
    got = match_regions(["ile de france", "PROVENCE ALPES COTE D'AZUR"], layer, id="id")
    assert got.tolist() == ["A1", "B2"]


# --- reading files ----------------------------------------------------------------

FRAME = pd.DataFrame({"province": ["江苏", "浙江", "安徽"], "year": [2020, 2020, 2020],
                      "cul": [1.5, 2.25, 0.125]})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_read_csv_encodings(tmp_path, encoding):
    p = tmp_path / f"t-{encoding}.csv"
    p.write_bytes(FRAME.to_csv(index=False).encode(encoding))
    got = read_table(p)
    pd.testing.assert_frame_equal(got, FRAME)
    assert got.columns[0] == "province"  # no BOM glued to the first header


def test_read_xlsx_and_semicolon_csv(tmp_path):
    x = tmp_path / "t.xlsx"
    FRAME.to_excel(x, index=False)
    pd.testing.assert_frame_equal(read_table(x), FRAME)
    s = tmp_path / "t.csv"
    s.write_text(FRAME.to_csv(index=False, sep=";"), encoding="utf-8")
    pd.testing.assert_frame_equal(read_table(s), FRAME)


def test_read_panel_matches_names_and_keeps_input(provinces, tmp_path):
    df = pd.DataFrame({"prov": ["江苏省", "Zhejiang", "江苏", "ZHEJIANG"], "year": [2021, 2021, 2020, 2020],
                       "cul": [1.0, 2.0, 3.0, 4.0]})
    before = df.copy()
    got = read_panel(df, id="prov", year="year", regions=provinces, variables=["cul"])
    pd.testing.assert_frame_equal(df, before)
    js, zj = _code_of(provinces, "江苏"), _code_of(provinces, "浙江")
    assert got[["prov", "year", "cul"]].values.tolist() == [[js, 2020, 3.0], [js, 2021, 1.0],
                                                           [zj, 2020, 4.0], [zj, 2021, 2.0]]
    assert got["prov_name"].tolist() == ["江苏", "江苏省", "ZHEJIANG", "Zhejiang"]


def test_read_panel_errors():
    df = pd.DataFrame({"code": [1, 1, 2, 2], "year": [2020, 2021, 2020, 2021],
                       "cul": [1.0, np.nan, 2.0, 3.0], "dig": ["1,234", "5", "6", "7"]})
    with pytest.raises(GeoprocInputError, match=r"column 'cul' is empty for 1 in 2021"):
        read_panel(df, variables=["cul"])
    with pytest.raises(GeoprocInputError, match=r"column 'dig' is not numeric at row 0 \(1 in 2020\): '1,234'.*thousands"):
        read_panel(df, variables=["dig"])
    with pytest.raises(GeoprocInputError, match=r"no column 'gdp'; its columns are code, year, cul, dig"):
        read_panel(df, variables=["gdp"])
    dup = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(GeoprocInputError, match=r"duplicate region-years \(code year\): 1 in 2020"):
        read_panel(dup)
    with pytest.raises(GeoprocInputError, match=r"unbalanced \(years 2020-2021\): 2 lacks 2021"):
        read_panel(df.drop(index=3), balanced=True)
    with pytest.raises(GeoprocInputError, match=r"no column 'region'"):
        read_panel(df, id="region")


def test_yrd_homonyms_qualified_by_province():
    # 苏州 (Jiangsu) and 宿州 (Anhui) are both "Suzhou"; 泰州/台州 both "Taizhou"
    got = match_regions(["Suzhou, Jiangsu", "江苏苏州", "安徽宿州", "Suzhou (Anhui)", "Taizhou Zhejiang",
                         "苏州市", "宿州"], "yrd_cities")
    assert got.tolist() == [320500, 320500, 341300, 341300, 331000, 320500, 341300]
    with pytest.raises(GeoprocInputError, match=r"'Suzhou' is ambiguous: 苏州市 \(320500\), 宿州市 \(341300\)"):
        match_regions(["Suzhou"], "yrd_cities")


def test_default_regions_fall_back_to_yrd_cities():
    assert match_regions(["南京", "Hefei", "Ma'anshan", "LU'AN"]).tolist() == [320100, 340100, 340500, 341500]
