"""The default search radius: the spatial variant of Silverman's rule of thumb."""

from __future__ import annotations

import math

import numpy as np

from geoproc.errors import GeoprocInputError

__all__ = ["SILVERMAN_RULE", "silverman_radius"]

SILVERMAN_RULE = (
    "Silverman's rule, spatial variant (as ArcGIS Kernel Density since 10.2.1): "
    "0.9 * min(SD, sqrt(1/ln 2) * Dm) * n^-0.2, SD the standard distance and Dm the "
    "median distance from the mean centre (weighted if weights are given, n = sum of weights)"
)


def silverman_radius(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Default search radius by the spatial variant of Silverman's rule of thumb.

    ``0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2`` (ArcGIS Kernel Density's default
    since 10.2.1), where SD is the standard distance ``sqrt(mean((x - x̄)^2 + (y - ȳ)^2))``,
    Dm the median distance from the mean centre (x̄, ȳ), and n the number of points;
    with weights, the mean centre, SD and median are weighted and n is their sum.

    Parameters
    ----------
    x, y : numpy.ndarray
        Point coordinates in a projected CRS (metres).
    weights : numpy.ndarray, optional
        Non-negative point weights.

    Returns
    -------
    float
        The radius, in the coordinates' units; 0 if all points coincide.

    Raises
    ------
    GeoprocInputError
        The weights sum to zero.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    n = w.sum()
    if n <= 0:
        raise GeoprocInputError("cannot choose a radius: the weights sum to zero")
    mx = np.sum(w * x) / n
    my = np.sum(w * y) / n
    d = np.hypot(x - mx, y - my)
    sd = math.sqrt(np.sum(w * d**2) / n)
    dm = _weighted_median(d, w)
    return 0.9 * min(sd, math.sqrt(1.0 / math.log(2.0)) * dm) * n**-0.2


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted median: where the cumulative weight reaches half the total (the mean of
    the two values when it lands exactly between them); ``np.median`` for equal weights."""
    if np.all(weights == weights[0]):
        return float(np.median(values))
    order = np.argsort(values)
    v, c = values[order], np.cumsum(weights[order])
    half = c[-1] / 2
    i = int(np.searchsorted(c, half))
    if np.isclose(c[i], half) and i + 1 < v.size:
        return float((v[i] + v[i + 1]) / 2)
    return float(v[i])
