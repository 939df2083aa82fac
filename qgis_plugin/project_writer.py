"""Write a QGIS project (.qgz) of a geoproc pipeline's outputs; run in a Python that imports QGIS.

geoproc itself never imports QGIS, so ``geoproc run`` calls this script in a subprocess
(``python project_writer.py -`` with a JSON spec on stdin, or a spec file path)::

    {"project": "out/project.qgz", "title": "...", "folder": "out",
     "layers": [{"name": "parks", "source": "results.gpkg|layername=parks",
                 "provider": "ogr", "style": "points"},
                {"name": "kde", "source": "kde.tif", "provider": "gdal", "qml": "kde.qml"}]}

Layers are listed top first (points over polygons over rasters) and sources are
relative to ``folder``. Vector layers take the default style stored in the GeoPackage's
``layer_styles`` table; rasters take their ``.qml``. The project stores relative paths,
so the output folder can be moved or zipped.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def write_project(spec: dict) -> list[str]:
    """Build and write the project; return one line per layer (name, renderer)."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsProject,
        QgsRasterLayer,
        QgsRectangle,
        QgsReferencedRectangle,
        QgsVectorLayer,
    )

    folder = Path(spec["folder"]).resolve()
    project = QgsProject()
    project.setTitle(spec.get("title", "geoproc"))
    crs = QgsCoordinateReferenceSystem("EPSG:4326")
    project.setCrs(crs)
    root = project.layerTreeRoot()
    lines = []
    extent = QgsRectangle()
    extent.setMinimal()
    for item in spec["layers"]:
        source = item["source"]
        path, _, rest = source.partition("|")
        full = str(folder / path) + (f"|{rest}" if rest else "")
        if item["provider"] == "gdal":
            layer = QgsRasterLayer(full, item["name"], "gdal")
        else:
            layer = QgsVectorLayer(full, item["name"], "ogr")
        if not layer.isValid():
            raise SystemExit(f"layer {item['name']} ({full}) is not valid")
        if item.get("qml"):
            msg, ok = layer.loadNamedStyle(str(folder / item["qml"]))
            if not ok:
                raise SystemExit(f"style {item['qml']} of layer {item['name']}: {msg}")
        project.addMapLayer(layer, False)
        node = root.addLayer(layer)  # appended: the list is top first
        node.setItemVisibilityChecked(bool(item.get("visible", True)))
        ext = QgsCoordinateTransform(layer.crs(), crs, project).transformBoundingBox(layer.extent())
        extent.combineExtentWith(ext)
        renderer = layer.renderer()
        lines.append(f"{item['name']}: {renderer.type() if renderer else 'no renderer'}")
    if not extent.isEmpty():
        extent.scale(1.05)
        project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, crs))
    out = Path(spec["project"])
    if not project.write(str(out)):
        raise SystemExit(f"could not write {out}: {project.error()}")
    return lines


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if len(argv) != 2:
        print("usage: project_writer.py SPEC.json | -", file=sys.stderr)
        return 2
    text = sys.stdin.read() if argv[1] == "-" else Path(argv[1]).read_text(encoding="utf-8")
    spec = json.loads(text)
    from qgis.core import QgsApplication

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    for line in write_project(spec):
        print(line)
    sys.stdout.flush()
    # no exitQgis(): tearing QGIS down at interpreter exit is known to crash; leave at once
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
