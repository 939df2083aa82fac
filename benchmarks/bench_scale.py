"""Weights and LISA at scale: geoproc against libpysal, pygeoda (libgeoda C++) and esda, as ratios.

    .venv/bin/python benchmarks/bench_scale.py                       # 3,000 and 30,000 regions
    .venv/bin/python benchmarks/bench_scale.py --sizes 300000 --no-esda   # the issue's target size

Random points in China's lon/lat box; y is a smooth surface plus noise. For each size:

* **kNN weights (k = 8)**: ``geoproc.knn_weights`` (spatial index, exact geodesic distances)
  against ``libpysal.weights.KNN.from_dataframe`` (k-d tree on the raw coordinates);
* **queen contiguity** on a square grid of the same size: ``geoproc.queen_weights``
  against ``libpysal.weights.Queen.from_dataframe``;
* **kNN weights + LISA, 999 permutations, end to end**: geoproc (``knn_weights`` with
  ``method="haversine"`` + ``local_moran``, all cores) against pygeoda 0.1.3
  (``knn_weights(is_arc=True)`` + ``local_moran(cpu_threads=1)``) -- the same sphere
  distances, so the same neighbours and the same I values (checked) -- and against
  ``esda.Moran_Local`` on geoproc's weights. "cold" runs each in a fresh process
  (imports, numba loading or compiling included); "warm" is a second call in one process.

Ratios are baseline time / geoproc time (> 1: geoproc faster). Prints the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")]))


def data(n: int, seed: int = 0):
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(75, 134, n), rng.uniform(18, 53, n)
    y = np.sin(lon / 3) + np.cos(lat / 2) + rng.normal(0, 0.5, n)
    return gpd.GeoDataFrame({"code": np.arange(n), "y": y}, geometry=gpd.points_from_xy(lon, lat), crs=4326)


def grid(n: int):
    import geopandas as gpd
    from shapely import box

    side = int(round(np.sqrt(n)))
    i = np.arange(side * side)
    x, y = 0.01 * (i % side), 0.01 * (i // side)
    return gpd.GeoDataFrame({"code": i}, geometry=box(100 + x, 30 + y, 100.01 + x, 30.01 + y), crs=4326)


def run(task: str, n: int) -> dict:
    """One timed task in this process; returns seconds and check values."""
    gdf = data(n)
    t = time.perf_counter()
    out: dict = {}
    if task == "geoproc":
        from geoproc.lisa import local_moran
        from geoproc.weights.distance_based import knn_weights

        w = knn_weights(gdf, 8, id="code", method="haversine")
        r = local_moran(gdf, "y", w, permutations=999, seed=1, n_jobs=-1)
        out["I"] = r.lisa_I.to_numpy()
    elif task == "pygeoda":
        import pygeoda

        g = pygeoda.open(gdf[["y", "geometry"]])
        w = pygeoda.knn_weights(g, 8, is_arc=True)
        r = pygeoda.local_moran(w, g["y"], permutations=999, cpu_threads=1, seed=1)
        out["I"] = np.asarray(r.lisa_values())
    elif task == "esda":
        import esda

        from geoproc.weights.distance_based import knn_weights

        lw = knn_weights(gdf, 8, id="code", method="haversine").to_W()
        lw.transform = "r"
        t = time.perf_counter()  # esda's part only: geoproc built the weights
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = esda.Moran_Local(gdf["y"].to_numpy(), lw, permutations=999, seed=1, keep_simulations=False)
        out["I"] = m.Is
    out["seconds"] = time.perf_counter() - t
    return out


def cold(task: str, n: int) -> float:
    """Wall time of a fresh process running ``task`` (interpreter start included)."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", task, "--sizes", str(n)],
                          env=ENV, capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return time.perf_counter() - t


def weights_ratios(n: int) -> None:
    import libpysal

    from geoproc.weights.contiguity import queen_weights
    from geoproc.weights.distance_based import knn_weights

    gdf, cells = data(n), grid(n)
    knn_weights(gdf.iloc[:50], 8, id="code")  # numba load outside the timing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = []
        for name, ours, theirs in (
            ("kNN k=8", lambda: knn_weights(gdf, 8, id="code"),
             lambda: libpysal.weights.KNN.from_dataframe(gdf, k=8)),
            ("queen", lambda: queen_weights(cells, id="code", islands="keep"),
             lambda: libpysal.weights.Queen.from_dataframe(cells, use_index=False)),
        ):  # fmt: skip
            t = time.perf_counter()
            ours()
            a = time.perf_counter() - t
            t = time.perf_counter()
            theirs()
            b = time.perf_counter() - t
            rows.append(f"  {name:<8} geoproc {a:7.2f} s  libpysal {b:7.2f} s  ratio {b / a:5.1f}x")
    print(f"weights, {n:,} points / {len(cells):,} grid cells:")
    print("\n".join(rows))


def lisa_ratios(n: int, esda_too: bool, once: bool) -> None:
    tasks = ["geoproc", "pygeoda"] + (["esda"] if esda_too else [])
    res = {t: run(t, n) for t in tasks}  # first call in this process
    g = res["geoproc"]
    print(f"kNN(8) weights + LISA (999 permutations), {n:,} regions:")
    if once:  # one first call each, in this process (the biggest sizes)
        for t in tasks:
            same = np.abs(res[t]["I"] - g["I"]).max()
            print(f"  {t:<8} first call {res[t]['seconds']:7.2f} s  "
                  f"ratio {res[t]['seconds'] / g['seconds']:5.1f}x  max |I - I_geoproc| {same:.1e}")
        return
    warm = {t: run(t, n)["seconds"] for t in tasks}
    colds = {t: cold(t, n) for t in tasks}
    for t in tasks:
        same = np.abs(res[t]["I"] - g["I"]).max()
        print(f"  {t:<8} warm {warm[t]:7.2f} s  cold {colds[t]:7.2f} s  "
              f"ratio warm {warm[t] / warm['geoproc']:5.1f}x  cold {colds[t] / colds['geoproc']:5.1f}x  "
              f"max |I - I_geoproc| {same:.1e}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[3000, 30000])
    ap.add_argument("--no-esda", action="store_true", help="skip esda (it compiles ~30 s per process)")
    ap.add_argument("--only", choices=("weights", "lisa"), help="one part only")
    ap.add_argument("--once", action="store_true",
                    help="LISA: one first call each in this process, no warm or cold repeat")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps({"seconds": run(a.child, a.sizes[0])["seconds"]}))
        return 0
    print(f"load average {os.getloadavg()}, {os.cpu_count()} cores")
    for n in a.sizes:
        if a.only != "lisa":
            weights_ratios(n)
        if a.only != "weights":
            lisa_ratios(n, not a.no_esda, a.once)
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
