"""Weights files: CSV full matrix, GAL and GWT, against libpysal's own readers and writers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from geoproc.errors import GeoprocInputError
from geoproc.weights import SpatialWeights, as_weights, read_weights, write_weights

# A weighted, asymmetric matrix with values that do not print short (1/3, 2/7)
# and an island (40), for exact round trips.
M = np.array([
    [0, 1 / 3, 2 / 7, 0],
    [1 / 3, 0, 0, 0],
    [5.0, 0, 0, 0],
    [0, 0, 0, 0],
])
IDS = [320000, 330000, 340000, 40]


@pytest.fixture
def w():
    return SpatialWeights(M, IDS, "test", meta={"id_field": "code"})


@pytest.fixture
def binary():
    b = np.array([[0, 1, 1, 0], [1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], float)
    return SpatialWeights(b, IDS, "queen", meta={"id_field": "code"})


@pytest.fixture(params=["pyarrow", "pandas"])
def engine(request, monkeypatch):
    """Run a test with pyarrow's CSV (fast path) and without it (pandas / plain Python)."""
    if request.param == "pandas":
        monkeypatch.setattr("geoproc.weights._formats._pyarrow_csv", lambda: (None, None))
    return request.param


def test_csv_round_trip_exact(tmp_path, w, engine):
    p = write_weights(w, tmp_path / "w.csv")
    lines = p.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,320000,330000,340000,40"
    # shortest repr that reads back to the same double; pandas writes 0 as 0.0
    zero = "0" if engine == "pyarrow" else "0.0"
    assert lines[1] == f"320000,{zero},0.3333333333333333,0.2857142857142857,{zero}"
    back = read_weights(p)
    assert back.ids == IDS and all(type(i) is int for i in back.ids)
    assert np.array_equal(back.full(), M)  # bit for bit


def test_string_ids_keep_leading_zeros(tmp_path, engine):
    w = SpatialWeights(np.array([[0, 1.0], [1.0, 0]]), ["001", "002"])
    for ext in ("csv", "gal", "gwt"):
        back = read_weights(write_weights(w, tmp_path / f"w.{ext}"))
        assert back.ids == ["001", "002"]


def test_csv_header_must_match_ids(tmp_path, engine):
    p = tmp_path / "bad.csv"
    p.write_text("id,a,b,c\na,0,1,0\nc,1,0,0\nb,0,0,0\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match=r"position 2: row id 'c', header id 'b'"):
        read_weights(p)
    p.write_text("region,a,b\na,0,1\nb,1,0\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match="first column must be 'id'"):
        read_weights(p)
    p.write_text("id,a,b\na,0,1\nb,x,0\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match=r"row 'b', column 'a' is 'x'"):
        read_weights(p)
    p.write_text("id,a,b\na,0,\nb,1,0\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match=r"row 'a', column 'b' is empty"):
        read_weights(p)
    p.write_text("id,a,b\na,0,1\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match="1 rows but 2 id columns"):
        read_weights(p)


def test_malformed_gwt_and_gal(tmp_path):
    p = tmp_path / "bad.gwt"
    p.write_text("0 2 x id\na b 0.5\nb a x\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match="b -> a has weight 'x'"):
        read_weights(p)
    p.write_text("0 2 x id\na b 0.5\na b 0.5\nb a 1\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match="repeated or self link a b"):
        read_weights(p)
    g = tmp_path / "bad.gal"
    g.write_text("2\na 2\nb\nb 1\na\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match="region 'a' should list 2 neighbours, found 1"):
        read_weights(g)
    g.write_text("2\na 1\nc\nb 1\na\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match="lists neighbour 'c', which is not a region"):
        read_weights(g)


def test_gal_round_trip_and_libpysal_reads_it(tmp_path, binary):
    import libpysal

    p = write_weights(binary, tmp_path / "w.gal")
    assert p.read_text().splitlines()[:3] == ["0 4 w code", "320000 2", "330000 340000"]
    back = read_weights(p)
    assert back.ids == IDS and np.array_equal(back.full(), binary.full())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal: "not fully connected" (the island)
        lw = libpysal.io.open(str(p)).read()  # libpysal reads ids as str
    assert lw.neighbors == {"320000": ["330000", "340000"], "330000": ["320000"],
                            "340000": ["320000"], "40": []}


def test_read_gal_written_by_libpysal(tmp_path):
    import libpysal
    from libpysal.weights import W

    lw = W({1: [2, 3], 2: [1], 3: [1], 4: []}, silence_warnings=True)
    f = libpysal.io.open(str(tmp_path / "lp.gal"), "w")
    f.write(lw)
    f.close()
    back = read_weights(tmp_path / "lp.gal")
    assert back.ids == [1, 2, 3, 4] and back.islands == [4]
    assert_allclose(back.full(), lw.full()[0])


def test_gal_refuses_values_it_would_lose(tmp_path, w, binary):
    with pytest.raises(GeoprocInputError, match="GAL would lose"):
        write_weights(w, tmp_path / "w.gal")
    assert not (tmp_path / "w.gal").exists()
    with pytest.warns(UserWarning, match="neighbours only"):
        write_weights(binary.row_standardize(), tmp_path / "r.gal")


def test_gwt_round_trip_and_libpysal_reads_it(tmp_path, w, engine):
    import libpysal

    with pytest.warns(UserWarning, match="40 will be missing"):
        p = write_weights(w, tmp_path / "w.gwt")
    assert p.read_text().splitlines()[:2] == ["0 4 w code", "320000 330000 0.3333333333333333"]
    with pytest.warns(UserWarning, match="only 3 have links"):
        back = read_weights(p)
    assert back.ids == IDS[:3]
    assert np.array_equal(back.full(), M[:3, :3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal: "DBF relating to GWT was not found"
        lw = libpysal.io.open(str(p)).read()
    assert lw.weights["340000"] == [5.0]
    assert lw.neighbors["320000"] == ["330000", "340000"]
    assert_allclose(lw.weights["320000"], [1 / 3, 2 / 7], rtol=1e-15)


def test_read_gwt_written_by_libpysal(tmp_path):
    import libpysal
    from libpysal.weights import W

    lw = W({"a": ["b"], "b": ["a", "c"], "c": ["b"]},
           {"a": [0.5], "b": [0.5, 0.25], "c": [0.25]})
    f = libpysal.io.open(str(tmp_path / "lp.gwt"), "w")
    f.write(lw)
    f.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = read_weights(tmp_path / "lp.gwt")
    assert back.ids == ["a", "b", "c"]
    assert_allclose(back.full(), lw.full()[0])


def test_existing_output_refused_and_atomic(tmp_path, w):
    p = tmp_path / "w.csv"
    p.write_text("keep me")
    with pytest.raises(FileExistsError, match="overwrite"):
        write_weights(w, p)
    assert p.read_text() == "keep me"
    write_weights(w, p, overwrite=True)
    assert read_weights(p).n == 4
    assert sorted(x.name for x in tmp_path.iterdir()) == ["w.csv"]  # no temporary left


def test_unknown_suffix_and_blank_ids(tmp_path, w, engine):
    with pytest.raises(GeoprocInputError, match="unknown format '.txt'"):
        write_weights(w, tmp_path / "w.txt")
    blank = SpatialWeights(np.array([[0, 1.0], [1.0, 0]]), ["Nan Tong", "B"])
    with pytest.raises(GeoprocInputError, match="'Nan Tong'"):
        write_weights(blank, tmp_path / "w.gwt")
    write_weights(blank, tmp_path / "w.csv")  # CSV quotes anything
    assert read_weights(tmp_path / "w.csv").ids == ["Nan Tong", "B"]
    odd = SpatialWeights(np.array([[0, 0.5], [1.0, 0]]), ['a,b', 'say "x"'])
    write_weights(odd, tmp_path / "odd.csv")
    back = read_weights(tmp_path / "odd.csv")
    assert back.ids == ['a,b', 'say "x"'] and np.array_equal(back.full(), odd.full())


def test_as_weights_reads_files_and_flags_row_standardised(tmp_path, binary):
    r = binary.row_standardize()
    write_weights(r, tmp_path / "r.csv")
    back = as_weights(str(tmp_path / "r.csv"))
    assert back.transform == "R"
    assert_allclose(back.full(), r.full())
