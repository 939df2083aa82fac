"""geoproc.kernel_density gives QGIS 3.22's own heatmap raster, inside real QGIS.

QGIS's ``qgis:heatmapkerneldensityestimation`` runs on the same points in the same
projected CRS; both GeoTIFFs are read back and compared: same grid (size,
transform, CRS), same nodata pixels, values equal to 1e-6 relative.
"""

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely import points as make_points

from geoproc.kde import kernel_density

CRS = "EPSG:32651"
QGIS_KERNELS = {"quartic": 0, "triangular": 1, "uniform": 2, "triweight": 3, "epanechnikov": 4}
QGIS_OUTPUT = {"raw": 0, "scaled": 1}


@pytest.fixture(scope="module")
def park_points():
    # two clusters and a scatter, as parks around city centres; fixed seed
    rng = np.random.default_rng(20240601)
    x = np.r_[
        rng.normal(350_000, 6_000, 120),
        rng.normal(380_000, 3_000, 60),
        rng.uniform(330_000, 400_000, 40),
    ]
    y = np.r_[
        rng.normal(3_450_000, 5_000, 120),
        rng.normal(3_470_000, 3_000, 60),
        rng.uniform(3_430_000, 3_490_000, 40),
    ]
    w = rng.uniform(0.5, 4.0, x.size)
    return gpd.GeoDataFrame({"w": w}, geometry=make_points(x, y), crs=CRS)


@pytest.fixture(scope="module")
def qgis_layer(qgis_processing, park_points):
    # a memory layer: its extent is the exact bounding box (a GeoPackage's extent comes
    # from metadata written with 15 significant digits, shifting the grid by ~1e-9 m)
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsPointXY, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    layer = QgsVectorLayer(f"Point?crs={CRS}", "parks", "memory")
    layer.dataProvider().addAttributes([QgsField("w", QVariant.Double)])
    layer.updateFields()
    feats = []
    for geom, w in zip(park_points.geometry, park_points["w"], strict=True):
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(geom.x, geom.y)))
        f.setAttribute("w", float(w))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    layer.updateExtents()
    assert layer.featureCount() == len(park_points)
    return layer


def _compare(ours, theirs):
    with rasterio.open(ours) as a, rasterio.open(theirs) as b:
        assert a.shape == b.shape
        assert a.transform.almost_equals(b.transform, precision=1e-9)
        assert a.crs.to_epsg() == b.crs.to_epsg() == 32651
        assert a.nodata == b.nodata == -9999
        va, vb = a.read(1), b.read(1)
    assert np.array_equal(va == -9999, vb == -9999)
    m = va != -9999
    assert m.sum() > 100
    np.testing.assert_allclose(va[m], vb[m], rtol=1e-6, atol=0)
    return va, vb


@pytest.mark.parametrize("output", ["raw", "scaled"])
@pytest.mark.parametrize("kernel", list(QGIS_KERNELS))
def test_same_raster_as_qgis_heatmap(
    qgis_processing, qgis_layer, park_points, tmp_path, kernel, output
):
    theirs = tmp_path / "qgis.tif"
    qgis_processing.run(
        "qgis:heatmapkerneldensityestimation",
        {
            "INPUT": qgis_layer,
            "RADIUS": 5000.0,
            "PIXEL_SIZE": 700.0,
            "WEIGHT_FIELD": "w",
            "KERNEL": QGIS_KERNELS[kernel],
            "DECAY": 0.0,
            "OUTPUT_VALUE": QGIS_OUTPUT[output],
            "OUTPUT": str(theirs),
        },
    )
    ours = kernel_density(
        park_points, radius=5000.0, pixel_size=700.0, kernel=kernel, weight="w",
        output=output, out=tmp_path / "ours.tif",
    )  # fmt: skip
    _compare(ours.path, theirs)


@pytest.mark.parametrize(
    ("radius", "pixel", "decay"), [(2600.0, 1000.0, 0.5), (3000.3, 450.0, -0.5)]
)
def test_odd_radius_and_decay(
    qgis_processing, qgis_layer, park_points, tmp_path, radius, pixel, decay
):
    # a radius that is not a whole number of pixels (QGIS rounds the block in map
    # units) and the triangular kernel's decay, including QGIS's negative "coolmap"
    theirs = tmp_path / "qgis.tif"
    qgis_processing.run(
        "qgis:heatmapkerneldensityestimation",
        {
            "INPUT": qgis_layer, "RADIUS": radius, "PIXEL_SIZE": pixel, "KERNEL": 1,
            "DECAY": decay, "OUTPUT_VALUE": 1, "OUTPUT": str(theirs),
        },
    )  # fmt: skip
    ours = kernel_density(
        park_points, radius=radius, pixel_size=pixel, kernel="triangular", decay=decay,
        output="scaled", out=tmp_path / "ours.tif",
    )  # fmt: skip
    _compare(ours.path, theirs)
