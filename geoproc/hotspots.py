"""Getis-Ord local G / G* hot and cold spots with confidence bins.

The default follows ArcGIS Pro's Hot Spot Analysis (Getis-Ord Gi*): G_i* with the
region itself included, binary weights, the z-score under normality (Getis & Ord
1992; Ord & Getis 1995) and bins at 90/95/99 % from that z, optionally with the
false discovery rate controlled (Benjamini-Hochberg at each confidence level).
Conditional-permutation inference (esda's ``G_Local``, GeoDa) is an option; then
the z shown is the permutation z (``z_sim``), and the p and the bins come from the
same permutations. Either way a row's bin follows from its own ``gi_z`` and
``gi_p`` (``gi_p_fdr`` with FDR); a statistic that cannot be computed (constant
values, G of a region without neighbours) is "Undefined", never "Not significant".

The permutations run in geoproc's cached kernel (:mod:`geoproc.permutation`), which
gives esda's pseudo p-values exactly for the same seed without esda's per-process
numba compile.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc import permutation
from geoproc.errors import GeoprocInputError
from geoproc.formatting import PERMUTATIONS
from geoproc.progress import ProgressCallback, report

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

__all__ = ["getis_ord", "HOTSPOT_LABELS", "INFERENCES", "TRANSFORMS", "UNDEFINED", "attrs_from_notes",
           "inference_label"]

NOT_SIGNIFICANT = "Not significant"
#: the label of a region whose statistic cannot be computed (NaN z and p)
UNDEFINED = "Undefined"
HOTSPOT_LABELS = ("Hot spot 99%", "Hot spot 95%", "Hot spot 90%", NOT_SIGNIFICANT,
                  "Cold spot 90%", "Cold spot 95%", "Cold spot 99%", UNDEFINED)
#: inference of the z, p and bins: ArcGIS's normal z, or esda's conditional permutations
INFERENCES = ("normal", "permutation")
#: weights: binary (ArcGIS's default), row-standardised (esda's default), as given
TRANSFORMS = ("B", "R", "O")
# accepted for one release, with a DeprecationWarning (geoproc 0.x names)
_OLD_INFERENCE = {"norm": "normal", "sim": "permutation"}
# two-sided p at or below which a region is in the bin (|z| >= 1.645, 1.960, 2.576)
_LEVELS = ((0.10, "90%"), (0.05, "95%"), (0.01, "99%"))


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


def _binary(w, name: str):
    """Every positive weight counted as 1 (esda's and libpysal's ``transform="B"``); warns when
    that changes the weights (inverse-distance or gravity weights lose their decay)."""
    from geoproc.weights.base import SpatialWeights

    m = w.sparse.tocsr(copy=True)
    m.eliminate_zeros()
    if m.nnz and not np.all(m.data == 1.0):
        warnings.warn(f"weights {name} are not binary; transform='B' counts every neighbour as 1 "
                      "(use transform='O' to keep the weights as given, or 'R')", UserWarning, stacklevel=3)
        m.data[:] = 1.0
    return SpatialWeights(m, w.ids, w.kind, "B", w.meta)


def _options(inference: str | None, transform: str, permutations: int | None) -> tuple[str, str, int]:
    """The inference, transform and number of permutations to use (old names mapped, with a
    DeprecationWarning; permutations only with permutation inference)."""
    if inference is None:
        inference = "normal"
    if inference in _OLD_INFERENCE:
        new = _OLD_INFERENCE[inference]
        warnings.warn(f"inference={inference!r} is deprecated; use inference={new!r}", DeprecationWarning,
                      stacklevel=3)
        inference = new
    if inference not in INFERENCES:
        raise GeoprocInputError(f"inference must be 'normal' or 'permutation', got {inference!r}")
    if transform not in TRANSFORMS:
        raise GeoprocInputError(f"transform must be 'B', 'R' or 'O', got {transform!r}")
    if permutations is not None and permutations < 0:
        raise GeoprocInputError(f"permutations must be 0 or more, got {permutations}")
    if inference == "normal":
        if permutations:
            warnings.warn(f"permutations={permutations} unused: inference='normal' bins the z under "
                          "normality; give inference='permutation' for pseudo p-values", UserWarning, stacklevel=3)
        return inference, transform, 0
    permutations = PERMUTATIONS if permutations is None else int(permutations)
    if not permutations:
        raise GeoprocInputError("inference='permutation' needs permutations > 0")
    return inference, transform, permutations


def _analytic(y: np.ndarray, m, diag: np.ndarray, star: bool, transform: str):
    """G_i (or G_i*) and its z under normality (esda's moments for row-standardised
    weights, Getis & Ord's for binary or given weights)."""
    remove_self = not star
    N = y.size - remove_self
    lag = np.asarray(m @ y).ravel() + diag * y
    ysum = y.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        G = lag / (ysum - y * remove_self)
        if transform == "R":
            # esda G_Local.calc
            emean = (ysum - y * remove_self) / N
            msq = ((y**2).sum() - (y**2) * remove_self) / N
            evar = msq - emean**2
            card = np.asarray(m.sum(axis=1)).ravel() + diag
            VG = card * (N - card) / (N - 1) / N**2 * evar / emean**2
            Z = (G - card / N) / np.sqrt(VG)
        else:
            # Getis & Ord on the binary or given weights, the mean and sd over the N
            # values that enter (all for G*, all but i for G)
            xs = (ysum - y * remove_self) / N
            S = np.sqrt(np.maximum(((y**2).sum() - (y**2) * remove_self) / N - xs**2, 0.0))
            Wi = np.asarray(m.sum(axis=1)).ravel() + diag
            S1 = np.asarray(m.multiply(m).sum(axis=1)).ravel() + diag**2
            Z = (lag - xs * Wi) / (S * np.sqrt((N * S1 - Wi**2) / (N - 1)))
    return G, np.where(np.isfinite(Z), Z, np.nan)


def hotspot_bins(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The bin of each region from its z (the sign: hot or cold) and its two-sided p (the
    level: 99 % if p <= 0.01, 95 % if <= 0.05, 90 % if <= 0.10); "Undefined" where z or p
    is NaN, "Not significant" otherwise."""
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    label = np.full(z.shape, NOT_SIGNIFICANT, dtype=object)
    for level, conf in _LEVELS:
        sig = p <= level
        label[sig & (z > 0)] = f"Hot spot {conf}"
        label[sig & (z < 0)] = f"Cold spot {conf}"
    label[~(np.isfinite(z) & np.isfinite(p))] = UNDEFINED
    return label


def inference_label(attrs: dict) -> str:
    """A short phrase saying how a :func:`getis_ord` result was binned, for legends and
    reports, from its ``attrs`` ("" if they do not say)."""
    inference = attrs.get("inference")
    if inference not in INFERENCES:
        return ""
    w = {"B": "binary weights", "R": "row-standardised weights", "O": "weights as given"}.get(
        attrs.get("transform"), "")
    how = ("z under normality" if inference == "normal"
           else f"{attrs.get('permutations')} conditional permutations, "
                + ("no seed" if attrs.get("seed") is None else f"seed {attrs.get('seed')}"))
    fdr = ", FDR" if attrs.get("fdr") else ""
    return ", ".join(x for x in (how, w) if x) + fdr


def attrs_from_notes(notes: Sequence[str]) -> dict:
    """The ``attrs`` :func:`inference_label` reads, recovered from the notes a saved Gi* layer
    carries (GeoPackage/GeoJSON description, ``.notes.txt`` sidecar), which are the notes
    :func:`getis_ord` wrote; ``{}`` if they do not say how the bins were inferred."""
    import re

    attrs: dict = {}
    for note in map(str, notes):
        if re.match(r"Gi?\*?: z under normality", note):
            attrs["inference"] = "normal"
        elif m := re.match(r"Gi?\*?: z and pseudo p from (\d+) conditional permutations, seed (\S+)", note):
            seed = m.group(2)
            attrs.update(inference="permutation", permutations=int(m.group(1)),
                         seed=None if seed == "None" else int(seed) if seed.lstrip("-").isdigit() else seed)
        elif note in ("binary weights", "row-standardised weights", "weights as given"):
            attrs["transform"] = {"binary weights": "B", "row-standardised weights": "R"}.get(note, "O")
        elif note.startswith("bins at FDR"):
            attrs["fdr"] = True
    return attrs if "inference" in attrs else {}


def getis_ord(
    regions: Any,
    values: Any,
    weights: Any,
    star: bool | float = True,
    permutations: int | None = None,
    seed: int | None = None,
    id: str | None = None,
    transform: str = "B",
    inference: str = "normal",
    n_jobs: int = -1,
    islands: str = "raise",
    progress: ProgressCallback | None = None,
    fdr: bool = False,
) -> gpd.GeoDataFrame:
    """Getis-Ord G_i* (or G_i) with hot/cold spot bins at 90/95/99 %.

    The defaults are ArcGIS Pro's Hot Spot Analysis: G_i*, binary weights, the z
    under normality, bins from that z. The z, the p and the bin of each region
    always come from the same inference.

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
    permutations : int, optional
        Conditional permutations for ``inference="permutation"`` (default 999);
        not used (a warning if given) with ``inference="normal"``.
    seed : int, optional
        The same seed gives ``esda.G_Local(..., seed=seed)``'s ``p_sim`` and ``z_sim``.
    id : str, optional
        Id column of ``regions``.
    transform : {"B", "R", "O"}
        "B" (default, ArcGIS): binary weights, every positive weight counts as 1
        (a warning if that changes them); "R": row-standardised with esda's
        G_Local moments; "O": the weights as given (ArcGIS's inverse-distance
        conceptualisations). For "B" and "O" the z is Getis & Ord's:
        z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i^2) / (n - 1))),
        S the population sd, W_i = sum_j w_ij, S1_i = sum_j w_ij^2, the sums over
        j including i for G* (esda's ``Zs``).
    inference : {"normal", "permutation"}
        "normal" (default, ArcGIS): ``gi_z`` is the z above, ``gi_p`` = 2 (1 - Phi(|z|)).
        "permutation" (esda, GeoDa): ``gi_z`` = (G - mean) / sd of the conditional
        permutations (esda's ``z_sim``), ``gi_p`` the pseudo p-value (``p_sim``).
        ("norm" and "sim" are deprecated aliases.)
    n_jobs : int
        Threads for the permutations of large problems (default -1: all cores); the
        results are identical for any value (see :mod:`geoproc.lisa`).
    islands : {"raise", "keep", "drop"}
        Regions without neighbours (see :func:`geoproc.local_moran`). A kept island
        has a defined G* (its own value against the others) under normal inference;
        its G, and its permutation inference, are undefined.
    progress : callable, optional
        Called with the fraction done (0 to 1) between blocks of permutations;
        returning ``False`` raises :class:`geoproc.progress.Cancelled`. Results
        are identical with or without it.
    fdr : bool
        Control the false discovery rate as ArcGIS's "Apply False Discovery Rate
        (FDR) Correction": Benjamini-Hochberg at each confidence level, i.e. a
        region is in the 99/95/90 % bin when its adjusted p ``gi_p_fdr`` is <=
        0.01/0.05/0.10; ``gi_z`` and ``gi_p`` stay uncorrected, as ArcGIS's fields.

    Returns
    -------
    GeoDataFrame
        A copy of ``regions`` with ``gi_G``, ``gi_z``, ``gi_p``, ``gi_p_fdr`` (with
        ``fdr``), ``hotspot`` (:data:`HOTSPOT_LABELS`: "Undefined" where z or p is
        NaN) and ``island``; ``attrs`` hold ``inference``, ``transform``, ``star``,
        ``permutations``, ``seed``, ``fdr`` and ``notes`` (what was done).
    """
    from geoproc.lisa import benjamini_hochberg, local_result_frame, prepare_local_inputs
    from geoproc.moran import norm_sf

    inference, transform, permutations = _options(inference, transform, permutations)
    gdf, ids, mask, (y,), w0, notes = prepare_local_inputs(regions, [values], weights, id, "O", islands, ["values"])
    if np.any(y < 0):
        bad = [str(k) for k, v in zip([k for k, m in zip(ids, mask, strict=True) if m], y, strict=True) if v < 0]
        raise GeoprocInputError(f"Getis-Ord G needs non-negative values; negative for {', '.join(bad[:20])}")
    if transform == "B":
        w0 = _binary(w0, str((w0.meta or {}).get("spec") or w0.kind or "given"))
    island = np.diff(w0.sparse.tocsr().indptr) == 0
    diag = _self_weights(w0, star)
    star = star is not False
    w = w0
    if transform == "R":
        w, diag = _row_standardize(w0, diag)
    # G and z are scale-free: a power-of-two scale is exact and keeps y**2 finite for huge values
    y = np.ldexp(y, -int(np.frexp(y.max())[1])) if y.size and y.max() > 0 else y
    G, Z = _analytic(y, w.sparse, diag, star, transform)
    if inference == "normal":
        p = 2 * norm_sf(np.abs(Z))
        notes.append(f"{'G*' if star else 'G'}: z under normality, p = 2(1 - Phi(|z|)) (ArcGIS's Hot Spot Analysis)")
    else:
        r = permutation.conditional_permutation(permutation.G_STAR if star else permutation.G, y, y, w, G,
                                                permutations, y.sum(), seed, n_jobs, self_weights=diag,
                                                progress=progress)
        with np.errstate(divide="ignore", invalid="ignore"):
            Z = (G - r["EI_sim"]) / r["seI_sim"]
        Z = np.where(np.isfinite(Z) & np.isfinite(r["p_sim"]), Z, np.nan)
        p = np.where(np.isfinite(Z), r["p_sim"], np.nan)
        notes.append(f"{'G*' if star else 'G'}: z and pseudo p from {permutations} conditional permutations, "
                     f"seed {seed}")
    report(progress, 1.0)
    p = np.where(np.isfinite(Z), p, np.nan)
    notes.append({"B": "binary weights", "R": "row-standardised weights", "O": "weights as given"}[transform])
    cols = {"gi_G": G, "gi_z": Z, "gi_p": p}
    decide = p
    if fdr:
        decide = cols["gi_p_fdr"] = benjamini_hochberg(p)
        notes.append("bins at FDR 0.10/0.05/0.01 (Benjamini-Hochberg at each level, as ArcGIS's FDR correction)")
    else:
        notes.append("bins: |z| >= 1.645 (90%), 1.960 (95%), 2.576 (99%)" if inference == "normal"
                     else "bins: pseudo p <= 0.10 (90%), 0.05 (95%), 0.01 (99%), sign of gi_z")
    cols["hotspot"] = hotspot_bins(Z, decide)
    cols["island"] = island
    undefined = int((cols["hotspot"] == UNDEFINED).sum())
    if undefined:
        notes.append(f"{undefined} region(s) Undefined: the statistic cannot be computed (NaN z and p)")
    return local_result_frame(gdf, mask, cols, notes, {"permutations": permutations, "seed": seed, "star": star,
                                                       "inference": inference, "transform": transform, "fdr": fdr})
