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
so the output folder can be moved or zipped. It opens zoomed to the layers shown at
first (``"visible"``, default true), not to every layer it holds. The file appears only
when complete: it is written beside its final name and then moved into place.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
import zipfile
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
    # the view opens on the layers ticked on (all of them if none is): a hidden layer
    # of all China must not zoom a project of the YRD out to the whole country
    extent, extent_all = QgsRectangle(), QgsRectangle()
    extent.setMinimal()
    extent_all.setMinimal()
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
        visible = bool(item.get("visible", True))
        node.setItemVisibilityChecked(visible)
        ext = QgsCoordinateTransform(layer.crs(), crs, project).transformBoundingBox(layer.extent())
        extent_all.combineExtentWith(ext)
        if visible:
            extent.combineExtentWith(ext)
        renderer = layer.renderer()
        lines.append(f"{item['name']}: {renderer.type() if renderer else 'no renderer'}")
    if extent.isEmpty():
        extent = extent_all
    if not extent.isEmpty():
        extent.scale(1.05)
        project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, crs))
    out = Path(spec["project"])
    # beside the final name (so the relative layer paths are the same), then moved into place
    tmp = out.with_name(f".{out.stem}.part-{uuid.uuid4().hex[:8]}{out.suffix}")
    try:
        if not project.write(str(tmp)):
            raise SystemExit(f"could not write {out}: {project.error()}")
        if out.suffix.lower() == ".qgz":
            _rename_inside_qgz(tmp, out.stem)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return lines


def _rename_inside_qgz(qgz: Path, stem: str) -> None:
    """A .qgz is a zip whose .qgs is named after the file: use the final name, not the temporary one."""
    with zipfile.ZipFile(qgz) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(qgz, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            name = f"{stem}.qgs" if info.filename.endswith(".qgs") else info.filename
            zout.writestr(name, data)


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
