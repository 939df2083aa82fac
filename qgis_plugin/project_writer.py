"""Write a QGIS project (.qgz) of a geoproc pipeline's outputs; run in a Python that imports QGIS.

geoproc itself never imports QGIS, so ``geoproc run`` calls this script in a subprocess
(``python project_writer.py -`` with a JSON spec on stdin, or a spec file path)::

    {"project": "out/project.qgz", "title": "...", "folder": "out",
     "layers": [{"name": "parks", "source": "results.gpkg|layername=parks",
                 "provider": "ogr", "style": "points"},
                {"name": "kde", "source": "kde.tif", "provider": "gdal", "qml": "kde.qml"}]}

Layers are listed top first (points over polygons over rasters) and sources are
relative to ``folder``. Optional keys (made by ``geoproc.pipeline.project``): ``"crs"``
(a PROJ string, the project CRS; default EPSG:4326), per layer ``"group"`` (layer-tree
group) and ``"label"`` (field labelled, in a CJK font), and ``"themes"``: each
``{"name", "title", "layers", "bounds", "crs", "notes", "main_extent", "inset_extent", "main_clip"}``
becomes a map theme and an A4 landscape print layout (map, title, legend of the theme's
layers, scale bar, north arrow, notes; with ``inset_extent`` a second map item, the South
China Sea islands inset; with ``main_clip``, a lon/lat ring, the main map is clipped to it so
the southern reefs appear only in the inset). Vector layers take the default style stored in the GeoPackage's
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
    """Build and write the project; return one line per layer (name, renderer) and layout."""
    from qgis.core import (
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
    crs = _crs(spec.get("crs"))
    project.setCrs(crs)
    root = project.layerTreeRoot()
    groups: dict[str, object] = {}
    lines, by_name = [], {}
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
        if item.get("label"):
            _label(layer, item["label"])
        project.addMapLayer(layer, False)
        parent = root
        if item.get("group"):  # groups appear in the order of their first layer: top first
            if item["group"] not in groups:
                groups[item["group"]] = root.addGroup(item["group"])
            parent = groups[item["group"]]
        node = parent.addLayer(layer)  # appended: the list is top first
        visible = bool(item.get("visible", True))
        node.setItemVisibilityChecked(visible)
        by_name[item["name"]] = layer
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
    for theme in spec.get("themes", []):
        _theme(project, theme, [by_name[n] for n in theme["layers"]])
        lines.append(f"layout {theme['title']}")
    _write(project, Path(spec["project"]))
    return lines


def _write(project, out: Path) -> None:
    """Write beside the final name (so the relative layer paths are the same), then move into place."""
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


def _enum(*candidates: str):
    """The first of ``candidates`` ("Qgis.DistanceUnit.Kilometers", ...) this QGIS has:
    scoped enums on new QGIS (and Qt 6), the old names on QGIS 3.22."""
    import qgis.core

    for dotted in candidates:
        obj = qgis.core
        try:
            for part in dotted.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        return obj
    raise AttributeError(f"none of {candidates} in this QGIS")


def _crs(proj: str | None):
    from qgis.core import QgsCoordinateReferenceSystem

    if not proj:
        return QgsCoordinateReferenceSystem("EPSG:4326")
    crs = QgsCoordinateReferenceSystem.fromProj(proj)
    if not crs.isValid():
        raise SystemExit(f"project CRS {proj!r} is not valid in this QGIS")
    return crs


def _text_format(size: float, bold: bool = False, buffer: bool = False):
    """A text format in a font that has Chinese glyphs (labels and layout text)."""
    from qgis.core import QgsTextBufferSettings, QgsTextFormat
    from qgis.PyQt.QtGui import QColor, QFont

    font = QFont(FONT_FAMILY)
    font.setBold(bold)
    fmt = QgsTextFormat()
    fmt.setFont(font)
    fmt.setSize(size)
    fmt.setColor(QColor(20, 20, 20))
    if buffer:
        buf = QgsTextBufferSettings()
        buf.setEnabled(True)
        buf.setSize(0.7)
        buf.setColor(QColor(255, 255, 255, 220))
        fmt.setBuffer(buf)
    return fmt


def _label(layer, field: str) -> None:
    """Label the regions with ``field`` (Chinese names); QGIS's engine drops colliding labels."""
    from qgis.core import QgsPalLayerSettings, QgsVectorLayerSimpleLabeling

    settings = QgsPalLayerSettings()
    settings.fieldName = field
    settings.enabled = True
    settings.setFormat(_text_format(7, buffer=True))
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def _theme(project, theme: dict, layers: list) -> None:
    """A map theme showing ``layers`` and a print layout drawing it."""
    from qgis.core import QgsMapThemeCollection

    record = QgsMapThemeCollection.MapThemeRecord()
    record.setLayerRecords([QgsMapThemeCollection.MapThemeLayerRecord(lyr) for lyr in layers])
    project.mapThemeCollection().insert(theme["name"], record)
    project.layoutManager().addLayout(_layout(project, theme, layers))


# A4 landscape, millimetres: map on the left, legend on the right, notes below
PAGE_W, PAGE_H = 297.0, 210.0
MAP_X, MAP_Y, MAP_W, MAP_H = 10.0, 20.0, 200.0, 168.0
FONT_FAMILY = "Noto Sans CJK SC"
NORTH_ARROW_SVG = "arrows/NorthArrow_02.svg"


def _layout(project, theme: dict, layers: list):
    from qgis.core import QgsLayoutItemMap, QgsLayoutPoint, QgsLayoutSize, QgsPrintLayout

    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 page
    layout.setName(theme["title"])
    page = layout.pageCollection().page(0)
    page.setPageSize(QgsLayoutSize(PAGE_W, PAGE_H))
    crs = _crs(theme["crs"])
    main = QgsLayoutItemMap(layout)
    layout.addLayoutItem(main)
    main.attemptMove(QgsLayoutPoint(MAP_X, MAP_Y))
    main.attemptResize(QgsLayoutSize(MAP_W, MAP_H))
    _show(main, crs, theme["name"])
    _zoom(main, _extent(project, crs, theme.get("main_extent") or theme["bounds"]), MAP_W, MAP_H)
    if theme.get("main_clip"):
        _clip(layout, project, main, crs, theme["main_clip"])
    if theme.get("inset_extent"):
        _inset(layout, project, crs, theme, layers)
    _label_item(layout, theme["title"], 14, (MAP_X, 6.0), (PAGE_W - 2 * MAP_X, 12.0), bold=True)
    _legend(layout, main, layers)
    _scale_bar(layout, main)
    _north_arrow(layout, main)
    notes = "\n".join(theme.get("notes", []))
    if notes:
        _label_item(layout, notes, 7, (MAP_X, MAP_Y + MAP_H + 2.0), (PAGE_W - 2 * MAP_X, PAGE_H - MAP_Y - MAP_H - 4))
    return layout


def _show(item, crs, theme_name: str) -> None:
    """Make a map item draw ``layers`` (the theme's) in ``crs``, with a frame."""
    item.setCrs(crs)
    # the theme decides the layers (a fixed layer set would store absolute paths)
    item.setFollowVisibilityPreset(True)
    item.setFollowVisibilityPresetName(theme_name)
    item.setFrameEnabled(True)


def _zoom(item, rect, width: float, height: float) -> None:
    """Show ``rect`` whole in a ``width`` x ``height`` mm map item, centred.

    ``zoomToExtent`` keeps the ratio of the current extent, which a new item lacks;
    ``setExtent`` gives it one but resizes the item, so the size is set back after.
    """
    from qgis.core import QgsLayoutSize

    item.setExtent(rect)
    item.attemptResize(QgsLayoutSize(width, height))
    item.zoomToExtent(rect)


def _clip(layout, project, main, crs, ring: list) -> None:
    """Clip ``main`` to a lon/lat ``ring`` (national maps: nothing south of 17.5° N, whose
    reefs the inset shows) through an invisible polygon item (QGIS >= 3.16 item clipping)."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsFillSymbol,
        QgsLayoutItemPolygon,
        QgsLayoutItemShape,
        QgsLayoutPoint,
        QgsLayoutSize,
        QgsMapClippingRegion,
        QgsPointXY,
    )
    from qgis.PyQt.QtCore import QPointF, QRectF
    from qgis.PyQt.QtGui import QPolygonF

    to_crs = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), crs, project)
    ext = main.extent()
    pts = []
    for lon, lat in ring:  # lon/lat -> map CRS -> millimetres on the page
        p = to_crs.transform(QgsPointXY(lon, lat))
        pts.append(QPointF(MAP_X + (p.x() - ext.xMinimum()) / ext.width() * MAP_W,
                           MAP_Y + (ext.yMaximum() - p.y()) / ext.height() * MAP_H))
    # inside the map item only; QGIS draws a clipped map's frame along the clip path, so the
    # frame becomes a rectangle of its own
    area = QPolygonF(pts).intersected(QPolygonF(QRectF(MAP_X, MAP_Y, MAP_W, MAP_H)))
    shape = QgsLayoutItemPolygon(area, layout)
    shape.setSymbol(QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_style": "no"}))
    layout.addLayoutItem(shape)
    main.setFrameEnabled(False)
    frame = QgsLayoutItemShape(layout)
    frame.setShapeType(QgsLayoutItemShape.Shape.Rectangle)
    frame.setSymbol(QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": "0,0,0",
                                                "outline_width": "0.3", "outline_width_unit": "MM"}))
    layout.addLayoutItem(frame)
    frame.attemptMove(QgsLayoutPoint(MAP_X, MAP_Y))
    frame.attemptResize(QgsLayoutSize(MAP_W, MAP_H))
    clip = main.itemClippingSettings()
    clip.setEnabled(True)
    clip.setSourceItem(shape)
    clip.setFeatureClippingType(QgsMapClippingRegion.FeatureClippingType.ClipPainterOnly)
    clip.setForceLabelsInsideClipPath(True)


def _extent(project, crs, bounds):
    """A lon/lat box as a rectangle in ``crs``, widened by 4 %."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsRectangle

    rect = QgsRectangle(*bounds)
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    out = QgsCoordinateTransform(wgs84, crs, project).transformBoundingBox(rect)
    out.scale(1.04)
    return out


def _inset(layout, project, crs, theme: dict, layers: list) -> None:
    """The South China Sea islands inset (南海诸岛) in the main map's lower right corner."""
    from qgis.core import QgsLayoutItemMap, QgsLayoutPoint, QgsLayoutSize
    from qgis.PyQt.QtGui import QColor

    rect = _extent(project, crs, theme["inset_extent"])
    h = MAP_H * 0.3
    w = h * rect.width() / rect.height()
    inset = QgsLayoutItemMap(layout)
    layout.addLayoutItem(inset)
    inset.attemptMove(QgsLayoutPoint(MAP_X + MAP_W - w - 1.0, MAP_Y + MAP_H - h - 1.0))
    inset.attemptResize(QgsLayoutSize(w, h))
    _show(inset, crs, theme["name"])
    inset.setBackgroundColor(QColor(255, 255, 255))
    inset.setBackgroundEnabled(True)
    _zoom(inset, rect, w, h)
    _label_item(layout, "南海诸岛 South China Sea Islands", 6,
                (MAP_X + MAP_W - w + 0.5, MAP_Y + MAP_H - 5.5), (w - 2.0, 4.0))


def _label_item(layout, text: str, size: float, pos, dims, bold: bool = False):
    from qgis.core import QgsLayoutItemLabel, QgsLayoutPoint, QgsLayoutSize

    label = QgsLayoutItemLabel(layout)
    label.setText(text)
    fmt = _text_format(size, bold=bold)
    if hasattr(label, "setTextFormat"):  # QGIS >= 3.24; setFont is gone in QGIS 4
        label.setTextFormat(fmt)
    else:
        label.setFont(fmt.toQFont())
    layout.addLayoutItem(label)
    label.attemptMove(QgsLayoutPoint(*pos))
    label.attemptResize(QgsLayoutSize(*dims))
    return label


def _legend(layout, main, layers: list) -> None:
    """A legend of the theme's layers only (not every layer of the project)."""
    from qgis.core import QgsLayoutItemLegend, QgsLayoutPoint

    legend = QgsLayoutItemLegend(layout)
    legend.setTitle("Legend")
    layout.addLayoutItem(legend)
    legend.setLinkedMap(main)
    legend.setAutoUpdateModel(False)
    group = legend.model().rootGroup()
    group.removeAllChildren()
    for lyr in layers:
        node = group.addLayer(lyr)
        if lyr.type() == _enum("Qgis.LayerType.Raster", "QgsMapLayerType.RasterLayer"):
            # the band header would repeat the GeoTIFF's long description
            from qgis.core import QgsMapLayerLegendUtils

            QgsMapLayerLegendUtils.setLegendNodeUserLabel(node, 0, "density (band 1)")
            legend.model().refreshLayerLegend(node)
    legend.attemptMove(QgsLayoutPoint(MAP_X + MAP_W + 5.0, MAP_Y))
    legend.adjustBoxSize()


def _scale_bar(layout, main) -> None:
    from qgis.core import QgsLayoutItemScaleBar, QgsLayoutPoint

    bar = QgsLayoutItemScaleBar(layout)
    bar.setStyle("Single Box")
    layout.addLayoutItem(bar)
    bar.setLinkedMap(main)
    bar.applyDefaultSize(_enum("Qgis.DistanceUnit.Kilometers", "QgsUnitTypes.DistanceKilometers"))
    bar.setNumberOfSegmentsLeft(0)
    bar.setNumberOfSegments(2)
    bar.setBackgroundEnabled(True)
    bar.attemptMove(QgsLayoutPoint(MAP_X + 3.0, MAP_Y + MAP_H - 14.0))
    bar.update()


def _north_arrow(layout, main) -> None:
    """QGIS's own north arrow SVG, pointing to true north of the linked map."""
    from qgis.core import QgsApplication, QgsLayoutItemPicture, QgsLayoutPoint, QgsLayoutSize

    svg = next((Path(d) / NORTH_ARROW_SVG for d in QgsApplication.svgPaths()
                if (Path(d) / NORTH_ARROW_SVG).is_file()), None)
    pos = QgsLayoutPoint(MAP_X + MAP_W - 14.0, MAP_Y + 3.0)
    if svg is None:  # no SVG library installed: a plain "N"
        _label_item(layout, "N ↑", 12, (pos.x(), pos.y()), (12.0, 10.0), bold=True)
        return
    arrow = QgsLayoutItemPicture(layout)
    arrow.setPicturePath(str(svg))
    layout.addLayoutItem(arrow)
    arrow.attemptMove(pos)
    arrow.attemptResize(QgsLayoutSize(10.0, 14.0))
    arrow.setLinkedMap(main)
    arrow.setNorthMode(_enum("QgsLayoutItemPicture.NorthMode.TrueNorth", "QgsLayoutItemPicture.TrueNorth"))
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
