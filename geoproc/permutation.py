"""Conditional permutation inference for local statistics (LISA, bivariate LISA, Gi/Gi*).

esda's ``crand`` semantics, vectorised in NumPy with esda's draws for the same
seed (see :mod:`geoproc.lisa` for why not esda's numba kernels). Shared by
:mod:`geoproc.lisa` and :mod:`geoproc.hotspots`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from geoproc.progress import ProgressCallback, report

if TYPE_CHECKING:
    from geoproc.weights.base import SpatialWeights

__all__ = ["G", "G_STAR", "MORAN", "MORAN_BV", "conditional_permutation", "permuted_ids", "permuted_values",
           "permutation_blocks", "pseudo_p"]

# statistic kinds of the kernel
MORAN, MORAN_BV, G, G_STAR = 0, 1, 2, 3

# elements (sites x permutations x neighbours) gathered at once: bounds memory to ~20 MB
_BLOCK = 1 << 20
# permuted values held at once by the global statistics' streams (16 MB of float64 per array)
GLOBAL_BLOCK = 1 << 21
# sites x permutations from which the numba kernel (all cores) replaces NumPy: below it,
# loading the cached kernel in a new process (~0.5 s) costs more than it saves
NUMBA_FROM = 10_000_000


def permuted_ids(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """``permutations`` x ``max_card`` draws without replacement from 0..n-2.

    The same draws as ``esda.crand.vec_permutations``: numba's ``np.random.seed`` +
    ``np.random.choice(n - 1, max_card, replace=False)`` reproduce NumPy's legacy
    MT19937 stream and algorithm, so a private ``RandomState(seed)`` gives them
    without numba (and without touching NumPy's global state).
    """
    rs = np.random.RandomState(seed)
    out = np.empty((permutations, max_card), dtype=np.int64)
    for k in range(permutations):
        out[k] = rs.choice(n - 1, size=max_card, replace=False)
    return out


def conditional_permutation(
    kind: int,
    zx: np.ndarray,
    zy: np.ndarray,
    w: SpatialWeights,
    observed: np.ndarray,
    permutations: int,
    scaling: float,
    seed: int | None = None,
    n_jobs: int = 1,
    keep: bool = False,
    self_weights: np.ndarray | None = None,
    progress: ProgressCallback | None = None,
    engine: str = "auto",
) -> dict[str, np.ndarray]:
    """Conditional randomisation of a local statistic (esda's ``crand`` semantics).

    Site i is held fixed; its neighbours' values are drawn without replacement
    from the other n - 1 sites, the k-th draw of a permutation multiplying the
    k-th weight of the row. Every site uses the same P x max_card draws (esda's
    scheme), so no draw depends on how sites are split among threads.

    Two engines give the same p-values: NumPy, vectorised over blocks of sites with
    the same number of neighbours (nothing to compile or load in a new process), for
    small problems; and a numba kernel (:mod:`geoproc._permutation_kernel`) on
    ``n_jobs`` threads, from ``NUMBA_FROM`` sites x permutations. Each site's
    statistics are summed in one thread in a fixed order, so the numba results are
    identical for any ``n_jobs``. Both keep counts, mean and sd per site, never the
    n x P simulations unless ``keep``.

    Parameters
    ----------
    kind : int
        ``MORAN``, ``MORAN_BV``, ``G`` or ``G_STAR``.
    zx, zy : ndarray
        The focal values and the values permuted among the neighbours.
    w : SpatialWeights
        The weights between distinct regions (zero diagonal).
    observed : ndarray
        The observed statistic of each site.
    permutations : int
    scaling : float
        The statistic's constant: (n - 1) / z'z for Moran, the sum of y for G.
    seed : int, optional
        The same seed gives esda's draws.
    n_jobs : int
        Threads of the numba engine (-1: all cores); the NumPy engine runs one thread.
    keep : bool
        Also return the n x P simulated values.
    self_weights : ndarray, optional
        Each site's weight on itself (G*'s diagonal; default 0), held fixed.
    progress : callable, optional
        Called with the fraction of sites done between blocks of sites; returning
        ``False`` raises :class:`geoproc.progress.Cancelled`. The blocks and draws
        are the same with or without it, so the results are identical.
    engine : {"auto", "numpy", "numba"}
        "auto": numba from ``NUMBA_FROM`` sites x permutations, NumPy below.

    Returns
    -------
    dict of str -> ndarray
        ``p_sim`` (esda's pseudo p: (min(#sim >= obs, #sim < obs) + 1) / (P + 1);
        NaN for islands), ``EI_sim``, ``seI_sim`` (population sd, as esda), and ``sim``
        (n x P) if ``keep``.
    """
    off = w.sparse.tocsr()
    off.sort_indices()
    self_w = np.zeros(off.shape[0]) if self_weights is None else np.asarray(self_weights, dtype=float)
    card = np.diff(off.indptr)
    n = zx.shape[0]
    zx = np.asarray(zx, dtype=float)
    zy = np.asarray(zy, dtype=float)
    observed = np.asarray(observed, dtype=float)
    if seed is None:
        seed = int(np.random.default_rng().integers(12345, 12345000))
    _check_size(n, int(permutations), int(max(card.max(), 1)), keep)
    ids = permuted_ids(int(max(card.max(), 1)), n, int(permutations), int(seed))
    larger = np.full(n, -1.0)
    mean = np.full(n, np.nan)
    sd = np.full(n, np.nan)
    sims = np.full((n, permutations), np.nan) if keep else None
    if engine not in ("auto", "numpy", "numba"):
        raise ValueError(f"engine {engine!r}: 'auto', 'numpy' or 'numba'")
    if engine == "numba" or (engine == "auto" and n * int(permutations) >= NUMBA_FROM):
        _numba_sites(kind, zx, zy, off, self_w, observed, ids, scaling, larger, mean, sd,
                     sims, n_jobs, progress)  # fmt: skip
        return _p_values(larger, mean, sd, sims, permutations)
    tasks = []
    for c in np.unique(card[card > 0]):
        sites = np.flatnonzero(card == c)
        step = max(1, _BLOCK // (permutations * int(c)))
        tasks += [(int(c), sites[a:a + step]) for a in range(0, sites.size, step)]

    def run(task: tuple[int, np.ndarray]) -> None:
        c, S = task
        idx = ids[None, :, :c]
        j = idx + (idx >= S[:, None, None])  # positions with site i removed -> data positions
        wS = off.data[off.indptr[S][:, None] + np.arange(c)]
        acc = np.einsum("spc,sc->sp", zy[j], wS)
        if kind == MORAN:
            stat = zx[S, None] * (acc + (self_w[S] * zx[S])[:, None]) * scaling
        elif kind == MORAN_BV:
            stat = zx[S, None] * (acc + (self_w[S] * zy[S])[:, None]) * scaling
        elif kind == G:
            stat = acc / (scaling - zy[S])[:, None]
        else:
            stat = (acc + (self_w[S] * zy[S])[:, None]) / scaling
        larger[S] = (stat >= observed[S, None]).sum(axis=1)
        mean[S] = stat.mean(axis=1)
        sd[S] = stat.std(axis=1)
        if sims is not None:
            sims[S] = stat

    report(progress, 0.0)
    done = 0
    for t in tasks:
        run(t)
        done += t[1].size
        report(progress, done / max(1, n))
    report(progress, 1.0)
    return _p_values(larger, mean, sd, sims, permutations)


def _numba_sites(kind, zx, zy, off, self_w, observed, ids, scaling, larger, mean, sd, sims,
                 n_jobs, progress) -> None:  # fmt: skip
    """The numba engine over all sites, in ~10 batches between progress reports."""
    from geoproc._parallel import numba_threads
    from geoproc._permutation_kernel import crand_sites

    n = zx.shape[0]
    keep = sims is not None
    buf = sims if keep else np.empty((1, 1))
    # ~10 batches: between parallel calls the idle OpenMP threads spin-wait (CPU burnt)
    step = max(256, -(-n // 10)) if progress is not None else max(n, 1)
    indptr = off.indptr.astype(np.int64)
    data = off.data.astype(np.float64)
    report(progress, 0.0)
    with numba_threads(n_jobs):
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            crand_sites(
                int(kind), zx, zy, indptr, data, self_w, observed, ids, float(scaling),
                larger, mean, sd, buf, keep, lo, hi, 64,
            )  # fmt: skip
            report(progress, hi / n)
    report(progress, 1.0)


def _p_values(larger, mean, sd, sims, permutations) -> dict[str, np.ndarray]:
    """esda's pseudo p from the counts of simulations >= observed (NaN for islands)."""
    island = larger < 0
    low = (permutations - larger) < larger
    larger[low] = permutations - larger[low]
    p_sim = (larger + 1.0) / (permutations + 1.0)
    p_sim[island] = np.nan
    out = {"p_sim": p_sim, "EI_sim": mean, "seI_sim": sd}
    if sims is not None:
        out["sim"] = sims
    return out


def _check_size(n: int, permutations: int, k: int, keep: bool) -> None:
    """Refuse before drawing when the arrays cannot fit: the P x k drawn ids, a block of
    about four P x k float arrays (one site at least), and the n x P values if kept."""
    from geoproc.resources import check_memory

    check_memory(8.0 * permutations * (5 * k + (n if keep else 0)),
                 f"permutations={permutations:,} for {n:,} regions ({k} neighbours at most)",
                 "use fewer permutations (999 or 9,999 is usual)")


# --- global statistics (Moran's I, bivariate Moran) ----------------------------------
def pseudo_p(observed: float, sims: np.ndarray) -> float:
    """esda's pseudo p-value: (min(#sim >= obs, #sim < obs) + 1) / (P + 1)."""
    perms = sims.shape[0]
    larger = int((sims >= observed).sum())
    if perms - larger < larger:
        larger = perms - larger
    return (larger + 1.0) / (perms + 1.0)


def permuted_values(z: np.ndarray, permutations: int, seed: int | None) -> np.ndarray:
    """``permutations`` x n matrix of permutations of ``z``, as esda draws them after
    ``np.random.seed(seed)`` (one ``permutation`` call each), from a private RandomState."""
    rs = np.random.RandomState(seed)
    return np.stack([rs.permutation(z) for _ in range(permutations)]) if permutations else np.empty((0, z.size))


def permutation_blocks(z: np.ndarray, permutations: int, seed: int | None,
                       block: int | None = None) -> Iterator[np.ndarray]:
    """The rows of :func:`permuted_values`, a block of rows at a time.

    The same private ``RandomState(seed)`` stream drawn in the same order, so the
    concatenated blocks equal ``permuted_values(z, permutations, seed)``; a global
    statistic needs one number per permutation, so streaming keeps memory at
    O(n x block) instead of O(n x permutations) (2.4 GB at 300,000 regions x 999).

    Parameters
    ----------
    z : ndarray
        The values to permute (length n).
    permutations : int
    seed : int, optional
    block : int, optional
        Permutations per block (default: ``GLOBAL_BLOCK`` // n, at least 1).

    Yields
    ------
    ndarray
        ``(b, n)`` blocks, b <= block, ``permutations`` rows in all.
    """
    rs = np.random.RandomState(seed)
    step = max(1, GLOBAL_BLOCK // max(1, z.size)) if block is None else max(1, int(block))
    for lo in range(0, permutations, step):
        yield np.stack([rs.permutation(z) for _ in range(min(step, permutations - lo))])
