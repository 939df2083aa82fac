"""Region ids: the one place where ids from two sources are matched.

A panel read from CSV has integer codes (``110000``), a weights file or a layer's
text field has the same codes as text (``"110000"``), an Excel sheet may give
floats (``110000.0``). They are the same regions. Text codes with leading zeros
(US FIPS ``"01"``, INSEE ``"01004"``) are kept as written: ``"0101"`` and ``101``
are *not* the same region.

Every module that puts two lists of ids side by side (panel and weights, weights
file and regions, table and layer, masses and regions) calls :func:`match_ids`,
so the normalisation and the error message are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from geoproc.errors import GeoprocInputError

__all__ = ["id_key", "match_ids", "relabel", "listing", "values_by_region"]

#: How many ids an error message lists on each side before "and N more".
LISTED = 10


def id_key(value: Any) -> str:
    """The matching key of one id: ``110000``, ``110000.0``, ``"110000"`` and ``" 110000 "``
    all give ``"110000"``; ``"0101"`` stays ``"0101"`` (leading zeros are part of a code).

    >>> id_key(110000), id_key(110000.0), id_key(" 110000"), id_key("0101")
    ('110000', '110000', '110000', '0101')
    """
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        value = int(value)
    elif isinstance(value, np.integer):
        value = int(value)
    return str(value).strip()


def listing(items: Sequence, limit: int = LISTED) -> str:
    """``a, b, c and 7 more``: messages stay readable for thousands of ids."""
    items = [str(x) for x in items]
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _key_positions(ids: Sequence, what: str) -> dict[str, int]:
    pos: dict[str, int] = {}
    for i, k in enumerate(ids):
        key = id_key(k)
        if key in pos:
            raise GeoprocInputError(
                f"{what}: region {ids[pos[key]]!r} appears twice (as {ids[pos[key]]!r} and {k!r})")
        pos[key] = i
    return pos


def match_ids(
    wanted: Iterable,
    available: Iterable,
    *,
    what_wanted: str = "panel",
    what_available: str = "weights",
    extra: str = "raise",
) -> np.ndarray:
    """Positions in ``available`` of each id of ``wanted``; ids differing only in type match.

    Parameters
    ----------
    wanted : iterable
        The ids in the order the result must have (e.g. the panel's regions).
    available : iterable
        The ids to look them up in (e.g. the weights' ids, in row order).
    what_wanted, what_available : str
        What the two lists are, for the error message ("panel", "weights", "regions",
        "weights file w.gal" ...).
    extra : {"raise", "ignore"}
        Whether ids of ``available`` that are not wanted are an error (two lists that must
        be the same set) or ignored (``wanted`` picks a subset).

    Returns
    -------
    numpy.ndarray
        Integer positions, ``available[result[i]]`` is ``wanted[i]``.

    Raises
    ------
    GeoprocInputError
        One line listing the ids missing on each side (the first ten, with counts), or
        naming an id that appears twice on one side.

    Examples
    --------
    >>> match_ids([110000, 120000], ["120000", "110000"]).tolist()
    [1, 0]
    """
    wanted, available = list(wanted), list(available)
    if extra not in ("raise", "ignore"):
        raise ValueError(f"extra must be 'raise' or 'ignore', got {extra!r}")
    if wanted == available:
        _key_positions(wanted, what_wanted)
        return np.arange(len(wanted))
    pos = _key_positions(available, what_available)
    want_keys = [id_key(k) for k in wanted]
    if len(set(want_keys)) != len(want_keys):
        _key_positions(wanted, what_wanted)  # raises naming the repeated id
    only_wanted = [k for k, key in zip(wanted, want_keys, strict=True) if key not in pos]
    only_available: list = []
    if extra == "raise":
        have = set(want_keys)
        only_available = sorted((k for k in available if id_key(k) not in have), key=id_key)
    if only_wanted or only_available:
        parts = []
        if only_wanted:
            parts.append(f"in the {what_wanted} but not in the {what_available}: {listing(only_wanted)}")
        if only_available:
            parts.append(f"in the {what_available} but not in the {what_wanted}: {listing(only_available)}")
        counts = ", ".join(f"{n} {label}" for n, label in (
            (len(only_wanted), f"only in the {what_wanted}"),
            (len(only_available), f"only in the {what_available}")) if n)
        raise GeoprocInputError(
            f"{what_available} ids do not match the {what_wanted} ({counts}); " + "; ".join(parts))
    return np.array([pos[key] for key in want_keys], dtype=np.int64)


def relabel(ids: Iterable, like: Iterable) -> list:
    """``ids`` written as in ``like`` where they match (``"320000"`` -> ``320000``), the
    others unchanged: values indexed by text codes then line up with integer codes."""
    by_key = {id_key(k): k for k in like}
    return [by_key.get(id_key(k), k) for k in ids]


def values_by_region(values: Any, ids: Sequence, what: str) -> np.ndarray:
    """Float values in the order of ``ids``, checked.

    ``values`` is a Series indexed by region id (ids that differ only in type, 320000 and
    "320000", match) or values already in the order of ``ids``. Raises naming the regions
    without a value or with a missing (NaN) or non-numeric one, or the count that differs.
    """
    import pandas as pd

    ids = list(ids)
    if isinstance(values, pd.Series):
        try:
            pos = match_ids(ids, values.index, what_wanted="regions", what_available=what, extra="ignore")
        except GeoprocInputError as exc:
            have = {id_key(k) for k in values.index}
            missing = [k for k in ids if id_key(k) not in have]
            if not missing:
                raise
            raise GeoprocInputError(f"{what}: no value for regions {listing(missing, 20)}") from exc
        arr = pd.to_numeric(values.iloc[pos], errors="coerce").to_numpy(dtype=float)
    else:
        arr = np.asarray(values, dtype=float).ravel()
        if arr.size != len(ids):
            raise GeoprocInputError(f"{what}: {arr.size} values for {len(ids)} regions")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise GeoprocInputError(f"{what}: missing (NaN) for regions {', '.join(str(ids[i]) for i in bad[:20])}")
    return arr
