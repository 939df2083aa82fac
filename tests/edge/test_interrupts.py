"""Faults while writing: SIGTERM, SIGKILL's leftovers, a full disk -- through the real CLI.

The only catalogue rows that need a subprocess: a signal must reach a real process.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .conftest import digest, run_cli

ROOT = Path(__file__).resolve().parents[2]


def _points(path: Path, n: int) -> None:
    import geopandas as gpd

    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(100, 120, n), rng.uniform(20, 40, n)
    gpd.GeoDataFrame({"id": np.arange(n)}, geometry=gpd.points_from_xy(lon, lat),
                     crs=4326).to_file(path)


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "geoproc", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_part(folder: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        parts = [p for p in folder.iterdir() if p.name.startswith(".D.part-")]
        if parts and parts[0].stat().st_size > 0:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    pytest.fail("no partial file appeared")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_write_leaves_nothing(tmp_path, sig):
    _points(tmp_path / "pts.gpkg", 2500)  # ~75 MB of CSV: a few seconds of writing
    before = digest(tmp_path, ["pts.gpkg"])
    proc = _start(["distances", "pts.gpkg", "--id", "id", "-o", "D.csv"], tmp_path)
    _wait_for_part(tmp_path, proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    # 128 + the signal, as a shell reports it; the CLI turns SIGTERM into Ctrl-C's cleanup
    assert proc.returncode == {signal.SIGTERM: 143, signal.SIGINT: 130}[sig], (proc.returncode, err)
    assert "Traceback" not in err, err
    assert len([ln for ln in err.splitlines() if ln.strip()]) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pts.gpkg"]
    assert digest(tmp_path, ["pts.gpkg"]) == before


@pytest.mark.slow
def test_sigkill_leftover_removed_by_next_run(tmp_path, capsys, monkeypatch):
    _points(tmp_path / "pts.gpkg", 2500)
    proc = _start(["distances", "pts.gpkg", "--id", "id", "-o", "D.csv"], tmp_path)
    _wait_for_part(tmp_path, proc)
    proc.kill()
    proc.wait(timeout=60)
    assert [p for p in tmp_path.iterdir() if ".part-" in p.name]  # SIGKILL cannot clean up
    _points(tmp_path / "small.gpkg", 5)
    monkeypatch.chdir(tmp_path)
    code, err = run_cli(["distances", "small.gpkg", "--id", "id", "-o", "D.csv"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["D.csv", "pts.gpkg", "small.gpkg"]


def test_disk_full_while_writing_is_one_line_naming_the_file(tmp_path, capsys, monkeypatch):
    import geoproc.distances as distances

    _points(tmp_path / "pts.gpkg", 50)
    real_open = open

    class Full:
        def __init__(self, *a, **k):
            self._fh = real_open(*a, **k)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._fh.close()

        def write(self, text):
            self._fh.write(text)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        writelines = write

    monkeypatch.setattr(distances, "open", Full, raising=False)
    monkeypatch.chdir(tmp_path)
    code, err = run_cli(["distances", "pts.gpkg", "--id", "id", "-o", "D.csv"], capsys)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "D.csv" in lines[0] and "disk is full" in lines[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pts.gpkg"]
