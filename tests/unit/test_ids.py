"""geoproc.ids: the one id matcher (positions, type-insensitive, errors listing both sides)."""

import numpy as np
import pandas as pd
import pytest

from geoproc.errors import GeoprocInputError
from geoproc.ids import id_key, match_ids, relabel, values_by_region


def test_ids_differing_only_in_type_match():
    # int panel codes against text weights ids, and floats as Excel gives them
    assert match_ids([110000, 120000, 130000], ["130000", "110000", "120000"]).tolist() == [1, 2, 0]
    assert match_ids([110000.0, 120000.0], [120000, 110000]).tolist() == [1, 0]
    assert match_ids([np.int64(5)], [" 5 "]).tolist() == [0]


def test_leading_zeros_are_part_of_a_code():
    assert id_key("0101") == "0101" and id_key(101) == "101"
    with pytest.raises(GeoprocInputError, match=r"in the panel but not in the weights: 101"):
        match_ids([101], ["0101"])
    assert match_ids(["01", "02"], ["02", "01"]).tolist() == [1, 0]


def test_error_lists_both_sides_with_counts():
    wanted = list(range(1, 16))  # 1..15
    available = list(range(4, 30))  # 4..29
    with pytest.raises(GeoprocInputError) as exc:
        match_ids(wanted, available, what_wanted="panel", what_available="weights")
    msg = str(exc.value)
    assert "\n" not in msg
    assert "(3 only in the panel, 14 only in the weights)" in msg
    assert "in the panel but not in the weights: 1, 2, 3;" in msg
    # the first ten of the 14 (16..29), then the count of the rest
    assert msg.endswith("in the weights but not in the panel: 16, 17, 18, 19, 20, 21, 22, 23, 24, 25 and 4 more")


def test_extra_ignore_picks_a_subset():
    assert match_ids(["b"], ["a", "b", "c"], extra="ignore").tolist() == [1]
    with pytest.raises(GeoprocInputError, match="in the weights but not in the panel: a, c"):
        match_ids(["b"], ["a", "b", "c"])


def test_an_id_written_twice_is_named():
    with pytest.raises(GeoprocInputError, match=r"region 1 appears twice \(as 1 and '1'\)"):
        match_ids([1, 2], [1, "1", 2], what_available="weights")


def test_relabel_and_values_by_region():
    assert relabel(["320000", "x"], [320000, 110000]) == [320000, "x"]
    s = pd.Series([1.0, 2.0, 3.0], index=["3", "1", "2"])
    assert values_by_region(s, [1, 2, 3], "v").tolist() == [2.0, 3.0, 1.0]
    with pytest.raises(GeoprocInputError, match="v: no value for regions 4"):
        values_by_region(s, [1, 2, 4], "v")
    with pytest.raises(GeoprocInputError, match=r"v: missing \(NaN\) for regions 2"):
        values_by_region(pd.Series([1.0, np.nan], index=[1, 2]), [1, 2], "v")
