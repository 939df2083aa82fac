""":func:`sdm_dynamic`: a dynamic spatial panel from a long panel and a weights argument."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geoproc.durbin.data import panel_and_weights, wx_indices
from geoproc.durbin.dynamic import DYNAMIC, DYNAMIC_EFFECTS, fit_dynamic
from geoproc.durbin.dynamic_effects import dynamic_effects
from geoproc.durbin.dynamic_result import DynamicSDMResult
from geoproc.durbin.effects import DRAWS
from geoproc.durbin.logdet import SpatialOperator
from geoproc.errors import GeoprocInputError
from geoproc.progress import ProgressCallback, report

__all__ = ["sdm_dynamic"]


def sdm_dynamic(
    panel,
    weights: Any,
    y: str,
    x: Sequence[str],
    id: str = "code",
    year: str = "year",
    effects: str = "twoway",
    model: str = "sdm",
    dynamic: str = "both",
    lee_yu: bool = True,
    draws: int = DRAWS,
    seed: int | None = None,
    *,
    wx: Sequence[str] | None = None,
    regions: Any = None,
    row_standardize: bool | None = None,
    logdet: str = "auto",
    correct: bool = True,
    progress: ProgressCallback | None = None,
    islands: str = "raise",
    regions_id: str | None = None,
) -> DynamicSDMResult:
    """Estimate a dynamic spatial panel (SAR or SDM) with short- and long-run effects.

    y_t = tau y_{t-1} + psi W y_{t-1} + rho W y_t + X_t beta + W X_t theta + mu + alpha_t + e_t

    Parameters
    ----------
    panel : pandas.DataFrame
        Long balanced panel, one row per region-year (at least 3 years).
    weights :
        As :func:`geoproc.sdm` (a SpatialWeights, libpysal W, matrix with ids, file or kind).
    y, x, id, year :
        Dependent variable, regressors, region and period columns.
    effects : {"twoway", "region"}
        Fixed effects (a dynamic panel needs region effects).
    model : {"sdm", "sar"}
    dynamic : {"both", "tl", "stl"}
        tau y_{t-1} and psi W y_{t-1}; only tau ("tl"); only psi ("stl").
    lee_yu : bool
        Two-way effects: Lee and Yu's transformation for the time effects (default;
        row-standardised W), else the direct two-way transformation.
    draws : int
        Simulated parameter vectors for the effects' standard errors (0: none).
    seed : int, optional
    wx : sequence of str, optional
        Regressors with a W x term (SDM; default all).
    regions, row_standardize, logdet, islands, regions_id :
        As :func:`geoproc.sdm`.
    correct : bool
        The Yu-de Jong-Lee bias correction (default); ``False`` reports the QMLE.
    progress : callable, optional
        Called with the fraction done; returning ``False`` cancels.

    Returns
    -------
    DynamicSDMResult
    """
    if dynamic not in DYNAMIC:
        raise GeoprocInputError(f"dynamic must be one of {', '.join(DYNAMIC)}; got {dynamic!r}")
    if effects not in DYNAMIC_EFFECTS:
        raise GeoprocInputError(f"a dynamic panel needs region effects: effects must be 'region' "
                                f"or 'twoway'; got {effects!r}")
    if draws < 0:
        raise GeoprocInputError(f"draws must be >= 0, got {draws}")
    pa, (w, _, _) = panel_and_weights(panel, weights, y, x, id, year, regions, row_standardize,
                                      islands, regions_id)
    x_names = list(pa.x_names)
    wx_idx = [] if model == "sar" else wx_indices(x_names, wx)
    op = SpatialOperator(w.sparse, logdet)
    report(progress, 0.0)
    fit = fit_dynamic(pa.y, pa.x, w.sparse, dynamic=dynamic, model=model, effects=effects,
                      lee_yu=lee_yu, correct=correct, wx=wx_idx, x_names=x_names, op=op)
    report(progress, 0.5)
    eff = dynamic_effects(fit, op, draws=draws, seed=seed)
    report(progress, 1.0)
    return DynamicSDMResult(fit, eff, y_name=pa.y_name, weights=w, draws=draws, seed=seed,
                            ids=pa.ids, years=pa.years, logdet_method=op.method, op=op)
