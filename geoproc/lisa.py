"""Local Moran's I (LISA) with conditional-permutation inference, quadrant clusters and FDR.

The observed statistics, quadrants and analytic moments are esda's
(``esda.Moran_Local``, ``Moran_Local_BV``; Anselin 1995, Sokal et al. 1998).
The conditional permutations are computed by the kernel below instead of
``esda.crand``: esda's numba kernels are compiled without ``cache=True`` and
take 24-39 s to compile in every new process (each CLI call, each QGIS run).
This kernel is compiled once and cached on disk (``cache=True``). It draws the
permutation indices with the same numba calls as ``esda.crand.vec_permutations``,
so for the same ``seed`` it gives esda's pseudo p-values exactly (tested), and
its result does not depend on the number of threads (``n_jobs``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["local_moran", "local_bivariate_moran", "benjamini_hochberg", "conditional_permutation",
           "CLUSTER_LABELS"]

PERMUTATIONS = 999
# esda's quadrant numbers (geoda_quads=False): 1 HH, 2 LH, 3 LL, 4 HL
CLUSTER_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
NOT_SIGNIFICANT = "Not significant"

# statistic kinds of the kernel
_MORAN, _MORAN_BV, _G, _G_STAR = 0, 1, 2, 3

try:
    from numba import njit, prange
except ImportError:  # pragma: no cover - numba is a dependency; keep the module importable
    prange = range

    def njit(*args, **kwargs):
        return (lambda f: f) if not args or not callable(args[0]) else args[0]


@njit(cache=True)
def _permuted_ids(max_card, n, k_replications, seed):  # pragma: no cover - numba
    # The same calls as esda.crand.vec_permutations, so that a seed gives the
    # same indices: row k holds max_card draws without replacement from
    # 0..n-2 (positions in the data with site i removed).
    np.random.seed(seed)  # noqa: NPY002 - numba's own RNG state (not NumPy's); esda's calls
    result = np.empty((k_replications, max_card), dtype=np.int64)
    for k in range(k_replications):
        result[k] = np.random.choice(n - 1, size=max_card, replace=False)  # noqa: NPY002
    return result


@njit(cache=True, parallel=True)
def _crand(kind, zx, zy, indptr, data, self_w, observed, ids, scaling, keep):  # pragma: no cover
    # One loop over sites (in parallel) and permutations; the neighbours' values
    # are read in place instead of copying the data without site i (esda's
    # _prepare_univariate copies n values per site).
    n = zx.shape[0]
    perms = ids.shape[0]
    larger = np.zeros(n, dtype=np.int64)
    sum_sim = np.zeros(n)
    sum_sq = np.zeros(n)
    sims = np.empty((n, perms)) if keep else np.empty((1, 1))
    for i in prange(n):
        lo = indptr[i]
        card = indptr[i + 1] - lo
        if card == 0:
            larger[i] = -1  # island: no conditional distribution
            continue
        count = 0
        s1 = 0.0
        s2 = 0.0
        for r in range(perms):
            acc = 0.0
            for k in range(card):
                p = ids[r, k]
                j = p if p < i else p + 1  # skip site i itself
                acc += zy[j] * data[lo + k]
            if kind == 0:
                stat = zx[i] * (acc + self_w[i] * zx[i]) * scaling
            elif kind == 1:
                stat = zx[i] * (acc + self_w[i] * zy[i]) * scaling
            elif kind == 2:
                stat = acc / (scaling - zy[i])
            else:
                stat = (acc + self_w[i] * zy[i]) / scaling
            if stat >= observed[i]:
                count += 1
            s1 += stat
            s2 += stat * stat
            if keep:
                sims[i, r] = stat
        larger[i] = count
        sum_sim[i] = s1
        sum_sq[i] = s2
    return larger, sum_sim, sum_sq, sims


def conditional_permutation(
    kind: int,
    zx: np.ndarray,
    zy: np.ndarray,
    w,
    observed: np.ndarray,
    permutations: int,
    scaling: float,
    seed: int | None = None,
    n_jobs: int = 1,
    keep: bool = False,
) -> dict[str, np.ndarray]:
    """Conditional randomisation of a local statistic (esda's ``crand`` semantics).

    Site i is held fixed; its neighbours' values are drawn without replacement
    from the other n - 1 sites. Returns ``p_sim`` (esda's pseudo p: the smaller
    tail, (min(#sim >= obs, #sim < obs) + 1) / (P + 1); NaN for islands),
    ``EI_sim``, ``seI_sim`` (population sd, as esda), and ``sim`` if ``keep``.
    """
    import numba

    m = w.sparse.tocsr()
    self_w = m.diagonal().astype(float)
    off = m.copy()
    off.setdiag(0)
    off.eliminate_zeros()
    off.sort_indices()
    card = np.diff(off.indptr)
    n = zx.shape[0]
    if seed is None:
        seed = int(np.random.default_rng().integers(12345, 12345000))
    ids = _permuted_ids(int(max(card.max(), 1)), n, int(permutations), int(seed))
    threads = numba.get_num_threads()
    want = numba.config.NUMBA_NUM_THREADS if n_jobs in (-1, None) else max(1, min(int(n_jobs), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(want)
    try:
        larger, s1, s2, sims = _crand(
            kind, np.ascontiguousarray(zx, dtype=float), np.ascontiguousarray(zy, dtype=float),
            off.indptr.astype(np.int64), off.data.astype(float), self_w,
            np.ascontiguousarray(observed, dtype=float), ids, float(scaling), bool(keep),
        )
    finally:
        numba.set_num_threads(threads)
    island = larger < 0
    larger = larger.astype(float)
    low = (permutations - larger) < larger
    larger[low] = permutations - larger[low]
    p_sim = (larger + 1.0) / (permutations + 1.0)
    p_sim[island] = np.nan
    mean = s1 / permutations
    var = np.maximum(s2 / permutations - mean**2, 0.0)
    mean[island] = np.nan
    var[island] = np.nan
    out = {"p_sim": p_sim, "EI_sim": mean, "seI_sim": np.sqrt(var)}
    if keep:
        out["sim"] = sims
    return out


def benjamini_hochberg(p: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN stay NaN and do not count as tests).

    Rejecting where the adjusted value is <= alpha rejects exactly the hypotheses
    H_(1..k), k = max{i : p_(i) <= i alpha / m}. (esda's ``fdr`` returns a cut-off
    instead and falls back to Bonferroni when nothing passes.)
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out[order] = np.minimum(ranked, 1.0)
    return out


def _lag(w, z: np.ndarray) -> np.ndarray:
    return np.asarray(w.sparse @ z).ravel()


def _quadrants(zx: np.ndarray, lag: np.ndarray) -> np.ndarray:
    # esda's rule: z > 0 is "high", lag > 0 is "high" (0 counts as low)
    zp, lp = zx > 0, lag > 0
    return np.where(zp & lp, 1, np.where(~zp & lp, 2, np.where(~zp & ~lp, 3, 4))).astype(np.int64)


def _regions_and_values(regions: Any, values: Any, id: str | None, what: str):
    import pandas as pd

    from geoproc.panel import as_regions
    from geoproc.validation import region_ids

    gdf = as_regions(regions, id)
    ids = region_ids(gdf, id)
    if isinstance(values, str):
        if values not in gdf.columns:
            raise GeoprocInputError(f"regions: no column {values!r}; columns are {', '.join(map(str, gdf.columns))}")
        arr = pd.to_numeric(gdf[values], errors="coerce").to_numpy(dtype=float)
    elif isinstance(values, pd.Series):
        missing = [k for k in ids if k not in values.index]
        if missing:
            raise GeoprocInputError(f"{what}: no value for regions {', '.join(map(str, missing[:20]))}")
        arr = pd.to_numeric(values.loc[ids], errors="coerce").to_numpy(dtype=float)
    else:
        arr = np.asarray(values, dtype=float).ravel()
        if arr.size != len(ids):
            raise GeoprocInputError(f"{what}: {arr.size} values for {len(ids)} regions")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise GeoprocInputError(f"{what}: missing (NaN) for regions {', '.join(str(ids[i]) for i in bad[:20])}")
    return gdf, ids, arr


def _labels_of(gdf) -> dict | None:
    for c in ("name_zh", "name", "name_en", "NAME"):
        if c in gdf.columns:
            return dict(zip(gdf.index, gdf[c], strict=True))
    return None


def _setup(regions, values_list, weights, id, transform, islands, whats):
    """Regions, ids, values (islands dropped if asked), aligned weights, notes."""
    from geoproc.moran import _check_values, prepare_weights

    gdf, ids, first = _regions_and_values(regions, values_list[0], id, whats[0])
    arrays = [first] + [_regions_and_values(gdf, v, id, wh)[2] for v, wh in zip(values_list[1:], whats[1:], strict=True)]
    names = _labels_of(gdf)
    labels = {k: names[i] for k, i in zip(ids, gdf.index, strict=True)} if names else None
    w, kept, notes = prepare_weights(weights, ids, transform, islands, labels, what="regions")
    keep_mask = np.isin(np.arange(len(ids)), [i for i, k in enumerate(ids) if k in set(kept)])
    arrays = [a[keep_mask] for a in arrays]
    for a, wh in zip(arrays, whats, strict=True):
        _check_values(a, wh, None, a.size)
    return gdf, ids, keep_mask, arrays, w, notes


def _finish(gdf, keep_mask, cols: dict, notes: list, attrs: dict):
    out = gdf.loc[keep_mask].copy() if not keep_mask.all() else gdf
    for c, v in cols.items():
        out[c] = v
    out.attrs["notes"] = notes
    out.attrs.update(attrs)
    return out


def _classify(q: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    lab = np.array([CLUSTER_LABELS[int(k)] for k in q], dtype=object)
    sig = np.isfinite(p) & (p <= alpha)
    lab[~sig] = NOT_SIGNIFICANT
    return lab


def local_moran(
    regions: Any,
    values: Any,
    weights: Any,
    permutations: int = PERMUTATIONS,
    alpha: float = 0.05,
    fdr: bool = False,
    seed: int | None = None,
    id: str | None = None,
    n_jobs: int = 1,
    transform: str = "R",
    islands: str = "raise",
    keep_simulations: bool = False,
) -> gpd.GeoDataFrame:
    """Local Moran's I (LISA) of each region, with clusters at level ``alpha``.

    Parameters
    ----------
    regions : GeoDataFrame or path
        Region layer; ids from column ``id`` (default ``code``, else the index).
    values : str, Series or array
        A column of ``regions``, a Series indexed by region id, or values in the
        order of ``regions``.
    weights : SpatialWeights, libpysal W/Graph or weights file
    permutations : int
        Conditional permutations (0: analytic inference only).
    alpha : float
        A region is significant when its p-value (``lisa_p``, or with ``fdr`` its
        Benjamini-Hochberg adjusted value ``lisa_p_fdr``) is <= alpha. (esda's
        ``get_cluster_labels`` uses < ; the two differ only when p equals alpha.)
    fdr : bool
        Control the false discovery rate (Benjamini-Hochberg) across regions.
    seed : int, optional
        Seed of the permutations; the same seed gives ``esda.Moran_Local(...,
        seed=seed)``'s ``p_sim`` exactly.
    id : str, optional
        Id column of ``regions``.
    n_jobs : int
        Threads for the permutations (-1: all cores); results do not depend on it.
    transform : {"R", "O"}
        Row-standardise the weights (esda's default) or use them as given.
    islands : {"raise", "keep", "drop"}
        Regions without neighbours: error naming them; kept (I = 0, p NaN, "Not
        significant", ``island`` True); or left out of the output.
    keep_simulations : bool
        Keep the n x permutations simulated values in ``attrs["sim"]``.

    Returns
    -------
    GeoDataFrame
        A copy of ``regions`` with ``lisa_I``, ``lisa_EI``, ``lisa_z`` (standardised
        by the permutation mean and sd, as esda's ``z_sim``; by the analytic total-
        randomisation moments without permutations), ``lisa_p`` (pseudo p-value, or
        the two-sided analytic one without permutations), ``lisa_p_fdr`` (with
        ``fdr``), ``lisa_q`` (1 HH, 2 LH, 3 LL, 4 HL, as esda), ``cluster`` and
        ``island``. ``attrs["notes"]`` says how islands were handled.
    """
    gdf, ids, mask, (y,), w, notes = _setup(regions, [values], weights, id, transform, islands, ["values"])
    n = y.size
    z = (y - y.mean()) / y.std()
    lag = _lag(w, z)
    den = float((z * z).sum())
    Is = (n - 1) * z * lag / den
    q = _quadrants(z, lag)
    # analytic moments under total randomisation (Sokal et al. 1998, A3-A4), as esda
    m = w.sparse
    wi = np.asarray(m.sum(axis=1)).ravel()
    wi2 = np.asarray(m.multiply(m).sum(axis=1)).ravel()
    m2 = den / n
    b2 = ((z**4).sum() / n) / m2**2
    EI = -wi / (n - 1)
    VI = wi2 * (n - b2) / (n - 1) + (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2)) - EI**2
    island = wi == 0
    attrs: dict = {"alpha": alpha, "fdr": fdr, "permutations": permutations, "seed": seed}
    from scipy import stats

    with np.errstate(divide="ignore", invalid="ignore"):
        if permutations:
            r = conditional_permutation(_MORAN, z, z, w, Is, permutations, (n - 1) / den, seed, n_jobs,
                                        keep_simulations)
            p = r["p_sim"]
            zval = (Is - r["EI_sim"]) / r["seI_sim"]
            if keep_simulations:
                attrs["sim"] = r["sim"]
            notes.append(f"lisa_p: pseudo p-values from {permutations} conditional permutations, seed {seed}")
        else:
            zval = (Is - EI) / np.sqrt(VI)
            p = 2 * stats.norm.sf(np.abs(zval))
            notes.append("lisa_p: two-sided normal p-values of the total-randomisation z (no permutations)")
    p = np.where(island, np.nan, p)
    zval = np.where(island, np.nan, zval)
    cols = {"lisa_I": Is, "lisa_EI": EI, "lisa_z": zval, "lisa_p": p}
    decide = p
    if fdr:
        decide = benjamini_hochberg(p)
        cols["lisa_p_fdr"] = decide
        notes.append(f"clusters at FDR {alpha} (Benjamini-Hochberg)")
    else:
        notes.append(f"clusters at p <= {alpha}")
    cols["lisa_q"] = q
    cols["cluster"] = _classify(q, decide, alpha)
    cols["island"] = island
    return _finish(gdf, mask, cols, notes, attrs)


def local_bivariate_moran(
    regions: Any,
    x: Any,
    y: Any,
    weights: Any,
    permutations: int = PERMUTATIONS,
    alpha: float = 0.05,
    fdr: bool = False,
    seed: int | None = None,
    id: str | None = None,
    n_jobs: int = 1,
    transform: str = "R",
    islands: str = "raise",
) -> gpd.GeoDataFrame:
    """Local bivariate Moran's I: ``x`` of each region against the spatial lag of ``y``.

    As esda's ``Moran_Local_BV``: I_i = (n - 1) zx_i (W zy)_i / zx'zx, with zx, zy
    standardised (population sd); quadrants from zx and the lag of zy; pseudo
    p-values by conditional permutation of y (``seed`` gives esda's exactly).
    Columns and the other parameters as :func:`local_moran`.
    """
    gdf, ids, mask, (xa, ya), w, notes = _setup(regions, [x, y], weights, id, transform, islands, ["x", "y"])
    n = xa.size
    zx = (xa - xa.mean()) / xa.std()
    zy = (ya - ya.mean()) / ya.std()
    lag = _lag(w, zy)
    den = float((zx * zx).sum())
    Is = (n - 1) * zx * lag / den
    q = _quadrants(zx, lag)
    island = np.asarray(w.sparse.sum(axis=1)).ravel() == 0
    if not permutations:
        raise GeoprocInputError("local bivariate Moran has no analytic inference; use permutations > 0")
    r = conditional_permutation(_MORAN_BV, zx, zy, w, Is, permutations, (n - 1) / den, seed, n_jobs)
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = (Is - r["EI_sim"]) / r["seI_sim"]
    p = np.where(island, np.nan, r["p_sim"])
    notes.append(f"lisa_p: pseudo p-values from {permutations} conditional permutations of y, seed {seed}")
    cols = {"lisa_I": Is, "lisa_z": np.where(island, np.nan, zval), "lisa_p": p}
    decide = p
    if fdr:
        decide = benjamini_hochberg(p)
        cols["lisa_p_fdr"] = decide
    cols["lisa_q"] = q
    cols["cluster"] = _classify(q, decide, alpha)
    cols["island"] = island
    return _finish(gdf, mask, cols, notes, {"alpha": alpha, "fdr": fdr, "permutations": permutations,
                                            "seed": seed})
