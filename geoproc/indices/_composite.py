"""What the composite indices share: option checks, per-year fits, :class:`YearlyResults`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geoproc.errors import GeoprocInputError
from geoproc.panel.checks import Prepared, listing

__all__ = ["YearlyResults"]


def check_indicators(indicators: Sequence[str], minimum: int, what: str) -> list[str]:
    if isinstance(indicators, str):
        raise GeoprocInputError(f"{what}: give the indicators as a list of column names, not one string")
    names = list(indicators)
    if len(names) < minimum:
        raise GeoprocInputError(f"{what} needs at least {minimum} indicators, got {len(names)}")
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise GeoprocInputError(f"{what}: indicator(s) listed twice: {listing(dup)}")
    return names


def check_by(by: str) -> None:
    if by not in ("pooled", "year"):
        raise GeoprocInputError(f'by must be "pooled" or "year", got {by!r}')


def by_year(p: Prepared, fit: Any) -> dict[Any, tuple[np.ndarray, Any]]:
    """Fit each year's rows separately (by position, so a non-unique panel index is fine)."""
    years = p.groups
    out = {}
    for y in sorted(set(years.tolist())):
        pos = np.flatnonzero(years == y)
        out[y] = (pos, fit(p.values.iloc[pos], y))
    return out


def assemble(results: dict, p: Prepared, panel: pd.DataFrame, name: str) -> tuple[pd.Series, YearlyResults]:
    values = np.empty(len(panel))
    for pos, res in results.values():
        values[pos] = res._index.to_numpy()
    fits = {y: res for y, (_, res) in results.items()}
    return pd.Series(values, index=panel.index, name=name), YearlyResults(fits)


def fmt_table(df: pd.DataFrame, digits: int = 4) -> str:
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
