"""Agglomeration index and location quotient, checked by hand on small tables."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import geoproc
from geoproc.errors import GeoprocInputError


@pytest.fixture
def revenue():
    # rows deliberately not sorted, to check alignment to the panel's rows
    return pd.DataFrame(
        {
            "code": ["b", "a", "c", "c", "a", "b"],
            "year": [2015, 2015, 2015, 2016, 2016, 2016],
            "rev": [20.0, 10.0, 30.0, 50.0, 5.0, 5.0],
        },
        index=[10, 11, 12, 13, 14, 15],
    )


def test_agglomeration_by_hand(revenue):
    before = revenue.copy()
    cul = geoproc.agglomeration_index(revenue, "rev", id="code", year="year", name="cul")
    # 2015: mean (10+20+30)/3 = 20 -> b 20/20 = 1, a 10/20 = 0.5, c 30/20 = 1.5
    # 2016: mean (50+5+5)/3 = 20 -> c 2.5, a 0.25, b 0.25
    assert_allclose(cul.to_numpy(), [1.0, 0.5, 1.5, 2.5, 0.25, 0.25])
    assert list(cul.index) == [10, 11, 12, 13, 14, 15]
    assert cul.name == "cul"
    pd.testing.assert_frame_equal(revenue, before)  # input untouched


def test_agglomeration_yearly_mean_is_one(revenue):
    cul = geoproc.agglomeration_index(revenue, "rev")
    assert cul.name == "rev_agglomeration"
    assert_allclose(cul.groupby(revenue["year"]).mean(), [1.0, 1.0])


def test_agglomeration_cross_section():
    df = pd.DataFrame({"code": [1, 2, 3, 4], "rev": [1.0, 1.0, 1.0, 5.0]})
    # mean 8/4 = 2 -> 0.5, 0.5, 0.5, 2.5
    assert_allclose(geoproc.agglomeration_index(df, "rev", year=None), [0.5, 0.5, 0.5, 2.5])


def test_agglomeration_errors(revenue):
    neg = revenue.assign(rev=[20.0, -1.0, 30.0, 50.0, 5.0, 5.0])
    with pytest.raises(GeoprocInputError, match=r"'rev' is negative for a in 2015"):
        geoproc.agglomeration_index(neg, "rev")
    zero = revenue.assign(rev=[0.0, 0.0, 0.0, 50.0, 5.0, 5.0])
    with pytest.raises(GeoprocInputError, match=r"zero for every region in year\(s\) 2015"):
        geoproc.agglomeration_index(zero, "rev")
    with pytest.raises(GeoprocInputError, match=r"no column 'revenue'.*code, year, rev"):
        geoproc.agglomeration_index(revenue, "revenue")


def test_unbalanced_named_and_optional(revenue):
    gap = revenue.drop(index=[13])  # c lacks 2016
    with pytest.raises(GeoprocInputError, match=r"unbalanced.*c lacks 2016"):
        geoproc.agglomeration_index(gap, "rev")
    cul = geoproc.agglomeration_index(gap, "rev", balanced=False)
    # 2016 without c: mean (5+5)/2 = 5 -> a 1, b 1
    assert_allclose(cul.loc[[14, 15]], [1.0, 1.0])


def test_duplicate_region_years_named(revenue):
    dup = pd.concat([revenue, revenue.iloc[[1]]])
    with pytest.raises(GeoprocInputError, match=r"duplicate region-years.*a in 2015"):
        geoproc.agglomeration_index(dup, "rev")


def test_missing_value_named(revenue):
    na = revenue.assign(rev=[20.0, np.nan, 30.0, 50.0, 5.0, 5.0])
    with pytest.raises(GeoprocInputError, match=r"'rev' is empty for a in 2015"):
        geoproc.agglomeration_index(na, "rev")


def test_text_and_thousands(revenue):
    txt = revenue.assign(rev=["1,220", "10", "30", "50", "5", "5"])
    with pytest.raises(GeoprocInputError, match=r"column 'rev' is not numeric at row 10 \(b in 2015\): '1,220'.*thousands=','"):
        geoproc.agglomeration_index(txt, "rev")
    cul = geoproc.agglomeration_index(txt, "rev", thousands=",")
    # 2015: mean (1220+10+30)/3 = 420 -> b 1220/420
    assert cul.loc[10] == pytest.approx(1220 / 420)
    spaced = revenue.assign(rev=["1 220", "10", "30", "50", "5", "5"])
    with pytest.raises(GeoprocInputError, match=r"'1 220'.*thousands=' '"):
        geoproc.agglomeration_index(spaced, "rev")
    assert geoproc.agglomeration_index(spaced, "rev", thousands=" ").loc[10] == pytest.approx(1220 / 420)
    junk = revenue.assign(rev=["20", "n/a", "30", "50", "5", "5"])
    with pytest.raises(GeoprocInputError, match=r"row 11 \(a in 2015\): 'n/a'"):
        geoproc.agglomeration_index(junk, "rev", thousands=",")


@pytest.fixture
def cities():
    # e / E: A 12/100, B 3/100, C 10/200, D 5/100, E 16/100 in 2018
    return pd.DataFrame(
        {
            "city": list("ABCDE"),
            "year": [2018] * 5,
            "va": [12.0, 3.0, 10.0, 5.0, 16.0],
            "gdp": [100.0, 100.0, 200.0, 100.0, 100.0],
        }
    )


def test_lq_all_regions_by_hand(cities):
    lq = geoproc.location_quotient(cities, "va", "gdp", id="city")
    # reference: e = 46, E = 600, e/E = 0.0766667
    # A 0.12 * 600/46 = 72/46; B 0.03*600/46 = 18/46; C, D 0.05*600/46 = 30/46; E 96/46
    assert_allclose(lq, np.array([72, 18, 30, 30, 96]) / 46)
    assert lq.name == "va_lq"
    assert cities.loc[lq > 1, "city"].tolist() == ["A", "E"]


def test_lq_national_reference_by_hand(cities):
    national = pd.DataFrame({"year": [2017, 2018], "va": [40.0, 50.0], "gdp": [900.0, 1000.0]})
    lq = geoproc.location_quotient(cities, "va", "gdp", id="city", reference=national)
    # 2018 national share 50/1000 = 0.05: A 2.4, B 0.6, C 1.0, D 1.0, E 3.2
    assert_allclose(lq, [2.4, 0.6, 1.0, 1.0, 3.2])
    assert cities.loc[lq > 1, "city"].tolist() == ["A", "E"]
    renamed = national.rename(columns={"va": "cultural", "gdp": "total"})
    lq2 = geoproc.location_quotient(
        cities, "va", "gdp", id="city", reference=renamed,
        reference_sector="cultural", reference_total="total",
    )
    assert_allclose(lq2, lq)


def test_lq_panel_two_years():
    df = pd.DataFrame(
        {
            "code": ["x", "y", "x", "y"],
            "year": [1, 1, 2, 2],
            "e": [1.0, 3.0, 2.0, 2.0],
            "E": [10.0, 10.0, 10.0, 30.0],
        }
    )
    # year 1: ref 4/20 = 0.2 -> x 0.1/0.2 = 0.5, y 0.3/0.2 = 1.5
    # year 2: ref 4/40 = 0.1 -> x 0.2/0.1 = 2.0, y (2/30)/0.1 = 0.6667
    assert_allclose(geoproc.location_quotient(df, "e", "E"), [0.5, 1.5, 2.0, 2 / 3])


def test_lq_errors(cities):
    zero = cities.assign(gdp=[100.0, 0.0, 200.0, -5.0, 100.0])
    with pytest.raises(GeoprocInputError, match=r"total 'gdp' is zero or negative for B in 2018, D in 2018"):
        geoproc.location_quotient(zero, "va", "gdp", id="city")
    over = cities.assign(va=[12.0, 300.0, 10.0, 5.0, 16.0])
    with pytest.raises(GeoprocInputError, match=r"'va' exceeds total 'gdp' for B in 2018"):
        geoproc.location_quotient(over, "va", "gdp", id="city")
    neg = cities.assign(va=[12.0, -3.0, 10.0, 5.0, 16.0])
    with pytest.raises(GeoprocInputError, match=r"'va' is negative for B in 2018"):
        geoproc.location_quotient(neg, "va", "gdp", id="city")
    nosector = cities.assign(va=0.0)
    with pytest.raises(GeoprocInputError, match=r"'va' sums to zero or less in year\(s\) 2018"):
        geoproc.location_quotient(nosector, "va", "gdp", id="city")
    national = pd.DataFrame({"year": [2017], "va": [40.0], "gdp": [900.0]})
    with pytest.raises(GeoprocInputError, match=r"reference table has no row for year\(s\) 2018"):
        geoproc.location_quotient(cities, "va", "gdp", id="city", reference=national)
    national = pd.DataFrame({"year": [2018, 2018], "va": [40.0, 1.0], "gdp": [900.0, 1.0]})
    with pytest.raises(GeoprocInputError, match=r"year\(s\) 2018 appear more than once"):
        geoproc.location_quotient(cities, "va", "gdp", id="city", reference=national)
    with pytest.raises(GeoprocInputError, match=r'reference must be "all"'):
        geoproc.location_quotient(cities, "va", "gdp", id="city", reference="nation")


def test_year_column_checked():
    df = pd.DataFrame({"code": ["a", "b"], "year": [2015.5, 2015], "v": [1.0, 2.0]})
    with pytest.raises(GeoprocInputError, match=r"'year' is not a whole year at rows 0"):
        geoproc.agglomeration_index(df, "v")
    df = pd.DataFrame({"code": ["a", "b"], "year": ["2015", "二〇一五"], "v": [1.0, 2.0]})
    with pytest.raises(GeoprocInputError, match=r"column 'year' is not numeric at row 1"):
        geoproc.agglomeration_index(df, "v")


def test_not_a_dataframe():
    with pytest.raises(GeoprocInputError, match="must be a pandas DataFrame"):
        geoproc.agglomeration_index({"code": [1]}, "v")


def test_empty_ids_named():
    df = pd.DataFrame({"code": ["a", " ", None], "year": [2015] * 3, "v": [1.0, 2.0, 3.0]})
    with pytest.raises(GeoprocInputError, match=r"column 'code' is empty at rows 1, 2"):
        geoproc.agglomeration_index(df, "v")
    df = pd.DataFrame({"code": [1.0, np.nan], "year": [2015] * 2, "v": [1.0, 2.0]})
    with pytest.raises(GeoprocInputError, match=r"column 'code' is empty at rows 1"):
        geoproc.agglomeration_index(df, "v")


def test_lq_cross_section_reference_row(cities):
    one = cities.drop(columns="year")
    nation = pd.DataFrame({"va": [50.0], "gdp": [1000.0]})
    # national share 0.05: A 0.12/0.05 = 2.4, B 0.6, C 1.0, D 1.0, E 3.2
    lq = geoproc.location_quotient(one, "va", "gdp", id="city", year=None, reference=nation)
    assert_allclose(lq, [2.4, 0.6, 1.0, 1.0, 3.2])
    with pytest.raises(GeoprocInputError, match="exactly one row, it has 2"):
        geoproc.location_quotient(one, "va", "gdp", id="city", year=None, reference=pd.concat([nation] * 2))
