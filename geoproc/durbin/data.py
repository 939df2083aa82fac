"""Checking a long panel and a weights argument and turning them into (T, N) arrays."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoproc.errors import GeoprocInputError
from geoproc.weights.base import SpatialWeights, as_weights

__all__ = ["PanelArrays", "check_regressors", "panel_arrays", "resolve_weights"]


@dataclass
class PanelArrays:
    """A balanced panel as arrays: ``y`` (T, N), ``x`` (T, N, K), ids and years."""

    y: np.ndarray
    x: np.ndarray
    ids: list
    years: list
    y_name: str
    x_names: list[str]


def _fmt_pairs(pairs: Sequence[tuple], limit: int = 20) -> str:
    text = ", ".join(f"{r} {y}" for r, y in list(pairs)[:limit])
    return text + (f" ... ({len(pairs)} in all)" if len(pairs) > limit else "")


def panel_arrays(panel: pd.DataFrame, y: str, x: Sequence[str], id: str, year: str) -> PanelArrays:
    """Check ``panel`` (long, one row per region-year) and return its arrays.

    Raises :class:`GeoprocInputError` naming missing columns, duplicate region-years,
    missing region-years of an unbalanced panel, NaN region-years, and T = 1.
    ``panel`` is not modified.
    """
    if not isinstance(panel, pd.DataFrame):
        raise TypeError(f"panel must be a pandas DataFrame (long format), got {type(panel).__name__}")
    if isinstance(x, str):
        x = [x]
    x = list(x)
    if not x:
        raise GeoprocInputError("give at least one regressor in x=[...]")
    if y in x:
        raise GeoprocInputError(f"the dependent variable {y!r} is also listed among the regressors")
    dup_names = sorted({v for v in x if x.count(v) > 1})
    if dup_names:
        raise GeoprocInputError(f"regressors listed twice: {', '.join(dup_names)}")
    cols = [id, year, y, *x]
    missing = [c for c in cols if c not in panel.columns]
    if missing:
        raise GeoprocInputError(
            f"panel has no column(s) {', '.join(map(repr, missing))}; columns are "
            f"{', '.join(map(str, panel.columns))}"
        )
    df = panel[cols].copy()
    for c in (id, year):
        na = np.flatnonzero(df[c].isna().to_numpy())
        if na.size:
            raise GeoprocInputError(f"panel column {c!r} is empty at rows {', '.join(map(str, na[:20]))}")
    dup = df[df.duplicated([id, year], keep=False)]
    if len(dup):
        pairs = sorted({(r, t) for r, t in zip(dup[id], dup[year], strict=True)}, key=str)
        raise GeoprocInputError(f"panel has duplicate region-years ({id}, {year}): {_fmt_pairs(pairs)}")
    for c in (y, *x):
        num = pd.to_numeric(df[c], errors="coerce")
        bad = num.isna() & df[c].notna()
        if bad.any():
            raise GeoprocInputError(
                f"panel column {c!r} is not numeric at region-years "
                + _fmt_pairs(list(zip(df.loc[bad, id], df.loc[bad, year], strict=True)))
            )
        df[c] = num.astype(float)
        nan = ~np.isfinite(df[c].to_numpy())
        if nan.any():
            raise GeoprocInputError(
                f"panel column {c!r} is missing (NaN or infinite) for region-years "
                + _fmt_pairs(list(zip(df.loc[nan, id], df.loc[nan, year], strict=True)))
            )
    ids = sorted(df[id].unique(), key=lambda v: (str(type(v)), v))
    years = sorted(df[year].unique())
    if len(years) < 2:
        raise GeoprocInputError(
            f"panel has a single period ({year} = {years[0] if years else 'none'}); "
            "a panel model needs T >= 2 (use a cross-section model instead)"
        )
    if len(df) != len(ids) * len(years):
        have = set(zip(df[id], df[year], strict=True))
        gaps = [(r, t) for r in ids for t in years if (r, t) not in have]
        raise GeoprocInputError(
            f"unbalanced panel: {len(gaps)} region-years are missing: {_fmt_pairs(gaps)} "
            "(the fixed-effects SDM needs every region in every year)"
        )
    T, N = len(years), len(ids)
    # scatter rows into (T, N) by position: no MultiIndex reindex (slow for large panels)
    ti = pd.Index(years).get_indexer(df[year])
    ri = pd.Index(ids).get_indexer(df[id])
    order = np.empty(T * N, dtype=np.int64)
    order[ti * N + ri] = np.arange(len(df))
    vals = df[[y, *x]].to_numpy(dtype=float)[order]
    Y = vals[:, 0].reshape(T, N)
    X = vals[:, 1:].reshape(T, N, len(x))
    return PanelArrays(Y, X, list(ids), list(years), y, x)


def resolve_weights(weights: Any, ids: list, panel: pd.DataFrame | None = None, id: str | None = None,
                    regions: Any = None, row_standardize: bool | None = None,
                    year: str | None = None) -> SpatialWeights:
    """Weights aligned to the panel's ids.

    ``weights`` is anything :func:`geoproc.weights.as_weights` takes, a ``(matrix, ids)``
    pair, or a kind such as
    ``"queen"`` or ``"gravity:rd_staff"`` built with :func:`geoproc.weights.build_weights`
    from ``regions`` (default: the shipped China provinces) and the panel.
    """
    import os

    if isinstance(weights, (str, os.PathLike)) and not os.path.exists(os.fspath(weights)):
        from geoproc.weights.build import build_weights

        if regions is None:
            from geoproc.boundaries import load_boundaries

            regions = load_boundaries("china_provinces")
        # masses of gravity/nested kinds: the panel's column, averaged over its years
        w = build_weights(os.fspath(weights), regions, data=panel, data_id=id, year_column=year)
    elif isinstance(weights, tuple) and len(weights) == 2:
        w = as_weights(weights[0], ids=weights[1])  # (matrix, ids)
    else:
        w = as_weights(weights)
    w = _align(w, ids)
    if row_standardize:
        w = w.row_standardize()
    elif not w.is_row_standardized():
        rs = np.asarray(w.sparse.sum(axis=1)).ravel()
        i = int(np.argmax(np.abs(rs - 1)))
        warnings.warn(
            f"weights are not row-standardised (row of {w.ids[i]!r} sums to {rs[i]:.6g}); the "
            "Elhorst conventions, the effects' closed forms and Lee-Yu's time transformation "
            "assume row-standardised W: pass row_standardize=True (geoproc sdm: --transform R)",
            UserWarning, stacklevel=3,
        )
    if w.islands:
        warnings.warn(f"weights have islands (no neighbours): {', '.join(map(str, w.islands[:20]))}",
                      UserWarning, stacklevel=3)
    return w


def _align(w: SpatialWeights, ids: list) -> SpatialWeights:
    try:
        return w.align(ids, what="panel")
    except GeoprocInputError:
        # ids read from a file are often str while the panel's are int (or the reverse)
        by_str = {str(k): k for k in ids}
        if (len(by_str) == len(ids) == len(w.ids)
                and {str(k) for k in w.ids} == set(by_str)):
            w2 = SpatialWeights(w.sparse, [by_str[str(k)] for k in w.ids], w.kind, w.transform, w.meta)
            return w2.align(ids, what="panel")
        raise


def check_regressors(Z: np.ndarray, raw: np.ndarray, names: list[str], effects: str) -> None:
    """Raise naming regressors that do not vary within the fixed effects or are collinear.

    ``Z``: transformed (NT, p); ``raw``: untransformed (NT, p).
    """
    scale = np.maximum(np.abs(raw).max(axis=0), 1e-300)
    norm = np.sqrt(np.mean(Z**2, axis=0)) / scale
    flat = [n for n, v in zip(names, norm, strict=True) if v < 1e-10]
    if flat:
        what = {"twoway": "within regions and years (two-way fixed effects)",
                "region": "within regions (region fixed effects)",
                "time": "across regions within years (time fixed effects)",
                "none": "at all"}[effects]
        raise GeoprocInputError(
            f"regressor(s) {', '.join(flat)} do not vary {what}: their coefficients are not "
            "identified; drop them or change the fixed effects"
        )
    from scipy.linalg import qr

    Zs = Z / np.sqrt(np.mean(Z**2, axis=0))
    _, R, piv = qr(Zs, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    rank = int(np.sum(d > 1e-8 * d[0]))
    if rank < Z.shape[1]:
        bad = [names[i] for i in piv[rank:]]
        partners = [names[i] for i in piv[:rank]]
        raise GeoprocInputError(
            f"regressors are collinear (after the fixed effects): {', '.join(bad)} "
            f"is a linear combination of {', '.join(partners)}; drop one of them"
        )
