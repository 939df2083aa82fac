"""The dask-geopandas path (partition by partition on dask.distributed) equals the in-memory one."""

import threading
import time

import geopandas as gpd
import numpy as np
import pytest
from shapely import points as make_points
from shapely.geometry import box

from geoproc.density import point_density
from geoproc.kde import NODATA, kernel_density

dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")

CRS = "EPSG:32651"


@pytest.fixture(scope="module")
def client():
    # threads, not processes: quick to start and enough to exercise the scheduler
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def pts():
    rng = np.random.default_rng(7)
    n = 3000
    x = np.r_[rng.normal(340_000, 8_000, n // 2), rng.uniform(300_000, 400_000, n // 2)]
    y = np.r_[rng.normal(3_460_000, 8_000, n // 2), rng.uniform(3_420_000, 3_500_000, n // 2)]
    w = rng.uniform(0, 3, n)
    return gpd.GeoDataFrame({"w": w, "source": "synthetic"}, geometry=make_points(x, y), crs=CRS)


@pytest.fixture(scope="module")
def regions():
    cells = [
        box(x, y, x + 25_000, y + 20_000)
        for x in range(300_000, 400_000, 25_000)
        for y in range(3_420_000, 3_480_000, 20_000)
    ]  # 4 x 3 cells; the top strip y > 3,480,000 is outside
    return gpd.GeoDataFrame({"code": range(len(cells))}, geometry=cells, crs=CRS)


def test_point_density_dask_equals_in_memory(client, pts, regions):
    dpts = dask_geopandas.from_geopandas(pts, npartitions=4)
    with pytest.warns(UserWarning, match="fall in no region"):
        ref = point_density(pts, regions)
    with pytest.warns(UserWarning, match="fall in no region"):
        got = point_density(dpts, regions)
    assert got["park_count"].tolist() == ref["park_count"].tolist()
    np.testing.assert_allclose(got["density_per_1000km2"], ref["density_per_1000km2"])
    assert got.attrs["points_outside"] == ref.attrs["points_outside"] > 0
    assert sorted(got.attrs["points_outside_index"]) == sorted(ref.attrs["points_outside_index"])
    assert (got["points_source"] == "synthetic").all()


@pytest.mark.parametrize("kernel", ["quartic", "triangular"])
def test_kernel_density_dask_equals_in_memory(client, pts, tmp_path, kernel):
    dpts = dask_geopandas.from_geopandas(pts, npartitions=3)
    kw = dict(radius=6000, pixel_size=1000, kernel=kernel, weight="w", output="scaled")
    ref = kernel_density(pts, out=tmp_path / "mem.tif", **kw)
    got = kernel_density(dpts, out=tmp_path / "dask.tif", **kw)
    assert got.shape == ref.shape and got.transform == ref.transform
    assert got.n_points == ref.n_points == len(pts)
    a = ref.read().filled(NODATA)
    b = got.read().filled(NODATA)
    assert np.array_equal(a == NODATA, b == NODATA)
    # partial sums are added in another order (float32 per partition): ~1e-7 relative
    m = a != NODATA
    np.testing.assert_allclose(b[m], a[m], rtol=1e-5)
    assert got.source == "synthetic"


def test_kernel_density_dask_default_radius_and_lonlat(client, pts, tmp_path):
    lonlat = pts.to_crs(4326)
    dpts = dask_geopandas.from_geopandas(lonlat, npartitions=2)
    ref = kernel_density(lonlat, pixel_size=2000, out=tmp_path / "mem.tif")
    got = kernel_density(dpts, pixel_size=2000, out=tmp_path / "dask.tif")
    assert got.crs.to_epsg() == ref.crs.to_epsg() == 32651
    assert got.radius == pytest.approx(ref.radius, rel=1e-12)
    assert got.radius_rule == ref.radius_rule
    np.testing.assert_allclose(got.read(), ref.read(), rtol=1e-5)


def test_partitions_in_flight_by_hand():
    from geoproc.kde import dask_partitions_in_flight

    # 1e6 cells: the float64 running sum takes 8 MB of a 5e6-cell (20 MB) budget,
    # leaving 12 MB = three float32 partition grids
    assert dask_partitions_in_flight(1_000_000, 4, 10, 8, max_cells=5_000_000) == 3
    assert dask_partitions_in_flight(1_000_000, 4, 10, 2, max_cells=5_000_000) == 2  # workers
    assert dask_partitions_in_flight(1_000_000, 4, 2, 8, max_cells=5_000_000) == 2  # partitions
    assert dask_partitions_in_flight(1_000_000, 8, 10, 8, max_cells=5_000_000) == 1  # float64 grids
    assert dask_partitions_in_flight(1_000_000, 4, 10, 8, max_cells=1_000_000) == 1  # at least one


_LIVE = {"now": 0, "peak": 0}
_LOCK = threading.Lock()


def _counted_stamp(*a, **k):
    """kde.stamp_points, counting the partition grids alive at once (module level, so
    that dask pickles it by reference)."""

    with _LOCK:
        _LIVE["now"] += 1
        _LIVE["peak"] = max(_LIVE["peak"], _LIVE["now"])
    time.sleep(0.2)  # long enough for the second worker to start another if allowed
    try:
        return _STAMP(*a, **k)
    finally:
        with _LOCK:
            _LIVE["now"] -= 1


_STAMP = None


def test_kernel_density_dask_keeps_partition_grids_within_max_cells(client, pts, tmp_path, monkeypatch):
    global _STAMP
    import geoproc.kde.partitions as kde

    kw = dict(radius=6000, pixel_size=1000, kernel="quartic")
    ref = kernel_density(pts, out=tmp_path / "mem.tif", **kw)
    cells = ref.shape[0] * ref.shape[1]
    _STAMP = kde.stamp_points
    _LIVE.update(now=0, peak=0)
    monkeypatch.setattr(kde, "stamp_points", _counted_stamp)
    # budget of 3 float32 grids: the float64 sum takes 2, so one partition at a time
    got = kernel_density(
        dask_geopandas.from_geopandas(pts, npartitions=4), out=tmp_path / "d.tif", max_cells=3 * cells, **kw
    )
    assert _LIVE["peak"] == 1
    np.testing.assert_allclose(got.read(), ref.read(), rtol=1e-5)
    # with room for both workers' grids, two partitions run at once
    _LIVE.update(now=0, peak=0)
    kernel_density(dask_geopandas.from_geopandas(pts, npartitions=4), out=tmp_path / "e.tif", **kw)
    assert _LIVE["peak"] == 2


def test_point_density_dask_keeps_a_count_and_the_first_outside_labels(client, pts, regions, monkeypatch):
    import geoproc.density as density

    monkeypatch.setattr(density, "MAX_OUTSIDE_LABELS", 3)
    dpts = dask_geopandas.from_geopandas(pts, npartitions=4)
    with pytest.warns(UserWarning, match="fall in no region"):
        ref = point_density(pts, regions)
    with pytest.warns(UserWarning, match="fall in no region"):
        got = point_density(dpts, regions)
    assert got.attrs["points_outside"] == ref.attrs["points_outside"] > 3
    assert len(got.attrs["points_outside_index"]) == 3
    assert set(got.attrs["points_outside_index"]) <= set(ref.attrs["points_outside_index"])
