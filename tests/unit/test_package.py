"""The package imports lazily and stays free of QGIS."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

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


# the commands the README documents; each must register and answer --help
COMMANDS = ("boundaries", "density", "distances", "hotspots", "indices", "lisa", "map", "moran",
            "run", "sdm", "weights")


def test_cli_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "geoproc.cli", "--help"], capture_output=True, text=True, check=True)
    listed = set(re.findall(r"^ {4}([a-z]+)\b", out.stdout, re.M))  # the COMMAND list
    assert set(COMMANDS) <= listed, out.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_runs_and_names_it(command, capsys):
    from geoproc.cli import main

    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: geoproc {command} ")
    assert "-h, --help" in out


def test_cli_formats_warnings_only_while_a_command_runs(tmp_path, capsys):
    """A command's warnings print as one line naming it; afterwards Python's own
    warning functions are back (a program calling main() keeps its format)."""
    import warnings

    import geopandas as gpd
    from shapely.geometry import Polygon, box

    from geoproc.cli import main

    # a C-shaped region: its area centroid lies in the gap, outside it, so distances warn
    # (the shipped layers' documented cases are silent, so the test makes its own)
    c_shape = Polygon([(110, 30), (113, 30), (113, 30.5), (110.5, 30.5), (110.5, 32.5), (113, 32.5),
                       (113, 33), (110, 33)])
    regions = gpd.GeoDataFrame({"code": [1, 2]}, geometry=[c_shape, box(115, 30, 116, 31)], crs="EPSG:4326")
    regions.to_file(tmp_path / "c.gpkg")
    before = (warnings.formatwarning, warnings.showwarning)
    assert main(["distances", str(tmp_path / "c.gpkg"), "--id", "code", "-o", str(tmp_path / "d.csv")]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^geoproc distances: warning: .*centroid lies outside", err, re.M), err
    assert (warnings.formatwarning, warnings.showwarning) == before


def test_no_public_function_is_shadowed_by_its_module():
    """Importing every module must leave each public name bound to the function, not a module."""
    import importlib
    import types

    for name, module in geoproc._EXPORTS.items():
        assert module.rsplit(".", 1)[-1] != name, f"{name} lives in a module of the same name"
        importlib.import_module(module)
    for info in __import__("pkgutil").walk_packages(geoproc.__path__, "geoproc."):
        if ".cli" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
    for name in geoproc._EXPORTS:
        assert not isinstance(getattr(geoproc, name), types.ModuleType), name


def test_subpackages_reachable_as_attributes():
    code = "import geoproc; print(type(geoproc.weights).__name__, hasattr(geoproc.maps, 'lisa_map'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["module", "True"]
