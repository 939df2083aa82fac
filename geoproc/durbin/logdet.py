"""What the panel likelihood needs from W: the feasible interval of rho, log|I - rho W|, traces.

Two paths, chosen by N; both are exact (to rounding) for everything reported:

* ``"eig"`` (N <= ``EIG_MAX_N``, or a W with more than 10% non-zeros up to N = 4000): the eigenvalues of W give log|I - rho W|, tr G, tr G^2 and
  tr((I - rho W)^-1) at any rho; tr G'G (G = W (I - rho W)^-1) comes from one dense inverse
  at the estimate.
* ``"lu"`` (larger N), no dense N x N matrix:

  - log|I - rho W| from a sparse LU factorisation (``scipy.sparse.linalg.splu``; the
    fill-reducing ordering is found once and re-used, and no pivoting is needed while
    |rho| * max row sum < 1, where I - rho W is strictly diagonally dominant);
  - tr G = -d/drho log|I - rho W| and tr G^2 = -d^2/drho^2 log|I - rho W|: derivatives of
    a Chebyshev interpolant of that exact log-determinant built around the estimate during
    the search (or five-point finite differences);
  - tr G'G = d/dt log|(I - rho W)'(I - rho W) + t W'W| at t = 0 (the derivative of a
    log-determinant is the trace of the inverse times the direction), by a central
    difference of two sparse factorisations;
  - a(rho) = tr((I - rho W)^-1)/N = 1 + rho tr G/N at the many rho's of the effects' draws
    from a Chebyshev interpolant of the exact log-determinant over the draws' range;
  - the feasible interval from 1/lambda_max (= 1 for row-standardised W) and ARPACK's
    smallest real eigenvalue, computed only when rho leaves |rho| < 1/max row sum.

  Relative errors against the eigenvalue path are about 1e-9 or less for the traces
  (``tests/unit/test_sdm_logdet.py``). A cheap Hutchinson series estimate of the
  log-determinant is used only to place the first bracket of the search.

No NT x NT matrix is formed on either path.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from geoproc.errors import GeoprocInputError

__all__ = ["EIG_MAX_N", "SpatialOperator"]

EIG_MAX_N = 1000
_TRACE_SEED = 20100  # fixed: the search's starting bracket must not change between runs


class SpatialOperator:
    """A sparse N x N weights matrix with the quantities the spatial likelihood needs.

    Parameters
    ----------
    w : scipy.sparse matrix
        N x N weights, zero diagonal.
    method : {"auto", "eig", "lu"}
        ``"auto"`` uses eigenvalues for N <= ``EIG_MAX_N`` (or for a dense W up to
        4 ``EIG_MAX_N``) and sparse LU otherwise.
    """

    def __init__(self, w: sparse.spmatrix, method: str = "auto") -> None:
        self.W = sparse.csr_matrix(w, dtype=float)
        self.n = self.W.shape[0]
        if method == "auto":
            # a dense W (gravity, inverse distance without cut-off) fills the sparse LU
            # completely: one O(N^3) eigendecomposition then beats ~25 dense factorisations
            dense = self.W.nnz > 0.1 * self.n * self.n and self.n <= 4 * EIG_MAX_N
            method = "eig" if self.n <= EIG_MAX_N or dense else "lu"
        if method not in ("eig", "lu"):
            raise GeoprocInputError(f"logdet method must be 'auto', 'eig' or 'lu', got {method!r}")
        self.method = method
        self._I = sparse.identity(self.n, format="csc")
        rs = np.asarray(self.W.sum(axis=1)).ravel()
        # constant row sums (row-standardised W without islands): 1'(I - rho W)^-1 1 / N
        # has the closed form 1 / (1 - rho r)
        self.row_sum = float(rs[0]) if np.allclose(rs, rs[0], rtol=0, atol=1e-12) else None
        self._gram_order: np.ndarray | None = None
        # every interpolant built so far: the restricted (SAR, SEM), Lee-Yu and random-effects
        # fits of one run reuse one that covers their search instead of refactorising
        self._surs: list[tuple] = []
        self._sur: tuple | None = None  # the one the current search runs on
        self._lu_last: tuple | None = None
        self._approx: np.ndarray | None = None
        self._order: np.ndarray | None = None
        self._Wp = None
        self._low: dict[int, float] | None = None
        self._exact_tr: dict[float, tuple[float, float]] = {}
        # |rho| * max row sum < 1: I - rho W is strictly diagonally dominant, so LU needs no
        # pivoting and a symmetric fill-reducing ordering can be used (about 3x faster)
        self._max_row = float(np.max(np.abs(self.W).sum(axis=1))) if self.n else 0.0
        self._lambda_min: float | None = None
        if method == "eig":
            self.eigenvalues = np.linalg.eigvals(self.W.toarray())
            real = self.eigenvalues[np.abs(self.eigenvalues.imag) < 1e-9].real
            self._lambda_min, lmax = float(real.min()), float(real.max())
            self.radius = float(np.max(np.abs(self.eigenvalues)))
        else:
            self.eigenvalues = None
            if self.row_sum is not None and abs(self.row_sum - 1.0) < 1e-12 and self.W.data.min() >= 0:
                lmax = 1.0  # a non-negative row-stochastic matrix has spectral radius 1
            else:
                from scipy.sparse.linalg import eigs

                lmax = float(eigs(self.W, k=1, which="LR", return_eigenvectors=False, tol=1e-10)[0].real)
            self.radius = self._max_row  # |lambda| <= max absolute row sum
        if lmax <= 0:
            raise GeoprocInputError("weights have no positive eigenvalue: every region is an island?")
        self.lambda_max = lmax
        # |rho| < 1/radius is always feasible; cheap to test before the exact interval is needed
        self.safe_bounds: tuple[float, float] = (-1.0 / self.radius, 1.0 / self.radius)

    @property
    def lambda_min(self) -> float:
        """Smallest real eigenvalue of W (ARPACK on the sparse path, computed when first needed)."""
        if self._lambda_min is None:
            from scipy.sparse.linalg import eigs

            # the lower bound only has to keep the search off singular I - rho W: 1e-8 will do
            self._lambda_min = float(eigs(self.W, k=1, which="SR", return_eigenvectors=False,
                                          tol=1e-8, ncv=min(self.n - 1, 60))[0].real)
        return self._lambda_min

    @property
    def bounds(self) -> tuple[float, float]:
        """Feasible interval of rho: (1/lambda_min, 1/lambda_max)."""
        lmin = self.lambda_min
        lo = 1.0 / lmin if lmin < 0 else -np.inf
        return (lo, 1.0 / self.lambda_max)

    # --- log-determinant --------------------------------------------------
    def logdet(self, rho: float) -> float:
        """log|I - rho W| (exact)."""
        if self.method == "eig":
            return float(np.sum(np.log(np.abs(1.0 - rho * self.eigenvalues))))
        lu, _ = self._lu(rho)
        return float(np.sum(np.log(np.abs(lu.U.diagonal()))) + np.sum(np.log(np.abs(lu.L.diagonal()))))

    def _lu(self, rho: float):
        """Sparse LU of I - rho W, or of P (I - rho W) P' (same determinant) on the fast path.

        Returns (factor, order) with ``order`` None or the symmetric permutation used.
        """
        from scipy.sparse.linalg import splu

        if self._lu_last is not None and self._lu_last[0] == rho:  # logdet then solve at rho-hat
            return self._lu_last[1]
        out = self._factor(rho, splu)
        self._lu_last = (rho, out)
        return out

    def _factor(self, rho: float, splu):
        if abs(rho) * self._max_row < 1.0:
            fast = {"diag_pivot_thresh": 0.0, "options": {"SymmetricMode": True}}
            if self._order is None:
                # the fill-reducing ordering depends only on W's pattern: find it once, then
                # factorise the pre-permuted matrix without re-ordering (~40% faster per rho)
                lu = splu((self._I - rho * self.W).tocsc(), permc_spec="MMD_AT_PLUS_A", **fast)
                self._order = np.argsort(lu.perm_c)
                self._Wp = self.W[self._order][:, self._order].tocsc()
            a = (self._I - rho * self._Wp).tocsc()
            return splu(a, permc_spec="NATURAL", **fast), self._order
        return splu((self._I - rho * self.W).tocsc()), None

    def solve(self, rho: float, rhs: np.ndarray, transpose: bool = False) -> np.ndarray:
        """(I - rho W)^-1 rhs (or the transpose system), rhs N or N x m."""
        lu, order = self._lu(rho)
        rhs = np.asarray(rhs, dtype=float)
        trans = "T" if transpose else "N"
        if order is None:
            return lu.solve(rhs, trans=trans)
        out = np.empty_like(rhs)
        out[order] = lu.solve(np.ascontiguousarray(rhs[order]), trans=trans)
        return out

    def approx_logdet(self, rho: float) -> float:
        """Cheap series estimate of log|I - rho W| (20 probes, 50 terms) to start the search.

        Only used to place the exact search's bracket; never reported.
        """
        if self.method == "eig":
            return self.logdet(rho)
        if self._approx is None:
            rng = np.random.default_rng(_TRACE_SEED + 1)
            U = rng.choice([-1.0, 1.0], size=(self.n, 20))
            V = U
            t = np.zeros(51)
            for k in range(1, 51):
                V = self.W @ V
                t[k] = np.einsum("ij,ij->", U, V) / 20
            for k, v in self._exact_low().items():
                t[k] = v
            self._approx = t
        k = np.arange(1, 51)
        return float(-np.sum(rho**k * self._approx[1:] / k))

    def G_apply(self, rho: float, rhs: np.ndarray) -> np.ndarray:  # noqa: N802
        """G rhs with G = W (I - rho W)^-1."""
        return self.W @ self.solve(rho, rhs)

    # --- traces -----------------------------------------------------------
    def _exact_low(self) -> dict[int, float]:
        """Exact tr(W^k), k <= 2 (the start of the approximate search's series)."""
        if self._low is None:
            W = self.W
            self._low = {0: float(self.n), 1: float(W.diagonal().sum()),
                         2: float(W.multiply(W.T).sum())}
        return self._low

    def _gram_trace(self, rho: float) -> float:
        """tr(G'G) = d/dt log|A'A + t W'W| at t = 0, A = I - rho W (central difference).

        d/dt log|M + tB| = tr((M + tB)^-1 B) and tr((A'A)^-1 W'W) = tr(W A^-1 A'^-1 W') =
        tr(G G'). The step is scaled by (1 - |rho| radius)^2, the curvature of the function.
        """
        from scipy.sparse.linalg import splu

        A = (self._I - rho * self.W).tocsc()
        AA = (A.T @ A).tocsc()
        WW = (self.W.T @ self.W).tocsc()
        fast = {"diag_pivot_thresh": 0.0, "options": {"SymmetricMode": True}}  # SPD: no pivoting
        # central difference: truncation h^2/6 f''' ~ 1e-11 relative, rounding ~1e-15 N / h
        h = 1e-5 * max(1e-3, (1.0 - min(abs(rho) * self.radius, 0.999))) ** 2

        def logdet(lu) -> float:
            return float(np.sum(np.log(np.abs(lu.U.diagonal()))))

        if self._gram_order is None:
            # the first factorisation finds the fill-reducing ordering, kept for later ones
            lu = splu((AA + h * WW).tocsc(), permc_spec="MMD_AT_PLUS_A", **fast)
            self._gram_order = np.argsort(lu.perm_c)
            f_plus = logdet(lu)
        else:
            f_plus = None
        o = self._gram_order
        AA, WW = AA[o][:, o], WW[o][:, o]

        def f(t: float) -> float:
            return logdet(splu((AA + t * WW).tocsc(), permc_spec="NATURAL", **fast))

        if f_plus is None:
            f_plus = f(h)
        return (f_plus - f(-h)) / (2 * h)

    def exact_trace_G(self, rho: float) -> tuple[float, float]:
        """(tr G, tr G^2) at rho, exact (cached).

        tr G = -d/drho log|I - rho W| and tr G^2 = -d^2/drho^2 log|I - rho W|: on the LU path
        they are the five-point finite differences (h = 1e-3, truncation O(h^4)) of the
        exact sparse-LU log-determinant: relative error about 1e-9, for four extra
        factorisations instead of a dense inverse.
        """
        key = float(rho)
        if key in self._exact_tr:
            return self._exact_tr[key]
        sur = self._covering(key, key) if self.method == "lu" else None
        if sur is not None:
            # derivatives of the search's Chebyshev interpolant: relative error ~1e-12
            from numpy.polynomial import chebyshev as C

            lo, hi, coef = sur
            w = 0.5 * (hi - lo)
            x = (key - 0.5 * (lo + hi)) / w
            out = (-float(C.chebval(x, C.chebder(coef))) / w,
                   -float(C.chebval(x, C.chebder(coef, 2))) / w**2)
            self._exact_tr[key] = out
            return out
        if self.method == "eig":
            g = self.eigenvalues / (1.0 - rho * self.eigenvalues)
            out = (float(np.real(g.sum())), float(np.real((g * g).sum())))
        else:
            h = 1e-3 * min(1.0, (1.0 / self.radius - abs(rho)) / 0.01)
            f = {j: self.logdet(rho + j * h) for j in (-2, -1, 0, 1, 2)}
            d1 = (f[-2] - 8 * f[-1] + 8 * f[1] - f[2]) / (12 * h)
            d2 = (-f[-2] + 16 * f[-1] - 30 * f[0] + 16 * f[1] - f[2]) / (12 * h * h)
            out = (-d1, -d2)
        self._exact_tr[key] = out
        return out

    # --- Chebyshev surrogate of the exact log-determinant (LU path) ---------------
    def _chebyshev(self, lo: float, hi: float, tol: float = 1e-13) -> tuple[float, float, np.ndarray]:
        """Interpolant of the exact log|I - rho W| at Chebyshev nodes on [lo, hi].

        log|I - rho W| is analytic away from rho = 1/lambda; with d the distance of the
        interval to the nearest possible singularity (|rho| = 1/radius) and w its half-width
        the interpolant converges like (1 + 2d/w)^-m: m is chosen for ``tol`` (6 to 40 nodes).
        """
        from numpy.polynomial import chebyshev as C

        w = 0.5 * (hi - lo)
        c = 0.5 * (lo + hi)
        d = max(1.0 / self.radius - max(abs(lo), abs(hi)), 1e-3)
        m = int(np.clip(np.ceil(np.log(1.0 / tol) / np.log(1.0 + 2.0 * d / w)) + 3, 6, 40))
        k = np.arange(m)
        nodes = c + w * np.cos(np.pi * (k + 0.5) / m)
        y = np.array([self.logdet(float(r)) for r in nodes])
        return lo, hi, C.chebfit((nodes - c) / w, y, m - 1)

    def build_surrogate(self, lo: float, hi: float) -> None:
        """Interpolate the exact log-determinant on [lo, hi] (used by the search and the draws)."""
        self._sur = self._chebyshev(lo, hi)
        self._surs.append(self._sur)

    def _covering(self, a: float, b: float) -> tuple | None:
        """The narrowest interpolant built so far whose interval contains [a, b] (or None)."""
        inside = [s for s in self._surs if s[0] <= a and b <= s[1]]
        return min(inside, key=lambda s: s[1] - s[0]) if inside else None

    def surrogate_covers(self, a: float, b: float) -> bool:
        """Whether an interpolant built so far contains [a, b]."""
        return self._covering(a, b) is not None

    def use_surrogate(self, a: float, b: float) -> tuple[float, float]:
        """Make an interpolant containing [a, b] the one :meth:`surrogate_logdet` uses; its interval."""
        sur = self._covering(a, b)
        if sur is None:
            raise ValueError(f"no log-determinant interpolant covers [{a}, {b}]")
        self._sur = sur
        return sur[0], sur[1]

    def surrogate_logdet(self, rho: float) -> float:
        """The interpolated log-determinant (relative error ~1e-13 inside its interval)."""
        from numpy.polynomial import chebyshev as C

        lo, hi, coef = self._sur
        return float(C.chebval((rho - 0.5 * (lo + hi)) / (0.5 * (hi - lo)), coef))

    def _trace_G_many(self, rhos: np.ndarray) -> np.ndarray:
        """tr G at many rho's (the effects' draws) on the LU path.

        A few distinct values: finite differences at each. Otherwise -d/drho of a Chebyshev
        interpolant of the exact log-determinant spanning the values (the search's one if it
        covers them).
        """
        from numpy.polynomial import chebyshev as C

        uniq = np.unique(rhos)
        if len(uniq) <= 3:
            vals = {r: self.exact_trace_G(float(r))[0] for r in uniq}
            return np.array([vals[r] for r in rhos])
        lo, hi = float(uniq[0]), float(uniq[-1])
        sur = self._covering(lo, hi)
        if sur is not None:
            lo, hi, coef = sur
        else:
            pad = 0.05 * (hi - lo) + 1e-6
            lo, hi, coef = self._chebyshev(lo - pad, hi + pad, tol=1e-12)
        w = 0.5 * (hi - lo)
        return -C.chebval((rhos - 0.5 * (lo + hi)) / w, C.chebder(coef) / w)

    def trace_G(self, rhos: np.ndarray) -> np.ndarray:
        """tr G(rho) = tr(W (I - rho W)^-1), vectorised over rho (exact on both paths)."""
        rhos = np.atleast_1d(np.asarray(rhos, dtype=float))
        if self.method == "eig":
            lam = self.eigenvalues
            return np.real(np.sum(lam[None, :] / (1.0 - np.outer(rhos, lam)), axis=1))
        return self._trace_G_many(rhos)

    def trace_B(self, rhos: np.ndarray) -> np.ndarray:
        """a(rho) = tr((I - rho W)^-1) / N = 1 + rho tr(G)/N, vectorised over rho."""
        rhos = np.atleast_1d(np.asarray(rhos, dtype=float))
        if self.method == "eig":
            return np.real(np.mean(1.0 / (1.0 - np.outer(rhos, self.eigenvalues)), axis=1))
        return 1.0 + rhos * self._trace_G_many(rhos) / self.n

    def trace_BW(self, rhos: np.ndarray) -> np.ndarray:
        """b(rho) = tr((I - rho W)^-1 W) / N = tr(G)/N, vectorised over rho."""
        rhos = np.atleast_1d(np.asarray(rhos, dtype=float))
        if self.method == "eig":
            lam = self.eigenvalues
            return np.real(np.mean(lam[None, :] / (1.0 - np.outer(rhos, lam)), axis=1))
        return self._trace_G_many(rhos) / self.n

    def sum_B(self, rhos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(1'(I - rho W)^-1 1 / N, 1'(I - rho W)^-1 W 1 / N), vectorised over rho."""
        rhos = np.atleast_1d(np.asarray(rhos, dtype=float))
        if self.row_sum is not None:
            r = self.row_sum
            c1 = 1.0 / (1.0 - rhos * r)
            return c1, r * c1
        ones = np.ones(self.n)
        rhs = np.column_stack([ones, self.W @ ones])

        def exact(r: float) -> np.ndarray:
            return self.solve(r, rhs).sum(axis=0) / self.n

        uniq = np.unique(rhos)
        if len(uniq) <= 3:
            vals = {r: exact(float(r)) for r in uniq}
            out = np.array([vals[r] for r in rhos])
            return out[:, 0], out[:, 1]
        # many draws: both sums are analytic in rho; interpolate exact values at Chebyshev
        # nodes (as for the log-determinant) instead of one factorisation per draw
        from numpy.polynomial import chebyshev as C

        pad = 0.05 * (uniq[-1] - uniq[0]) + 1e-6
        lo, hi = float(uniq[0]) - pad, float(uniq[-1]) + pad
        w, c = 0.5 * (hi - lo), 0.5 * (lo + hi)
        d = max(1.0 / self.radius - max(abs(lo), abs(hi)), 1e-3)
        m = int(np.clip(np.ceil(np.log(1e13) / np.log(1.0 + 2.0 * d / w)) + 3, 6, 40))
        nodes = c + w * np.cos(np.pi * (np.arange(m) + 0.5) / m)
        vals = np.array([exact(float(r)) for r in nodes])
        x = (rhos - c) / w
        c1 = C.chebval(x, C.chebfit((nodes - c) / w, vals[:, 0], m - 1))
        c2 = C.chebval(x, C.chebfit((nodes - c) / w, vals[:, 1], m - 1))
        return c1, c2

    def G_traces(self, rho: float, time_projected: bool = False) -> tuple[float, float, float]:  # noqa: N802
        """(tr G, tr G^2, tr G'G) for G = W (I - rho W)^-1.

        With ``time_projected`` the traces are of J G with J = I - 11'/N (Lee and Yu's
        transformation for time effects, row-standardised W): tr(JG) = tr G - c,
        tr((JG)^2) = tr G^2 - c^2, tr((JG)'JG) = tr G'G - |G'1|^2 / N, c = 1/(1 - rho).
        """
        if self.method == "eig":
            B = np.linalg.inv(np.eye(self.n) - rho * self.W.toarray())
            G = self.W @ B
            tr1, tr2, tr3 = float(np.trace(G)), float(np.sum(G * G.T)), float(np.sum(G * G))
            g1 = G.sum(axis=0)
        else:
            tr1, tr2 = self.exact_trace_G(rho)
            tr3 = self._gram_trace(rho)
            g1 = self.W.T @ self.solve(rho, np.ones(self.n), transpose=True) if time_projected else None
        if time_projected:
            c = 1.0 / (1.0 - rho)
            tr1 -= c
            tr2 -= c * c
            tr3 -= float(g1 @ g1) / self.n
        return tr1, tr2, tr3
