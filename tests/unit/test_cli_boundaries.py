"""``geoproc boundaries list|export`` end to end, in a subprocess."""

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geoproc import load_boundaries


def _run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "geoproc.cli", "boundaries", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_list():
    out = _run("list")
    assert out.returncode == 0, out.stderr
    assert "china_provinces\t31 regions" in out.stdout
    assert "yrd_cities\t41 regions" in out.stdout
    assert "Apache-2.0" in out.stdout


def test_help():
    for args in (("--help",), ("export", "--help"), ("list", "--help")):
        out = _run(*args)
        assert out.returncode == 0 and "usage:" in out.stdout


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_export_vector(tmp_path, suffix):
    path = tmp_path / f"cities{suffix}"
    out = _run("export", "yrd_cities", "-o", str(path))
    assert out.returncode == 0, out.stderr
    assert "wrote 41 regions" in out.stdout
    got = gpd.read_file(path, engine="pyogrio")
    want = load_boundaries("yrd_cities")
    assert got.crs.to_epsg() == 4326
    assert got["code"].tolist() == want["code"].tolist()
    assert got["name_zh"].tolist() == want["name_zh"].tolist()
    code_col = "prov_code" if suffix == ".shp" else "province_code"
    assert got[code_col].tolist() == want["province_code"].tolist()
    # geometry written exactly (all three formats store doubles; GeoJSON 15 digits). A
    # shapefile reads one-part polygons back as Polygon: compare as MultiPolygons.
    def multi(geoms):
        return [shapely.MultiPolygon(shapely.get_parts(g).tolist()) for g in geoms]

    assert shapely.equals_exact(multi(got.geometry), multi(want.geometry), tolerance=1e-9).all()
    # no temporary files left beside the output
    assert not [p for p in tmp_path.iterdir() if ".part-" in p.name]


def test_export_csv_wkt(tmp_path):
    path = tmp_path / "provinces.csv"
    out = _run("export", "china_provinces", "-o", str(path))
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(path, encoding="utf-8-sig")
    assert list(table.columns) == ["code", "name_zh", "short_zh", "name_en", "wkt"]
    assert len(table) == 31 and table.loc[table["code"] == 320000, "name_zh"].item() == "江苏省"
    want = load_boundaries("china_provinces")
    geoms = shapely.from_wkt(table["wkt"].to_numpy())
    assert shapely.equals_exact(geoms, want.geometry.to_numpy(), tolerance=1e-12).all()


def test_export_refuses_existing_file(tmp_path):
    path = tmp_path / "p.gpkg"
    path.write_bytes(b"keep me")
    out = _run("export", "china_provinces", "-o", str(path))
    assert out.returncode == 2
    assert "already exists" in out.stderr and "--overwrite" in out.stderr
    assert path.read_bytes() == b"keep me"
    out = _run("export", "china_provinces", "-o", str(path), "--overwrite")
    assert out.returncode == 0, out.stderr
    assert len(gpd.read_file(path, engine="pyogrio")) == 31


def test_export_errors(tmp_path):
    out = _run("export", "china_towns", "-o", str(tmp_path / "x.gpkg"))
    assert out.returncode == 2
    assert "china_provinces, yrd_cities" in out.stderr
    out = _run("export", "china_provinces", "-o", str(tmp_path / "x.txt"))
    assert out.returncode == 2 and ".txt" in out.stderr
    assert list(tmp_path.iterdir()) == []
