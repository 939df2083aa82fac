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

        self.provider = GeoprocProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

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

        report = startup_report()
        if report is None:
            return
        level, text = report
        qlevel = Qgis.MessageLevel.Critical if level == "critical" else Qgis.MessageLevel.Warning
        QgsMessageLog.logMessage(text, "geoproc", qlevel)
        if self.iface is not None:
            self.iface.messageBar().pushMessage("geoproc", text, level=qlevel, duration=0)

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None

