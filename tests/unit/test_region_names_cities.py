"""City- and county-level name matching (geoproc.region_names.match_in_context).

Codes typed from the Ministry of Civil Affairs' list (GB/T 2260), not from the layers.
"""

import pytest

from geoproc.errors import GeoprocInputError
from geoproc.region_names import match_in_context

GULOU = {"南京": 320106, "徐州": 320302, "福州": 350102, "开封": 410204}


@pytest.mark.parametrize(("city", "code"), GULOU.items())
def test_duplicate_district_resolved_by_city(city, code):
    assert match_in_context(["鼓楼区"], "china_counties", city=[city]) == [code]


def test_duplicate_district_resolved_by_province():
    got = match_in_context(["朝阳区", "朝阳区", "Chaoyang District", "鼓楼"], "china_counties",
                           province=["北京", "吉林省", "Beijing", "福建"])
    assert got == [110105, 220104, 110105, 350102]


def test_ambiguous_without_context_lists_every_candidate():
    with pytest.raises(GeoprocInputError) as err:
        match_in_context(["鼓楼区"], "china_counties")
    msg = str(err.value)
    for code in GULOU.values():
        assert str(code) in msg
    assert "add a province or city column" in msg


def test_ambiguous_within_province_needs_city():
    # Jiangsu has two 鼓楼区 (Nanjing, Xuzhou): the province alone is not enough
    with pytest.raises(GeoprocInputError, match="320106.*320302|320302.*320106"):
        match_in_context(["鼓楼区"], "china_counties", province=["江苏"])


@pytest.mark.parametrize(("name", "code"), [
    ("恩施州", 422800), ("恩施土家族苗族自治州", 422800), ("Enshi", 422800),
    ("锡林郭勒", 152500), ("锡林郭勒盟", 152500), ("大兴安岭地区", 232700), ("大兴安岭", 232700),
    ("Hohhot", 150100), ("呼和浩特", 150100), ("Xi'an", 610100), ("xian shi", 610100),
    ("黔东南州", 522600), ("延边", 222400), ("北京", 110000), ("襄阳市", 420600),
])
def test_city_suffix_short_and_pinyin_variants(name, code):
    assert match_in_context([name], "china_cities") == [code]


def test_county_variants():
    got = match_in_context(["长阳", "长阳县", "长阳土家族自治县", "Changyang"], "china_counties")
    assert got == [420528] * 4


def test_pinyin_collisions_resolved_by_province():
    got = match_in_context(["Suzhou", "Suzhou", "Taizhou", "Taizhou"], "china_cities",
                           province=["Jiangsu", "安徽", "浙江省", "Jiangsu"])
    assert got == [320500, 341300, 331000, 321200]


def test_unknown_name_names_closest():
    with pytest.raises(GeoprocInputError, match="'南景市'.*closest"):
        match_in_context(["南景市"], "china_cities")


def test_bad_context_named():
    with pytest.raises(GeoprocInputError, match="province 'Atlantis'"):
        match_in_context(["鼓楼区"], "china_counties", province=["Atlantis"])
    with pytest.raises(GeoprocInputError, match="2 values for 1"):
        match_in_context(["鼓楼区"], "china_counties", city=["南京", "徐州"])
