"""Regional indicators on a county-scale panel: geoproc vs the bare pandas / scikit-learn baselines.

geoproc checks every input (duplicate region-years, balance, strict numbers, positive
denominators, zero variance) before it computes; the baselines compute only. The
ratio (baseline time / geoproc time; < 1 means geoproc is slower) is the price of
those checks, and the maximum absolute difference shows the numbers agree.

    .venv/bin/python benchmarks/bench_indices.py                 # 2,850 counties x 20 years
    .venv/bin/python benchmarks/bench_indices.py --regions 300 --years 10
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def best_of(f, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def make_panel(n: int, t: int, p: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = n * t
    latent = rng.normal(size=rows)
    x = latent[:, None] * rng.uniform(0.5, 2, p) + rng.normal(size=(rows, p))
    df = pd.DataFrame(np.abs(x) * 100 + 1, columns=[f"x{j}" for j in range(p)])
    df.insert(0, "year", np.repeat(np.arange(2000, 2000 + t), n))
    df.insert(0, "code", np.tile(np.arange(100000, 100000 + n), t))
    df["rev"] = rng.uniform(1, 1000, rows)
    df["gdp"] = rng.uniform(1000, 5000, rows)
    df["va"] = df["gdp"] * rng.uniform(0.01, 0.1, rows)
    return df


def entropy_numpy(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The usual numpy implementation (positive indicators, 0 ln 0 = 0)."""
    xn = (x - x.min(0)) / (x.max(0) - x.min(0))
    p = xn / xn.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(0) / np.log(len(x))
    w = (1 - e) / (1 - e).sum()
    return xn @ w, w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=2850, help="number of regions (default: 2850, China's counties)")
    ap.add_argument("--years", type=int, default=20, help="number of years (default 20)")
    ap.add_argument("--indicators", type=int, default=9, help="indicators of the composite indices (default 9)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    args = ap.parse_args()

    import geoproc
    from geoproc.numeric import numeric_column

    df = make_panel(args.regions, args.years, args.indicators)
    cols = [f"x{j}" for j in range(args.indicators)]
    print(f"panel: {args.regions} regions x {args.years} years = {len(df)} rows, {args.indicators} indicators")
    rows = []

    t_g, ours = best_of(lambda: geoproc.agglomeration_index(df, "rev"), args.repeat)
    t_b, base = best_of(lambda: df["rev"] / df.groupby("year")["rev"].transform("mean"), args.repeat)
    rows.append(("agglomeration_index", "pandas groupby-transform", t_g, t_b, np.abs(ours - base).max()))

    def lq_pandas():
        share = df.groupby("year")["va"].transform("sum") / df.groupby("year")["gdp"].transform("sum")
        return df["va"] / df["gdp"] / share

    t_g, ours = best_of(lambda: geoproc.location_quotient(df, "va", "gdp"), args.repeat)
    t_b, base = best_of(lq_pandas, args.repeat)
    rows.append(("location_quotient", "pandas groupby-transform", t_g, t_b, np.abs(ours - base).max()))

    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    def pca_sklearn():
        x = df[cols].to_numpy()
        z = StandardScaler().fit_transform(x) * np.sqrt((len(x) - 1) / len(x))  # sample std, as geoproc
        s = PCA(n_components=1, svd_solver="full").fit_transform(z)[:, 0]
        return s

    t_g, (ours, _) = best_of(lambda: geoproc.pca_index(df, cols), args.repeat)
    t_b, base = best_of(pca_sklearn, args.repeat)
    diff = min(np.abs(ours - base).max(), np.abs(ours + base).max())  # sklearn's sign is arbitrary
    rows.append(("pca_index (first)", "scikit-learn StandardScaler+PCA", t_g, t_b, diff))

    t_g, (ours, _) = best_of(lambda: geoproc.entropy_weight_index(df, cols), args.repeat)
    t_b, (base, _) = best_of(lambda: entropy_numpy(df[cols].to_numpy()), args.repeat)
    rows.append(("entropy_weight_index", "plain numpy", t_g, t_b, np.abs(ours - base).max()))

    text = df["rev"].map(lambda v: f"{v:,.2f}")  # "1,234.56" as copied from a spreadsheet
    t_g, ours = best_of(lambda: numeric_column(text, "rev", thousands=","), args.repeat)
    t_b, base = best_of(lambda: pd.to_numeric(text.str.replace(",", "", regex=False)), args.repeat)
    rows.append(("numeric_column(thousands=',')", "str.replace + to_numeric", t_g, t_b, np.abs(ours - base).max()))

    print(f"{'function':32s} {'baseline':34s} {'geoproc s':>10s} {'baseline s':>11s} {'ratio':>7s} {'max |diff|':>11s}")
    for name, bname, tg, tb, d in rows:
        print(f"{name:32s} {bname:34s} {tg:10.4f} {tb:11.4f} {tb / tg:7.2f} {d:11.2e}")


if __name__ == "__main__":
    main()
