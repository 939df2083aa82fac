"""Write the QML styles in ``styles/`` from the palette in ``styles/palettes.json``.

The styles are built by QGIS itself (renderer objects saved with
``saveNamedStyle``), so they are valid for the QGIS that writes them; we write them
with Debian's QGIS 3.22, the oldest QGIS the plugin supports, and only the
symbology category is saved, so loading a style never touches a layer's fields,
forms or labels.

Run from the repository root after editing the palette::

    .venv/bin/python scripts/build_styles.py

(headless: it sets ``QT_QPA_PLATFORM=offscreen``). ``--check`` rebuilds into a
temporary folder and exits 1 if any committed QML file differs from the rebuilt one
(the output is byte-stable: ``QT_HASH_SEED=0`` fixes Qt's attribute order).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: QGIS ranges need a finite upper bound; an open last class ("> 2") ends here.
OPEN_UPPER = 1e12


def _fmt(v: float) -> str:
    return f"{v:g}"


def build(out_dir: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_HASH_SEED", "0")  # stable XML attribute order between runs
    import numpy as np
    from osgeo import gdal, osr
    from qgis.core import (
        QgsApplication,
        QgsCategorizedSymbolRenderer,
        QgsClassificationCustom,
        QgsColorRampShader,
        QgsFillSymbol,
        QgsGraduatedSymbolRenderer,
        QgsLineSymbol,
        QgsMapLayer,
        QgsRasterLayer,
        QgsRasterShader,
        QgsRendererCategory,
        QgsRendererRange,
        QgsSingleBandPseudoColorRenderer,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtGui import QColor

    from geoproc.palettes import general_settings, load_palettes

    app = QgsApplication.instance()
    if app is None:
        QgsApplication.setPrefixPath("/usr", True)
        app = QgsApplication([], False)
        app.initQgis()

    settings = general_settings()
    outline = settings["outline"]

    def fill(color: str):
        return QgsFillSymbol.createSimple({
            "color": color,
            "style": "solid",
            "outline_color": outline["color"],
            "outline_width": str(outline["width_mm"]),
            "outline_width_unit": "MM",
        })

    def line(color: str, width_mm: float):
        return QgsLineSymbol.createSimple({
            "line_color": color,
            "line_width": str(width_mm),
            "line_width_unit": "MM",
            "capstyle": "round",
        })

    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for pal in load_palettes().values():
        target = out_dir / pal.qml
        if pal.type == "pseudocolor":
            with tempfile.TemporaryDirectory() as tmp:
                tif = Path(tmp) / "ramp.tif"
                # GDAL (QGIS's own): the script needs nothing QGIS does not ship
                ds = gdal.GetDriverByName("GTiff").Create(str(tif), 2, 2, 1, gdal.GDT_Float32)
                ds.SetGeoTransform((0, 1, 0, 2, 0, -1))
                ds.SetProjection(osr.SRS_WKT_WGS84_LAT_LONG)
                ds.GetRasterBand(1).WriteArray(np.array([[0, 0.25], [0.5, 1]], dtype="float32"))
                ds = None
                layer = QgsRasterLayer(str(tif), pal.name, "gdal")
                ramp = QgsColorRampShader(0.0, 1.0)
                ramp.setColorRampType(QgsColorRampShader.Type.Interpolated)
                items = []
                for s in pal.stops:
                    c = QColor(s.color)
                    c.setAlpha(s.alpha)
                    items.append(QgsColorRampShader.ColorRampItem(s.at, c, _fmt(s.at)))
                ramp.setColorRampItemList(items)
                ramp.setClip(False)
                shader = QgsRasterShader(0.0, 1.0)
                shader.setRasterShaderFunction(ramp)
                renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), pal.band, shader)
                renderer.setClassificationMin(0.0)
                renderer.setClassificationMax(1.0)
                layer.setRenderer(renderer)
                msg, ok = layer.saveNamedStyle(str(target), QgsMapLayer.StyleCategory.Symbology)
        else:
            geom = "LineString" if pal.geometry == "line" else "Polygon"
            ftype = "string" if pal.type == "categorized" else "double"
            layer = QgsVectorLayer(f"{geom}?crs=EPSG:4326&field={pal.field}:{ftype}", pal.name, "memory")
            if pal.extra.get("groups"):
                # categories come per layer (geoproc.palettes.group_qml): only the outline template
                from qgis.core import QgsFillSymbol

                renderer = QgsCategorizedSymbolRenderer(pal.field, [])
                renderer.setSourceSymbol(QgsFillSymbol.createSimple({
                    "style": "no", "outline_color": pal.extra["groups"][-1], "outline_style": "solid",
                    "outline_width": str(pal.extra["width_mm"]), "outline_width_unit": "MM"}))
            elif pal.type == "categorized":
                cats = [QgsRendererCategory(c.value, fill(c.color), c.label) for c in pal.categories]
                renderer = QgsCategorizedSymbolRenderer(pal.field, cats)
            else:
                ranges = []
                for i, (color, label) in enumerate(zip(pal.colors, pal.class_labels(), strict=True)):
                    lo, hi = pal.breaks[i], pal.breaks[i + 1]
                    hi = OPEN_UPPER if not np.isfinite(hi) else hi
                    sym = line(color, pal.widths_mm[i]) if pal.geometry == "line" else fill(color)
                    ranges.append(QgsRendererRange(lo, hi, sym, label))
                renderer = QgsGraduatedSymbolRenderer(pal.field, ranges)
                renderer.setClassificationMethod(QgsClassificationCustom())
            layer.setRenderer(renderer)
            msg, ok = layer.saveNamedStyle(str(target), QgsMapLayer.StyleCategory.Symbology)
        if not ok:
            raise RuntimeError(f"QGIS could not write {target}: {msg}")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "styles"), help="folder for the QML files")
    p.add_argument("--check", action="store_true",
                   help="rebuild into a temporary folder and compare with --out; write nothing")
    args = p.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            stale = [path.name for path in build(Path(tmp))
                     if not (Path(args.out) / path.name).exists()
                     or (Path(args.out) / path.name).read_bytes() != path.read_bytes()]
        if stale:
            print(f"out of date with palettes.json: {', '.join(stale)}; run scripts/build_styles.py")
            return 1
        print("styles are up to date")
        return 0
    for path in build(Path(args.out)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
