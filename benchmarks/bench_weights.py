"""Gravity weights for N regions: geoproc's vectorised build vs a straightforward double loop.

The distance step (geoproc.distances, geodesic) is timed separately: it is shared
by every distance-based weight. The gravity step is w_ij = M_i M_j / d_ij^2 on that
matrix plus the SpatialWeights container; the baseline is the textbook double
Python loop over lists. The loop is timed on a subset of the regions and scaled
by (N / subset)^2 (the loop is exactly quadratic), which the output says.

With ``--io N`` it also times writing and reading a dense N x N matrix as a
full-matrix CSV and a GWT file against pandas' exact round trip
(``to_csv`` / ``read_csv(float_precision="round_trip")``).

    .venv/bin/python benchmarks/bench_weights.py            # N = 3000
    .venv/bin/python benchmarks/bench_weights.py --n 1000 --subset 1000   # loop on all pairs
    .venv/bin/python benchmarks/bench_weights.py --io 1500  # files too
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def loop_gravity(d: list[list[float]], m: list[float]) -> list[list[float]]:
    """The straightforward version: two nested Python loops."""
    n = len(m)
    w = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                w[i][j] = m[i] * m[j] / d[i][j] ** 2
    return w


def best_of(f, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=3000, help="number of regions (default 3000)")
    ap.add_argument("--subset", type=int, default=600,
                    help="regions on which the Python loop is timed, then scaled (default 600)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    ap.add_argument("--io", type=int, default=0, metavar="N",
                    help="also time CSV/GWT files of an N x N dense matrix (default: skip)")
    args = ap.parse_args()
    gravity(args)
    if args.io:
        files(args.io)


def files(n: int) -> None:
    import tempfile
    from pathlib import Path

    import pandas as pd

    from geoproc.weights import SpatialWeights, read_weights, write_weights

    rng = np.random.default_rng(1)
    a = rng.uniform(0, 1, (n, n))
    np.fill_diagonal(a, 0)
    w = SpatialWeights(a, list(range(n)), "dense")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t_w, _ = best_of(lambda: write_weights(w, tmp / "w.csv", overwrite=True), 1)
        t_r, back = best_of(lambda: read_weights(tmp / "w.csv"), 1)
        assert np.array_equal(back.full(), a)
        frame = pd.DataFrame(a, index=pd.Index(range(n), name="id"), columns=range(n))
        t_pw, _ = best_of(lambda: frame.to_csv(tmp / "p.csv"), 1)
        t_pr, pback = best_of(lambda: pd.read_csv(tmp / "p.csv", index_col=0,
                                                  float_precision="round_trip"), 1)
        assert np.array_equal(pback.to_numpy(), a)
        t_gw, _ = best_of(lambda: write_weights(w, tmp / "w.gwt", overwrite=True), 1)
        t_gr, gback = best_of(lambda: read_weights(tmp / "w.gwt"), 1)
        assert np.array_equal(gback.full(), a)
    print(f"weights files, dense {n} x {n} (exact round trips checked)")
    print(f"  CSV write: geoproc {t_w:.2f} s, pandas to_csv {t_pw:.2f} s  -> {t_pw / t_w:.1f}x")
    print(f"  CSV read:  geoproc {t_r:.2f} s, pandas read_csv {t_pr:.2f} s  -> {t_pr / t_r:.1f}x")
    print(f"  GWT write {t_gw:.2f} s, read {t_gr:.2f} s ({n * (n - 1):,} links)")


def gravity(args: argparse.Namespace) -> None:

    import geopandas as gpd
    import pandas as pd

    from geoproc.distances import distance_matrix
    from geoproc.weights import SpatialWeights, gravity_weights
    from geoproc.weights.gravity import gravity_matrix

    rng = np.random.default_rng(42)
    n = args.n
    pts = gpd.GeoDataFrame(
        {"code": np.arange(n)},
        geometry=gpd.points_from_xy(rng.uniform(75, 130, n), rng.uniform(20, 50, n)),
        crs="EPSG:4326",
    )
    masses = pd.Series(rng.uniform(100, 50_000, n), index=np.arange(n))

    t_dist, dmat = best_of(lambda: distance_matrix(pts, method="geodesic"), 1)
    d = dmat.to_numpy()
    m = masses.to_numpy()

    def ours():
        return SpatialWeights(gravity_matrix(d, m), list(range(n)), "gravity")

    t_ours, w = best_of(ours, args.repeat)
    t_end, _ = best_of(lambda: gravity_weights(pts, masses), 1)

    k = min(args.subset, n)
    d_sub, m_sub = d[:k, :k].tolist(), m[:k].tolist()
    t_loop_sub, w_loop = best_of(lambda: loop_gravity(d_sub, m_sub), 1)
    scale = (n / k) ** 2
    t_loop = t_loop_sub * scale
    diff = np.max(np.abs(np.asarray(w_loop) - w.full()[:k, :k]) / np.maximum(np.asarray(w_loop), 1e-300))

    print(f"gravity weights, N = {n} regions ({n * (n - 1):,} links)")
    print(f"  distance matrix (geoproc.distances, geodesic):    {t_dist:8.3f} s  (shared step, not compared)")
    print(f"  geoproc gravity step (matrix + SpatialWeights):  {t_ours:8.3f} s  best of {args.repeat}")
    print(f"  gravity_weights end to end (incl. distances):    {t_end:8.3f} s")
    note = "" if k == n else f"  (timed on {k} regions: {t_loop_sub:.3f} s, scaled by (N/{k})^2 = {scale:.1f})"
    print(f"  Python double loop:                               {t_loop:8.3f} s{note}")
    print(f"  ratio loop / geoproc gravity step: {t_loop / t_ours:.0f}x")
    print(f"  max relative difference on the subset: {diff:.1e}")


if __name__ == "__main__":
    main()
