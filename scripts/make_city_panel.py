"""Build the SYNTHETIC prefecture-level city panel in data/demo/ (fixed seed; byte-for-byte reproducible).

    .venv/bin/python scripts/make_city_panel.py              # refuses to overwrite
    .venv/bin/python scripts/make_city_panel.py --overwrite

Outputs (every row has ``source = "synthetic"``; see data/demo/README.md):

- ``cities_panel_synthetic.csv``: the 297 cities at prefecture level and above of the
  shipped ``china_cities_yearbook`` layer (4 municipalities + 293 prefecture-level
  cities, the China City Statistical Yearbook's units) x 2011-2021: ``gdp`` (100 million
  yuan), ``population`` (10,000), ``gdp_per_capita`` (10,000 yuan), ``urbanisation``
  (%), ``dig`` (a digital-economy index) and the outcome ``cul``;
- ``cities_panel_synthetic_truth.json``: the true parameters, the seed and the weights.

``cul`` follows a two-way fixed-effects spatial Durbin process over the row-standardised
queen contiguity of those cities, islands linked to their nearest neighbour (Haikou,
Sanya, Zhoushan and cities surrounded by prefectures outside the set):
``y_t = (I - rho W)^-1 (X_t beta + W X_t theta + mu + lambda_t 1 + eps_t)``.
Starting levels are drawn (log-normal GDP around a province-dependent level), not
copied from yearbooks: nothing here is real data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoproc.boundaries import load_boundaries  # noqa: E402
from geoproc.outputs import atomic_output  # noqa: E402
from geoproc.weights import build_weights  # noqa: E402

OUT = ROOT / "data" / "demo"
SEED = 20261203
YEARS = list(range(2011, 2022))
LAYER = "china_cities_yearbook"
CSV = "cities_panel_synthetic.csv"
TRUTH = "cities_panel_synthetic_truth.json"
WEIGHTS = {"spec": "queen", "islands": "nearest", "row_standardize": True}
REGRESSORS = ["dig", "gdp_per_capita", "urbanisation"]
RHO = 0.35
BETA = {"dig": 0.50, "gdp_per_capita": 0.08, "urbanisation": 0.01}
THETA = {"dig": 0.25, "gdp_per_capita": -0.04, "urbanisation": 0.005}
SIGMA = 0.10
# NBS region -> (mean log GDP per capita 2011 in 10,000 yuan, mean urbanisation 2011 %)
REGION_LEVEL = {"East": (1.6, 62.0), "Central": (1.1, 48.0), "West": (1.0, 45.0), "Northeast": (1.3, 58.0)}


def make_panel(seed: int = SEED) -> tuple[pd.DataFrame, dict]:
    """The panel (sorted by code, year) and the truth record."""
    rng = np.random.default_rng(seed)
    cities = load_boundaries(LAYER)
    n, t = len(cities), len(YEARS)
    w = build_weights(WEIGHTS["spec"], cities, islands=WEIGHTS["islands"],
                      row_standardize=WEIGHTS["row_standardize"])
    W = w.sparse.toarray()
    levels = np.array([REGION_LEVEL[r] for r in cities["nbs_region"]])
    pop0 = np.exp(rng.normal(5.9, 0.6, n))  # ~365 (10,000 people) median
    gpc0 = np.exp(levels[:, 0] - 0.9 + rng.normal(0, 0.35, n))  # 10,000 yuan per head
    urb0 = np.clip(levels[:, 1] + rng.normal(0, 10, n), 20, 95)
    growth = rng.normal(0.07, 0.015, n)
    mu = rng.normal(0, 0.3, n)
    lam = np.cumsum(rng.normal(0.03, 0.01, t))
    A = np.linalg.inv(np.eye(n) - RHO * W)
    beta, theta = np.array([BETA[k] for k in REGRESSORS]), np.array([THETA[k] for k in REGRESSORS])
    rows = []
    for k, year in enumerate(YEARS):
        gpc = gpc0 * np.exp(growth * k + rng.normal(0, 0.02, n))
        pop = pop0 * np.exp(0.004 * k + rng.normal(0, 0.005, n))
        urb = np.clip(urb0 + 1.1 * k + rng.normal(0, 0.5, n), 15, 99)
        dig = 0.6 * np.log(gpc) + 0.02 * urb + 0.08 * k + rng.normal(0, 0.25, n)
        X = np.column_stack([dig, gpc, urb])
        y = A @ (X @ beta + W @ X @ theta + mu + lam[k] + rng.normal(0, SIGMA, n))
        for i in range(n):
            rows.append({
                "code": int(cities["code"].iat[i]), "name_zh": cities["name_zh"].iat[i],
                "name_en": cities["name_en"].iat[i], "year": year, "source": "synthetic",
                "gdp": round(float(gpc[i] * pop[i]), 2), "population": round(float(pop[i]), 2),
                "gdp_per_capita": round(float(gpc[i]), 4), "urbanisation": round(float(urb[i]), 3),
                "dig": round(float(dig[i]), 6), "cul": round(float(y[i]), 6),
            })
    panel = pd.DataFrame(rows)
    truth = {
        "synthetic": True, "seed": seed, "layer": LAYER, "n_regions": n, "years": YEARS,
        "weights": WEIGHTS, "islands": [int(c) for c in w.meta.get("islands_found", [])],
        "rho": RHO, "beta": BETA, "theta": THETA, "sigma": SIGMA, "effects": "twoway",
        "rounding": "cul and dig to 1e-6, far below sigma",
    }
    return panel, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)
    panel, truth = make_panel()
    args.out.mkdir(parents=True, exist_ok=True)
    with atomic_output(args.out / CSV, args.overwrite) as tmp:
        panel.to_csv(tmp, index=False, lineterminator="\n")
    with atomic_output(args.out / TRUTH, args.overwrite) as tmp:
        Path(tmp).write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"{len(panel)} rows ({truth['n_regions']} cities x {len(YEARS)} years) -> {args.out / CSV}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
