"""Maximum likelihood for the spatial panel models on balanced (T, N) arrays: the pure maths.

Conventions (Elhorst 2014, *Spatial Econometrics*, ch. 3; his ``sar_panel_FE`` MATLAB code;
Stata's ``xsmle``):

* Data are (T, N) arrays, period by period, so a spatial lag is a product with W per period
  and no NT x NT matrix is ever formed.
* Spatial lags are formed from the *untransformed* y and X and then within-transformed
  (the lag of an already demeaned y differs when W's columns do not sum to one).
* The likelihood is concentrated in rho (lambda): for each rho, beta and sigma^2 have closed
  forms, so the search is one-dimensional over the feasible interval.
* Standard errors come from the analytic information matrix (Elhorst 2014, eq. 3.26-3.29 for
  the lag model; Lee and Yu 2010 for the transformation approach).

The "direct" approach uses NT observations and T Jacobians. Lee and Yu's (2010) transformation
approach uses the likelihood of the orthogonally transformed data: N(T-1) observations and T-1
Jacobians for region effects; (N-1)T observations and Jacobian T (log|I - rho W| - log(1 - rho))
for time effects (requires row-standardised W); (N-1)(T-1) and T-1 for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from geoproc.durbin.logdet import SpatialOperator
from geoproc.errors import GeoprocInputError

__all__ = [
    "Design",
    "Fit",
    "FIXED_EFFECTS",
    "counts",
    "fit_error",
    "fit_lag",
    "fit_ols",
    "spatial_lag",
    "within",
]

FIXED_EFFECTS = ("twoway", "region", "time", "none")
_XATOL = 1e-10


def within(a: np.ndarray, effects: str) -> np.ndarray:
    """Exact within transformation of a (T, N, ...) array.

    ``region`` subtracts each region's mean over time, ``time`` each period's mean over
    regions, ``twoway`` both (adding back the grand mean), ``none`` the grand mean (which
    is what an intercept does).
    """
    if effects == "region":
        return a - a.mean(axis=0, keepdims=True)
    if effects == "time":
        return a - a.mean(axis=1, keepdims=True)
    if effects == "twoway":
        return (a - a.mean(axis=0, keepdims=True) - a.mean(axis=1, keepdims=True)
                + a.mean(axis=(0, 1), keepdims=True))
    if effects == "none":
        return a - a.mean(axis=(0, 1), keepdims=True)
    raise GeoprocInputError(f"effects must be one of {', '.join(FIXED_EFFECTS)}; got {effects!r}")


def spatial_lag(W, a: np.ndarray) -> np.ndarray:
    """W applied to each period of a (T, N) or (T, N, K) array."""
    T, N = a.shape[:2]
    flat = np.moveaxis(a, 1, 0).reshape(N, -1)  # N x (T*K): one sparse product for all
    return np.moveaxis((W @ flat).reshape((N, T) + a.shape[2:]), 0, 1)


def counts(effects: str, n: int, t: int, lee_yu: bool) -> tuple[int, int, bool]:
    """(observations, Jacobian multiplier, time-projected?) of the likelihood."""
    if not lee_yu or effects == "none":
        return n * t, t, False
    if effects == "region":
        return n * (t - 1), t - 1, False
    if effects == "time":
        return (n - 1) * t, t, True
    return (n - 1) * (t - 1), t - 1, True


@dataclass
class Design:
    """Within-transformed arrays for one model.

    Attributes
    ----------
    y, wy : (T, N) arrays
        Transformed y and transformed W y.
    Z : (T*N, p) array
        Transformed regressors (X and the chosen W X), period-major rows.
    names : list of str
        Column names of ``Z``.
    wZ : (T*N, p) array or None
        Transformed spatial lags of ``Z``'s columns (only the error model needs them).
    """

    y: np.ndarray
    wy: np.ndarray
    Z: np.ndarray
    names: list[str]
    wZ: np.ndarray | None = None

    @property
    def t(self) -> int:
        return self.y.shape[0]

    @property
    def n(self) -> int:
        return self.y.shape[1]


@dataclass
class Fit:
    """One maximum-likelihood fit.

    ``params`` and ``cov`` are ordered ``names`` (the coefficients), then the spatial
    parameter (``"rho"`` or ``"lambda"``) if any, then ``"sigma2"``.
    """

    model: str
    names: list[str]
    coef: np.ndarray
    spatial: float | None
    sigma2: float
    loglik: float
    resid: np.ndarray
    cov: np.ndarray
    n_obs: int
    t_eff: int
    spatial_name: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def param_names(self) -> list[str]:
        return self.names + ([self.spatial_name] if self.spatial_name else []) + ["sigma2"]

    @property
    def params(self) -> np.ndarray:
        sp = [self.spatial] if self.spatial_name else []
        return np.concatenate([self.coef, sp, [self.sigma2]])

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    @property
    def k_params(self) -> int:
        return len(self.params)


def _check_interior(rho: float, op: SpatialOperator, name: str) -> None:
    s_lo, s_hi = op.safe_bounds
    if s_lo + 1e-3 < rho < s_hi - 1e-3:
        return
    lo, hi = op.bounds
    tol = 1e-6 * (hi - lo)
    if rho - lo < tol or hi - rho < tol:
        side = "lower" if rho - lo < tol else "upper"
        raise GeoprocInputError(
            f"{name} = {rho:.6f} is at the {side} bound of its feasible interval "
            f"({lo:.6f}, {hi:.6f}) from W's extreme eigenvalues; the model is misspecified for "
            "these data or W (check the weights, the fixed effects and the regressors)"
        )


def _search_bounds(op: SpatialOperator) -> tuple[float, float]:
    lo, hi = op.bounds
    if not np.isfinite(lo):
        lo = -1.0 / op.lambda_max
    eps = 1e-9 * (hi - lo)
    return lo + eps, hi - eps


def _polish(f, x: float, lo: float, hi: float) -> float:
    """Refine a minimiser of a smooth ``f`` by a root of its central-difference derivative.

    A search on function values resolves the minimum only to about sqrt(machine epsilon)
    (~1e-8); the derivative's sign change pins it to ~1e-11.
    """
    from scipy.optimize import brentq

    h = 1e-6
    if min(x - lo, hi - x) < 1e-5:
        return x  # on the bound: reported as an error by the caller

    def g(r: float) -> float:
        return (f(r + h) - f(r - h)) / (2 * h)

    for step in (1e-6, 1e-5, 1e-4):
        a, b = max(lo + h, x - step), min(hi - h, x + step)
        if a < b:
            ga, gb = g(a), g(b)
            if np.sign(ga) != np.sign(gb):
                return float(brentq(g, a, b, xtol=1e-15, rtol=4 * np.finfo(float).eps))
    return x


def _maximise(neg, op: SpatialOperator, n_obs: int = 0) -> float:
    """Minimise ``neg(rho, logdet)`` over the feasible interval.

    Eigenvalue path: bounded Brent on the exact objective, then :func:`_polish`.
    LU path (a factorisation per exact evaluation): a cheap series log-determinant places
    rho roughly; the exact log-determinant is interpolated at Chebyshev nodes on
    rho0 +- 10/sqrt(NT), clipped to 0.04-0.15 (``op.build_surrogate``; the same interpolant later serves the effects'
    draws); the search and the polish run on the interpolant. If the optimum is not inside
    that interval, an exact bounded search over the whole interval is the fallback.
    """
    from scipy import optimize  # imported here: scipy.optimize is slow to import

    opts = {"xatol": _XATOL, "maxiter": 500}
    if op.method == "lu":
        # the safe interval |rho| < 1/radius avoids the exact (ARPACK) bounds when possible
        s_lo, s_hi = op.safe_bounds
        r0 = optimize.minimize_scalar(lambda r: neg(r, op.approx_logdet),
                                      bounds=(max(s_lo, -0.8), min(s_hi, 0.8)), method="bounded",
                                      options={"xatol": 1e-6}).x
        if abs(r0) < 0.75:
            # half-width: about 8 standard errors of rho (se ~ 1/sqrt(NT)), so that the
            # effects' draws fall inside too; fewer nodes for a narrower interval
            half = float(np.clip(10.0 / np.sqrt(max(n_obs, 1)), 0.04, 0.15))
            if op.surrogate_covers(r0 - half / 2, r0 + half / 2):
                # an earlier fit's interpolant (the SDM's for Lee-Yu and random effects)
                a, b = op.use_surrogate(r0 - half / 2, r0 + half / 2)
            else:
                a = max(r0 - half, s_lo + 0.02 * (s_hi - s_lo))
                b = min(r0 + half, s_hi - 0.02 * (s_hi - s_lo))
                op.build_surrogate(a, b)

            def f(r: float) -> float:
                return neg(r, op.surrogate_logdet)

            r = optimize.minimize_scalar(f, bounds=(a, b), method="bounded", options=opts).x
            if min(r - a, b - r) > 1e-4:
                return _polish(f, float(r), a, b)
        # |rho| near the bounds, or the optimum outside the interpolant: exact search,
        # polished like the other paths (a search on function values alone resolves rho
        # only to ~1e-8, so results would depend on the last bits of the objective)
        lo, hi = _search_bounds(op)
        r = float(optimize.minimize_scalar(neg, bounds=(lo, hi), method="bounded", options=opts).x)
        return _polish(neg, r, lo, hi)
    lo, hi = _search_bounds(op)
    r = float(optimize.minimize_scalar(neg, bounds=(lo, hi), method="bounded", options=opts).x)
    return _polish(neg, r, lo, hi)


def _info_spatial(op, rho, Zd, sigma2, n_obs, t_eff, proj, cross):
    """Rows/columns of the information matrix for rho and sigma2 (lag or error model).

    ``Zd``: (T, N) mean part whose G-transform enters (X delta for the lag model; zeros for
    the error model). Returns (I_dr, I_rr, I_rs, I_ss).

    Direct approach (``proj`` False), as Elhorst's ``sar_panel_FE``: G is applied to the
    *demeaned* Z delta, period by period, and G Z delta is not demeaned again. With region
    effects this is the exact information (the region demeaning runs over time and commutes
    with W). With time or two-way effects the information of the dummy-variable likelihood
    would use J_N G Z delta (J_N = I - 11'/N in each period): the beta-rho terms are the same
    for row-standardised W (G maps a constant vector to a constant, and Z' kills constants),
    not otherwise, and I_rr here is larger by |G Zd|^2 - |J_N G Zd|^2 over sigma2, so the
    standard error of rho is slightly smaller (0.2-0.4% in simulated panels, N = 100,
    T = 8, k-NN W). Kept for comparability with Elhorst's code; Lee-Yu (``proj`` True)
    re-demeans.
    """
    tr1, tr2, tr3 = op.G_traces(rho, time_projected=proj)
    i_rr = t_eff * (tr2 + tr3)
    i_dr = None
    if cross is not None:
        GZd = op.G_apply(rho, Zd.T).T
        if proj:
            GZd = GZd - GZd.mean(axis=1, keepdims=True)
        i_dr = cross.T @ GZd.ravel() / sigma2
        i_rr += float(np.sum(GZd * GZd)) / sigma2
    i_rs = t_eff * tr1 / sigma2
    i_ss = n_obs / (2.0 * sigma2**2)
    return i_dr, i_rr, i_rs, i_ss


def fit_lag(d: Design, op: SpatialOperator, effects: str, lee_yu: bool = False,
            model: str = "sdm", information: bool = True) -> Fit:
    """Spatial lag (SAR) or Durbin (SDM) panel model, ML concentrated in rho.

    ``information=False`` skips the information matrix (``cov`` is then NaN), for inner
    iterations of the random-effects estimator.
    """
    T, N = d.y.shape
    n_obs, t_eff, proj = counts(effects, N, T, lee_yu)
    y, wy, Z = d.y.ravel(), d.wy.ravel(), d.Z
    ZtZ = Z.T @ Z
    b0 = np.linalg.solve(ZtZ, Z.T @ y)
    b1 = np.linalg.solve(ZtZ, Z.T @ wy)
    e0 = y - Z @ b0
    e1 = wy - Z @ b1
    s00, s01, s11 = e0 @ e0, e0 @ e1, e1 @ e1

    def neg(rho: float, logdet=op.logdet) -> float:
        ssr = s00 - 2 * rho * s01 + rho * rho * s11
        jac = logdet(rho) - (np.log1p(-rho) if proj else 0.0)
        return 0.5 * n_obs * np.log(ssr / n_obs) - t_eff * jac

    rho = _maximise(neg, op, n_obs)
    _check_interior(rho, op, "rho")
    coef = b0 - rho * b1
    e = e0 - rho * e1
    sigma2 = float(e @ e) / n_obs
    loglik = -0.5 * n_obs * (np.log(2 * np.pi * sigma2) + 1.0) + t_eff * (
        op.logdet(rho) - (np.log1p(-rho) if proj else 0.0))
    p = Z.shape[1]
    if not information:
        return Fit(model, list(d.names), coef, rho, sigma2, float(loglik), e,
                   np.full((p + 2, p + 2), np.nan), n_obs, t_eff, spatial_name="rho")
    Zd = (Z @ coef).reshape(T, N)
    i_dr, i_rr, i_rs, i_ss = _info_spatial(op, rho, Zd, sigma2, n_obs, t_eff, proj, Z)
    info = np.zeros((p + 2, p + 2))
    info[:p, :p] = ZtZ / sigma2
    info[:p, p] = info[p, :p] = i_dr
    info[p, p] = i_rr
    info[p, p + 1] = info[p + 1, p] = i_rs
    info[p + 1, p + 1] = i_ss
    cov = np.linalg.inv(info)
    return Fit(model, list(d.names), coef, rho, sigma2, float(loglik), e, cov, n_obs, t_eff,
               spatial_name="rho", extra={"info": info})


def fit_error(d: Design, op: SpatialOperator, effects: str, lee_yu: bool = False,
              information: bool = True) -> Fit:
    """Spatial error panel model (SEM), ML concentrated in lambda.

    ``d.wZ`` must hold the transformed spatial lags of ``d.Z``'s columns;
    ``information=False`` skips the information matrix (``cov`` NaN).
    """
    if d.wZ is None:
        raise ValueError("the error model needs the spatial lags of the regressors (Design.wZ)")
    T, N = d.y.shape
    n_obs, t_eff, proj = counts(effects, N, T, lee_yu)
    y, wy, X, wX = d.y.ravel(), d.wy.ravel(), d.Z, d.wZ
    # cross-products once; each lambda then costs a p x p solve
    xx, xw, ww = X.T @ X, X.T @ wX, wX.T @ wX
    xy, xwy, wxy, wxwy = X.T @ y, X.T @ wy, wX.T @ y, wX.T @ wy
    yy, ywy, wywy = y @ y, y @ wy, wy @ wy

    def beta_ssr(lam: float) -> tuple[np.ndarray, float]:
        A = xx - lam * (xw + xw.T) + lam * lam * ww
        c = xy - lam * (xwy + wxy) + lam * lam * wxwy
        b = np.linalg.solve(A, c)
        ssr = yy - 2 * lam * ywy + lam * lam * wywy - c @ b
        return b, float(ssr)

    def neg(lam: float, logdet=op.logdet) -> float:
        _, ssr = beta_ssr(lam)
        jac = logdet(lam) - (np.log1p(-lam) if proj else 0.0)
        return 0.5 * n_obs * np.log(ssr / n_obs) - t_eff * jac

    lam = _maximise(neg, op, n_obs)
    _check_interior(lam, op, "lambda")
    coef, _ = beta_ssr(lam)
    e = (y - lam * wy) - (X - lam * wX) @ coef
    sigma2 = float(e @ e) / n_obs
    loglik = -0.5 * n_obs * (np.log(2 * np.pi * sigma2) + 1.0) + t_eff * (
        op.logdet(lam) - (np.log1p(-lam) if proj else 0.0))
    p = X.shape[1]
    if not information:
        return Fit("sem", list(d.names), coef, lam, sigma2, float(loglik), e,
                   np.full((p + 2, p + 2), np.nan), n_obs, t_eff, spatial_name="lambda")
    Xs = X - lam * wX
    _, i_ll, i_ls, i_ss = _info_spatial(op, lam, None, sigma2, n_obs, t_eff, proj, None)
    info = np.zeros((p + 2, p + 2))
    info[:p, :p] = Xs.T @ Xs / sigma2
    info[p, p] = i_ll
    info[p, p + 1] = info[p + 1, p] = i_ls
    info[p + 1, p + 1] = i_ss
    cov = np.linalg.inv(info)
    return Fit("sem", list(d.names), coef, lam, sigma2, float(loglik), e, cov, n_obs, t_eff,
               spatial_name="lambda", extra={"info": info})


def fit_ols(d: Design, effects: str, lee_yu: bool = False, model: str = "slx") -> Fit:
    """Non-spatial-lag model (SLX, or plain within regression) by ML."""
    T, N = d.y.shape
    n_obs, t_eff, _ = counts(effects, N, T, lee_yu)
    y, Z = d.y.ravel(), d.Z
    ZtZ = Z.T @ Z
    coef = np.linalg.solve(ZtZ, Z.T @ y)
    e = y - Z @ coef
    sigma2 = float(e @ e) / n_obs
    loglik = -0.5 * n_obs * (np.log(2 * np.pi * sigma2) + 1.0)
    p = Z.shape[1]
    cov = np.zeros((p + 1, p + 1))
    cov[:p, :p] = sigma2 * np.linalg.inv(ZtZ)
    cov[p, p] = 2 * sigma2**2 / n_obs
    return Fit(model, list(d.names), coef, None, sigma2, float(loglik), e, cov, n_obs, t_eff)
