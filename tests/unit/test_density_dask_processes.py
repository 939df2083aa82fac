"""The dask paths on worker processes (pickling, numba in a fresh interpreter) equal the in-memory ones."""

import geopandas as gpd
import numpy as np
import pytest
from shapely import points as make_points
from shapely.geometry import box

from geoproc.density import point_density
from geoproc.kde import kernel_density

dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")

CRS = "EPSG:32651"


@pytest.mark.slow  # starting a worker process and importing geoproc in it: ~5 s
def test_dask_on_worker_processes(tmp_path):
    rng = np.random.default_rng(3)
    n = 400
    x, y = rng.uniform(300_000, 340_000, n), rng.uniform(3_420_000, 3_460_000, n)
    pts = gpd.GeoDataFrame({"w": rng.uniform(0, 2, n)}, geometry=make_points(x, y), crs=CRS)
    # two 20 km x 40 km halves, the east one ending at x = 330 km: points east of it are outside
    regions = gpd.GeoDataFrame(
        {"code": ["W", "E"]},
        geometry=[box(300_000, 3_420_000, 320_000, 3_460_000), box(320_000, 3_420_000, 330_000, 3_460_000)],
        crs=CRS,
    )
    kw = dict(radius=5000, pixel_size=1000, weight="w", output="density")
    with pytest.warns(UserWarning, match="fall in no region"):
        ref_counts = point_density(pts, regions)
    ref = kernel_density(pts, out=tmp_path / "mem.tif", **kw)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        dpts = dask_geopandas.from_geopandas(pts, npartitions=2)
        with pytest.warns(UserWarning, match="fall in no region"):
            counts = point_density(dpts, regions)
        got = kernel_density(dpts, out=tmp_path / "dask.tif", **kw)
    # counts by hand: the x ranges split the uniform points
    assert counts["park_count"].tolist() == [int((x <= 320_000).sum()), int(((x > 320_000) & (x <= 330_000)).sum())]
    assert counts["park_count"].tolist() == ref_counts["park_count"].tolist()
    assert counts.attrs["points_outside"] == int((x > 330_000).sum())
    np.testing.assert_allclose(got.read(), ref.read(), rtol=1e-5)
