"""Getis-Ord local G / G* hot and cold spots with confidence bins.

The statistic, its analytic moments and the conditional permutations follow
esda's ``G_Local`` (Getis & Ord 1992; Ord & Getis 1995); the permutations run in
geoproc's cached kernel (:mod:`geoproc.lisa`), which gives esda's pseudo
p-values exactly for the same seed without esda's per-process numba compile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc import permutation
from geoproc.errors import GeoprocInputError
from geoproc.formatting import PERMUTATIONS
from geoproc.progress import ProgressCallback, report

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["getis_ord", "HOTSPOT_LABELS"]

HOTSPOT_LABELS = ("Hot spot 99%", "Hot spot 95%", "Hot spot 90%", "Not significant",
                  "Cold spot 90%", "Cold spot 95%", "Cold spot 99%")


def _self_weights(w, star: bool | float) -> np.ndarray:
    """Each region's weight on itself for G* (zeros for G), as esda.

    ``star=True``: 1 for binary weights, else the row's largest weight (esda's
    rule for non-binary weights); a number: that self-weight. The diagonal is kept
    apart from the weights, which stay a validated :class:`SpatialWeights` with a
    zero diagonal.
    """
    if star is False:
        return np.zeros(w.n)
    m = w.sparse
    if star is True:
        binary = m.nnz == 0 or bool(np.all(m.data == 1.0))
        return np.ones(w.n) if binary else np.asarray(m.max(axis=1).todense()).ravel()
    return np.full(w.n, float(star))


def _row_standardize(w, diag: np.ndarray):
    """Weights and self-weights divided by each row's total (self-weight included), as esda
    row-standardises G*'s matrix with its diagonal; rows summing to 0 stay 0."""
    from scipy import sparse

    from geoproc.weights.base import SpatialWeights

    rs = np.asarray(w.sparse.sum(axis=1)).ravel() + diag
    inv = np.divide(1.0, rs, out=np.zeros_like(rs), where=rs != 0)
    return SpatialWeights(sparse.diags(inv) @ w.sparse, w.ids, w.kind, "R", w.meta), diag * inv


def getis_ord(
    regions: Any,
    values: Any,
    weights: Any,
    star: bool | float = True,
    permutations: int = PERMUTATIONS,
    seed: int | None = None,
    id: str | None = None,
    transform: str = "R",
    inference: str | None = None,
    n_jobs: int = -1,
    islands: str = "raise",
    progress: ProgressCallback | None = None,
) -> gpd.GeoDataFrame:
    """Getis-Ord G_i* (or G_i) with hot/cold spot bins at 90/95/99 %.

    Parameters
    ----------
    regions : GeoDataFrame or path
        Region layer; ids from column ``id`` (default ``code``, else the index).
    values : str, Series or array
        Non-negative variable: a column of ``regions``, a Series by region id, or
        values in the order of ``regions``.
    weights : SpatialWeights, libpysal W/Graph or weights file
    star : bool or float
        G* (include the region itself; self-weight 1 for binary weights, the row's
        largest weight otherwise, or the number given) or G (exclude it).
    permutations : int
        Conditional permutations for ``gi_p_sim`` (0: none).
    seed : int, optional
        The same seed gives ``esda.G_Local(..., seed=seed)``'s ``p_sim`` exactly.
    transform : {"R", "O"}
        "R": row-standardised weights with esda's G_Local moments (its default).
        "O": weights as given, with the classic Getis-Ord z,
        z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i^2) / (n - 1))),
        S the population sd, W_i = sum_j w_ij, S1_i = sum_j w_ij^2 (ArcGIS's Gi*;
        equal to esda's ``transform="B"`` on binary weights).
    inference : {"sim", "norm"}, optional
        **Which p decides the bins.** "sim" (default with permutations): the
        permutation pseudo p-value ``gi_p_sim`` (esda's rule, GeoDa's practice);
        "norm" (default without permutations): the two-sided normal p of ``gi_z``
        (ArcGIS's Gi_Bin: |z| > 2.576, 1.960, 1.645). Hot if ``gi_z`` > 0, cold
        if < 0; a bin holds regions whose deciding p is <= 0.01, 0.05, 0.10.
    n_jobs : int
        Threads for the permutations of large problems (default -1: all cores); the
        results are identical for any value (see :mod:`geoproc.lisa`).
    islands : {"raise", "keep", "drop"}
        Regions without neighbours (see :func:`geoproc.local_moran`).
    progress : callable, optional
        Called with the fraction done (0 to 1) between blocks of permutations;
        returning ``False`` raises :class:`geoproc.progress.Cancelled`. Results
        are identical with or without it.

    Returns
    -------
    GeoDataFrame
        A copy of ``regions`` with ``gi_G``, ``gi_z``, ``gi_p`` (the deciding p),
        ``gi_p_norm``, ``gi_p_sim`` (NaN without permutations), ``hotspot`` and
        ``island``; ``attrs["notes"]`` says what was done.
    """
    from geoproc.lisa import local_result_frame, prepare_local_inputs
    from geoproc.moran import norm_sf

    if transform not in ("R", "O"):
        raise ValueError(f"transform must be 'R' or 'O', got {transform!r}")
    if inference is None:
        inference = "sim" if permutations else "norm"
    if inference not in ("sim", "norm"):
        raise ValueError(f"inference must be 'sim' or 'norm', got {inference!r}")
    if inference == "sim" and not permutations:
        raise GeoprocInputError("inference='sim' needs permutations > 0")
    gdf, ids, mask, (y,), w0, notes = prepare_local_inputs(regions, [values], weights, id, "O", islands, ["values"])
    if np.any(y < 0):
        bad = [str(k) for k, v in zip([k for k, m in zip(ids, mask, strict=True) if m], y, strict=True) if v < 0]
        raise GeoprocInputError(f"Getis-Ord G needs non-negative values; negative for {', '.join(bad[:20])}")
    island = np.diff(w0.sparse.tocsr().indptr) == 0
    diag = _self_weights(w0, star)
    star = star is not False
    w = w0
    if transform == "R":
        w, diag = _row_standardize(w0, diag)
    n = y.size
    m = w.sparse
    remove_self = not star
    N = n - remove_self
    lag = np.asarray(m @ y).ravel() + diag * y
    ysum = y.sum()
    G = lag / (ysum - y * remove_self)
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform == "R":
            # esda G_Local.calc
            emean = (ysum - y * remove_self) / N
            msq = ((y**2).sum() - (y**2) * remove_self) / N
            evar = msq - emean**2
            card = np.asarray(m.sum(axis=1)).ravel() + diag
            EG = card / N
            VG = card * (N - card) / (N - 1) / N**2 * evar / emean**2
            Z = (G - EG) / np.sqrt(VG)
        else:
            # classic form on the original weights, the mean and sd over the N
            # values that enter (all for G*, all but i for G)
            xs = (ysum - y * remove_self) / N
            S = np.sqrt(((y**2).sum() - (y**2) * remove_self) / N - xs**2)
            Wi = np.asarray(m.sum(axis=1)).ravel() + diag
            S1 = np.asarray(m.multiply(m).sum(axis=1)).ravel() + diag**2
            Z = (lag - xs * Wi) / (S * np.sqrt((N * S1 - Wi**2) / (N - 1)))
    p_norm = 2 * norm_sf(np.abs(Z))
    p_sim = np.full(n, np.nan)
    if permutations:
        r = permutation.conditional_permutation(permutation.G_STAR if star else permutation.G, y, y, w, G, permutations, ysum, seed, n_jobs,
                                    self_weights=diag, progress=progress)
        p_sim = r["p_sim"]
        notes.append(f"gi_p_sim: pseudo p-values from {permutations} conditional permutations, seed {seed}")
    report(progress, 1.0)
    p_sim = np.where(island, np.nan, p_sim)
    Z = np.where(island, np.nan, Z)
    p_norm = np.where(island, np.nan, p_norm)
    p = p_sim if inference == "sim" else p_norm
    notes.append(
        f"{'G*' if star else 'G'}, weights {'row-standardised' if transform == 'R' else 'as given'}; "
        f"bins from {'the permutation pseudo p' if inference == 'sim' else 'the two-sided normal p of gi_z'}"
    )
    label = np.full(n, "Not significant", dtype=object)
    for level, conf in ((0.10, "90%"), (0.05, "95%"), (0.01, "99%")):
        sig = np.isfinite(p) & (p <= level)
        label[sig & (Z > 0)] = f"Hot spot {conf}"
        label[sig & (Z < 0)] = f"Cold spot {conf}"
    cols = {"gi_G": G, "gi_z": Z, "gi_p": p, "gi_p_norm": p_norm, "gi_p_sim": p_sim,
            "hotspot": label, "island": island}
    return local_result_frame(gdf, mask, cols, notes, {"permutations": permutations, "seed": seed,
                                            "star": star, "inference": inference})
