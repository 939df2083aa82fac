"""Local Moran's I (LISA) with conditional-permutation inference, quadrant clusters and FDR.

The observed statistics, quadrants and analytic moments are esda's
(``esda.Moran_Local``, ``Moran_Local_BV``; Anselin 1995, Sokal et al. 1998).
The conditional permutations are computed here, vectorised in NumPy, instead of
by ``esda.crand``: esda's numba kernels are compiled without ``cache=True`` and
take 24-39 s to compile in every new process (each CLI call, each QGIS run),
and even a cached numba kernel costs ~1.5 s to import and load per process,
more than NumPy needs for 3,000 regions x 999 permutations. The permutation
indices are esda's draws for the same ``seed`` (numba's ``np.random`` replays
NumPy's legacy stream), so the pseudo p-values equal esda's (tested).

Large problems (from 10 million sites x permutations, e.g. 10,000 regions x 999) run
the same draws through a numba kernel on ``n_jobs`` threads (-1: all cores;
:mod:`geoproc.permutation`): each site's simulated statistics are summed in one thread
in a fixed order, so the results are identical for any ``n_jobs``, and only counts,
mean and sd are kept per site (memory O(N x k)) unless ``keep_simulations``. Below
that size the NumPy path runs (nothing to load in a new process) and ``n_jobs`` has
no effect. The draws (``RandomState(seed)``, one permutation of the n - 1 other
sites per simulation) are esda's, so p-values equal esda's on both paths; drawing
them is O(P x N) (5.7 s for 300,000 regions x 999).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.formatting import PERMUTATIONS
from geoproc.permutation import MORAN, MORAN_BV, conditional_permutation
from geoproc.progress import ProgressCallback

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["local_moran", "local_bivariate_moran", "benjamini_hochberg", "conditional_permutation", "PERMUTATIONS",
           "CLUSTER_LABELS"]

# esda's quadrant numbers (geoda_quads=False): 1 HH, 2 LH, 3 LL, 4 HL
CLUSTER_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
NOT_SIGNIFICANT = "Not significant"
#: the label where the p-value is NaN (an island kept with islands="keep"): the same word as Gi*'s
UNDEFINED = "Undefined"

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
    import geopandas as gpd
    import pandas as pd

    from geoproc.ids import values_by_region
    from geoproc.panel import as_regions
    from geoproc.validation import region_ids

    if isinstance(regions, gpd.GeoDataFrame):
        gdf = regions.copy()  # checked by region_ids below; geometries are only carried along
    else:
        gdf = as_regions(regions, id)
    ids = region_ids(gdf, id)
    if isinstance(values, str):
        if values not in gdf.columns:
            raise GeoprocInputError(f"regions: no column {values!r}; columns are {', '.join(map(str, gdf.columns))}")
        values = pd.to_numeric(gdf[values], errors="coerce").to_numpy(dtype=float)
    arr = values_by_region(values, ids, what)
    return gdf, ids, arr


def _labels_of(gdf) -> dict | None:
    for c in ("name_zh", "name", "name_en", "NAME"):
        if c in gdf.columns:
            return dict(zip(gdf.index, gdf[c], strict=True))
    return None


def prepare_local_inputs(regions, values_list, weights, id, transform, islands, whats):
    """Regions, ids, values (islands dropped if asked), aligned weights, notes."""
    from geoproc.moran import check_moran_values
    from geoproc.weights.prepare import prepare_weights

    gdf, ids, first = _regions_and_values(regions, values_list[0], id, whats[0])
    arrays = [first] + [_regions_and_values(gdf, v, id, wh)[2] for v, wh in zip(values_list[1:], whats[1:], strict=True)]
    names = _labels_of(gdf)
    labels = {k: names[i] for k, i in zip(ids, gdf.index, strict=True)} if names else None
    w, kept, notes = prepare_weights(weights, ids, transform, islands, labels, what="regions")
    kept_set = set(kept)
    keep_mask = np.array([k in kept_set for k in ids], dtype=bool)
    arrays = [a[keep_mask] for a in arrays]
    for a, wh in zip(arrays, whats, strict=True):
        check_moran_values(a, wh, None, a.size)
    return gdf, ids, keep_mask, arrays, w, notes


def local_result_frame(gdf, keep_mask, cols: dict, notes: list, attrs: dict):
    """The regions kept (``keep_mask``) with the result columns, notes and attributes."""
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
    # a NaN p (an island has no neighbours to compare with) is no evidence either way: never "Not significant"
    lab[~np.isfinite(p)] = UNDEFINED
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
    n_jobs: int = -1,
    transform: str = "R",
    islands: str = "raise",
    keep_simulations: bool = False,
    progress: ProgressCallback | None = None,
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
        Threads for the permutations of large problems (default -1: all cores); the
        results are identical for any value (see :mod:`geoproc.lisa`).
    transform : {"R", "O"}
        Row-standardise the weights (esda's default) or use them as given.
    islands : {"raise", "keep", "drop"}
        Regions without neighbours: error naming them; kept (I = 0, p NaN, "Not
        significant", ``island`` True); or left out of the output.
    keep_simulations : bool
        Keep the n x permutations simulated values in ``attrs["sim"]``.
    progress : callable, optional
        Called with the fraction done (0 to 1) between blocks of permutations;
        returning ``False`` raises :class:`geoproc.progress.Cancelled`. Results
        are identical with or without it.

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
    if not 0 < alpha <= 1:
        raise GeoprocInputError(f"alpha (CLI --alpha) must be in (0, 1], not {alpha:g}")
    # name the variable in messages: the column given, or the Series' name
    what = values if isinstance(values, str) else getattr(values, "name", None)
    what = what if isinstance(what, str) else "values"
    gdf, ids, mask, (y,), w, notes = prepare_local_inputs(regions, [values], weights, id, transform, islands, [what])
    n = y.size
    from geoproc.validation import standardize

    z = standardize(y, what)  # scale-free: values near 1e300 would overflow y.std()
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
    from geoproc.moran import norm_sf

    with np.errstate(divide="ignore", invalid="ignore"):
        if permutations:
            r = conditional_permutation(MORAN, z, z, w, Is, permutations, (n - 1) / den, seed, n_jobs,
                                        keep_simulations, progress=progress)
            p = r["p_sim"]
            zval = (Is - r["EI_sim"]) / r["seI_sim"]
            if keep_simulations:
                attrs["sim"] = r["sim"]
            notes.append(f"lisa_p: pseudo p-values from {permutations} conditional permutations, seed {seed}")
        else:
            zval = (Is - EI) / np.sqrt(VI)
            p = 2 * norm_sf(np.abs(zval))
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
    return local_result_frame(gdf, mask, cols, notes, attrs)


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
    n_jobs: int = -1,
    transform: str = "R",
    islands: str = "raise",
) -> gpd.GeoDataFrame:
    """Local bivariate Moran's I: ``x`` of each region against the spatial lag of ``y``.

    As esda's ``Moran_Local_BV``: I_i = (n - 1) zx_i (W zy)_i / zx'zx, with zx, zy
    standardised (population sd); quadrants from zx and the lag of zy; pseudo
    p-values by conditional permutation of y (``seed`` gives esda's exactly).
    Columns and the other parameters as :func:`local_moran`.
    """
    gdf, ids, mask, (xa, ya), w, notes = prepare_local_inputs(regions, [x, y], weights, id, transform, islands, ["x", "y"])
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
    r = conditional_permutation(MORAN_BV, zx, zy, w, Is, permutations, (n - 1) / den, seed, n_jobs)
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
    return local_result_frame(gdf, mask, cols, notes, {"alpha": alpha, "fdr": fdr, "permutations": permutations,
                                            "seed": seed})
