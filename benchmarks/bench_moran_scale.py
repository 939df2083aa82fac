"""Global Moran's I with 999 permutations at 300,000 regions (streamed permutations).

    .venv/bin/python benchmarks/bench_moran_scale.py              # 300,000 regions
    .venv/bin/python benchmarks/bench_moran_scale.py --n 30000

kNN(8) weights (haversine) on random points, then ``moran_table`` with 999 permutations;
prints wall and CPU time, I, p_sim, the load average and the process's max RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import time


def main(argv: list[str] | None = None) -> int:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from geoproc.moran import moran_table
    from geoproc.weights import knn_weights

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300_000)
    ap.add_argument("--permutations", type=int, default=999)
    args = ap.parse_args(argv)
    n = args.n
    rs = np.random.RandomState(0)
    lon, lat = rs.uniform(100, 120, n), rs.uniform(20, 40, n)
    gdf = gpd.GeoDataFrame({"code": range(n)}, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    t = time.perf_counter()
    w = knn_weights(gdf, k=8, id="code", method="haversine")
    print(f"kNN(8) weights: {time.perf_counter() - t:.2f} s")
    df = pd.DataFrame({"code": range(n), "year": 2000, "a": rs.standard_normal(n) + np.sin(lon)})
    print("load before", os.getloadavg())
    t, c = time.perf_counter(), time.process_time()
    row = moran_table(df, w, "a", permutations=args.permutations, seed=1).to_frame().iloc[0]
    print(f"moran_table {n:,} x {args.permutations}: {time.perf_counter() - t:.2f} s wall, "
          f"{time.process_time() - c:.2f} s CPU; I = {row['I']:.4f}, p_sim = {row['p_sim']:.4f}")
    print("load after", os.getloadavg(),
          f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
