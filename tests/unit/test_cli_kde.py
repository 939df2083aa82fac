"""``geoproc kde`` in memory: a projected layer keeps its coordinates (the raster equals the
library's on the same frame, bit for bit, for any thread count), tables go through read_points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from geoproc.cli import main
from geoproc.errors import GeoprocInputError
from geoproc.kde import kernel_density
from geoproc.kde.sources import is_lazy_source, read_point_source
from geoproc.points import read_points


@pytest.fixture(scope="module")
def layer(tmp_path_factory):
    d = tmp_path_factory.mktemp("kde_cli")
    rng = np.random.default_rng(11)
    n = 5000
    x = np.r_[rng.normal(350e3, 8e3, n // 2), rng.uniform(320e3, 390e3, n - n // 2)]
    y = np.r_[rng.normal(3460e3, 6e3, n // 2), rng.uniform(3430e3, 3490e3, n - n // 2)]
    gdf = gpd.GeoDataFrame({"w": rng.uniform(0.5, 3, n)}, geometry=shapely.points(x, y), crs="EPSG:32651")
    gdf.to_file(d / "pts.gpkg")
    return d, gdf


def _read(path):
    with rasterio.open(path) as src:
        return src.read(1)


@pytest.mark.parametrize("threads", ["1", "3"])
def test_projected_layer_equals_library_bit_for_bit(layer, tmp_path, threads):
    d, gdf = layer
    out = tmp_path / "cli.tif"
    argv = ["kde", str(d / "pts.gpkg"), "-o", str(out), "--radius", "6000", "--pixel", "500",
            "--weight", "w", "--threads", threads]
    assert main(argv) == 0
    ref = kernel_density(gpd.read_file(d / "pts.gpkg"), radius=6000, pixel_size=500, weight="w",
                         out=tmp_path / "ref.tif", threads=1)
    assert np.array_equal(_read(out), _read(ref.path))


def test_arrow_wkb_reader_keeps_coordinates(layer):
    d, gdf = layer
    got = read_point_source(d / "pts.gpkg", keep_projected=True)
    assert got.crs == gdf.crs
    assert np.array_equal(shapely.get_coordinates(got.geometry), shapely.get_coordinates(gdf.geometry))
    assert np.array_equal(got["w"].to_numpy(), gdf["w"].to_numpy())


def test_lonlat_table_goes_through_read_points(tmp_path):
    rng = np.random.default_rng(2)
    pd.DataFrame({"lon": rng.uniform(121, 121.5, 800), "lat": rng.uniform(31, 31.4, 800)}).to_csv(
        tmp_path / "p.csv", index=False)
    assert main(["kde", str(tmp_path / "p.csv"), "-o", str(tmp_path / "k.tif"), "--radius", "3000",
                 "--pixel", "500"]) == 0
    ref = kernel_density(read_points(tmp_path / "p.csv"), radius=3000, pixel_size=500, out=tmp_path / "r.tif")
    assert np.array_equal(_read(tmp_path / "k.tif"), _read(ref.path))


def test_bad_inputs(tmp_path, capsys, layer):
    d, _ = layer
    assert main(["kde", str(d / "pts.gpkg"), "-o", str(tmp_path / "k.tif"), "--threads", "0"]) == 2
    assert "--threads 0" in capsys.readouterr().err
    assert main(["kde", str(d / "pts.gpkg"), "-o", str(tmp_path / "k.png")]) == 2
    pd.DataFrame({"x": [1.0], "lat": [2.0]}).to_parquet(tmp_path / "a.parquet")
    with pytest.raises(GeoprocInputError, match="no column 'lon'"):
        read_point_source(tmp_path / "a.parquet")
    assert is_lazy_source("pois/*.csv") and is_lazy_source(tmp_path) and not is_lazy_source("p.csv")


def test_projected_layer_skips_geometries_and_equals_library(layer, tmp_path, monkeypatch):
    """The fast path (coordinates from the WKB, no shapely points, no GeoDataFrame) is taken
    for a projected point layer, and its raster is the library's on the frame read by
    geopandas, bit for bit, with and without weights and with Silverman's radius."""
    import geoproc.kde.sources as sources

    d, gdf = layer
    ref_gdf = gpd.read_file(d / "pts.gpkg")

    def general_path(*a, **k):
        raise AssertionError("general path taken")

    monkeypatch.setattr(sources, "read_point_source", general_path)
    for extra, kw in (([], {}), (["--weight", "w"], {"weight": "w"})):
        out = tmp_path / f"fast{len(extra)}.tif"
        assert main(["kde", str(d / "pts.gpkg"), "-o", str(out), "--pixel", "500", *extra]) == 0
        ref = kernel_density(ref_gdf, pixel_size=500, out=tmp_path / f"ref{len(extra)}.tif", **kw)
        assert np.array_equal(_read(out), _read(ref.path))
        with rasterio.open(out) as a, rasterio.open(ref.path) as b:
            assert a.transform == b.transform and a.crs == b.crs
            assert a.tags()["RADIUS"] == b.tags()["RADIUS"]


def test_fast_path_declines_what_the_general_path_must_check(layer, tmp_path):
    from geoproc.kde.sources import projected_xy

    d, gdf = layer
    got = projected_xy(d / "pts.gpkg", weight="w")
    assert np.array_equal(np.c_[got[0], got[1]], shapely.get_coordinates(gdf.geometry))
    assert np.array_equal(got[2], gdf["w"].to_numpy())
    bad = gdf.copy()
    bad.loc[7, "w"] = -1.0
    bad.to_file(tmp_path / "neg.gpkg")
    gdf.to_crs(4326).to_file(tmp_path / "ll.gpkg")
    assert projected_xy(tmp_path / "neg.gpkg", weight="w") is None
    assert projected_xy(tmp_path / "ll.gpkg") is None
    assert projected_xy(d / "pts.gpkg", weight="nope") is None
    # the general path then names the row, as before
    with pytest.raises(GeoprocInputError, match="negative"):
        kernel_density(read_point_source(tmp_path / "neg.gpkg", keep_projected=True), radius=6000,
                       pixel_size=500, weight="w", out=tmp_path / "n.tif")
    assert main(["kde", str(tmp_path / "neg.gpkg"), "-o", str(tmp_path / "n2.tif"), "--radius",
                 "6000", "--pixel", "500", "--weight", "w"]) == 2


def test_unreachable_scheduler_is_one_line_naming_it():
    """--scheduler ADDRESS where no dask scheduler answers: a clean error naming the address
    (a closed port on the loopback interface; nothing leaves the machine)."""
    import socket

    from geoproc.kde.sources import dask_scheduler

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with pytest.raises(GeoprocInputError, match=rf"--scheduler {address}: cannot connect"):
        with dask_scheduler(address):
            pass
