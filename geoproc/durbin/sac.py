"""The rest of the static family on (T, N) arrays: SAC (SARAR) and SDEM.

* SAC: y_t = rho W y_t + X_t beta + u_t, u_t = lambda W u_t + e_t (Elhorst 2014, sec. 3.3;
  Stata's ``xsmle, model(sac)``). The likelihood is concentrated in (rho, lambda): for each
  pair, e = (I - lambda W)(I - rho W) y - (I - lambda W) X beta is linear in beta, so beta
  and sigma^2 have closed forms; the two-parameter search runs on the same exact
  log-determinants as the one-parameter models (:class:`SpatialOperator`: eigenvalues or
  sparse LU), twice per evaluation. Standard errors: the inverse of the numerical Hessian of
  the full log-likelihood in (beta, rho, lambda, sigma^2).
* SDEM: y_t = X_t beta + W X_t theta + u_t, u_t = lambda W u_t + e_t: the error model
  (:func:`geoproc.durbin.estimation.fit_error`) on the regressors [X, W X].

The spatial lags (W y, W^2 y, W X, W^2 X) are formed from the untransformed data and then
within-transformed, as everywhere in :mod:`geoproc.durbin`. ``lee_yu`` uses the likelihood of
the transformed data (observations and Jacobian counts of
:func:`geoproc.durbin.estimation.counts`; both Jacobians lose log(1 - .) with time effects).
"""

from __future__ import annotations

import numpy as np

from geoproc.durbin.estimation import Design, Fit, counts, fit_error, spatial_lag, within
from geoproc.durbin.logdet import SpatialOperator
from geoproc.errors import GeoprocInputError

__all__ = ["fit_sac", "fit_sdem", "sdem_design"]


def sdem_design(y: np.ndarray, X: np.ndarray, W, effects: str, x_names: list[str],
                wx: list[int]) -> Design:
    """Design of the SDEM: Z = [X, W X[wx]] and its spatial lags for the error model."""
    T, N, K = X.shape
    WX = spatial_lag(W, X)
    Z = np.concatenate([X, WX[..., wx]], axis=-1)
    WZ = np.concatenate([WX, spatial_lag(W, WX[..., wx])], axis=-1)
    names = list(x_names) + [f"W*{x_names[j]}" for j in wx]
    return Design(within(y, effects), within(spatial_lag(W, y), effects),
                  within(Z, effects).reshape(T * N, -1), names,
                  wZ=within(WZ, effects).reshape(T * N, -1))


def fit_sdem(y: np.ndarray, X: np.ndarray, W, effects: str, *, x_names: list[str] | None = None,
             wx: list[int] | None = None, lee_yu: bool = False,
             op: SpatialOperator | None = None) -> Fit:
    """Spatial Durbin error model by ML (``params``: beta, theta, lambda, sigma2)."""
    X = np.asarray(X, dtype=float)
    K = X.shape[2]
    x_names = list(x_names) if x_names is not None else [f"x{j + 1}" for j in range(K)]
    wx = list(range(K)) if wx is None else list(wx)
    op = op if op is not None else SpatialOperator(W)
    d = sdem_design(np.asarray(y, dtype=float), X, op.W, effects, x_names, wx)
    fit = fit_error(d, op, effects, lee_yu)
    fit.model = "sdem"
    return fit


def fit_sac(y: np.ndarray, X: np.ndarray, W, effects: str, *, x_names: list[str] | None = None,
            lee_yu: bool = False, op: SpatialOperator | None = None) -> Fit:
    """SAC (spatial lag and spatial error) panel model by ML.

    Returns a :class:`Fit` with ``params`` = beta, rho, sigma2 like the lag model and
    ``extra["lambda"]``, ``extra["se_lambda"]`` and ``extra["cov_full"]`` (covariance of
    beta, rho, lambda, sigma2).
    """
    from scipy import optimize

    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    T, N, K = X.shape
    x_names = list(x_names) if x_names is not None else [f"x{j + 1}" for j in range(K)]
    op = op if op is not None else SpatialOperator(W)
    n_obs, t_eff, proj = counts(effects, N, T, lee_yu)
    Wy = spatial_lag(op.W, y)
    WWy = spatial_lag(op.W, Wy)
    WX = spatial_lag(op.W, X)
    yt, wyt, wwyt = (within(a, effects).ravel() for a in (y, Wy, WWy))
    Xt = within(X, effects).reshape(T * N, K)
    WXt = within(WX, effects).reshape(T * N, K)
    logdet = op.logdet

    def jac(r: float) -> float:
        return logdet(r) - (np.log1p(-r) if proj else 0.0)

    # cross-products once: ys = [y, Wy, WWy] a(rho, lam), Xs = [X, WX] (I, -lam I), so each
    # (rho, lambda) costs a K x K solve instead of a pass over the N T rows
    Yb = np.column_stack([yt, wyt, wwyt])
    Xb = np.hstack([Xt, WXt])
    G_yy, G_xy, G_xx = Yb.T @ Yb, Xb.T @ Yb, Xb.T @ Xb

    def beta_ssr(rho: float, lam: float) -> tuple[np.ndarray, float]:
        a = np.array([1.0, -(rho + lam), rho * lam])
        m = np.vstack([np.eye(K), -lam * np.eye(K)])  # Xs = Xb m
        A = m.T @ G_xx @ m
        c = m.T @ (G_xy @ a)
        b = np.linalg.solve(A, c)
        return b, float(a @ G_yy @ a - c @ b)

    def neg(p: np.ndarray) -> float:
        _, ssr = beta_ssr(p[0], p[1])
        return 0.5 * n_obs * np.log(ssr / n_obs) - t_eff * (jac(p[0]) + jac(p[1]))

    def search(bounds) -> np.ndarray:
        best = None
        for start in ((0.0, 0.0), (0.4, -0.2), (-0.2, 0.4)):  # the surface can be bimodal
            x0 = np.clip(start, [b[0] for b in bounds], [b[1] for b in bounds])
            res = optimize.minimize(neg, x0, method="L-BFGS-B", bounds=bounds,
                                    options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500})
            if best is None or res.fun < best.fun:
                best = res
        return optimize.minimize(neg, best.x, method="Nelder-Mead",
                                 options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 4000}).x

    s_lo, s_hi = op.safe_bounds
    bounds = [(max(s_lo, -0.99) + 1e-6, min(s_hi, 0.99) - 1e-6)] * 2
    x = None
    if op.method == "lu":
        # one factorisation per exact log-determinant: place (rho, lambda) on the cheap
        # series, then interpolate the exact log-determinant (one function for both
        # parameters) over an interval holding both, and search and differentiate on it
        logdet = op.approx_logdet
        x0 = search(bounds)
        lo_i = max(bounds[0][0] + 0.02, float(min(x0)) - 0.2)
        hi_i = min(bounds[0][1] - 0.02, float(max(x0)) + 0.2)
        op.build_surrogate(lo_i, hi_i)
        logdet = op.surrogate_logdet
        x = search([(lo_i, hi_i)] * 2)
        if np.min(np.abs(np.concatenate([x - lo_i, hi_i - x]))) < 1e-3:
            x, logdet = None, op.logdet  # the optimum left the interpolant: exact search
    if x is None:
        x = search(bounds)
    rho, lam = (float(v) for v in x)
    for name, v, (a, b) in (("rho", rho, bounds[0]), ("lambda", lam, bounds[1])):
        if min(v - a, b - v) < 1e-4:
            raise GeoprocInputError(f"SAC: {name} = {v:.6f} is at the bound of its search interval "
                                    f"({a:.4f}, {b:.4f}); the model is not identified on these data")
    beta, ssr = beta_ssr(rho, lam)
    sigma2 = ssr / n_obs
    loglik = -0.5 * n_obs * (np.log(2 * np.pi * sigma2) + 1.0) + t_eff * (jac(rho) + jac(lam))

    def full(theta: np.ndarray) -> float:
        b, r, lm, s2 = theta[:K], theta[K], theta[K + 1], theta[K + 2]
        e = yt - (r + lm) * wyt + r * lm * wwyt - (Xt - lm * WXt) @ b
        return -0.5 * n_obs * np.log(2 * np.pi * s2) - float(e @ e) / (2 * s2) + t_eff * (
            jac(r) + jac(lm))

    theta = np.concatenate([beta, [rho, lam, sigma2]])
    cov_full = np.linalg.inv(-_hessian(full, theta))
    idx = list(range(K)) + [K, K + 2]  # beta, rho, sigma2: the lag model's layout
    fit = Fit("sac", x_names, beta, rho, sigma2, float(loglik),
              (yt - (rho + lam) * wyt + rho * lam * wwyt) - (Xt - lam * WXt) @ beta,
              cov_full[np.ix_(idx, idx)], n_obs, t_eff, spatial_name="rho",
              extra={"lambda": lam, "se_lambda": float(np.sqrt(cov_full[K + 1, K + 1])),
                     "cov_full": cov_full})
    return fit


def _hessian(f, x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian (steps 1e-4 of each parameter's scale; the last, sigma^2,
    1e-3 of itself)."""
    n = len(x)
    h = 1e-4 * np.maximum(np.abs(x), 0.01)
    h[-1] = 1e-3 * abs(x[-1])
    H = np.empty((n, n))
    f0 = f(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h[i]
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(n)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej)
                                 + f(x - ei - ej)) / (4 * h[i] * h[j])
    return H
