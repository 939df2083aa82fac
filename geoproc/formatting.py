"""Shared conventions for reporting numbers: significance stars, JSON-safe values,
and the default number of permutations.

One owner for what every table, report and JSON file must print the same way: a
Moran table, an SDM summary and a pipeline report all mark p < 0.01 with ``***``,
and all write NaN/inf as JSON ``null`` (``json.dumps(..., allow_nan=False)`` then
never fails on a statistic that could not be computed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["PERMUTATIONS", "stars", "finite_or_none", "json_safe"]

#: Default number of random permutations for pseudo p-values (esda's default).
PERMUTATIONS = 999


def stars(p: float | None) -> str:
    """Significance stars: ``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1, else ``""``.

    Parameters
    ----------
    p : float or None
        A p-value; ``None`` or NaN gives no stars.

    Returns
    -------
    str
    """
    if p is None or not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def finite_or_none(v: Any) -> float | None:
    """``float(v)``, or ``None`` for ``None``, NaN and infinities.

    Parameters
    ----------
    v : number or None

    Returns
    -------
    float or None
    """
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def json_safe(v: Any) -> Any:
    """A JSON-serialisable copy: numpy scalars and arrays to Python, NaN/inf to ``None``.

    Dict keys become strings; tuples become lists; anything else without a JSON form
    (a ``pd.Timestamp``, a path) becomes its ``str``.

    Parameters
    ----------
    v : any

    Returns
    -------
    any
        Built from dict, list, str, int, float, bool and None only.
    """
    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [json_safe(x) for x in v]
    if isinstance(v, np.ndarray):
        return json_safe(v.tolist())
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            return str(v)
    if isinstance(v, bool) or v is None or isinstance(v, str | int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    return str(v)
