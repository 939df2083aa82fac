"""Stata ``.dta`` panels: value labels as text, region codes as text (read by
:func:`geoproc.read_table` / :func:`geoproc.read_panel` for a ``.dta`` suffix)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_stata"]


def read_stata(path: Path, text_columns: Sequence[str]) -> pd.DataFrame:
    """A Stata .dta file; labelled values as their labels (text), ``text_columns`` as text.

    Parameters
    ----------
    path : Path
    text_columns : sequence of str
        Columns returned as text: Stata stores region codes as numbers (110000.0 -> "110000").

    Returns
    -------
    pandas.DataFrame
        ``attrs["encoding"] == "dta"``.
    """
    import struct

    import pandas as pd

    try:
        df = pd.read_stata(path, convert_categoricals=True)
    except (ValueError, OSError, struct.error) as exc:  # what pandas raises for a non-Stata file
        raise GeoprocInputError(f"{path}: not a readable Stata .dta file: {exc}") from exc
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):  # value labels -> plain text
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    want = {str(c).strip() for c in text_columns}
    for c in df.columns:
        if str(c).strip() in want and pd.api.types.is_numeric_dtype(df[c]):
            # Stata stores codes as numbers: 110000.0 -> "110000"
            vals = df[c]
            whole = vals.dropna().eq(vals.dropna().round()).all()
            df[c] = (vals.astype("Int64") if whole else vals).astype(str).where(vals.notna(), None)
    df.attrs["encoding"] = "dta"
    return df

