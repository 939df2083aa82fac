"""A built wheel carries the shipped data and styles, and finds them without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_carries_data_and_finds_it(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(tmp_path)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("geoproc-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    for required in ("geoproc/_data/boundaries/china_provinces.gpkg", "geoproc/_data/boundaries/yrd_cities.gpkg",
                     "geoproc/_data/demo/provinces_panel_synthetic.csv", "geoproc/_styles/palettes.json",
                     "geoproc/_styles/lisa_clusters.qml", "geoproc/pipelines/demo.toml"):
        assert required in names
    # Debian's Python has no geoproc of its own (the venv's editable finder would win over
    # PYTHONPATH); _paths and palettes need only the standard library.
    code = "import geoproc._paths as d, geoproc.palettes as p; print(d.data_dir()); print(p.styles_dir())"
    out = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})
    data, styles = out.stdout.split()
    assert Path(data) == tmp_path / "site" / "geoproc" / "_data"
    assert Path(styles) == tmp_path / "site" / "geoproc" / "_styles"
