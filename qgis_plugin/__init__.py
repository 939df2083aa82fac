"""geoproc QGIS plugin: geoproc's analyses as Processing algorithms.

QGIS calls :func:`classFactory` at start-up; everything heavy is imported later,
inside the algorithms, so QGIS starts fast and still starts when geoproc's
dependencies are missing from its Python.
"""


def classFactory(iface):  # noqa: N802 - QGIS's name
    # the algorithms import geoproc's light modules (the weights spec) at import time,
    # so the geoproc bundled in the zip must be on sys.path before anything else
    from .dependencies import ensure_bundled_geoproc_on_path
    from .plugin import GeoprocPlugin

    ensure_bundled_geoproc_on_path()

    return GeoprocPlugin(iface)
