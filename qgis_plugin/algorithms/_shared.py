"""Parameters and glue that several algorithms share: the panel table, the weights choice.

No science here: panels are checked by :func:`geoproc.panel.read_panel`, weights are
built by the same library function the CLI uses (:func:`geoproc.weights.build_weight_set`).
"""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

ISLANDS = ["raise", "keep", "drop", "nearest"]

WEIGHTS_HELP = (
    "<b>Weights</b>: the same text the geoproc command line takes — queen, rook, knn:K, "
    "inverse-distance[:POWER[:CUTOFF_KM]], gravity:COLUMN or nested:COLUMN (COLUMN a field of "
    "the panel table; the period mean over its years is used). Built from the regions (area "
    "centroids, geodesic distances).\n"
    "<b>Weights file</b> (optional): a .csv (full matrix), .gal or .gwt file; when given it "
    "replaces the Weights text. Its ids must be the regions' ids.\n"
    "<b>Regions without neighbours</b>: raise (stop with an error naming them), keep (zero "
    "spatial lag), drop (leave them out), nearest (queen/rook built here: link each to its "
    "nearest region).\n"
    "<b>Row-standardise the weights</b>: row-standardise the weights (esda's default) or use them as given.\n"
)

PANEL_HELP = (
    "<b>Panel table</b>: a long table (one row per region-year), e.g. a CSV loaded as a "
    "delimited-text layer without geometry.\n"
    "<b>Panel region field</b>: the panel's region column, codes matching the regions' id field "
    "(or names, matched to the regions).\n"
    "<b>Year field</b>: the panel's year column (whole numbers).\n"
)


# Id and year fields are optional with a default: QGIS 3.22 refuses a missing non-optional
# field parameter in processing.run/qgis_process even when it has a default value.


def add_panel_params(alg, panel_optional: bool = False) -> None:
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "PANEL", alg.tr("Panel table"), [QgsProcessing.SourceType.TypeVector], optional=panel_optional))
    alg.addParameter(QgsProcessingParameterField(
        "PANEL_ID", alg.tr("Panel region field (default code)"), defaultValue="code", parentLayerParameterName="PANEL",
        optional=True))
    alg.addParameter(QgsProcessingParameterField(
        "YEAR_FIELD", alg.tr("Year field (default year)"), defaultValue="year", parentLayerParameterName="PANEL",
        optional=True))


def add_regions_params(alg, optional: bool = False) -> None:
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "REGIONS", alg.tr("Regions"), [QgsProcessing.SourceType.TypeVectorPolygon], optional=optional))
    alg.addParameter(QgsProcessingParameterField(
        "REGIONS_ID", alg.tr("Region id field (default code)"), defaultValue="code", parentLayerParameterName="REGIONS",
        optional=True))


def add_weights_params(alg, islands_default: int = 0) -> None:
    alg.addParameter(QgsProcessingParameterString("WEIGHTS", alg.tr("Weights (queen, rook, knn:6, gravity:COLUMN, ...)"),
                                                  defaultValue="queen"))
    alg.addParameter(QgsProcessingParameterFile("WEIGHTS_FILE", alg.tr("Weights file (replaces the text above)"),
                                                behavior=QgsProcessingParameterFile.Behavior.File,
                                                fileFilter="Weights files (*.csv *.gal *.gwt *.CSV *.GAL *.GWT)",
                                                optional=True))
    alg.addParameter(QgsProcessingParameterEnum("ISLANDS", alg.tr("Regions without neighbours"), options=ISLANDS,
                                                defaultValue=islands_default))
    alg.addParameter(QgsProcessingParameterBoolean("ROW_STANDARDIZE", alg.tr("Row-standardise the weights"),
                                                   defaultValue=True))


def add_permutation_params(alg, default: int = 999) -> None:
    alg.addParameter(QgsProcessingParameterNumber("PERMUTATIONS", alg.tr("Permutations (0: analytic inference)"),
                                                  QgsProcessingParameterNumber.Type.Integer, default, minValue=0))
    alg.addParameter(QgsProcessingParameterNumber("SEED", alg.tr("Random seed (-1: none)"),
                                                  QgsProcessingParameterNumber.Type.Integer, -1, minValue=-1))


def permutations_and_seed(alg, parameters, context) -> tuple[int, int | None]:
    seed = alg.parameterAsInt(parameters, "SEED", context)
    return alg.parameterAsInt(parameters, "PERMUTATIONS", context), (None if seed < 0 else seed)


def read_panel_param(alg, parameters, context, feedback, regions=None, progress=(0, 20)):
    """The panel parameter as a checked DataFrame (geoproc.read_panel), with its id and year fields."""
    import geoproc

    frame = alg.source_frame(parameters, "PANEL", context, feedback, progress, with_geometry=False)
    panel_id = alg.parameterAsString(parameters, "PANEL_ID", context) or "code"
    year = alg.parameterAsString(parameters, "YEAR_FIELD", context) or "year"
    layer = alg.parameterAsVectorLayer(parameters, "PANEL", context)
    frame.attrs["source"] = f"table {layer.name()!r}" if layer is not None else "table"  # for messages
    panel = geoproc.read_panel(frame, id=panel_id, year=year, regions=regions)
    return panel, panel_id, year


def read_regions_param(alg, parameters, context, feedback, progress=(20, 35)):
    """The regions parameter (None when optional and not given) and its id field."""
    if parameters.get("REGIONS") in (None, ""):
        return None, None
    regions = alg.source_frame(parameters, "REGIONS", context, feedback, progress)
    return regions, (alg.parameterAsString(parameters, "REGIONS_ID", context) or "code")


def islands_choice(alg, parameters, context) -> str:
    return ISLANDS[alg.parameterAsEnum(parameters, "ISLANDS", context)]


def transform_choice(alg, parameters, context) -> str:
    return "R" if alg.parameterAsBool(parameters, "ROW_STANDARDIZE", context) else "O"


def weights_spec(alg, parameters, context) -> str:
    path = alg.parameterAsFile(parameters, "WEIGHTS_FILE", context)
    return path or alg.parameterAsString(parameters, "WEIGHTS", context).strip()


def build_weights_param(alg, parameters, context, regions, regions_id, panel, panel_id, year):
    """The weights the user chose, built like the CLI's ``--weights`` (file or kind)."""
    from geoproc.weights.build import build_weight_set, parse_spec

    spec = weights_spec(alg, parameters, context)
    kind, _ = parse_spec(spec)
    if kind != "file" and regions is None:
        raise QgsProcessingException(f"weights {spec!r} are built from the regions: give a Regions layer "
                                     "(or a weights file)")
    weights = build_weight_set([spec], regions, panel, id=regions_id, data_id=panel_id, year_column=year,
                               islands=islands_choice(alg, parameters, context))
    return next(iter(weights.values()))


def align_id_types(values, ids):
    """Index ``values`` by the regions' ids when they differ only in type (320000 vs "320000")."""
    by_text = {str(k): k for k in ids}
    if all(str(k) in by_text for k in values.index):
        values = values.copy()
        values.index = [by_text[str(k)] for k in values.index]
    return values


def push_lines(feedback, lines) -> None:
    for line in lines:
        feedback.pushInfo(str(line))


class warnings_to_log:  # noqa: N801 - used as a context manager like warnings.catch_warnings
    """Catch geoproc's warnings (islands, centroids outside regions ...) and write them to the log."""

    def __init__(self, feedback) -> None:
        import warnings

        self.feedback = feedback
        self._ctx = warnings.catch_warnings(record=True)

    def __enter__(self):
        import warnings

        self.caught = self._ctx.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        out = self._ctx.__exit__(*exc)
        seen = set()
        for w in self.caught:
            text = str(w.message)
            if text not in seen:
                seen.add(text)
                self.feedback.pushWarning(f"warning: {text}")
        return out
