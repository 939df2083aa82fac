"""Spatial weights: a weights file plus a line layer of the links."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ..styling import style_on_completion
from . import _shared
from .base import GeoprocAlgorithm


class SpatialWeightsAlgorithm(GeoprocAlgorithm):
    NAME = "spatial_weights"
    DISPLAY = "Spatial weights (file and links)"
    GROUP = "weights"
    KINDS = ["queen", "rook", "knn", "inverse-distance", "gravity", "nested"]
    CENTROIDS = ["area", "representative"]
    DISTANCE_CENTROIDS = ["area", "representative", "largest"]
    HELP = (
        "Builds a spatial weights matrix of the regions (geoproc.weights) and writes it as a file "
        "the other tools (and GeoDa, PySAL) read, plus a line layer to look at the links.\n"
        "<b>Regions</b>: a polygon layer with a CRS.\n"
        "<b>Region id field</b>: unique id of each region (written to the file).\n"
        "<b>Kind</b>: queen or rook contiguity (shared edge or corner / edge only); k nearest "
        "neighbours (knn); inverse distance w_ij = 1/d_ij^power; gravity w_ij = M_i M_j / d_ij^2 "
        "(masses from a table); nested: inverse distance times diag(mean GDP_j / overall mean GDP), "
        "row-standardised. Distances are great-circle km between the points of <b>Distances between</b>.\n"
        "<b>k</b>: knn only, number of neighbours.\n"
        "<b>Power</b>: inverse-distance and nested, the distance-decay exponent.\n"
        "<b>Cut-off (km)</b>: inverse-distance only, no link beyond this distance (0: none).\n"
        "<b>Mass table</b>: gravity and nested, a table (or layer) with the masses (e.g. R&amp;D staff) "
        "or the GDP; for a panel the mean over all its years is used.\n"
        "<b>Mass table id field</b>: its region column (codes matching the regions' ids).\n"
        "<b>Mass field</b>: the mass (gravity) or GDP (nested) column.\n"
        "<b>Mass table year field</b> (optional): the year column of a panel mass table.\n"
        "<b>Regions without neighbours</b>: queen/rook only; warn (named in the log; their rows stay "
        "zero) or link each to its nearest region.\n"
        "<b>Distance</b>: WGS84 geodesic or spherical haversine.\n"
        "<b>Distances between</b>: the point standing for each region: its area centroid (default), "
        "a representative point inside it, or the area centroid of its largest part (as the command "
        "line's --centroid).\n"
        "<b>Row-standardise</b>: divide each row by its sum.\n"
        "<b>Weights file</b>: .csv (full N x N matrix, first column id, header of ids), .gal "
        "(binary neighbour lists; queen/rook/knn without row-standardising) or .gwt (links with values).\n"
        "<b>Link line ends</b>: the area centroid of each region (may fall outside a crescent-shaped "
        "region) or a point inside it.\n"
        "<b>Weight links</b>: one line per linked pair of regions (EPSG:4326; geoproc.weights.links_frame, "
        "as the HTML links map), with from_id, to_id, w_from_to, w_to_from, weight = the larger of the "
        "two and weight_scaled = weight / the largest weight; styled by weight_scaled in fifths of 0-1, "
        "so binary, row-standardised and gravity weights all spread over the classes."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource("REGIONS", self.tr("Regions"),
                                                              [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField("REGIONS_ID", self.tr("Region id field (default code)"),
                                                      defaultValue="code", parentLayerParameterName="REGIONS",
                                                      optional=True))
        self.addParameter(QgsProcessingParameterEnum("KIND", self.tr("Kind"), options=self.KINDS, defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber("K", self.tr("k (knn)"), QgsProcessingParameterNumber.Type.Integer,
                                                       6, minValue=1))
        self.addParameter(QgsProcessingParameterNumber("POWER", self.tr("Power (inverse-distance, nested)"),
                                                       QgsProcessingParameterNumber.Type.Double, 1.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterNumber("CUTOFF", self.tr("Cut-off (km; inverse-distance; 0: none)"),
                                                       QgsProcessingParameterNumber.Type.Double, 0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterFeatureSource("MASS", self.tr("Mass table (gravity, nested)"),
                                                              [QgsProcessing.SourceType.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterField("MASS_ID", self.tr("Mass table id field"), defaultValue="code",
                                                      parentLayerParameterName="MASS", optional=True))
        self.addParameter(QgsProcessingParameterField("MASS_FIELD", self.tr("Mass field"), parentLayerParameterName="MASS",
                                                      type=QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterField("MASS_YEAR", self.tr("Mass table year field"),
                                                      parentLayerParameterName="MASS", optional=True))
        self.addParameter(QgsProcessingParameterEnum("ISLANDS", self.tr("Regions without neighbours (queen, rook)"),
                                                     options=["warn", "nearest"], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum("METHOD", self.tr("Distance"),
                                                     options=["geodesic", "haversine"], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            "CENTROID", self.tr("Distances between (knn, inverse-distance, gravity, nested, island links)"),
            options=["area centroids", "representative points", "area centroids of the largest parts"],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean("ROW_STANDARDIZE", self.tr("Row-standardise"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", self.tr("Weights file"), "CSV full matrix (*.csv);;GAL neighbour lists (*.gal);;GWT links (*.gwt)"))
        self.addParameter(QgsProcessingParameterEnum("LINK_ENDS", self.tr("Link line ends"),
                                                     options=["area centroid", "point inside the region"],
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink("LINKS", self.tr("Weight links"),
                                                            QgsProcessing.SourceType.TypeVectorLine, optional=True))

    def _spec(self, parameters, context) -> str:
        """The parameters as the library's weights spec text (queen, knn:6, nested:gdp:2 ...)."""
        kind = self.KINDS[self.parameterAsEnum(parameters, "KIND", context)]
        power = f"{self.parameterAsDouble(parameters, 'POWER', context):g}"
        if kind == "knn":
            return f"knn:{self.parameterAsInt(parameters, 'K', context)}"
        if kind == "inverse-distance":
            cutoff = self.parameterAsDouble(parameters, "CUTOFF", context)
            return f"inverse-distance:{power}" + (f":{cutoff:g}" if cutoff else "")
        if kind in ("gravity", "nested"):
            mass_field = self.parameterAsString(parameters, "MASS_FIELD", context)
            if parameters.get("MASS") in (None, ""):
                raise QgsProcessingException(f"{kind} weights need a mass table (Mass table parameter)")
            if not mass_field:
                raise QgsProcessingException(f"{kind} weights need the Mass field of the mass table")
            return f"gravity:{mass_field}" if kind == "gravity" else f"nested:{mass_field}:{power}"
        return kind

    def _build(self, parameters, context, feedback, regions, id_field):
        """The library's one dispatcher (geoproc.weights.build_weights) on the spec of the parameters."""
        from geoproc.weights import WeightsSpec, build_weights

        spec = self._spec(parameters, context)
        table = mass_id = year_col = None
        if WeightsSpec.parse(spec).needs_data:
            table = self.source_frame(parameters, "MASS", context, feedback, (20, 35), with_geometry=False)
            mass_id = self.parameterAsString(parameters, "MASS_ID", context) or None
            year_col = self.parameterAsString(parameters, "MASS_YEAR", context) or None
        feedback.pushInfo(f"weights {spec}")
        return build_weights(
            spec, regions, data=table, id=id_field,
            islands=["warn", "nearest"][self.parameterAsEnum(parameters, "ISLANDS", context)],
            data_id=mass_id, year_column=year_col,
            method=["geodesic", "haversine"][self.parameterAsEnum(parameters, "METHOD", context)],
            centroid=self.DISTANCE_CENTROIDS[self.parameterAsEnum(parameters, "CENTROID", context)])

    def compute(self, parameters, context, feedback):
        from pathlib import Path

        import geoproc

        out_path = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        if Path(out_path).suffix.lower() not in (".csv", ".gal", ".gwt"):  # fail before the work
            raise QgsProcessingException(f"weights file {out_path}: use a .csv, .gal or .gwt name")
        regions = self.source_frame(parameters, "REGIONS", context, feedback, (0, 20))
        id_field = self.parameterAsString(parameters, "REGIONS_ID", context) or "code"
        with _shared.warnings_to_log(feedback):
            w = self._build(parameters, context, feedback, regions, id_field)
            self.check_canceled(feedback)
            feedback.setProgress(60)
            if self.parameterAsBool(parameters, "ROW_STANDARDIZE", context) and w.transform != "R":
                w = w.row_standardize()
            _shared.push_lines(feedback, w.summary().splitlines())
            # Processing owns the destination (it may be a reused temporary name), as in QGIS's own tools
            geoproc.write_weights(w, out_path, overwrite=True)
        feedback.setProgress(70)
        results = {"OUTPUT": out_path}
        if parameters.get("LINKS") is not None:
            self.check_canceled(feedback)
            links = self._links(parameters, context, regions, id_field, w)
            dest = self.write_sink(parameters, "LINKS", context, links, feedback, (80, 100))
            style_on_completion(context, dest, "weight_links", self.tr("Weight links"))
            results["LINKS"] = dest
        feedback.setProgress(100)
        return results

    def _links(self, parameters, context, regions, id_field, w):
        """One line per linked pair, centroid to centroid: the library's links_frame (as the HTML links map)."""
        from geoproc.weights import links_frame

        centroid = self.CENTROIDS[self.parameterAsEnum(parameters, "LINK_ENDS", context)]
        return links_frame(w, regions, id=id_field, centroid=centroid)
