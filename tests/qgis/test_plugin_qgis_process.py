"""The analysis algorithms from the command line: ``qgis_process.bin run`` on the built plugin.

Same set-up as test_plugin_install.py (QGIS_PLUGINPATH, geoproc's libraries from
``.venv-qgis`` on PYTHONPATH); the inputs are files, as a shell user gives them: the
regions as a GeoPackage, the panel as a CSV with a ``.csvt`` sidecar giving OGR the
column types.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
QGIS_PROCESS = "/usr/bin/qgis_process.bin"
QGIS_PYTHON_ENV = ROOT / ".venv-qgis"
PANEL_CSV = ROOT / "data" / "demo" / "provinces_panel_synthetic.csv"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_plugin
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    site = QGIS_PYTHON_ENV / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    if not site.is_dir():
        raise AssertionError(f"{QGIS_PYTHON_ENV} is missing: run bash scripts/install_qgis_python.sh --venv .venv-qgis")
    tmp = tmp_path_factory.mktemp("qgis_process")
    build_plugin.build_folder(tmp / "plugins")
    home = tmp / "home"
    (home / "run").mkdir(parents=True)
    (home / "run").chmod(0o700)
    e = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    e.update(HOME=str(home), XDG_RUNTIME_DIR=str(home / "run"), QT_QPA_PLATFORM="offscreen",
             QGIS_PLUGINPATH=str(tmp / "plugins"), PYTHONPATH=str(site))
    run(["plugins", "enable", "geoproc_plugin"], e)
    return e


def run(args, env, check=True):
    out = subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and out.returncode != 0:
        raise AssertionError(f"qgis_process {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    import geoproc

    tmp = tmp_path_factory.mktemp("inputs")
    regions = tmp / "provinces.gpkg"
    geoproc.load_boundaries("china_provinces").to_file(regions, engine="pyogrio")
    df = pd.read_csv(PANEL_CSV)
    panel = tmp / "panel.csv"
    df.to_csv(panel, index=False)
    types = ["Integer" if c in ("code", "year") else "String" if df[c].dtype == object else "Real" for c in df.columns]
    panel.with_suffix(".csvt").write_text(",".join(f'"{t}"' for t in types))
    w = geoproc.knn_weights(geoproc.load_boundaries("china_provinces"), 4, id="code")
    wfile = tmp / "knn4.gal"
    geoproc.write_weights(w, wfile)
    return regions, panel, wfile, df, w


def test_list_shows_every_algorithm(env):
    listing = run(["list"], env).stdout
    for alg in ("spatial_weights", "indices", "moran_by_year", "lisa_clusters", "hot_spots", "park_density",
                "kernel_density", "sdm"):
        assert f"geoproc:{alg}" in listing


def test_lisa_from_the_command_line(env, files, tmp_path):
    import geopandas as gpd

    import geoproc

    regions, panel, wfile, df, w = files
    out = tmp_path / "lisa.gpkg"
    run(["run", "geoproc:lisa_clusters", "--", f"REGIONS={regions}", "REGIONS_ID=code", f"PANEL={panel}",
         "PANEL_ID=code", "YEAR_FIELD=year", "VARIABLE=cul", "YEAR=2020", f"WEIGHTS_FILE={wfile}",
         "PERMUTATIONS=99", "SEED=11", f"OUTPUT={out}"], env)
    got = gpd.read_file(out).set_index("code")
    rows = df[df.year == 2020]
    want = geoproc.local_moran(geoproc.load_boundaries("china_provinces"),
                               pd.Series(rows.cul.to_numpy(), index=rows.code.to_numpy()), w,
                               permutations=99, seed=11, id="code").set_index("code")
    np.testing.assert_allclose(got.loc[want.index, "lisa_I"], want["lisa_I"], rtol=1e-12)
    np.testing.assert_allclose(got.loc[want.index, "lisa_p"], want["lisa_p"], rtol=1e-12)
    assert got.loc[want.index, "cluster"].tolist() == want["cluster"].tolist()


def test_moran_error_reaches_the_command_line(env, files, tmp_path):
    regions, panel, wfile, _, _ = files
    out = tmp_path / "m.csv"
    res = run(["run", "geoproc:moran_by_year", "--", f"PANEL={panel}", "VARIABLES=cul", f"REGIONS={regions}",
               "WEIGHTS=knn:zero", "PERMUTATIONS=0", f"OUTPUT={out}"], env, check=False)
    assert res.returncode != 0
    assert "weights 'knn:zero': k 'zero' is not a number" in res.stdout + res.stderr
    assert not out.exists()


def test_point_patterns_from_the_command_line(env, tmp_path):
    """The ellipse and Ripley algorithms inside the real QGIS process (QGIS's own numpy, matplotlib)."""
    import warnings

    import geopandas as gpd

    import geoproc

    parks_csv = ROOT / "data" / "demo" / "yrd_parks_synthetic.csv"
    parks = tmp_path / "parks.gpkg"
    pts = geoproc.read_points(parks_csv)
    pts.to_file(parks, engine="pyogrio")
    cities = tmp_path / "cities.gpkg"
    geoproc.load_boundaries("yrd_cities").to_file(cities, engine="pyogrio")
    sde, rip = tmp_path / "sde.gpkg", tmp_path / "ripley.csv"
    run(["run", "geoproc:standard_deviational_ellipse", "--", f"POINTS={parks}", "GROUP_FIELD=type",
         f"OUTPUT={sde}"], env)
    run(["run", "geoproc:ripleys_k", "--", f"POINTS={parks}", f"REGIONS={cities}", "DISTANCES=10000,40000",
         "SIMULATIONS=9", "SEED=4", f"OUTPUT={rip}"], env)
    got = gpd.read_file(sde).set_index("type")
    want = geoproc.standard_deviational_ellipse(pts, by="type")
    np.testing.assert_allclose(got.loc[want.groups, "major_m"], want.major, rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        curve = geoproc.ripleys_k(pts, geoproc.load_boundaries("yrd_cities"), distances=[10000, 40000],
                                  simulations=9, seed=4).to_frame()
    np.testing.assert_allclose(pd.read_csv(rip)[["k", "envelope_high_m"]], curve[["k", "envelope_high_m"]],
                               rtol=1e-9)
