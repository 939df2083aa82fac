"""Fit one model per column of a table: weights matrix x model x subsample.

``geoproc sdm --weights NAME=SPEC ... --model sdm,sar --by region_group`` fits through
:func:`fit_columns`; subsamples use the full matrix restricted to the group's regions and
row-standardised again, so each group's W describes the links among its own regions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geoproc.errors import GeoprocInputError

__all__ = ["Column", "fit_columns", "restrict_weights", "columns_json", "column_headers"]


@dataclass
class Column:
    """One fitted column: its weights name, model, subsample group, and the fit."""

    weights: str
    model: str
    group: Any
    fit: Any
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The fit's ``to_dict()`` plus ``weights`` (the name), ``model`` and ``group``;
        the fit's own weights description moves to ``weights_info``."""
        d = dict(self.fit.to_dict())
        if "weights" in d:
            d["weights_info"] = d.pop("weights")
        d.update(weights=self.weights, model=self.model,
                 group=None if self.group is None else _plain(self.group))
        if self.notes:
            d["notes"] = list(self.notes)
        return d


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def restrict_weights(w: Any, ids: Sequence, name: str = "W") -> tuple[Any, list]:
    """``w`` restricted to the regions ``ids`` (in their order) and row-standardised again.

    Returns
    -------
    (SpatialWeights, list)
        The matrix and the regions of the group left without a neighbour inside it.
    """
    from geoproc.weights.base import SpatialWeights, as_weights

    w = as_weights(w)
    pos = {str(k): i for i, k in enumerate(w.ids)}
    missing = [k for k in ids if str(k) not in pos]
    if missing:
        raise GeoprocInputError(f"weights {name}: no row for regions {', '.join(map(str, missing[:20]))}")
    idx = np.array([pos[str(k)] for k in ids])
    sub = SpatialWeights(w.sparse[idx][:, idx], list(ids), w.kind, "O", dict(w.meta))
    rows = np.asarray(sub.sparse.sum(axis=1)).ravel()
    islands = [k for k, r in zip(ids, rows, strict=True) if r == 0]
    return sub.row_standardize(), islands


def _groups(df: Any, by: str, id: str) -> list[tuple[Any, list]]:
    if by not in df.columns:
        raise GeoprocInputError(f"--by {by}: the panel has no column {by!r}")
    per_region = df.groupby(id)[by].nunique(dropna=False)
    mixed = per_region[per_region > 1].index.tolist()
    if mixed:
        raise GeoprocInputError(
            f"--by {by}: regions {', '.join(map(str, mixed[:20]))} change group over the years; "
            "a subsample is a set of regions")
    if df[by].isna().any():
        bad = df.loc[df[by].isna(), id].unique().tolist()
        raise GeoprocInputError(f"--by {by}: no group for regions {', '.join(map(str, bad[:20]))}")
    first = df.drop_duplicates(id)
    order = list(dict.fromkeys(first[by].tolist()))  # groups in order of first appearance
    return [(g, first.loc[first[by] == g, id].tolist()) for g in order]


def fit_columns(
    panel: Any,
    weights: Mapping[str, Any],
    y: str,
    x: Sequence[str],
    models: Sequence[str] = ("sdm",),
    by: str | None = None,
    id: str = "code",
    year: str = "year",
    **sdm_kw: Any,
) -> list[Column]:
    """Fit :func:`geoproc.sdm` once per weights matrix x model (x subsample group).

    Parameters
    ----------
    panel : DataFrame
        Long panel (as :func:`geoproc.read_panel` returns it).
    weights : dict of name -> SpatialWeights
        Built matrices over all the panel's regions (aligned by id inside :func:`geoproc.sdm`).
    y, x : str, sequence of str
    models : sequence of {"sdm", "sar", "sem", "slx"}
    by : str, optional
        A column constant within each region (e.g. East/Central/West): one column per group,
        fitted on the group's regions with W restricted to them and row-standardised again.
        A region left without neighbours in its group is kept with a zero spatial lag (noted).
    id, year : str
    **sdm_kw
        Passed to :func:`geoproc.sdm` (``effects``, ``draws``, ``seed``, ``tests``, ...).

    Returns
    -------
    list of Column
        In the order weights, then model, then group.
    """
    from geoproc.durbin import sdm

    if not weights:
        raise GeoprocInputError("no weights given")
    groups = _groups(panel, by, id) if by else [(None, None)]
    out = []
    for wname, w in weights.items():
        for model in models:
            for g, ids in groups:
                notes: list[str] = []
                data, wg, kw = panel, w, dict(sdm_kw)
                if g is not None:
                    data = panel[panel[by] == g]
                    wg, isl = restrict_weights(w, ids, wname)
                    kw["row_standardize"] = True
                    if isl:
                        notes.append(f"group {g}: regions without a neighbour in the group, "
                                     f"kept with zero spatial lag: {', '.join(map(str, isl))}")
                fit = sdm(data, wg, y=y, x=list(x), id=id, year=year, model=model, **kw)
                out.append(Column(str(wname), model, g, fit, notes))
    return out


def column_headers(cols: Sequence[Column], labels: Mapping[str, str] | None = None
                   ) -> tuple[list[str], list[tuple[str, int]] | None]:
    """Column names and a spanning header for a table of ``cols``.

    What varies gets a header: one varying dimension names the columns; two or three put the
    first (weights, else model) in a spanning row over the others.
    """
    labels = labels or {}

    def lab(v: Any) -> str:
        return labels.get(str(v), str(v))

    dims = [("weights", [lab(c.weights) for c in cols]), ("model", [c.model.upper() for c in cols]),
            ("group", [lab(c.group) for c in cols])]
    varying = [(k, v) for k, v in dims if len(set(v)) > 1]
    if not varying:
        return [lab(cols[0].weights)], None
    if len(varying) == 1:
        return varying[0][1], None
    top, rest = varying[0][1], varying[1:]
    names = [" ".join(v[i] for _, v in rest) for i in range(len(cols))]
    groups: list[tuple[str, int]] = []
    for t in top:
        if groups and groups[-1][0] == t:
            groups[-1] = (t, groups[-1][1] + 1)
        else:
            groups.append((t, 1))
    return names, groups


def columns_json(cols: Sequence[Column]) -> dict:
    """``{"models": [every number of one fit plus weights, model, group, ...]}``, JSON-safe."""
    from geoproc.formatting import json_safe

    return {"models": [json_safe(c.to_dict()) for c in cols]}
