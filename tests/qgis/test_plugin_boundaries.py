"""Boundaries & distances algorithms inside real QGIS."""

import numpy as np
import pytest
from pyproj import Geod


def _features(layer):
    return list(layer.getFeatures())


def test_provider_lists_algorithms(geoproc_provider):
    ids = {a.id() for a in geoproc_provider.algorithms()}
    assert {"geoproc:export_boundaries", "geoproc:convert_coordinates", "geoproc:distance_matrix"} <= ids
    for alg in geoproc_provider.algorithms():
        assert alg.shortHelpString().strip(), alg.id()
        assert alg.group() and alg.groupId()


def test_export_boundaries(qgis_processing, geoproc_provider):
    # NAME left out: the default must be china_provinces, whatever the other layers are called
    out = qgis_processing.run("geoproc:export_boundaries", {"OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    feats = _features(out)
    assert len(feats) == 31
    assert out.crs().authid() == "EPSG:4326"
    codes = {f["code"] for f in feats}
    assert 320000 in codes and 460000 in codes


def test_boundaries_options_and_help_list_every_shipped_layer(geoproc_provider):
    import geoproc

    alg = geoproc_provider.algorithm("export_boundaries")
    param = alg.parameterDefinition("NAME")
    listed = geoproc.list_boundaries()
    assert param.options() == list(listed["name"])
    assert param.options()[param.defaultValue()] == "china_provinces"
    help_text = alg.shortHelpString()
    for name, description in zip(listed["name"], listed["description"], strict=True):
        assert f"<b>{name}</b>: {description}" in help_text, name


def test_export_counties_matches_the_library(qgis_processing, geoproc_provider):
    import geoproc

    alg = geoproc_provider.algorithm("export_boundaries")
    k = alg.parameterDefinition("NAME").options().index("china_counties")
    out = qgis_processing.run("geoproc:export_boundaries", {"NAME": k, "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    want = geoproc.load_boundaries("china_counties")
    feats = _features(out)
    assert len(feats) == len(want) == 2848
    assert out.crs().authid() == "EPSG:4326"
    assert [f.name() for f in out.fields()] == [c for c in want.columns if c != want.geometry.name]
    got = sorted((f["code"], f["city_code"], f["name_zh"]) for f in feats)
    assert got == sorted(zip(want["code"], want["city_code"], want["name_zh"], strict=True))
    # geometry survives the sink: total area of the layer in QGIS equals geopandas' (EPSG:6933)
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject

    tr = QgsCoordinateTransform(out.crs(), QgsCoordinateReferenceSystem("EPSG:6933"), QgsProject.instance())
    area = 0.0
    for f in feats:
        g = f.geometry()
        g.transform(tr)
        area += g.area()
    assert area == pytest.approx(want.to_crs(6933).area.sum(), rel=1e-6)


def test_convert_coordinates_matches_library(qgis_processing, geoproc_provider):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    import geoproc

    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=name:string", "parks", "memory")
    pts = [(121.4737, 31.2304), (118.7969, 32.0603)]
    feats = []
    for i, (x, y) in enumerate(pts):
        f = QgsFeature(layer.fields())
        f.setAttributes([f"park {i}"])
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    out = qgis_processing.run("geoproc:convert_coordinates", {"INPUT": layer, "DATUM": 0, "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    got = [(f.geometry().asPoint().x(), f.geometry().asPoint().y()) for f in _features(out)]
    lon, lat = geoproc.to_wgs84(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]), datum="gcj02")
    np.testing.assert_allclose(got, np.column_stack([lon, lat]), atol=1e-9)
    # GCJ-02 shifts points in eastern China by a few hundred metres, never by kilometres
    shift = Geod(ellps="WGS84").inv([p[0] for p in pts], [p[1] for p in pts], lon, lat)[2]
    assert np.all((shift > 100) & (shift < 1500))
    assert [f["name"] for f in _features(out)] == ["park 0", "park 1"]


def test_distance_matrix_pairs_match_pyproj(qgis_processing, geoproc_provider, tmp_path):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=id:string", "pts", "memory")
    pts = {"a": (116.4, 39.9), "b": (121.47, 31.23), "c": (113.26, 23.13)}
    feats = []
    for k, (x, y) in pts.items():
        f = QgsFeature(layer.fields())
        f.setAttributes([k])
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    matrix = tmp_path / "d.csv"
    res = qgis_processing.run("geoproc:distance_matrix", {"INPUT": layer, "ID": "id", "METHOD": 0,
                                                          "OUTPUT": "TEMPORARY_OUTPUT", "MATRIX": str(matrix)})
    rows = {(f["from_id"], f["to_id"]): f["distance_km"] for f in _features(res["OUTPUT"])}
    assert set(rows) == {("a", "b"), ("a", "c"), ("b", "c")}
    geod = Geod(ellps="WGS84")
    for (p, q), d in rows.items():
        expect = geod.inv(*pts[p], *pts[q])[2] / 1000
        assert d == pytest.approx(expect, abs=1e-6)
    header = matrix.read_text().splitlines()[0]
    assert header.split(",") == ["id", "a", "b", "c"]


def test_bad_input_is_a_processing_exception(qgis_processing, geoproc_provider):
    from qgis.core import (
        QgsFeature,
        QgsGeometry,
        QgsPointXY,
        QgsProcessingException,
        QgsVectorLayer,
    )

    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=id:string", "pts", "memory")
    feats = []
    for k in ("dup", "dup"):
        f = QgsFeature(layer.fields())
        f.setAttributes([k])
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(116.4, 39.9)))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    with pytest.raises(QgsProcessingException, match="dup"):
        qgis_processing.run("geoproc:distance_matrix", {"INPUT": layer, "ID": "id", "METHOD": 0, "OUTPUT": "TEMPORARY_OUTPUT"})


def test_plugin_zip_carries_every_layer_under_the_upload_limit(tmp_path):
    # plugins.qgis.org refuses zips over 25,000,000 bytes (QGIS-Django plugins/validator.py)
    import sys
    import zipfile
    from pathlib import Path

    import geoproc

    scripts = str(Path(__file__).resolve().parents[2] / "scripts")
    sys.path.insert(0, scripts)
    try:
        import build_plugin
    finally:
        sys.path.remove(scripts)
    target = build_plugin.build_zip(tmp_path)
    assert target.stat().st_size <= 25_000_000
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
    files = {spec.file for spec in geoproc.boundaries.BOUNDARIES.values()}
    for file in files:
        assert f"geoproc_plugin/ext/geoproc/_data/{file}" in names, file
