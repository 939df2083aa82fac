"""Strict numeric parsing of table columns (geoproc.numeric)."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from geoproc.errors import GeoprocInputError
from geoproc.numeric import numeric_column, numeric_columns


def test_numbers_and_plain_text_numbers():
    s = pd.Series(["1", " 2.5 ", "-3e2", ".5", None, "", 7])
    assert_allclose(numeric_column(s, "v"), [1.0, 2.5, -300.0, 0.5, np.nan, np.nan, 7.0])
    assert numeric_column(pd.Series([1, 2]), "v").dtype == float


@pytest.mark.parametrize(
    ("text", "sep", "value"),
    [
        ("1,234", ",", 1234.0),
        ("12,345,678.5", ",", 12345678.5),
        ("-1,234", ",", -1234.0),
        ("1 234", " ", 1234.0),
        ("1\u00a0234\u00a0567", " ", 1234567.0),  # no-break spaces from Excel
        ("1'234", "'", 1234.0),
    ],
)
def test_thousands_accepted_when_asked(text, sep, value):
    assert numeric_column(pd.Series([text]), "v", thousands=sep).iloc[0] == value


@pytest.mark.parametrize("text", ["1,234", "1 234", "1,234,567"])
def test_thousands_refused_by_default(text):
    with pytest.raises(GeoprocInputError, match=r"column 'v' is not numeric at row 0: .*thousands="):
        numeric_column(pd.Series([text]), "v")


@pytest.mark.parametrize("text", ["1,23", "12,3456", "1,234.5.6", "1.234,5"])
def test_ambiguous_grouping_is_an_error_even_with_thousands(text):
    # "1,23" could be a decimal comma: never guessed
    with pytest.raises(GeoprocInputError, match="not numeric"):
        numeric_column(pd.Series([text]), "v", thousands=",")


def test_error_names_rows_columns_and_labels():
    s = pd.Series(["1", "--", "abc", "2"], index=[5, 6, 7, 8])
    with pytest.raises(GeoprocInputError) as err:
        numeric_column(s, "revenue", row_labels=["a", "b", "c", "d"], what="panel x.csv")
    msg = str(err.value)
    assert "panel x.csv: column 'revenue'" in msg
    assert "row 6 (b): '--'" in msg and "row 7 (c): 'abc'" in msg


def test_booleans_refused():
    with pytest.raises(GeoprocInputError, match="true/false"):
        numeric_column(pd.Series([True, False]), "flag")


def test_bad_separator_option():
    with pytest.raises(GeoprocInputError, match="thousands separator must be one of"):
        numeric_column(pd.Series(["1"]), "v", thousands=".")


def test_numeric_columns_returns_new_frame():
    df = pd.DataFrame({"a": ["1,000", "2"], "b": [1.5, 2.5], "c": ["x", "y"]})
    out = numeric_columns(df, ["a", "b"], thousands=",")
    assert_allclose(out.to_numpy(), [[1000.0, 1.5], [2.0, 2.5]])
    assert df.loc[0, "a"] == "1,000"  # input untouched
