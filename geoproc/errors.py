"""Errors geoproc raises for bad input.

Every message names the culprit (region, row, column, file) so the user can fix
the input; the CLI and the QGIS plugin show the message as it is.
"""

from __future__ import annotations

__all__ = ["GeoprocInputError"]


class GeoprocInputError(ValueError):
    """Bad input: the message says which region, row, column or file, and why."""
