"""Direct, indirect and total effects (LeSage and Pace 2009, ch. 2.7) with simulated inference.

For regressor k, S_k = (I - rho W)^-1 (beta_k I + theta_k W):

* direct   = tr(S_k) / N = beta_k a(rho) + theta_k b(rho),
  a(rho) = tr((I - rho W)^-1)/N, b(rho) = tr((I - rho W)^-1 W)/N;
* total    = 1'S_k 1 / N = beta_k c1(rho) + theta_k c2(rho), which is
  (beta_k + theta_k) / (1 - rho) for row-standardised W without islands;
* indirect = total - direct.

theta_k enters the direct effect through b(rho) (feedback through the neighbours); spreg 1.9
counts all of theta as indirect, which is wrong whenever rho != 0.

Inference: ``draws`` parameter vectors from the estimated asymptotic normal distribution of
(beta, theta, rho) (draws of rho outside its feasible interval are redrawn); the standard
error is the standard deviation of the simulated effects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr  # scipy.stats takes seconds to import

from geoproc.durbin.logdet import SpatialOperator

__all__ = ["DRAWS", "effects_table", "effect_values"]

DRAWS = 1000


def effect_values(op: SpatialOperator, rho: np.ndarray, beta: np.ndarray,
                  theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Direct, indirect, total for each row of (rho, beta, theta).

    ``rho`` has shape (m,), ``beta`` and ``theta`` (m, K); returns three (m, K) arrays.
    ``rho`` may be zero (SLX): then a = 1, b = tr(W)/N and c1 = 1, c2 = 1'W1/N.
    """
    rho = np.atleast_1d(np.asarray(rho, dtype=float))
    trg = op.trace_G(rho)  # one evaluation serves a and b
    b = (trg / op.n)[:, None]
    a = 1.0 + rho[:, None] * b  # (I - rho W)^-1 = I + rho G
    c1, c2 = op.sum_B(rho)
    direct = beta * a + theta * b
    total = beta * c1[:, None] + theta * c2[:, None]
    return direct, total - direct, total


def effects_table(op: SpatialOperator, names: list[str], rho: float, beta: np.ndarray,
                  theta: np.ndarray, cov: np.ndarray, draws: int = DRAWS,
                  seed: int | None = None, bounds: tuple[float, float] | None = None,
                  ) -> pd.DataFrame:
    """Effects with simulated standard errors.

    Parameters
    ----------
    op : SpatialOperator
    names : list of str
        Regressor names (one per element of ``beta``).
    rho, beta, theta :
        Point estimates (theta zeros where a regressor has no W x term or for SAR).
    cov : array
        Covariance of the vector ``[beta, theta, rho]`` (2K + 1 square). Rows/columns of
        fixed-at-zero theta (SAR) or rho (SLX) must be zero.
    draws : int
        Number of simulated parameter vectors; 0 skips inference.
    seed : int, optional
        Seed of the generator (``numpy.random.default_rng``).

    Returns
    -------
    DataFrame indexed by regressor with columns direct, indirect, total, then ``*_se``,
    ``*_z``, ``*_p`` and ``*_mean`` (mean over draws).
    """
    beta = np.asarray(beta, dtype=float)
    theta = np.asarray(theta, dtype=float)
    K = len(beta)
    d, i, t = effect_values(op, np.array([rho]), beta[None, :], theta[None, :])
    out = pd.DataFrame({"direct": d[0], "indirect": i[0], "total": t[0]},
                       index=pd.Index(names, name="variable"))
    if draws and draws > 0:
        from geoproc.resources import check_draws

        check_draws(int(draws), 2 * K + 1)  # the draws and their effects must fit in memory
        rng = np.random.default_rng(seed)
        mean = np.concatenate([beta, theta, [rho]])
        # eigh-based factor: works for the singular covariances of SAR/SLX (zero rows)
        vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
        L = vecs * np.sqrt(np.clip(vals, 0, None))
        sims = np.empty((0, 2 * K + 1))
        for _ in range(100):
            z = rng.standard_normal((draws, 2 * K + 1))
            s = mean + z @ L.T
            lo, hi = bounds if bounds is not None else op.safe_bounds
            if bounds is None and not np.all((s[:, -1] > lo) & (s[:, -1] < hi)):
                lo, hi = op.bounds  # exact interval only when a draw leaves the safe one
            s = s[(s[:, -1] > lo) & (s[:, -1] < hi)]
            sims = np.vstack([sims, s])
            if len(sims) >= draws:
                break
        sims = sims[:draws]
        sd, si, st = effect_values(op, sims[:, -1], sims[:, :K], sims[:, K:2 * K])
        add_draw_stats(out, (sd, si, st))
    return out


def add_draw_stats(out: pd.DataFrame, sims: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Add ``*_se``, ``*_z``, ``*_p`` and ``*_mean`` columns to an effects table in place.

    ``sims`` holds the simulated direct, indirect and total effects (draws x variables); the
    standard error is their spread, z the point estimate in ``out`` over it (normal p-value).
    Shared by the static and the dynamic (short- and long-run) effects.
    """
    for name, arr in zip(("direct", "indirect", "total"), sims, strict=True):
        se = arr.std(axis=0, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = out[name].to_numpy() / se
        out[f"{name}_se"] = se
        out[f"{name}_z"] = z
        out[f"{name}_p"] = 2 * ndtr(-np.abs(z))
        out[f"{name}_mean"] = arr.mean(axis=0)
