"""Point patterns: standard deviational ellipse, average nearest-neighbour index, Ripley's K/L."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..styling import StylePostProcessor
from ._shared import push_lines, warnings_to_log
from .base import GeoprocAlgorithm

GROUP_HELP = (
    "<b>Group field</b> (optional): one result per value of this field (e.g. year, type).\n"
    "<b>Cumulative groups</b>: each group holds the points up to its value (the parks existing "
    "by each year) instead of those equal to it.\n"
)
CRS_HELP = ("Distances are in metres, in the points' UTM zone (an Albers equal-area projection for "
            "China-wide data); GCJ-02/BD-09 points must be converted first (Convert coordinates).\n")


class EllipseStyle(StylePostProcessor):
    """Ellipse outlines without fill, one colour per group from light (first) to dark (last).

    Years in order then read as a progression on the map; a single ellipse is drawn in
    the darkest colour.
    """

    def __init__(self, field: str, layer_name: str) -> None:
        super().__init__(None, layer_name)
        self.field = field

    def apply(self, layer, feedback) -> None:
        from qgis.core import (
            QgsCategorizedSymbolRenderer,
            QgsFillSymbol,
            QgsRendererCategory,
            QgsSingleSymbolRenderer,
        )

        from geoproc.pattern.ellipse import group_colours

        def outline(colour: str):
            return QgsFillSymbol.createSimple({"style": "no", "outline_color": colour, "outline_width": "0.6"})

        values = sorted(layer.uniqueValues(layer.fields().indexOf(self.field)))
        colours = group_colours(len(values))
        if len(values) < 2:
            layer.setRenderer(QgsSingleSymbolRenderer(outline(colours[-1])))
        else:
            cats = [QgsRendererCategory(v, outline(c), str(v)) for v, c in zip(values, colours, strict=True)]
            layer.setRenderer(QgsCategorizedSymbolRenderer(self.field, cats))
        layer.setName(self.layer_name)
        layer.triggerRepaint()


class _PatternAlgorithm(GeoprocAlgorithm):
    """Shared parameters: the points, an optional group field and cumulative groups."""

    GROUP = "pattern"
    POINTS, BY, CUMULATIVE, OUTPUT = "POINTS", "GROUP_FIELD", "CUMULATIVE", "OUTPUT"

    def add_points_params(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.POINTS, self.tr("Points"), [QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            self.BY, self.tr("Group field"), parentLayerParameterName=self.POINTS, optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.CUMULATIVE, self.tr("Cumulative groups (points up to each value)"), defaultValue=False))

    def group_args(self, parameters, context) -> dict:
        by = self.parameterAsString(parameters, self.BY, context) or None
        cumulative = self.parameterAsBool(parameters, self.CUMULATIVE, context)
        if cumulative and by is None:
            raise QgsProcessingException("Cumulative groups need a group field")
        return {"by": by, "cumulative": cumulative}


class StandardDeviationalEllipse(_PatternAlgorithm):
    NAME = "standard_deviational_ellipse"
    DISPLAY = "Standard deviational ellipse"
    CONVENTIONS = ["arcgis", "yuill", "crimestat"]  # append only: saved models store the index
    HELP = (
        "The standard deviational ellipse of the points: centre, spread and direction of a "
        "cluster system, per group to see how it moves between years.\n"
        "<b>Points</b>: a point layer.\n" + GROUP_HELP
        + "<b>Weight field</b> (optional): non-negative numeric weights.\n"
        "<b>Size (standard deviations)</b>: 1, 2 or 3 as in ArcGIS.\n"
        "<b>Convention</b>: arcgis multiplies the axes by √2 (ArcGIS's Directional Distribution, "
        "CrimeStat); yuill uses the plain standard deviations along the axes; crimestat also "
        "applies √(n/(n-2)) (pointpats' default).\n" + CRS_HELP
        + "<b>Output</b>: one ellipse polygon per group with n, centre_x/centre_y (m), centre_lon/"
        "centre_lat, major_m and minor_m (semi-axes), rotation_deg (azimuth of the major axis, "
        "clockwise from north), area_km2, axis_ratio and, per group, shift_km and "
        "shift_azimuth_deg of the centre from the previous group. Drawn as outlines, light to "
        "dark from the first group to the last."
    )
    WEIGHT, STD, CONVENTION = "WEIGHT", "STD", "CONVENTION"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_points_params()
        self.addParameter(QgsProcessingParameterField(
            self.WEIGHT, self.tr("Weight field"), parentLayerParameterName=self.POINTS,
            type=QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.STD, self.tr("Size (standard deviations)"), QgsProcessingParameterNumber.Type.Double, 1.0,
            minValue=0.01))
        self.addParameter(QgsProcessingParameterEnum(
            self.CONVENTION, self.tr("Convention"), options=self.CONVENTIONS, defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, self.tr("Standard deviational ellipses"), QgsProcessing.SourceType.TypeVectorPolygon))

    def compute(self, parameters, context, feedback):
        from geoproc.pattern import standard_deviational_ellipse

        points = self.source_frame(parameters, self.POINTS, context, feedback, (0, 40))
        with warnings_to_log(feedback):
            res = standard_deviational_ellipse(
                points, weight=self.parameterAsString(parameters, self.WEIGHT, context) or None,
                std=self.parameterAsDouble(parameters, self.STD, context),
                convention=self.CONVENTIONS[self.parameterAsEnum(parameters, self.CONVENTION, context)],
                **self.group_args(parameters, context))
        push_lines(feedback, res.summary().splitlines())
        self.check_canceled(feedback)
        out = res.ellipses.reset_index(names=res.by or "group")
        dest = self.write_sink(parameters, self.OUTPUT, context, out, feedback, (60, 100))
        if context.willLoadLayerOnCompletion(dest):
            name = self.tr("Standard deviational ellipses")
            post = EllipseStyle(res.by or "group", name).keep_alive()
            context.layerToLoadOnCompletionDetails(dest).setPostProcessor(post)
        return {self.OUTPUT: dest}


class NearestNeighbourIndex(_PatternAlgorithm):
    NAME = "nearest_neighbour_index"
    DISPLAY = "Average nearest-neighbour index"
    HELP = (
        "Clark and Evans's average nearest-neighbour index R = observed / expected mean distance "
        "to the nearest other point, with its z-score and two-sided p-value (SE = 0.26136 / "
        "√(n²/A), as ArcGIS's Average Nearest Neighbor). R < 1: clustered; R > 1: dispersed.\n"
        "<b>Points</b>: a point layer.\n"
        "<b>Study regions</b> (optional): the area A is their union's equal-area area.\n"
        "<b>Study area (km²)</b> (optional): A given directly; with neither, the points' bounding "
        "box (which makes R depend on where the outermost points happen to lie).\n" + GROUP_HELP
        + CRS_HELP + "<b>Output</b>: a table with one row per group: n, area_km2, observed_m, "
        "expected_m, ratio, se_m, z, p and pattern (clustered, dispersed or random at 5 %); without a "
        "group field also the numbers RATIO, Z and P, for graphical models."
    )
    REGIONS, AREA = "REGIONS", "AREA_KM2"
    RATIO, Z, P = "RATIO", "Z", "P"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_points_params()
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.REGIONS, self.tr("Study regions"), [QgsProcessing.SourceType.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.AREA, self.tr("Study area (km²)"), QgsProcessingParameterNumber.Type.Double, optional=True,
            minValue=0.0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, self.tr("Nearest-neighbour index"), QgsProcessing.SourceType.TypeVector))
        # ungrouped runs also return the numbers, for graphical models
        self.addOutput(QgsProcessingOutputNumber(self.RATIO, self.tr("Nearest-neighbour index R")))
        self.addOutput(QgsProcessingOutputNumber(self.Z, self.tr("z-score")))
        self.addOutput(QgsProcessingOutputNumber(self.P, self.tr("p-value (two-sided)")))

    def compute(self, parameters, context, feedback):
        from geoproc.pattern import nearest_neighbour_index

        points = self.source_frame(parameters, self.POINTS, context, feedback, (0, 30))
        regions = None
        if parameters.get(self.REGIONS) not in (None, ""):
            regions = self.source_frame(parameters, self.REGIONS, context, feedback, (30, 60))
        area = None
        if parameters.get(self.AREA) not in (None, ""):
            area = self.parameterAsDouble(parameters, self.AREA, context)
        with warnings_to_log(feedback):
            res = nearest_neighbour_index(points, regions, area_km2=area, **self.group_args(parameters, context))
        push_lines(feedback, res.summary().splitlines())
        self.check_canceled(feedback)
        out = {self.OUTPUT: self.write_sink(parameters, self.OUTPUT, context, res.to_frame(), feedback, (80, 100))}
        if res.by is None:
            out.update({self.RATIO: float(res.ratio), self.Z: float(res.z), self.P: float(res.p)})
        return out


class RipleysK(_PatternAlgorithm):
    NAME = "ripleys_k"
    DISPLAY = "Ripley's K and L with envelopes"
    HELP = (
        "Ripley's K and Besag's L = √(K/π) of the points at a series of distances, with pointwise "
        "envelopes from random (CSR) patterns of as many points drawn in the study regions. L above "
        "the upper envelope: clustered at that distance; below the lower one: dispersed. No edge "
        "correction (the envelopes share the bias, so the comparison is fair).\n"
        "<b>Points</b>: a point layer.\n<b>Study regions</b>: the window and its area.\n"
        "<b>Distances (m)</b> (optional): comma-separated, increasing; default 20 steps up to a "
        "quarter of the regions' shorter side.\n"
        "<b>Simulations</b>: random patterns for the envelopes (99: pointwise level 2 %).\n"
        "<b>Random seed</b>: -1 for a fresh draw; a seed repeats the envelopes exactly.\n" + GROUP_HELP
        + CRS_HELP + "<b>Output</b>: a table with one row per group and distance: r_m, n, k, l_m, "
        "l_minus_r_m, envelope_low_m, envelope_high_m, csr_k and pattern."
    )
    REGIONS, DISTANCES, SIMULATIONS, SEED = "REGIONS", "DISTANCES", "SIMULATIONS", "SEED"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_points_params()
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.REGIONS, self.tr("Study regions"), [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterString(
            self.DISTANCES, self.tr("Distances (m), comma-separated"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.SIMULATIONS, self.tr("Simulations"), QgsProcessingParameterNumber.Type.Integer, 99, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.SEED, self.tr("Random seed (-1: none)"), QgsProcessingParameterNumber.Type.Integer, -1,
            minValue=-1))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, self.tr("Ripley's K and L"), QgsProcessing.SourceType.TypeVector))

    def compute(self, parameters, context, feedback):
        from geoproc.pattern import ripleys_k

        points = self.source_frame(parameters, self.POINTS, context, feedback, (0, 10))
        regions = self.source_frame(parameters, self.REGIONS, context, feedback, (10, 20))
        text = self.parameterAsString(parameters, self.DISTANCES, context).strip()
        try:
            distances = [float(v) for v in text.replace(";", ",").split(",") if v.strip()] or None
        except ValueError as exc:
            raise QgsProcessingException(f"Distances: {text!r} is not a comma-separated list of metres") from exc
        seed = self.parameterAsInt(parameters, self.SEED, context)
        with warnings_to_log(feedback):
            res = ripleys_k(points, regions, distances=distances,
                            simulations=self.parameterAsInt(parameters, self.SIMULATIONS, context),
                            seed=None if seed < 0 else seed, progress=self.progress_callback(feedback, 20, 90),
                            **self.group_args(parameters, context))
        push_lines(feedback, res.summary().splitlines())
        return {self.OUTPUT: self.write_sink(parameters, self.OUTPUT, context, res.to_frame(), feedback, (90, 100))}
