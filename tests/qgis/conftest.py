"""Fixtures for tests that run inside a real, headless QGIS (Debian's python3-qgis).

One QgsApplication per test process (QGIS allows no more); Processing initialised
with QGIS's own providers (native, gdal, qgis). Every test under tests/qgis/ is
marked ``qgis`` so ``make unit`` can leave them out.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

QGIS_PYTHON_PLUGINS = "/usr/share/qgis/python/plugins"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qgis)


@pytest.fixture(scope="session")
def qgis_app():
    """The running QgsApplication, with Processing initialised."""
    from qgis.core import QgsApplication

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    if QGIS_PYTHON_PLUGINS not in sys.path:
        sys.path.append(QGIS_PYTHON_PLUGINS)
    from processing.core.Processing import Processing

    Processing.initialize()
    yield app
    # no exitQgis(): tearing QGIS down at interpreter exit is known to crash


@pytest.fixture(scope="session")
def qgis_processing(qgis_app):
    """The ``processing`` module, ready for ``processing.run``."""
    import processing

    return processing


@pytest.fixture()
def qgis_new_project(qgis_app):
    """A cleared QgsProject instance."""
    from qgis.core import QgsProject

    project = QgsProject.instance()
    project.clear()
    yield project
    project.clear()


@pytest.fixture(scope="session")
def geoproc_provider(qgis_app):
    """The geoproc Processing provider, registered once, imported from the repository."""
    from qgis.core import QgsApplication

    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
    from qgis_plugin.provider import GeoprocProvider

    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("geoproc")
    if provider is None:
        provider = GeoprocProvider()
        registry.addProvider(provider)
    return provider
