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
    out = qgis_processing.run("geoproc:export_boundaries", {"NAME": 0, "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    feats = _features(out)
    assert len(feats) == 31  # china_provinces is listed first
    assert out.crs().authid() == "EPSG:4326"
    codes = {f["code"] for f in feats}
    assert 320000 in codes and 460000 in codes


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
