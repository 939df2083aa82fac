"""``geoproc distances`` end to end: shipped layers and files in, CSV matrices out."""

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import Point

from geoproc.boundaries import load_boundaries
from geoproc.cli import main


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "geoproc.cli", "distances", *map(str, args)],
        capture_output=True,
        text=True,
    )


def _independent_centroid(geom_lonlat):
    """Area centroid via geopandas/pyproj alone: LAEA centred on the bounding box, and back."""
    minx, miny, maxx, maxy = geom_lonlat.bounds
    crs = f"+proj=laea +lat_0={(miny + maxy) / 2} +lon_0={(minx + maxx) / 2} +ellps=WGS84 +units=m"
    c = gpd.GeoSeries([geom_lonlat], crs=4326).to_crs(crs).centroid.iloc[0]
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(c.x, c.y)
    return lon, lat


def test_shipped_provinces_to_csv(tmp_path):
    out = tmp_path / "d.csv"
    r = _run("china_provinces", "-o", out)
    assert r.returncode == 0, r.stderr
    d = pd.read_csv(out, index_col="id")
    assert d.shape == (31, 31)
    assert 320000 in d.index and "320000" in d.columns  # Jiangsu, by code
    assert list(map(int, d.columns)) == list(d.index)
    assert np.all(np.diag(d.to_numpy()) == 0)
    # Beijing (110000) - Shanghai (310000), from centroids computed without geoproc
    prov = load_boundaries("china_provinces").set_index("code")
    p1 = _independent_centroid(prov.loc[110000].geometry)
    p2 = _independent_centroid(prov.loc[310000].geometry)
    _, _, s = Geod(ellps="WGS84").inv(p1[0], p1[1], p2[0], p2[1])
    assert abs(d.loc[110000, "310000"] - s / 1000) < 1e-3  # 1 m: written to 1 mm, centroids to cm
    # refuses to overwrite, exit 2, names the file
    r = _run("china_provinces", "-o", out)
    assert r.returncode == 2 and "already exists" in r.stderr


def test_vector_file_with_id_field_haversine_float32(tmp_path):
    pts = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=[Point(0, 0), Point(0, 90), Point(90, 0)],
        crs=4326,
    )
    src = tmp_path / "pts.gpkg"
    pts.to_file(src)
    out = tmp_path / "h.csv"
    assert main(["distances", str(src), "--id", "name", "--method", "haversine", "--float32", "-o", str(out)]) == 0
    d = pd.read_csv(out, index_col="id")
    assert list(d.index) == ["a", "b", "c"]
    # a quarter great circle: pi/2 * 6371.0088 = 10007.557 km (float32, written to 1 m)
    assert d.loc["a", "b"] == pytest.approx(np.pi / 2 * 6371.0088, abs=1e-3)
    assert d.loc["b", "c"] == pytest.approx(np.pi / 2 * 6371.0088, abs=1e-3)
    # --overwrite replaces it with geodesic values: (0,0)-(90E,0) is a quarter of the
    # equator, a * pi / 2 = 6378.137 * 1.5707963 = 10018.754 km
    assert main(["distances", str(src), "--id", "name", "-o", str(out), "--overwrite"]) == 0
    d = pd.read_csv(out, index_col="id")
    assert d.loc["a", "c"] == pytest.approx(6378.137 * np.pi / 2, abs=1e-6)


def test_bad_input_exit_2_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "d.csv"
    assert main(["distances", str(tmp_path / "missing.gpkg"), "-o", str(out)]) == 2
    assert "missing.gpkg" in capsys.readouterr().err
    dup = gpd.GeoDataFrame({"code": [1, 1]}, geometry=[Point(0, 0), Point(1, 1)], crs=4326)
    src = tmp_path / "dup.gpkg"
    dup.to_file(src)
    assert main(["distances", str(src), "-o", str(out)]) == 2
    assert "duplicate" in capsys.readouterr().err
    assert not out.exists()


def test_help_lists_options():
    r = subprocess.run(
        [sys.executable, "-m", "geoproc.cli", "distances", "--help"], capture_output=True, text=True, check=True
    )
    for opt in ("--id", "--method", "--float32", "--overwrite", "--centroid", "-o"):
        assert opt in r.stdout
