"""Region groups of China as columns: NBS macro-regions and the national strategy regions.

Heterogeneity analyses split Chinese provinces and cities into groups; this module
gives the usual groups as columns of any layer with a ``code`` (and, for cities and
counties, ``province_code`` / ``city_code``) column, so that nobody types the lists
by hand.

Columns added by :func:`add_region_groups`:

``nbs_region``
    National Bureau of Statistics' four economic regions: ``"East"`` (Beijing,
    Tianjin, Hebei, Shanghai, Jiangsu, Zhejiang, Fujian, Shandong, Guangdong, Hainan),
    ``"Central"`` (Shanxi, Anhui, Jiangxi, Henan, Hubei, Hunan), ``"West"`` (Inner
    Mongolia, Guangxi, Chongqing, Sichuan, Guizhou, Yunnan, Tibet, Shaanxi, Gansu,
    Qinghai, Ningxia, Xinjiang), ``"Northeast"`` (Liaoning, Jilin, Heilongjiang).
    Source: 国家统计局《东西中部和东北地区划分方法》(NBS, 2011-06-13), as used in the
    China Statistical Yearbook since 2011.
``in_yrd``
    Yangtze River Delta, the full planning area: Shanghai, Jiangsu, Zhejiang and Anhui
    (41 city-level units). Source: 中共中央、国务院《长江三角洲区域一体化发展规划纲要》
    (2019-12-01), 规划范围.
``in_yrd_core``
    The 27 cities of the YRD's central area (中心区) in the same outline: Shanghai;
    Nanjing, Wuxi, Changzhou, Suzhou, Nantong, Yangzhou, Zhenjiang, Yancheng, Taizhou
    (Jiangsu); Hangzhou, Ningbo, Wenzhou, Huzhou, Jiaxing, Shaoxing, Jinhua, Zhoushan,
    Taizhou (Zhejiang); Hefei, Wuhu, Ma'anshan, Tongling, Anqing, Chuzhou, Chizhou,
    Xuancheng (Anhui). Only for city and county layers (a province is not in or out).
``in_jjj``
    Beijing–Tianjin–Hebei: Beijing, Tianjin and Hebei's 11 cities. Source: 中共中央政治局
    《京津冀协同发展规划纲要》(2015-04-30).
``in_gba``
    Guangdong–Hong Kong–Macao Greater Bay Area, mainland part: Guangzhou, Shenzhen,
    Zhuhai, Foshan, Huizhou, Dongguan, Zhongshan, Jiangmen, Zhaoqing (Hong Kong and
    Macao are not in the shipped mainland layers). Source: 中共中央、国务院
    《粤港澳大湾区发展规划纲要》(2019-02-18), 规划范围. Only for city and county layers.
``in_yreb``
    Yangtze River Economic Belt, 11 provinces: Shanghai, Jiangsu, Zhejiang, Anhui,
    Jiangxi, Hubei, Hunan, Chongqing, Sichuan, Yunnan, Guizhou. Source: 国务院《关于依托
    黄金水道推动长江经济带发展的指导意见》(国发〔2014〕39号) and 《长江经济带发展规划纲要》(2016).

Membership is by code: the six-digit administrative codes of today's units (GB/T 2260,
Ministry of Civil Affairs). Municipalities are one unit with the province code (110000)
at the city level, as in ``china_cities``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GROUPS", "NBS_REGIONS", "add_region_groups", "nbs_region"]

NBS_REGIONS: dict[str, tuple[int, ...]] = {
    "East": (11, 12, 13, 31, 32, 33, 35, 37, 44, 46),
    "Central": (14, 34, 36, 41, 42, 43),
    "West": (15, 45, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65),
    "Northeast": (21, 22, 23),
}
_NBS_OF = {p: region for region, provs in NBS_REGIONS.items() for p in provs}

YRD_PROVINCES = (31, 32, 33, 34)
YRD_CORE_CITIES = (
    310000,
    320100, 320200, 320400, 320500, 320600, 321000, 321100, 320900, 321200,
    330100, 330200, 330300, 330500, 330400, 330600, 330700, 330900, 331000,
    340100, 340200, 340500, 340700, 340800, 341100, 341700, 341800,
)
JJJ_PROVINCES = (11, 12, 13)
GBA_CITIES = (440100, 440300, 440400, 440600, 441300, 441900, 442000, 440700, 441200)
YREB_PROVINCES = (31, 32, 33, 34, 36, 42, 43, 50, 51, 52, 53)

# column -> (level it is defined on, member codes: 2-digit province prefixes or city codes)
GROUPS: dict[str, tuple[str, tuple[int, ...]]] = {
    "in_yrd": ("province", YRD_PROVINCES),
    "in_yrd_core": ("city", YRD_CORE_CITIES),
    "in_jjj": ("province", JJJ_PROVINCES),
    "in_gba": ("city", GBA_CITIES),
    "in_yreb": ("province", YREB_PROVINCES),
}


def nbs_region(code: int | str) -> str:
    """The NBS region (East, Central, West, Northeast) of any mainland code (320000, 320100, 320102).

    Raises
    ------
    GeoprocInputError
        The code's first two digits are not a mainland province.
    """
    try:
        prefix = int(str(code).strip()[:2])
    except ValueError:
        prefix = -1
    if prefix not in _NBS_OF:
        raise GeoprocInputError(f"code {code!r} is not a mainland Chinese administrative code")
    return _NBS_OF[prefix]


def add_region_groups(gdf: pd.DataFrame, code: str = "code") -> pd.DataFrame:
    """A copy of ``gdf`` with the region-group columns described in the module docstring.

    Parameters
    ----------
    gdf : DataFrame or GeoDataFrame
        A layer of provinces, cities or counties with six-digit codes in ``code``. City
        membership (``in_yrd_core``, ``in_gba``) uses ``city_code`` if present (counties),
        else ``code``; it is added only when the layer is below province level
        (``province_code`` present).
    code : str
        The code column.

    Returns
    -------
    DataFrame or GeoDataFrame
        The same rows with ``nbs_region`` and ``in_*`` boolean columns.

    Raises
    ------
    GeoprocInputError
        No column ``code``, or a code that is not a mainland administrative code.
    """
    if code not in gdf.columns:
        raise GeoprocInputError(f"regions: no column {code!r} for region groups")
    out = gdf.copy()
    codes = [int(c) for c in out[code]]
    out["nbs_region"] = [nbs_region(c) for c in codes]
    prefix = [c // 10000 for c in codes]
    below_province = "province_code" in out.columns
    city = [int(c) for c in out["city_code"]] if "city_code" in out.columns else codes
    for column, (level, members) in GROUPS.items():
        if level == "province":
            out[column] = [p in members for p in prefix]
        elif below_province:
            out[column] = [c in members for c in city]
    return out
