"""``geoproc.panel.year_values``: one year's values per region, checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoproc.errors import GeoprocInputError
from geoproc.panel import year_values


@pytest.fixture
def panel():
    # region 110000: 1.0 (2020), 2.0 (2021); 120000: 3.0, 4.0; 130000: 5.0, 6.0
    return pd.DataFrame({
        "code": [110000, 110000, 120000, 120000, 130000, 130000],
        "year": [2020, 2021] * 3,
        "cul": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "label": list("abcdef"),
    })


def test_one_year_by_region(panel):
    before = panel.copy()
    got = year_values(panel, "cul", 2021)
    pd.testing.assert_series_equal(
        got, pd.Series([2.0, 4.0, 6.0], index=pd.Index([110000, 120000, 130000], name="code"), name="cul"))
    pd.testing.assert_frame_equal(panel, before)  # input untouched


def test_regions_order_and_text_ids(panel):
    # the regions' order, and their id type ("120000" text ids match integer panel codes)
    got = year_values(panel, "cul", 2020, regions=["130000", "110000", "120000"])
    assert list(got.index) == ["130000", "110000", "120000"]
    np.testing.assert_array_equal(got.to_numpy(), [5.0, 1.0, 3.0])


def test_other_column_names():
    df = pd.DataFrame({"prov": ["a", "b"], "t": [1, 1], "v": ["1.5", 2]})
    got = year_values(df, "v", 1, id="prov", year_column="t")
    assert got.to_dict() == {"a": 1.5, "b": 2.0}


def test_unknown_variable_lists_the_columns(panel):
    with pytest.raises(GeoprocInputError, match=r"no column 'gdp'; its columns are code, year, cul, label"):
        year_values(panel, "gdp", 2021)


def test_absent_year_lists_the_years(panel):
    with pytest.raises(GeoprocInputError, match=r"panel has no rows for 1999; its years are 2020, 2021"):
        year_values(panel, "cul", 1999)


def test_nan_and_text_name_the_regions(panel):
    df = panel.copy()
    df.loc[3, "cul"] = np.nan
    with pytest.raises(GeoprocInputError, match=r"column 'cul' is empty for 120000 in 2021"):
        year_values(df, "cul", 2021)
    year_values(df, "cul", 2020)  # the other year is complete
    with pytest.raises(GeoprocInputError, match=r"column 'label' is not numeric at row \d+ \(110000 in 2021\)"):
        year_values(df, "label", 2021)


def test_regions_lacking_a_value_are_named(panel):
    with pytest.raises(GeoprocInputError, match=r"panel has no 'cul' for 2021 for regions 140000, 150000"):
        year_values(panel, "cul", 2021, regions=[110000, 120000, 130000, 140000, 150000])


def test_panel_regions_not_among_the_regions_are_named(panel):
    with pytest.raises(GeoprocInputError, match=r"panel regions not among the regions: 130000"):
        year_values(panel, "cul", 2021, regions=[110000, 120000])


def test_a_region_twice_in_the_year_is_named(panel):
    df = pd.concat([panel, panel.iloc[[3]]], ignore_index=True)
    with pytest.raises(GeoprocInputError, match=r"several rows for 2021: 120000"):
        year_values(df, "cul", 2021)
