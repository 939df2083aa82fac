"""Parameters and glue that several algorithms share: the panel table, the weights choice.

No science here: panels are checked by :func:`geoproc.panel.read_panel`, weights are
built by the same library function the CLI uses (:func:`geoproc.weights.build_weight_set`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from geoproc.weights.spec import HELP as _SPEC_HELP
from geoproc.weights.spec import ISLANDS as _ISLANDS

if TYPE_CHECKING:
    import pandas as pd

    from geoproc.weights.base import SpatialWeights

    from .base import GeoprocAlgorithm

Parameters = dict[str, Any]

ISLANDS = list(_ISLANDS)  # the library's policies, in its order (0: raise)

WEIGHTS_HELP = (
    "<b>Weights</b>: the same text the geoproc command line takes — "
    + _SPEC_HELP.removeprefix("weights: ").replace("data table", "panel table")
    + ". Kinds are built from the regions (area centroids, geodesic distances).\n"
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


def add_panel_params(alg: GeoprocAlgorithm, panel_optional: bool = False) -> None:
    """Add the panel table parameters: PANEL, PANEL_ID (default code), YEAR_FIELD (default year).

    Parameters
    ----------
    alg : GeoprocAlgorithm
        The algorithm, in its ``initAlgorithm``.
    panel_optional : bool
        Whether the panel table may be left out.
    """
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "PANEL", alg.tr("Panel table"), [QgsProcessing.SourceType.TypeVector], optional=panel_optional))
    alg.addParameter(QgsProcessingParameterField(
        "PANEL_ID", alg.tr("Panel region field (default code)"), defaultValue="code", parentLayerParameterName="PANEL",
        optional=True))
    alg.addParameter(QgsProcessingParameterField(
        "YEAR_FIELD", alg.tr("Year field (default year)"), defaultValue="year", parentLayerParameterName="PANEL",
        optional=True))


def add_regions_params(alg: GeoprocAlgorithm, optional: bool = False) -> None:
    """Add the region polygon parameters: REGIONS and REGIONS_ID (default code).

    Parameters
    ----------
    alg : GeoprocAlgorithm
        The algorithm, in its ``initAlgorithm``.
    optional : bool
        Whether the regions may be left out (e.g. when a weights file is given).
    """
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "REGIONS", alg.tr("Regions"), [QgsProcessing.SourceType.TypeVectorPolygon], optional=optional))
    alg.addParameter(QgsProcessingParameterField(
        "REGIONS_ID", alg.tr("Region id field (default code)"), defaultValue="code", parentLayerParameterName="REGIONS",
        optional=True))


def add_weights_params(alg: GeoprocAlgorithm, islands_default: int = 0, row_standardize: bool = True) -> None:
    """Add the weights parameters: WEIGHTS (spec text), WEIGHTS_FILE, ISLANDS, ROW_STANDARDIZE.

    Parameters
    ----------
    alg : GeoprocAlgorithm
        The algorithm, in its ``initAlgorithm``.
    islands_default : int
        Default position in :data:`ISLANDS` (0: raise).
    row_standardize : bool
        Add ROW_STANDARDIZE (False: the algorithm offers its own transform choice).
    """
    alg.addParameter(QgsProcessingParameterString("WEIGHTS", alg.tr("Weights (queen, rook, knn:6, gravity:COLUMN, ...)"),
                                                  defaultValue="queen"))
    alg.addParameter(QgsProcessingParameterFile("WEIGHTS_FILE", alg.tr("Weights file (replaces the text above)"),
                                                behavior=QgsProcessingParameterFile.Behavior.File,
                                                fileFilter="Weights files (*.csv *.gal *.gwt *.CSV *.GAL *.GWT)",
                                                optional=True))
    alg.addParameter(QgsProcessingParameterEnum("ISLANDS", alg.tr("Regions without neighbours"), options=ISLANDS,
                                                defaultValue=islands_default))
    if row_standardize:
        alg.addParameter(QgsProcessingParameterBoolean("ROW_STANDARDIZE", alg.tr("Row-standardise the weights"),
                                                       defaultValue=True))


def add_permutation_params(alg: GeoprocAlgorithm, default: int = 999) -> None:
    """Add PERMUTATIONS (0: analytic inference) and SEED (-1: none).

    Parameters
    ----------
    alg : GeoprocAlgorithm
        The algorithm, in its ``initAlgorithm``.
    default : int
        Default number of permutations.
    """
    alg.addParameter(QgsProcessingParameterNumber("PERMUTATIONS", alg.tr("Permutations (0: analytic inference)"),
                                                  QgsProcessingParameterNumber.Type.Integer, default, minValue=0))
    alg.addParameter(QgsProcessingParameterNumber("SEED", alg.tr("Random seed (-1: none)"),
                                                  QgsProcessingParameterNumber.Type.Integer, -1, minValue=-1))


def permutations_and_seed(alg: GeoprocAlgorithm, parameters: Parameters,
                          context: QgsProcessingContext) -> tuple[int, int | None]:
    """The PERMUTATIONS and SEED parameters as the library takes them.

    Returns
    -------
    tuple
        ``(permutations, seed)``; ``seed`` is None for -1 (a fresh random draw).
    """
    seed = alg.parameterAsInt(parameters, "SEED", context)
    return alg.parameterAsInt(parameters, "PERMUTATIONS", context), (None if seed < 0 else seed)


def read_panel_param(alg: GeoprocAlgorithm, parameters: Parameters, context: QgsProcessingContext,
                     feedback: QgsProcessingFeedback, regions: Any = None,
                     progress: tuple[int, int] = (0, 20)) -> tuple[pd.DataFrame, str, str]:
    """The panel parameter as a checked DataFrame, with its id and year fields.

    Parameters
    ----------
    alg : GeoprocAlgorithm
        The running algorithm (with PANEL, PANEL_ID and YEAR_FIELD from :func:`add_panel_params`).
    parameters, context, feedback
        As ``processAlgorithm`` received them.
    regions : geopandas.GeoDataFrame, optional
        Regions whose names the panel's region field may hold (see :func:`geoproc.read_panel`).
    progress : tuple of int
        Progress range while the table is read, in percent.

    Returns
    -------
    tuple
        ``(panel, panel_id, year)``: the panel from :func:`geoproc.read_panel` (its
        ``attrs["source"]`` names the layer, for messages) and the id and year field names.

    Raises
    ------
    GeoprocInputError
        From :func:`geoproc.read_panel`, naming the layer, column and rows.
    """
    import geoproc

    frame = alg.source_frame(parameters, "PANEL", context, feedback, progress, with_geometry=False)
    panel_id = alg.parameterAsString(parameters, "PANEL_ID", context) or "code"
    year = alg.parameterAsString(parameters, "YEAR_FIELD", context) or "year"
    layer = alg.parameterAsVectorLayer(parameters, "PANEL", context)
    frame.attrs["source"] = f"table {layer.name()!r}" if layer is not None else "table"  # for messages
    panel = geoproc.read_panel(frame, id=panel_id, year=year, regions=regions)
    return panel, panel_id, year


def read_regions_param(alg: GeoprocAlgorithm, parameters: Parameters, context: QgsProcessingContext,
                       feedback: QgsProcessingFeedback,
                       progress: tuple[int, int] = (20, 35)) -> tuple[Any, str | None]:
    """The regions parameter and its id field.

    Returns
    -------
    tuple
        ``(regions, regions_id)``: a GeoDataFrame and the id field (default ``code``), or
        ``(None, None)`` when the optional REGIONS parameter is not given.
    """
    if parameters.get("REGIONS") in (None, ""):
        return None, None
    regions = alg.source_frame(parameters, "REGIONS", context, feedback, progress)
    return regions, (alg.parameterAsString(parameters, "REGIONS_ID", context) or "code")


def islands_choice(alg: GeoprocAlgorithm, parameters: Parameters, context: QgsProcessingContext) -> str:
    """The ISLANDS parameter as the library's word: raise, keep, drop or nearest."""
    return ISLANDS[alg.parameterAsEnum(parameters, "ISLANDS", context)]


def transform_choice(alg: GeoprocAlgorithm, parameters: Parameters, context: QgsProcessingContext) -> str:
    """The ROW_STANDARDIZE parameter as a libpysal transform: "R" (row-standardised) or "O" (as given)."""
    return "R" if alg.parameterAsBool(parameters, "ROW_STANDARDIZE", context) else "O"


def weights_spec(alg: GeoprocAlgorithm, parameters: Parameters, context: QgsProcessingContext) -> str:
    """The weights the user chose, as CLI ``--weights`` text: the file's path if given, else WEIGHTS."""
    path = alg.parameterAsFile(parameters, "WEIGHTS_FILE", context)
    return path or alg.parameterAsString(parameters, "WEIGHTS", context).strip()


def build_weights_param(alg: GeoprocAlgorithm, parameters: Parameters, context: QgsProcessingContext,
                        regions: Any, regions_id: str | None, panel: pd.DataFrame, panel_id: str,
                        year: str) -> SpatialWeights:
    """The weights the user chose, built like the CLI's ``--weights`` (file or kind).

    Parameters
    ----------
    alg, parameters, context
        The running algorithm (with :func:`add_weights_params`) and its parameters.
    regions : geopandas.GeoDataFrame or None
        The regions the weights are built from (None only with a weights file).
    regions_id : str or None
        Their id field.
    panel : pandas.DataFrame
        The panel, for the masses of gravity:COLUMN and nested:COLUMN (period means).
    panel_id, year : str
        The panel's region and year fields.

    Returns
    -------
    SpatialWeights
        From :func:`geoproc.weights.build_weight_set`, untransformed.

    Raises
    ------
    QgsProcessingException
        A kind built from regions without a Regions layer.
    GeoprocInputError
        A bad spec, file or mass column (from the library).
    """
    from geoproc.weights import WeightsSpec, build_weight_set

    spec = weights_spec(alg, parameters, context)
    if not WeightsSpec.parse(spec, named=False).is_file and regions is None:
        raise QgsProcessingException(f"weights {spec!r} are built from the regions: give a Regions layer "
                                     "(or a weights file)")
    weights = build_weight_set([spec], regions, panel, id=regions_id, data_id=panel_id, year_column=year,
                               islands=islands_choice(alg, parameters, context))
    return next(iter(weights.values()))


def align_id_types(values: pd.DataFrame | pd.Series, ids: Iterable) -> pd.DataFrame | pd.Series:
    """Index ``values`` by the regions' ids when they differ only in type (320000 vs "320000").

    Parameters
    ----------
    values : pandas.DataFrame or pandas.Series
        Indexed by region id (e.g. read from a text table).
    ids : iterable
        The regions' ids (e.g. from the layer's integer field).

    Returns
    -------
    pandas.DataFrame or pandas.Series
        A copy re-indexed by the matching ``ids`` when every index value matches one as
        text; else ``values`` itself, unchanged.
    """
    from geoproc.ids import id_key, relabel

    ids = list(ids)
    known = {id_key(k) for k in ids}
    if all(id_key(k) in known for k in values.index):
        values = values.copy()
        values.index = relabel(values.index, ids)
    return values


def push_lines(feedback: QgsProcessingFeedback, lines: Iterable[Any]) -> None:
    """Write each line to the Processing log (e.g. a result's ``summary().splitlines()``)."""
    for line in lines:
        feedback.pushInfo(str(line))


class warnings_to_log:  # noqa: N801 - used as a context manager like warnings.catch_warnings
    """Catch geoproc's warnings (islands, centroids outside regions ...) and write them to the log."""

    def __init__(self, feedback: QgsProcessingFeedback) -> None:
        import warnings

        self.feedback = feedback
        self._ctx = warnings.catch_warnings(record=True)

    def __enter__(self) -> warnings_to_log:
        import warnings

        self.caught = self._ctx.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc: Any) -> bool | None:
        out = self._ctx.__exit__(*exc)
        seen = set()
        for w in self.caught:
            text = str(w.message)
            if text not in seen:
                seen.add(text)
                self.feedback.pushWarning(f"warning: {text}")
        return out
