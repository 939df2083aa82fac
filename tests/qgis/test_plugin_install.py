"""The plugin zip installs into a fresh QGIS profile and runs from qgis_process.

Debian's /usr/bin/qgis_process wrapper fails ("--noversioncheck"); the binary
/usr/bin/qgis_process.bin works. qgis_process embeds Debian's system Python, so
geoproc's libraries are handed to it on PYTHONPATH from ``.venv-qgis``, built by
``scripts/install_qgis_python.sh --venv .venv-qgis`` (``make test`` does it) the
way that script installs them for a user's QGIS: the wheels of the test venv would
crash inside QGIS, whose GEOS/PROJ/GDAL symbols are global.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QGIS_PROCESS = "/usr/bin/qgis_process.bin"
QGIS_PYTHON_ENV = ROOT / ".venv-qgis"
sys.path.insert(0, str(ROOT / "scripts"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory):
    import build_plugin

    return build_plugin.build_zip(tmp_path_factory.mktemp("dist"))


def _env(home: Path, with_libraries: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home / "run"), QT_QPA_PLATFORM="offscreen")
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    if with_libraries:
        site = QGIS_PYTHON_ENV / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
        if not site.is_dir():
            raise AssertionError(f"{QGIS_PYTHON_ENV} is missing: run bash scripts/install_qgis_python.sh --venv .venv-qgis")
        env["PYTHONPATH"] = str(site)
    return env


def _qgis_process(args, env, check=True):
    out = subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and out.returncode != 0:
        raise AssertionError(f"qgis_process {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out


@pytest.fixture(scope="module")
def fresh_profile(plugin_zip, tmp_path_factory):
    """A new HOME whose default profile got the zip as 'Install from ZIP' does: unzipped into python/plugins."""
    home = tmp_path_factory.mktemp("home")
    plugins = home / ".local/share/QGIS/QGIS3/profiles/default/python/plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(plugins)
    return home


def test_zip_layout(plugin_zip):
    with zipfile.ZipFile(plugin_zip) as zf:
        names = set(zf.namelist())
    for required in ("geoproc_plugin/__init__.py", "geoproc_plugin/metadata.txt",
                     "geoproc_plugin/ext/geoproc/__init__.py", "geoproc_plugin/icon.svg"):
        assert required in names
    assert any(n.startswith("geoproc_plugin/ext/geoproc/_data/boundaries/") and n.endswith(".gpkg") for n in names)
    assert not any("__pycache__" in n for n in names)


def test_installed_zip_lists_provider_and_runs(fresh_profile, tmp_path):
    env = _env(fresh_profile, with_libraries=True)
    _qgis_process(["plugins", "enable", "geoproc_plugin"], env)
    listing = _qgis_process(["list"], env).stdout
    for alg in ("geoproc:export_boundaries", "geoproc:distance_matrix", "geoproc:convert_coordinates"):
        assert alg in listing
    target = tmp_path / "yrd.gpkg"
    _qgis_process(["run", "geoproc:export_boundaries", "--", "NAME=1", f"OUTPUT={target}"], env)
    import geopandas as gpd

    gdf = gpd.read_file(target)
    assert len(gdf) == 41 and gdf.crs.to_epsg() == 4326


def test_plugin_path_and_missing_libraries_message(plugin_zip, tmp_path):
    """With QGIS_PLUGINPATH and without the libraries, the algorithm says what to install."""
    home = tmp_path / "home"
    home.mkdir()
    extracted = tmp_path / "plugins"
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(extracted)
    env = _env(home, with_libraries=False)
    env["QGIS_PLUGINPATH"] = str(extracted)
    _qgis_process(["plugins", "enable", "geoproc_plugin"], env)
    assert "geoproc:export_boundaries" in _qgis_process(["list"], env).stdout
    probe = subprocess.run(["/usr/bin/python3", "-c", "import geopandas"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("the system Python has geopandas, so nothing is missing to report")
    out = _qgis_process(["run", "geoproc:export_boundaries", "--", "NAME=0", f"OUTPUT={tmp_path / 'x.gpkg'}"], env, check=False)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "geopandas" in text and "install_qgis_python.sh" in text
    assert not (tmp_path / "x.gpkg").exists()


def test_bundled_geoproc_finds_its_styles_and_data(plugin_zip, tmp_path):
    """Inside the zip, geoproc resolves styles and boundaries to its bundled copies."""
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(tmp_path)
    ext = tmp_path / "geoproc_plugin" / "ext"
    code = ("import geoproc.palettes as p, geoproc._paths as d; "
            "print(p.styles_dir()); print(d.data_dir()); print(len(p.load_palettes()))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOPROC_")}
    env["PYTHONPATH"] = str(ext)
    # /usr/bin/python3 (what QGIS runs) has no geoproc of its own; the venv's editable
    # install would win over PYTHONPATH.
    out = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, env=env,
                         check=True, cwd=tmp_path)  # not the checkout: -c puts the cwd first
    styles, data, count = out.stdout.split()
    assert Path(styles) == ext / "geoproc" / "_styles"
    assert Path(data) == ext / "geoproc" / "_data"
    assert int(count) >= 5
    assert (Path(styles) / "lisa_clusters.qml").exists()
