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

__all__ = ["SacFit", "fit_sac", "fit_sdem", "sdem_design"]


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

    Parameters
    ----------
    y : (T, N) array
    X : (T, N, K) array
    W : scipy.sparse matrix
    effects : {"twoway", "region", "time", "none"}
    x_names : list of str, optional
    lee_yu : bool
        The likelihood of Lee and Yu's transformed data.
    op : SpatialOperator, optional

    Returns
    -------
    SacFit
        ``params`` = beta, rho, lambda, sigma2 (``cov`` in that order); also
        ``extra["lambda"]`` and ``extra["se_lambda"]``.
    """
    X = np.asarray(X, dtype=float)
    K = X.shape[2]
    x_names = list(x_names) if x_names is not None else [f"x{j + 1}" for j in range(K)]
    op = op if op is not None else SpatialOperator(W)
    lik = _SacLikelihood(np.asarray(y, dtype=float), X, op, effects, lee_yu)
    rho, lam = _locate(lik, op)
    beta, ssr = lik.beta_ssr(rho, lam)
    sigma2 = ssr / lik.n_obs
    loglik = (-0.5 * lik.n_obs * (np.log(2 * np.pi * sigma2) + 1.0)
              + lik.t_eff * (lik.jac(rho) + lik.jac(lam)))
    theta = np.concatenate([beta, [rho, lam, sigma2]])
    cov_full = np.linalg.inv(-_hessian(lik.full, theta))
    return SacFit("sac", x_names, beta, rho, sigma2, float(loglik), lik.resid(theta), cov_full,
                  lik.n_obs, lik.t_eff, spatial_name="rho",
                  extra={"lambda": lam, "se_lambda": float(np.sqrt(cov_full[K + 1, K + 1])),
                         "cov_full": cov_full})


class SacFit(Fit):
    """A SAC fit: parameters ``names``, ``rho``, ``lambda``, ``sigma2`` (``cov`` in that order;
    rho stays at index ``len(coef)`` as in the lag model, so the effects' code reads it)."""

    @property
    def param_names(self) -> list[str]:
        return self.names + ["rho", "lambda", "sigma2"]

    @property
    def params(self) -> np.ndarray:
        return np.concatenate([self.coef, [self.spatial, self.extra["lambda"], self.sigma2]])

    @property
    def lam(self) -> float:
        return float(self.extra["lambda"])


class _SacLikelihood:
    """The SAC likelihood on within-transformed data; ``logdet`` is swappable (exact,
    series, interpolant)."""

    def __init__(self, y, X, op: SpatialOperator, effects: str, lee_yu: bool) -> None:
        T, N, K = X.shape
        self.K = K
        self.n_obs, self.t_eff, self.proj = counts(effects, N, T, lee_yu)
        Wy = spatial_lag(op.W, y)
        self.yt, self.wyt, self.wwyt = (within(a, effects).ravel()
                                        for a in (y, Wy, spatial_lag(op.W, Wy)))
        self.Xt = within(X, effects).reshape(T * N, K)
        self.WXt = within(spatial_lag(op.W, X), effects).reshape(T * N, K)
        self.logdet = op.logdet
        # cross-products once: ys = [y, Wy, WWy] a(rho, lam), Xs = [X, WX] (I, -lam I), so
        # each (rho, lambda) costs a K x K solve instead of a pass over the N T rows
        Yb = np.column_stack([self.yt, self.wyt, self.wwyt])
        Xb = np.hstack([self.Xt, self.WXt])
        self.G_yy, self.G_xy, self.G_xx = Yb.T @ Yb, Xb.T @ Yb, Xb.T @ Xb

    def jac(self, r: float) -> float:
        return self.logdet(r) - (np.log1p(-r) if self.proj else 0.0)

    def beta_ssr(self, rho: float, lam: float) -> tuple[np.ndarray, float]:
        a = np.array([1.0, -(rho + lam), rho * lam])
        m = np.vstack([np.eye(self.K), -lam * np.eye(self.K)])  # Xs = Xb m
        c = m.T @ (self.G_xy @ a)
        b = np.linalg.solve(m.T @ self.G_xx @ m, c)
        return b, float(a @ self.G_yy @ a - c @ b)

    def neg(self, p: np.ndarray) -> float:
        _, ssr = self.beta_ssr(p[0], p[1])
        return 0.5 * self.n_obs * np.log(ssr / self.n_obs) - self.t_eff * (
            self.jac(p[0]) + self.jac(p[1]))

    def resid(self, theta: np.ndarray) -> np.ndarray:
        K = self.K
        b, r, lm = theta[:K], theta[K], theta[K + 1]
        return (self.yt - (r + lm) * self.wyt + r * lm * self.wwyt
                - (self.Xt - lm * self.WXt) @ b)

    def full(self, theta: np.ndarray) -> float:
        e = self.resid(theta)
        r, lm, s2 = theta[self.K], theta[self.K + 1], theta[self.K + 2]
        return (-0.5 * self.n_obs * np.log(2 * np.pi * s2) - float(e @ e) / (2 * s2)
                + self.t_eff * (self.jac(r) + self.jac(lm)))


def _search(lik: _SacLikelihood, bounds) -> np.ndarray:
    from scipy import optimize

    best = None
    for start in ((0.0, 0.0), (0.4, -0.2), (-0.2, 0.4)):  # the surface can be bimodal
        x0 = np.clip(start, [b[0] for b in bounds], [b[1] for b in bounds])
        res = optimize.minimize(lik.neg, x0, method="L-BFGS-B", bounds=bounds,
                                options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500})
        if best is None or res.fun < best.fun:
            best = res
    return optimize.minimize(lik.neg, best.x, method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 4000}).x


def _locate(lik: _SacLikelihood, op: SpatialOperator) -> tuple[float, float]:
    """(rho, lambda) maximising the concentrated likelihood; ``lik.logdet`` is left on the
    function the Hessian should use."""
    s_lo, s_hi = op.safe_bounds
    bounds = [(max(s_lo, -0.99) + 1e-6, min(s_hi, 0.99) - 1e-6)] * 2
    x = None
    if op.method == "lu":
        # one factorisation per exact log-determinant: place (rho, lambda) on the cheap
        # series, then interpolate the exact log-determinant (one function for both
        # parameters) over an interval holding both, and search and differentiate on it
        lik.logdet = op.approx_logdet
        x0 = _search(lik, bounds)
        lo_i = max(bounds[0][0] + 0.02, float(min(x0)) - 0.2)
        hi_i = min(bounds[0][1] - 0.02, float(max(x0)) + 0.2)
        op.build_surrogate(lo_i, hi_i)
        lik.logdet = op.surrogate_logdet
        x = _search(lik, [(lo_i, hi_i)] * 2)
        if np.min(np.abs(np.concatenate([x - lo_i, hi_i - x]))) < 1e-3:
            x, lik.logdet = None, op.logdet  # the optimum left the interpolant: exact search
    if x is None:
        x = _search(lik, bounds)
    for name, v, (a, b) in (("rho", x[0], bounds[0]), ("lambda", x[1], bounds[1])):
        if min(v - a, b - v) < 1e-4:
            raise GeoprocInputError(f"SAC: {name} = {v:.6f} is at the bound of its search interval "
                                    f"({a:.4f}, {b:.4f}); the model is not identified on these data")
    return float(x[0]), float(x[1])


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
