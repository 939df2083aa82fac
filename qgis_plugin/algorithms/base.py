"""What every geoproc algorithm shares: groups, help, lazy geoproc import, error translation."""

from __future__ import annotations

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException
from qgis.PyQt.QtCore import QCoreApplication

GROUPS = {
    "boundaries": "Boundaries & distances",
    "weights": "Spatial weights",
    "indicators": "Indicators",
    "autocorrelation": "Spatial autocorrelation",
    "density": "Park density",
    "econometrics": "Spatial econometrics",
    "pattern": "Point patterns",
}


class GeoprocAlgorithm(QgsProcessingAlgorithm):
    """Base class: subclasses set ``NAME``, ``DISPLAY``, ``GROUP``, ``HELP`` and write ``compute``.

    ``processAlgorithm`` makes sure geoproc and its libraries import (else a
    readable QgsProcessingException with the install command), then turns
    geoproc's input errors into QgsProcessingException so Processing shows the
    message instead of a traceback and never returns a half result.
    """

    NAME = ""
    DISPLAY = ""
    GROUP = ""
    HELP = ""

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("geoproc", text)

    def createInstance(self):  # noqa: N802 - QGIS's name
        return type(self)()

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:  # noqa: N802
        return self.tr(self.DISPLAY)

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP

    def group(self) -> str:
        return self.tr(GROUPS[self.GROUP])

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(self.HELP)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..dependencies import missing_message

        problem = missing_message()
        if problem:
            raise QgsProcessingException(problem)
        from geoproc.errors import GeoprocInputError
        from geoproc.outputs import protect_inputs
        from geoproc.progress import Cancelled

        from ..convert import Canceled

        inputs = self._input_files(parameters)
        # QGIS-written sinks and destinations too: refused before anything is written (issue 13)
        self._refuse_inputs_as_destinations(parameters, context, inputs)
        try:
            # no geoproc writer may replace a file an input parameter names (issue 13)
            with protect_inputs(inputs):
                return self.compute(parameters, context, feedback)
        except QgsProcessingException:
            raise
        except Cancelled as exc:
            # a library call stopped because progress_callback saw the cancel
            raise Canceled() from exc
        except (GeoprocInputError, FileExistsError, FileNotFoundError, IsADirectoryError) as exc:
            raise QgsProcessingException(str(exc)) from exc

    def compute(self, parameters, context, feedback) -> dict:
        raise NotImplementedError

    def _input_files(self, parameters) -> list:
        """(parameter name, file) for every input parameter that names a file on disk."""
        import os

        found = []
        for definition in self.parameterDefinitions():
            if definition.isDestination():
                continue
            value = parameters.get(definition.name())
            if hasattr(value, "source") and callable(value.source):  # a map layer object
                value = value.source()
            if isinstance(value, str):
                path = value.split("|", 1)[0]
                if os.path.isfile(path):
                    found.append((definition.name(), path))
        return found

    def _destination_files(self, parameters, context) -> list:
        """(parameter name, file path) for every destination parameter that names a file."""
        import re

        found = []
        for definition in self.parameterDefinitions():
            if not definition.isDestination() or parameters.get(definition.name()) is None:
                continue
            if definition.type() in ("fileDestination", "folderDestination"):
                value = self.parameterAsFileOutput(parameters, definition.name(), context)
            else:  # feature sinks, vector and raster destinations
                value = self.parameterAsOutputLayer(parameters, definition.name(), context)
            value = str(value or "")
            # "ogr:dbname='/x/prov.gpkg' table=..." (a layer in an existing GeoPackage) -> the file
            match = re.match(r"^ogr:dbname='?([^']+?)'?(\s+table=.*)?$", value)
            path = match.group(1) if match else value.split("|", 1)[0]
            if path and not path.startswith(("memory:", "TEMPORARY_OUTPUT", "postgres:", "spatialite:")):
                found.append((definition.name(), path))
        return found

    def _refuse_inputs_as_destinations(self, parameters, context, inputs) -> None:
        """Raise naming both parameters when a destination is the same file as an input."""
        from geoproc.outputs import same_file

        for out_name, out_path in self._destination_files(parameters, context):
            for in_name, in_path in inputs:
                if same_file(out_path, in_path):
                    raise QgsProcessingException(
                        f"{out_name} is the same file as {in_name} ({in_path}); inputs are never "
                        f"modified, so choose another {out_name}"
                    )

    # --- small shared helpers ---------------------------------------------
    def source_frame(self, parameters, name, context, feedback, progress=(0, 30), with_geometry=True):
        """The feature source parameter ``name`` as a (Geo)DataFrame."""
        from ..convert import source_to_frame

        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, name))
        frame = source_to_frame(source, feedback, with_geometry=with_geometry, progress=progress)
        if with_geometry and hasattr(frame, "crs"):
            from geoproc.validation import check_layer_coordinates

            # swapped lon/lat, metres labelled as degrees, no CRS: named by the parameter
            check_layer_coordinates(frame, f"{name} layer {source.sourceName()!r}")
        return frame

    def write_sink(self, parameters, name, context, frame, feedback, progress=(90, 100)):
        """Write ``frame`` to the sink parameter ``name``; return its destination id."""
        from ..convert import sink_params, write_frame

        fields, wkb_type, crs = sink_params(frame)
        sink, dest_id = self.parameterAsSink(parameters, name, context, fields, wkb_type, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, name))
        write_frame(sink, frame, feedback, progress)
        return dest_id

    @staticmethod
    def progress_callback(feedback, start: float, stop: float):
        """A geoproc ``progress`` callback mapping its fraction onto ``[start, stop]`` percent.

        It sets ``feedback``'s progress and returns False once the user cancelled,
        which makes the library call raise ``geoproc.progress.Cancelled`` (turned into
        ``Canceled`` by ``processAlgorithm``) before it writes anything.
        """

        def callback(fraction: float) -> bool:
            feedback.setProgress(start + (stop - start) * fraction)
            return not feedback.isCanceled()

        return callback

    @staticmethod
    def check_canceled(feedback) -> None:
        from ..convert import Canceled

        if feedback.isCanceled():
            raise Canceled()
