"""LISA start-up and speed: fresh ``geoproc lisa`` vs fresh ``geoproc moran``, and vs esda.

Target (issue 3): with 3,000 regions and 999 permutations, a fresh ``geoproc lisa``
process takes at most 2x as long as a fresh ``geoproc moran`` process on the
same data without permutations. Both read the same panel and GAL weights file;
lisa also reads the regions (GeoPackage) and writes its layer. geoproc's
permutations are vectorised NumPy, so there is no compile and no cache to warm
(one run goes first anyway, as the target allows).

Also, in this process: ``geoproc.local_moran`` against ``esda.Moran_Local`` on the
same data and seed (esda's first call includes its numba compile, which every
new process pays; its second call is warm). The pseudo p-values are checked to
be identical.

Run:  .venv/bin/python benchmarks/bench_lisa.py [--regions 3000] [--repeat 3] [--no-esda]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GEOPROC = [sys.executable, "-m", "geoproc"]


def make_data(folder: Path, n_side: tuple[int, int]):
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    from geoproc.weights.base import SpatialWeights
    from geoproc.weights.io import write_weights

    nx, ny = n_side
    n = nx * ny
    codes = np.arange(100000, 100000 + n)
    cells = [box(100 + 0.1 * (i % nx), 20 + 0.1 * (i // nx), 100 + 0.1 * (i % nx + 1), 20 + 0.1 * (i // nx + 1))
             for i in range(n)]
    gdf = gpd.GeoDataFrame({"code": codes, "name": [f"R{i}" for i in range(n)]}, geometry=cells, crs=4326)
    gdf.to_file(folder / "regions.gpkg", driver="GPKG", engine="pyogrio")
    rng = np.random.default_rng(0)
    col, row = np.arange(n) % nx, np.arange(n) // nx
    cul = np.sin(col / 7) + np.cos(row / 9) + rng.normal(0, 0.7, n)
    pd.DataFrame({"code": codes, "year": 2021, "cul": cul}).to_csv(folder / "panel.csv", index=False)
    # queen contiguity on the grid
    rows, cols = [], []
    for i in range(n):
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                if dx == dy == 0:
                    continue
                c, r = col[i] + dx, row[i] + dy
                if 0 <= c < nx and 0 <= r < ny:
                    rows.append(i)
                    cols.append(r * nx + c)
    from scipy import sparse

    m = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    w = SpatialWeights(m, codes.tolist(), "queen")
    write_weights(w, folder / "queen.gal")
    return gdf, cul, w


def run(cmd: list[str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--regions", type=int, default=3000, help="number of regions (a 60-column grid)")
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes timed per command (median)")
    ap.add_argument("--no-esda", action="store_true", help="skip the in-process esda comparison")
    a = ap.parse_args()
    nx = 60
    shape = (nx, max(1, a.regions // nx))
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        gdf, cul, w = make_data(d, shape)
        n = shape[0] * shape[1]
        common = ["--weights", str(d / "queen.gal"), "--overwrite"]
        lisa = [*GEOPROC, "lisa", str(d / "regions.gpkg"), str(d / "panel.csv"), "--variable", "cul",
                "--year", "2021", "--permutations", str(a.permutations), "--seed", "1",
                "-o", str(d / "lisa.gpkg"), *common]
        moran = [*GEOPROC, "moran", str(d / "panel.csv"), "--variables", "cul", "--permutations", "0",
                 "-o", str(d / "moran.csv"), *common]
        warm = run(lisa)  # the "one earlier run on the machine" the target allows
        t_lisa = [run(lisa) for _ in range(a.repeat)]
        t_moran = [run(moran) for _ in range(a.repeat)]
        ml, mm = statistics.median(t_lisa), statistics.median(t_moran)
        print(f"regions {n}, permutations {a.permutations}, {a.repeat} fresh processes each (median)")
        print(f"  first geoproc lisa: {warm:.2f} s")
        print(f"  geoproc lisa  : {ml:.2f} s   (runs: {', '.join(f'{t:.2f}' for t in t_lisa)})")
        print(f"  geoproc moran : {mm:.2f} s   (runs: {', '.join(f'{t:.2f}' for t in t_moran)})")
        print(f"  ratio lisa / moran = {ml / mm:.2f}  (target <= 2)")

        if a.no_esda:
            return
        import esda

        from geoproc.lisa import local_moran

        t = time.perf_counter()
        ours = local_moran(gdf, cul, w, permutations=a.permutations, seed=1)
        t_ours = time.perf_counter() - t
        lw = w.to_W()
        lw.transform = "r"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            m = esda.Moran_Local(cul, lw, permutations=a.permutations, seed=1)
            t_e1 = time.perf_counter() - t
            t = time.perf_counter()
            esda.Moran_Local(cul, lw, permutations=a.permutations, seed=1)
            t_e2 = time.perf_counter() - t
        t = time.perf_counter()
        local_moran(gdf, cul, w, permutations=a.permutations, seed=1, n_jobs=2)
        t_ours2 = time.perf_counter() - t
        same = bool(np.array_equal(ours.lisa_p.to_numpy(), m.p_sim))
        print(f"in process, {n} regions x {a.permutations} permutations:")
        print(f"  geoproc.local_moran {t_ours:.2f} s, 2 threads {t_ours2:.2f} s")
        print(f"  esda.Moran_Local first call (compiles) {t_e1:.2f} s -> ratio esda/geoproc {t_e1 / t_ours:.1f}")
        print(f"  esda.Moran_Local second call {t_e2:.2f} s -> ratio esda/geoproc {t_e2 / t_ours:.1f}")
        print(f"  pseudo p-values identical to esda's (same seed): {same}")


if __name__ == "__main__":
    main()
