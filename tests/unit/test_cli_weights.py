"""``geoproc weights`` end to end on small hand-checkable layers.

Two tests run the installed entry point in a subprocess; the rest call
``geoproc.cli.main`` in-process (the same parser and code path), because every
subprocess pays several seconds of imports on the shared CI machine.
"""

from __future__ import annotations

import math
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from geoproc.weights import read_weights

A = 6378.137 * math.pi / 180  # km per degree of longitude on the equator (WGS84 a)


def run(*args):
    """The real command in a subprocess."""
    return subprocess.run([sys.executable, "-m", "geoproc", "weights", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


class Result:
    def __init__(self, returncode, out, err):
        self.returncode, self.stdout, self.stderr = returncode, out, err


@pytest.fixture
def cli(capsys):
    """``geoproc weights ...`` in-process; returns exit code, stdout and stderr."""
    from geoproc.cli import main

    def call(*args):
        code = main(["weights", *map(str, args)])
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return call


@pytest.fixture
def squares(tmp_path):
    """2 x 2 block of 1-degree squares A B / C D (codes 1-4) and a far square E (5)."""
    geoms = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2), box(5, 5, 6, 6)]
    p = tmp_path / "squares.gpkg"
    gpd.GeoDataFrame({"code": [1, 2, 3, 4, 5], "name_en": list("ABCDE")}, geometry=geoms,
                     crs="EPSG:4326").to_file(p)
    return p


@pytest.fixture
def line3(tmp_path):
    """Three points on the equator at lon 0, 1, 3: d01 = A, d02 = 3A, d12 = 2A km."""
    p = tmp_path / "line3.gpkg"
    gpd.GeoDataFrame({"code": [1, 2, 3]}, geometry=[Point(0, 0), Point(1, 0), Point(3, 0)],
                     crs="EPSG:4326").to_file(p)
    return p


def test_help():
    r = subprocess.run([sys.executable, "-m", "geoproc", "weights", "--help"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0
    for opt in ("--kind", "--k", "--power", "--cutoff", "--mass", "--mass-column", "--per-year",
                "--islands", "--row-standardize", "--overwrite"):
        assert opt in r.stdout


@pytest.mark.slow
def test_queen_gal_names_island(tmp_path, squares):
    out = tmp_path / "q.gal"
    r = run(squares, "--kind", "queen", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "5 (E)" in r.stderr and "island" in r.stderr
    lines = out.read_text().splitlines()
    # A (1) touches B, C (edges) and D (corner); E (5) has none
    assert lines[1:3] == ["1 3", "2 3 4"] and lines[-2:] == ["5 0", ""]


def test_rook_islands_nearest_row_standardized_csv(cli, tmp_path, squares):
    out = tmp_path / "r.csv"
    r = cli(squares, "--kind", "rook", "--islands", "nearest", "--row-standardize", "-o", out)
    assert r.returncode == 0, r.stderr
    w = read_weights(out).to_frame()
    # rook: A-B, A-C, B-D, C-D; E linked to D (its nearest centroid), both ways.
    # D then has 3 neighbours (B, C, E) -> 1/3 each; E has only D -> 1
    assert_allclose(w.loc[4].to_numpy(), [0, 1 / 3, 1 / 3, 0, 1 / 3])
    assert_allclose(w.loc[5].to_numpy(), [0, 0, 0, 1, 0])
    assert_allclose(w.loc[1].to_numpy(), [0, 0.5, 0.5, 0, 0])


def test_knn_and_inverse_distance(cli, tmp_path, line3):
    r = cli(line3, "--kind", "knn", "--k", "1", "-o", tmp_path / "k.gwt")
    assert r.returncode == 0, r.stderr
    # nearest of 1 is 2 (A), of 2 is 1 (A < 2A), of 3 is 2 (2A < 3A)
    links = [line.split() for line in (tmp_path / "k.gwt").read_text().splitlines()[1:]]
    assert [(i, j, float(v)) for i, j, v in links] == [("1", "2", 1.0), ("2", "1", 1.0), ("3", "2", 1.0)]
    r = cli(line3, "--kind", "inverse-distance", "--power", "2", "--cutoff", "250",
            "-o", tmp_path / "idw.csv")
    assert r.returncode == 0, r.stderr
    w = read_weights(tmp_path / "idw.csv").full()
    # 1/A^2, 1/(2A)^2; 1-3 is 3A = 334 km > 250 km cut-off -> 0
    assert_allclose(w, np.array([[0, 1, 0], [1, 0, 1 / 4], [0, 1 / 4, 0]]) / A**2, rtol=1e-9)


@pytest.mark.slow
def test_gravity_per_year_and_period_mean(cli, tmp_path, line3):
    table = tmp_path / "rd.csv"
    pd.DataFrame({"code": [1, 2, 3, 1, 2, 3], "year": [2010] * 3 + [2011] * 3,
                  "rd_staff": [1, 2, 4, 3, 2, 8]}).to_csv(table, index=False)
    r = run(line3, "--kind", "gravity", "--mass", table, "--mass-column", "rd_staff",
            "--per-year", "-o", tmp_path / "g.csv")
    assert r.returncode == 0, r.stderr
    assert "one per year" in r.stdout
    assert not (tmp_path / "g.csv").exists()
    g10 = read_weights(tmp_path / "g_2010.csv").full()
    # 2010 M = (1, 2, 4): w01 = 2/A^2, w02 = 4/(9A^2), w12 = 8/(4A^2)
    assert_allclose(g10, np.array([[0, 2, 4 / 9], [2, 0, 2], [4 / 9, 2, 0]]) / A**2, rtol=1e-9)
    assert (tmp_path / "g_2011.csv").exists()
    r = cli(line3, "--kind", "gravity", "--mass", table, "--mass-column", "rd_staff",
            "-o", tmp_path / "mean.gwt")
    assert r.returncode == 0, r.stderr
    assert "period mean 2010-2011" in r.stdout
    # mean M = (2, 2, 6): w01 = 4/A^2
    assert_allclose(read_weights(tmp_path / "mean.gwt").full()[0, 1], 4 / A**2, rtol=1e-12)


def test_nested(cli, tmp_path, line3):
    table = tmp_path / "gdp.csv"
    pd.DataFrame({"code": [1, 2, 3], "gdp": [2.0, 4.0, 8.0]}).to_csv(table, index=False)
    r = cli(line3, "--kind", "nested", "--mass", table, "-o", tmp_path / "n.csv")
    assert r.returncode == 0, r.stderr
    # row 0: (1/A * 4, 1/(3A) * 8) -> (4, 8/3) / (20/3) = (0.6, 0.4)  (Ybar cancels)
    assert_allclose(read_weights(tmp_path / "n.csv").full()[0], [0, 0.6, 0.4], rtol=1e-12)


def test_bad_input_exits_2_and_writes_nothing(cli, tmp_path, line3):
    table = tmp_path / "rd.csv"
    pd.DataFrame({"code": [1, 2, 3], "rd": [1.0, -2.0, 4.0]}).to_csv(table, index=False)
    out = tmp_path / "g.csv"
    r = cli(line3, "--kind", "gravity", "--mass", table, "-o", out)
    assert r.returncode == 2 and "2 = -2" in r.stderr
    pd.DataFrame({"code": [1, 2, 9], "rd": [1.0, 2.0, 4.0]}).to_csv(table, index=False)
    r = cli(line3, "--kind", "gravity", "--mass", table, "-o", out)
    assert r.returncode == 2 and "regions with no mass: 3" in r.stderr and "not regions: 9" in r.stderr
    r = cli(line3, "--kind", "knn", "-o", out)
    assert r.returncode == 2 and "needs --k" in r.stderr
    r = cli(line3, "--kind", "gravity", "--mass", table, "-o", tmp_path / "g.gal")
    assert r.returncode == 2 and "GAL holds neighbour lists only" in r.stderr
    r = cli(line3, "--kind", "queen", "--k", "3", "-o", out)
    assert r.returncode == 2 and "--k" in r.stderr
    assert list(tmp_path.glob("g*")) == []
    out.write_text("keep")
    r = cli(line3, "--kind", "knn", "--k", "1", "-o", out)
    assert r.returncode == 2 and "--overwrite" in r.stderr
    assert out.read_text() == "keep"
    r = cli(line3, "--kind", "knn", "--k", "1", "-o", out, "--overwrite")
    assert r.returncode == 0 and read_weights(out).n == 3


def test_coincident_points_named(cli, tmp_path):
    p = tmp_path / "dup.gpkg"
    gpd.GeoDataFrame({"code": [11, 22, 33]}, geometry=[Point(0, 0), Point(1, 0), Point(1, 0)],
                     crs="EPSG:4326").to_file(p)
    r = cli(p, "--kind", "inverse-distance", "-o", tmp_path / "w.csv")
    assert r.returncode == 2 and "22" in r.stderr and "33" in r.stderr
    assert not (tmp_path / "w.csv").exists()


@pytest.mark.slow
def test_shipped_provinces_queen(cli, tmp_path):
    out = tmp_path / "provinces.gal"
    r = cli("china_provinces", "--kind", "queen", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "460000 (Hainan)" in r.stderr and "--islands nearest" in r.stderr
    back = read_weights(out)
    assert back.n == 31 and back.islands == [460000]
    # Shanghai's neighbours: Jiangsu and Zhejiang
    assert set(back.to_frame().loc[310000].pipe(lambda s: s[s > 0]).index) == {320000, 330000}
