"""Short- and long-run effects of a dynamic spatial panel, with simulated inference.

Debarsy, Ertur and LeSage (2012, *Spatial Statistics*); Elhorst (2014, *Spatial
Econometrics*, sec. 4.5). For regressor k:

* short run:  (I - rho W)^-1 (beta_k I + theta_k W);
* long run:   ((1 - tau) I - (rho + psi) W)^-1 (beta_k I + theta_k W)
            = (I - c W)^-1 (beta_k I + theta_k W) / (1 - tau),  c = (rho + psi) / (1 - tau),

so the long-run effects are the static LeSage-Pace effects at the spatial parameter c with
the coefficients divided by 1 - tau (:func:`geoproc.durbin.effects.effect_values`, exact
traces on both log-determinant paths). Direct = mean diagonal, total = mean row sum,
indirect = total - direct.

Inference: ``draws`` parameter vectors from N(estimate, covariance) of the (bias-corrected)
estimator; draws with rho outside its feasible interval, or a non-stationary long-run
multiplier (1 - tau <= 0 or c outside the feasible interval), are redrawn. Point estimates are
at the estimate (SDPDmod reports the mean of its draws instead; both are in the table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoproc.durbin.dynamic import DynamicFit
from geoproc.durbin.effects import DRAWS, add_draw_stats, effect_values
from geoproc.durbin.logdet import SpatialOperator

__all__ = ["dynamic_effects", "long_run_values", "short_run_values"]


def short_run_values(op: SpatialOperator, rho, beta, theta):
    """Short-run (direct, indirect, total), each (m, K), for rows of (rho, beta, theta)."""
    return effect_values(op, rho, beta, theta)


def long_run_values(op: SpatialOperator, rho, tau, psi, beta, theta):
    """Long-run (direct, indirect, total), each (m, K): static effects at c, scaled."""
    rho, tau, psi = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (rho, tau, psi))
    a = 1.0 - tau
    c = (rho + psi) / a
    return effect_values(op, c, beta / a[:, None], theta / a[:, None])


def _full_theta(fit: DynamicFit) -> np.ndarray:
    K = len(fit.x_names)
    th = np.zeros(K)
    th[[fit.x_names.index(v) for v in fit.wx_names]] = fit.theta
    return th


def _draws(fit: DynamicFit, op: SpatialOperator, draws: int, seed,
           stationary: bool = True) -> np.ndarray:
    """Accepted parameter draws as rows [tau, psi, beta (K), theta (K), rho]."""
    names = fit.names
    K = len(fit.x_names)
    p = len(names)
    idx_rho = p
    cov = fit.cov[: p + 1, : p + 1]
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    L = vecs * np.sqrt(np.clip(vals, 0, None))
    mean = fit.params[: p + 1]
    lo, hi = op.bounds
    lag = [v for v in ("tau", "psi") if v in names]
    wx_pos = [K + fit.x_names.index(v) for v in fit.wx_names]
    rng = np.random.default_rng(seed)
    out = np.empty((0, 2 * K + 3))
    for _ in range(100):
        s = mean + rng.standard_normal((draws, p + 1)) @ L.T
        rows = np.zeros((draws, 2 * K + 3))
        for j, v in enumerate(lag):
            rows[:, ("tau", "psi").index(v)] = s[:, j]
        rows[:, 2:2 + K] = s[:, len(lag):len(lag) + K]
        rows[:, [2 + q for q in wx_pos]] = s[:, len(lag) + K:p]
        rows[:, -1] = s[:, idx_rho]
        a = 1.0 - rows[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = (rows[:, -1] + rows[:, 1]) / a
        ok = (rows[:, -1] > lo) & (rows[:, -1] < hi)
        if stationary:  # the long-run multiplier must exist in every draw
            ok &= (a > 0) & (c > lo) & (c < hi)
        out = np.vstack([out, rows[ok]])
        if len(out) >= draws:
            break
    return out[:draws]


def dynamic_effects(fit: DynamicFit, op: SpatialOperator, draws: int = DRAWS,
                    seed: int | None = None) -> dict[str, pd.DataFrame]:
    """Short- and long-run direct, indirect and total effects of each regressor.

    Parameters
    ----------
    fit : DynamicFit
    op : SpatialOperator
        For the same W as the fit.
    draws : int
        Simulated parameter vectors for the standard errors (0: none).
    seed : int, optional

    Returns
    -------
    dict
        ``{"short_run": DataFrame, "long_run": DataFrame}`` indexed by regressor with columns
        direct, indirect, total and (with draws) ``*_se``, ``*_z``, ``*_p``, ``*_mean``.
        The long-run table is all NaN when the estimates are not stationary
        (``fit.stationarity``).
    """
    beta = fit.beta[None, :]
    theta = _full_theta(fit)[None, :]
    idx = pd.Index(fit.x_names, name="variable")
    point = {"short_run": short_run_values(op, np.array([fit.rho]), beta, theta)}
    stationary = fit.stationarity.ok and fit.tau < 1.0
    if stationary:
        point["long_run"] = long_run_values(op, fit.rho, fit.tau, fit.psi, beta, theta)
    tables = {}
    for key, (d, i, t) in point.items():
        tables[key] = pd.DataFrame({"direct": d[0], "indirect": i[0], "total": t[0]}, index=idx)
    if not stationary:
        nan = np.full(len(idx), np.nan)
        tables["long_run"] = pd.DataFrame({"direct": nan, "indirect": nan, "total": nan},
                                          index=idx)
    if not draws or draws <= 0:
        return tables
    K = len(fit.x_names)
    s = _draws(fit, op, draws, seed, stationary)
    sims = {"short_run": short_run_values(op, s[:, -1], s[:, 2:2 + K], s[:, 2 + K:2 + 2 * K])}
    if stationary:
        sims["long_run"] = long_run_values(op, s[:, -1], s[:, 0], s[:, 1], s[:, 2:2 + K],
                                           s[:, 2 + K:2 + 2 * K])
    for key, arrs in sims.items():
        add_draw_stats(tables[key], arrs)
    return tables
