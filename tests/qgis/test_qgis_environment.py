"""The real QGIS our plugin tests rely on is there and runs a native algorithm."""


def test_native_buffer_runs(qgis_processing):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    layer = QgsVectorLayer("Point?crs=EPSG:3857", "pts", "memory")
    f = QgsFeature()
    f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(0, 0)))
    layer.dataProvider().addFeatures([f])
    out = qgis_processing.run(
        "native:buffer",
        {"INPUT": layer, "DISTANCE": 10.0, "SEGMENTS": 64, "OUTPUT": "TEMPORARY_OUTPUT"},
    )["OUTPUT"]
    area = next(out.getFeatures()).geometry().area()
    # a 64-segment-per-quarter polygon approximates pi * r^2 closely
    assert abs(area - 3.14159265 * 100) / (3.14159265 * 100) < 1e-3
