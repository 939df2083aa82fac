"""The plugin object QGIS holds: it adds and removes the Processing provider, and says once what is missing."""

from __future__ import annotations

from qgis.core import Qgis, QgsApplication, QgsMessageLog


class GeoprocPlugin:
    def __init__(self, iface=None) -> None:
        self.iface = iface
        self.provider = None
        self.reported = False

    def initProcessing(self) -> None:  # noqa: N802 - QGIS's name
        # QGIS calls this at start-up for providers (also in qgis_process), then initGui
        # calls it again: add the provider only once
        if self.provider is not None:
            return
        from .provider import GeoprocProvider

        provider = GeoprocProvider()
        # the registry refuses a second "geoproc" provider; and its removeProvider works by
        # id, so unload must only remove a provider this plugin did add
        if QgsApplication.processingRegistry().addProvider(provider):
            self.provider = provider

    def initGui(self) -> None:  # noqa: N802
        self.initProcessing()
        self.report_missing_libraries()

    def report_missing_libraries(self) -> None:
        """Say once, in the message bar and the log, which libraries are missing and how to install them.

        The tools check again when they run (processAlgorithm), so a user who ignores
        the bar still gets the command in the Processing dialog.
        """
        if self.reported:
            return
        self.reported = True
        from .dependencies import startup_report

        text = startup_report()
        if text is None:
            return
        QgsMessageLog.logMessage(text, "geoproc", Qgis.MessageLevel.Critical)
        if self.iface is not None:  # duration 0: stays until the user closes it
            self.iface.messageBar().pushMessage("geoproc", text, level=Qgis.MessageLevel.Critical, duration=0)

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None

