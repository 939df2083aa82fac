"""Indicators: agglomeration index, location quotient, PCA and entropy-weight indices of a panel."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..styling import style_on_completion
from . import _shared
from .base import GeoprocAlgorithm

NUMERIC = QgsProcessingParameterField.DataType.Numeric


class IndicesAlgorithm(GeoprocAlgorithm):
    NAME = "indices"
    DISPLAY = "Regional indicators (agglomeration, LQ, PCA, entropy weight)"
    GROUP = "indicators"
    HELP = (
        "Appends regional indicators to a long panel (one row per region-year); the input is "
        "never modified. Same computations as `geoproc indices` (geoproc.indices.compute_indices).\n"
        "<b>Panel table</b>: a table or layer, one row per region-year.\n"
        "<b>Region id field</b>: the region column.\n"
        "<b>Year field</b>: the year column (default year).\n"
        "<b>Cross-section</b>: the table has one row per region and no year column.\n"
        "<b>Agglomeration fields</b> (optional): for each, COL_agglomeration = COL over the mean of all "
        "regions that year (1 = the average region).\n"
        "<b>LQ sector field</b> and <b>LQ total field</b> (optional, both or neither): e_i and E_i of "
        "SECTOR_lq, the location quotient (e_i/E_i)/(e/E) with all regions of the table that year as "
        "the reference.\n"
        "<b>LQ reference table</b> (optional): reference totals by year (e.g. national figures) "
        "instead of the sum over the table's regions: a table with the year field and fields named as "
        "the LQ sector and total fields (one row without a year field for a cross-section).\n"
        "<b>PCA fields</b> (optional, 2 or more): a principal-component index of the standardised fields.\n"
        "<b>PCA method</b>: first component's score, or the components kept by Kaiser's rule weighted by "
        "their explained variance. Loadings and explained variance are written to the log.\n"        "<b>PCA components kept</b> (weighted method): kaiser (eigenvalue &gt; 1, default), a whole number "
        "of components, or a cumulative share of the variance such as 0.85.\n"
        "<b>PCA column name</b>: name of the new column (default pca_index).\n"
        "<b>Entropy fields (more is better)</b> and <b>Entropy fields (less is better)</b> (optional, 2 "
        "or more in all): an entropy-weight index (min-max normalisation by direction, weights from the "
        "entropy of each indicator); the weights are written to the log.\n"
        "<b>Entropy shift</b>: constant added to the normalised values before the entropy (0: the "
        "0 ln 0 = 0 convention).\n"
        "<b>Entropy column name</b>: default entropy_index.\n"
        "<b>Composite indices fitted</b>: pooled over all region-years, or separately per year.\n"
        "<b>Accept an unbalanced panel</b>: allow regions lacking some years (default: an error listing them).\n"        "<b>Accept years missing for every region</b>: e.g. census years 2010, 2015, 2020 (default: an "
        "error listing the gaps).\n"
        "<b>Output</b>: the panel table with the new columns.\n"
        "<b>Regions</b> (optional): a polygon layer to map the new columns on.\n"
        "<b>Region id field</b>: the regions' id, matching the panel's region field (default code).\n"
        "<b>Map year</b>: the panel year mapped (0: the last year; ignored for a cross-section).\n"
        "<b>Indicator map</b> (with Regions): the regions with that year's new columns, styled "
        "diverging around LQ = 1 when a location quotient is computed, else by the agglomeration "
        "index (1 = the average region)."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource("PANEL", self.tr("Panel table"),
                                                              [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(QgsProcessingParameterField("ID", self.tr("Region id field (default code)"), defaultValue="code",
                                                      parentLayerParameterName="PANEL", optional=True))
        self.addParameter(QgsProcessingParameterField("YEAR", self.tr("Year field (default year)"),
                                                      defaultValue="year", parentLayerParameterName="PANEL", optional=True))
        self.addParameter(QgsProcessingParameterBoolean("CROSS_SECTION", self.tr("Cross-section (no year field)"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterField("AGGLOMERATION", self.tr("Agglomeration fields"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL", allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterField("LQ_SECTOR", self.tr("LQ sector field (e_i)"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL", optional=True))
        self.addParameter(QgsProcessingParameterField("LQ_TOTAL", self.tr("LQ total field (E_i)"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource("LQ_REFERENCE",
                                                              self.tr("LQ reference table (e.g. national totals)"),
                                                              [QgsProcessing.SourceType.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterField("PCA", self.tr("PCA fields"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL", allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterEnum("PCA_METHOD", self.tr("PCA method"),
                                                     options=["first", "weighted"], defaultValue=0))
        self.addParameter(QgsProcessingParameterString("PCA_KEEP", self.tr("PCA components kept (weighted)"),
                                                       defaultValue="kaiser"))
        self.addParameter(QgsProcessingParameterString("PCA_NAME", self.tr("PCA column name"), defaultValue="pca_index"))
        self.addParameter(QgsProcessingParameterField("ENTROPY", self.tr("Entropy fields (more is better)"), type=NUMERIC,
                                                      parentLayerParameterName="PANEL", allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterField("ENTROPY_NEGATIVE", self.tr("Entropy fields (less is better)"),
                                                      type=NUMERIC, parentLayerParameterName="PANEL", allowMultiple=True,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterNumber("ENTROPY_SHIFT", self.tr("Entropy shift"),
                                                       QgsProcessingParameterNumber.Type.Double, 0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterString("ENTROPY_NAME", self.tr("Entropy column name"),
                                                       defaultValue="entropy_index"))
        self.addParameter(QgsProcessingParameterEnum("BY", self.tr("Composite indices fitted"),
                                                     options=["pooled", "year"], defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean("UNBALANCED", self.tr("Accept an unbalanced panel"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean("YEAR_GAPS", self.tr("Accept years missing for every region"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Indicators"),
                                                            QgsProcessing.SourceType.TypeVector))
        self.addParameter(QgsProcessingParameterFeatureSource("REGIONS", self.tr("Regions"),
                                                              [QgsProcessing.SourceType.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterField("REGIONS_ID", self.tr("Region id field (default code)"),
                                                      defaultValue="code", parentLayerParameterName="REGIONS",
                                                      optional=True))
        self.addParameter(QgsProcessingParameterNumber("MAP_YEAR", self.tr("Map year (0: the last)"),
                                                       QgsProcessingParameterNumber.Type.Integer, 0, minValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink("MAP", self.tr("Indicator map"),
                                                            QgsProcessing.SourceType.TypeVectorPolygon, optional=True,
                                                            createByDefault=False))

    def compute(self, parameters, context, feedback):
        from geoproc.indices import compute_indices

        panel = self.source_frame(parameters, "PANEL", context, feedback, (0, 30), with_geometry=False)
        fields = lambda name: self.parameterAsFields(parameters, name, context)  # noqa: E731
        common = dict(id=self.parameterAsString(parameters, "ID", context) or "code",
                      year=None if self.parameterAsBool(parameters, "CROSS_SECTION", context)
                      else (self.parameterAsString(parameters, "YEAR", context) or "year"))
        sector = self.parameterAsString(parameters, "LQ_SECTOR", context)
        total = self.parameterAsString(parameters, "LQ_TOTAL", context)
        if bool(sector) != bool(total):
            raise QgsProcessingException("location quotient: give both the LQ sector field and the LQ total field")
        reference = None
        if parameters.get("LQ_REFERENCE") not in (None, ""):
            reference = self.source_frame(parameters, "LQ_REFERENCE", context, feedback, (30, 35), with_geometry=False)
        positive, negative = fields("ENTROPY"), fields("ENTROPY_NEGATIVE")

        # every option is checked by the library before any work (names, columns, keep rule)
        out, fits = compute_indices(
            panel, **common,
            agglomeration=fields("AGGLOMERATION"),
            lq=[(sector, total)] if sector else None, lq_reference=reference,
            pca=fields("PCA"), pca_method=["first", "weighted"][self.parameterAsEnum(parameters, "PCA_METHOD", context)],
            pca_keep=self._pca_keep(parameters, context),
            pca_name=self.parameterAsString(parameters, "PCA_NAME", context) or "pca_index",
            entropy=positive + negative, entropy_directions=[1] * len(positive) + [-1] * len(negative),
            entropy_shift=self.parameterAsDouble(parameters, "ENTROPY_SHIFT", context),
            entropy_name=self.parameterAsString(parameters, "ENTROPY_NAME", context) or "entropy_index",
            by=["pooled", "year"][self.parameterAsEnum(parameters, "BY", context)],
            balanced=not self.parameterAsBool(parameters, "UNBALANCED", context),
            consecutive=not self.parameterAsBool(parameters, "YEAR_GAPS", context),
            progress=self.progress_callback(feedback, 35, 80),  # cancel between indices
            log=lambda msg: feedback.pushInfo(f"{msg} ..."))
        for fit in fits.values():
            _shared.push_lines(feedback, fit.summary().splitlines())
        new = [c for c in out.columns if c not in panel.columns]
        results = {"OUTPUT": self.write_sink(parameters, "OUTPUT", context, out, feedback, (80, 90))}
        if parameters.get("REGIONS") not in (None, "") and parameters.get("MAP") is not None:
            results["MAP"] = self._map(parameters, context, feedback, out, new, common, sector)
        feedback.setProgress(100)
        return results

    def _pca_keep(self, parameters, context):
        """The PCA keep rule as compute_indices takes it: "kaiser", a count or a share."""
        text = (self.parameterAsString(parameters, "PCA_KEEP", context) or "kaiser").strip().lower()
        if text == "kaiser":
            return text
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                pass
        raise QgsProcessingException(f"PCA components kept {text!r}: give kaiser, a number of components "
                                     "or a cumulative share such as 0.85")

    def _map(self, parameters, context, feedback, table, columns, common, sector):
        """The regions with one year's new columns (a join by id; no computation)."""
        from geoproc.validation import region_ids

        regions = self.source_frame(parameters, "REGIONS", context, feedback, (90, 93))
        regions_id = self.parameterAsString(parameters, "REGIONS_ID", context) or "code"
        year = common["year"]
        rows = table
        if year is not None:
            years = sorted(table[year].dropna().unique())
            chosen = self.parameterAsInt(parameters, "MAP_YEAR", context) or years[-1]
            if chosen not in years:
                raise QgsProcessingException(f"map year {chosen} is not in the panel; its years are "
                                             f"{', '.join(map(str, years))}")
            rows = table[table[year] == chosen]
            feedback.pushInfo(f"indicator map: year {chosen}")
        values = _shared.align_id_types(rows.set_index(common["id"])[columns], region_ids(regions, regions_id))
        out = regions.copy()
        for col in columns:
            out[col] = values[col].reindex(out[regions_id].to_numpy()).to_numpy()
        missing = out[regions_id][out[columns[0]].isna()].tolist()
        if missing:
            feedback.pushWarning(f"indicator map: no values for regions {', '.join(map(str, missing[:20]))}")
        dest = self.write_sink(parameters, "MAP", context, out, feedback, (93, 100))
        lq = [c for c in columns if sector and c == f"{sector}_lq"]
        agg = [c for c in columns if c.endswith("_agglomeration")]
        if lq:
            style_on_completion(context, dest, "location_quotient", self.tr("Location quotient {}").format(lq[0]), lq[0])
        elif agg:
            style_on_completion(context, dest, "agglomeration", self.tr("Agglomeration {}").format(agg[0]), agg[0])
        return dest
