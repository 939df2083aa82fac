"""Specification tests of the spatial Durbin model (Elhorst 2014, ch. 3.5; LeSage and Pace 2009).

* SDM -> SAR: H0 theta = 0 (LR from the restricted SAR fit; Wald from the SDM fit).
* SDM -> SEM: H0 theta = -rho beta, the common-factor restriction (LR from the SEM fit;
  nonlinear Wald with the delta method).
* Hausman: fixed against random effects on (beta, theta, rho).
* LM (robust) lag and error tests of the non-spatial fixed-effects model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc  # chi2 survival; scipy.stats is slow to import

__all__ = ["TestStat", "hausman", "lm_tests", "lr_test", "wald_common_factor", "wald_zero"]


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


def lm_tests(y: np.ndarray, X: np.ndarray, W) -> dict[str, TestStat]:
    """LM tests for a spatial lag or error in the non-spatial fixed-effects model.

    Elhorst's panel versions (``LMsarsem_panel``; Anselin, Le Gallo and Jayet 2008; Debarsy
    and Ertur 2010 for fixed effects), on the within-transformed data: e the OLS residuals of
    y on X, sigma^2 = e'e/NT, T_W = tr(W'W + W W), Wy and We per period,
    J = [(W X b)' M (W X b) + T T_W sigma^2] / sigma^2.

    The spatial lags here are lags *of the demeaned* y and X (W y~, W X~, as Elhorst's
    ``LMsarsem_panel``, which is given the demeaned data), unlike the estimator, which
    demeans the lags of the raw data ((W y)~). The two agree with region effects only
    (region demeaning runs over time and commutes with W); with time or two-way effects
    they differ unless W is doubly stochastic (rows and columns summing to one), so
    ``e'Wy`` is then not the score of the likelihood :func:`geoproc.sdm` maximises. Kept
    as Elhorst's, to reproduce his published statistics.

    * ``lm_lag``   = (e'Wy/sigma^2)^2 / J
    * ``lm_error`` = (e'We/sigma^2)^2 / (T T_W)
    * ``rlm_lag``  = (e'Wy/sigma^2 - e'We/sigma^2)^2 / (J - T T_W)
    * ``rlm_error`` = (e'We/sigma^2 - T T_W/J e'Wy/sigma^2)^2 / (T T_W (1 - T T_W / J))

    Parameters
    ----------
    y : (T, N) within-transformed y
    X : (T*N, K) within-transformed regressors (period-major rows)
    W : sparse N x N
        Lagged here, after the demeaning (see above).
    """
    T, N = y.shape
    yv = y.ravel()
    b = np.linalg.lstsq(X, yv, rcond=None)[0]
    e = yv - X @ b
    s2 = float(e @ e) / (N * T)

    def lag(v: np.ndarray) -> np.ndarray:
        return (W @ v.reshape(T, N).T).T.ravel()

    tw = float(W.multiply(W.T).sum() + W.multiply(W).sum())  # tr(WW) + tr(W'W)
    wxb = lag(X @ b)
    mwxb = wxb - X @ np.linalg.lstsq(X, wxb, rcond=None)[0]
    J = (float(wxb @ mwxb) + T * tw * s2) / s2
    ewy = float(e @ lag(yv)) / s2
    ewe = float(e @ lag(e)) / s2
    return {
        "lm_lag": TestStat.chi2(ewy**2 / J, 1, "lm_lag"),
        "lm_error": TestStat.chi2(ewe**2 / (T * tw), 1, "lm_error"),
        "rlm_lag": TestStat.chi2((ewy - ewe) ** 2 / (J - T * tw), 1, "rlm_lag"),
        "rlm_error": TestStat.chi2((ewe - T * tw / J * ewy) ** 2 / (T * tw * (1 - T * tw / J)), 1,
                                   "rlm_error"),
    }
