"""Matching mass / GDP tables to regions: the forms accepted and the errors that name the culprit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from geoproc.errors import GeoprocInputError
from geoproc.weights._masses import region_values

IDS = [110000, 120000, 130000]
LABELS = ["110000 (Beijing)", "120000 (Tianjin)", "130000 (Hebei)"]


def values(masses, **kw):
    return region_values(masses, IDS, region_labels=LABELS, **kw)


@pytest.mark.parametrize(
    "masses",
    [
        pd.Series({130000: 3.0, 110000: 1.0, 120000: 2.0}),  # order does not matter
        {110000: 1.0, 120000: 2.0, 130000: 3.0},
        pd.DataFrame({"code": ["130000", "110000", "120000"], "rd": [3.0, 1.0, 2.0]}),
        pd.DataFrame({"rd": [1.0, 2.0, 3.0]}, index=pd.Index(IDS, name="whatever")),
        pd.DataFrame({"prov": [110000.0, 120000.0, 130000.0], "rd": [1.0, 2.0, 3.0]}),
    ],
)
def test_accepted_forms(masses):
    id_column = "prov" if isinstance(masses, pd.DataFrame) and "prov" in masses else None
    v = values(masses, id_column=id_column)
    assert v.years == [None]
    assert_allclose(v.period_mean(), [1.0, 2.0, 3.0])


def test_multiindex_series_is_a_panel():
    idx = pd.MultiIndex.from_product([IDS, [2019, 2020]], names=["code", "year"])
    s = pd.Series([1.0, 3.0, 2.0, 2.0, 5.0, 7.0], index=idx, name="rd")
    v = values(s)
    assert v.years == [2019, 2020]
    # means: (1+3)/2 = 2, (2+2)/2 = 2, (5+7)/2 = 6
    assert_allclose(v.period_mean(), [2.0, 2.0, 6.0])
    assert_allclose(values(s, year=2020).period_mean(), [3.0, 2.0, 7.0])


def test_year_selection_and_errors():
    df = pd.DataFrame({"code": IDS * 2, "yr": [2019] * 3 + [2020] * 3, "rd": [1.0] * 6})
    with pytest.raises(GeoprocInputError, match="no rows for year.*2018"):
        values(df, year_column="yr", year=[2018, 2019])
    with pytest.raises(GeoprocInputError, match="no year column"):
        values(df.drop(columns="yr"), year=2019)
    with pytest.raises(GeoprocInputError, match="no year column 'year'"):
        values(df, year_column="year")


def test_column_choice_and_text_values():
    df = pd.DataFrame({"code": IDS, "rd": [1.0, 2.0, 3.0], "capital": [4.0, 5.0, 6.0]})
    with pytest.raises(GeoprocInputError, match="say which mass column.*rd, capital"):
        values(df)
    assert_allclose(values(df, column="capital").period_mean(), [4.0, 5.0, 6.0])
    with pytest.raises(GeoprocInputError, match="no column 'staff'"):
        values(df, column="staff")
    text = df.assign(rd=["1", "2,5", "3"])
    with pytest.raises(GeoprocInputError, match=r"not numeric for region 120000 \(Tianjin\): '2,5'"):
        values(text, column="rd")


def test_errors_name_region_with_its_name():
    with pytest.raises(GeoprocInputError, match=r"positive; got 120000 \(Tianjin\) = 0"):
        values(pd.Series({110000: 1.0, 120000: 0.0, 130000: 3.0}))
    with pytest.raises(GeoprocInputError, match=r"regions with no mass: 130000 \(Hebei\).*leave those"):
        values(pd.Series({110000: 1.0, 120000: 2.0}))
    with pytest.raises(GeoprocInputError, match=r"empty id 'code' at rows 1"):
        values(pd.DataFrame({"code": [110000, np.nan, 130000], "rd": [1.0, 2.0, 3.0]}))
    with pytest.raises(TypeError, match="Series keyed by region id"):
        values(np.array([1.0, 2.0, 3.0]))
