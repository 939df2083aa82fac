"""Random region effects for the spatial lag/Durbin panel model (for the Hausman test).

Elhorst (2003, 2014 ch. 3.3): with mu_i ~ N(0, sigma_mu^2), the GLS transformation
a*_it = a_it - (1 - phi) abar_i with phi^2 = sigma^2 / (T sigma_mu^2 + sigma^2) turns the model
into a lag model with log-likelihood

    -NT/2 log(2 pi sigma^2) + N log phi + T log|I - rho W| - e*'e* / (2 sigma^2).

It is maximised by alternating (i) the lag model concentrated in rho on the data transformed
with the current phi and (ii) phi given (beta, theta, rho), which has the closed form
phi^2 = sum_it (r_it - rbar_i)^2 / ((T - 1) T sum_i rbar_i^2), r = y - rho W y - X beta - W X theta.
With two-way effects the time effects stay fixed (the data are first demeaned by period);
otherwise an intercept is estimated. Spatial lags are formed from the untransformed data.

Information matrix (parameters delta, rho, phi, sigma^2): the lag-model blocks on the
transformed data, plus I_phi,phi = 2N/phi^2, I_phi,rho = -2 tr(G)/phi,
I_phi,sigma2 = -N/(phi sigma^2), I_phi,delta = 0 (derived from E[u'Pu] = N sigma^2/phi^2 and
E[(G u)'P u] = sigma^2 tr(G)/phi^2, P the per-region time-averaging operator).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geoproc.durbin.estimation import Design, Fit, fit_lag, spatial_lag
from geoproc.durbin.logdet import SpatialOperator
from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    from geoproc.durbin.hypothesis_tests import TestStat

__all__ = ["fit_random_effects", "hausman_against_fe"]


def _quasi_demean(a: np.ndarray, phi: float) -> np.ndarray:
    return a - (1.0 - phi) * a.mean(axis=0, keepdims=True)


def fit_random_effects(Y: np.ndarray, X: np.ndarray, W, op: SpatialOperator, wx_idx: list[int],
                       time_effects: bool = True, tol: float = 1e-10, maxiter: int = 500,
                       lee_yu: bool = False) -> Fit:
    """Random region effects SAR/SDM by ML.

    Parameters
    ----------
    Y : (T, N) array
    X : (T, N, K) array
    W : sparse N x N
    op : SpatialOperator of ``W``
    wx_idx : list of int
        Regressors with a W x term (empty: SAR).
    time_effects : bool
        Fixed time effects (demean by period first); otherwise an intercept.
    lee_yu : bool
        With ``time_effects``, remove them by Lee and Yu's transformation F_N' (needs
        row-standardised W): N - 1 observations a period, Jacobian
        T (log|I - rho W| - log(1 - rho)), (N - 1) log phi. Without it the period demeaning
        is treated as N free observations (the direct approach, whose rho and sigma^2 carry
        Lee and Yu's O(1/N) bias).

    Returns
    -------
    Fit with ``names`` = x, W*x (and ``const`` last without time effects); ``spatial`` rho;
    ``extra["phi"]`` and the covariance over (coefficients, rho, sigma2) with phi profiled
    out (``extra["cov_full"]`` holds the full inverse information including phi).
    """
    T, N, K = X.shape
    WY = spatial_lag(W, Y)
    R = np.concatenate([X, spatial_lag(W, X)[..., wx_idx]], axis=2)
    names = [f"x{k}" for k in range(R.shape[2])]
    if time_effects:
        Y, WY, R = (a - a.mean(axis=1, keepdims=True) for a in (Y, WY, R))
    else:
        R = np.concatenate([R, np.ones((T, N, 1))], axis=2)
        names.append("const")
    p = R.shape[2]
    proj = bool(time_effects and lee_yu)
    if proj and (op.row_sum is None or abs(op.row_sum - 1.0) > 1e-10):
        raise GeoprocInputError("random effects with Lee and Yu's time transformation need "
                                "row-standardised weights (row_standardize=True)")
    key = "time" if proj else "none"
    n_reg = N - 1 if proj else N
    phi = 0.5
    fit = None
    for _ in range(maxiter):
        d = Design(_quasi_demean(Y, phi), _quasi_demean(WY, phi),
                   _quasi_demean(R, phi).reshape(T * N, p), names)
        fit = fit_lag(d, op, key, lee_yu=proj, information=False, model="re")
        r = Y - fit.spatial * WY - R @ fit.coef
        rbar = r.mean(axis=0)
        a = float(np.sum((r - rbar) ** 2))
        b = float(T * np.sum(rbar**2))
        new = float(np.sqrt(np.clip(a / ((T - 1) * b), 1e-12, 1.0))) if b > 0 else 1.0
        if abs(new - phi) < tol:
            phi = new
            break
        phi = new
    else:
        raise GeoprocInputError("random-effects estimation did not converge (phi iterations)")
    d = Design(_quasi_demean(Y, phi), _quasi_demean(WY, phi),
               _quasi_demean(R, phi).reshape(T * N, p), names)
    fit = fit_lag(d, op, key, lee_yu=proj, information=True, model="re")
    s2 = fit.sigma2
    loglik = fit.loglik + n_reg * np.log(phi)
    # add phi to the information matrix: order delta (p), rho, phi, sigma2
    info0 = fit.extra["info"]
    tr1 = op.exact_trace_G(fit.spatial)[0] - (1.0 / (1.0 - fit.spatial) if proj else 0.0)
    info = np.zeros((p + 3, p + 3))
    idx = list(range(p + 1)) + [p + 2]
    info[np.ix_(idx, idx)] = info0
    info[p + 1, p + 1] = 2.0 * n_reg / phi**2
    info[p, p + 1] = info[p + 1, p] = -2.0 * tr1 / phi
    info[p + 1, p + 2] = info[p + 2, p + 1] = -n_reg / (phi * s2)
    cov_full = np.linalg.inv(info)
    cov = cov_full[np.ix_(idx, idx)]
    return Fit("re", names, fit.coef, fit.spatial, s2, float(loglik), fit.resid, cov, fit.n_obs, T,
               spatial_name="rho", extra={"phi": phi, "cov_full": cov_full, "info": info})


def hausman_against_fe(fe: Fit, Y: np.ndarray, X: np.ndarray, W, op: SpatialOperator,
                       wx_idx: list[int], effects: str) -> TestStat:
    """Hausman's test of the fixed-effects lag fit ``fe`` against the random-effects fit of the
    same model (same W x terms; time effects with ``twoway``, Lee-Yu with a row-standardised W,
    as the FE side). Coefficients and rho are compared, not the RE intercept; missing when
    the RE fit fails. Shared by :func:`geoproc.sdm`'s tests and the model selection."""
    from geoproc.durbin.hypothesis_tests import TestStat, hausman

    try:
        re = fit_random_effects(Y, X, W, op, wx_idx, time_effects=effects == "twoway",
                                lee_yu=effects == "twoway" and abs((op.row_sum or 0.0) - 1.0) < 1e-10)
    except GeoprocInputError:
        return TestStat.missing("hausman")
    pc = len(fe.coef)
    i_fe = list(range(pc)) + [pc]
    i_re = list(range(pc)) + [len(re.coef)]
    return hausman(fe.params[i_fe], fe.cov[np.ix_(i_fe, i_fe)], re.params[i_re],
                   re.cov[np.ix_(i_re, i_re)])
