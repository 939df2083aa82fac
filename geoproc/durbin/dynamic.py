"""Dynamic spatial panels: SAR/SDM with a time lag and/or a space-time lag of y.

    y_t = tau y_{t-1} + psi W y_{t-1} + rho W y_t + X_t beta + W X_t theta + mu + alpha_t 1 + e_t

Quasi-maximum likelihood with the bias correction of Yu, de Jong and Lee (2008, *J.
Econometrics* 146:118-134, "YdJL") for the region effects and, with time effects, the
transformation of Lee and Yu (2010, *Econometric Theory* 26:564-597): the estimator of R's
SDPDmod ``SDPDm(..., dynamic=TRUE, LYtrans=TRUE)``, Elhorst's MATLAB ``sar_jihai_time`` and
Stata's ``xsmle, dlag()``.

* The first period is lost to the lag: T' = T - 1 periods enter, y_{t-1} and W y_{t-1} are
  regressors built from the untransformed y.
* Region effects (``effects="region"``): the within transformation over the T' periods,
  likelihood with N T' observations and Jacobian T' log|I - rho W|; the region means make
  the lagged regressors correlated with the transformed errors (the Nickell bias, O(1/T)),
  which the YdJL correction removes.
* Two-way effects with ``lee_yu=True``: time effects are removed by Lee and Yu's orthonormal
  transformation F_N' (N - 1 observations a period; needs row-standardised W); the
  likelihood of the transformed data has (N - 1) T' observations and Jacobian
  T' (log|I - rho W| - log(1 - rho)), and the YdJL correction uses F_N' W F_N, whose
  eigenvalues are W's without the unit one, so each trace is W's minus the term of the
  eigenvalue 1. The transformed data are computed as the two-way within transformation
  (F_N F_N' = I - 11'/N): the same sums of squares without forming F_N.
* Two-way effects with ``lee_yu=False``: the direct two-way within transformation (SDPDmod's
  ``DIRtrans``), YdJL plus the O(1/N) correction of the time effects
  (Lee and Yu 2010, *J. Econometrics* 154, eq. 3.4).

The corrected estimator is theta_1 = theta_hat + I^-1 c with I the information matrix at
theta_hat (:func:`geoproc.durbin.estimation.fit_lag`) and c = n b(theta_hat), b the YdJL
bias vector (:func:`bias_terms`). Its covariance is Sigma^-1 + Sigma^-1 Omega Sigma^-1 at
theta_1 (YdJL Theorem 3; Omega carries the excess kurtosis of the errors).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr

from geoproc.durbin.estimation import Design, Fit, _info_spatial, fit_lag, spatial_lag, within
from geoproc.durbin.logdet import SpatialOperator
from geoproc.errors import GeoprocInputError

__all__ = ["DYNAMIC", "DYNAMIC_EFFECTS", "DynamicFit", "Stationarity", "bias_correction",
           "bias_terms", "covariance", "dynamic_design", "fit_dynamic", "stationarity"]

DYNAMIC = ("tl", "stl", "both")
DYNAMIC_EFFECTS = ("region", "twoway")


@dataclass
class Stationarity:
    """Whether the estimated process is stable: all eigenvalues of
    A = (I - rho W)^-1 (tau I + psi W) inside the unit circle.

    For W with real eigenvalues in [w_min, w_max] this is tau + (rho + psi) w < 1 and
    tau + (psi - rho) w > -1 at both ends (Elhorst 2014, sec. 4.3); ``tau + rho + psi < 1``
    is the first at w = 1 (row-standardised W).
    """

    ok: bool
    conditions: dict[str, float]
    message: str


@dataclass
class DynamicFit:
    """A dynamic spatial panel fit.

    ``coef``, ``rho``, ``sigma2`` and ``cov`` are the bias-corrected estimates (or the QMLE
    when ``corrected`` is False); ``raw`` is the uncorrected QMLE :class:`Fit`. Parameter
    order: ``names`` (``tau``, ``psi`` as chosen, the x names, the ``W*x`` names), ``rho``,
    ``sigma2``.
    """

    model: str
    dynamic: str
    effects: str
    lee_yu: bool
    names: list[str]
    x_names: list[str]
    wx_names: list[str]
    coef: np.ndarray
    rho: float
    sigma2: float
    cov: np.ndarray
    raw: Fit
    correction: np.ndarray
    corrected: bool
    loglik: float
    loglik_corrected: float
    n: int
    t: int
    n_obs: int
    mu4: float
    stationarity: Stationarity
    design: Design = field(repr=False, default=None)

    @property
    def param_names(self) -> list[str]:
        return self.names + ["rho", "sigma2"]

    @property
    def params(self) -> np.ndarray:
        return np.concatenate([self.coef, [self.rho, self.sigma2]])

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.abs(np.diag(self.cov)))

    @property
    def z(self) -> np.ndarray:
        return self.params / self.se

    @property
    def p(self) -> np.ndarray:
        return 2 * ndtr(-np.abs(self.z))

    def _get(self, name: str) -> float:
        return float(self.coef[self.names.index(name)]) if name in self.names else 0.0

    @property
    def tau(self) -> float:
        return self._get("tau")

    @property
    def psi(self) -> float:
        return self._get("psi")

    @property
    def beta(self) -> np.ndarray:
        lag = sum(v in self.names for v in ("tau", "psi"))
        return self.coef[lag:lag + len(self.x_names)]

    @property
    def theta(self) -> np.ndarray:
        lag = sum(v in self.names for v in ("tau", "psi"))
        return self.coef[lag + len(self.x_names):]


def _check_choice(dynamic: str, model: str, effects: str) -> None:
    if dynamic not in DYNAMIC:
        raise GeoprocInputError(f"dynamic must be one of {', '.join(DYNAMIC)}; got {dynamic!r}")
    if model not in ("sar", "sdm"):
        raise GeoprocInputError(f"a dynamic model must be 'sar' or 'sdm'; got model={model!r}")
    if effects not in DYNAMIC_EFFECTS:
        raise GeoprocInputError(
            f"a dynamic panel needs region effects: effects must be 'region' or 'twoway'; "
            f"got {effects!r}")


def dynamic_design(y: np.ndarray, X: np.ndarray, W, dynamic: str, wx: list[int],
                   x_names: list[str], effects: str) -> Design:
    """Transformed arrays of the dynamic model over periods 2..T.

    ``y`` is (T, N), ``X`` (T, N, K); ``wx`` the indices of the regressors with a W x term.
    The columns of ``Z`` are tau (y_{t-1}), psi (W y_{t-1}) as chosen, X, W X[wx].
    """
    T, N = y.shape
    Wy = spatial_lag(W, y)
    cols, names = [], []
    if dynamic in ("tl", "both"):
        cols.append(y[:-1, :, None])
        names.append("tau")
    if dynamic in ("stl", "both"):
        cols.append(Wy[:-1, :, None])
        names.append("psi")
    X1 = X[1:]
    cols.append(X1)
    names += list(x_names)
    if wx:
        cols.append(spatial_lag(W, X1)[..., wx])
        names += [f"W*{x_names[j]}" for j in wx]
    Z = np.concatenate(cols, axis=-1)
    eff = "region" if effects == "region" else "twoway"
    return Design(within(y[1:], eff), within(Wy[1:], eff),
                  within(Z, eff).reshape((T - 1) * N, -1), names)


def _trace_pair(op: SpatialOperator, x: float) -> tuple[float, float]:
    """(tr G(x), tr G(x)^2) with G(x) = W (I - x W)^-1."""
    if op.method == "eig":
        g = op.eigenvalues / (1.0 - x * op.eigenvalues)
        return float(np.real(g.sum())), float(np.real((g * g).sum()))
    return op.exact_trace_G(float(x))


def bias_terms(op: SpatialOperator, rho: float, tau: float, psi: float,
               projected: bool) -> dict[str, float]:
    """The traces of the YdJL bias vector (n times its elements), W only through traces.

    With S = I - rho W, A = S^-1 (tau I + psi W), G = W S^-1 and
    R = (I - A)^-1 S^-1 = ((1 - tau) I - (rho + psi) W)^-1 (YdJL eq. 19's matrices):
    ``tau`` = tr R, ``psi`` = tr(W R), ``rho`` = tau tr(G R) + psi tr(G W R) + tr G.

    All are rational functions of W: with a = 1 - tau and c = (rho + psi)/a,
    tr R = (N + c g(c))/a, tr WR = g(c)/a, and by partial fractions
    tr GR = (rho g(rho) - c g(c)) / (a (rho - c)), tr GWR = (g(rho) - g(c)) / (a (rho - c)),
    with g(x) = tr(W (I - x W)^-1): two trace evaluations, no N x N inverse.
    ``projected``: the traces of F' W F (Lee-Yu time transformation), i.e. without the
    eigenvalue 1 of row-standardised W.
    """
    a = 1.0 - tau
    b = rho + psi
    if a <= 0:
        raise GeoprocInputError(f"tau = {tau:.6f} >= 1: the bias correction (and the process) "
                                "is not defined; the time lag has a unit root")
    c = b / a
    lo, hi = op.bounds
    if not lo < c < hi:
        raise GeoprocInputError(
            f"(rho + psi) / (1 - tau) = {c:.6f} is outside W's feasible interval "
            f"({lo:.6f}, {hi:.6f}): the estimated process is not stationary, so its "
            "YdJL bias correction is not defined")
    g_r, g2_r = _trace_pair(op, rho)
    g_c, _ = _trace_pair(op, c)
    n = op.n
    if abs(rho - c) > 1e-5:
        tr_gr = (rho * g_r - c * g_c) / (a * (rho - c))
        tr_gwr = (g_r - g_c) / (a * (rho - c))
    else:  # the divided differences become derivatives
        tr_gr = (g_r + rho * g2_r) / a
        tr_gwr = g2_r / a
    out = {"tr_R": (n + c * g_c) / a, "tr_WR": g_c / a, "tr_GR": tr_gr, "tr_GWR": tr_gwr,
           "tr_G": g_r}
    if projected:
        # remove the unit eigenvalue: f(1) for each rational function
        ab = a - b
        out["tr_R"] -= 1.0 / ab
        out["tr_WR"] -= 1.0 / ab
        out["tr_GR"] -= 1.0 / ((1.0 - rho) * ab)
        out["tr_GWR"] -= 1.0 / ((1.0 - rho) * ab)
        out["tr_G"] -= 1.0 / (1.0 - rho)
    return out


def stationarity(op: SpatialOperator, rho: float, tau: float, psi: float) -> Stationarity:
    """Check |eigenvalues of (I - rho W)^-1 (tau I + psi W)| < 1 and name what failed."""
    if op.method == "eig" and np.any(np.abs(np.imag(op.eigenvalues)) > 1e-9):
        w = op.eigenvalues
        radius = float(np.max(np.abs((tau + psi * w) / (1.0 - rho * w))))
        ok = radius < 1.0
        msg = "" if ok else (f"the spectral radius of (I - rho W)^-1 (tau I + psi W) is "
                             f"{radius:.6f} >= 1: the process is not stationary")
        return Stationarity(ok, {"spectral_radius": radius}, msg)
    wmin, wmax = float(op.lambda_min), float(op.lambda_max)
    cond = {}
    failed = []
    for label, w in (("w_max", wmax), ("w_min", wmin)):
        up = tau + (rho + psi) * w
        down = tau + (psi - rho) * w
        cond[f"tau+(rho+psi)*{label}"] = up
        cond[f"tau+(psi-rho)*{label}"] = down
        if up >= 1.0:
            what = ("tau + rho + psi" if abs(w - 1.0) < 1e-9 else
                    f"tau + (rho + psi) * {w:.4f}")
            failed.append(f"{what} = {up:.6f} >= 1")
        if down <= -1.0:
            failed.append(f"tau + (psi - rho) * {w:.4f} = {down:.6f} <= -1")
    msg = "" if not failed else ("not stationary: " + "; ".join(dict.fromkeys(failed)) +
                                 " (the long-run effects do not exist)")
    return Stationarity(not failed, cond, msg)


def _diag_G_sq(op: SpatialOperator, rho: float) -> float:
    """sum_i G_ii^2, G = W (I - rho W)^-1 (Omega's kurtosis term).

    Eigenvalue path: a dense inverse (exact). LU path, |rho| <= 0.7: the Neumann series
    G = sum_m rho^(m-1) W^m with diag(W^m) exact for m <= 10 (row sums of
    W^a o (W^b)', a + b = m, sparse) and the tail sum_{m > 10} approximated by
    diag(W^10) rho^10 / (1 - rho) (at most ~0.5% of G_ii for |rho| <= 0.6 on a 6-NN W).
    Larger |rho|: exact, by sparse solves with all N unit vectors (slow for large N).
    """
    if op.method == "eig":
        G = op.W @ np.linalg.inv(np.eye(op.n) - rho * op.W.toarray())
        return float(np.sum(np.diag(G) ** 2))
    if abs(rho) <= 0.7:
        P = [None, op.W.tocsr()]
        for _ in range(4):
            P.append((P[-1] @ op.W).tocsr())
        PT = [None] + [m.T.tocsr() for m in P[1:]]
        g = np.zeros(op.n)
        v = None
        for m in range(2, 11):  # diag(W) = 0 is not assumed: m = 1 below
            a = m // 2
            v = np.asarray(P[a].multiply(PT[m - a]).sum(axis=1)).ravel()
            g += rho ** (m - 1) * v
        g += op.W.diagonal() + v * rho ** 10 / (1.0 - rho)
        return float(g @ g)
    total = 0.0
    step = 512
    for s in range(0, op.n, step):
        idx = np.arange(s, min(s + step, op.n))
        E = np.zeros((op.n, len(idx)))
        E[idx, np.arange(len(idx))] = 1.0
        cols = op.G_apply(rho, E)
        total += float(np.sum(cols[idx, np.arange(len(idx))] ** 2))
    return total


def _information(d: Design, op, coef, rho, sigma2, n_obs, t_eff, proj) -> np.ndarray:
    """Information matrix of (coef, rho, sigma2) at a given point (as in ``fit_lag``)."""
    T, N = d.y.shape
    p = d.Z.shape[1]
    Zd = (d.Z @ coef).reshape(T, N)
    i_dr, i_rr, i_rs, i_ss = _info_spatial(op, rho, Zd, sigma2, n_obs, t_eff, proj, d.Z)
    info = np.zeros((p + 2, p + 2))
    info[:p, :p] = d.Z.T @ d.Z / sigma2
    info[:p, p] = info[p, :p] = i_dr
    info[p, p] = i_rr
    info[p, p + 1] = info[p + 1, p] = i_rs
    info[p + 1, p + 1] = i_ss
    return info


def fit_dynamic(y: np.ndarray, X: np.ndarray, W, *, dynamic: str = "both", model: str = "sdm",
                effects: str = "twoway", lee_yu: bool = True, correct: bool = True,
                wx: list[int] | None = None, x_names: list[str] | None = None,
                op: SpatialOperator | None = None) -> DynamicFit:
    """Estimate a dynamic spatial panel (SAR or SDM) by bias-corrected quasi-ML.

    Parameters
    ----------
    y : (T, N) array
        Dependent variable, period by period (T >= 3).
    X : (T, N, K) array
        Regressors.
    W : scipy.sparse matrix
        N x N weights (row-standardised for ``lee_yu`` with two-way effects).
    dynamic : {"tl", "stl", "both"}
        Time lag tau y_{t-1}, space-time lag psi W y_{t-1}, or both.
    model : {"sdm", "sar"}
    effects : {"twoway", "region"}
    lee_yu : bool
        With two-way effects, remove the time effects by Lee and Yu's transformation
        (default); otherwise the direct two-way within transformation and its O(1/N)
        correction.
    correct : bool
        Apply the YdJL bias correction (default). ``False`` reports the QMLE.
    wx : list of int, optional
        Regressors with a W x term (SDM default: all; SAR: none).
    x_names : list of str, optional
    op : SpatialOperator, optional
        Re-use one built for W.

    Returns
    -------
    DynamicFit
    """
    _check_choice(dynamic, model, effects)
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim == 2:
        X = X[..., None]
    T, N = y.shape
    K = X.shape[2]
    if T < 3:
        raise GeoprocInputError(f"a dynamic panel needs at least 3 periods; got {T}")
    x_names = list(x_names) if x_names is not None else [f"x{j + 1}" for j in range(K)]
    wx = ([] if model == "sar" else list(range(K))) if wx is None else list(wx)
    op = op if op is not None else SpatialOperator(W)
    proj = effects == "twoway" and lee_yu
    if proj and (op.row_sum is None or abs(op.row_sum - 1.0) > 1e-10):
        raise GeoprocInputError(
            "Lee and Yu's transformation for time effects needs row-standardised weights: pass "
            "row_standardize=True (geoproc sdm: --transform R; a pipeline's weights step: "
            "row_standardize = true), or lee_yu=False for the direct two-way transformation")
    d = dynamic_design(y, X, op.W, dynamic, wx, x_names, effects)
    key = "region" if effects == "region" else ("time" if proj else "twoway")
    raw = fit_lag(d, op, key, lee_yu=proj, model=model)
    names = list(d.names)
    corr = (bias_correction(d, op, raw.params, effects, proj, raw.extra["info"]) if correct
            else np.zeros(len(raw.params)))
    theta1 = raw.params + corr
    cov, mu4, ll1 = covariance(d, op, theta1, effects, proj)
    st = stationarity(op, float(theta1[-2]), _pick(theta1, names, "tau"),
                      _pick(theta1, names, "psi"))
    p = len(names)
    coef1, rho1, s2_1 = theta1[:p], float(theta1[p]), float(theta1[p + 1])
    return DynamicFit(model=model, dynamic=dynamic, effects=effects, lee_yu=proj, names=names,
                      x_names=x_names, wx_names=[x_names[j] for j in wx], coef=coef1, rho=rho1,
                      sigma2=s2_1, cov=cov, raw=raw, correction=corr, corrected=correct,
                      loglik=raw.loglik, loglik_corrected=float(ll1), n=N, t=T - 1,
                      n_obs=raw.n_obs, mu4=mu4, stationarity=st, design=d)


def _pick(params: np.ndarray, names: list[str], name: str) -> float:
    return float(params[names.index(name)]) if name in names else 0.0


def _counts(d: Design, effects: str, proj: bool) -> tuple[int, int]:
    T, N = d.y.shape
    return ((N - 1) * T if proj else N * T), T


def bias_correction(d: Design, op: SpatialOperator, params: np.ndarray, effects: str,
                    lee_yu: bool, info: np.ndarray | None = None) -> np.ndarray:
    """theta_1 - theta_hat for the QMLE ``params`` (``d.names``, rho, sigma2).

    YdJL (2008) eq. 19: theta_1 = theta_hat - B/T with B = -Sigma^-1 b, Sigma the
    information per observation; in totals this is I^-1 c with c = n b (:func:`bias_terms`;
    n = N, or N - 1 after the time transformation). The direct two-way transformation adds
    Lee and Yu's (2010, J. Econometrics) O(1/N) term of the time effects,
    I^-1 T' (0, ..., 1/(1 - rho), 1/(2 sigma2)).
    """
    names = list(d.names)
    p = len(names)
    rho, s2 = float(params[p]), float(params[p + 1])
    tau, psi = _pick(params, names, "tau"), _pick(params, names, "psi")
    proj = effects == "twoway" and lee_yu
    n_obs, t_eff = _counts(d, effects, proj)
    tr = bias_terms(op, rho, tau, psi, proj)
    n = op.n - 1 if proj else op.n
    c = np.zeros(p + 2)
    if "tau" in names:
        c[names.index("tau")] = tr["tr_R"]
    if "psi" in names:
        c[names.index("psi")] = tr["tr_WR"]
    c[p] = tau * tr["tr_GR"] + psi * tr["tr_GWR"] + tr["tr_G"]
    c[p + 1] = n / (2.0 * s2)
    if effects == "twoway" and not proj:
        c[p] += t_eff / (1.0 - rho)
        c[p + 1] += t_eff / (2.0 * s2)
    if info is None:  # the QMLE's own (fit_lag's) when given
        info = _information(d, op, params[:p], rho, s2, n_obs, t_eff, proj)
    return np.linalg.solve(info, c)


def covariance(d: Design, op: SpatialOperator, params: np.ndarray, effects: str,
               lee_yu: bool, mu4: float | None = None) -> tuple[np.ndarray, float, float]:
    """(covariance, mu4, log-likelihood) at ``params`` (YdJL Theorem 3).

    ``mu4`` defaults to the fourth moment of the structural residuals at ``params``.
    """
    p = len(d.names)
    coef, rho, s2 = params[:p], float(params[p]), float(params[p + 1])
    proj = effects == "twoway" and lee_yu
    n_obs, t_eff = _counts(d, effects, proj)
    e = d.y.ravel() - rho * d.wy.ravel() - d.Z @ coef
    if mu4 is None:
        mu4 = float(np.sum(e ** 4)) / n_obs
    jac = t_eff * (op.logdet(rho) - (np.log1p(-rho) if proj else 0.0))
    ll = -0.5 * n_obs * np.log(2 * np.pi * s2) - float(e @ e) / (2 * s2) + jac
    info = _information(d, op, coef, rho, s2, n_obs, t_eff, proj)
    return _sandwich(op, info, rho, s2, mu4, n_obs, t_eff, proj), mu4, float(ll)


def _sandwich(op, info, rho, s2, mu4, n_obs, t_eff, proj) -> np.ndarray:
    """Sigma^-1 + Sigma^-1 Omega Sigma^-1 in totals (YdJL Theorem 3, symmetric errors).

    Omega's kurtosis terms: (mu4 - 3 sigma^4)/sigma^4 times T' sum_i G_ii^2 (rho, rho),
    T' tr G / (2 sigma^2) (rho, sigma2) and n_obs / (4 sigma^4) (sigma2, sigma2).
    With the time transformation the G of the transformed model is F'GF, whose diagonal
    depends on the (arbitrary) basis F: the sum of squares of W's G, scaled by (N-1)/N, is
    used instead (basis-free; the term is zero for normal errors).
    """
    p2 = info.shape[0]
    inv = np.linalg.inv(info)
    kappa = (mu4 - 3.0 * s2 * s2) / (s2 * s2)
    if abs(kappa) < 1e-12:
        return inv
    tr_g = _trace_pair(op, rho)[0] - (1.0 / (1.0 - rho) if proj else 0.0)
    dsq = _diag_G_sq(op, rho) * ((op.n - 1) / op.n if proj else 1.0)
    om = np.zeros((p2, p2))
    om[p2 - 2, p2 - 2] = kappa * t_eff * dsq
    om[p2 - 2, p2 - 1] = om[p2 - 1, p2 - 2] = kappa * t_eff * tr_g / (2 * s2)
    om[p2 - 1, p2 - 1] = kappa * n_obs / (4 * s2 * s2)
    return inv + inv @ om @ inv
