"""Composite indices: principal-component index and entropy-weight index (METHODS §3).

Both take a long panel (one row per region-year) and, by default, pool all
region-years into one fit (``by="pooled"``): one set of loadings or weights for
the whole period, so that the index is comparable across years - the users'
practice for a panel regressor such as the digital-technology index. ``by="year"``
fits each year separately (each year's index is then only comparable within
that year).

Both return ``(index, result)``: the index as a Series aligned to the panel's
rows, and a result object with named attributes, ``summary()`` and ``to_frame()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import xlogy

from geoproc.errors import GeoprocInputError
from geoproc.panel.checks import Prepared, listing, prepare

__all__ = [
    "EntropyWeightResult",
    "PCAIndexResult",
    "YearlyResults",
    "entropy_weight_index",
    "pca_index",
]


def _check_indicators(indicators: Sequence[str], minimum: int, what: str) -> list[str]:
    if isinstance(indicators, str):
        raise GeoprocInputError(f"{what}: give the indicators as a list of column names, not one string")
    names = list(indicators)
    if len(names) < minimum:
        raise GeoprocInputError(f"{what} needs at least {minimum} indicators, got {len(names)}")
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise GeoprocInputError(f"{what}: indicator(s) listed twice: {listing(dup)}")
    return names


def _check_by(by: str) -> None:
    if by not in ("pooled", "year"):
        raise GeoprocInputError(f'by must be "pooled" or "year", got {by!r}')


def _by_year(p: Prepared, fit: Any) -> dict[Any, tuple[np.ndarray, Any]]:
    """Fit each year's rows separately (by position, so a non-unique panel index is fine)."""
    years = p.groups
    out = {}
    for y in sorted(set(years.tolist())):
        pos = np.flatnonzero(years == y)
        out[y] = (pos, fit(p.values.iloc[pos], y))
    return out


def _assemble(results: dict, p: Prepared, panel: pd.DataFrame, name: str) -> tuple[pd.Series, YearlyResults]:
    values = np.empty(len(panel))
    for pos, res in results.values():
        values[pos] = res._index.to_numpy()
    fits = {y: res for y, (_, res) in results.items()}
    return pd.Series(values, index=panel.index, name=name), YearlyResults(fits)


def _fmt_table(df: pd.DataFrame, digits: int = 4) -> str:
    return df.to_string(float_format=lambda v: f"{v:.{digits}f}")


class YearlyResults:
    """Results of a fit per year (``by="year"``): a mapping year -> result.

    Attributes
    ----------
    results : dict
        Year -> :class:`PCAIndexResult` or :class:`EntropyWeightResult`.
    """

    def __init__(self, results: dict[Any, Any]) -> None:
        self.results = results

    def __getitem__(self, year: Any) -> Any:
        return self.results[year]

    @property
    def years(self) -> list:
        """The years fitted, in order.

        Returns
        -------
        list
            One entry per year (the keys of :attr:`results`).
        """
        return list(self.results)

    def to_frame(self) -> pd.DataFrame:
        """Each year's ``to_frame()`` stacked, with the year as the outer index level."""
        return pd.concat({y: r.to_frame() for y, r in self.results.items()}, names=["year"])

    def summary(self) -> str:
        """Each year's ``summary()`` under a "year <y>" heading.

        Returns
        -------
        str
            The yearly reports, separated by blank lines.
        """
        return "\n\n".join(f"year {y}\n{r.summary()}" for y, r in self.results.items())

    def __repr__(self) -> str:
        kind = type(next(iter(self.results.values()))).__name__ if self.results else "result"
        return f"<YearlyResults of {kind}: {len(self.results)} years>"


# --- principal components ------------------------------------------------------
class PCAIndexResult:
    """A principal-component index fit.

    The indicators are standardised, ``z = (x - mean) / std`` (sample std, n-1),
    and decomposed through their correlation matrix R = V diag(lambda) V'.
    Component scores are ``F_k = Z v_k`` (SPSS's "component score" times
    sqrt(lambda_k), the unscaled score most Chinese applied work sums). Each
    eigenvector's sign is fixed so that its coefficients sum to >= 0 (ties: the
    largest coefficient positive): a higher score then means more of the
    indicators that load positively, which for a set of "more is better"
    indicators is all of them.

    Attributes
    ----------
    indicators : list of str
    method : {"first", "weighted"}
        ``"first"``: the index is the first component's score F_1.
        ``"weighted"``: ``sum_k (lambda_k / sum_kept lambda) F_k`` over the kept components.
    keep : str
        The rule that chose the kept components.
    n_components : int
        Number of components in the index.
    n_obs : int
        Region-years in the fit.
    eigenvalues : pandas.Series
        All p eigenvalues of the correlation matrix (PC1..PCp), descending; they sum to p.
    explained_variance_ratio, cumulative_variance_ratio : pandas.Series
        lambda_k / p and its running sum.
    coefficients : pandas.DataFrame
        Eigenvectors (indicators x PC1..PCp): the weights of the standardised indicators in F_k.
    loadings : pandas.DataFrame
        ``v_jk * sqrt(lambda_k)``, the correlation of indicator j with component k
        (SPSS's "component matrix").
    component_weights : pandas.Series
        Weight of each kept component in the index (1.0 for ``"first"``).
    indicator_weights : pandas.Series
        The index as a linear combination of the standardised indicators,
        ``index = sum_j a_j z_j``.
    mean, std : pandas.Series
        The standardisation used.
    scores : pandas.DataFrame
        Scores of the kept components, aligned to the panel rows.
    """

    def __init__(
        self,
        x: pd.DataFrame,
        method: str,
        keep: str | int | float,
        what: str = "pca_index",
    ) -> None:
        names = list(x.columns)
        n, p = x.shape
        if n < 2:
            raise GeoprocInputError(f"{what}: needs at least 2 region-years, got {n}")
        arr = x.to_numpy(dtype=float)
        mean = arr.mean(axis=0)
        std = arr.std(axis=0, ddof=1)
        # relative tolerance: a column of equal large numbers has float noise in its std
        const = std <= 1e-12 * np.maximum(np.abs(mean), 1.0)
        if const.any():
            raise GeoprocInputError(
                f"{what}: indicator(s) {listing([names[j] for j in np.flatnonzero(const)])} "
                f"have zero variance over {n} region-years; drop them"
            )
        z = (arr - mean) / std
        corr = z.T @ z / (n - 1)
        # p is small (a handful of indicators): the symmetric eigensolver is exact and fast
        evals, evecs = np.linalg.eigh(corr)
        order = np.argsort(evals)[::-1]
        evals = np.clip(evals[order], 0.0, None)
        evecs = evecs[:, order]
        for k in range(p):
            s = evecs[:, k].sum()
            if s < -1e-12 or (abs(s) <= 1e-12 and evecs[np.argmax(np.abs(evecs[:, k])), k] < 0):
                evecs[:, k] = -evecs[:, k]

        if method == "first":
            n_comp, rule = 1, "first component"
        else:
            n_comp, rule = _n_kept(evals, keep, p, what)
        pcs = [f"PC{k + 1}" for k in range(p)]
        kept = pcs[:n_comp]
        cw = evals[:n_comp] / evals[:n_comp].sum()
        scores = z @ evecs[:, :n_comp]

        self.indicators = names
        self.method = method
        self.keep = rule
        self.n_components = n_comp
        self.n_obs = n
        self.eigenvalues = pd.Series(evals, index=pcs, name="eigenvalue")
        self.explained_variance_ratio = pd.Series(evals / p, index=pcs, name="explained")
        self.cumulative_variance_ratio = self.explained_variance_ratio.cumsum().rename("cumulative")
        self.coefficients = pd.DataFrame(evecs, index=names, columns=pcs)
        self.loadings = pd.DataFrame(evecs * np.sqrt(evals), index=names, columns=pcs)
        self.component_weights = pd.Series(cw, index=kept, name="weight")
        self.indicator_weights = pd.Series(evecs[:, :n_comp] @ cw, index=names, name="weight")
        self.mean = pd.Series(mean, index=names, name="mean")
        self.std = pd.Series(std, index=names, name="std")
        self.scores = pd.DataFrame(scores, index=x.index, columns=kept)
        self._index = pd.Series(scores @ cw, index=x.index)

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: mean, std, coefficients and loadings of the kept components."""
        kept = list(self.component_weights.index)
        out = pd.concat(
            [
                self.mean,
                self.std,
                self.coefficients[kept].add_prefix("coef_"),
                self.loadings[kept].add_prefix("loading_"),
                self.indicator_weights.rename("index_weight"),
            ],
            axis=1,
        )
        out.index.name = "indicator"
        return out

    def summary(self) -> str:
        comp = pd.concat(
            [self.eigenvalues, self.explained_variance_ratio, self.cumulative_variance_ratio], axis=1
        )
        kept = list(self.component_weights.index)
        how = (
            "first principal component"
            if self.method == "first"
            else f"{self.n_components} components weighted by explained variance (kept: {self.keep})"
        )
        lines = [
            f"Principal-component index: {how}, {len(self.indicators)} indicators, "
            f"{self.n_obs} region-years",
            "",
            _fmt_table(comp),
            "",
            "Loadings (correlation of indicator and component):",
            _fmt_table(self.loadings[kept]),
        ]
        if self.method == "weighted":
            lines += ["", "Component weights in the index:", _fmt_table(self.component_weights.to_frame())]
        return "\n".join(lines)

    def __repr__(self) -> str:
        share = float(self.cumulative_variance_ratio.iloc[self.n_components - 1])
        return (
            f"<PCAIndexResult {self.method}: {self.n_components} of {len(self.indicators)} components, "
            f"{share:.1%} of variance, n={self.n_obs}>"
        )


def _n_kept(evals: np.ndarray, keep: str | int | float, p: int, what: str) -> tuple[int, str]:
    """How many components the weighted index keeps, and the rule in words."""
    if isinstance(keep, str):
        if keep != "kaiser":
            raise GeoprocInputError(
                f'{what}: keep must be "kaiser", a number of components or a cumulative share; got {keep!r}'
            )
        # at least one component even if no eigenvalue exceeds 1 (all indicators uncorrelated)
        k = max(1, int(np.sum(evals > 1.0)))
        return k, "eigenvalue > 1 (Kaiser)"
    if isinstance(keep, bool):
        raise GeoprocInputError(f"{what}: keep must not be a boolean")
    if isinstance(keep, int | np.integer):
        if not 1 <= keep <= p:
            raise GeoprocInputError(f"{what}: keep={keep} components, but there are {p} indicators")
        return int(keep), f"{keep} component(s)"
    share = float(keep)
    if not 0 < share <= 1:
        raise GeoprocInputError(f"{what}: a cumulative share must be in (0, 1], got {keep!r}")
    cum = np.cumsum(evals) / evals.sum()
    k = int(np.searchsorted(cum, share - 1e-12) + 1)
    return min(k, p), f"cumulative share >= {share:g}"


def pca_index(
    panel: pd.DataFrame,
    indicators: Sequence[str],
    method: str = "first",
    *,
    keep: str | int | float = "kaiser",
    by: str = "pooled",
    id: str = "code",
    year: str | None = "year",
    name: str = "pca_index",
    thousands: str | None = None,
    balanced: bool = True,
    consecutive: bool = True,
) -> tuple[pd.Series, PCAIndexResult | YearlyResults]:
    """Principal-component composite index of several indicators.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table, one row per region-year.
    indicators : list of str
        Indicator columns (at least 2).
    method : {"first", "weighted"}
        ``"first"``: the first component's score. ``"weighted"``: the kept
        components' scores weighted by their share of the kept variance,
        ``sum_k lambda_k F_k / sum_k lambda_k``.
    keep : "kaiser", int or float
        Components kept by ``"weighted"``: ``"kaiser"`` (default) those with
        eigenvalue > 1 (at least one); an int, that many; a float in (0, 1], the
        fewest whose cumulative explained share reaches it (e.g. 0.85).
    by : {"pooled", "year"}
        ``"pooled"`` (default): one standardisation and one decomposition over all
        region-years, so the index is comparable across years. ``"year"``: a
        separate fit per year.
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
        Aligned to ``panel.index``; mean 0 over the pooled sample (or each year).
    result : PCAIndexResult or YearlyResults
        Eigenvalues, explained shares, coefficients, loadings; ``summary()``, ``to_frame()``.

    Raises
    ------
    GeoprocInputError
        On an indicator with zero variance (naming it, and the year for ``by="year"``),
        missing or non-numeric values (naming region-years), duplicate region-years.

    Examples
    --------
    >>> dig, res = geoproc.pca_index(panel, DIGITAL_INDICATORS, name="dig")
    >>> print(res.summary())
    """
    if method not in ("first", "weighted"):
        raise GeoprocInputError(f'pca_index: method must be "first" or "weighted", got {method!r}')
    _check_by(by)
    names = _check_indicators(indicators, 2, "pca_index")
    p = prepare(panel, names, id=id, year=year, thousands=thousands, balanced=balanced,
                consecutive=consecutive)
    if by == "pooled" or p.years is None:
        res = PCAIndexResult(p.values, method, keep)
        return res._index.rename(name), res
    results = _by_year(
        p, lambda rows, y: PCAIndexResult(rows, method, keep, what=f"pca_index, year {y}")
    )
    return _assemble(results, p, panel, name)


# --- entropy weights -------------------------------------------------------------
def _directions(directions: Any, names: list[str]) -> np.ndarray:
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
            + _fmt_table(self.to_frame())
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
    _check_by(by)
    names = _check_indicators(indicators, 2, "entropy_weight_index")
    dirs = _directions(directions, names)
    if not np.isfinite(shift) or shift < 0:
        raise GeoprocInputError(f"entropy_weight_index: shift must be >= 0, got {shift!r}")
    p: Prepared = prepare(panel, names, id=id, year=year, thousands=thousands, balanced=balanced,
                consecutive=consecutive)
    if by == "pooled" or p.years is None:
        res = EntropyWeightResult(p.values, dirs, shift)
        return res._index.rename(name), res
    results = _by_year(
        p, lambda rows, y: EntropyWeightResult(rows, dirs, shift, what=f"entropy_weight_index, year {y}")
    )
    return _assemble(results, p, panel, name)
