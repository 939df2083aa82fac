"""Where geoproc's shipped data (boundaries, demo tables) lives."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir"]

_PACKAGE = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The folder holding ``boundaries/`` and the other shipped data.

    In order: the environment variable ``GEOPROC_DATA`` if set; ``geoproc/_data`` if it
    exists (the QGIS plugin zip bundles the data there); else the repository's ``data/``
    folder beside the package (an editable install or a source checkout).
    """
    env = os.environ.get("GEOPROC_DATA")
    if env:
        return Path(env).expanduser()
    bundled = _PACKAGE / "_data"
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / "data"
