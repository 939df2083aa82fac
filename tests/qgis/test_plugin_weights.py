"""Spatial weights algorithm inside real QGIS: the file equals the library's weights, the links draw them.

On the 41 shipped YRD cities: contiguity of the detailed province outlines takes
tens of seconds, the cities about one.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PANEL_CSV = ROOT / "data" / "demo" / "yrd_cities_panel_synthetic.csv"


@pytest.fixture(scope="module")
def cities(qgis_app, tmp_path_factory):
    import geopandas as gpd
    from qgis.core import QgsVectorLayer

    import geoproc

    path = tmp_path_factory.mktemp("regions") / "yrd_cities.gpkg"
    geoproc.load_boundaries("yrd_cities").to_file(path, engine="pyogrio")
    layer = QgsVectorLayer(str(path), "yrd_cities", "ogr")
    assert layer.isValid()
    return layer, gpd.read_file(path, engine="pyogrio")


def params(regions, out, **extra):
    p = {"REGIONS": regions, "REGIONS_ID": "code", "KIND": 0, "OUTPUT": str(out)}
    p.update(extra)
    return p


@pytest.mark.slow
def test_queen_file_and_links(qgis_processing, geoproc_provider, cities, tmp_path):
    import warnings

    import geoproc

    regions, gdf = cities
    out = tmp_path / "queen.csv"
    res = qgis_processing.run("geoproc:spatial_weights",
                              params(regions, out, KIND=0, ISLANDS=1, LINKS="TEMPORARY_OUTPUT"))
    assert res["OUTPUT"] == str(out)
    got = geoproc.read_weights(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = geoproc.queen_weights(gdf, id="code", islands="nearest")
        cent = geoproc.centroids(gdf, id="code").set_index("id")
    got = got.align(want.ids)
    np.testing.assert_array_equal(got.full(), want.full())
    assert len(want.ids) == 41 and not want.islands

    links = res["LINKS"]
    assert links.crs().authid() == "EPSG:4326"
    m = want.full()
    pairs = {(i, j) for i in range(41) for j in range(i + 1, 41) if m[i, j] or m[j, i]}
    assert links.featureCount() == len(pairs)
    for f in links.getFeatures():
        a, b = int(f["from_id"]), int(f["to_id"])
        i, j = want.ids.index(a), want.ids.index(b)
        assert (f["w_from_to"], f["w_to_from"], f["weight"]) == (m[i, j], m[j, i], max(m[i, j], m[j, i]))
        assert f["weight_scaled"] == max(m[i, j], m[j, i]) / m.max()  # binary: 1 / 1
        line = f.geometry().asMultiPolyline()[0]
        assert (line[0].x(), line[0].y()) == pytest.approx((cent.at[a, "lon"], cent.at[a, "lat"]), abs=1e-12)
        assert (line[1].x(), line[1].y()) == pytest.approx((cent.at[b, "lon"], cent.at[b, "lat"]), abs=1e-12)


def test_knn_row_standardised_gwt(qgis_processing, geoproc_provider, cities, tmp_path):
    import geoproc

    regions, gdf = cities
    out = tmp_path / "knn.gwt"
    qgis_processing.run("geoproc:spatial_weights", params(regions, out, KIND=2, K=3, ROW_STANDARDIZE=True, METHOD=1))
    got = geoproc.read_weights(out)
    want = geoproc.knn_weights(gdf, 3, id="code", method="haversine").row_standardize()
    np.testing.assert_allclose(got.align(want.ids).full(), want.full(), rtol=0, atol=1e-15)
    # three neighbours each, 1/3 apiece
    assert np.allclose(want.full().sum(axis=1), 1.0) and set(np.round(want.full()[want.full() > 0], 12)) == {0.333333333333}


@pytest.mark.slow
def test_gravity_with_a_panel_mass_table(qgis_processing, geoproc_provider, cities, tmp_path):
    from qgis.core import QgsVectorLayer

    import geoproc

    regions, gdf = cities
    table = QgsVectorLayer(f"file://{PANEL_CSV}?delimiter=,&detectTypes=yes&geomType=none", "panel", "delimitedtext")
    out = tmp_path / "gravity.csv"
    qgis_processing.run("geoproc:spatial_weights", params(
        regions, out, KIND=4, MASS=table, MASS_ID="code", MASS_FIELD="gdp", MASS_YEAR="year"))
    got = geoproc.read_weights(out)
    df = pd.read_csv(PANEL_CSV)
    want = geoproc.gravity_weights(gdf, df, id="code", mass_column="gdp", mass_id="code", year_column="year")
    np.testing.assert_allclose(got.align(want.ids).full(), want.full(), rtol=1e-15)
    # w_ij = M_i M_j / d_ij^2 with period-mean masses: one pair by hand
    means = df.groupby("code")["gdp"].mean()
    d = geoproc.distance_matrix(gdf, id="code")
    i, j = want.ids.index(310000), want.ids.index(320100)  # Shanghai, Nanjing
    assert want.full()[i, j] == pytest.approx(means[310000] * means[320100] / d.at[310000, 320100] ** 2, rel=1e-12)


def test_links_load_styled(qgis_processing, geoproc_provider, cities, tmp_path, qgis_new_project):
    """Inverse-distance links, ends inside the regions, classified by weight / largest weight."""
    import geoproc

    regions, gdf = cities
    res = qgis_processing.runAndLoadResults("geoproc:spatial_weights", params(
        regions, tmp_path / "idw.csv", KIND=3, POWER=1.0, LINK_ENDS=1, LINKS="TEMPORARY_OUTPUT"))
    layer = qgis_new_project.mapLayer(res["LINKS"])
    assert layer is not None and layer.name() == "Weight links"
    r = layer.renderer()
    assert r.type() == "graduatedSymbol" and r.classAttribute() == "weight_scaled"
    assert [round(x.upperValue(), 6) for x in r.ranges()] == [0.2, 0.4, 0.6, 0.8, 1.0]

    w = geoproc.read_weights(tmp_path / "idw.csv")
    m = w.full()
    assert layer.featureCount() == 41 * 40 // 2  # inverse distance without cut-off: every pair
    inside = geoproc.centroids(gdf, how="representative", id="code").set_index("id")
    classes = set()
    for f in layer.getFeatures():
        a, b = int(f["from_id"]), int(f["to_id"])
        i, j = w.ids.index(a), w.ids.index(b)
        assert f["weight"] == pytest.approx(m[i, j], rel=1e-15)  # symmetric: 1 / d_ij
        # weight_scaled: this pair's 1/d over the largest 1/d, i.e. the closest pair's
        assert f["weight_scaled"] == pytest.approx(m[i, j] / m.max(), rel=1e-12)
        classes.add(r.rangeForValue(f["weight_scaled"]).label())
        line = f.geometry().asMultiPolyline()[0]
        assert (line[0].x(), line[0].y()) == pytest.approx((inside.at[a, "lon"], inside.at[a, "lat"]), abs=1e-12)
        assert (line[1].x(), line[1].y()) == pytest.approx((inside.at[b, "lon"], inside.at[b, "lat"]), abs=1e-12)
    assert len(classes) >= 3  # the links spread over the classes instead of all in one


@pytest.mark.parametrize(("extra", "suffix", "message"), [
    ({"KIND": 4}, "csv", "need a mass table"),
    ({"KIND": 2, "K": 45}, "csv", "45"),  # more neighbours than the other 40 regions
    ({"KIND": 3, "POWER": 2.0}, "gal", "GAL"),  # GAL holds binary weights only
    ({"KIND": 0}, "txt", ".txt"),
])
def test_bad_input_is_a_processing_exception(qgis_processing, geoproc_provider, cities, tmp_path,
                                             extra, suffix, message):
    from qgis.core import QgsProcessingException

    regions, _ = cities
    out = tmp_path / f"w.{suffix}"
    with pytest.raises(QgsProcessingException, match=message):
        qgis_processing.run("geoproc:spatial_weights", params(regions, out, **extra))
    assert not out.exists()


def test_centroid_choice_reaches_the_distances(qgis_processing, geoproc_provider, cities, tmp_path):
    """"Distances between" representative points: the tool's knn:3 file equals the library's
    knn_weights(centroid="representative"), which differs from the area-centroid matrix."""
    import warnings

    import geoproc

    regions, gdf = cities
    out = tmp_path / "knn_rep.csv"
    qgis_processing.run("geoproc:spatial_weights", params(regions, out, KIND=2, K=3, CENTROID=1))
    got = geoproc.read_weights(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = geoproc.knn_weights(gdf, 3, id="code", centroid="representative")
        area = geoproc.knn_weights(gdf, 3, id="code", centroid="area")
    got = got.align(rep.ids)
    np.testing.assert_array_equal(got.full(), rep.full())
    assert (rep.full() != area.align(rep.ids).full()).any()  # the choice matters on these cities
