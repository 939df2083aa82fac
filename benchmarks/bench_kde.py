"""Kernel density: geoproc.kernel_density against QGIS 3.22's own Heatmap, same process.

    .venv/bin/python benchmarks/bench_kde.py                 # 1,000,000 points
    .venv/bin/python benchmarks/bench_kde.py --n 50000       # a quick run

Clustered points (a few dense "city" clusters and a uniform scatter, fixed seed) in
UTM zone 51N, radius 20 km, 1 km pixels, quartic kernel, raw values, as a planner
would map a province. QGIS's ``qgis:heatmapkerneldensityestimation`` runs through
PyQGIS on a memory layer (building the layer is not timed); geoproc runs on a
GeoDataFrame of the same points. Both write a GeoTIFF. Prints wall-clock and CPU
times, their ratios (QGIS / geoproc), and the largest relative difference between
the two rasters over valid pixels, and whether their nodata pixels agree.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"
KERNELS = {"quartic": 0, "triangular": 1, "uniform": 2, "triweight": 3, "epanechnikov": 4}


def make_points(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    centres = np.array([[350e3, 3460e3], [420e3, 3400e3], [300e3, 3520e3], [480e3, 3480e3]])
    k = int(n * 0.8)
    which = rng.integers(len(centres), size=k)
    xy = centres[which] + rng.normal(0, 15e3, (k, 2))
    scatter = np.column_stack(
        [rng.uniform(200e3, 560e3, n - k), rng.uniform(3300e3, 3600e3, n - k)]
    )
    xy = np.vstack([xy, scatter])
    return xy[:, 0], xy[:, 1]


def start_qgis():
    from qgis.core import QgsApplication

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append(QGIS_PLUGINS)
    from processing.core.Processing import Processing

    Processing.initialize()
    return app


def qgis_layer(x, y, crs):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    layer = QgsVectorLayer(f"Point?crs={crs}", "pts", "memory")
    feats = []
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        f = QgsFeature()
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(xi, yi)))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    layer.updateExtents()
    return layer


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="number of points (default 1,000,000)")
    ap.add_argument(
        "--radius", type=float, default=20_000.0, help="radius in metres (default 20000)"
    )
    ap.add_argument(
        "--pixel", type=float, default=1_000.0, help="pixel size in metres (default 1000)"
    )
    ap.add_argument("--kernel", choices=list(KERNELS), default="quartic")
    ap.add_argument("--output", choices=("raw", "scaled"), default="raw")
    args = ap.parse_args(argv)

    import geopandas as gpd
    import rasterio
    import shapely

    from geoproc.kde import kernel_density

    crs = "EPSG:32651"
    x, y = make_points(args.n)
    app = start_qgis()  # keep a reference: QGIS dies with it
    import processing

    layer = qgis_layer(x, y, crs)
    gdf = gpd.GeoDataFrame(geometry=shapely.points(x, y), crs=crs)
    tmp = Path(tempfile.mkdtemp(prefix="bench_kde_"))
    # compile / load the numba kernel once, outside the timing
    kernel_density(gdf.iloc[:10], radius=args.radius, pixel_size=args.pixel, out=tmp / "warm.tif")

    params = {
        "INPUT": layer, "RADIUS": args.radius, "PIXEL_SIZE": args.pixel,
        "KERNEL": KERNELS[args.kernel], "DECAY": 0.0,
        "OUTPUT_VALUE": 0 if args.output == "raw" else 1, "OUTPUT": str(tmp / "qgis.tif"),
    }  # fmt: skip
    _, q_wall, q_cpu = timed(lambda: processing.run("qgis:heatmapkerneldensityestimation", params))
    res, g_wall, g_cpu = timed(
        lambda: kernel_density(
            gdf,
            radius=args.radius,
            pixel_size=args.pixel,
            kernel=args.kernel,
            output=args.output,
            out=tmp / "geoproc.tif",
        )  # fmt: skip
    )
    with rasterio.open(tmp / "qgis.tif") as a, rasterio.open(tmp / "geoproc.tif") as b:
        qa, ga = a.read(1), b.read(1)
        same_grid = a.shape == b.shape and a.transform.almost_equals(b.transform, 1e-9)
    nodata_same = bool(np.array_equal(qa == -9999, ga == -9999))
    m = (qa != -9999) & (ga != -9999)
    rel = float(np.max(np.abs(ga[m] - qa[m]) / np.abs(qa[m]).clip(min=1e-300))) if m.any() else 0.0

    print(
        f"n={args.n:,} radius={args.radius:g} m pixel={args.pixel:g} m kernel={args.kernel} "
        f"output={args.output} raster={res.shape[0]}x{res.shape[1]}"
    )
    print(f"QGIS 3.22 heatmap : wall {q_wall:8.2f} s   cpu {q_cpu:8.2f} s")
    print(f"geoproc           : wall {g_wall:8.2f} s   cpu {g_cpu:8.2f} s")
    print(f"ratio QGIS/geoproc: wall {q_wall / g_wall:8.1f} x   cpu {q_cpu / g_cpu:8.1f} x")
    print(
        f"same grid: {same_grid}; same nodata pixels: {nodata_same}; "
        f"max relative difference: {rel:.2e}; identical: {bool(np.array_equal(qa, ga))}"
    )
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
