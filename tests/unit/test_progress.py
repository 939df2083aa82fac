"""Progress callbacks and cancel inside long library calls (geoproc.progress).

For each long function: the output is identical with and without a callback (the
work is split into the same blocks, in the same order, with the same draws); the
reported fractions never decrease and end at 1; a callback returning False stops
the run with ``Cancelled`` and nothing is written.
"""

from __future__ import annotations

import functools

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import geoproc
from geoproc.progress import Cancelled, report
from geoproc.weights.base import SpatialWeights


class Recorder:
    """Records the fractions; answers False (stop) once a fraction exceeds ``stop_after``."""

    def __init__(self, stop_after: float | None = None):
        self.fractions: list[float] = []
        self.stop_after = stop_after

    def __call__(self, f: float):
        self.fractions.append(f)
        if self.stop_after is not None and f > self.stop_after:
            return False
        return None

    def check(self):
        f = self.fractions
        assert len(f) >= 3, f  # at least one report between start and end
        assert all(b >= a for a, b in zip(f, f[1:], strict=False)), f
        assert f[0] >= 0 and f[-1] == 1.0
        assert any(0 < v < 1 for v in f), f

    def check_stopped(self):
        """Stopped at the first False, mid-run: no report after it, never reached 1."""
        f = self.fractions
        assert all(b >= a for a, b in zip(f, f[1:], strict=False)), f
        assert f[-1] > self.stop_after and all(v <= self.stop_after for v in f[:-1]), f
        assert f[-1] < 1.0, f


def test_report_helper():
    report(None, 0.5)  # no callback: nothing happens
    seen = []
    report(seen.append, 1.7)  # clipped to [0, 1]
    assert seen == [1.0]
    report(lambda f: None, 0.3)  # None means "carry on"
    with pytest.raises(Cancelled):
        report(lambda f: False, 0.3)
    assert geoproc.Cancelled is Cancelled


@pytest.fixture(scope="module")
def stl():
    f = libpysal.io.open(libpysal.examples.get_path("stl_hom.txt"))
    y = np.array(f.by_col["HR8893"])
    w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    gdf = gpd.GeoDataFrame({"code": list(w.id_order), "y": y},
                           geometry=gpd.points_from_xy(np.arange(len(y)), np.zeros(len(y))), crs=4326)
    return SpatialWeights.from_W(w), gdf


@pytest.mark.parametrize("func", ["local_moran", "getis_ord"])
def test_local_statistics(stl, func):
    sw, gdf = stl
    fn = getattr(geoproc, func)
    if func == "getis_ord":  # its permutations run only with permutation inference
        fn = functools.partial(fn, inference="permutation")
    plain = fn(gdf, "y", sw, permutations=999, seed=7)
    rec = Recorder()
    with_cb = fn(gdf, "y", sw, permutations=999, seed=7, progress=rec)
    pd.testing.assert_frame_equal(pd.DataFrame(plain.drop(columns="geometry")),
                                  pd.DataFrame(with_cb.drop(columns="geometry")), check_exact=True)
    rec.check()
    stop = Recorder(stop_after=0.0)
    with pytest.raises(Cancelled):
        fn(gdf, "y", sw, permutations=999, seed=7, progress=stop)
    stop.check_stopped()


def test_moran_table(rook_lattice, long_panel):
    w = rook_lattice(4, 4)
    rng = np.random.default_rng(1)
    df = long_panel({y: {"a": rng.random(16), "b": rng.random(16)} for y in (2019, 2020, 2021)}, w.ids)
    kw = dict(variables=["a", "b"], permutations=99, seed=3)
    plain = geoproc.moran_table(df, w, **kw)
    rec = Recorder()
    with_cb = geoproc.moran_table(df, w, progress=rec, **kw)
    pd.testing.assert_frame_equal(plain.frame, with_cb.frame, check_exact=True)
    rec.check()
    # 3 years x 2 variables x 1 matrix = 6 tests: 0, 1/6, ..., 6/6 and the final 1
    assert rec.fractions[:7] == pytest.approx([k / 6 for k in range(7)])
    stop = Recorder(stop_after=0.4)
    with pytest.raises(Cancelled):
        geoproc.moran_table(df, w, progress=stop, **kw)
    stop.check_stopped()


def test_sdm(sdm_panel):
    df, w = sdm_panel
    kw = dict(y="y", x=["x1", "x2"], id="code", year="year", seed=5, draws=200, lee_yu=True)
    plain = geoproc.sdm(df, w, **kw)
    rec = Recorder()
    with_cb = geoproc.sdm(df, w, progress=rec, **kw)
    pd.testing.assert_frame_equal(plain.to_frame(), with_cb.to_frame(), check_exact=True)
    pd.testing.assert_frame_equal(plain.direct.effects, with_cb.direct.effects, check_exact=True)
    rec.check()
    stop = Recorder(stop_after=0.0)
    with pytest.raises(Cancelled):
        geoproc.sdm(df, w, progress=stop, **kw)
    stop.check_stopped()


def test_kernel_density(tmp_path):
    rng = np.random.default_rng(3)
    xy = rng.normal(0, 3000, (750, 2))
    pts = gpd.GeoDataFrame({"w": rng.uniform(0, 2, len(xy))}, geometry=[Point(x, y) for x, y in xy],
                           crs="EPSG:32651")
    kw = dict(radius=2500, pixel_size=300, weight="w", output="scaled")
    plain = geoproc.kernel_density(pts, out=tmp_path / "a.tif", **kw)
    rec = Recorder()
    with_cb = geoproc.kernel_density(pts, out=tmp_path / "b.tif", progress=rec, **kw)
    # bit-identical float32 sums: the batches stamp the points in the same order
    assert np.array_equal(plain.read().filled(-1), with_cb.read().filled(-1))
    rec.check()
    out = tmp_path / "c.tif"
    stop = Recorder(stop_after=0.1)
    with pytest.raises(Cancelled):
        geoproc.kernel_density(pts, out=out, progress=stop, **kw)
    stop.check_stopped()
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tif", "b.tif"]  # no temporary left


def test_kernel_density_over_dask_partitions(tmp_path):
    dask_geopandas = pytest.importorskip("dask_geopandas")
    rng = np.random.default_rng(4)
    xy = rng.normal(0, 3000, (400, 2))
    pts = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs="EPSG:32651")
    parts = dask_geopandas.from_geopandas(pts, npartitions=4)
    kw = dict(radius=2500, pixel_size=300)
    cells = np.prod(geoproc.kernel_density(pts, out=tmp_path / "m.tif", **kw).shape)
    kw["max_cells"] = 3 * cells  # the float64 sum takes 2 grids: one partition at a time
    plain = geoproc.kernel_density(parts, out=tmp_path / "a.tif", **kw)
    rec = Recorder()
    with_cb = geoproc.kernel_density(parts, out=tmp_path / "b.tif", progress=rec, **kw)
    assert np.array_equal(plain.read().filled(-1), with_cb.read().filled(-1))
    rec.check()
    out = tmp_path / "c.tif"
    stop = Recorder(stop_after=0.0)
    with pytest.raises(Cancelled):
        geoproc.kernel_density(parts, out=out, progress=stop, **kw)
    stop.check_stopped()
    assert stop.fractions == [0.0, 0.25]  # cancelled after the first of 4 partitions
    assert not out.exists()


def test_write_distance_matrix(tmp_path):
    pts = pd.DataFrame({"id": list("abcdefg"), "lon": np.linspace(100, 120, 7), "lat": np.linspace(20, 40, 7)})
    geoproc.write_distance_matrix(pts, tmp_path / "a.csv", chunk_rows=2)
    rec = Recorder()
    geoproc.write_distance_matrix(pts, tmp_path / "b.csv", chunk_rows=2, progress=rec)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    rec.check()
    stop = Recorder(stop_after=0.0)
    with pytest.raises(Cancelled):
        geoproc.write_distance_matrix(pts, tmp_path / "c.csv", chunk_rows=2, progress=stop)
    stop.check_stopped()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]
