"""Issue 13 in real QGIS: geometry checks name the layer, refusals use QGIS parameter
names and come before anything is written, an input is never an output."""

import hashlib

import pytest

pytestmark = pytest.mark.qgis


def _swapped_gpkg(path):
    import geopandas as gpd
    import shapely

    import geoproc

    gdf = geoproc.load_boundaries("china_provinces")
    gdf["geometry"] = shapely.transform(gdf.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    gpd.GeoDataFrame(gdf, crs=4326).to_file(path)


def _layer(path):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(path), "prov", "ogr")
    assert layer.isValid()
    return layer


def test_swapped_polygons_named_not_proj_error(qgis_processing, geoproc_provider, tmp_path):
    from qgis.core import QgsProcessingException

    path = tmp_path / "swapped.gpkg"
    _swapped_gpkg(path)
    with pytest.raises(QgsProcessingException) as info:
        qgis_processing.run("geoproc:distance_matrix", {"INPUT": _layer(path), "ID": "code", "METHOD": 0,
                                                         "OUTPUT": "TEMPORARY_OUTPUT"})
    msg = str(info.value)
    assert "INPUT layer 'prov'" in msg and "look swapped" in msg and "31 of 31 features" in msg
    assert "lat_0" not in msg


def test_existing_matrix_refused_naming_overwrite_before_writing(qgis_processing, geoproc_provider, tmp_path):
    from qgis.core import QgsProcessingException

    import geoproc

    src = tmp_path / "prov.gpkg"
    geoproc.load_boundaries("china_provinces").to_file(src)
    matrix = tmp_path / "d.csv"
    matrix.write_text("keep me")
    pairs = tmp_path / "pairs.gpkg"
    with pytest.raises(QgsProcessingException) as info:
        qgis_processing.run("geoproc:distance_matrix", {
            "INPUT": _layer(src), "ID": "code", "METHOD": 0, "OUTPUT": str(pairs),
            "MATRIX": str(matrix), "OVERWRITE": False})
    msg = str(info.value)
    assert "OVERWRITE" in msg and "--overwrite" not in msg and "d.csv" in msg
    assert matrix.read_text() == "keep me"
    assert not pairs.exists()  # nothing written before the refusal


def test_matrix_that_is_the_input_refused(qgis_processing, geoproc_provider, tmp_path):
    from qgis.core import QgsProcessingException

    import geoproc

    gpkg = tmp_path / "prov.gpkg"
    geoproc.load_boundaries("china_provinces").to_file(gpkg)
    before = hashlib.sha256(gpkg.read_bytes()).hexdigest()
    with pytest.raises(QgsProcessingException, match=r"^MATRIX is the same file as INPUT \(.*prov\.gpkg\); inputs are never modified"):
        qgis_processing.run("geoproc:distance_matrix", {
            "INPUT": _layer(gpkg), "ID": "code", "METHOD": 0, "OUTPUT": "TEMPORARY_OUTPUT",
            "MATRIX": str(gpkg), "OVERWRITE": True})
    assert hashlib.sha256(gpkg.read_bytes()).hexdigest() == before


def test_any_algorithm_refuses_writing_over_an_input_file(qgis_processing, geoproc_provider, tmp_path):
    """The weights file output chosen as the regions layer's own file: refused, file intact."""
    from qgis.core import QgsProcessingException

    import geoproc

    gpkg = tmp_path / "prov.gpkg"
    geoproc.load_boundaries("china_provinces").to_file(gpkg)
    before = hashlib.sha256(gpkg.read_bytes()).hexdigest()
    alg = next(a for a in geoproc_provider.algorithms() if a.id() == "geoproc:distance_matrix")
    assert "INPUT" in {d.name() for d in alg.parameterDefinitions() if not d.isDestination()}
    with pytest.raises(QgsProcessingException, match=r"prov\.gpkg.*never modified"):
        qgis_processing.run("geoproc:distance_matrix", {
            "INPUT": str(gpkg), "ID": "code", "METHOD": 0, "OUTPUT": "TEMPORARY_OUTPUT",
            "MATRIX": str(gpkg), "OVERWRITE": True})
    assert hashlib.sha256(gpkg.read_bytes()).hexdigest() == before



def test_qgis_written_sink_that_is_the_input_refused(qgis_processing, geoproc_provider, tmp_path):
    """OUTPUT (a sink QGIS itself writes) chosen as the input GeoPackage: refused before anything
    is written, naming both parameters; the input stays byte-identical."""
    from qgis.core import QgsProcessingException

    import geoproc

    gpkg = tmp_path / "prov.gpkg"
    geoproc.load_boundaries("china_provinces").to_file(gpkg)
    before = hashlib.sha256(gpkg.read_bytes()).hexdigest()
    (tmp_path / "x").mkdir()
    params = {"INPUT": str(gpkg), "ID": "code", "METHOD": 0, "MATRIX": str(tmp_path / "d.csv")}
    # the same file as typed, through "..", and as an "ogr:" layer-in-GeoPackage destination
    for out in (str(gpkg), str(tmp_path / "x" / ".." / "prov.gpkg"), f"ogr:dbname='{gpkg}' table=\"out\" (geom)"):
        with pytest.raises(QgsProcessingException) as info:
            qgis_processing.run("geoproc:distance_matrix", {**params, "OUTPUT": out})
        assert str(info.value).startswith(f"OUTPUT is the same file as INPUT ({gpkg}); inputs are never modified")
        assert hashlib.sha256(gpkg.read_bytes()).hexdigest() == before
        assert not (tmp_path / "d.csv").exists()  # nothing written before the refusal
