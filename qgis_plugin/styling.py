"""Load output layers styled with the QML files in ``styles/``."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingLayerPostProcessorInterface


def styles_dir() -> Path:
    """The styles bundled with geoproc in the plugin zip, or the repository's in a checkout.

    One copy only: the zip bundles them at ``ext/geoproc/_styles``, where
    ``geoproc.palettes.styles_dir`` (maps, pipeline) finds them too.
    """
    bundled = Path(__file__).with_name("ext") / "geoproc" / "_styles"
    return bundled if bundled.is_dir() else Path(__file__).resolve().parents[1] / "styles"


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Applies one QML file to a layer once Processing has loaded it."""

    # QGIS keeps only a C++ pointer to the post-processor: hold the Python objects
    # here, or they are garbage-collected before the layer is loaded. Each one leaves
    # the list once it has run (Processing post-processes a layer once), so the list
    # does not grow with every run of a QGIS session.
    _alive: list[StylePostProcessor] = []

    def __init__(self, qml: Path, layer_name: str | None = None, attribute: str | None = None) -> None:
        super().__init__()
        self.qml = qml
        self.layer_name = layer_name
        self.attribute = attribute

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - QGIS's name
        try:
            self.apply(layer, feedback)
        finally:
            self.release()

    def apply(self, layer, feedback) -> None:
        """Load the QML into ``layer``, name it and reclassify it if asked."""
        message, ok = layer.loadNamedStyle(str(self.qml))
        if not ok:
            feedback.reportError(f"could not apply style {self.qml.name}: {message}")
            return
        if self.layer_name:
            layer.setName(self.layer_name)
        if self.attribute:  # the QML's classes drawn from another field (e.g. cultural_value_added_lq)
            layer.renderer().setClassAttribute(self.attribute)
        layer.triggerRepaint()

    def apply_text(self, layer, qml_text: str, feedback) -> None:
        """Load a QML document given as text (a palette scaled for this layer) and name the layer."""
        from qgis.PyQt.QtXml import QDomDocument

        doc = QDomDocument()
        doc.setContent(qml_text)
        ok, message = layer.importNamedStyle(doc)
        if not ok:
            feedback.reportError(f"could not apply style {self.qml.name}: {message}")
            return
        if self.layer_name:
            layer.setName(self.layer_name)
        layer.triggerRepaint()

    def keep_alive(self) -> StylePostProcessor:
        """Hold this post-processor until it has run; returns it."""
        StylePostProcessor._alive.append(self)
        return self

    def release(self) -> None:
        """Drop the reference held since :meth:`keep_alive` (the caller still holds one)."""
        alive = StylePostProcessor._alive
        for i, proc in enumerate(alive):
            if proc is self:
                del alive[i]
                break

    @classmethod
    def create(cls, qml: Path, layer_name: str | None = None, attribute: str | None = None) -> StylePostProcessor:
        return cls(qml, layer_name, attribute).keep_alive()


def style_on_completion(context, dest_id: str, style: str, layer_name: str | None = None,
                        attribute: str | None = None) -> None:
    """Style the output ``dest_id`` with ``styles/<style>.qml`` when Processing loads it.

    ``attribute``: classify this field instead of the one the QML names (graduated and
    categorized styles).
    """
    qml = styles_dir() / f"{style}.qml"
    if qml.exists() and context.willLoadLayerOnCompletion(dest_id):
        details = context.layerToLoadOnCompletionDetails(dest_id)
        details.setPostProcessor(StylePostProcessor.create(qml, layer_name, attribute))


class RasterRampPostProcessor(StylePostProcessor):
    """Applies a pseudocolour palette's QML with its ramp scaled to the raster's maximum.

    The style is ``geoproc.palettes.raster_qml(palette, max)`` (the QML written for a
    maximum of 1, see styles/README.md, with its stops scaled), the very text the
    pipeline writes beside its GeoTIFF; ``max`` is the value the algorithm reported or,
    without one, the band's maximum.
    """

    def __init__(self, qml: Path, layer_name: str | None = None, palette: str = "kde",
                 vmax: float | None = None) -> None:
        super().__init__(qml, layer_name, None)
        self.palette = palette
        self.vmax = vmax

    def apply(self, layer, feedback) -> None:
        """Load the palette's QML scaled to the maximum into ``layer`` and name it."""
        from qgis.core import QgsRasterBandStats

        vmax = self.vmax
        if vmax is None:
            vmax = layer.dataProvider().bandStatistics(1, QgsRasterBandStats.Stats.Max).maximumValue
        if vmax is None or not vmax > 0:
            feedback.pushInfo("raster maximum is not positive: colour ramp left at 0-1")
            super().apply(layer, feedback)
            return
        from geoproc.palettes import raster_qml

        self.apply_text(layer, raster_qml(self.palette, float(vmax)), feedback)

    @classmethod
    def create(cls, qml: Path, layer_name: str | None = None, palette: str = "kde",  # type: ignore[override]
               vmax: float | None = None) -> RasterRampPostProcessor:
        return cls(qml, layer_name, palette, vmax).keep_alive()


def style_raster_on_completion(context, dest_id: str, style: str, layer_name: str | None = None,
                               palette: str = "kde", vmax: float | None = None) -> None:
    """Style the raster output ``dest_id`` with ``styles/<style>.qml``, ramp scaled to ``vmax``."""
    qml = styles_dir() / f"{style}.qml"
    if qml.exists() and context.willLoadLayerOnCompletion(dest_id):
        details = context.layerToLoadOnCompletionDetails(dest_id)
        details.setPostProcessor(RasterRampPostProcessor.create(qml, layer_name, palette, vmax))


class ScaledStylePostProcessor(StylePostProcessor):
    """Applies a scaled graduated palette (the SDM's diverging effects) to a vector layer.

    The style is ``geoproc.palettes.scaled_qml(palette, field, vmax)``: the palette's
    QML, written for a largest absolute value of 1, with its breaks multiplied by the
    layer's ``vmax`` and classifying ``field`` -- the very text the pipeline stores in
    its GeoPackage for the same layer.
    """

    def __init__(self, qml: Path, layer_name: str | None, palette: str, field: str, vmax: float) -> None:
        super().__init__(qml, layer_name, None)
        self.palette = palette
        self.field = field
        self.vmax = vmax

    def apply(self, layer, feedback) -> None:
        """Load the scaled QML into ``layer`` and name it."""
        from geoproc.palettes import scaled_qml

        self.apply_text(layer, scaled_qml(self.palette, self.field, self.vmax if self.vmax > 0 else 1.0),
                        feedback)

    @classmethod
    def create(cls, qml: Path, layer_name: str | None, palette: str, field: str,  # type: ignore[override]
               vmax: float) -> ScaledStylePostProcessor:
        return cls(qml, layer_name, palette, field, vmax).keep_alive()


def style_effects_on_completion(context, dest_id: str, values, field: str, layer_name: str | None = None,
                                palette: str = "sdm_effects") -> None:
    """Style the region output ``dest_id`` diverging around zero by ``field`` (an effect column).

    ``values`` are that column's values (the breaks are fractions of their largest
    absolute value).
    """
    from geoproc.palettes import get_palette, scaled_vmax

    qml = styles_dir() / get_palette(palette).qml
    vmax = scaled_vmax(values)
    if qml.exists() and context.willLoadLayerOnCompletion(dest_id):
        details = context.layerToLoadOnCompletionDetails(dest_id)
        details.setPostProcessor(ScaledStylePostProcessor.create(qml, layer_name, palette, field, vmax))

