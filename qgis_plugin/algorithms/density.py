"""Park density: counts and densities per region, kernel-density raster."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
)

from ..styling import style_on_completion, style_raster_on_completion
from .base import GeoprocAlgorithm


class ParkDensity(GeoprocAlgorithm):
    NAME = "park_density"
    DISPLAY = "Park counts and densities per region"
    GROUP = "density"
    HELP = (
        "Counts the park points in each region and computes densities.\n"
        "<b>Park points</b>: a point layer (any CRS; reprojected to the regions' CRS if they differ).\n"
        "<b>Regions</b>: a polygon layer.\n"
        "<b>Region id field</b>: unique id of each region.\n"
        "<b>Population field</b> (optional): population of each region, for parks per million people.\n"
        "<b>Output</b>: the regions with park_count, park_share (share of all parks in the regions), "
        "density_per_1000km2 (areas from an equal-area projection) and, with a population, "
        "parks_per_million. Points that fall in no region are counted and reported in the log. "
        "Styled as a graduated density map."
    )
    POINTS, REGIONS, ID, POPULATION, OUTPUT = "POINTS", "REGIONS", "ID", "POPULATION", "OUTPUT"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(self.POINTS, self.tr("Park points"), [QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterFeatureSource(self.REGIONS, self.tr("Regions"), [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(self.ID, self.tr("Region id field"), parentLayerParameterName=self.REGIONS))
        self.addParameter(QgsProcessingParameterField(self.POPULATION, self.tr("Population field"), parentLayerParameterName=self.REGIONS,
                                                      type=QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Park density"), QgsProcessing.SourceType.TypeVectorPolygon))

    def compute(self, parameters, context, feedback):
        import warnings

        import geoproc

        points = self.source_frame(parameters, self.POINTS, context, feedback, (0, 30))
        regions = self.source_frame(parameters, self.REGIONS, context, feedback, (30, 50))
        id_field = self.parameterAsString(parameters, self.ID, context)
        population = self.parameterAsString(parameters, self.POPULATION, context) or None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = geoproc.point_density(points, regions, id=id_field, per_capita=population)
        for w in caught:
            feedback.pushInfo(str(w.message))
        self.check_canceled(feedback)
        dest = self.write_sink(parameters, self.OUTPUT, context, out, feedback, (70, 100))
        style_on_completion(context, dest, "park_density", self.tr("Park density"))
        return {self.OUTPUT: dest}


class KernelDensity(GeoprocAlgorithm):
    NAME = "kernel_density"
    DISPLAY = "Kernel density raster"
    GROUP = "density"
    KERNELS = ["quartic", "triangular", "uniform", "epanechnikov", "triweight", "gaussian"]
    OUTPUTS = ["raw", "scaled", "density"]  # append only: saved models store the index
    HELP = (
        "A kernel-density surface of park points as a GeoTIFF, computed like QGIS's own Heatmap "
        "(Kernel Density Estimation) algorithm — same kernels, grid and values — but faster.\n"
        "<b>Points</b>: a point layer.\n"
        "<b>Radius (m)</b>: kernel bandwidth in metres; 0 = Silverman's rule of thumb (reported in the log).\n"
        "<b>Pixel size (m)</b>: raster cell size in metres.\n"
        "<b>Kernel</b>: quartic (default), triangular, uniform, epanechnikov, triweight or gaussian.\n"
        "<b>Weight field</b> (optional): a non-negative numeric field weighting each point.\n"
        "<b>Output values</b>: raw (sum of kernels, 1 at a lone point, as QGIS's Raw), scaled "
        "(as QGIS's Scaled: per square metre; a quartic point integrates to 7.25, the other "
        "kernels to 1) or density (points per km², each point's kernel integrating to exactly 1, "
        "or to its weight: the raster's sum times the pixel area in km² is the number of points).\n"
        "<b>CRS</b>: the raster is in the points' UTM zone, or an Albers equal-area projection for "
        "China-wide data.\n<b>Output</b>: the GeoTIFF (nodata -9999), styled as a pseudocolour ramp "
        "from transparent at 0 to dark red at the raster's maximum."
    )
    INPUT, RADIUS, PIXEL, KERNEL, WEIGHT, VALUES, OUTPUT = "INPUT", "RADIUS", "PIXEL", "KERNEL", "WEIGHT", "VALUES", "OUTPUT"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, self.tr("Points"), [QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterNumber(self.RADIUS, self.tr("Radius (m); 0 = Silverman's rule"),
                                                       QgsProcessingParameterNumber.Type.Double, 20000.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterNumber(self.PIXEL, self.tr("Pixel size (m)"),
                                                       QgsProcessingParameterNumber.Type.Double, 1000.0, minValue=0.001))
        self.addParameter(QgsProcessingParameterEnum(self.KERNEL, self.tr("Kernel"), options=self.KERNELS, defaultValue=0))
        self.addParameter(QgsProcessingParameterField(self.WEIGHT, self.tr("Weight field"), parentLayerParameterName=self.INPUT,
                                                      type=QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.VALUES, self.tr("Output values"), options=self.OUTPUTS, defaultValue=0))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Kernel density")))

    def compute(self, parameters, context, feedback):
        import geoproc

        points = self.source_frame(parameters, self.INPUT, context, feedback, (0, 30))
        radius = self.parameterAsDouble(parameters, self.RADIUS, context) or None
        out_path = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        result = geoproc.kernel_density(
            points,
            radius=radius,
            pixel_size=self.parameterAsDouble(parameters, self.PIXEL, context),
            kernel=self.KERNELS[self.parameterAsEnum(parameters, self.KERNEL, context)],
            weight=self.parameterAsString(parameters, self.WEIGHT, context) or None,
            output=self.OUTPUTS[self.parameterAsEnum(parameters, self.VALUES, context)],
            out=out_path,
            overwrite=True,  # Processing owns the destination, as in QGIS's own algorithms
            progress=self.progress_callback(feedback, 30, 95),
        )
        for line in result.summary().splitlines():
            feedback.pushInfo(line)
        feedback.setProgress(100)
        # kde_raster.qml is written for a maximum of 1: its ramp is rescaled to this raster's maximum
        style_raster_on_completion(context, out_path, "kde_raster", self.tr("Kernel density"),
                                   palette="kde", vmax=result.max_value)
        return {self.OUTPUT: out_path}
