"""Spatial econometrics: the panel spatial Durbin model tool."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from . import _shared
from .base import GeoprocAlgorithm

NUMERIC = QgsProcessingParameterField.DataType.Numeric


def region_effects(result):
    """Direct and indirect effect of each regressor on each region: rows of S_k.

    S_k = (I - rho W)^-1 (beta_k I + theta_k W) (LeSage and Pace 2009, 2.7);
    direct_i = S_k[i, i], indirect_i = sum_{j != i} S_k[i, j]. The region averages are
    the effects :func:`geoproc.sdm` reports (its ``effects`` table). geoproc.sdm does
    not expose the per-region rows; this evaluates them from the result's estimates and
    weights with the library's own spatial operator (no re-estimation). Dense N x N.

    Returns a DataFrame indexed by region id with ``<x>_direct``, ``<x>_indirect`` and
    ``<x>_total`` columns.
    """
    import numpy as np
    import pandas as pd

    from geoproc.sdm.logdet import SpatialOperator

    W = result.weights.sparse
    n = W.shape[0]
    rho = result.rho if result.rho is not None else 0.0
    theta = result.theta
    op = SpatialOperator(W) if rho else None
    eye = np.eye(n)
    wd = W.toarray()
    cols = {}
    for k in result.x_names:
        b = float(result.beta[k])
        t = float(theta[k]) if k in theta.index else 0.0
        s = b * eye + t * wd
        if op is not None:
            s = op.solve(rho, s)
        direct = np.diag(s).copy()
        total = s.sum(axis=1)
        cols[f"{k}_direct"] = direct
        cols[f"{k}_indirect"] = total - direct
        cols[f"{k}_total"] = total
    return pd.DataFrame(cols, index=pd.Index(result.ids, name="id"))


def fitted_and_residuals(result, panel, id: str, year: str):
    """(observed, fitted, residual) as T x N DataFrames (years x region ids).

    The residual is the model's (``result.fits[model].resid``, the within-transformed
    residual, which equals the level residual once the fixed effects are recovered);
    fitted = observed - residual, the convention of ``SDMResult.r2`` (fixed effects
    count as fitted).
    """
    import pandas as pd

    resid = result.fits[result.model].resid
    t, n = len(result.years), len(result.ids)
    if resid.size != t * n:
        raise QgsProcessingException(f"the model returned {resid.size} residuals for {n} regions x {t} years")
    observed = panel.pivot(index=year, columns=id, values=result.y_name).loc[result.years, result.ids]
    residual = pd.DataFrame(resid.reshape(t, n), index=observed.index, columns=observed.columns)
    return observed, observed - residual, residual


class SpatialDurbinModel(GeoprocAlgorithm):
    NAME = "sdm"
    DISPLAY = "Spatial Durbin model (panel)"
    GROUP = "econometrics"
    EFFECTS = ["twoway", "region", "time", "none"]
    MODELS = ["sdm", "sar", "sem", "slx"]
    HELP = (
        "Estimates a panel spatial Durbin model by maximum likelihood (geoproc.sdm): "
        "y_it = rho W y_t + x_it beta + W x_t theta + mu_i + lambda_t + e_it, with direct, indirect and "
        "total effects (LeSage and Pace) and LR/Wald/Hausman tests.\n"
        + _shared.PANEL_HELP
        + "<b>Regions</b>: the polygon layer the weights are built from and the region output is drawn on.\n"
        "<b>Region id field</b>: the regions' id, matching the panel's region field.\n"
        + _shared.WEIGHTS_HELP
        + "<b>Dependent variable</b>: y.\n"
        "<b>Explanatory variables</b>: the variables of interest (each gets a W x term).\n"
        "<b>Controls</b> (optional): further regressors (also with W x terms, as in the usual SDM).\n"
        "<b>Fixed effects</b>: two-way (region and time), region, time or none.\n"
        "<b>Model</b>: SDM (default), SAR, SEM or SLX.\n"
        "<b>Also estimate by Lee-Yu</b>: also estimate by Lee and Yu's (2010) bias-corrected transformation approach "
        "(reported beside the direct estimates; needs row-standardised weights with time effects).\n"
        "<b>Draws for the effects' standard errors</b>: simulated parameter vectors for the effects' standard errors.\n"
        "<b>Random seed</b>: of the draws (-1: a fresh random draw).\n"
        "<b>Year of the region values</b>: the panel year whose observed, fitted and residual values "
        "the region layer carries (0: the last year).\n"
        "<b>Average the region values over all years</b>: carry each region's mean over the years instead. With region "
        "or two-way fixed effects the mean residual of every region is exactly 0 (the region effect "
        "absorbs it), so choose a year to look at residuals.\n"
        "<b>HTML report</b>: coefficients, effects, fit and tests in publication layout.\n"
        "<b>SDM by region</b>: the region layer, the regions with y_observed, y_fitted (observed minus residual: the fixed "
        "effects count as fitted), residual, and for each regressor X the region's own effects "
        "X_direct (S_ii), X_indirect (sum over j != i of S_ij, the spill-in from all other regions) and "
        "X_total, where S = (I - rho W)^-1 (beta I + theta W). Their averages over the regions are the "
        "reported direct/indirect/total effects. The residuals are the model's: for SEM the innovations "
        "e of u = lambda W u + e."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        _shared.add_panel_params(self)
        _shared.add_regions_params(self)
        _shared.add_weights_params(self)
        self.addParameter(QgsProcessingParameterField("Y", self.tr("Dependent variable"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL"))
        self.addParameter(QgsProcessingParameterField("X", self.tr("Explanatory variables"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL", allowMultiple=True))
        self.addParameter(QgsProcessingParameterField("CONTROLS", self.tr("Controls"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL", allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterEnum("EFFECTS", self.tr("Fixed effects"), options=self.EFFECTS,
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum("MODEL", self.tr("Model"), options=self.MODELS, defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean("LEE_YU", self.tr("Also estimate by Lee-Yu"), defaultValue=False))
        self.addParameter(QgsProcessingParameterNumber("DRAWS", self.tr("Draws for the effects' standard errors"),
                                                       QgsProcessingParameterNumber.Type.Integer, 1000, minValue=0))
        self.addParameter(QgsProcessingParameterNumber("SEED", self.tr("Random seed (-1: none)"),
                                                       QgsProcessingParameterNumber.Type.Integer, -1, minValue=-1))
        self.addParameter(QgsProcessingParameterNumber("REPORT_YEAR", self.tr("Year of the region values (0: last)"),
                                                       QgsProcessingParameterNumber.Type.Integer, 0, minValue=0))
        self.addParameter(QgsProcessingParameterBoolean("AVERAGE", self.tr("Average the region values over all years"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination("HTML", self.tr("HTML report"), "HTML files (*.html)"))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("SDM by region"),
                                                            QgsProcessing.SourceType.TypeVectorPolygon))

    def compute(self, parameters, context, feedback):
        import geoproc
        from geoproc.validation import region_ids

        regions, regions_id = _shared.read_regions_param(self, parameters, context, feedback, (0, 15))
        panel, panel_id, year = _shared.read_panel_param(self, parameters, context, feedback, regions, (15, 25))
        x = self.parameterAsFields(parameters, "X", context)
        controls = [c for c in self.parameterAsFields(parameters, "CONTROLS", context) if c not in x]
        seed = self.parameterAsInt(parameters, "SEED", context)
        with _shared.warnings_to_log(feedback):
            w = _shared.build_weights_param(self, parameters, context, regions, regions_id, panel, panel_id, year)
            self.check_canceled(feedback)
            feedback.setProgress(30)
            feedback.pushInfo("estimating ...")
            result = geoproc.sdm(
                panel, w, self.parameterAsString(parameters, "Y", context), x + controls, id=panel_id, year=year,
                effects=self.EFFECTS[self.parameterAsEnum(parameters, "EFFECTS", context)],
                model=self.MODELS[self.parameterAsEnum(parameters, "MODEL", context)],
                lee_yu=self.parameterAsBool(parameters, "LEE_YU", context),
                draws=self.parameterAsInt(parameters, "DRAWS", context), seed=None if seed < 0 else seed,
                row_standardize=self.parameterAsBool(parameters, "ROW_STANDARDIZE", context))
        self.check_canceled(feedback)
        feedback.setProgress(75)
        _shared.push_lines(feedback, result.summary().splitlines())
        html = self.parameterAsFileOutput(parameters, "HTML", context)
        result.to_html(html, overwrite=True)  # Processing owns the destination

        observed, fitted, residual = fitted_and_residuals(result, panel, panel_id, year)
        if self.parameterAsBool(parameters, "AVERAGE", context):
            pick = lambda frame: frame.mean(axis=0)  # noqa: E731
            feedback.pushInfo("region values: means over all years")
        else:
            chosen = self.parameterAsInt(parameters, "REPORT_YEAR", context) or max(result.years)
            if chosen not in result.years:
                raise QgsProcessingException(f"year {chosen} is not in the panel; its years are "
                                             f"{', '.join(map(str, result.years))}")
            pick = lambda frame: frame.loc[chosen]  # noqa: E731
            feedback.pushInfo(f"region values: year {chosen}")
        by_region = region_effects(result)
        by_region.insert(0, "residual", pick(residual).to_numpy())
        by_region.insert(0, "y_fitted", pick(fitted).to_numpy())
        by_region.insert(0, "y_observed", pick(observed).to_numpy())
        self.check_canceled(feedback)
        feedback.setProgress(85)
        ids = region_ids(regions, regions_id)
        by_region = _shared.align_id_types(by_region, ids)
        out = regions.copy()
        for col in by_region.columns:
            out[col] = by_region[col].reindex(ids).to_numpy()
        dest = self.write_sink(parameters, "OUTPUT", context, out, feedback, (85, 100))
        return {"OUTPUT": dest, "HTML": html}
