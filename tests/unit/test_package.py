"""The package imports lazily and stays free of QGIS."""

import re
import subprocess
import sys
from pathlib import Path

import geoproc

ROOT = Path(__file__).resolve().parents[2]


def test_import_is_light():
    code = "import sys, geoproc; print(','.join(m for m in ('geopandas','numba','esda','qgis') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_library_never_imports_qgis():
    pattern = re.compile(r"^\s*(from|import)\s+qgis\b", re.M)
    offenders = [str(p) for p in (ROOT / "geoproc").rglob("*.py") if pattern.search(p.read_text("utf-8"))]
    assert offenders == []


def test_unknown_attribute():
    try:
        geoproc.no_such_function  # noqa: B018
    except AttributeError as exc:
        assert "no_such_function" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_cli_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "geoproc.cli", "--help"], capture_output=True, text=True, check=True)
    assert "geoproc" in out.stdout
