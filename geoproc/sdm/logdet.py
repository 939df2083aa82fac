"""What the panel likelihood needs from W: the feasible interval of rho, log|I - rho W|, traces.

Two exact-or-documented paths, chosen by N:

* ``"eig"`` (N <= ``EIG_MAX_N``): the eigenvalues of W give log|I - rho W| and
  tr((I - rho W)^-1) exactly at any rho; the traces of G = W (I - rho W)^-1 in the
  information matrix come from one dense inverse at the estimate.
* ``"lu"`` (larger N): log|I - rho W| from a sparse LU factorisation
  (``scipy.sparse.linalg.splu``, exact to rounding); the feasible interval from ARPACK's
  extreme eigenvalues (ARPACK, only when rho leaves |rho| < 1/max row sum); tr G and tr G^2
  as exact finite-difference derivatives of that log-determinant. The only Monte-Carlo
  piece of the information matrix is tr(G'G) - |W + rho W^2|_F^2, a Hutchinson estimate
  with ``PROBES`` Rademacher vectors (the control term itself is exact). The effects'
  draws use the LeSage-Pace (2009, ch. 4) power series tr((I - rho W)^-1) =
  sum_k rho^k tr(W^k) (tr(W^k) exact for k <= 2, or 4 when W^2 is small; Hutchinson beyond)
  shifted to be exact at the estimate. Point estimates, log-likelihood, sigma^2 and the
  effects' point values are exact; standard errors of rho and of the effects agree with
  the exact (eigenvalue) path to about 1e-4 relative at N = 1000
  (``tests/unit/test_sdm_logdet.py``).

No dense N x N matrix is formed on the ``"lu"`` path; no NT x NT matrix on either.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from geoproc.errors import GeoprocInputError

__all__ = ["EIG_MAX_N", "PROBES", "SpatialOperator"]

EIG_MAX_N = 1000
PROBES = 100
_SERIES_MAX = 400
_TRACE_SEED = 20100  # fixed: the Monte-Carlo traces must not change between runs


class SpatialOperator:
    """A sparse N x N weights matrix with the quantities the spatial likelihood needs.

    Parameters
    ----------
    w : scipy.sparse matrix
        N x N weights, zero diagonal.
    method : {"auto", "eig", "lu"}
        ``"auto"`` uses eigenvalues for N <= ``EIG_MAX_N`` and sparse LU above.
    """

    def __init__(self, w: sparse.spmatrix, method: str = "auto") -> None:
        self.W = sparse.csr_matrix(w, dtype=float)
        self.n = self.W.shape[0]
        if method == "auto":
            method = "eig" if self.n <= EIG_MAX_N else "lu"
        if method not in ("eig", "lu"):
            raise GeoprocInputError(f"logdet method must be 'auto', 'eig' or 'lu', got {method!r}")
        self.method = method
        self._I = sparse.identity(self.n, format="csc")
        rs = np.asarray(self.W.sum(axis=1)).ravel()
        # constant row sums (row-standardised W without islands): 1'(I - rho W)^-1 1 / N
        # has the closed form 1 / (1 - rho r)
        self.row_sum = float(rs[0]) if np.allclose(rs, rs[0], rtol=0, atol=1e-12) else None
        self._traces: np.ndarray | None = None
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

    def inside(self, rho: float, margin: float = 0.0) -> bool:
        """Whether rho is inside the feasible interval (exact interval only when needed)."""
        lo, hi = self.safe_bounds
        if lo + margin < rho < hi - margin:
            return True
        lo, hi = self.bounds
        return lo + margin < rho < hi - margin

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
    def trace_powers(self, order: int) -> np.ndarray:
        """tr(W^k) for k = 0..order (exact low orders, Hutchinson beyond; cached)."""
        if self._traces is not None and len(self._traces) > order:
            return self._traces[: order + 1]
        if self.method == "eig":
            lam = self.eigenvalues
            t = np.real(np.cumprod(np.vstack([np.ones_like(lam)] + [lam] * order), axis=0).sum(axis=1))
            self._traces = t
            return t
        t, _ = self._probe_series(order, rho=None)
        self._traces = t
        return t

    def _exact_low(self) -> dict[int, float]:
        if self._low is None:
            self._low = self._compute_low()
        return self._low

    def _compute_low(self) -> dict[int, float]:
        W = self.W
        out = {0: float(self.n), 1: float(W.diagonal().sum()), 2: float(W.multiply(W.T).sum())}
        if W.nnz * max(1, W.nnz // max(self.n, 1)) <= 5_000_000:
            W2 = W @ W
            out[3] = float(W2.multiply(W.T).sum())
            out[4] = float(W2.multiply(W2.T).sum())
        return out

    def _probe_series(self, order: int, rho: float | None) -> tuple[np.ndarray, float]:
        """Hutchinson traces tr(W^k), k <= order, and (if rho) an estimate of tr(G'G).

        One pass of ``order`` sparse products on a block of ``PROBES`` Rademacher vectors;
        G u = sum_k rho^k W^(k+1) u is accumulated on the way.
        """
        rng = np.random.default_rng(_TRACE_SEED)
        U = rng.choice([-1.0, 1.0], size=(self.n, PROBES))
        V = U
        t = np.zeros(order + 1)
        Gu = np.zeros_like(U)
        Wu = None
        for k in range(1, order + 1):
            V = self.W @ V
            t[k] = np.einsum("ij,ij->", U, V) / PROBES
            if rho is not None:
                if k == 1:
                    Wu = V
                Gu += rho ** (k - 1) * V
        for k, v in self._exact_low().items():
            if k <= order:
                t[k] = v
        t[0] = self.n
        extra = np.nan
        if rho is not None:
            # control variate: H = W + rho W^2 has an exact |H|_F^2; only G - H is sampled
            W = self.W
            W2 = W @ W if W.nnz * max(1, W.nnz // max(self.n, 1)) <= 5_000_000 else None
            if W2 is not None and order >= 2:
                H = (W + rho * W2).tocsr()
                Hu = H @ U
                exact = float(np.sum(H.data**2))
            else:
                Hu, exact = Wu, float(np.sum(W.data**2))
            extra = exact + float((np.einsum("ij,ij->", Gu, Gu) - np.einsum("ij,ij->", Hu, Hu)) / PROBES)
        return t, extra

    def series_order(self, rho_abs: float, tol: float = 1e-11) -> int:
        """Number of power-series terms so that (|rho| * spectral radius)^k < tol."""
        r = rho_abs * self.radius
        if r >= 0.999:
            raise GeoprocInputError(
                f"|rho| = {rho_abs:.4f} is too close to 1/|lambda| for the power-series traces; "
                "use logdet='eig' (N small enough) or check the model"
            )
        if r <= 0:
            return 2
        return int(min(_SERIES_MAX, max(8, np.ceil(np.log(tol) / np.log(r)))))

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

    def trace_B(self, rhos: np.ndarray, anchor: float | None = None) -> np.ndarray:
        """a(rho) = tr((I - rho W)^-1) / N, vectorised over rho.

        On the LU path the power series is shifted to be exact at ``anchor`` (the
        estimate): a = 1 + rho tr(G)/N there, so only the variation across the draws
        carries the Monte-Carlo error of the higher traces.
        """
        rhos = np.atleast_1d(np.asarray(rhos, dtype=float))
        if self.method == "eig":
            return np.real(np.mean(1.0 / (1.0 - np.outer(rhos, self.eigenvalues)), axis=1))
        grid = rhos if anchor is None else np.append(rhos, anchor)
        t = self.trace_powers(self.series_order(float(np.max(np.abs(grid)))))
        k = np.arange(len(t))
        vals = (grid[:, None] ** k[None, :]) @ t / self.n
        if anchor is None:
            return vals
        exact = 1.0 + anchor * self.exact_trace_G(anchor)[0] / self.n
        return vals[:-1] + (exact - vals[-1])

    def trace_BW(self, rhos: np.ndarray, anchor: float | None = None) -> np.ndarray:
        """b(rho) = tr((I - rho W)^-1 W) / N = tr(G)/N, vectorised over rho (see trace_B)."""
        rhos = np.atleast_1d(np.asarray(rhos, dtype=float))
        if self.method == "eig":
            lam = self.eigenvalues
            return np.real(np.mean(lam[None, :] / (1.0 - np.outer(rhos, lam)), axis=1))
        grid = rhos if anchor is None else np.append(rhos, anchor)
        t = self.trace_powers(self.series_order(float(np.max(np.abs(grid)))) + 1)
        k = np.arange(len(t) - 1)
        vals = (grid[:, None] ** k[None, :]) @ t[1:] / self.n
        if anchor is None:
            return vals
        exact = self.exact_trace_G(anchor)[0] / self.n
        return vals[:-1] + (exact - vals[-1])

    def sum_B(self, rhos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(1'(I - rho W)^-1 1 / N, 1'(I - rho W)^-1 W 1 / N), vectorised over rho."""
        rhos = np.atleast_1d(np.asarray(rhos, dtype=float))
        if self.row_sum is not None:
            r = self.row_sum
            c1 = 1.0 / (1.0 - rhos * r)
            return c1, r * c1
        ones = np.ones(self.n)
        w1 = self.W @ ones
        c1 = np.empty_like(rhos)
        c2 = np.empty_like(rhos)
        for i, r in enumerate(rhos):
            x = self.solve(r, np.column_stack([ones, w1]))
            c1[i], c2[i] = x.sum(axis=0) / self.n
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
            # one pass serves the information matrix at rho and, cached, the effects' draws
            # around it (|rho| + 0.2 covers the simulated rho's at any usable precision)
            reach = max(abs(rho), min(abs(rho) + 0.2, 0.95 / self.radius))
            order = max(self.series_order(abs(rho)) + 2, self.series_order(reach) + 1, 4)
            t, extra = self._probe_series(order, rho)
            if self._traces is None or len(self._traces) < len(t):
                self._traces = t
            tr1, tr2 = self.exact_trace_G(rho)
            tr3 = extra
            g1 = self.W.T @ self.solve(rho, np.ones(self.n), transpose=True)
        if time_projected:
            c = 1.0 / (1.0 - rho)
            tr1 -= c
            tr2 -= c * c
            tr3 -= float(g1 @ g1) / self.n
        return tr1, tr2, tr3
