"""Load output layers styled with the QML files in ``styles/``."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingLayerPostProcessorInterface


def styles_dir() -> Path:
    """``styles/`` inside the installed plugin, or the repository's in a checkout."""
    bundled = Path(__file__).with_name("styles")
    return bundled if bundled.is_dir() else Path(__file__).resolve().parents[1] / "styles"


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Applies one QML file to a layer once Processing has loaded it."""

    # QGIS keeps only a C++ pointer to the post-processor: hold the Python objects
    # here, or they are garbage-collected before the layer is loaded.
    _alive: list[StylePostProcessor] = []

    def __init__(self, qml: Path, layer_name: str | None = None) -> None:
        super().__init__()
        self.qml = qml
        self.layer_name = layer_name

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - QGIS's name
        message, ok = layer.loadNamedStyle(str(self.qml))
        if not ok:
            feedback.reportError(f"could not apply style {self.qml.name}: {message}")
            return
        if self.layer_name:
            layer.setName(self.layer_name)
        layer.triggerRepaint()

    @classmethod
    def create(cls, qml: Path, layer_name: str | None = None) -> StylePostProcessor:
        proc = cls(qml, layer_name)
        cls._alive.append(proc)
        return proc


def style_on_completion(context, dest_id: str, style: str, layer_name: str | None = None) -> None:
    """Style the output ``dest_id`` with ``styles/<style>.qml`` when Processing loads it."""
    qml = styles_dir() / f"{style}.qml"
    if qml.exists() and context.willLoadLayerOnCompletion(dest_id):
        details = context.layerToLoadOnCompletionDetails(dest_id)
        details.setPostProcessor(StylePostProcessor.create(qml, layer_name))
