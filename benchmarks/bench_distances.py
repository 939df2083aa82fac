"""Distance-matrix speed and accuracy against pyproj, in one process.

    .venv/bin/python benchmarks/bench_distances.py            # N = 3,000
    .venv/bin/python benchmarks/bench_distances.py --n 10000  # the issue's target

Prints, for N random points uniform on the globe:
- geodesic: geoproc's numba kernel against ``pyproj.Geod(ellps="WGS84").inv`` called
  vectorised over all N^2 ordered pairs (in row blocks so memory stays bounded; the
  blocks do not change the per-pair cost); the maximum absolute difference over every
  pair; and, clearly labelled, the ratio against a per-pair Python loop over
  ``Geod.inv``, timed on a sample of pairs and extrapolated to N^2;
- haversine: geoproc against a plain numpy broadcast of the haversine formula;
- float32 output time and memory.
Compilation (once per machine, cached by numba) is reported separately, not timed in.
Timings on a shared machine vary; the ratios are measured back to back.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def _points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180, 180, n)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))  # uniform on the sphere
    return lon, lat


def _pyproj_all_pairs(lon, lat, ours: np.ndarray, rows: int) -> tuple[float, float]:
    """Seconds for Geod.inv over all N^2 ordered pairs; max |ours - pyproj| in km."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    n = lon.size
    elapsed = 0.0
    worst = 0.0
    for i0 in range(0, n, rows):
        i1 = min(n, i0 + rows)
        a = np.repeat(lon[i0:i1], n)
        b = np.repeat(lat[i0:i1], n)
        c = np.tile(lon, i1 - i0)
        d = np.tile(lat, i1 - i0)
        t = time.perf_counter()
        _, _, s = geod.inv(a, b, c, d)
        elapsed += time.perf_counter() - t
        worst = max(worst, float(np.max(np.abs(ours[i0:i1].ravel() - s / 1000.0))))
    return elapsed, worst


def _pyproj_loop_per_pair(lon, lat, sample: int) -> float:
    """Seconds per pair for a Python loop of scalar Geod.inv calls."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    rng = np.random.default_rng(1)
    i = rng.integers(0, lon.size, sample)
    j = rng.integers(0, lon.size, sample)
    pairs = list(zip(lon[i].tolist(), lat[i].tolist(), lon[j].tolist(), lat[j].tolist(), strict=True))
    t = time.perf_counter()
    for x1, y1, x2, y2 in pairs:
        geod.inv(x1, y1, x2, y2)
    return (time.perf_counter() - t) / sample


def _numpy_haversine(lon, lat, rows: int = 1000) -> np.ndarray:
    """The textbook haversine broadcast in numpy (in row blocks to bound the temporaries)."""
    p = np.radians(lat)
    lam = np.radians(lon)
    out = np.empty((lon.size, lon.size))
    for i0 in range(0, lon.size, rows):
        pi, li = p[i0 : i0 + rows, None], lam[i0 : i0 + rows, None]
        h = np.sin((p[None, :] - pi) / 2) ** 2 + np.cos(pi) * np.cos(p[None, :]) * np.sin(
            (lam[None, :] - li) / 2
        ) ** 2
        out[i0 : i0 + rows] = 2 * 6371.0088 * np.arcsin(np.sqrt(h))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=3000, help="number of points (default 3000)")
    ap.add_argument("--loop-sample", type=int, default=20000, help="pairs timed in the per-pair loop")
    ap.add_argument("--rows", type=int, default=500, help="rows per pyproj block")
    args = ap.parse_args(argv)

    import numba

    from geoproc.distances import pairwise_distances

    n = args.n
    lon, lat = _points(n)
    print(f"# distances: N = {n:,} points ({n * n:,} ordered pairs, {n * (n - 1) // 2:,} distinct)")
    print(f"numba threads: {numba.get_num_threads()}, load average: {os.getloadavg()[0]:.1f}")

    t = time.perf_counter()
    pairwise_distances(lon[:50], lat[:50])
    pairwise_distances(lon[:50], lat[:50], dtype="float32")
    print(f"first call (numba compile or cache load): {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    ours = pairwise_distances(lon, lat)
    t_ours = time.perf_counter() - t
    print(f"geoproc geodesic matrix:                    {t_ours:8.2f} s")

    t_pyproj, worst = _pyproj_all_pairs(lon, lat, ours, args.rows)
    print(f"pyproj Geod.inv vectorised, all N^2 pairs:  {t_pyproj:8.2f} s")
    print(f"  ratio (pyproj vectorised / geoproc):      {t_pyproj / t_ours:8.1f} x")
    print(f"  max |geoproc - pyproj| over all pairs:    {worst * 1e6:8.4f} mm")

    per_pair = _pyproj_loop_per_pair(lon, lat, args.loop_sample)
    t_loop = per_pair * n * n
    print(
        f"pyproj Geod.inv per-pair Python loop, {per_pair * 1e6:.2f} us/pair on "
        f"{args.loop_sample:,} sampled pairs,\n  extrapolated to N^2: {t_loop:8.1f} s;"
        f" ratio (loop / geoproc, extrapolated): {t_loop / t_ours:8.1f} x"
    )

    t = time.perf_counter()
    ours32 = pairwise_distances(lon, lat, dtype="float32")
    t32 = time.perf_counter() - t
    print(
        f"geoproc geodesic float32:                   {t32:8.2f} s "
        f"({ours32.nbytes / 2**20:,.0f} MiB instead of {ours.nbytes / 2**20:,.0f} MiB; "
        f"max rounding {np.max(np.abs(ours32 - ours)) * 1e3:.2f} m)"
    )
    del ours, ours32

    t = time.perf_counter()
    hv = pairwise_distances(lon, lat, method="haversine")
    t_hv = time.perf_counter() - t
    t = time.perf_counter()
    ref = _numpy_haversine(lon, lat)
    t_np = time.perf_counter() - t
    print(f"geoproc haversine matrix:                   {t_hv:8.2f} s")
    print(f"plain numpy haversine broadcast:            {t_np:8.2f} s")
    print(f"  ratio (numpy / geoproc):                  {t_np / t_hv:8.2f} x")
    print(f"  max |geoproc - numpy| (asin form loses digits near antipodes): "
          f"{np.max(np.abs(hv - ref)) * 1e6:.3f} mm")


if __name__ == "__main__":
    main()
