"""``geoproc kde`` / ``geoproc density`` on a dask.distributed LocalCluster, 10^6 points.

The points are a partitioned Parquet dataset (4 files) and a glob of CSVs, read lazily
and processed on the cluster given by ``--scheduler ADDRESS``. The raster is compared
with the in-memory kernel density of the same points (itself equal to QGIS's Heatmap,
tests/qgis/test_kde_vs_qgis.py) and the counts with geopandas' spatial join.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from shapely.geometry import box

from geoproc.cli import main
from geoproc.kde import kernel_density

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask_geopandas")

N = 1_000_000
KW = ["--radius", "5000", "--pixel", "1000", "--crs", "EPSG:32651"]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as c:
        yield c


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("lazy")
    rng = np.random.default_rng(42)
    lon = np.r_[rng.normal(121.4, 0.15, N // 2), rng.uniform(120.8, 122.0, N - N // 2)]
    lat = np.r_[rng.normal(31.2, 0.12, N // 2), rng.uniform(30.7, 31.7, N - N // 2)]
    df = pd.DataFrame({"lon": lon, "lat": lat})
    (d / "pq").mkdir()
    for k in range(4):
        df.iloc[k * N // 4:(k + 1) * N // 4].to_parquet(d / "pq" / f"part-{k}.parquet", index=False)
    for k in range(3):
        df.iloc[k * 7000:min(20_000, (k + 1) * 7000)].to_csv(d / f"pts-{k}.csv", index=False)
    cells = [box(x, y, x + 0.25, y + 0.25) for x in np.arange(120.75, 122.0, 0.25)
             for y in np.arange(30.75, 31.5, 0.25)]  # leaves points outside on purpose
    regions = gpd.GeoDataFrame({"code": range(len(cells))}, geometry=cells, crs=4326)
    regions.to_file(d / "regions.gpkg")
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    return d, pts, regions


def _read(path):
    with rasterio.open(path) as src:
        return src.read(1), src.transform


def test_kde_parquet_dataset_on_local_cluster(cluster, data, tmp_path, capsys):
    d, pts, _ = data
    out = tmp_path / "dask.tif"
    assert main(["kde", str(d / "pq"), "-o", str(out), *KW, "--scheduler", cluster.scheduler_address]) == 0
    assert "1000000 points" in capsys.readouterr().out
    ref = kernel_density(pts, radius=5000, pixel_size=1000, crs="EPSG:32651", out=tmp_path / "ref.tif")
    got, t1 = _read(out)
    want, t2 = _read(ref.path)
    assert t1 == t2
    assert np.array_equal(got == -9999, want == -9999)
    m = want != -9999
    # each partition sums its ~250,000 points in float32 and the partial surfaces are
    # added in float64; the in-memory raster sums all 10^6 in float32 (QGIS's order):
    # float32 rounding accumulates to ~1e-5 relative over so many points
    np.testing.assert_allclose(got[m], want[m], rtol=5e-5, atol=0)
    assert np.abs(got[m] - want[m]).max() > 0  # genuinely another summation, not a copy


def test_density_csv_glob_on_local_cluster(cluster, data, tmp_path):
    d, pts, regions = data
    out = tmp_path / "counts.csv"
    code = main(["density", str(d / "pts-*.csv"), "--regions", str(d / "regions.gpkg"), "-o", str(out),
                 "--scheduler", cluster.scheduler_address])
    assert code == 0
    got = pd.read_csv(out).set_index("code")["park_count"]
    joined = gpd.sjoin(pts.iloc[:20_000], regions, predicate="intersects")
    want = joined.groupby("code").size().reindex(regions["code"], fill_value=0)
    assert got.loc[want.index].tolist() == want.tolist()


def test_kde_threads_scheduler_on_one_file(data, tmp_path):
    d, pts, _ = data
    out = tmp_path / "t.tif"
    assert main(["kde", str(d / "pts-0.csv"), "-o", str(out), *KW, "--scheduler", "threads",
                 "--partitions", "3"]) == 0
    one = kernel_density(pts.iloc[: len(pd.read_csv(d / "pts-0.csv"))], radius=5000, pixel_size=1000,
                         crs="EPSG:32651", out=tmp_path / "one.tif")
    got, _ = _read(out)
    want, _ = _read(one.path)
    m = want != -9999
    assert np.array_equal(got == -9999, want == -9999)
    np.testing.assert_allclose(got[m], want[m], rtol=2e-6, atol=1e-4)


PIPELINE = """\
[steps.cells]
kind = "boundaries"
source = "regions.gpkg"

[steps.pois]
kind = "points"
path = "{pq}"

[steps.counts]
kind = "density"
points = "pois"
regions = "cells"
scheduler = "{address}"

[steps.heat]
kind = "kde"
points = "pois"
radius = 5000
crs = "EPSG:32651"
scheduler = "threads"
partitions = 3
"""


def test_pipeline_point_steps_on_dask(cluster, data, tmp_path):
    import json

    from geoproc.pipeline import parse_pipeline, run_pipeline

    d, pts, regions = data
    pts_small = pts.iloc[: N // 4]  # the first Parquet file, read lazily by the points step
    text = PIPELINE.format(pq=d / "pq" / "part-0.parquet", address=cluster.scheduler_address)
    toml = d / "p.toml"
    toml.write_text(text, encoding="utf-8")
    run_pipeline(parse_pipeline(text, toml), tmp_path / "out", log=None, project=False)
    rep = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["steps"]
    joined = gpd.sjoin(pts_small, regions, predicate="intersects")
    assert rep["counts"]["points_total"] == len(pts_small)
    assert rep["counts"]["points_outside"] == len(pts_small) - len(joined)
    got, _ = _read(tmp_path / "out" / "heat.tif")
    ref = kernel_density(pts_small, radius=5000, pixel_size=1000, crs="EPSG:32651", out=tmp_path / "r.tif")
    want, _ = _read(ref.path)
    m = want != -9999
    assert np.array_equal(got == -9999, want == -9999)
    np.testing.assert_allclose(got[m], want[m], rtol=5e-5, atol=0)
