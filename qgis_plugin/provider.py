"""The "geoproc" Processing provider: id, name, icon and the list of algorithms."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import ALGORITHMS


class GeoprocProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "geoproc"

    def name(self) -> str:
        return "geoproc"

    def longName(self) -> str:  # noqa: N802
        return "geoproc — regional science"

    def icon(self) -> QIcon:
        return QIcon(str(Path(__file__).with_name("icon.svg")))

    def loadAlgorithms(self) -> None:  # noqa: N802
        for alg in ALGORITHMS:
            self.addAlgorithm(alg())
