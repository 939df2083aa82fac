"""The demo's project.qgz and results.gpkg opened in real headless QGIS: valid, styled, rendered."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import numpy as np
import pytest

from geoproc.palettes import get_palette, hex_to_rgb
from geoproc.pipeline import demo_pipeline_path, load_pipeline, run_pipeline

pytestmark = pytest.mark.slow

# layer -> (renderer type, palette whose classes it must have, or None)
EXPECTED = {
    "parks_synthetic": ("singleSymbol", None),
    "yrd_centroids": ("singleSymbol", None),
    "yrd_queen_links": ("graduatedSymbol", "weight_links"),
    "yrd_cities": ("singleSymbol", None),
    "yrd_lq_2018": ("graduatedSymbol", "lq"),
    "yrd_lisa_lq_2018": ("categorizedSymbol", "lisa"),
    "yrd_hotspots_cva_2018": ("categorizedSymbol", "hotspot"),
    "yrd_park_density": ("graduatedSymbol", "density"),
    "provinces_lisa_cul_2021": ("categorizedSymbol", "lisa"),
    "provinces_sdm_effects": ("graduatedSymbol", "sdm_effects"),
    "park_kde": ("singlebandpseudocolor", "kde"),
    "park_ellipses": ("categorizedSymbol", "ellipse"),
}
#: the demo's ellipses: the parks open by each year, 2004 to 2022 (data/demo/yrd_parks_synthetic.csv)
ELLIPSE_YEARS = [str(y) for y in range(2004, 2023)]


@pytest.fixture(scope="module")
def demo_out(qgis_app, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qgz")
    text = demo_pipeline_path().read_text(encoding="utf-8")
    text = text.replace("permutations = 999", "permutations = 99").replace("draws = 1000", "draws = 200")
    toml = tmp / "demo.toml"
    toml.write_text(text, encoding="utf-8")
    res = run_pipeline(load_pipeline(toml), tmp / "out", log=None)
    assert "project" in res.ran and not res.notes, res.notes
    return tmp / "out"


def _render(layers, extent_layer, size=(500, 400)):
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsProject,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage

    crs = QgsCoordinateReferenceSystem("EPSG:4326")
    s = QgsMapSettings()
    s.setLayers(layers)
    s.setDestinationCrs(crs)
    ext = QgsCoordinateTransform(extent_layer.crs(), crs, QgsProject.instance()).transformBoundingBox(
        extent_layer.extent())
    ext.scale(1.05)
    s.setExtent(ext)
    s.setOutputSize(QSize(*size))
    s.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(s)
    job.start()
    job.waitForFinished()
    img = job.renderedImage().convertToFormat(QImage.Format_RGB888)
    ptr = img.constBits()
    ptr.setsize(img.height() * img.bytesPerLine())
    arr = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
    return arr.reshape(img.height(), img.width(), 3).copy(), img


def _has_colour(arr: np.ndarray, hex_colour: str, tol: int = 3) -> bool:
    return bool((np.abs(arr.astype(int) - np.array(hex_to_rgb(hex_colour))).max(axis=2) <= tol).any())


def test_project_opens_every_layer_valid_styled_and_ordered(qgis_new_project, demo_out):
    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    order = [lyr.name() for lyr in project.layerTreeRoot().layerOrder()]
    assert set(order) == set(EXPECTED)
    # points over lines over polygons over the raster
    assert order.index("parks_synthetic") < order.index("yrd_queen_links") < order.index("yrd_cities")
    assert order.index("yrd_cities") < order.index("yrd_lq_2018") and order[-1] == "park_kde"
    assert order.index("provinces_lisa_cul_2021") < order.index("provinces_sdm_effects")
    for lyr in project.layerTreeRoot().layerOrder():
        assert lyr.isValid(), lyr.name()
        rtype, pal = EXPECTED[lyr.name()]
        r = lyr.renderer()
        assert r.type() == rtype, (lyr.name(), r.type())
        if pal == "ellipse":  # a category per year, outlines from YlOrBr's #fec44f to #993404
            assert r.classAttribute() == "year"
            assert [str(c.value()) for c in r.categories()] == ELLIPSE_YEARS
            cols = [c.symbol().symbolLayer(0).strokeColor().name() for c in r.categories()]
            assert cols[0] == "#fec44f" and cols[-1] == "#993404" and len(set(cols)) == len(cols)
            assert all(c.symbol().symbolLayer(0).brushStyle() == 0 for c in r.categories())  # no fill
        elif rtype == "categorizedSymbol":
            palette = get_palette(pal)
            assert [c.value() for c in r.categories()] == [c.value for c in palette.categories]
            assert [c.symbol().color().name() for c in r.categories()] == [c.color for c in palette.categories]
            assert r.classAttribute() == palette.field
        elif rtype == "graduatedSymbol":
            palette = get_palette(pal)
            assert [rg.symbol().color().name() for rg in r.ranges()] == list(palette.colors)
            # the SDM layer classifies the effect chosen in the pipeline (demo: dig_direct)
            assert r.classAttribute() == ("dig_direct" if pal == "sdm_effects" else palette.field)
        elif rtype == "singlebandpseudocolor":
            from qgis.core import QgsRasterBandStats

            vmax = lyr.dataProvider().bandStatistics(1, QgsRasterBandStats.Max).maximumValue
            items = r.shader().rasterShaderFunction().colorRampItemList()
            assert [it.value for it in items] == pytest.approx([v for v, _, _ in
                                                               get_palette("kde").scaled_stops(vmax)], rel=1e-6)
    # relative paths: the folder can be moved
    with zipfile.ZipFile(demo_out / "project.qgz") as z:
        qgs = next(n for n in z.namelist() if n.endswith(".qgs"))
        assert qgs == "project.qgs"
        text = z.read(qgs).decode("utf-8")
    assert "./results.gpkg|layername=yrd_cities" in text and str(demo_out) not in text


def test_every_layer_renders_in_its_palette(qgis_new_project, demo_out):
    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    for lyr in project.layerTreeRoot().layerOrder():
        arr, _ = _render([lyr], lyr)
        non_white = (arr < 250).any(axis=2).mean()
        assert non_white > 0.001, (lyr.name(), non_white)  # not blank
        rtype, pal = EXPECTED[lyr.name()]
        if pal == "ellipse":  # the first and last year's outlines are drawn in their colours
            assert _has_colour(arr, "#fec44f", tol=40) and _has_colour(arr, "#993404", tol=40), lyr.name()
        elif rtype == "categorizedSymbol":
            # every class present in the data is drawn in its palette colour
            import pyogrio

            df = pyogrio.read_dataframe(demo_out / "results.gpkg", layer=lyr.name(), read_geometry=False)
            cmap = get_palette(pal).color_map()
            for value in set(df[get_palette(pal).field]):
                assert _has_colour(arr, cmap[value]), (lyr.name(), value)


def test_geopackage_opens_styled_without_the_project_or_plugin(qgis_app, demo_out):
    from qgis.core import QgsVectorLayer

    con = sqlite3.connect(demo_out / "results.gpkg")
    names = [r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")]
    con.close()
    for name in names:
        lyr = QgsVectorLayer(f"{demo_out / 'results.gpkg'}|layername={name}", name, "ogr")
        assert lyr.isValid(), name
        assert lyr.renderer().type() == EXPECTED[name][0], name
        if EXPECTED[name][0] == "singleSymbol":
            # geoproc's plain styles, not QGIS's random default colour
            colour = lyr.renderer().symbol().color().name()
            assert colour in ("#6a3d9a", "#ffffff"), (name, colour)


def test_kde_sidecar_is_the_default_style(qgis_app, demo_out):
    from qgis.core import QgsRasterLayer

    lyr = QgsRasterLayer(str(demo_out / "park_kde.tif"), "kde", "gdal")
    assert lyr.isValid() and lyr.renderer().type() == "singlebandpseudocolor"
    items = lyr.renderer().shader().rasterShaderFunction().colorRampItemList()
    assert [it.color.name() for it in items] == [s.color for s in get_palette("kde").stops]
    assert items[0].color.alpha() == 0  # zero stays transparent


def test_render_whole_project_png(qgis_new_project, demo_out, tmp_path):
    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    root = project.layerTreeRoot()
    visible = [lyr for lyr in root.layerOrder() if root.findLayer(lyr.id()).isVisible()]
    assert {lyr.name() for lyr in visible} == {"parks_synthetic", "yrd_cities", "park_kde"}
    arr, img = _render(visible, project.mapLayersByName("yrd_cities")[0], (800, 700))
    assert img.save(str(tmp_path / "project.png"))
    kde = get_palette("kde")
    # the KDE's orange (0.3 of the maximum) shows around the park clusters; dots cover the peaks
    assert _has_colour(arr, kde.stops[2].color, tol=30)
    assert _has_colour(arr, "#6a3d9a", tol=10)  # the parks
    assert Path(tmp_path / "project.png").stat().st_size > 10_000


def test_project_opens_on_the_visible_layers(qgis_new_project, demo_out):
    # only YRD layers are ticked on: the view must not take in the (hidden) 31 provinces
    import pyogrio

    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform

    ref = project.viewSettings().defaultViewExtent()
    assert ref.crs() == project.crs()
    ext = QgsCoordinateTransform(ref.crs(), QgsCoordinateReferenceSystem("EPSG:4326"),
                                 project).transformBoundingBox(ref)
    # the union of the visible layers' bounds (cities, parks, KDE raster reprojected),
    # widened by 5 % as the writer does; read here with GDAL, not QGIS
    xmin, ymin, xmax, ymax = pyogrio.read_info(demo_out / "results.gpkg", layer="yrd_cities")["total_bounds"]
    assert ext.xMinimum() <= xmin and ext.xMaximum() >= xmax and ext.yMinimum() <= ymin and ext.yMaximum() >= ymax
    # the YRD spans about 114.6-123 E, 27-35.2 N; China's provinces 73-135 E, 3-54 N
    assert 112 < ext.xMinimum() and ext.xMaximum() < 125 and 25 < ext.yMinimum() and ext.yMaximum() < 37


def _writer_module():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "qgis_plugin" / "project_writer.py"
    spec = importlib.util.spec_from_file_location("geoproc_project_writer_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_failed_project_write_leaves_the_old_file(qgis_app, demo_out, tmp_path, monkeypatch):
    import shutil

    shutil.copy(demo_out / "results.gpkg", tmp_path / "results.gpkg")
    old = tmp_path / "project.qgz"
    old.write_bytes(b"previous project")
    spec = {"project": str(old), "title": "t", "folder": str(tmp_path),
            "layers": [{"name": "yrd_cities", "source": "results.gpkg|layername=yrd_cities", "provider": "ogr"}]}
    writer = _writer_module()

    def interrupted(qgz, stem):
        raise OSError("disk full")

    # the project is written, then something fails before it is complete
    monkeypatch.setattr(writer, "_rename_inside_qgz", interrupted)
    with pytest.raises(OSError, match="disk full"):
        writer.write_project(spec)
    assert old.read_bytes() == b"previous project"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project.qgz", "results.gpkg"]  # no temporary left
    monkeypatch.undo()
    writer.write_project(spec)
    with zipfile.ZipFile(old) as z:
        assert [n for n in z.namelist() if n.endswith(".qgs")] == ["project.qgs"]


def test_write_project_refuses_an_existing_file(qgis_app, tmp_path):
    from geoproc.pipeline.outputs import write_project

    (tmp_path / "p.qgz").write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="p.qgz"):
        write_project({"title": "t", "folder": str(tmp_path), "layers": []}, tmp_path / "p.qgz", overwrite=False)
    assert (tmp_path / "p.qgz").read_bytes() == b"mine"


# --- CRS, labels, groups and print layouts (issue 17) ------------------------------------
def test_project_crs_is_an_equal_area_projection_of_the_yrd(qgis_new_project, demo_out):
    import pyogrio
    from pyproj import CRS, Geod, Transformer

    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    crs = project.crs()
    assert not crs.isGeographic() and "+proj=aea" in crs.toProj()
    xmin, ymin, xmax, ymax = pyogrio.read_info(demo_out / "results.gpkg", layer="yrd_cities")["total_bounds"]
    pj = CRS.from_proj4(crs.toProj()).to_dict()
    assert xmin < pj["lon_0"] < xmax and ymin < pj["lat_1"] < pj["lat_2"] < ymax
    # equal-area: each city's planar area in the project CRS equals its area on the ellipsoid
    cities = pyogrio.read_dataframe(demo_out / "results.gpkg", layer="yrd_cities")
    import shapely

    t = Transformer.from_crs("EPSG:4326", crs.toWkt(), always_xy=True)

    def to_proj(xy):
        return np.column_stack(t.transform(xy[:, 0], xy[:, 1]))
    geod = Geod(ellps="WGS84")
    for g in cities.geometry[:8]:
        planar = shapely.transform(g, to_proj).area
        ellipsoidal = abs(geod.geometry_area_perimeter(g)[0])
        assert planar == pytest.approx(ellipsoidal, rel=1e-4)


def test_region_layers_are_labelled_with_chinese_names_and_grouped(qgis_new_project, demo_out):
    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    root = project.layerTreeRoot()
    assert [g.name() for g in root.children()] == ["Points", "Links", "Point patterns", "Boundaries", "Results",
                                                   "Rasters"]
    assert [n.name() for n in root.findGroup("Point patterns").children()] == ["park_ellipses"]
    assert [n.name() for n in root.findGroup("Boundaries").children()] == ["yrd_cities"]
    from qgis.core import Qgis, QgsVectorLayer, QgsWkbTypes

    # the scoped enum on QGIS >= 3.30, the old one on 3.22
    polygon_type = getattr(getattr(Qgis, "GeometryType", None), "Polygon", QgsWkbTypes.PolygonGeometry)
    for lyr in root.layerOrder():
        if not isinstance(lyr, QgsVectorLayer):
            continue
        # regions, not the ellipses (no name to label them with)
        polygon = lyr.geometryType() == polygon_type and lyr.name() != "park_ellipses"
        assert lyr.labelsEnabled() == polygon, lyr.name()
        if polygon:
            assert lyr.labeling().settings().fieldName == "name_zh"


def _layout_items(layout):
    from qgis.core import (
        QgsLayoutItemLabel,
        QgsLayoutItemLegend,
        QgsLayoutItemMap,
        QgsLayoutItemPicture,
        QgsLayoutItemScaleBar,
    )

    kinds = {"map": QgsLayoutItemMap, "legend": QgsLayoutItemLegend, "scalebar": QgsLayoutItemScaleBar,
             "picture": QgsLayoutItemPicture, "label": QgsLayoutItemLabel}
    return {k: [i for i in layout.items() if isinstance(i, t)] for k, t in kinds.items()}


def test_a_print_layout_per_map_theme(qgis_new_project, demo_out):
    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    themes = set(project.mapThemeCollection().mapThemes())
    # every result layer (filled regions, links, the raster) is a theme
    assert themes == {n for n, (r, p) in EXPECTED.items() if p is not None}
    layouts = project.layoutManager().printLayouts()
    assert len(layouts) == len(themes)
    for layout in layouts:
        items = _layout_items(layout)
        texts = " ".join(lab.text() for lab in items["label"])
        national = "provinces" in layout.name()
        assert len(items["map"]) == (2 if national else 1), layout.name()
        items["map"].sort(key=lambda m: -m.extent().width())  # the main map, then the inset
        main = items["map"][0]
        assert main.followVisibilityPreset() and main.followVisibilityPresetName() in themes
        assert not main.crs().isGeographic() and main.scale() > 0
        assert len(items["legend"]) == 1 and len(items["scalebar"]) == 1 and len(items["picture"]) == 1
        assert "NorthArrow" in items["picture"][0].picturePath()
        assert layout.name() in texts and "synthetic" in texts and "ECharts" in texts
        assert ("审图号" in texts) == national and ("南海诸岛" in texts) == national
        # the legend holds the theme's layers only
        legend_layers = {n.name() for n in items["legend"][0].model().rootGroup().findLayers()}
        shown = project.mapThemeCollection().mapThemeVisibleLayers(main.followVisibilityPresetName())
        assert legend_layers == {lyr.name() for lyr in shown}
        if national:  # the inset shows the southernmost islands of the shipped data, not Beijing
            import pyogrio
            import shapely
            from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY

            prov = pyogrio.read_dataframe(demo_out / "results.gpkg", layer="provinces_lisa_cul_2021")
            coords = shapely.get_coordinates(prov.geometry.to_numpy())
            south = coords[coords[:, 1].argmin()]
            assert south[1] < 5  # the shipped Hainan reaches about 3.8 N
            inset = items["map"][1]
            to_map = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), inset.crs(), project)
            assert inset.extent().contains(to_map.transform(QgsPointXY(*south)))
            assert not inset.extent().contains(to_map.transform(QgsPointXY(116.4, 39.9)))


def _pdf_pages(path: Path) -> int:
    """Pages of a PDF counted by poppler's pdfinfo (not by QGIS)."""
    import shutil
    import subprocess

    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (poppler-utils) not installed")
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


def test_every_layout_exports_to_pdf_and_one_to_png(qgis_new_project, demo_out, tmp_path):
    from qgis.core import QgsLayoutExporter

    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    for k, layout in enumerate(project.layoutManager().printLayouts()):
        pdf = tmp_path / f"layout{k}.pdf"
        result = QgsLayoutExporter(layout).exportToPdf(str(pdf), QgsLayoutExporter.PdfExportSettings())
        assert result == QgsLayoutExporter.Success, layout.name()
        assert _pdf_pages(pdf) == 1 and pdf.stat().st_size > 20_000, layout.name()
        # the text on the page, read back by poppler: title, legend, notes, inset caption
        # (poppler drops the digits of the CJK font's subset; the scale bar is drawn as paths)
        import subprocess

        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        import re
        import unicodedata

        def norm(t):  # ligatures and superscripts as plain letters and digits, then no digits
            return re.sub(r"\d", "", unicodedata.normalize("NFKC", " ".join(t.split())))

        flat = norm(text)
        assert norm(layout.name()) in flat and "Legend" in flat and "synthetic" in flat, (layout.name(), flat[:300])
        assert ("South China Sea Islands" in flat) == ("provinces" in layout.name())
    layout = project.layoutManager().layoutByName("Kernel density: park_kde")
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 100
    png = tmp_path / "kde_layout.png"
    assert QgsLayoutExporter(layout).exportToImage(str(png), settings) == QgsLayoutExporter.Success
    from PIL import Image

    img = np.asarray(Image.open(png).convert("RGB"))
    assert abs(img.shape[0] - 827) <= 1 and abs(img.shape[1] - 1169) <= 1  # A4 landscape at 100 dpi
    # the map frame (10-210 mm across, 20-188 mm down) holds the KDE's colours and the parks
    frame = img[int(20 / 25.4 * 100):int(188 / 25.4 * 100), int(10 / 25.4 * 100):int(210 / 25.4 * 100)]
    assert _has_colour(frame, get_palette("kde").stops[2].color, tol=30)
    assert _has_colour(frame, "#6a3d9a", tol=10)
    # the map fills its frame: no blank half
    h, w = frame.shape[:2]
    for part in (frame[:, : w // 2], frame[:, w // 2:], frame[: h // 2], frame[h // 2:]):
        assert (part < 200).any(axis=2).mean() > 0.01


def test_sdm_layer_diverges_around_zero_by_the_chosen_effect(qgis_new_project, demo_out):
    """The SDM region layer: classes symmetric about 0 scaled to its largest |dig_direct|,
    every province drawn, negative effects blue and positive red."""
    import pyogrio

    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    lyr = project.mapLayersByName("provinces_sdm_effects")[0]
    df = pyogrio.read_dataframe(demo_out / "results.gpkg", layer="provinces_sdm_effects", read_geometry=False)
    top = float(np.abs(df["dig_direct"]).max())
    ranges = lyr.renderer().ranges()
    bounds = [ranges[0].lowerValue()] + [rg.upperValue() for rg in ranges]
    assert bounds == pytest.approx([-top, -0.5 * top, -0.2 * top, 0, 0.2 * top, 0.5 * top, top], rel=1e-6, abs=1e-12)
    for v in df["dig_direct"]:
        k = next(i for i, rg in enumerate(ranges) if rg.lowerValue() <= v <= rg.upperValue())
        assert (k < 3) == (v < 0) or v == 0  # blue classes below zero, red above


def test_national_main_frame_leaves_the_southern_reefs_to_the_inset(qgis_new_project, demo_out, tmp_path):
    """Chinese national maps draw the reefs south of Hainan only in the South China Sea inset:
    exported, the main frame is blank where the shipped reefs south of 17.5 N lie, the inset not."""
    import pyogrio
    import shapely
    from PIL import Image
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsLayoutExporter,
        QgsPointXY,
    )

    project = qgis_new_project
    assert project.read(str(demo_out / "project.qgz"))
    layout = project.layoutManager().layoutByName("LISA clusters: provinces_lisa_cul_2021")
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 150
    png = tmp_path / "national.png"
    assert QgsLayoutExporter(layout).exportToImage(str(png), settings) == QgsLayoutExporter.Success
    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    main, inset = sorted(_layout_items(layout)["map"], key=lambda m: -m.extent().width())
    prov = pyogrio.read_dataframe(demo_out / "results.gpkg", layer="provinces_lisa_cul_2021")
    reefs = shapely.get_coordinates(prov.geometry.to_numpy())
    reefs = reefs[(reefs[:, 1] < 17.3) & (reefs[:, 1] > 15.5)]  # the Xisha (Paracel) reefs

    def pixels(item):  # the reef vertices as pixels of the page, those inside the item
        to_map = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), item.crs(), project)
        ext, pos, size = item.extent(), item.pagePos(), item.rect()
        out = []
        for lon, lat in reefs:
            p = to_map.transform(QgsPointXY(float(lon), float(lat)))
            fx, fy = (p.x() - ext.xMinimum()) / ext.width(), (ext.yMaximum() - p.y()) / ext.height()
            if 0.01 < fx < 0.99 and 0.01 < fy < 0.99:
                mm = (pos.x() + fx * size.width(), pos.y() + fy * size.height())
                out.append((round(mm[1] / 25.4 * 150), round(mm[0] / 25.4 * 150)))
        return out

    inset_rect = (inset.pagePos().x(), inset.pagePos().y(), inset.rect().width(), inset.rect().height())
    in_main = [(r, c) for r, c in pixels(main)  # not where the inset covers the main map
               if not (inset_rect[0] <= c / 150 * 25.4 <= inset_rect[0] + inset_rect[2]
                       and inset_rect[1] <= r / 150 * 25.4 <= inset_rect[1] + inset_rect[3])]
    assert len(in_main) > 20  # the reefs do fall inside the main frame's extent

    def inked(rc):  # anything darker than paper in the 5x5 pixels around
        r, c = rc
        return bool((img[r - 2:r + 3, c - 2:c + 3] < 200).any())

    assert not any(map(inked, in_main))
    assert sum(map(inked, pixels(inset))) > 0.8 * len(pixels(inset)) > 20
