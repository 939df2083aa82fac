""":func:`geoproc.sdm`: the panel spatial Durbin model and its nested models, as a result object."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geoproc.durbin.data import panel_and_weights
from geoproc.durbin.effects import DRAWS
from geoproc.durbin.estimation import FIXED_EFFECTS
from geoproc.durbin.fitting import (
    MODELS,
    Estimates,
    ModelSpec,
    Problem,
    estimate,
    goodness_of_fit,
    run_tests,
)
from geoproc.durbin.report import write_text
from geoproc.errors import GeoprocInputError
from geoproc.panel import Panel
from geoproc.progress import ProgressCallback, report

__all__ = ["MODELS", "Estimates", "SDMResult", "sdm"]



class SDMResult:
    """Result of :func:`sdm`.

    Attributes
    ----------
    model : str
        ``"sdm"``, ``"sar"``, ``"sem"`` or ``"slx"``.
    fixed_effects : str
        ``"twoway"``, ``"region"``, ``"time"`` or ``"none"``.
    rho, lam, beta, theta, sigma2, loglik, params, se, z, p, cov
        From the direct ML estimates (see :class:`Estimates`).
    r2 : float
        1 - SSR / total sum of squares of y (the fixed effects count as fitted).
    r2_within : float
        1 - SSR / sum of squares of the within-transformed y.
    corr2 : float
        Squared correlation of the within-transformed y with its reduced-form prediction
        (I - rho W)^-1 (X beta + W X theta) (Elhorst's corr2).
    aic, bic : float
        -2 logL + 2k (resp. k log NT) with k the coefficients plus rho/lambda
        (spreg's convention: sigma^2 and the fixed effects are not counted).
    n, t, nobs : int
        Regions, periods, N*T.
    effects : pandas.DataFrame
        Direct, indirect, total effects per regressor with simulated se, z, p.
    tests : dict of str -> TestStat
        ``lr_sar``, ``lr_sem``, ``wald_sar``, ``wald_sem``, ``hausman``.
    lm_tests : dict of str -> TestStat
        LM tests of the non-spatial fixed-effects model: ``lm_lag``, ``lm_error``,
        ``rlm_lag``, ``rlm_error``.
    fits : dict
        The underlying :class:`~geoproc.durbin.estimation.Fit` objects (the restricted fits
        behind the LR tests carry no covariance).
    lee_yu : Estimates or None
        Lee and Yu (2010) transformation-approach estimates (``lee_yu=True``).
    direct : Estimates
        The direct ML estimates (what the top-level attributes show).
    weights : SpatialWeights
        The aligned weights used.
    ids, years : list
        Region ids and years, in the order of the rows and columns of :meth:`fitted`.
    y_observed : numpy.ndarray
        The dependent variable as a (T, N) array (years x ``ids``).
    notes : list of str
        How the weights were built and what was done with islands (kept, dropped, linked).
    """

    def __init__(self, *, model, fixed_effects, direct: Estimates, lee_yu: Estimates | None,
                 tests: dict, n: int, t: int, y_name: str, r2: float, r2_within: float,
                 corr2: float, weights, logdet_method: str, draws: int, seed, ids, years,
                 fits: dict, lm_tests: dict | None = None, y_observed=None,
                 notes: list | None = None) -> None:
        self.model = model
        self.fixed_effects = fixed_effects
        self.direct = direct
        self.lee_yu = lee_yu
        self.tests = tests
        self.lm_tests = lm_tests or {}
        self.n, self.t, self.nobs = n, t, n * t
        self.y_name = y_name
        self.r2, self.r2_within, self.corr2 = r2, r2_within, corr2
        self.weights = weights
        self.logdet_method = logdet_method
        self.draws, self.seed = draws, seed
        self.ids, self.years = ids, years
        self.fits = fits
        self.notes = list(notes or [])
        self.y_observed = None if y_observed is None else np.asarray(y_observed, dtype=float)
        k = len(direct.fit.params) - 1  # coefficients and rho/lambda (both for SAC), not sigma2
        self.aic = -2 * direct.loglik + 2 * k
        self.bic = -2 * direct.loglik + k * np.log(self.nobs)

    # --- the direct estimates, as named attributes --------------------------
    rho = property(lambda self: self.direct.rho)
    lam = property(lambda self: self.direct.lam)
    beta = property(lambda self: self.direct.beta)
    theta = property(lambda self: self.direct.theta)
    sigma2 = property(lambda self: self.direct.sigma2)
    loglik = property(lambda self: self.direct.loglik)
    params = property(lambda self: self.direct.params)
    se = property(lambda self: self.direct.se)
    z = property(lambda self: self.direct.z)
    p = property(lambda self: self.direct.p)
    cov = property(lambda self: self.direct.cov)
    effects = property(lambda self: self.direct.effects)
    x_names = property(lambda self: self.direct.x_names)
    wx_names = property(lambda self: self.direct.wx_names)

    # --- per-region output --------------------------------------------------
    def region_effects(self, year: Any = None) -> pd.DataFrame:
        """Each region's direct, indirect and total effect of each regressor.

        For regressor k, S_k = (I - rho W)^-1 (beta_k I + theta_k W) (LeSage and Pace 2009,
        2.7); row i of S_k is how y_i responds to a change of x_k in every region.

        Parameters
        ----------
        year : int or "mean", optional
            Also put the observed, fitted and residual values of this panel year (or their
            means over all years, ``"mean"``) in front, as ``y_observed``, ``y_fitted`` and
            ``residual`` (see :meth:`fitted`). The effects themselves are the same for every
            year (W and the coefficients do not change over time).

        Returns
        -------
        pandas.DataFrame
            One row per region (index ``id``, in the order of :attr:`ids`) with, for each
            regressor X, the columns ``X_direct`` = S[i, i], ``X_indirect`` =
            sum over j != i of S[i, j] (the spill-in from all other regions) and ``X_total``
            = sum over j of S[i, j]. Their means over the regions equal the reported
            :attr:`effects` (``direct``, ``indirect``, ``total``): tr(S)/N and 1'S1/N.
            For SEM and SLX rho is 0 (S = beta I + theta W).

        Notes
        -----
        Computed by sparse solves with (I - rho W) (:meth:`SpatialOperator.solve
        <geoproc.durbin.logdet.SpatialOperator.solve>`), in blocks of W's columns: no dense
        N x N inverse is formed.
        """
        from geoproc.durbin.region_output import (
            observed_table,
            pick_year,
            region_effects_table,
            residual_table,
        )

        out = region_effects_table(self)
        if year is not None:
            observed, residual = observed_table(self), residual_table(self)
            out.insert(0, "residual", pick_year(self, residual, year).to_numpy())
            out.insert(0, "y_fitted", pick_year(self, observed - residual, year).to_numpy())
            out.insert(0, "y_observed", pick_year(self, observed, year).to_numpy())
        return out

    def residuals(self, year: Any = None) -> pd.DataFrame | pd.Series:
        """The model's residuals as a region x year table (or one year's, or their mean).

        The residual is the within-transformed one the likelihood uses,
        e = y~ - rho W y~ - X~ beta - (W X)~ theta (~: the exact within transformation of the
        chosen fixed effects; for SEM the innovations e of u = lambda W u + e). It equals the
        residual in levels once the fixed effects are recovered as the means of the
        remainder, so with region effects each region's residuals sum to 0 over the years,
        and with time effects each year's sum to 0 over the regions.

        Parameters
        ----------
        year : int or "mean", optional
            Return only this year's column (a Series by region), or the mean over the years.

        Returns
        -------
        pandas.DataFrame
            Rows: regions (index ``id``, order of :attr:`ids`); columns: years (:attr:`years`).
        """
        from geoproc.durbin.region_output import pick_year, residual_table

        table = residual_table(self)
        return table if year is None else pick_year(self, table, year).rename("residual")

    def fitted(self, year: Any = None) -> pd.DataFrame | pd.Series:
        """Fitted values as a region x year table (or one year's, or their mean).

        fitted = observed y - :meth:`residuals`: the fixed effects count as fitted (the
        convention of :attr:`r2`), so for SDM/SAR/SLX this is
        rho W y + X beta + W X theta + mu_i + lambda_t with the fixed effects recovered from
        the within transformation (not a reduced-form prediction); for SEM it also holds
        lambda W u, the part of the error predicted from the neighbours.

        Parameters
        ----------
        year : int or "mean", optional
            Return only this year's column (a Series by region), or the mean over the years.

        Returns
        -------
        pandas.DataFrame
            Rows: regions (index ``id``, order of :attr:`ids`); columns: years (:attr:`years`).
        """
        from geoproc.durbin.region_output import fitted_table, pick_year

        table = fitted_table(self)
        return table if year is None else pick_year(self, table, year).rename("fitted")

    # --- output -------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Coefficient table (estimate, se, z, p, stars); Lee-Yu columns beside it if computed."""
        out = self.direct.table()
        if self.lee_yu is not None:
            ly = self.lee_yu.table().add_prefix("lee_yu_")
            out = out.join(ly, how="outer")
        return out

    def summary(self) -> str:
        from geoproc.durbin.report import summary_text

        return summary_text(self)

    def to_html(self, path: str | None = None, overwrite: bool = False) -> str:
        """The publication-layout report as HTML (written to ``path`` if given)."""
        from geoproc.durbin.report import html_report

        text = html_report(self)
        if path is not None:
            write_text(path, text, overwrite)
        return text

    def to_dict(self) -> dict:
        from geoproc.durbin.report import result_dict

        return result_dict(self)

    def to_json(self, path: str | None = None, overwrite: bool = False, indent: int = 2) -> str:
        """JSON with the keys rho, beta, theta, sigma2, loglik, se, effects, tests, n, t, lee_yu."""
        import json

        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)
        if path is not None:
            write_text(path, text, overwrite)
        return text

    def __repr__(self) -> str:
        sp = f"rho={self.rho:.4f}" if self.rho is not None else (
            f"lambda={self.lam:.4f}" if self.lam is not None else "no spatial lag")
        return (f"<SDMResult {self.model.upper()} {self.fixed_effects} effects, N={self.n} T={self.t}, "
                f"{sp}, logL={self.loglik:.4f}>")


def sdm(
    panel: Panel | pd.DataFrame,
    weights: Any,
    y: str,
    x: Sequence[str],
    id: str = "code",
    year: str = "year",
    effects: str = "twoway",
    model: str = "sdm",
    lee_yu: bool = False,
    draws: int = DRAWS,
    seed: int | None = None,
    *,
    wx: Sequence[str] | None = None,
    regions: Any = None,
    row_standardize: bool | None = None,
    tests: bool = True,
    logdet: str = "auto",
    progress: ProgressCallback | None = None,
    islands: str = "raise",
    regions_id: str | None = None,
    dynamic: str | None = None,
    random_effects: bool = False,
) -> SDMResult:
    """Estimate a panel spatial Durbin model (or SAR, SEM, SLX) by maximum likelihood.

    y_it = rho sum_j w_ij y_jt + x_it' beta + sum_j w_ij x_jt' theta + mu_i + lambda_t + e_it

    Parameters
    ----------
    panel : Panel or pandas.DataFrame
        Long balanced panel, one row per region-year (:class:`geoproc.panel.Panel`, or a
        frame with columns ``id`` and ``year``; not modified).
    weights : SpatialWeights, libpysal W/Graph, (matrix, ids), path or str
        Anything :func:`geoproc.weights.as_weights` takes, or a kind (``"queen"``,
        ``"knn:5"``, ``"gravity:rd_staff"``, ...) built from ``regions`` and the panel.
    y : str
        Dependent variable column.
    x : sequence of str
        Regressor columns (the variable of interest and the controls).
    id, year : str
        Region and period columns.
    effects : {"twoway", "region", "time", "none"}
        Fixed effects, removed by the exact within transformation.
    model : {"sdm", "sar", "sem", "slx", "sac", "sdem", "gns"}
        Durbin (default), lag, error, lag-of-x-only, SAC (rho W y and lambda W u; effects as
        the SAR), SDEM (x, W x and lambda W u; effects beta and theta) or GNS (all three;
        an error names rho or lambda at its bound when the data do not identify both) model.
    lee_yu : bool
        Also estimate by Lee and Yu's (2010) transformation approach (reported beside; its
        LR/Wald tests are ``tests["*_lee_yu"]``, and the summaries show its effects and
        tests first, each block labelled by its estimator).
    draws : int
        Simulated parameter vectors for the effects' standard errors (0: none).
    seed : int, optional
        Seed of the draws.
    wx : sequence of str, optional
        Regressors that get a W x term (default: all of ``x``).
    regions : GeoDataFrame, path or shipped name, optional
        Regions for a weights kind (default the shipped ``china_provinces``).
    row_standardize : bool, optional
        Row-standardise the weights (a warning suggests it when they are not).
    tests : bool
        Fit the restricted models for the LR/Wald tests (and random effects for Hausman).
        This is most of the run time on large panels: the SAR and SEM fits need their own
        log-determinant interpolants (sparse factorisations at other rho's) and the Hausman
        test a Lee-Yu and a random-effects fit (see Notes).
    logdet : {"auto", "eig", "lu"}
        How log|I - rho W| and the traces are computed (see :mod:`geoproc.durbin.logdet`).
    progress : callable, optional
        Called with the fraction done (0 to 1) after each fit, each effects table and
        the tests; returning ``False`` raises :class:`geoproc.progress.Cancelled`.
        Results are identical with or without it.
    islands : {"raise", "keep", "drop", "nearest"}
        Regions without neighbours (:func:`geoproc.weights.prepare_weights`): an error
        naming them (default, as in Moran, LISA and Gi*: e.g. Hainan 460000 under queen),
        kept with a zero spatial lag and a warning naming them, left out of the panel and
        the weights (a warning and :attr:`SDMResult.notes` name them), or linked to their
        nearest region by centroid distance (``regions``, default the shipped China
        provinces). A zero lag is a modelling choice, so it is never made silently.
    regions_id : str, optional
        Id field of ``regions`` (default ``code``, else the index).

    dynamic : {"tl", "stl", "both"}, optional
        A dynamic spatial panel instead (tau y_{t-1}, psi W y_{t-1}, or both): bias-corrected
        quasi-ML with Lee and Yu's time transformation and short- and long-run effects;
        returns a :class:`~geoproc.durbin.dynamic_result.DynamicSDMResult`
        (:func:`geoproc.durbin.dynamic_model.sdm_dynamic`). Two-way time effects are always
        removed by Lee and Yu's transformation there, whatever ``lee_yu`` (the direct two-way
        form is :func:`~geoproc.durbin.dynamic_model.sdm_dynamic` ``lee_yu=False``, for
        comparison; docs/sdm.md says why); ``tests`` does not apply.

    random_effects : bool
        Random region effects instead of fixed ones (SDM, SAR or SEM; Elhorst's ML): with
        ``effects="twoway"`` the time effects stay fixed and (row-standardised W) are removed
        by Lee and Yu's transformation F_N', with ``"region"`` an intercept is estimated. The tests are LR/Wald SDM -> SAR under random effects and Hausman.

    Returns
    -------
    SDMResult

    Notes
    -----
    Speed (``benchmarks/bench_sdm.py``, N = 3000, T = 10, 3 regressors, 6-NN W, against
    spreg 1.9 ``ML_LagFE(slx_lags=1, spat_impacts=None)``, which fits one-way effects and
    computes no effects): the >= 20x target is for ``tests=False`` (the SDM and its
    LeSage-Pace effects with 1,000 draws; 30x on a quiet machine). The default
    ``tests=True`` adds the SAR, SEM, Lee-Yu and random-effects fits and the LM tests,
    2.6-3.3x the time: about 7-10x spreg (``benchmarks/RESULTS.md``).
    """
    if dynamic is not None:
        from geoproc.durbin.dynamic_model import sdm_dynamic

        return sdm_dynamic(panel, weights, y, x, id, year, effects, model, dynamic, draws=draws,
                           seed=seed, wx=wx, regions=regions, row_standardize=row_standardize,
                           logdet=logdet, progress=progress, islands=islands,
                           regions_id=regions_id)
    _check_options(effects, model, draws)
    pa, (w, _, notes) = panel_and_weights(panel, weights, y, x, id, year, regions, row_standardize,
                                          islands, regions_id)
    spec = ModelSpec.make(model, effects, pa.x_names, wx, lee_yu, draws, seed, tests)
    if lee_yu and effects in ("time", "twoway") and not w.is_row_standardized():
        raise GeoprocInputError(
            "Lee and Yu's transformation for time effects needs row-standardised weights; "
            "pass row_standardize=True (geoproc sdm: --transform R)"
        )
    problem = Problem.make(pa, w, spec, logdet)
    if random_effects:
        from geoproc.durbin.re_model import RANDOM_EFFECTS, estimate_random

        if lee_yu:
            raise GeoprocInputError("lee_yu applies to fixed effects, not to random_effects=True")
        fits, direct, test_stats, lm = estimate_random(problem, spec)
        ly = None
        how = direct.fit.extra.get("time_transform")
        if how:  # the summaries say how the fixed time effects left the likelihood
            notes = [*notes, "random effects: time effects removed by Lee and Yu's transformation "
                     "(N - 1 observations a period)" if how == "lee_yu" else
                     "random effects: time effects removed by demeaning each period (W is not "
                     "row-standardised, so Lee and Yu's transformation does not apply)"]
    else:
        fits, direct, ly = estimate(problem, spec, progress)
        test_stats, lm = run_tests(problem, spec, fits, progress)
    report(progress, 1.0)
    r2, r2_within, corr2 = goodness_of_fit(problem, spec, fits[model])
    T, N = pa.y.shape
    return SDMResult(model=model, fixed_effects=RANDOM_EFFECTS[effects] if random_effects else effects, direct=direct, lee_yu=ly, tests=test_stats,
                     n=N, t=T, y_name=pa.y_name, r2=r2, r2_within=r2_within, corr2=corr2, weights=w,
                     logdet_method=problem.op.method, draws=draws, seed=seed, ids=pa.ids, years=pa.years,
                     fits=fits, lm_tests=lm, y_observed=pa.y, notes=notes)


def _check_options(effects: str, model: str, draws: int) -> None:
    if effects not in FIXED_EFFECTS:
        raise GeoprocInputError(f"effects must be one of {', '.join(FIXED_EFFECTS)}; got {effects!r}")
    if model not in MODELS:
        raise GeoprocInputError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    if draws < 0:
        raise GeoprocInputError(f"draws must be >= 0, got {draws}")
