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


# --- inputs are sacred -------------------------------------------------------------------
import errno  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from geoproc.errors import GeoprocInputError  # noqa: E402
from geoproc.outputs import (  # noqa: E402
    check_not_input,
    check_output,
    part_path,
    remove_stale_parts,
    same_file,
)


@pytest.mark.parametrize("overwrite", [False, True])
def test_output_that_is_an_input_is_refused_naming_both(tmp_path, overwrite):
    panel = tmp_path / "panel.csv"
    panel.write_text("id,year,x\n1,2020,3\n")
    with pytest.raises(GeoprocInputError) as info:
        check_output(panel, overwrite, inputs={"panel": panel})
    msg = str(info.value)
    assert "panel" in msg and str(panel) in msg and "\n" not in msg
    assert "--overwrite" not in msg and "overwrite=True" not in msg
    assert panel.read_text() == "id,year,x\n1,2020,3\n"


def test_same_file_through_symlink_hardlink_and_dotdot(tmp_path):
    src = tmp_path / "a.gpkg"
    src.write_bytes(b"x")
    (tmp_path / "link.gpkg").symlink_to(src)
    os.link(src, tmp_path / "hard.gpkg")
    (tmp_path / "sub").mkdir()
    for alias in ("link.gpkg", "hard.gpkg", "sub/../a.gpkg"):
        with pytest.raises(GeoprocInputError, match="a.gpkg"):
            check_output(tmp_path / alias, True, inputs=[src])
    # a symlink to a folder: the output named through it is the input
    (tmp_path / "alias").symlink_to(tmp_path)
    assert same_file(tmp_path / "alias" / "a.gpkg", src)


def test_input_given_as_qgis_source_and_missing_inputs_skipped(tmp_path):
    src = tmp_path / "prov.gpkg"
    src.write_bytes(b"x")
    with pytest.raises(GeoprocInputError, match="regions"):
        check_not_input(src, {"regions": f"{src}|layername=prov", "panel": None})
    # a shipped layer name that is not a file, a URL and an in-memory frame: nothing to protect
    check_not_input(tmp_path / "out.gpkg", ["china_provinces", "https://x/y.csv", object()])


def test_case_insensitive_or_not_an_existing_output_is_compared_by_inode(tmp_path):
    src = tmp_path / "Panel.csv"
    src.write_text("x")
    other = tmp_path / "panel.CSV"
    # on a case-sensitive file system these are two files; samefile decides either way
    expect = os.path.exists(other) and os.path.samefile(src, other)
    assert same_file(other, src) == expect


def test_existing_output_hint_is_the_callers(tmp_path):
    out = tmp_path / "o.csv"
    out.write_text("x")
    with pytest.raises(FileExistsError, match="OVERWRITE parameter"):
        check_output(out, False, overwrite_hint="set the OVERWRITE parameter to replace it")


# --- interrupted runs ----------------------------------------------------------------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_parts_of_dead_runs_removed_live_and_foreign_kept(tmp_path):
    out = tmp_path / "D.csv"
    mine = part_path(out)
    host = mine.name.split(".part-")[1].split("-")[0]
    dead = tmp_path / f".D.part-{host}-{_dead_pid()}-0123abcd.csv"
    live = tmp_path / f".D.part-{host}-{os.getppid()}-0123abcd.csv"
    foreign = tmp_path / f".D.part-ffffff-{_dead_pid()}-0123abcd.csv"
    if host == "ffffff":  # pragma: no cover - vanishingly unlikely
        foreign = tmp_path / f".D.part-eeeeee-{_dead_pid()}-0123abcd.csv"
    user = tmp_path / "my.part-1-notes.csv"
    for p in (dead, live, foreign, user):
        p.write_text("half")
    with atomic_output(out) as tmp:
        tmp.write_text("done")
    assert not dead.exists()
    assert live.exists() and foreign.exists() and user.exists()
    assert out.read_text() == "done"
    assert remove_stale_parts(tmp_path / "nosuch") == []


def test_pidless_parts_of_older_versions_removed_after_a_day(tmp_path):
    """Partial files written before PIDs were in the name (``.x.part-<8hex>``): removed by the
    next write into the folder once older than 24 h; a fresh one (maybe a running old
    version) and look-alikes that are not ours are kept."""
    day = 24 * 3600
    old = tmp_path / ".D.part-0123abcd.csv"
    old_nosuffix = tmp_path / ".x.part-deadbeef"
    fresh = tmp_path / ".D.part-89abcdef.csv"
    not_hex = tmp_path / ".D.part-zzzzzzzz.csv"
    visible = tmp_path / "D.part-0123abcd.csv"  # not hidden: a user's file
    for p in (old, old_nosuffix, fresh, not_hex, visible):
        p.write_text("half")
    now = time.time()
    for p in (old, old_nosuffix, not_hex, visible):
        os.utime(p, (now - day - 60, now - day - 60))
    os.utime(fresh, (now - day + 3600, now - day + 3600))  # 23 h old
    with atomic_output(tmp_path / "D.csv") as tmp:
        tmp.write_text("done")
    assert not old.exists() and not old_nosuffix.exists()
    assert fresh.exists() and not_hex.exists() and visible.exists()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_disk_full_is_one_line_naming_the_file(tmp_path, code):
    out = tmp_path / "big.csv"
    with pytest.raises(GeoprocInputError) as info:
        with atomic_output(out) as tmp:
            tmp.write_text("partial")
            raise OSError(code, os.strerror(code))
    msg = str(info.value)
    assert str(out) in msg and "disk is full" in msg and "\n" not in msg
    assert list(tmp_path.iterdir()) == []


def test_disk_full_wrapped_by_a_driver_is_recognised(tmp_path):
    out = tmp_path / "big.gpkg"

    class DataSourceError(RuntimeError):
        pass

    with pytest.raises(GeoprocInputError, match="big.gpkg"):
        with atomic_output(out) as tmp:
            tmp.write_text("partial")
            raise DataSourceError("sqlite3_step() failed: database or disk is full: "
                                  "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_other_oserrors_pass_through(tmp_path):
    with pytest.raises(PermissionError):
        with atomic_output(tmp_path / "x.csv") as tmp:
            tmp.write_text("p")
            raise PermissionError(errno.EACCES, "denied")


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__import__("geoproc").__file__)))
_WRITER = r"""
import sys, time
from geoproc.outputs import atomic_output
with atomic_output(sys.argv[1]) as tmp:
    with open(tmp, "w") as f:
        f.write("x" * 100000); f.flush()
        print("writing", flush=True)
        while True:
            time.sleep(0.05)
"""


def _start_writer(tmp_path, out):
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": _ROOT})
    assert proc.stdout.readline().strip() == "writing"
    assert any(p.name.startswith(".out.part-") for p in tmp_path.iterdir())
    return proc


def test_sigterm_mid_write_leaves_nothing(tmp_path):
    out = tmp_path / "out.csv"
    proc = _start_writer(tmp_path, out)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    assert proc.returncode != 0
    assert list(tmp_path.iterdir()) == []


def test_sigkill_leftover_removed_by_next_run(tmp_path):
    out = tmp_path / "out.csv"
    proc = _start_writer(tmp_path, out)
    proc.kill()
    proc.wait(timeout=20)
    assert [p.name for p in tmp_path.iterdir() if ".part-" in p.name]  # SIGKILL cannot clean
    time.sleep(0.05)
    with atomic_output(out) as tmp:
        tmp.write_text("ok")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_protected_inputs_refused_by_every_writer_in_the_block(tmp_path):
    import argparse

    from geoproc.outputs import command_inputs, protect_inputs

    panel = tmp_path / "panel.csv"
    panel.write_text("x")
    w = tmp_path / "w.gal"
    w.write_text("1")
    ns = argparse.Namespace(panel=str(panel), weights=[f"W={w}", "queen"], output=str(panel),
                            json=None, overwrite=True, func=print, regions="china_provinces")
    found = command_inputs(ns)
    # the output option is not an input; NAME=PATH gives its path; a shipped name is no file
    assert found == [("panel", str(panel)), ("weights", str(w))]
    with protect_inputs(found):
        with pytest.raises(GeoprocInputError, match=r"output .*w\.gal is the weights"):
            with atomic_output(w, overwrite=True):
                pass
    with atomic_output(w, overwrite=True) as tmp:  # outside the block: an ordinary output
        tmp.write_text("2")
    assert w.read_text() == "2"


def test_shapefile_set_moves_whole(tmp_path):
    """A Shapefile written through atomic_output arrives with its .shx/.dbf/.prj and reads back."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geoproc.outputs import atomic_output

    gdf = gpd.GeoDataFrame({"code": [1, 2], "v": [0.5, 1.5]}, geometry=[Point(0, 0), Point(1, 1)],
                           crs="EPSG:4326")
    out = tmp_path / "x.shp"
    with atomic_output(out) as tmp:
        gdf.to_file(tmp)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert {"x.shp", "x.shx", "x.dbf", "x.prj"} <= set(names)
    assert not [n for n in names if ".part-" in n]
    back = gpd.read_file(out)
    assert back["v"].tolist() == [0.5, 1.5] and back.crs.to_epsg() == 4326


def test_shapefile_set_removed_on_failure(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    from geoproc.outputs import atomic_output

    gdf = gpd.GeoDataFrame({"v": [1.0]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_output(tmp_path / "y.shp") as tmp:
            gdf.to_file(tmp)
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
