"""Entropy-weight index (METHODS §3): :func:`entropy_weight_index` and :class:`EntropyWeightResult`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import xlogy

from geoproc.errors import GeoprocInputError
from geoproc.indices._composite import (
    YearlyResults,
    assemble,
    by_year,
    check_by,
    check_indicators,
    fmt_table,
)
from geoproc.panel.checks import Prepared, listing, prepare

__all__ = ["EntropyWeightResult", "entropy_weight_index"]


def parse_directions(directions: Any, names: list[str]) -> np.ndarray:
    """+1 / -1 per indicator from None, a sequence, or a mapping."""
    def one(v: Any, col: str) -> int:
        if isinstance(v, str):
            s = v.strip().lower()
            if s in ("+", "positive", "pos", "+1", "1"):
                return 1
            if s in ("-", "negative", "neg", "-1"):
                return -1
        elif not isinstance(v, bool) and v in (1, -1):
            return int(v)
        raise GeoprocInputError(
            f"entropy_weight_index: direction of {col!r} must be +1/'+' (more is better) "
            f"or -1/'-' (less is better), got {v!r}"
        )

    if directions is None:
        return np.ones(len(names), dtype=int)
    if isinstance(directions, Mapping):
        unknown = [k for k in directions if k not in names]
        if unknown:
            raise GeoprocInputError(
                f"entropy_weight_index: directions given for {listing(unknown)}, which are not indicators"
            )
        return np.array([one(directions.get(c, 1), c) for c in names])
    if isinstance(directions, str):
        raise GeoprocInputError("entropy_weight_index: directions must be a list or a dict, not one string")
    dirs = list(directions)
    if len(dirs) != len(names):
        raise GeoprocInputError(
            f"entropy_weight_index: {len(dirs)} directions for {len(names)} indicators"
        )
    return np.array([one(v, c) for v, c in zip(dirs, names, strict=True)])


class EntropyWeightResult:
    """An entropy-weight index fit.

    Steps, for n region-years and indicators j:

    1. min-max normalisation by direction: ``x'_ij = (x_ij - min_j) / (max_j - min_j)``
       for a positive indicator, ``(max_j - x_ij) / (max_j - min_j)`` for a negative one;
    2. shares ``p_ij = q_ij / sum_i q_ij`` with ``q = x' + shift`` (``shift`` 0 by default);
    3. entropy ``e_j = -(1 / ln n) sum_i p_ij ln p_ij``, with ``0 ln 0 = 0``;
    4. divergence ``d_j = 1 - e_j``, weights ``w_j = d_j / sum_k d_k``;
    5. index ``sum_j w_j x'_ij``, in [0, 1].

    The ``0 ln 0 = 0`` convention is the limit of p ln p and needs no shift. Some
    applied work instead adds a small constant (0.0001 or 0.01) to every x' before
    step 2 (``shift=``); that changes the weights slightly. The index always uses
    the unshifted x' (a shifted one would only add the constant ``shift``).

    Attributes
    ----------
    indicators : list of str
    directions : pandas.Series
        +1 (more is better) or -1 (less is better).
    minimum, maximum : pandas.Series
        The normalisation range of each indicator.
    entropy, divergence, weights : pandas.Series
        e_j, d_j = 1 - e_j and w_j.
    shift : float
    n_obs : int
    normalized : pandas.DataFrame
        x', aligned to the panel rows.
    """

    def __init__(self, x: pd.DataFrame, directions: np.ndarray, shift: float, what: str = "entropy_weight_index") -> None:
        names = list(x.columns)
        n = len(x)
        if n < 2:
            raise GeoprocInputError(f"{what}: needs at least 2 region-years, got {n}")
        arr = x.to_numpy(dtype=float)
        lo, hi = arr.min(axis=0), arr.max(axis=0)
        const = hi - lo <= 1e-12 * np.maximum(np.abs(hi), 1.0)
        if const.any():
            raise GeoprocInputError(
                f"{what}: indicator(s) {listing([names[j] for j in np.flatnonzero(const)])} "
                f"have the same value in all {n} region-years (zero variance); drop them"
            )
        xn = (arr - lo) / (hi - lo)
        xn = np.where(directions < 0, 1.0 - xn, xn)
        q = xn + shift
        prob = q / q.sum(axis=0)
        ent = -xlogy(prob, prob).sum(axis=0) / np.log(n)  # xlogy(0, 0) = 0
        div = 1.0 - ent
        if div.sum() <= 0:  # pragma: no cover - every indicator constant, caught above
            raise GeoprocInputError(f"{what}: every indicator has maximal entropy; no weights")
        w = div / div.sum()

        self.indicators = names
        self.directions = pd.Series(directions, index=names, name="direction")
        self.minimum = pd.Series(lo, index=names, name="min")
        self.maximum = pd.Series(hi, index=names, name="max")
        self.entropy = pd.Series(ent, index=names, name="entropy")
        self.divergence = pd.Series(div, index=names, name="divergence")
        self.weights = pd.Series(w, index=names, name="weight")
        self.shift = float(shift)
        self.n_obs = n
        self.normalized = pd.DataFrame(xn, index=x.index, columns=names)
        self._index = pd.Series(xn @ w, index=x.index)

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: direction, min, max, entropy, divergence, weight."""
        out = pd.concat(
            [self.directions, self.minimum, self.maximum, self.entropy, self.divergence, self.weights],
            axis=1,
        )
        out.index.name = "indicator"
        return out

    def summary(self) -> str:
        conv = f"shift {self.shift:g}" if self.shift else "0 ln 0 = 0"
        return (
            f"Entropy-weight index: {len(self.indicators)} indicators, {self.n_obs} region-years ({conv})\n\n"
            + fmt_table(self.to_frame())
        )

    def __repr__(self) -> str:
        top = self.weights.idxmax()
        return (
            f"<EntropyWeightResult {len(self.indicators)} indicators, n={self.n_obs}, "
            f"largest weight {top!r} {self.weights[top]:.3f}>"
        )


def entropy_weight_index(
    panel: pd.DataFrame,
    indicators: Sequence[str],
    directions: Sequence | Mapping | None = None,
    *,
    shift: float = 0.0,
    by: str = "pooled",
    id: str = "code",
    year: str | None = "year",
    name: str = "entropy_index",
    thousands: str | None = None,
    balanced: bool = True,
    consecutive: bool = True,
) -> tuple[pd.Series, EntropyWeightResult | YearlyResults]:
    """Entropy-weight composite index (熵值法) of several indicators.

    See :class:`EntropyWeightResult` for the steps and the ``0 ln 0`` convention.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table, one row per region-year.
    indicators : list of str
        Indicator columns (at least 2).
    directions : list or dict, optional
        Per indicator +1 / "+" (more is better, default) or -1 / "-" (less is better),
        as a list in the order of ``indicators`` or a dict by column name.
    shift : float
        Constant added to the normalised values before the shares (default 0,
        relying on 0 ln 0 = 0).
    by : {"pooled", "year"}
        ``"pooled"`` (default): normalise and weigh over all region-years (one set of
        weights, comparable across years). ``"year"``: separately in each year.
    id, year : str
        Region id and year columns; ``year=None`` for a cross-section.
    name : str
        Name of the returned Series.
    thousands : str, optional
        Accept numbers written with this thousands separator.
    balanced : bool
        Require every region in every year (default).
    consecutive : bool
        Require the panel's years to be consecutive (default): a year missing for
        every region (2015, 2017, no 2016) is an error listing the gaps. ``False``
        accepts e.g. census years.

    Returns
    -------
    index : pandas.Series
        In [0, 1], aligned to ``panel.index``.
    result : EntropyWeightResult or YearlyResults

    Raises
    ------
    GeoprocInputError
        On an indicator that never varies (naming it), a bad direction, missing or
        non-numeric values (naming region-years), duplicate region-years.
    """
    check_by(by)
    names = check_indicators(indicators, 2, "entropy_weight_index")
    dirs = parse_directions(directions, names)
    if not np.isfinite(shift) or shift < 0:
        raise GeoprocInputError(f"entropy_weight_index: shift must be >= 0, got {shift!r}")
    p: Prepared = prepare(panel, names, id=id, year=year, thousands=thousands, balanced=balanced,
                consecutive=consecutive)
    if by == "pooled" or p.years is None:
        res = EntropyWeightResult(p.values, dirs, shift)
        return res._index.rename(name), res
    results = by_year(
        p, lambda rows, y: EntropyWeightResult(rows, dirs, shift, what=f"entropy_weight_index, year {y}")
    )
    return assemble(results, p, panel, name)
