"""Panel spatial Durbin model (and SAR, SEM, SLX) with fixed effects, Lee-Yu, effects and tests.

The public entry point is :func:`geoproc.sdm` (defined in :mod:`geoproc.durbin.model`).
The package is named ``durbin``, not ``sdm``, so that importing it never rebinds the
attribute ``geoproc.sdm`` away from the function.
"""

from geoproc.durbin.model import SDMResult, sdm

__all__ = ["SDMResult", "sdm"]
