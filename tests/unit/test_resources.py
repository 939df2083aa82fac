"""Size guards: the estimates by hand, the refusals one line naming the parameter."""

import pytest

from geoproc import resources
from geoproc.errors import GeoprocInputError
from geoproc.resources import (
    available_memory,
    check_dense_weights,
    check_distance_matrix,
    check_draws,
    check_permutations,
    check_raster,
    distance_csv_bytes,
    free_disk,
    human,
)


def test_human():
    assert human(512) == "512 bytes"
    assert human(1.5 * 2**30) == "1.5 GB"
    assert human(300_000**2 * 8) == "671 GB"  # 7.2e11 / 2**30 = 670.55


def test_meminfo_read(monkeypatch):
    monkeypatch.delenv("GEOPROC_MAX_MEMORY", raising=False)
    have = available_memory()
    with open("/proc/meminfo") as fh:
        kb = next(int(line.split()[1]) for line in fh if line.startswith("MemAvailable:"))
    assert have is not None and abs(have - kb * 1024) < 2**30  # read moments apart


@pytest.mark.parametrize("text, expect", [("8G", 8 * 2**30), ("512M", 512 * 2**20),
                                          ("1000", 1000), ("2GiB", 2 * 2**30), ("1.5k", 1536)])
def test_env_cap(monkeypatch, text, expect):
    monkeypatch.setenv("GEOPROC_MAX_MEMORY", text)
    assert available_memory() == min(expect, resources._meminfo_available())


def test_env_cap_garbage_named(monkeypatch):
    monkeypatch.setenv("GEOPROC_MAX_MEMORY", "lots")
    with pytest.raises(GeoprocInputError, match="GEOPROC_MAX_MEMORY='lots'"):
        available_memory()


def test_distance_matrix_300k_refused_with_estimate_and_way_out(monkeypatch):
    monkeypatch.setenv("GEOPROC_MAX_MEMORY", "64G")
    with pytest.raises(GeoprocInputError) as info:
        check_distance_matrix(300_000, parameter="points file parks.csv")
    msg = str(info.value)
    # 300,000^2 x 8 bytes = 7.2e11 bytes = 670.6 GiB
    assert "300,000 x 300,000" in msg and "671 GB" in msg and "parks.csv" in msg
    assert "--float32" in msg and "blocks" in msg and "\n" not in msg


def test_distance_matrix_small_passes_and_float32_halves(monkeypatch):
    # 10,000^2 x 8 = 800 MB; x 4 = 400 MB; a 700 MB budget (x 0.8 = 560 MB) takes only float32
    monkeypatch.setenv("GEOPROC_MAX_MEMORY", "700M")
    with pytest.raises(GeoprocInputError):
        check_distance_matrix(10_000)
    check_distance_matrix(10_000, float32=True)
    check_distance_matrix(31)


def test_distance_csv_size_against_a_real_file(tmp_path):
    import numpy as np

    n = 200
    rng = np.random.default_rng(0)
    d = rng.uniform(1000, 9999, (n, n))  # thousands of km, like provinces apart
    path = tmp_path / "d.csv"
    with open(path, "w") as fh:
        fh.write("id," + ",".join(f"{i:08d}" for i in range(n)) + "\n")
        for i in range(n):
            fh.write(f"{i:08d}," + ",".join(f"{v:.6f}" for v in d[i]) + "\n")
    est = distance_csv_bytes(n)
    assert abs(est - path.stat().st_size) / path.stat().st_size < 0.01


def test_distance_csv_disk_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "free_disk", lambda p: 10 * 2**30)
    with pytest.raises(GeoprocInputError) as info:
        check_distance_matrix(300_000, in_memory=False, output=tmp_path / "D.csv")
    msg = str(info.value)
    # 300,000 x (300,000 x 12 + 9) + 300,000 x 9 = 1.08e12 bytes = 1,006 GiB
    assert "1,006 GB" in msg and "D.csv" in msg and "10.0 GB" in msg


def test_free_disk_of_a_folder_not_yet_made(tmp_path):
    import shutil

    assert abs(free_disk(tmp_path / "a" / "b" / "x.csv") - shutil.disk_usage(tmp_path).free) < 2**30


def test_permutations_and_draws(monkeypatch):
    monkeypatch.setenv("GEOPROC_MAX_MEMORY", "4G")
    with pytest.raises(GeoprocInputError, match=r"permutations 1,000,000,000 for 31 regions.*fewer permutations"):
        check_permutations(31, 1_000_000_000)
    check_permutations(31, 9999)
    with pytest.raises(GeoprocInputError, match=r"draws 1,000,000,000"):
        check_draws(1_000_000_000, 15)
    check_draws(1000, 15)
    # local: 10,000 sites x 99,999 permutations x 8 bytes = 8 GB > 3.2 GB
    with pytest.raises(GeoprocInputError):
        check_permutations(10_000, 99_999, per_site=True, neighbours=8)


def test_raster_and_dense_weights(monkeypatch, tmp_path):
    monkeypatch.setenv("GEOPROC_MAX_MEMORY", "1G")
    # 20,000 x 20,000 cells x (8 + 4) bytes = 4.8 GB
    with pytest.raises(GeoprocInputError, match=r"20,000 x 20,000 = 400,000,000 cells.*--pixel"):
        check_raster(20_000, 20_000)
    check_raster(1000, 1000, output=tmp_path / "k.tif")
    with pytest.raises(GeoprocInputError, match="dense 20,000 x 20,000 weights"):
        check_dense_weights(20_000)
    check_dense_weights(2_000)


def test_geotiff_and_dense_weights_csv_estimates_against_real_files(tmp_path, monkeypatch):
    """The estimates bound the real files from above: an uncompressed GeoTIFF written by
    rasterio, and the full-matrix CSV write_weights writes (queen: 0/1, knn row-standardised)."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    import geoproc

    monkeypatch.delenv("GEOPROC_MAX_DISK", raising=False)
    tif = tmp_path / "r.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=300, height=200, count=1, dtype="float32",
                       transform=from_origin(100, 300, 1, 1)) as ds:
        ds.write(np.ones((200, 300), np.float32), 1)
    size = tif.stat().st_size
    assert resources.geotiff_bytes(200, 300) == 200 * 300 * 4 + 64 * 1024
    assert 200 * 300 * 4 < size <= resources.geotiff_bytes(200, 300)
    g = geoproc.load_boundaries("china_provinces")
    for spec in ("knn:4", "rook"):
        with pytest.warns(UserWarning) if spec == "rook" else _nothing():
            w = geoproc.build_weights(spec, g)
        geoproc.write_weights(w, tmp_path / f"{spec[:3]}.csv")
        real = (tmp_path / f"{spec[:3]}.csv").stat().st_size
        est = resources.dense_weights_csv_bytes(w.n, w.sparse.nnz)
        assert real <= est < 4 * real, (spec, real, est)
    monkeypatch.setenv("GEOPROC_MAX_DISK", "2K")
    assert resources.free_disk(tmp_path) == 2048
    with pytest.raises(GeoprocInputError, match=r"31 x 31 weights matrix would write about .* to .*x\.csv; "
                                                 r"only 2.0 KB is free there"):
        geoproc.write_weights(w, tmp_path / "x.csv")
    with pytest.raises(GeoprocInputError, match=r"the 200 x 300 raster would write about 298 KB to "
                                                 r".*k\.tif; only 2.0 KB"):
        resources.check_geotiff_disk(200, 300, tmp_path / ".k.part-0a7c9c-6258-a72f53f4.tif")
    assert not (tmp_path / "x.csv").exists()


def _nothing():
    import contextlib

    return contextlib.nullcontext()


@pytest.mark.parametrize("name", ["china_provinces", "yrd_cities"])
def test_vector_layer_estimate_against_real_files(name, tmp_path, monkeypatch):
    """GeoPackage and GeoJSON of the shipped layers as pyogrio writes them: the estimate is
    above the real size, and by less than 40 %."""
    import geoproc

    monkeypatch.delenv("GEOPROC_MAX_DISK", raising=False)
    g = geoproc.load_boundaries(name)
    g["v"] = [i * 1.5 for i in range(len(g))]
    for suffix, text in ((".gpkg", False), (".geojson", True)):
        out = tmp_path / f"x{suffix}"
        g.to_file(out, engine="pyogrio")
        real = out.stat().st_size
        assert real < resources.vector_layer_bytes(g, text) < 1.4 * real, (suffix, real)
