"""Park density and kernel density inside real QGIS, compared with the library on the same points."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PARKS_CSV = ROOT / "data" / "demo" / "yrd_parks_synthetic.csv"


@pytest.fixture(scope="module")
def data(qgis_app, tmp_path_factory):
    import geopandas as gpd
    from qgis.core import QgsVectorLayer

    import geoproc

    path = tmp_path_factory.mktemp("density") / "yrd_cities.gpkg"
    geoproc.load_boundaries("yrd_cities").to_file(path, engine="pyogrio")
    regions = QgsVectorLayer(str(path), "yrd_cities", "ogr")
    parks = QgsVectorLayer(f"file://{PARKS_CSV}?delimiter=,&xField=lon&yField=lat&crs=EPSG:4326&detectTypes=yes",
                           "parks", "delimitedtext")
    assert regions.isValid() and parks.isValid() and parks.featureCount() == 390
    df = pd.read_csv(PARKS_CSV)
    points = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")
    return regions, parks, gpd.read_file(path, engine="pyogrio"), points


def test_park_density_matches_library_and_is_styled(qgis_processing, geoproc_provider, data, qgis_new_project):
    import geoproc

    regions, parks, gdf, points = data
    res = qgis_processing.runAndLoadResults("geoproc:park_density", {
        "POINTS": parks, "REGIONS": regions, "ID": "code", "OUTPUT": "TEMPORARY_OUTPUT"})
    layer = qgis_new_project.mapLayer(res["OUTPUT"])
    got = pd.DataFrame([f.attributes() for f in layer.getFeatures()], columns=layer.fields().names()).set_index("code")
    want = geoproc.point_density(points, gdf, id="code").set_index("code")
    assert got.loc[want.index, "park_count"].tolist() == want["park_count"].tolist()
    assert got["park_count"].sum() == 390  # every synthetic park lies in a YRD city
    for col in ("park_share", "area_km2", "density_per_1000km2"):
        np.testing.assert_allclose(got.loc[want.index, col], want[col], rtol=1e-12, err_msg=col)
    # density by hand for Shanghai: parks / area * 1000
    sh = got.loc[310000]
    assert sh.density_per_1000km2 == pytest.approx(sh.park_count / sh.area_km2 * 1000, rel=1e-12)
    r = layer.renderer()
    assert r.type() == "graduatedSymbol" and r.classAttribute() == "density_per_1000km2"
    assert [round(x.upperValue(), 6) for x in r.ranges()][:5] == [0.5, 1, 2, 5, 10]


def test_kernel_density_matches_library_and_ramp_is_rescaled(qgis_processing, geoproc_provider, data,
                                                             qgis_new_project, tmp_path):
    import rasterio

    import geoproc
    from geoproc.palettes import get_palette
    from qgis_plugin.styling import RasterRampPostProcessor

    _, parks, _, points = data
    held = len(RasterRampPostProcessor._alive)
    res = qgis_processing.runAndLoadResults("geoproc:kernel_density", {
        "INPUT": parks, "RADIUS": 30000.0, "PIXEL": 3000.0, "KERNEL": 0, "VALUES": 0, "OUTPUT": "TEMPORARY_OUTPUT"})
    # a raster output's result is its path; the loaded layer is found by its source
    loaded = [lyr for lyr in qgis_new_project.mapLayers().values() if lyr.source() == res["OUTPUT"]]
    assert len(loaded) == 1
    layer = loaded[0]
    assert layer.name() == "Kernel density"
    assert len(RasterRampPostProcessor._alive) == held  # the ramp post-processor ran and was let go
    want = geoproc.kernel_density(points, radius=30000.0, pixel_size=3000.0, out=tmp_path / "kde.tif")
    with rasterio.open(layer.source()) as ds:
        got = ds.read(1, masked=True)
        assert ds.transform == want.transform
        assert ds.crs.to_epsg() == want.crs.to_epsg() == 32650  # UTM 50N for the YRD parks
    np.testing.assert_array_equal(got.filled(-9999), want.read().filled(-9999))
    # kde_raster.qml is written for a maximum of 1; loaded, its stops sit at fractions of this raster's max
    r = layer.renderer()
    assert r.type() == "singlebandpseudocolor"
    items = r.shader().rasterShaderFunction().colorRampItemList()
    stops = get_palette("kde").scaled_stops(want.max_value)
    assert [(i.color.name(), i.color.alpha()) for i in items] == [(c, a) for _, c, a in stops]
    np.testing.assert_allclose([i.value for i in items], [v for v, _, _ in stops], rtol=1e-6)
    assert items[-1].value == pytest.approx(float(got.max()), rel=1e-6)
    assert (r.classificationMin(), r.classificationMax()) == pytest.approx((0.0, want.max_value), rel=1e-6)


def test_kde_raster_without_known_maximum_uses_band_statistics(qgis_app, tmp_path):
    """The post-processor's fallback: no maximum given, the band's own maximum is used."""
    from osgeo import gdal, osr
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsRasterLayer

    from qgis_plugin.styling import RasterRampPostProcessor, styles_dir

    tif = tmp_path / "k.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(tif), 3, 2, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((500_000, 1000, 0, 3_500_000, 0, -1000))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32651)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(np.array([[0, 1.5, 3.0], [6.0, 9.0, 12.5]], dtype="float32"))
    ds = None
    layer = QgsRasterLayer(str(tif), "k", "gdal")
    proc = RasterRampPostProcessor.create(styles_dir() / "kde_raster.qml")
    assert any(p is proc for p in RasterRampPostProcessor._alive)  # held until it has run ...
    proc.postProcessLayer(layer, QgsProcessingContext(), QgsProcessingFeedback())
    assert not any(p is proc for p in RasterRampPostProcessor._alive)  # ... then dropped
    items = layer.renderer().shader().rasterShaderFunction().colorRampItemList()
    # stops at 0, 0.1, 0.3, 0.6 and 1 times the maximum 12.5
    assert [round(i.value, 6) for i in items] == [0.0, 1.25, 3.75, 7.5, 12.5]


def test_density_bad_input(qgis_processing, geoproc_provider, data, tmp_path):
    from qgis.core import QgsProcessingException, QgsVectorLayer

    regions, _, _, _ = data
    empty = QgsVectorLayer("Point?crs=EPSG:4326&field=name:string", "no parks", "memory")
    with pytest.raises(QgsProcessingException, match="points: the point set is empty"):
        qgis_processing.run("geoproc:park_density", {"POINTS": empty, "REGIONS": regions, "ID": "code",
                                                     "OUTPUT": "TEMPORARY_OUTPUT"})
    out = tmp_path / "kde.tif"
    with pytest.raises(QgsProcessingException, match="points: the point set is empty"):
        qgis_processing.run("geoproc:kernel_density", {"INPUT": empty, "RADIUS": 1000.0, "OUTPUT": str(out)})
    assert not out.exists()
