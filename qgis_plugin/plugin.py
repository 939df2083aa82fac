"""The plugin object QGIS holds: it only adds and removes the Processing provider."""

from __future__ import annotations

from qgis.core import QgsApplication


class GeoprocPlugin:
    def __init__(self, iface=None) -> None:
        self.iface = iface
        self.provider = None

    def initProcessing(self) -> None:  # noqa: N802 - QGIS's name
        from .provider import GeoprocProvider

        self.provider = GeoprocProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802
        self.initProcessing()

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
