"""Checking a long panel and a weights argument and turning them into (T, N) arrays."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    from geoproc.panel import Panel
    from geoproc.weights.prepare import PreparedWeights

__all__ = ["PanelArrays", "check_regressors", "keep_regions", "panel_arrays", "panel_and_weights",
           "resolve_weights", "wx_indices"]


@dataclass
class PanelArrays:
    """A balanced panel as arrays: ``y`` (T, N), ``x`` (T, N, K), ids and years."""

    y: np.ndarray
    x: np.ndarray
    ids: list
    years: list
    y_name: str
    x_names: list[str]


def _check_names(y: str, x: Sequence[str]) -> list[str]:
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
    return x


def panel_arrays(panel: Panel | pd.DataFrame, y: str, x: Sequence[str], id: str = "code",
                 year: str = "year") -> PanelArrays:
    """Check ``panel`` (long, one row per region-year) and return its arrays.

    ``panel`` is a :class:`~geoproc.panel.Panel` or a DataFrame with columns ``id`` and
    ``year`` (not modified). Raises :class:`GeoprocInputError` with the messages of
    :mod:`geoproc.panel.checks`: missing columns, duplicate region-years, the region-years
    missing from an unbalanced panel, empty or text values, and T = 1.
    """
    from geoproc.panel import Panel

    x = _check_names(y, x)
    if not isinstance(panel, Panel):
        panel = Panel.from_frame(panel, id, year)  # refuses anything but a DataFrame, as every analysis
    vals = panel.values([y, *x])
    panel.require_years(2, "a panel model needs T >= 2 (use a cross-section model instead)")
    panel.require_balanced("the fixed-effects SDM needs every region in every year")
    df = panel.frame
    ids, years = panel.ids, panel.years
    T, N = len(years), len(ids)
    # scatter rows into (T, N) by position: no MultiIndex reindex (slow for large panels)
    ti = pd.Index(years).get_indexer(df[panel.year])
    ri = pd.Index(ids).get_indexer(df[panel.id])
    order = np.empty(T * N, dtype=np.int64)
    order[ti * N + ri] = np.arange(len(df))
    arr = vals[[y, *x]].to_numpy(dtype=float)[order]
    _check_magnitude(arr, [y, *x])
    Y = arr[:, 0].reshape(T, N)
    X = arr[:, 1:].reshape(T, N, len(x))
    return PanelArrays(Y, X, list(ids), list(years), y, x)


# sums of squares and cross-products of values beyond this overflow double precision
_MAX_MAGNITUDE = 1e150


def _check_magnitude(arr: np.ndarray, names: list[str]) -> None:
    """Refuse a column whose squares would overflow (the fit would return NaN or crash)."""
    big = np.abs(arr).max(axis=0) > _MAX_MAGNITUDE
    if big.any():
        j = int(np.flatnonzero(big)[0])
        raise GeoprocInputError(
            f"column {names[j]!r} has values up to {np.abs(arr[:, j]).max():.3g}, beyond what a "
            f"model can square in double precision ({_MAX_MAGNITUDE:.0e}); give it in larger "
            "units (e.g. 100 million yuan) or take logs")


def keep_regions(pa: PanelArrays, ids: Sequence) -> PanelArrays:
    """``pa`` with only the regions ``ids`` (e.g. without dropped islands), in their order."""
    if list(ids) == pa.ids:
        return pa
    pos = {k: i for i, k in enumerate(pa.ids)}
    idx = np.array([pos[k] for k in ids], dtype=np.int64)
    return PanelArrays(pa.y[:, idx], pa.x[:, idx, :], list(ids), pa.years, pa.y_name, pa.x_names)


def resolve_weights(weights: Any, ids: list, panel: pd.DataFrame | None = None, id: str | None = None,
                    regions: Any = None, row_standardize: bool | None = None,
                    year: str | None = None, islands: str = "keep",
                    regions_id: str | None = None) -> PreparedWeights:
    """Weights aligned to the panel's ids, with the island policy applied.

    ``weights`` is anything :func:`geoproc.weights.as_weights` takes, a ``(matrix, ids)``
    pair, or a spec such as ``"queen"`` or ``"gravity:rd_staff"`` built with
    :func:`geoproc.weights.build_weights` from ``regions`` (default: the shipped China
    provinces) and the panel. Islands as :func:`geoproc.weights.prepare_weights`
    (``keep`` also warns, naming them; ``drop`` warns which regions left the model).

    Returns
    -------
    PreparedWeights
        ``(weights, kept_ids, notes)``.
    """
    import os

    from geoproc.weights.prepare import prepare_weights
    from geoproc.weights.spec import WeightsSpec

    text = os.fspath(weights) if isinstance(weights, (str, os.PathLike)) else None
    spec = text is not None and not WeightsSpec.parse(text, named=False).is_file
    if (spec or islands == "nearest") and regions is None:
        from geoproc.boundaries import load_boundaries

        regions = load_boundaries("china_provinces")
    if spec:
        from geoproc.weights.build import build_weight_set

        # as every command builds it; masses of gravity/nested: the panel's period mean
        built = build_weight_set([text], regions, panel, id=regions_id, data_id=id, year_column=year,
                                 islands="nearest" if islands == "nearest" else "keep")
        weights = next(iter(built.values()))
    labels = None
    if panel is not None and id is not None:
        for c in (f"{id}_name", "name", "name_zh", "name_en"):
            if c in panel.columns:
                labels = dict(zip(panel[id], panel[c], strict=True))
                break
    if labels is None and regions is not None:
        from geoproc.weights import region_names

        labels = region_names(regions, regions_id)
    prepared = prepare_weights(weights, ids, "R" if row_standardize else "O", islands, labels,
                               regions=regions, regions_id=regions_id)
    w = prepared.weights
    if not row_standardize and not w.is_row_standardized():
        rs = np.asarray(w.sparse.sum(axis=1)).ravel()
        i = int(np.argmax(np.abs(rs - 1)))
        warnings.warn(
            f"weights are not row-standardised (row of {w.ids[i]!r} sums to {rs[i]:.6g}); the "
            "Elhorst conventions, the effects' closed forms and Lee-Yu's time transformation "
            "assume row-standardised W: pass row_standardize=True (geoproc sdm: --transform R)",
            UserWarning, stacklevel=3,
        )
    if w.islands:
        warnings.warn(f"weights have islands (no neighbours), kept with zero spatial lag: "
                      f"{', '.join(map(str, w.islands[:20]))} (islands='raise', 'drop' or 'nearest' "
                      "to change that; geoproc sdm --islands)", UserWarning, stacklevel=3)
    if len(prepared.ids) < len(ids):
        warnings.warn(prepared.notes[-1], UserWarning, stacklevel=3)
    return prepared



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


def panel_and_weights(panel: Panel | pd.DataFrame, weights: Any, y: str, x: Sequence[str], id: str,
                      year: str, regions: Any, row_standardize: bool | None, islands: str,
                      regions_id: str | None) -> tuple[PanelArrays, PreparedWeights]:
    """The first step of every panel estimator (:func:`geoproc.sdm`, ``sdm_dynamic``,
    ``select_model``): the panel's arrays and its weights, with the regions the island
    policy dropped left out of both. Returns ``(arrays, (weights, kept_ids, notes))``."""
    from geoproc.panel import Panel

    pa = panel_arrays(panel, y, x, id, year)
    if isinstance(panel, Panel):
        panel, id, year = panel.frame, panel.id, panel.year
    prepared = resolve_weights(weights, pa.ids, panel, id, regions, row_standardize, year, islands,
                               regions_id)
    return keep_regions(pa, prepared[1]), prepared


def wx_indices(x_names: Sequence[str], wx: Sequence[str] | None) -> list[int]:
    """Positions of the ``wx`` regressors (default all) in ``x_names``, in x's order so that
    theta aligns with beta; an error names any ``wx`` that is not a regressor."""
    x_names = list(x_names)
    wanted = x_names if wx is None else ([wx] if isinstance(wx, str) else list(wx))
    unknown = [v for v in wanted if v not in x_names]
    if unknown:
        raise GeoprocInputError(f"wx names {', '.join(unknown)} are not among the regressors x")
    return [j for j, v in enumerate(x_names) if v in wanted]
