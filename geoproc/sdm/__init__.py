"""Panel spatial Durbin model (and SAR, SEM, SLX) with fixed effects, Lee-Yu, effects and tests."""

from geoproc.sdm.model import SDMResult, sdm

__all__ = ["SDMResult", "sdm"]
