"""Kernel density as a user runs it: ``qgis_process`` (QGIS's Heatmap) against ``geoproc kde``.

    .venv/bin/python benchmarks/bench_kde_cli.py                    # 1,000,000 points, 5 rounds
    .venv/bin/python benchmarks/bench_kde_cli.py --n 100000 --repeat 3

The points of ``bench_kde.py`` (four clusters and a scatter, UTM 51N) are written once
to a FlatGeobuf file (not timed). Each round then runs, as separate processes:

* ``qgis_process.bin run qgis:heatmapkerneldensityestimation`` on that file;
* ``python -m geoproc kde`` on the same file (all cores, the default);
* ``python -m geoproc kde --threads 1`` (one core);

and, in this process, ``geoproc.kernel_density`` on the GeoDataFrame already in memory
(the Python call, warm, all cores). Wall and CPU times (the children's user+system
time), the min and median over rounds, and the load average before and after are
printed. Every raster is compared with QGIS's (same grid, same bytes) and every
geoproc raster with the one-thread one (SHA-256 of the pixel array).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
QGIS_PROCESS = "/usr/bin/qgis_process.bin"


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process; raise if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def raster(path: Path) -> tuple[np.ndarray, tuple]:
    import rasterio

    with rasterio.open(path) as src:
        return src.read(1), (src.shape, tuple(src.transform), src.nodata)


def digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def summary(name: str, walls: list[float], cpus: list[float]) -> tuple[float, float]:
    print(
        f"{name:<34} wall min {min(walls):7.2f} s  median {statistics.median(walls):7.2f} s   "
        f"cpu min {min(cpus):7.2f} s  median {statistics.median(cpus):7.2f} s"
    )
    return min(walls), statistics.median(walls)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="points (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=5, help="rounds (default 5)")
    ap.add_argument("--radius", type=float, default=20_000.0)
    ap.add_argument("--pixel", type=float, default=1_000.0)
    args = ap.parse_args(argv)

    import geopandas as gpd
    import shapely
    from bench_kde import make_points

    from geoproc.kde import kernel_density

    tmp = Path(tempfile.mkdtemp(prefix="bench_kde_cli_"))
    x, y = make_points(args.n)
    gdf = gpd.GeoDataFrame(geometry=shapely.points(x, y), crs="EPSG:32651")
    src = tmp / "points.fgb"
    gdf.to_file(src, driver="FlatGeobuf")
    # the file's spatial index stores the points in Hilbert order, and QGIS and geoproc
    # sum each pixel in file order: the Python call gets them in that order too
    gdf = gpd.read_file(src)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    common = ["--radius", repr(args.radius), "--pixel", repr(args.pixel), "--overwrite"]
    cmds = {
        "qgis_process (QGIS 3.22 Heatmap)": [
            QGIS_PROCESS, "run", "qgis:heatmapkerneldensityestimation", "--",
            f"INPUT={src}", f"RADIUS={args.radius!r}", f"PIXEL_SIZE={args.pixel!r}", "KERNEL=0",
            "DECAY=0", "OUTPUT_VALUE=0", f"OUTPUT={tmp / 'qgis.tif'}",
        ],
        "geoproc kde (CLI, all cores)": [
            sys.executable, "-m", "geoproc", "kde", str(src), "-o", str(tmp / "cli.tif"), *common,
        ],
        "geoproc kde --threads 1 (CLI)": [
            sys.executable, "-m", "geoproc", "kde", str(src), "-o", str(tmp / "cli1.tif"),
            "--threads", "1", *common,
        ],
    }  # fmt: skip
    py_kw = {"radius": args.radius, "pixel_size": args.pixel, "overwrite": True}
    kernel_density(gdf.iloc[:10], out=tmp / "warm.tif", **py_kw)  # numba load, outside timing
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in [*cmds, "python"]}
    print(f"n={args.n:,} load average before: {os.getloadavg()}  cores: {os.cpu_count()}")
    for _ in range(args.repeat):
        for name, cmd in cmds.items():
            wall, cpu = run_child(cmd, env)
            times[name][0].append(wall)
            times[name][1].append(cpu)
        w, c = time.perf_counter(), time.process_time()
        kernel_density(gdf, out=tmp / "py.tif", **py_kw)
        times["python"][0].append(time.perf_counter() - w)
        times["python"][1].append(time.process_time() - c)
    print(f"load average after: {os.getloadavg()}")

    q_min, q_med = summary("qgis_process", *times[next(iter(cmds))])
    for name in [*list(cmds)[1:], "python"]:
        label = name if name != "python" else "geoproc.kernel_density (Python, warm)"
        g_min, g_med = summary(label, *times[name])
        print(f"{'':<34} ratio QGIS/geoproc: min/min {q_min / g_min:5.1f}x, "
              f"median/median {q_med / g_med:5.1f}x")
    qa, qmeta = raster(tmp / "qgis.tif")
    one, _ = raster(tmp / "cli1.tif")
    for f in ("cli.tif", "cli1.tif", "py.tif"):
        a, meta = raster(tmp / f)
        print(
            f"{f:<9} sha256 {digest(a)}  same grid as QGIS: {meta == qmeta}  "
            f"identical to QGIS: {np.array_equal(a, qa)}  to one thread: {np.array_equal(a, one)}"
        )
    print(f"QGIS      sha256 {digest(qa)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
