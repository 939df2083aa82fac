"""Specification tests of the spatial Durbin model (Elhorst 2014, ch. 3.5; LeSage and Pace 2009).

* SDM -> SAR: H0 theta = 0 (LR from the restricted SAR fit; Wald from the SDM fit).
* SDM -> SEM: H0 theta = -rho beta, the common-factor restriction (LR from the SEM fit;
  nonlinear Wald with the delta method).
* Hausman: fixed against random effects on (beta, theta, rho).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc  # chi2 survival; scipy.stats is slow to import

__all__ = ["TestStat", "hausman", "lr_test", "wald_common_factor", "wald_zero"]


@dataclass(frozen=True)
class TestStat:
    """A chi-squared test: statistic, degrees of freedom, p-value."""

    stat: float
    df: int
    p: float
    name: str = ""

    def to_dict(self) -> dict:
        def clean(v: float) -> float | None:
            return None if v is None or not np.isfinite(v) else float(v)

        return {"stat": clean(self.stat), "df": int(self.df), "p": clean(self.p)}

    @classmethod
    def chi2(cls, stat: float, df: int, name: str = "") -> TestStat:
        stat = float(stat)
        p = float(chdtrc(df, stat)) if np.isfinite(stat) and df > 0 else float("nan")
        return cls(stat, int(df), p, name)

    @classmethod
    def missing(cls, name: str = "", df: int = 0) -> TestStat:
        return cls(float("nan"), df, float("nan"), name)


def lr_test(loglik_unrestricted: float, loglik_restricted: float, df: int, name: str = "") -> TestStat:
    """LR = 2 (logL_u - logL_r) ~ chi2(df)."""
    return TestStat.chi2(2.0 * (loglik_unrestricted - loglik_restricted), df, name)


def wald_zero(theta: np.ndarray, cov_theta: np.ndarray, name: str = "") -> TestStat:
    """W = theta' V^-1 theta ~ chi2(K)."""
    theta = np.asarray(theta, dtype=float)
    return TestStat.chi2(float(theta @ np.linalg.solve(cov_theta, theta)), len(theta), name)


def wald_common_factor(beta: np.ndarray, theta: np.ndarray, rho: float, cov: np.ndarray,
                       name: str = "") -> TestStat:
    """Wald of theta + rho beta = 0 with the delta method.

    ``cov`` is the covariance of ``[beta, theta, rho]``; the Jacobian of
    g = theta + rho beta is [rho I, I, beta].
    """
    beta = np.asarray(beta, dtype=float)
    theta = np.asarray(theta, dtype=float)
    K = len(beta)
    g = theta + rho * beta
    J = np.hstack([rho * np.eye(K), np.eye(K), beta[:, None]])
    V = J @ cov @ J.T
    return TestStat.chi2(float(g @ np.linalg.solve(V, g)), K, name)


def hausman(b_fe: np.ndarray, v_fe: np.ndarray, b_re: np.ndarray, v_re: np.ndarray,
            name: str = "hausman") -> TestStat:
    """H = d' (V_FE - V_RE)^+ d, df = rank of V_FE - V_RE (Moore-Penrose if not definite)."""
    d = np.asarray(b_fe, dtype=float) - np.asarray(b_re, dtype=float)
    V = np.asarray(v_fe) - np.asarray(v_re)
    V = (V + V.T) / 2
    vals, vecs = np.linalg.eigh(V)
    keep = vals > 1e-12 * max(1.0, float(np.max(np.abs(vals))))
    inv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
    return TestStat.chi2(float(d @ inv @ d), int(keep.sum()), name)
