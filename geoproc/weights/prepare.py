"""One preparation of a weights matrix for a statistic: align it to the data's regions,
apply the island policy, transform, and say what was done.

Used by Moran's I, bivariate Moran, LISA, Gi*, the plots and the SDM, so that
"islands" means the same everywhere:

``raise``
    an error naming the regions without neighbours (e.g. Hainan 460000 under queen);
``keep``
    they stay, with a zero spatial lag (a note says so);
``drop``
    they are left out of the matrix *and* of the data (the kept ids are returned);
``nearest``
    each is linked to its nearest region by centroid distance (needs the regions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from geoproc.errors import GeoprocInputError
from geoproc.weights.base import SpatialWeights, as_weights
from geoproc.weights.spec import ISLANDS

__all__ = ["ISLANDS", "TRANSFORMS", "PreparedWeights", "prepare_weights", "weights_name", "weights_note"]

TRANSFORMS = ("R", "O")


class PreparedWeights(NamedTuple):
    """A matrix ready for a statistic (unpacks as ``w, ids, notes``).

    Attributes
    ----------
    weights : SpatialWeights
        Aligned to ``ids``, transformed.
    ids : list
        The regions kept, in the order of the data (without dropped islands).
    notes : list of str
        How the matrix was built (:func:`weights_note`), then what was done to islands.
    """

    weights: SpatialWeights
    ids: list
    notes: list


def weights_name(w: SpatialWeights, name: str | None = None) -> str:
    """What to call a matrix in notes and messages: ``name``, else its spec or file path."""
    return str(name or w.meta.get("spec") or w.meta.get("source") or w.kind)


def weights_note(w: SpatialWeights, name: str | None = None) -> str:
    """One line saying how a matrix was built (METHODS 1-2): spec or file, masses and their
    years (period mean or one year), distance method and centroid, island links.

    >>> weights_note(SpatialWeights([[0, 1], [1, 0]], ["a", "b"], "knn1",
    ...              meta={"spec": "knn:1", "k": 1, "distance": "geodesic", "centroid": "area"}))
    'weights knn:1: k = 1; geodesic distances between area centroids'
    """
    m = w.meta
    label = weights_name(w, name)
    spec = m.get("spec") or w.kind
    parts = []
    if m.get("source"):
        if str(m["source"]) != label:
            parts.append(f"file {m['source']}")
    elif spec != label:
        parts.append(str(spec))
    for key, column, what in (("masses", "mass_column", "masses"), ("gdp", "gdp_column", "GDP")):
        if key in m:
            parts.append(f"{what} {m[column]}: {m[key]}" if m.get(column) else f"{what}: {m[key]}")
    if "k" in m:
        parts.append(f"k = {m['k']}")
    if "power" in m:
        parts.append(f"distance power {m['power']:g}")
    if m.get("cutoff_km") is not None:
        parts.append(f"cut-off {m['cutoff_km']:g} km")
    if "distance" in m or "centroid" in m:
        parts.append(f"{m.get('distance', 'geodesic')} distances between {m.get('centroid', 'area')} centroids")
    if m.get("islands_linked_by"):
        parts.append(f"islands linked ({m['islands_linked_by']})")
    return f"weights {label}" + (": " + "; ".join(parts) if parts else "")


def _named(isl: Sequence, labels: Mapping | None) -> str:
    """``Hainan (460000)``; labels keyed by ids that differ only in type still match."""
    from geoproc.ids import id_key

    by_key = {id_key(k): v for k, v in (labels or {}).items()}
    return ", ".join(f"{by_key[id_key(k)]} ({k})" if id_key(k) in by_key else str(k) for k in isl)


def _check_links(w: Any, label: str) -> None:
    """Refuse negative or non-finite weights, naming the first such link (from -> to)."""
    import numpy as np

    coo = w.sparse.tocoo()
    bad = np.flatnonzero(~np.isfinite(coo.data) | (coo.data < 0))
    if bad.size:
        k = int(bad[0])
        value = coo.data[k]
        kind = "negative" if np.isfinite(value) else "non-finite"
        raise GeoprocInputError(
            f"weights {label!r}: {kind} weight {value:g} on the link {w.ids[coo.row[k]]} -> "
            f"{w.ids[coo.col[k]]}" + (f" and {bad.size - 1} more" if bad.size > 1 else "")
            + "; spatial weights must be finite and non-negative"
        )


def prepare_weights(
    weights: Any,
    ids: Sequence,
    transform: str = "R",
    islands: str = "raise",
    labels: Mapping | None = None,
    what: str = "panel",
    name: str | None = None,
    *,
    regions: Any = None,
    regions_id: str | None = None,
    centroid: str = "area",
    method: str = "geodesic",
) -> PreparedWeights:
    """Align weights to ``ids``, apply the island policy and the transform.

    Parameters
    ----------
    weights : SpatialWeights, libpysal W/Graph, (matrix, ids) or weights file
    ids : sequence
        The data's regions, in the data's order; ids that differ only in type match
        (:func:`geoproc.ids.match_ids`).
    transform : {"R", "O"}
        Row-standardise (after the island policy) or use as given.
    islands : {"raise", "keep", "drop", "nearest"}
        Regions without neighbours: see the module doc.
    labels : mapping, optional
        Region names by id, for the notes and the error ("Hainan (460000)").
    what : str
        What ``ids`` are, for messages ("panel", "regions").
    name : str, optional
        The matrix's name in notes and errors (default: its spec or file path).
    regions, regions_id, centroid, method
        For ``islands="nearest"``: the regions whose centroids give the distances.

    Returns
    -------
    PreparedWeights
        ``(weights, kept_ids, notes)``.

    Raises
    ------
    GeoprocInputError
        Ids that do not match (listing both sides), islands under ``"raise"`` (naming
        them), ``"nearest"`` without regions, an unknown policy or transform.
    """
    if islands not in ISLANDS:
        raise GeoprocInputError(f"islands must be one of {', '.join(ISLANDS)}; got {islands!r}")
    if transform not in TRANSFORMS:
        raise GeoprocInputError(f"transform must be 'R' (row-standardise) or 'O' (as given), got {transform!r}")
    w = as_weights(weights).align(ids, what=what)
    label = weights_name(w, name)
    _check_links(w, label)  # a negative or non-finite weight would change I silently
    notes: list[str] = [weights_note(w, name)]
    if islands == "nearest" and w.islands:
        from geoproc.weights.build import link_nearest

        named = _named(w.islands, labels)
        w = link_nearest(w, regions, regions_id, centroid, method, what=f"weights {label!r}").align(ids, what=what)
        notes.append(f"islands linked to their nearest region ({label}): {named}")
    elif w.meta.get("islands_linked_names"):
        notes.append(f"islands linked to their nearest region ({label}): {w.meta['islands_linked_names']}")
    kept = list(ids)
    isl = w.islands
    if isl:
        named = _named(isl, labels)
        if islands == "raise":
            raise GeoprocInputError(
                f"weights {label!r} have {len(isl)} island(s) without neighbours: {named}; "
                "link each to its nearest region (build the weights with islands='nearest'; "
                "CLI: --islands nearest), keep them with zero spatial lag (islands='keep') or "
                "leave them out (islands='drop')"
            )
        if islands == "drop":
            gone = set(isl)
            kept = [k for k in ids if k not in gone]
            w = w.subset(kept)
            notes.append(f"islands dropped ({label}): {named}")
        else:
            notes.append(f"islands kept with zero spatial lag ({label}): {named}")
    if transform == "R" and not w.is_row_standardized():
        w = w.row_standardize()
    return PreparedWeights(w, kept, notes)
