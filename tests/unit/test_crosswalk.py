"""geoproc.crosswalk: old prefecture-level codes and names mapped to today's units.

Expected targets are the issue's cases, typed from the State Council approvals /
the Ministry of Civil Affairs' code lists, not from the module's output.
"""

import pandas as pd
import pytest

from geoproc.crosswalk import aggregate_merged, crosswalk_panel, load_crosswalk
from geoproc.errors import GeoprocInputError

# (old id as a yearbook writes it, today's code, change type, year of the change)
CASES = [
    (371200, 370100, "merge", 2019),     # Laiwu into Jinan
    ("襄樊市", 420600, "rename", 2010),   # Xiangfan -> Xiangyang
    ("思茅", 530800, "rename", 2007),     # Simao -> Pu'er
    (522200, 520600, "upgrade", 2011),   # Tongren prefecture -> city
    ("毕节地区", 520500, "upgrade", 2011),  # Bijie prefecture -> city
    (632100, 630200, "upgrade", 2013),   # Haidong
    ("日喀则地区", 540200, "upgrade", 2014),
    (542100, 540300, "upgrade", 2014),   # Chamdo
    (542600, 540400, "upgrade", 2015),   # Nyingchi
    ("山南地区", 540500, "upgrade", 2015),
    ("吐鲁番地区", 650400, "upgrade", 2015),
    (652200, 650500, "upgrade", 2016),   # Hami
    ("那曲地区", 540600, "upgrade", 2017),
    (469003, 460400, "upgrade", 2015),   # Danzhou
    ("伊克昭盟", 150600, "upgrade", 2001),  # Ordos
]


@pytest.mark.parametrize(("old", "new", "change", "year"), CASES)
def test_issue_cases_map_to_todays_code(old, new, change, year):
    panel = pd.DataFrame({"code": [old, old], "year": [2005, 2006], "gdp": [1.0, 2.0]})
    out, report = crosswalk_panel(panel)
    # typed like the panel's ids: names and text codes give text codes
    assert out["code"].tolist() == ([new, new] if isinstance(old, int) else [str(new), str(new)])
    assert out["code_original"].tolist() == [old, old]
    (row,) = report.to_dict("records")
    assert (row["new_code"], row["change"], row["changed_in"], row["rows"]) == (new, change, year, 2)
    assert row["action"] == "mapped" and not row["merged"]


def test_chain_simao_prefecture_to_puer():
    out, report = crosswalk_panel(pd.DataFrame({"code": [532700], "year": [2001]}))
    assert out["code"].tolist() == [530800]
    out, _ = crosswalk_panel(pd.DataFrame({"code": ["532700", "530800"], "year": [2001, 2008]}))
    assert out["code"].tolist() == ["530800", "530800"]
    assert report["new_name"].tolist() == ["普洱市"]


def test_todays_units_and_unknown_ids_untouched():
    panel = pd.DataFrame({"code": [320100, "南京", 999999], "year": [2010, 2010, 2010]})
    out, report = crosswalk_panel(panel)
    assert out["code"].tolist() == [320100, "南京", 999999]
    assert report.empty


def test_laiwu_merge_flagged_and_aggregated():
    panel = pd.DataFrame({
        "code": [370100, 371200, 370100, 371200, 370100],
        "year": [2017, 2017, 2018, 2018, 2019],
        "gdp": [7000.0, 900.0, 7800.0, 1000.0, 9400.0],
        "growth": [8.0, 7.0, 7.5, 6.0, 7.0],
    })
    out, report = crosswalk_panel(panel)
    assert report.set_index("old_code").loc[371200, "merged"]
    agg = aggregate_merged(out, additive=["gdp"])
    agg = agg.set_index("year")
    assert agg["gdp"].tolist() == [7900.0, 8800.0, 9400.0]
    assert agg["code"].tolist() == [370100, 370100, 370100]
    # a rate of two former cities cannot be recombined without weights
    assert agg["growth"].isna().tolist() == [True, True, False]
    assert agg.loc[2017, "code_original"] == "370100+371200"


def test_chaohu_split_dropped_reported_or_error():
    panel = pd.DataFrame({"code": ["巢湖市", "巢湖市", 340100], "year": [2009, 2010, 2010]})
    out, report = crosswalk_panel(panel)
    assert out["code"].tolist() == [340100]
    (row,) = report.to_dict("records")
    assert row["action"] == "dropped" and row["change"] == "split" and row["rows"] == 2
    for successor in ("340100", "340200", "340500"):
        assert successor in row["new_name"]
    with pytest.raises(GeoprocInputError, match="split in 2011"):
        crosswalk_panel(panel, split="error")
    kept, _ = crosswalk_panel(panel, split="keep")
    assert len(kept) == 3


def test_every_target_is_a_shipped_city_with_that_name():
    from geoproc.boundaries import load_boundaries

    cities = load_boundaries("china_cities").set_index("code")
    cw = load_crosswalk()
    for row in cw.itertuples():
        assert row.new_code in cities.index, row
        assert cities.loc[row.new_code, "name_zh"] == row.new_name, row
    # old codes that are not renames are gone from today's layer
    gone = cw.loc[cw["old_code"] != cw["new_code"], "old_code"]
    assert not set(gone) & set(cities.index)


def test_missing_column_named():
    with pytest.raises(GeoprocInputError, match="no column 'city'"):
        crosswalk_panel(pd.DataFrame({"code": [1]}), id="city")


def test_read_panel_hook(tmp_path):
    from geoproc.panel import load_panel, read_panel

    csv = tmp_path / "p.csv"
    csv.write_text("code,year,gdp\n370100,2017,7000\n371200,2017,900\n370100,2019,9400\n"
                   "522400,2010,600\n520500,2012,1200\n", "utf-8")
    with pytest.raises(GeoprocInputError, match="371200 -> 济南市 \\(370100\\).*additive"):
        read_panel(csv, crosswalk=True)
    df = read_panel(csv, crosswalk=True, additive=["gdp"])
    got = {(int(c), int(y)): g for c, y, g in zip(df["code"], df["year"], df["gdp"], strict=True)}
    assert got == {(370100, 2017): 7900, (370100, 2019): 9400, (520500, 2010): 600, (520500, 2012): 1200}
    maps = {int(r["old_code"]): r["new_code"] for r in df.attrs["crosswalk"]}
    assert maps == {371200: 370100, 522400: 520500}
    # by name, matched to the city layer afterwards
    csv.write_text("city,year,gdp\n毕节地区,2010,600\n毕节市,2012,1200\n襄樊市,2009,1\n南京,2009,2\n", "utf-8")
    p = load_panel(csv, id="city", regions="china_cities", crosswalk=True)
    assert sorted(zip(p.frame["city"], p.frame["year"], strict=True)) == [
        (320100, 2009), (420600, 2009), (520500, 2010), (520500, 2012)]


# --- read_panel(crosswalk=True): names, codes, mixed, with and without regions (issue 16) ---
# Expected codes are GB/T 2260 codes of today's units typed by hand: 襄阳 420600, 毕节 520500,
# 普洱 530800, 南京 320100, 济南 370100.

@pytest.mark.parametrize("regions", [None, "china_cities"])
def test_read_panel_old_and_new_names_keep_what_the_user_wrote(regions):
    from geoproc.panel import load_panel

    df = pd.DataFrame({"name": ["襄樊", "襄阳", "毕节地区", "毕节市", "思茅", "普洱", "南京"],
                       "year": [2009, 2011, 2010, 2012, 2006, 2008, 2009], "v": range(7)})
    p = load_panel(df, id="name", year="year", regions=regions, crosswalk=True)
    got = {(n, int(c)) for n, c in zip(p.frame["name_name"], p.frame["name"], strict=True)}
    assert got == {("襄樊", 420600), ("襄阳", 420600), ("毕节地区", 520500), ("毕节市", 520500),
                   ("思茅", 530800), ("普洱", 530800), ("南京", 320100)}
    assert p.name_matches["襄樊"] == 420600 and p.name_matches["襄阳"] == 420600
    maps = {r["original"]: r["new_code"] for r in p.frame.attrs["crosswalk"]}
    assert maps["襄樊"] == 420600 and maps["毕节地区"] == 520500 and maps["思茅"] == 530800


def test_read_panel_issue_example_without_regions():
    import geoproc

    df = pd.DataFrame({"name": ["襄樊", "襄阳"], "year": [2009, 2011], "v": [1, 2]})
    out = geoproc.read_panel(df, id="name", year="year", crosswalk=True)
    assert out["name"].tolist() == [420600, 420600]
    assert out["name_name"].tolist() == ["襄樊", "襄阳"]
    assert out["v"].tolist() == [1, 2]


def test_read_panel_only_old_names_still_records_them():
    import geoproc

    df = pd.DataFrame({"name": ["襄樊市", "毕节地区"], "year": [2009, 2010]})
    out = geoproc.read_panel(df, id="name", year="year", crosswalk=True)
    assert sorted(zip(out["name"], out["name_name"], strict=True)) == [(420600, "襄樊市"), (520500, "毕节地区")]


@pytest.mark.parametrize("regions", [None, "china_cities"])
@pytest.mark.parametrize("as_text", [False, True])
def test_read_panel_old_and_new_codes(regions, as_text):
    import geoproc

    codes = [522400, 520500, 420600, 532700]
    df = pd.DataFrame({"code": [str(c) for c in codes] if as_text else codes,
                       "year": [2010, 2012, 2009, 2001]})
    out = geoproc.read_panel(df, regions=regions, crosswalk=True)
    assert sorted(zip(out["code"], out["year"], strict=True)) == [
        (420600, 2009), (520500, 2010), (520500, 2012), (530800, 2001)]
    assert "code_name" not in out.columns


@pytest.mark.parametrize("regions", [None, "china_cities"])
def test_read_panel_laiwu_merge_by_name_sums_additive(regions):
    import geoproc

    df = pd.DataFrame({"city": ["莱芜", "济南", "莱芜市", "济南市", "济南"],
                       "year": [2017, 2017, 2018, 2018, 2019],
                       "gdp": [900.0, 7000.0, 1000.0, 7800.0, 9400.0],
                       "growth": [7.0, 8.0, 6.0, 7.5, 7.0]})
    with pytest.raises(GeoprocInputError, match=r"莱芜 -> 济南市 \(370100\).*additive"):
        geoproc.read_panel(df, id="city", regions=regions, crosswalk=True)
    out = geoproc.read_panel(df, id="city", regions=regions, crosswalk=True, additive=["gdp"]).set_index("year")
    assert out["city"].tolist() == [370100, 370100, 370100]
    assert out["gdp"].tolist() == [900.0 + 7000.0, 1000.0 + 7800.0, 9400.0]
    assert out["growth"].isna().tolist() == [True, True, False]
    assert set(out.loc[2017, "city_name"].split("+")) == {"莱芜", "济南"}
    assert out.loc[2019, "city_name"] == "济南"


def test_read_panel_crosswalk_code_is_not_rematched_as_a_name():
    """A crosswalked code must not go through name matching (where 420600 is no name)."""
    import geoproc

    # a layer with names only for today's 襄阳: the crosswalk's code must be kept as is
    layer = pd.DataFrame({"code": [420600, 320100], "name_zh": ["襄阳市", "南京市"]})
    df = pd.DataFrame({"name": ["襄樊", "南京"], "year": [2009, 2009]})
    out = geoproc.read_panel(df, id="name", regions=layer, crosswalk=True)
    assert sorted(zip(out["name"], out["name_name"], strict=True)) == [(320100, "南京"), (420600, "襄樊")]


def test_read_panel_crosswalk_without_regions_falls_back_only_when_nothing_was_mapped():
    import geoproc

    # nothing crosswalked: a province panel matches the provinces, as without crosswalk
    df = pd.DataFrame({"name": ["江苏", "浙江"], "year": [2010, 2010]})
    out = geoproc.read_panel(df, id="name", crosswalk=True)
    assert sorted(out["name"].tolist()) == [320000, 330000]
    # an old city name was mapped: the panel is prefecture-level, 江苏 is no city
    df = pd.DataFrame({"name": ["襄樊", "江苏"], "year": [2009, 2009]})
    with pytest.raises(GeoprocInputError, match="江苏.*china_cities"):
        geoproc.read_panel(df, id="name", crosswalk=True)


def test_crosswalk_panel_flags_a_merge_written_by_names():
    # 济南 is today's unit written by name: 莱芜 joins it in 2018, so both rows are one unit
    panel = pd.DataFrame({"code": ["莱芜市", "济南", "济南"], "year": [2018, 2018, 2019]})
    _, report = crosswalk_panel(panel)
    (row,) = report.to_dict("records")
    assert row["new_code"] == 370100 and row["merged"]
    # a name of today's unit alone in its year is no merge (襄樊 2009, 襄阳 2011)
    _, report = crosswalk_panel(pd.DataFrame({"code": ["襄樊", "襄阳"], "year": [2009, 2011]}))
    assert not report["merged"].any()
