"""Monte-Carlo bias of the two-way fixed-effects SDM at N = 31, T = 9 (the users' panel size).

W: the row-standardised 4-nearest-neighbour matrix of the shipped provinces' centroids, or
(``--weights``) any weights file. DGP per replication: y_t = (I - rho W)^-1 (X_t beta + W X_t theta
+ mu + lambda_t + e_t), X, mu, lambda, e independent standard normal (sigma^2 = 1), two regressors
with beta = (-0.338, 0.25), theta = (1.276, -0.1) (the first pair as in the users' published
estimates) and rho in {-0.468, 0.4}. Reported for the direct ML and Lee-Yu estimators: mean
bias, RMSE, and the coverage of the nominal 95% Wald interval (estimate +- 1.96 se); for the
direct effects and indirect effects of x1 the bias of the point effect.

    .venv/bin/python benchmarks/mc_sdm_bias.py --reps 300 > mc.md
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
import pandas as pd


def province_w():
    import geoproc
    from geoproc.weights import SpatialWeights

    regions = geoproc.load_boundaries("china_provinces")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = geoproc.centroids(regions)
    ids = list(regions["code"])
    xy = np.column_stack([c.geometry.x, c.geometry.y])
    # 4 nearest neighbours on lon/lat centroids (a simple, connected W for the simulation)
    from scipy.spatial import cKDTree

    _, idx = cKDTree(xy).query(xy, k=5)
    n = len(ids)
    W = np.zeros((n, n))
    for i in range(n):
        W[i, idx[i, 1:]] = 0.25
    return SpatialWeights(W, ids, "knn:4", "R")


def true_effects(W, rho, b, t):
    n = W.shape[0]
    S = np.linalg.inv(np.eye(n) - rho * W) @ (b * np.eye(n) + t * W)
    d, tot = np.trace(S) / n, S.sum() / n
    return d, tot - d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=300, help="replications per rho (default 300)")
    ap.add_argument("--seed", type=int, default=20260601, help="seed (default 20260601)")
    ap.add_argument("--weights", default=None, help="weights file instead of the 4-NN provinces")
    args = ap.parse_args()

    import geoproc
    from geoproc.cli._common import progress_bar
    from geoproc.progress import report
    from geoproc.weights import as_weights

    w = as_weights(args.weights).row_standardize() if args.weights else province_w()
    W = w.full()
    n, T = w.n, 9
    beta, theta, sigma2 = np.array([-0.338, 0.25]), np.array([1.276, -0.1]), 1.0
    rng = np.random.default_rng(args.seed)
    rows = []
    for rho in (-0.468, 0.4):
        A_inv = np.linalg.inv(np.eye(n) - rho * W)
        d_true, i_true = true_effects(W, rho, beta[0], theta[0])
        truth = {"x1": beta[0], "x2": beta[1], "W*x1": theta[0], "W*x2": theta[1], "rho": rho,
                 "sigma2": sigma2}
        est = {"direct": [], "lee_yu": []}
        eff = []
        bar = progress_bar(f"rho={rho}")
        for rep in range(args.reps):
            report(bar, rep / args.reps)
            X = rng.normal(size=(T, n, 2))
            mu, lam = rng.normal(size=n), rng.normal(size=T)
            Y = np.stack([A_inv @ (X[s] @ beta + W @ X[s] @ theta + mu + lam[s]
                                   + rng.normal(scale=np.sqrt(sigma2), size=n)) for s in range(T)])
            df = pd.DataFrame({"code": np.tile(w.ids, T), "year": np.repeat(np.arange(T), n),
                               "y": Y.ravel(), "x1": X[..., 0].ravel(), "x2": X[..., 1].ravel()})
            r = geoproc.sdm(df, w, y="y", x=["x1", "x2"], id="code", year="year", lee_yu=True,
                            draws=0, tests=False)
            for key, e in (("direct", r.direct), ("lee_yu", r.lee_yu)):
                est[key].append((e.params, e.se))
            eff.append((r.effects.loc["x1", "direct"], r.effects.loc["x1", "indirect"],
                        r.lee_yu.effects.loc["x1", "direct"], r.lee_yu.effects.loc["x1", "indirect"]))
        report(bar, 1.0)
        for key, vals in est.items():
            P = pd.DataFrame([p.to_numpy() for p, _ in vals], columns=vals[0][0].index)
            S = pd.DataFrame([s.to_numpy() for _, s in vals], columns=vals[0][1].index)
            for name, tv in truth.items():
                bias = P[name].mean() - tv
                rmse = np.sqrt(((P[name] - tv) ** 2).mean())
                cover = float(np.mean(np.abs(P[name] - tv) <= 1.96 * S[name]))
                rows.append((rho, key, name, tv, bias, rmse, cover))
        E = np.array(eff)
        for j, (key, part, tv) in enumerate((("direct", "direct effect x1", d_true),
                                             ("direct", "indirect effect x1", i_true),
                                             ("lee_yu", "direct effect x1", d_true),
                                             ("lee_yu", "indirect effect x1", i_true))):
            rows.append((rho, key, part, tv, E[:, j].mean() - tv,
                         np.sqrt(((E[:, j] - tv) ** 2).mean()), np.nan))
    out = pd.DataFrame(rows, columns=["rho", "estimator", "parameter", "true", "bias", "rmse",
                                      "coverage95"])
    sys.stdout.write(f"N = {n}, T = {T}, {args.reps} replications per rho, seed {args.seed}, "
                     f"W = {w.kind}\n\n")
    sys.stdout.write(markdown(out) + "\n")


def markdown(df: pd.DataFrame) -> str:
    """A GitHub table (pandas' to_markdown needs the optional tabulate package)."""
    def cell(v):
        return "" if isinstance(v, float) and np.isnan(v) else (f"{v:.4f}" if isinstance(v, float) else str(v))

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
