"""Point-pattern algorithms inside real QGIS, compared with the library and the textbook formulas."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PARKS_CSV = ROOT / "data" / "demo" / "yrd_parks_synthetic.csv"

pytest.importorskip("pointpats")


@pytest.fixture(scope="module")
def data(qgis_app, tmp_path_factory):
    import geopandas as gpd
    from qgis.core import QgsVectorLayer

    import geoproc

    path = tmp_path_factory.mktemp("pattern") / "yrd_cities.gpkg"
    geoproc.load_boundaries("yrd_cities").to_file(path, engine="pyogrio")
    regions = QgsVectorLayer(str(path), "yrd_cities", "ogr")
    parks = QgsVectorLayer(f"file://{PARKS_CSV}?delimiter=,&xField=lon&yField=lat&crs=EPSG:4326&detectTypes=yes",
                           "parks", "delimitedtext")
    assert regions.isValid() and parks.isValid()
    df = pd.read_csv(PARKS_CSV)
    points = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")
    return regions, parks, gpd.read_file(path, engine="pyogrio"), points


def _frame(layer):
    return pd.DataFrame([f.attributes() for f in layer.getFeatures()], columns=layer.fields().names())


def test_ellipse_by_year_matches_arcgis_formula(qgis_processing, geoproc_provider, data, qgis_new_project):
    _, parks, _, points = data
    res = qgis_processing.runAndLoadResults("geoproc:standard_deviational_ellipse", {
        "POINTS": parks, "GROUP_FIELD": "year", "CUMULATIVE": True, "OUTPUT": "TEMPORARY_OUTPUT"})
    layer = qgis_new_project.mapLayer(res["OUTPUT"])
    got = _frame(layer).set_index("year")
    assert layer.crs().authid() == "EPSG:32650" and layer.featureCount() == got.shape[0] == 19
    # ArcGIS's Directional Distribution by hand for the parks existing by 2015, in UTM 50N
    sel = points[points.year <= 2015].to_crs(32650)
    x = sel.geometry.x.to_numpy() - sel.geometry.x.mean()
    y = sel.geometry.y.to_numpy() - sel.geometry.y.mean()
    a, c = (x * x).sum() - (y * y).sum(), 2 * (x * y).sum()
    theta = math.atan((a + math.hypot(a, c)) / c)
    sig_x = math.sqrt(2) * math.sqrt(((x * math.cos(theta) - y * math.sin(theta)) ** 2).mean())
    sig_y = math.sqrt(2) * math.sqrt(((x * math.sin(theta) + y * math.cos(theta)) ** 2).mean())
    row = got.loc[2015]
    assert row.n == len(sel)
    assert (row.major_m, row.minor_m) == pytest.approx((max(sig_x, sig_y), min(sig_x, sig_y)), rel=1e-9)
    assert row.rotation_deg == pytest.approx(math.degrees(theta) % 180, abs=1e-7)
    geom = next(f for f in layer.getFeatures() if f["year"] == 2015).geometry()
    assert geom.area() == pytest.approx(90 * sig_x * sig_y * math.sin(2 * math.pi / 180), rel=1e-9)
    # styled: outlines by year, light to dark, no fill
    r = layer.renderer()
    assert r.type() == "categorizedSymbol" and r.classAttribute() == "year"
    assert [c.value() for c in r.categories()] == sorted(got.index)
    colours = [c.symbol().symbolLayer(0).strokeColor().name() for c in r.categories()]
    assert colours[0] == "#fec44f" and colours[-1] == "#993404"
    assert layer.name() == "Standard deviational ellipses"


def test_nearest_neighbour_matches_clark_evans(qgis_processing, geoproc_provider, data, qgis_new_project):
    import warnings

    import geoproc

    regions, parks, gdf, points = data
    res = qgis_processing.runAndLoadResults("geoproc:nearest_neighbour_index", {
        "POINTS": parks, "REGIONS": regions, "OUTPUT": "TEMPORARY_OUTPUT"})
    got = _frame(qgis_new_project.mapLayer(res["OUTPUT"])).iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        area = geoproc.point_density(points, gdf, id="code").area_km2.sum() * 1e6
    xy = points.to_crs(32650).get_coordinates().to_numpy()
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    n = len(xy)
    do, de = d.min(axis=1).mean(), 0.5 / math.sqrt(n / area)
    assert got.observed_m == pytest.approx(do, rel=1e-9)
    assert got.ratio == pytest.approx(do / de, rel=1e-6)
    assert got.z == pytest.approx((do - de) / (0.26136 / math.sqrt(n * n / area)), rel=1e-6)
    assert got.pattern == "clustered"
    assert (res["RATIO"], res["Z"], res["P"]) == pytest.approx((got.ratio, got.z, got.p), rel=1e-12)


def test_ripley_seeded_equals_library_and_cancels(qgis_processing, geoproc_provider, data, qgis_new_project):
    import warnings

    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    import geoproc

    regions, parks, gdf, points = data
    params = {"POINTS": parks, "REGIONS": regions, "DISTANCES": "5000, 20000, 50000", "SIMULATIONS": 19,
              "SEED": 7, "GROUP_FIELD": "type", "OUTPUT": "TEMPORARY_OUTPUT"}
    res = qgis_processing.runAndLoadResults("geoproc:ripleys_k", params)
    got = _frame(qgis_new_project.mapLayer(res["OUTPUT"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = geoproc.ripleys_k(points, gdf, distances=[5000, 20000, 50000], simulations=19, seed=7,
                                 by="type").to_frame()
    assert got.type.tolist() == want.type.tolist()
    for col in ("k", "l_m", "envelope_low_m", "envelope_high_m"):
        np.testing.assert_allclose(got[col], want[col], rtol=1e-12, err_msg=col)

    class CancelSoon(QgsProcessingFeedback):
        def setProgress(self, p):  # noqa: N802 - QGIS's name
            super().setProgress(p)
            if p > 30:
                self.cancel()

    with pytest.raises(QgsProcessingException):
        qgis_processing.run("geoproc:ripleys_k", {**params, "SIMULATIONS": 999}, feedback=CancelSoon())


def test_pattern_bad_input(qgis_processing, geoproc_provider, data):
    from qgis.core import QgsProcessingException

    regions, parks, _, _ = data
    with pytest.raises(QgsProcessingException, match="Cumulative groups need a group field"):
        qgis_processing.run("geoproc:standard_deviational_ellipse", {
            "POINTS": parks, "CUMULATIVE": True, "OUTPUT": "TEMPORARY_OUTPUT"})
    with pytest.raises(QgsProcessingException, match="not a comma-separated list"):
        qgis_processing.run("geoproc:ripleys_k", {
            "POINTS": parks, "REGIONS": regions, "DISTANCES": "5 km", "OUTPUT": "TEMPORARY_OUTPUT"})
    with pytest.raises(QgsProcessingException, match="give the study regions or area_km2, not both"):
        qgis_processing.run("geoproc:nearest_neighbour_index", {
            "POINTS": parks, "REGIONS": regions, "AREA_KM2": 100.0, "OUTPUT": "TEMPORARY_OUTPUT"})
