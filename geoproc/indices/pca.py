"""Principal-component index (METHODS §3): :func:`pca_index` and :class:`PCAIndexResult`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from geoproc.errors import GeoprocInputError
from geoproc.indices._composite import (
    YearlyResults,
    assemble,
    by_year,
    check_by,
    check_indicators,
    fmt_table,
)
from geoproc.panel.checks import listing, prepare

__all__ = ["PCAIndexResult", "pca_index"]


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
        # z-scores are scale-free: each column divided by its largest magnitude first
        # (exact up to rounding) keeps sums of squares of values near 1e300 finite
        scale = np.max(np.abs(arr), axis=0)
        scale = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
        arr = arr / scale
        mean = arr.mean(axis=0)
        std = arr.std(axis=0, ddof=1)
        # relative tolerance: a column of equal large numbers has float noise in its std
        const = std <= 1e-12 * np.maximum(np.abs(mean), 1.0 / scale)
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
            n_comp, rule = n_kept(evals, keep, p, what)
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
        self.mean = pd.Series(mean * scale, index=names, name="mean")
        self.std = pd.Series(std * scale, index=names, name="std")
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
            fmt_table(comp),
            "",
            "Loadings (correlation of indicator and component):",
            fmt_table(self.loadings[kept]),
        ]
        if self.method == "weighted":
            lines += ["", "Component weights in the index:", fmt_table(self.component_weights.to_frame())]
        return "\n".join(lines)

    def __repr__(self) -> str:
        share = float(self.cumulative_variance_ratio.iloc[self.n_components - 1])
        return (
            f"<PCAIndexResult {self.method}: {self.n_components} of {len(self.indicators)} components, "
            f"{share:.1%} of variance, n={self.n_obs}>"
        )


def n_kept(evals: np.ndarray, keep: str | int | float, p: int, what: str) -> tuple[int, str]:
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
    check_by(by)
    names = check_indicators(indicators, 2, "pca_index")
    p = prepare(panel, names, id=id, year=year, thousands=thousands, balanced=balanced,
                consecutive=consecutive)
    if by == "pooled" or p.years is None:
        res = PCAIndexResult(p.values, method, keep)
        return res._index.rename(name), res
    results = by_year(
        p, lambda rows, y: PCAIndexResult(rows, method, keep, what=f"pca_index, year {y}")
    )
    return assemble(results, p, panel, name)


# --- entropy weights -------------------------------------------------------------
