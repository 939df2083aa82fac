"""Weights files, public side: :func:`read_weights` and :func:`write_weights`.

Formats (full-matrix CSV, GAL, GWT) are described and parsed in
:mod:`geoproc.weights._formats`; this module only turns files into
:class:`~geoproc.weights.base.SpatialWeights` and back, so that ``base`` never imports it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from geoproc.weights._formats import FORMATS
from geoproc.weights.base import SpatialWeights, as_weights

__all__ = ["read_weights", "write_weights", "check_format", "FORMATS"]


def check_format(path: str | os.PathLike) -> str:
    """The suffix of a weights file name (``.csv``, ``.gal``, ``.gwt``); else an error naming
    the formats, so that a command can refuse a bad name before any work."""
    from geoproc.weights._formats import check_format as suffix_of

    return suffix_of(Path(path))


def write_weights(w: Any, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write weights as full-matrix CSV, GAL or GWT, chosen by the file suffix.

    Parameters
    ----------
    w : SpatialWeights, libpysal W or Graph
        The weights.
    path : str or path
        ``.csv``, ``.gal`` or ``.gwt``.
    overwrite : bool
        Replace an existing file (otherwise refused).

    Returns
    -------
    Path
        The file written. The file appears only when complete (atomic write).

    Raises
    ------
    GeoprocInputError
        Unknown suffix; non-binary weights to GAL (values would be lost); ids
        with blanks to GAL/GWT.
    """
    from geoproc.weights._formats import write_file

    return write_file(as_weights(w), path, overwrite)


def read_weights(path: str | os.PathLike) -> SpatialWeights:
    """Read a full-matrix CSV, GAL or GWT weights file (by suffix).

    Parameters
    ----------
    path : str or path
        The file.

    Returns
    -------
    SpatialWeights
        ``kind`` is ``"file"``, ``meta["source"]`` the path; ``transform`` is
        ``"R"`` when every non-empty row sums to 1.

    Raises
    ------
    GeoprocInputError
        Malformed file: header ids not matching the id column, non-numeric or
        empty cells, unknown neighbour ids, counts not matching (each named).
    """
    return SpatialWeights.read(path)
