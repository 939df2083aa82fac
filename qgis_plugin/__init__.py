"""geoproc QGIS plugin: geoproc's analyses as Processing algorithms.

QGIS calls :func:`classFactory` at start-up; everything heavy is imported later,
inside the algorithms, so QGIS starts fast and still starts when geoproc's
dependencies are missing from its Python.
"""


def classFactory(iface):  # noqa: N802 - QGIS's name
    from .plugin import GeoprocPlugin

    return GeoprocPlugin(iface)
