"""Spatial autocorrelation: Moran's I by year, LISA clusters, Getis-Ord Gi* hot spots."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ..styling import style_on_completion
from . import _shared
from .base import GeoprocAlgorithm

NUMERIC = QgsProcessingParameterField.DataType.Numeric


class MoranByYear(GeoprocAlgorithm):
    NAME = "moran_by_year"
    DISPLAY = "Global Moran's I by year"
    GROUP = "autocorrelation"
    INFERENCE = ["norm", "rand", "sim"]
    HELP = (
        "Global Moran's I of each variable in each year of a panel (geoproc.moran_table; the values "
        "equal esda.Moran's, and the same seed gives esda's p_sim).\n"
        + _shared.PANEL_HELP
        + "<b>Variables</b>: numeric panel fields to test.\n"
        "<b>Regions</b> (optional with a weights file): the polygon layer the weights are built from.\n"
        "<b>Region id field</b>: the regions' id, matching the panel's region field.\n"
        + _shared.WEIGHTS_HELP
        + "<b>Permutations</b>: random permutations for the pseudo p-value p_sim (0: none).\n"
        "<b>Random seed</b>: makes p_sim reproducible (-1: a fresh random draw).\n"
        "<b>Stars from</b>: which p-value gives the stars of the publication table: normal "
        "approximation (norm), randomisation (rand) or permutations (sim).\n"
        "<b>Moran table</b>: long format, one row per year x variable, with esda's names "
        "(I, EI, VI_norm, z_norm, p_norm, VI_rand, z_rand, p_rand, p_sim).\n"
        "<b>HTML table</b>: the publication layout (years as rows, I with stars and z per variable) "
        "with its footnotes."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        _shared.add_panel_params(self)
        self.addParameter(QgsProcessingParameterField("VARIABLES", self.tr("Variables"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL", allowMultiple=True))
        _shared.add_regions_params(self, optional=True)
        _shared.add_weights_params(self)
        _shared.add_permutation_params(self)
        self.addParameter(QgsProcessingParameterEnum("INFERENCE", self.tr("Stars from"), options=self.INFERENCE,
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Moran table"),
                                                            QgsProcessing.SourceType.TypeVector))
        self.addParameter(QgsProcessingParameterFileDestination("HTML", self.tr("HTML table"), "HTML files (*.html)",
                                                                optional=True))

    def compute(self, parameters, context, feedback):
        import geoproc

        regions, regions_id = _shared.read_regions_param(self, parameters, context, feedback, (0, 20))
        panel, panel_id, year = _shared.read_panel_param(self, parameters, context, feedback, regions, (20, 35))
        with _shared.warnings_to_log(feedback):
            w = _shared.build_weights_param(self, parameters, context, regions, regions_id, panel, panel_id, year)
            self.check_canceled(feedback)
            feedback.setProgress(45)
            permutations, seed = _shared.permutations_and_seed(self, parameters, context)
            islands = _shared.islands_choice(self, parameters, context)
            table = geoproc.moran_table(
                panel, w, self.parameterAsFields(parameters, "VARIABLES", context), id=panel_id, year=year,
                permutations=permutations, seed=seed, transform=_shared.transform_choice(self, parameters, context),
                islands="raise" if islands == "nearest" else islands,
                inference=self.INFERENCE[self.parameterAsEnum(parameters, "INFERENCE", context)],
                progress=self.progress_callback(feedback, 45, 80))
        self.check_canceled(feedback)
        feedback.setProgress(80)
        _shared.push_lines(feedback, table.to_markdown().splitlines())
        results = {"OUTPUT": self.write_sink(parameters, "OUTPUT", context, table.to_frame(), feedback, (80, 95))}
        html = self.parameterAsFileOutput(parameters, "HTML", context)
        if html:
            import html as html_lib

            from geoproc.outputs import atomic_output

            # MoranTable.to_html() is a fragment (table + notes); a page with its charset opens
            # correctly from disk in any browser. Processing owns the destination: overwrite.
            title = html_lib.escape(f"Moran's I: {', '.join(table.variables)}")
            with atomic_output(html, overwrite=True) as tmp:
                tmp.write_text(f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
                               f"<body>\n<h1>{title}</h1>\n{table.to_html()}</body></html>\n", encoding="utf-8")
            results["HTML"] = html
        feedback.setProgress(100)
        return results


class _LocalStatistic(GeoprocAlgorithm):
    """LISA and Gi*: one variable of one panel year on the regions."""

    GROUP = "autocorrelation"
    COMMON_HELP = (
        "<b>Regions</b>: the polygon layer.\n"
        "<b>Region id field</b>: the regions' id, matching the panel's region field.\n"
        + _shared.PANEL_HELP
        + "<b>Variable</b>: the numeric panel field to analyse.\n"
        "<b>Year</b>: the panel year to analyse.\n"
        + _shared.WEIGHTS_HELP
        + "<b>Permutations</b>: conditional permutations for the pseudo p-values (0: analytic).\n"
        "<b>Random seed</b>: the same seed gives esda's p_sim exactly (-1: a fresh random draw).\n"
    )

    def add_common(self, row_standardize: bool = True) -> None:
        _shared.add_regions_params(self)
        _shared.add_panel_params(self)
        self.addParameter(QgsProcessingParameterField("VARIABLE", self.tr("Variable"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL"))
        self.addParameter(QgsProcessingParameterNumber("YEAR", self.tr("Year"), QgsProcessingParameterNumber.Type.Integer,
                                                       2021))
        _shared.add_weights_params(self, row_standardize=row_standardize)
        _shared.add_permutation_params(self)

    def inputs(self, parameters, context, feedback):
        from geoproc.panel import year_values
        from geoproc.validation import region_ids

        regions, regions_id = _shared.read_regions_param(self, parameters, context, feedback, (0, 20))
        panel, panel_id, year_field = _shared.read_panel_param(self, parameters, context, feedback, regions, (20, 35))
        year = self.parameterAsInt(parameters, "YEAR", context)
        variable = self.parameterAsString(parameters, "VARIABLE", context)
        values = year_values(panel, variable, year, id=panel_id, year_column=year_field,
                             regions=region_ids(regions, regions_id))
        w = _shared.build_weights_param(self, parameters, context, regions, regions_id, panel, panel_id, year_field)
        self.check_canceled(feedback)
        feedback.setProgress(45)
        permutations, seed = _shared.permutations_and_seed(self, parameters, context)
        islands = _shared.islands_choice(self, parameters, context)
        return dict(regions=regions, values=values, weights=w, permutations=permutations, seed=seed,
                    id=regions_id, transform=self.transform(parameters, context),
                    islands="raise" if islands == "nearest" else islands), variable, year

    def transform(self, parameters, context) -> str:
        """The weights transform: ROW_STANDARDIZE ("R" or "O")."""
        return _shared.transform_choice(self, parameters, context)

    def finish(self, parameters, context, feedback, out, column, style, title):
        _shared.push_lines(feedback, out.attrs.get("notes", []))
        counts = out[column].value_counts()
        feedback.pushInfo(", ".join(f"{k}: {v}" for k, v in counts.items()))
        out = out.copy()
        out.attrs = {}
        dest = self.write_sink(parameters, "OUTPUT", context, out, feedback, (85, 100))
        style_on_completion(context, dest, style, title)
        return {"OUTPUT": dest}


class LisaClusters(_LocalStatistic):
    NAME = "lisa_clusters"
    DISPLAY = "LISA clusters (local Moran's I)"
    HELP = (
        "Local Moran's I of one variable in one year with conditional-permutation pseudo p-values "
        "(geoproc.local_moran; esda's method and, for a seed, its values).\n"
        + _LocalStatistic.COMMON_HELP
        + "<b>Significance level</b>: a region is significant when its p-value (or, with FDR, its "
        "Benjamini-Hochberg adjusted p) is at most this.\n"
        "<b>Control the false discovery rate</b>: Benjamini-Hochberg correction across regions.\n"
        "<b>Output</b>: the regions with lisa_I, lisa_EI, lisa_z, lisa_p (lisa_p_fdr), lisa_q (1 HH, 2 LH, "
        "3 LL, 4 HL), cluster (High-High, Low-Low, Low-High, High-Low, Not significant; Undefined for a "
        "kept island) and island; "
        "styled in the conventional cluster colours."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_common()
        self.addParameter(QgsProcessingParameterNumber("ALPHA", self.tr("Significance level"),
                                                       QgsProcessingParameterNumber.Type.Double, 0.05,
                                                       minValue=0.0, maxValue=1.0))
        self.addParameter(QgsProcessingParameterBoolean("FDR", self.tr("Control the false discovery rate"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("LISA clusters"),
                                                            QgsProcessing.SourceType.TypeVectorPolygon))

    def compute(self, parameters, context, feedback):
        import geoproc

        with _shared.warnings_to_log(feedback):
            args, variable, year = self.inputs(parameters, context, feedback)
            out = geoproc.local_moran(alpha=self.parameterAsDouble(parameters, "ALPHA", context),
                                      fdr=self.parameterAsBool(parameters, "FDR", context),
                                      progress=self.progress_callback(feedback, 45, 85), **args)
        self.check_canceled(feedback)
        return self.finish(parameters, context, feedback, out, "cluster", "lisa_clusters",
                           self.tr("LISA clusters {} {}").format(variable, year))


class HotSpots(_LocalStatistic):
    NAME = "hot_spots"
    DISPLAY = "Hot spots (Getis-Ord Gi*)"
    INFERENCE = ["normal", "permutation"]
    TRANSFORM = ["B", "R", "O"]
    HELP = (
        "Getis-Ord G_i* (or G_i) of one non-negative variable in one year, binned into hot and cold "
        "spots at 90/95/99 % (geoproc.getis_ord). The defaults are ArcGIS Pro's Hot Spot Analysis: "
        "G_i*, binary weights, the z-score under normality.\n"
        + _LocalStatistic.COMMON_HELP.replace(
            "<b>Permutations</b>: conditional permutations for the pseudo p-values (0: analytic).\n",
            "<b>Permutations</b>: conditional permutations, used only with permutation inference.\n")
        + "<b>Include the region itself (Gi*)</b>: G* (self-weight 1 for binary weights, the row's "
        "largest weight otherwise) or G.\n"
        "<b>Inference</b>: normal (ArcGIS): gi_z is the Getis-Ord z, gi_p = 2(1 - Phi(|z|)), bins at "
        "|z| >= 1.645/1.960/2.576; permutation (esda, GeoDa): gi_z is the permutation z (z_sim), gi_p "
        "the pseudo p-value, bins at p <= 0.10/0.05/0.01. The z, p and bin of a region always come "
        "from the same inference.\n"
        "<b>Weights transform</b>: binary (every neighbour counts 1, ArcGIS), row-standardised (esda's "
        "default) or as given (inverse-distance or gravity weights).\n"
        "<b>Control the false discovery rate</b>: Benjamini-Hochberg at each confidence level, as "
        "ArcGIS's FDR correction (gi_p_fdr decides the bins).\n"
        "<b>Output</b>: the regions with gi_G, gi_z, gi_p (gi_p_fdr), hotspot (Hot spot 99%/95%/90%, "
        "Not significant, Cold spot 90%/95%/99%, Undefined where the statistic cannot be computed) "
        "and island; styled in hot and cold bins."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_common(row_standardize=False)
        self.addParameter(QgsProcessingParameterBoolean("STAR", self.tr("Include the region itself (Gi*)"),
                                                        defaultValue=True))
        self.addParameter(QgsProcessingParameterEnum(
            "INFERENCE", self.tr("Inference"), defaultValue=0,
            options=[self.tr("normal: z under normality (ArcGIS)"), self.tr("permutation: conditional permutations (esda)")]))
        self.addParameter(QgsProcessingParameterEnum(
            "TRANSFORM", self.tr("Weights transform"), defaultValue=0,
            options=[self.tr("binary (ArcGIS)"), self.tr("row-standardised (esda)"), self.tr("as given")]))
        self.addParameter(QgsProcessingParameterBoolean("FDR", self.tr("Control the false discovery rate"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Hot spots"),
                                                            QgsProcessing.SourceType.TypeVectorPolygon))

    def transform(self, parameters, context) -> str:
        return self.TRANSFORM[self.parameterAsEnum(parameters, "TRANSFORM", context)]

    def compute(self, parameters, context, feedback):
        import geoproc

        inference = self.INFERENCE[self.parameterAsEnum(parameters, "INFERENCE", context)]
        with _shared.warnings_to_log(feedback):
            args, variable, year = self.inputs(parameters, context, feedback)
            if inference == "normal":
                args["permutations"] = None  # the PERMUTATIONS default is for permutation inference only
            out = geoproc.getis_ord(star=self.parameterAsBool(parameters, "STAR", context), inference=inference,
                                    fdr=self.parameterAsBool(parameters, "FDR", context),
                                    progress=self.progress_callback(feedback, 45, 85), **args)
        self.check_canceled(feedback)
        from geoproc.hotspots import inference_label

        feedback.pushInfo(f"Inference: {inference_label(out.attrs)}")
        return self.finish(parameters, context, feedback, out, "hotspot", "getis_ord_hotspots",
                           self.tr("Hot spots {} {}").format(variable, year))
