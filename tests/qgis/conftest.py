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


# --- data fixtures shared by the plugin tests (test modules take them from here rather
# than importing each other; test_plugin_autocorrelation/test_plugin_density still hold
# copies of the same fixtures, which override these in their own modules) ---------------

_ROOT = Path(__file__).resolve().parents[2]
_PANEL_CSV = _ROOT / "data" / "demo" / "provinces_panel_synthetic.csv"
_PARKS_CSV = _ROOT / "data" / "demo" / "yrd_parks_synthetic.csv"


@pytest.fixture(scope="module")
def provinces(qgis_app, tmp_path_factory):
    """The shipped provinces as a GeoPackage layer, and the same file read by geopandas."""
    import geopandas as gpd
    from qgis.core import QgsVectorLayer

    import geoproc

    path = tmp_path_factory.mktemp("regions") / "china_provinces.gpkg"
    geoproc.load_boundaries("china_provinces").to_file(path, engine="pyogrio")
    layer = QgsVectorLayer(str(path), "china_provinces", "ogr")
    assert layer.isValid()
    return layer, gpd.read_file(path, engine="pyogrio")


@pytest.fixture(scope="module")
def panel(qgis_app):
    """The synthetic provinces panel as a QGIS table layer, and as a DataFrame."""
    import pandas as pd
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"file://{_PANEL_CSV}?delimiter=,&detectTypes=yes&geomType=none", "panel",
                           "delimitedtext")
    assert layer.isValid()
    return layer, pd.read_csv(_PANEL_CSV)


@pytest.fixture(scope="module")
def knn4(provinces, tmp_path_factory):
    """4-nearest-neighbour weights of the provinces, built by the library and saved as GAL."""
    import geoproc

    _, gdf = provinces
    w = geoproc.knn_weights(gdf, 4, id="code")
    path = tmp_path_factory.mktemp("weights") / "knn4.gal"
    geoproc.write_weights(w, path)
    return str(path), w


@pytest.fixture(scope="module")
def parks(qgis_app):
    """The 390 synthetic YRD parks as a delimited-text point layer."""
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"file://{_PARKS_CSV}?delimiter=,&xField=lon&yField=lat&crs=EPSG:4326&detectTypes=yes",
                           "parks", "delimitedtext")
    assert layer.isValid() and layer.featureCount() == 390
    return layer
