"""Each QML style in styles/ loads onto a real layer in headless QGIS and draws the palette."""

from __future__ import annotations

import numpy as np
import pytest

from geoproc.palettes import get_palette, load_palettes, styles_dir

PALETTES = load_palettes()
VECTOR = [p for p in PALETTES.values() if p.type != "pseudocolor"]


def _layer(pal):
    from qgis.core import QgsVectorLayer

    geom = "LineString" if pal.geometry == "line" else "Polygon"
    ftype = "string" if pal.type == "categorized" else "double"
    layer = QgsVectorLayer(f"{geom}?crs=EPSG:4326&field={pal.field}:{ftype}&field=name_en:string",
                           pal.name, "memory")
    assert layer.isValid()
    return layer


@pytest.mark.parametrize("pal", VECTOR, ids=[p.name for p in VECTOR])
def test_vector_style_loads_with_palette_classes(qgis_app, pal):
    layer = _layer(pal)
    msg, ok = layer.loadNamedStyle(str(styles_dir() / pal.qml))
    assert ok, msg
    r = layer.renderer()
    if pal.extra.get("groups"):  # the ellipses: sde_ellipses.qml is group_qml's template; QGIS reads
        # the style group_qml makes for a layer: a category per group, unfilled outlines
        import tempfile
        from pathlib import Path

        from geoproc.palettes import group_colours, group_qml

        with tempfile.TemporaryDirectory() as tmp:
            qml = Path(tmp) / "e.qml"
            qml.write_text(group_qml(pal.name, pal.field, ["b", "a", "c"]), encoding="utf-8")
            msg, ok = layer.loadNamedStyle(str(qml))
        assert ok, msg
        r = layer.renderer()
        assert r.type() == "categorizedSymbol" and r.classAttribute() == pal.field
        assert [c.value() for c in r.categories()] == ["a", "b", "c"]
        assert [c.symbol().symbolLayer(0).strokeColor().name() for c in r.categories()] == group_colours(3)
        assert all(c.symbol().symbolLayer(0).brushStyle() == 0 for c in r.categories())
        assert all(c.symbol().symbolLayer(0).strokeWidth() == pal.extra["width_mm"] for c in r.categories())
        return
    assert r.classAttribute() == pal.field
    # the style carries symbology only: the layer's own fields are untouched
    assert [f.name() for f in layer.fields()] == [pal.field, "name_en"]
    if pal.type == "categorized":
        assert r.type() == "categorizedSymbol"
        got = [(c.value(), c.symbol().color().name(), c.label()) for c in r.categories()]
        assert got == [(c.value, c.color, c.label) for c in pal.categories]
    else:
        assert r.type() == "graduatedSymbol"
        got = [(rg.lowerValue(), rg.symbol().color().name()) for rg in r.ranges()]
        assert got == list(zip(pal.breaks[:-1], pal.colors, strict=True))
        if pal.geometry == "line":
            assert [rg.symbol().width() for rg in r.ranges()] == list(pal.widths_mm)


def test_lq_break_values_fall_where_the_maps_put_them(qgis_app):
    """QGIS's own class assignment on break values equals geoproc.palettes.classify."""
    pal = get_palette("lq")
    layer = _layer(pal)
    assert layer.loadNamedStyle(str(styles_dir() / pal.qml))[1]
    r = layer.renderer()
    for v in [0.0, 0.5, 0.79, 0.8, 1.0, 1.01, 1.25, 2.0, 3.0]:
        k = int(pal.classify([v])[0])
        assert r.symbolForValue(v).color().name() == pal.colors[k], v


def test_kde_style_loads_on_a_raster(qgis_app, tmp_path):
    from osgeo import gdal, osr
    from qgis.core import QgsRasterLayer

    tif = tmp_path / "kde.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(tif), 3, 2, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((13_000_000, 1000, 0, 3_500_000, 0, -1000))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(np.array([[0, 0.05, 0.2], [0.5, 0.9, 1.0]], dtype="float32"))
    ds = None
    layer = QgsRasterLayer(str(tif), "kde", "gdal")
    assert layer.isValid()
    pal = get_palette("kde")
    msg, ok = layer.loadNamedStyle(str(styles_dir() / pal.qml))
    assert ok, msg
    r = layer.renderer()
    assert r.type() == "singlebandpseudocolor" and r.band() == 1
    fn = r.shader().rasterShaderFunction()
    items = fn.colorRampItemList()
    assert [(i.value, i.color.name(), i.color.alpha()) for i in items] == [
        (s.at, s.color, s.alpha) for s in pal.stops]
    # QGIS's shader and geoproc.palettes interpolate the same way: compare at 0.05
    ok, rr, gg, bb, aa = fn.shade(0.05)
    assert ok
    assert np.allclose([rr, gg, bb, aa], pal.ramp_rgba([0.05])[0], atol=1)


def test_committed_styles_are_what_the_palette_builds(qgis_app, tmp_path):
    """styles/*.qml are up to date with palettes.json (compared as canonical XML)."""
    import sys
    import xml.etree.ElementTree as ET
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "scripts"))
    try:
        from build_styles import build
    finally:
        sys.path.remove(str(root / "scripts"))

    def canon(path: Path) -> str:
        # C14N sorts attributes, so Qt's hash-ordered attributes compare equal
        return ET.canonicalize(from_file=str(path), strip_text=True)

    for path in build(tmp_path):
        assert canon(path) == canon(styles_dir() / path.name), (
            f"{path.name} is out of date: run scripts/build_styles.py")


def test_links_frame_layer_is_classed_by_weight_scaled(qgis_app, tmp_path):
    """The plugin's links layer (geoproc.weights.links_frame) written to a GeoPackage and
    drawn by QGIS with weight_links.qml: each line gets the class of weight / largest."""
    import geopandas as gpd
    from qgis.core import QgsRenderContext, QgsVectorLayer
    from shapely.geometry import box

    from geoproc.weights import SpatialWeights, links_frame

    grid = gpd.GeoDataFrame({"code": [1, 2, 3, 4]},
                            geometry=[box(118 + i, 30, 119 + i, 31) for i in range(4)], crs=4326)
    w = np.zeros((4, 4))
    w[0, 1] = w[1, 0] = 0.4
    w[1, 2], w[2, 1] = 0.1, 0.3
    w[3, 2] = 0.05
    gpkg = tmp_path / "links.gpkg"
    links_frame(SpatialWeights(w, [1, 2, 3, 4]), grid).to_file(gpkg, driver="GPKG")
    layer = QgsVectorLayer(str(gpkg), "links", "ogr")
    assert layer.isValid()
    pal = get_palette("weight_links")
    assert layer.loadNamedStyle(str(styles_dir() / pal.qml))[1]
    r = layer.renderer()
    ctx = QgsRenderContext()
    r.startRender(ctx, layer.fields())
    try:
        got = {(f["from_id"], f["to_id"]): r.symbolForFeature(f, ctx).color().name()
               for f in layer.getFeatures()}
    finally:
        r.stopRender(ctx)
    # by hand, over the largest weight 0.4: 0.4 -> 1 "0.8 – 1", 0.3 -> 0.75 "0.6 – 0.8",
    # 0.05 -> 0.125 "≤ 0.2"
    assert got == {(1, 2): pal.colors[4], (2, 3): pal.colors[3], (3, 4): pal.colors[0]}
