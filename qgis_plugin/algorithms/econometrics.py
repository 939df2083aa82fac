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

from ..styling import style_effects_on_completion
from . import _shared
from .base import GeoprocAlgorithm

NUMERIC = QgsProcessingParameterField.DataType.Numeric


class SpatialDurbinModel(GeoprocAlgorithm):
    NAME = "sdm"
    DISPLAY = "Spatial Durbin model (panel)"
    GROUP = "econometrics"
    EFFECTS = ["twoway", "region", "time", "none"]
    MODELS = ["sdm", "sar", "sem", "slx", "sac", "sdem", "gns"]
    TABLE_LANGS = ["en", "zh"]
    DYNAMIC = [None, "tl", "stl", "both"]
    DYNAMIC_LABELS = ["none (static panel)", "tau y(t-1)", "psi W y(t-1)", "both tau y(t-1) and psi W y(t-1)"]
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
        "<b>Model</b>: SDM (default), SAR, SEM, SLX, SAC (rho W y and lambda W u), SDEM (x, W x and lambda W u) or GNS (all three; often not identified).\n"
        "<b>Dynamic panel</b>: none (static), or a dynamic SAR/SDM with the time lag tau y(t-1), the space-time lag "
        "psi W y(t-1), or both, estimated by Yu-de Jong-Lee bias-corrected quasi-ML (Lee-Yu transformation for time "
        "effects; needs region or two-way effects, SDM or SAR, row-standardised weights). The report then shows "
        "short-run and long-run direct/indirect/total effects, and the region layer each region's short- and "
        "long-run effects (X_short_direct, ..., X_long_total) instead of the fitted values.\n"
        "<b>Random region effects</b>: random instead of fixed region effects (SDM, SAR or SEM; Elhorst's ML); with "
        "two-way effects the time effects stay fixed (removed by Lee and Yu's transformation), with region "
        "effects an intercept is estimated.\n"
        "<b>Run the model-selection sequence</b>: also run Elhorst's sequence (LR tests of the fixed effects, LM "
        "and robust LM, Wald/LR SDM->SAR/SEM/SLX, SDEM->SEM/SLX, Hausman); its table and the model it points to "
        "go to the log and to the top of the HTML report.\n"
        "<b>Also estimate by Lee-Yu</b>: also estimate by Lee and Yu's (2010) bias-corrected transformation approach "
        "(reported beside the direct estimates; its effects and its LR/Wald tests come first in the report, "
        "each block labelled by its estimator; needs row-standardised weights with time effects).\n"
        "<b>Draws for the effects' standard errors</b>: simulated parameter vectors for the effects' standard errors.\n"
        "<b>Random seed</b>: of the draws (-1: a fresh random draw).\n"
        "<b>Year of the region values</b>: the panel year whose observed, fitted and residual values "
        "the region layer carries (0: the last year).\n"
        "<b>Average the region values over all years</b>: carry each region's mean over the years instead. With region "
        "or two-way fixed effects the mean residual of every region is exactly 0 (the region effect "
        "absorbs it), so choose a year to look at residuals.\n"
        "<b>HTML report</b>: coefficients, effects, fit and tests in publication layout.\n"
        "<b>Tables</b> (optional): the coefficients, effects and tests as tables a journal accepts, in "
        "the format of the file's suffix: .docx (Word three-line tables), .xlsx, .tex, .md, .csv.\n"
        "<b>Language of the tables</b>: English or Chinese labels and notes (直接效应, 注：***、**、*...).\n"
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
        self.addParameter(QgsProcessingParameterEnum("DYNAMIC", self.tr("Dynamic panel"), options=self.DYNAMIC_LABELS,
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean("RANDOM_EFFECTS", self.tr("Random region effects"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean("SELECT", self.tr("Run the model-selection sequence"),
                                                        defaultValue=False))
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
        self.addParameter(QgsProcessingParameterFileDestination(
            "TABLES", self.tr("Tables (Word, Excel, LaTeX, Markdown, CSV)"),
            "Word (*.docx);;Excel (*.xlsx);;LaTeX (*.tex);;Markdown (*.md);;CSV (*.csv)", optional=True,
            createByDefault=False))
        self.addParameter(QgsProcessingParameterEnum("TABLES_LANG", self.tr("Language of the tables"),
                                                     options=self.TABLE_LANGS, defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("SDM by region"),
                                                            QgsProcessing.SourceType.TypeVectorPolygon))

    def compute(self, parameters, context, feedback):
        import geoproc
        from geoproc.outputs import atomic_output
        from geoproc.validation import region_ids

        regions, regions_id = _shared.read_regions_param(self, parameters, context, feedback, (0, 15))
        panel, panel_id, year = _shared.read_panel_param(self, parameters, context, feedback, regions, (15, 25))
        x = self.parameterAsFields(parameters, "X", context)
        controls = [c for c in self.parameterAsFields(parameters, "CONTROLS", context) if c not in x]
        seed = self.parameterAsInt(parameters, "SEED", context)
        chosen = self._region_year(parameters, context, panel, year)  # before the estimation: fail fast
        with _shared.warnings_to_log(feedback):
            w = _shared.build_weights_param(self, parameters, context, regions, regions_id, panel, panel_id, year)
            self.check_canceled(feedback)
            feedback.setProgress(30)
            feedback.pushInfo("estimating ...")
            dynamic = self.DYNAMIC[self.parameterAsEnum(parameters, "DYNAMIC", context)]
            if dynamic is not None:
                return self._dynamic(parameters, context, feedback, panel, panel_id, year, w, x + controls,
                                     dynamic, regions, regions_id)
            result = geoproc.sdm(
                panel, w, self.parameterAsString(parameters, "Y", context), x + controls, id=panel_id, year=year,
                effects=self.EFFECTS[self.parameterAsEnum(parameters, "EFFECTS", context)],
                model=self.MODELS[self.parameterAsEnum(parameters, "MODEL", context)],
                lee_yu=self.parameterAsBool(parameters, "LEE_YU", context),
                draws=self.parameterAsInt(parameters, "DRAWS", context), seed=None if seed < 0 else seed,
                row_standardize=self.parameterAsBool(parameters, "ROW_STANDARDIZE", context),
                islands=_shared.islands_choice(self, parameters, context), regions=regions,
                regions_id=regions_id, progress=self.progress_callback(feedback, 30, 75),
                random_effects=self.parameterAsBool(parameters, "RANDOM_EFFECTS", context))
        self.check_canceled(feedback)
        feedback.setProgress(75)
        _shared.push_lines(feedback, result.summary().splitlines())
        report = result.to_html()  # rendered now, written last: no report beside a failed run
        if self.parameterAsBool(parameters, "SELECT", context):
            report = self._with_selection(parameters, context, feedback, panel, panel_id, year, w,
                                          x + controls, regions, regions_id, report)
        tables = self._tables(parameters, context, result)
        feedback.pushInfo("region values: means over all years" if chosen == "mean" else f"region values: year {chosen}")
        # observed, fitted, residual of the year and each region's effects: the library's
        by_region = result.region_effects(year=chosen)
        self.check_canceled(feedback)
        feedback.setProgress(85)
        ids = region_ids(regions, regions_id)
        by_region = _shared.align_id_types(by_region, ids)
        out = regions.copy()
        for col in by_region.columns:
            out[col] = by_region[col].reindex(ids).to_numpy()
        dest = self.write_sink(parameters, "OUTPUT", context, out, feedback, (85, 99))
        # drawn diverging around zero by the first regressor's direct effect (every region's
        # total effect is the same with row-standardised W): the pipeline's sdm_effects style
        effect = f"{x[0]}_direct"
        style_effects_on_completion(context, dest, out[effect], effect, self.tr("SDM by region"))
        html = self.parameterAsFileOutput(parameters, "HTML", context)
        with atomic_output(html, overwrite=True) as tmp:  # Processing owns the destination
            tmp.write_text(report, encoding="utf-8")
        outputs = {"OUTPUT": dest, "HTML": html}
        if tables:
            from geoproc.tables import write_tables

            outputs["TABLES"] = str(write_tables(tables[1], tables[0], overwrite=True))
        feedback.setProgress(100)
        return outputs

    def _tables(self, parameters, context, result):
        """(path, tables) of the optional TABLES output, built before anything is written."""
        path = self.parameterAsFileOutput(parameters, "TABLES", context)
        if not path:
            return None
        from pathlib import Path

        from geoproc.tables import FORMATS, effects_table, regression_table, tests_table

        if Path(path).suffix.lower() not in FORMATS:
            raise QgsProcessingException(f"Tables {path}: use .docx, .xlsx, .tex, .md, .html or .csv")
        lang = self.TABLE_LANGS[self.parameterAsEnum(parameters, "TABLES_LANG", context)]
        tables = [regression_table([result], lang=lang), effects_table([result], lang=lang)]
        if result.tests:
            tables.append(tests_table([result], lang=lang))
        return path, tables

    def _with_selection(self, parameters, context, feedback, panel, panel_id, year, w, xs, regions,
                        regions_id, report):
        """Elhorst's sequence in the log and at the top of the report."""
        import html as html_mod

        from geoproc.durbin.selection import select_model

        with _shared.warnings_to_log(feedback):
            sel = select_model(panel, w, self.parameterAsString(parameters, "Y", context), xs, id=panel_id,
                               year=year, effects=self.EFFECTS[self.parameterAsEnum(parameters, "EFFECTS", context)],
                               row_standardize=self.parameterAsBool(parameters, "ROW_STANDARDIZE", context),
                               regions=regions, regions_id=regions_id,
                               islands=_shared.islands_choice(self, parameters, context))
        _shared.push_lines(feedback, sel.summary().splitlines())
        return report.replace("<body>", f"<body>\n<pre class='selection'>{html_mod.escape(sel.summary())}</pre>", 1)

    def _dynamic(self, parameters, context, feedback, panel, panel_id, year, w, xs, dynamic, regions, regions_id):
        """The dynamic panel: its report, and each region's short- and long-run effects."""
        from geoproc.durbin.dynamic_model import sdm_dynamic
        from geoproc.outputs import atomic_output
        from geoproc.validation import region_ids

        seed = self.parameterAsInt(parameters, "SEED", context)
        result = sdm_dynamic(
            panel, w, self.parameterAsString(parameters, "Y", context), xs, id=panel_id, year=year,
            effects=self.EFFECTS[self.parameterAsEnum(parameters, "EFFECTS", context)],
            model=self.MODELS[self.parameterAsEnum(parameters, "MODEL", context)], dynamic=dynamic,
            draws=self.parameterAsInt(parameters, "DRAWS", context), seed=None if seed < 0 else seed,
            row_standardize=self.parameterAsBool(parameters, "ROW_STANDARDIZE", context),
            islands=_shared.islands_choice(self, parameters, context), regions=regions, regions_id=regions_id,
            progress=self.progress_callback(feedback, 30, 75))
        self.check_canceled(feedback)
        feedback.setProgress(75)
        _shared.push_lines(feedback, result.summary().splitlines())
        report = result.to_html()
        ids = region_ids(regions, regions_id)
        by_region = _shared.align_id_types(result.region_effects(), ids)
        out = regions.copy()
        for col in by_region.columns:
            out[col] = by_region[col].reindex(ids).to_numpy()
        dest = self.write_sink(parameters, "OUTPUT", context, out, feedback, (85, 99))
        html = self.parameterAsFileOutput(parameters, "HTML", context)
        with atomic_output(html, overwrite=True) as tmp:
            tmp.write_text(report, encoding="utf-8")
        feedback.setProgress(100)
        return {"OUTPUT": dest, "HTML": html}

    def _region_year(self, parameters, context, panel, year):
        """The year the region layer shows ("mean" to average), checked against the panel's years."""
        if self.parameterAsBool(parameters, "AVERAGE", context):
            return "mean"
        years = sorted(panel[year].dropna().unique())
        chosen = self.parameterAsInt(parameters, "REPORT_YEAR", context) or years[-1]
        if chosen not in years:
            raise QgsProcessingException(f"year {chosen} is not in the panel; its years are "
                                         f"{', '.join(map(str, years))} (Year of the region values)")
        return chosen
