"""Build the SYNTHETIC demo panels in data/demo/ (fixed seed; rerun to reproduce them byte for byte).

    .venv/bin/python scripts/make_demo_panels.py            # writes data/demo/, refuses to overwrite
    .venv/bin/python scripts/make_demo_panels.py --overwrite

Outputs (every row has ``source = "synthetic"``; see data/demo/README.md):

- ``provinces_panel_synthetic.csv``: 31 provinces x 2013-2021. The outcome ``cul``
  (cultural-industry agglomeration index) follows a two-way fixed-effects spatial
  Durbin process over the row-standardised R&D-staff gravity weights of the
  shipped provinces (period-mean masses),
  ``y_t = (I - rho W)^-1 (X_t beta + W X_t theta + mu + lambda_t 1 + eps_t)``;
  ``cultural_revenue`` is ``cul`` times a yearly national scale.
- ``provinces_panel_synthetic_truth.json``: the true parameters, sigma^2, the fixed
  effects, the seed and which W.
- ``yrd_cities_panel_synthetic.csv``: the 41 Yangtze River Delta cities x 2015-2019,
  cultural-industry value added and GDP; in 2018 the nine cities named in METHODS §7
  have a location quotient above 1.

The magnitudes (GDP, population, R&D staff, ...) start from rounded public figures
for 2013 (provinces) and 2018 (cities) so that maps and tables look plausible; every
series is then simulated. Nothing here is real data.

How ``cul`` can be both "revenue over the yearly mean" and an SDM outcome: with a
row-standardised W, ``(I - rho W)^-1 1 = 1 / (1 - rho) 1``, so the time effect
lambda_t shifts every region's y_t by lambda_t / (1 - rho). We draw everything else,
then choose lambda_t so that the yearly mean of y_t is exactly 1 (the lambda_t are
recorded as the true time effects), and set ``revenue_it = y_it * S_t`` with S_t
the national mean revenue of year t. Revenue is rounded to 0.01 (100 million yuan)
as a yearbook prints it; ``cul`` in the file is recomputed from the rounded revenue
with :func:`geoproc.agglomeration_index`, so it equals revenue over the yearly mean
exactly and differs from the simulated y by at most ``max_abs_rounding_error`` in
the truth file (about 1e-5, far below sigma).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "demo"
SEED = 20240601
YEARS = list(range(2013, 2022))
YRD_YEARS = list(range(2015, 2020))

PROVINCES_CSV = "provinces_panel_synthetic.csv"
TRUTH_JSON = "provinces_panel_synthetic_truth.json"
YRD_CSV = "yrd_cities_panel_synthetic.csv"

# ---------------------------------------------------------------------------- inputs
# code -> (population 2013 in 10k, GDP 2013 in 100 million yuan, urbanisation 2013 %,
#          R&D staff 2013 in 10k full-time-equivalent person-years); rounded public
#          yearbook magnitudes, used only as starting levels of the simulation.
PROVINCE_BASE: dict[int, tuple[float, float, float, float]] = {
    110000: (2115, 19800, 86.3, 24.2), 120000: (1472, 14442, 82.0, 10.0),
    130000: (7333, 28443, 48.1, 8.6), 140000: (3630, 12665, 52.6, 4.7),
    150000: (2498, 16916, 58.7, 3.5), 210000: (4390, 27213, 66.5, 8.8),
    220000: (2751, 12981, 54.2, 4.8), 230000: (3835, 14454, 57.4, 6.0),
    310000: (2415, 21818, 89.6, 16.6), 320000: (7939, 59753, 64.1, 46.6),
    330000: (5498, 37757, 64.0, 32.8), 340000: (6030, 19039, 47.9, 10.3),
    350000: (3774, 21868, 60.8, 10.6), 360000: (4522, 14410, 48.9, 3.9),
    370000: (9733, 55230, 53.8, 26.9), 410000: (9413, 32191, 43.8, 15.3),
    420000: (5799, 24791, 54.5, 12.2), 430000: (6691, 24622, 48.0, 9.8),
    440000: (10644, 62475, 67.8, 50.2), 450000: (4719, 14450, 44.8, 3.7),
    460000: (895, 3178, 52.7, 0.7), 500000: (2970, 12657, 58.3, 4.0),
    510000: (8107, 26392, 44.9, 10.8), 520000: (3502, 8087, 37.8, 1.9),
    530000: (4687, 11832, 40.5, 2.6), 540000: (312, 816, 23.7, 0.12),
    610000: (3764, 16205, 51.3, 9.0), 620000: (2582, 6331, 40.1, 2.6),
    630000: (578, 2122, 48.5, 0.5), 640000: (654, 2578, 52.0, 0.8),
    650000: (2264, 8444, 44.5, 1.5),
}

# The nine digital-technology indicators of METHODS §3 (column -> unit), in three groups.
DIGITAL_INDICATORS: dict[str, str] = {
    "internet_penetration": "% of population",
    "mobile_penetration": "mobile phones per 100 people",
    "telecom_volume_gdp": "telecom business volume / GDP, %",
    "broadband_subscribers": "10k subscribers",
    "broadband_ports": "10k ports",
    "software_it_employment_share": "% of urban employment",
    "ecommerce_firm_share": "% of enterprises with e-commerce trading",
    "patents_granted": "patents granted",
    "rd_gdp": "R&D expenditure / GDP, %",
}
# The five cultural-resource indicators of the entropy-weight endowment index.
RESOURCE_INDICATORS: dict[str, str] = {
    "relics_per_km2": "immovable cultural relics per km2",
    "library_books_per_head": "public-library volumes per person",
    "a_grade_scenic_spots": "A-grade scenic spots",
    "cultural_venues": "museums, libraries and cultural centres",
    "intangible_heritage_items": "national intangible cultural heritage items",
}
# SDM regressors (columns of the panel) and the true coefficients.
# dig: the published two-way FE SDM (METHODS §7); controls: modest values of our choosing.
REGRESSORS = [
    "dig", "cultural_demand", "resource_endowment", "policy_support",
    "fiscal_support", "gdp_per_capita", "urbanisation",
]
RHO = -0.468
BETA = {"dig": -0.338, "cultural_demand": 0.25, "resource_endowment": 0.40, "policy_support": 0.004,
        "fiscal_support": 0.001, "gdp_per_capita": 0.03, "urbanisation": 0.006}
THETA = {"dig": 1.276, "cultural_demand": -0.10, "resource_endowment": 0.20, "policy_support": -0.002,
         "fiscal_support": 0.0005, "gdp_per_capita": -0.02, "urbanisation": 0.004}
SIGMA = 0.04
# The baseline agglomeration index is CUL_FLOOR or more in every province, and every
# simulated cul is CUL_MIN or more (so revenue is positive); see make_provinces_panel.
CUL_FLOOR = 0.15
CUL_MIN = 0.05
WEIGHTS_SPEC = "gravity:rd_staff"

# YRD cities: code -> (GDP 2018 in 100 million yuan, cultural value-added share of GDP 2018).
# The nine METHODS §7 names (LQ > 1 in 2018) get shares above the YRD-wide share, the
# others below it; the script checks that this holds after the noise.
YRD_BASE: dict[int, tuple[float, float]] = {
    310000: (32680, 0.065),
    320100: (12820, 0.063), 320200: (11439, 0.046), 320300: (6755, 0.034), 320400: (7050, 0.045),
    320500: (18597, 0.048), 320600: (8427, 0.036), 320700: (2772, 0.030), 320800: (3601, 0.031),
    320900: (5487, 0.029), 321000: (5466, 0.040), 321100: (4050, 0.037), 321200: (5108, 0.033),
    321300: (2750, 0.028),
    330100: (13509, 0.125), 330200: (10746, 0.047), 330300: (6006, 0.044), 330400: (4872, 0.043),
    330500: (2719, 0.041), 330600: (5417, 0.045), 330700: (4100, 0.072), 330800: (1471, 0.035),
    330900: (1317, 0.038), 331000: (4874, 0.040), 331100: (1395, 0.042),
    340100: (7823, 0.060), 340200: (3279, 0.044), 340300: (1714, 0.061), 340400: (1134, 0.027),
    340500: (1918, 0.030), 340600: (985, 0.026), 340700: (1222, 0.028), 340800: (1918, 0.036),
    341000: (678, 0.068), 341100: (1802, 0.075), 341200: (1759, 0.070), 341300: (1630, 0.032),
    341500: (1288, 0.034), 341600: (1277, 0.033), 341700: (685, 0.039), 341800: (1317, 0.038),
}
# Hangzhou, Chuzhou, Jinhua, Fuyang, Shanghai, Huangshan, Nanjing, Bengbu, Hefei
YRD_LQ_ABOVE_ONE_2018 = {330100, 341100, 330700, 341200, 310000, 341000, 320100, 340300, 340100}

WeightsBuilder = Callable[[Any, pd.DataFrame], Any]


# ---------------------------------------------------------------------------- helpers
def sdm_outcome(
    w: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
    theta: np.ndarray,
    rho: float,
    mu: np.ndarray,
    eps: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate y (T x N) from the SDM with the time effects that make each year's mean 1.

    ``x`` is T x N x K. For row-standardised ``w``, ``(I - rho W)^-1 1 = 1/(1 - rho) 1``,
    so lambda_t = (1 - mean(y0_t)) (1 - rho), y0 being the outcome with lambda = 0.
    Returns ``(y, lam)``.
    """
    n = w.shape[0]
    if not np.allclose(w.sum(axis=1), 1.0, atol=1e-12):
        raise ValueError("W must be row-standardised (every row summing to 1)")
    a = np.eye(n) - rho * w
    t_len = x.shape[0]
    y = np.empty((t_len, n))
    lam = np.empty(t_len)
    for t in range(t_len):
        rhs = x[t] @ beta + (w @ x[t]) @ theta + mu + eps[t]
        y0 = np.linalg.solve(a, rhs)
        lam[t] = (1.0 - y0.mean()) * (1.0 - rho)
        y[t] = np.linalg.solve(a, rhs + lam[t])
    return y, lam


def _lognormal(rng: np.random.Generator, sd: float, size: Any) -> np.ndarray:
    """Mean-one multiplicative noise."""
    return np.exp(rng.normal(-0.5 * sd * sd, sd, size))


def gravity_builder(regions: Any, panel: pd.DataFrame) -> Any:
    """The W of the truth file: geoproc's R&D-staff gravity weights, period-mean masses, row-standardised."""
    import geoproc

    return geoproc.build_weights(
        WEIGHTS_SPEC, regions, data=panel, data_id="code", year_column="year", row_standardize=True
    )


def _fingerprint(w: np.ndarray) -> dict[str, Any]:
    """Enough of W for anyone rebuilding it to check they have the same matrix."""
    return {
        "n": int(w.shape[0]),
        "frobenius_norm": float(np.linalg.norm(w)),
        "max": float(w.max()),
        "sha256_of_values_rounded_1e-12": hashlib.sha256(np.round(w, 12).tobytes()).hexdigest(),
    }


# ---------------------------------------------------------------------------- provinces
def make_provinces_panel(
    regions: Any,
    seed: int = SEED,
    weights_builder: WeightsBuilder = gravity_builder,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Simulate the provinces panel; return ``(panel, truth)``.

    ``regions`` needs columns ``code``, ``name_zh``, ``name_en`` (and a geometry for
    the weights builder); codes missing from :data:`PROVINCE_BASE` are an error.
    """
    import geoproc

    rng = np.random.default_rng(seed)
    reg = pd.DataFrame(regions[["code", "name_zh", "name_en"]]).sort_values("code").reset_index(drop=True)
    codes = reg["code"].astype(int).tolist()
    unknown = sorted(set(codes) - set(PROVINCE_BASE))
    if unknown:
        raise ValueError(f"no base figures for province codes {unknown}")
    n, t_len = len(codes), len(YEARS)
    base = np.array([PROVINCE_BASE[c] for c in codes], dtype=float)
    pop0, gdp0, urb0, rd0 = base.T
    tt = np.arange(t_len)[:, None]  # years since 2013, T x 1

    # size and income paths (T x N)
    pop = pop0 * (1 + rng.normal(0.004, 0.004, n)) ** tt
    gdp = gdp0 * (1 + rng.normal(0.075, 0.015, n)) ** tt * _lognormal(rng, 0.01, (t_len, n))
    gdppc = gdp / pop  # 10k yuan per person (100 million yuan / 10k persons)
    urb = np.minimum(urb0 + rng.uniform(0.8, 1.5, n) * tt + rng.normal(0, 0.15, (t_len, n)), 90.0)
    rd_staff = np.round(rd0 * 1e4 * (1 + rng.normal(0.045, 0.005, n)) ** tt * _lognormal(rng, 0.02, (t_len, n)))
    # R&D expenditure (100 million yuan): staff x spending per FTE (about 336k yuan in 2013, +4.8 %/yr)
    per_staff = 33.6 * 1.03**tt * _lognormal(rng, 0.25, n)  # 10k yuan
    rd_exp = rd_staff * per_staff / 1e4
    # R&D capital stock by perpetual inventory, depreciation 15 %, initial K = E / (g + delta)
    rd_cap = np.empty_like(rd_exp)
    rd_cap[0] = rd_exp[0] / (0.10 + 0.15)
    for t in range(1, t_len):
        rd_cap[t] = 0.85 * rd_cap[t - 1] + rd_exp[t]

    # digital level: log income, a province-specific trend and noise
    z = (np.log(gdppc[0]) - np.log(gdppc[0]).mean()) / np.log(gdppc[0]).std()
    slope = rng.normal(0.06, 0.005, n)
    latent = z + slope * tt + rng.normal(0, 0.05, (t_len, n))
    subs = pop * np.clip(0.18 + 0.04 * latent, 0.03, 0.5) * _lognormal(rng, 0.03, (t_len, n))
    digital = {
        "internet_penetration": np.round(np.clip(46 + 10 * latent + rng.normal(0, 2, (t_len, n)), 15, 97), 1),
        "mobile_penetration": np.round(np.clip(90 + 16 * latent + rng.normal(0, 4, (t_len, n)), 55, 200), 1),
        "telecom_volume_gdp": np.round(
            np.exp(np.log(3.0) + 0.2 * z + 0.04 * tt + rng.normal(0, 0.05, (t_len, n))), 2
        ),
        "broadband_subscribers": np.round(subs, 1),
        "broadband_ports": np.round(subs * (1.8 + 0.15 * latent) * _lognormal(rng, 0.06, (t_len, n)), 1),
        "software_it_employment_share": np.round(
            np.exp(np.log(1.8) + 0.45 * z + 0.03 * tt + rng.normal(0, 0.06, (t_len, n))), 2
        ),
        "ecommerce_firm_share": np.round(np.clip(8 + 2.0 * latent + rng.normal(0, 0.8, (t_len, n)), 1, 30), 1),
        "patents_granted": np.round(rd_staff * 0.37 * 1.01**tt * _lognormal(rng, 0.2, n)),
        "rd_gdp": np.round(100 * rd_exp / gdp, 2),
    }
    resources = {
        "relics_per_km2": np.round(
            np.exp(rng.normal(np.log(0.08), 0.9, n)) * (1 + 0.005 * tt), 4
        ),
        "library_books_per_head": np.round(
            np.exp(np.log(0.6) + 0.35 * z + rng.normal(0, 0.15, n)) * 1.05**tt, 2
        ),
        "a_grade_scenic_spots": np.round(pop0 / 20 * _lognormal(rng, 0.3, n) * 1.04**tt),
        "cultural_venues": np.round(pop0 / 5 * _lognormal(rng, 0.25, n) * 1.02**tt),
        # national lists were extended in 2014 and 2021: steps, not a trend
        "intangible_heritage_items": np.round(
            np.exp(rng.normal(np.log(60), 0.55, n))
            * np.where(np.array(YEARS)[:, None] >= 2014, 1.15, 1.0)
            * np.where(np.array(YEARS)[:, None] >= 2021, 1.1, 1.0)
        ),
    }
    demand = np.round(np.exp(0.3 * z + rng.normal(0, 0.1, n) + rng.normal(0, 0.04, (t_len, n))), 3)
    policy = rng.poisson(np.exp(np.log(9) + 0.25 * z + 0.06 * tt), (t_len, n)).astype(float)
    fiscal = np.round(8 + gdp * 0.0035 * _lognormal(rng, 0.3, n) * _lognormal(rng, 0.05, (t_len, n)), 2)

    long = {
        "code": np.tile(codes, t_len),
        "name_zh": np.tile(reg["name_zh"].to_numpy(), t_len),
        "name_en": np.tile(reg["name_en"].to_numpy(), t_len),
        "year": np.repeat(YEARS, n),
    }
    panel = pd.DataFrame(long)
    panel["rd_staff"] = rd_staff.ravel()
    panel["rd_capital"] = np.round(rd_cap, 2).ravel()
    for k, v in digital.items():
        panel[k] = v.ravel()
    panel["dig"], dig_fit = geoproc.pca_index(panel, list(DIGITAL_INDICATORS), "first", name="dig")
    for k, v in resources.items():
        panel[k] = v.ravel()
    panel["resource_endowment"], res_fit = geoproc.entropy_weight_index(
        panel, list(RESOURCE_INDICATORS), name="resource_endowment"
    )
    panel["cultural_demand"] = demand.ravel()
    panel["policy_support"] = policy.ravel()
    panel["fiscal_support"] = fiscal.ravel()
    panel["gdp_per_capita"] = np.round(gdppc, 3).ravel()
    panel["urbanisation"] = np.round(urb, 2).ravel()

    w_obj = weights_builder(regions, panel)
    w_obj = w_obj.align(codes, what="provinces") if hasattr(w_obj, "align") else w_obj
    w = w_obj.full() if hasattr(w_obj, "full") else np.asarray(w_obj, dtype=float)

    x = np.stack([panel[c].to_numpy().reshape(t_len, n) for c in REGRESSORS], axis=2)  # T x N x K
    beta = np.array([BETA[c] for c in REGRESSORS])
    theta = np.array([THETA[c] for c in REGRESSORS])
    # Region effects. With mu = (I - rho W) c - (Xbar beta + W Xbar theta), Xbar the period
    # means, and lambda_t normalising each year's mean to 1, the outcome is
    # y_it = c_i + dev_it, where dev_it (the response to X_t - Xbar and eps_t, centred
    # each year) does not depend on c. So we draw dev first and then pick the baseline
    # c_i = a + (1 - a) size_i (size: GDP^1.2 with noise, mean 1) with the smallest
    # a >= CUL_FLOOR that keeps every y_it >= CUL_MIN. Fixed effects may take any value,
    # so choosing them after the draws does not bias the fixed-effects estimator.
    a_mat = np.eye(n) - RHO * w
    xbar = x.mean(axis=0)
    eps = rng.normal(0.0, SIGMA, (t_len, n))
    dev = np.stack([
        np.linalg.solve(a_mat, (x[t] - xbar) @ beta + (w @ (x[t] - xbar)) @ theta + eps[t])
        for t in range(t_len)
    ])
    dev -= dev.mean(axis=1, keepdims=True)
    size = gdp0**1.2 * _lognormal(rng, 0.2, n)
    size /= size.mean()
    low = dev.min(axis=0)
    small = size < 1
    need = (CUL_MIN - size[small] - low[small]) / (1 - size[small])
    a0 = max(CUL_FLOOR, float(need.max()) if need.size else 0.0)
    if a0 >= 0.9:
        raise RuntimeError(f"cannot keep cul positive (baseline floor {a0:.2f}); change the seed")
    c_base = a0 + (1 - a0) * size
    mu = a_mat @ c_base - (xbar @ beta + (w @ xbar) @ theta)
    y, lam = sdm_outcome(w, x, beta, theta, RHO, mu, eps)
    if not np.allclose(y, c_base + dev, atol=1e-9) or (y < CUL_MIN - 1e-9).any():
        raise RuntimeError("internal check failed: simulated cul differs from baseline + deviation")

    scale = 1935.0 * 1.082**np.arange(t_len) * _lognormal(rng, 0.01, t_len)  # national mean revenue
    panel["cultural_revenue"] = np.round(y * scale[:, None], 2).ravel()
    panel["cul"] = geoproc.agglomeration_index(panel, "cultural_revenue", name="cul")
    rounding = float(np.abs(panel["cul"].to_numpy() - y.ravel()).max())
    panel["source"] = "synthetic"

    order = (
        ["code", "name_zh", "name_en", "year", "source", "cultural_revenue", "cul", "rd_staff", "rd_capital"]
        + list(DIGITAL_INDICATORS) + ["dig", "cultural_demand"] + list(RESOURCE_INDICATORS)
        + ["resource_endowment", "policy_support", "fiscal_support", "gdp_per_capita", "urbanisation"]
    )
    panel = panel[order]
    counts = ["rd_staff", "patents_granted", "a_grade_scenic_spots", "cultural_venues",
              "intangible_heritage_items", "policy_support"]
    panel = panel.astype({c: np.int64 for c in counts})  # counts print as 17, not 17.0
    truth = {
        "note": "SYNTHETIC data: true parameters of the process that generated cul in "
        f"{PROVINCES_CSV}. Made by scripts/make_demo_panels.py.",
        "seed": seed,
        "model": "two-way fixed-effects spatial Durbin model, per year t: "
        "y_t = (I - rho W)^-1 (X_t beta + W X_t theta + mu + lambda_t 1 + eps_t), eps ~ N(0, sigma^2 I)",
        "y": "cul",
        "x": REGRESSORS,
        "rho": RHO,
        "beta": BETA,
        "theta": THETA,
        "sigma2": SIGMA**2,
        "n_regions": n,
        "years": YEARS,
        "weights": {
            "spec": WEIGHTS_SPEC,
            "how": "geoproc.build_weights('gravity:rd_staff', geoproc.load_boundaries('china_provinces'), "
            "data=panel, data_id='code', year_column='year', row_standardize=True): "
            "w_ij = M_i M_j / d_ij^2 with M the 2013-2021 mean of rd_staff and d_ij the geodesic "
            "distance (km) between area centroids, then row-standardised",
            "meta": {k: (v if isinstance(v, str | int | float | bool) else str(v))
                     for k, v in getattr(w_obj, "meta", {}).items()},
            "fingerprint": _fingerprint(w),
            "order": "rows and columns in ascending code",
        },
        "mu": {str(c): float(m) for c, m in zip(codes, mu, strict=True)},
        "lambda": {str(t): float(v) for t, v in zip(YEARS, lam, strict=True)},
        "time_effects_rule": "lambda_t chosen so that the yearly mean of y is exactly 1",
        "region_effects_rule": "mu = (I - rho W) c - (Xbar beta + W Xbar theta), Xbar the period means "
        "of X, c_i = a + (1 - a) * size_i the baseline cul (size: GDP^1.2 with noise, mean 1) with "
        f"the smallest a >= {CUL_FLOOR} keeping every cul >= {CUL_MIN}",
        "baseline_floor_a": a0,
        "revenue_scale": {str(t): float(s) for t, s in zip(YEARS, scale, strict=True)},
        "revenue": "cultural_revenue = round(y * revenue_scale[year], 2); "
        "cul = cultural_revenue / mean over provinces of cultural_revenue that year",
        "max_abs_rounding_error": rounding,
        "dig": {
            "how": "geoproc.pca_index(panel, nine digital indicators, 'first'), pooled over all province-years",
            "explained_variance_ratio_pc1": float(dig_fit.explained_variance_ratio.iloc[0]),
        },
        "resource_endowment": {
            "how": "geoproc.entropy_weight_index(panel, five resource indicators), pooled, 0 ln 0 = 0",
            "weights": {k: float(v) for k, v in res_fit.weights.items()},
        },
        "true_effects": _effects(w, beta, theta, RHO),
    }
    return panel, truth


def _effects(w: np.ndarray, beta: np.ndarray, theta: np.ndarray, rho: float) -> dict[str, dict[str, float]]:
    """LeSage-Pace direct / indirect / total effects implied by the true parameters and W."""
    n = w.shape[0]
    inv = np.linalg.inv(np.eye(n) - rho * w)
    out = {}
    for k, name in enumerate(REGRESSORS):
        s = inv @ (np.eye(n) * beta[k] + w * theta[k])
        direct = float(np.trace(s) / n)
        total = float(s.sum() / n)
        out[name] = {"direct": direct, "indirect": total - direct, "total": total}
    return out


# ---------------------------------------------------------------------------- YRD cities
def make_yrd_panel(cities: Any, seed: int = SEED) -> pd.DataFrame:
    """Simulate the YRD city panel: cultural value added and GDP, 2015-2019."""
    import geoproc

    rng = np.random.default_rng(seed + 1)
    reg = pd.DataFrame(cities[["code", "name_zh", "name_en"]]).sort_values("code").reset_index(drop=True)
    codes = reg["code"].astype(int).tolist()
    unknown = sorted(set(codes) - set(YRD_BASE))
    if unknown:
        raise ValueError(f"no base figures for YRD city codes {unknown}")
    n, t_len = len(codes), len(YRD_YEARS)
    gdp18, share18 = np.array([YRD_BASE[c] for c in codes], dtype=float).T
    k18 = YRD_YEARS.index(2018)
    tt = np.arange(t_len)[:, None] - k18
    gdp = np.round(gdp18 * (1 + rng.normal(0.075, 0.012, n)) ** tt * _lognormal(rng, 0.01, (t_len, n)), 2)
    share = share18 * (1 + rng.normal(0.01, 0.01, n)) ** tt * _lognormal(rng, 0.02, (t_len, n))
    va = np.round(gdp * share, 2)
    panel = pd.DataFrame(
        {
            "code": np.tile(codes, t_len),
            "name_zh": np.tile(reg["name_zh"].to_numpy(), t_len),
            "name_en": np.tile(reg["name_en"].to_numpy(), t_len),
            "year": np.repeat(YRD_YEARS, n),
            "source": "synthetic",
            "cultural_value_added": va.ravel(),
            "gdp": gdp.ravel(),
        }
    )
    lq = geoproc.location_quotient(panel, "cultural_value_added", "gdp")
    above = set(panel.loc[(panel["year"] == 2018) & (lq > 1), "code"].astype(int))
    if above != YRD_LQ_ABOVE_ONE_2018:
        raise RuntimeError(f"2018 LQ > 1 cities {sorted(above)} differ from {sorted(YRD_LQ_ABOVE_ONE_2018)}")
    return panel


# ---------------------------------------------------------------------------- main
def write_outputs(out: Path, panel: pd.DataFrame, truth: dict, yrd: pd.DataFrame, overwrite: bool) -> None:
    from geoproc.outputs import atomic_output

    with atomic_output(out / PROVINCES_CSV, overwrite) as tmp:
        panel.to_csv(tmp, index=False, lineterminator="\n")
    with atomic_output(out / TRUTH_JSON, overwrite) as tmp:
        tmp.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with atomic_output(out / YRD_CSV, overwrite) as tmp:
        yrd.to_csv(tmp, index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(OUT), help="output folder (default data/demo)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)

    import geoproc

    provinces = geoproc.load_boundaries("china_provinces")
    cities = geoproc.load_boundaries("yrd_cities")
    panel, truth = make_provinces_panel(provinces, seed=args.seed)
    yrd = make_yrd_panel(cities, seed=args.seed)
    write_outputs(Path(args.out), panel, truth, yrd, args.overwrite)
    print(f"wrote {args.out}: {PROVINCES_CSV} {panel.shape}, {TRUTH_JSON}, {YRD_CSV} {yrd.shape}")
    print(f"  min cul {panel['cul'].min():.3f}, max cul {panel['cul'].max():.3f}, "
          f"rounding error {truth['max_abs_rounding_error']:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
