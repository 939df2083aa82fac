import pytest

from geoproc.outputs import atomic_output


def test_refuses_existing_output(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("keep me")
    with pytest.raises(FileExistsError, match="a.csv"):
        with atomic_output(p):
            pass
    assert p.read_text() == "keep me"


def test_failure_leaves_nothing(tmp_path):
    p = tmp_path / "b.csv"
    with pytest.raises(RuntimeError):
        with atomic_output(p) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("old")
    with atomic_output(p, overwrite=True) as tmp:
        tmp.write_text("new")
    assert p.read_text() == "new"
    assert [x.name for x in tmp_path.iterdir()] == ["c.csv"]
