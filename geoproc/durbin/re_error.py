"""Random region effects in the spatial error model (Elhorst 2003; his ``sem_panel_RE``).

y_t = X_t beta + mu + u_t, u_t = lambda W u_t + e_t, mu ~ (0, sigma_mu^2 I_N), e_t ~ (0, sigma^2 I_N).
With B = I - lambda W and theta^2 = sigma_mu^2 / sigma^2 the covariance is
sigma^2 [Jbar_T kron V + E_T kron (B'B)^-1], V = T theta^2 I + (B'B)^-1 (Jbar_T = 11'/T,
E_T = I - Jbar_T), so with r = y - X beta, rbar its time mean and r~ = r - rbar,

    logL = -NT/2 log(2 pi sigma^2) - 1/2 log|M| + T log|B|
           - [sum_t r~_t' B'B r~_t + T rbar' V^-1 rbar] / (2 sigma^2),

M = I + T theta^2 B'B (|V| = |M| / |B|^2) and V^-1 = M^-1 B'B. beta and sigma^2 have closed
forms (GLS) for given (lambda, theta^2); those two are found numerically; the covariance is
the inverse numerical Hessian of the full likelihood. Dense N x N algebra (N <= 2000).

Two-way effects (fixed time effects, row-standardised W): Lee and Yu's F_N' removes them
exactly, since F_N' B = (I - lambda W*) F_N' with W* = F_N' W F_N when W 1 = 1: the
transformed data are again a random-effects error model, in N - 1 regions with W*.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from geoproc.durbin.estimation import Fit
from geoproc.errors import GeoprocInputError

__all__ = ["fit_random_effects_error"]

MAX_N = 2000


def _orth_complement(n: int) -> np.ndarray:
    """n x (n - 1) orthonormal columns orthogonal to 1 (Lee and Yu's F_N)."""
    vals, vecs = np.linalg.eigh(np.eye(n) - 1.0 / n)
    return vecs[:, vals > 0.5]


class _ReErrorLikelihood:
    def __init__(self, Y: np.ndarray, R: np.ndarray, W: np.ndarray) -> None:
        self.T, self.n = Y.shape
        self.W = W
        self.ev = np.linalg.eigvals(W)
        self.ybar, self.Rbar = Y.mean(axis=0), R.mean(axis=0)
        self.yt, self.Rt = Y - self.ybar, R - self.Rbar

    def parts(self, lam: float, th2: float):
        """(beta, Q(beta), log|M|, log|B|) at (lambda, theta^2)."""
        T, n = self.T, self.n
        B = np.eye(n) - lam * self.W
        BtB = B.T @ B
        M = np.eye(n) + T * th2 * BtB
        Vinv = np.linalg.solve(M, BtB)
        BR = np.einsum("ij,tjk->tik", B, self.Rt)
        By = self.yt @ B.T
        A = np.einsum("tik,til->kl", BR, BR) + T * self.Rbar.T @ Vinv @ self.Rbar
        c = np.einsum("tik,ti->k", BR, By) + T * self.Rbar.T @ Vinv @ self.ybar
        beta = np.linalg.solve(A, c)
        ew = By - BR @ beta
        eb = self.ybar - self.Rbar @ beta
        Q = float(np.sum(ew**2) + T * eb @ Vinv @ eb)
        logdet_m = np.linalg.slogdet(M)[1]
        logdet_b = float(np.sum(np.log(np.abs(1.0 - lam * self.ev))).real)
        return beta, Q, logdet_m, logdet_b

    def concentrated(self, lam: float, th2: float) -> float:
        _, Q, ldm, ldb = self.parts(lam, th2)
        nt = self.n * self.T
        return -0.5 * nt * (np.log(2 * np.pi * Q / nt) + 1.0) - 0.5 * ldm + self.T * ldb

    def full(self, p: np.ndarray) -> float:
        """logL at (beta, lambda, theta^2, sigma^2)."""
        k = self.Rbar.shape[1]
        beta, lam, th2, s2 = p[:k], p[k], p[k + 1], p[k + 2]
        T, n = self.T, self.n
        B = np.eye(n) - lam * self.W
        BtB = B.T @ B
        M = np.eye(n) + T * th2 * BtB
        ew = (self.yt - self.Rt @ beta) @ B.T
        eb = self.ybar - self.Rbar @ beta
        Q = float(np.sum(ew**2) + T * eb @ np.linalg.solve(M, BtB @ eb))
        return (-0.5 * n * T * np.log(2 * np.pi * s2) - 0.5 * np.linalg.slogdet(M)[1]
                + T * float(np.sum(np.log(np.abs(1.0 - lam * self.ev))).real) - Q / (2 * s2))


def fit_random_effects_error(Y: np.ndarray, X: np.ndarray, W, time_effects: bool,
                             x_names: list[str]) -> Fit:
    """Random-effects spatial error model by ML.

    Parameters
    ----------
    Y : (T, N) array
    X : (T, N, K) array
    W : sparse or dense N x N (row-standardised for ``time_effects``)
    time_effects : bool
        Fixed time effects removed by Lee and Yu's F_N'; otherwise an intercept (last
        coefficient, ``const``).
    x_names : list of str

    Returns
    -------
    Fit
        ``model="sem"``, ``spatial_name="lambda"``; ``cov`` over (coefficients, lambda,
        sigma^2) with theta^2 profiled out of the inverse Hessian; ``resid`` the composite
        error mu + u (y - X beta - const; demeaned by period with time effects); ``extra``: ``phi``,
        ``sigma2_mu``, ``cov_full`` (with theta^2 before sigma^2), ``time_transform``.
    """
    Wd = W.toarray() if hasattr(W, "toarray") else np.asarray(W, dtype=float)
    T, N, K = X.shape
    if N > MAX_N:
        raise GeoprocInputError(f"the random-effects error model uses dense N x N algebra: "
                                f"N = {N} regions is more than {MAX_N}")
    Y, R = np.asarray(Y, dtype=float), np.asarray(X, dtype=float)
    Y0, X0 = Y, R
    names = list(x_names)
    if time_effects:
        if not np.allclose(Wd.sum(axis=1), 1.0, atol=1e-10):
            raise GeoprocInputError("the random-effects error model with time effects needs "
                                    "row-standardised weights (row_standardize=True)")
        F = _orth_complement(N)
        Y, R, Wd = Y @ F, np.einsum("tnk,nm->tmk", R, F), F.T @ Wd @ F
    else:
        R = np.concatenate([R, np.ones((T, N, 1))], axis=2)
        names.append("const")
    lik = _ReErrorLikelihood(Y, R, Wd)
    ev = lik.ev.real
    lo, hi = 1.0 / ev.min() + 1e-6, 1.0 / ev.max() - 1e-6
    best = None
    for lam0 in (0.0, 0.5 * hi, 0.5 * lo):  # a few starts: the surface can be flat in theta
        res = optimize.minimize(lambda q: -lik.concentrated(q[0], np.exp(q[1])), [lam0, 0.0],
                                method="L-BFGS-B", bounds=[(lo, hi), (-20.0, 10.0)],
                                options={"ftol": 1e-14, "gtol": 1e-10})
        if best is None or res.fun < best.fun:
            best = res
    res = optimize.minimize(lambda q: -lik.concentrated(q[0], np.exp(q[1])), best.x,
                            method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-13})
    lam, th2 = float(res.x[0]), float(np.exp(res.x[1]))
    if not lo < lam < hi:
        raise GeoprocInputError(f"random-effects error model: lambda ran to its bound ({lam:.4f})")
    beta, Q, _, _ = lik.parts(lam, th2)
    n_obs = Y.size
    s2 = Q / n_obs
    loglik = lik.concentrated(lam, th2)
    from geoproc.durbin.sac import _hessian

    p = np.concatenate([beta, [lam, th2, s2]])
    cov_full = np.linalg.inv(-_hessian(lik.full, p))
    k = len(beta)
    idx = list(range(k + 1)) + [k + 2]
    # residuals in the regions' space (N T of them): the composite error mu + u,
    # y - X beta - const, demeaned by period when the time effects are fixed
    comp = Y0 - X0 @ beta[:K] - (0.0 if time_effects else beta[K])
    resid = (comp - comp.mean(axis=1, keepdims=True) if time_effects else comp).ravel()
    phi = 1.0 / np.sqrt(T * th2 + 1.0)
    return Fit("sem", names, beta, lam, s2, float(loglik), resid, cov_full[np.ix_(idx, idx)],
               n_obs, T, spatial_name="lambda",
               extra={"phi": float(phi), "sigma2_mu": float(th2 * s2), "cov_full": cov_full,
                      "time_transform": "lee_yu" if time_effects else None})
