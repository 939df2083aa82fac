"""geoproc.panel.Panel: one validated panel with its provenance and one set of messages."""

import numpy as np
import pandas as pd
import pytest

from geoproc.errors import GeoprocInputError
from geoproc.panel import Panel, as_panel, load_panel, read_panel


@pytest.fixture
def frame():
    return pd.DataFrame({"code": [2, 1, 2, 1, 3], "year": [2021, 2020, 2020, 2021, 2020],
                         "v": [4.0, 1.0, 3.0, 2.0, 5.0]})


def test_from_frame_sorts_and_describes(frame):
    p = Panel.from_frame(frame)
    assert p.frame[["code", "year"]].values.tolist() == [[1, 2020], [1, 2021], [2, 2020], [2, 2021], [3, 2020]]
    assert p.ids == [1, 2, 3] and p.years == [2020, 2021]
    assert not p.balanced and p.missing == {3: [2021]}
    assert frame["code"].tolist() == [2, 1, 2, 1, 3]  # the caller's frame is untouched
    with pytest.raises(GeoprocInputError, match=r"panel is unbalanced \(years 2020-2021\): 3 lacks 2021; why"):
        p.require_balanced("why")
    sub = p.subset(["1", "2"])  # ids differing only in type
    assert sub.ids == [1, 2] and sub.balanced


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.drop(columns="year"), r"panel has no column 'year'; its columns are code, v"),
    (lambda d: d.iloc[:0], r"panel has no rows"),
    (lambda d: pd.concat([d, d.iloc[[0]]]), r"duplicate region-years \(code year\): 2 in 2021"),
    (lambda d: d.assign(year=[2021, 2020.5, 2020, 2021, 2020]), r"column 'year' is not a whole year at rows 1"),
    (lambda d: d.assign(code=[2, None, 2, 1, 3]), r"column 'code' is empty at rows 1"),
])
def test_one_set_of_messages(frame, change, message):
    with pytest.raises(GeoprocInputError, match=message):
        Panel.from_frame(change(frame))


def test_values_name_row_and_region_year(frame):
    p = Panel.from_frame(frame.assign(v=["4", "1", "x", "2", "5"]))
    # row 2 of the sorted frame is region 2 in 2020
    with pytest.raises(GeoprocInputError, match=r"column 'v' is not numeric at row 2 \(2 in 2020\): 'x'"):
        p.values(["v"])
    p = Panel.from_frame(frame.assign(v=[4.0, 1.0, np.nan, 2.0, 5.0]))
    with pytest.raises(GeoprocInputError, match=r"column 'v' is empty for 2 in 2020"):
        p.values(["v"])
    assert p.values(["v"], check_missing=False)["v"].isna().sum() == 1


def test_provenance_of_a_file(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes("prov,year,v\n江苏,2020,1\n浙江省,2020,2\n".encode("gb18030"))
    p = load_panel(path, id="prov")
    assert p.source == str(path) and p.encoding == "gb18030"
    assert p.name_matches == {"江苏": 320000, "浙江省": 330000}
    assert p.labels() == {320000: "江苏", 330000: "浙江省"}
    assert as_panel(p) is p
    assert read_panel(path, id="prov").equals(p.frame)


def test_file_rows_are_named_by_line(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("code,year,v\n1,2020,1\n1,2020,2\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match=rf"panel {path}: duplicate region-years \(code year\): 1 in 2020"):
        load_panel(path)
    path.write_text("code,year,v\n1,2020,1\n,2021,2\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match=r"column 'code' is empty at rows 3"):  # file line 3
        load_panel(path)
