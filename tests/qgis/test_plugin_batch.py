"""Every algorithm run as the batch dialog runs it: row after row, each with a fresh context.

The batch dialog creates a new QgsProcessingContext and feedback per row, runs the
algorithm and loads its layers (handleAlgorithmResults, which calls the style
post-processors). State leaking from one row to the next (a cached layer, a reused
post-processor, a context kept by the algorithm) shows as a wrong or missing second
output. Each algorithm runs twice on small inputs, the second time with different
parameters, and both outputs are compared with the library called directly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROVINCE_PANEL = ROOT / "data" / "demo" / "provinces_panel_synthetic.csv"
CITY_PANEL = ROOT / "data" / "demo" / "yrd_cities_panel_synthetic.csv"
PARKS_CSV = ROOT / "data" / "demo" / "yrd_parks_synthetic.csv"


class Inputs:
    """Small layers built once: provinces and cities (GeoPackage), panels, parks, 4-nn weights."""

    def __init__(self, tmp: Path) -> None:
        import geopandas as gpd
        from qgis.core import QgsVectorLayer

        import geoproc

        def polygons(name):
            path = tmp / f"{name}.gpkg"
            geoproc.load_boundaries(name).to_file(path, engine="pyogrio")
            layer = QgsVectorLayer(str(path), name, "ogr")
            assert layer.isValid()
            return layer, gpd.read_file(path, engine="pyogrio")

        def table(csv):
            layer = QgsVectorLayer(f"file://{csv}?delimiter=,&detectTypes=yes&geomType=none", csv.stem,
                                   "delimitedtext")
            assert layer.isValid()
            return layer, pd.read_csv(csv)

        self.provinces, self.provinces_gdf = polygons("china_provinces")
        self.cities, self.cities_gdf = polygons("yrd_cities")
        self.province_panel, self.province_df = table(PROVINCE_PANEL)
        self.city_panel, self.city_df = table(CITY_PANEL)
        self.parks = QgsVectorLayer(f"file://{PARKS_CSV}?delimiter=,&xField=lon&yField=lat&crs=EPSG:4326"
                                    "&detectTypes=yes", "parks", "delimitedtext")
        assert self.parks.isValid()
        parks = pd.read_csv(PARKS_CSV)
        self.parks_gdf = gpd.GeoDataFrame(parks, geometry=gpd.points_from_xy(parks.lon, parks.lat), crs="EPSG:4326")
        self.knn4 = geoproc.knn_weights(self.provinces_gdf, 4, id="code")
        self.knn4_file = str(tmp / "knn4.gal")
        geoproc.write_weights(self.knn4, self.knn4_file)
        self.tmp = tmp

    def points(self, coords: dict[str, tuple[float, float]]):
        from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

        layer = QgsVectorLayer("Point?crs=EPSG:4326&field=id:string", "pts", "memory")
        feats = []
        for key, (x, y) in coords.items():
            f = QgsFeature(layer.fields())
            f.setAttributes([key])
            f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
            feats.append(f)
        layer.dataProvider().addFeatures(feats)
        return layer


@pytest.fixture(scope="module")
def inputs(qgis_app, tmp_path_factory):
    return Inputs(tmp_path_factory.mktemp("batch"))


def frame(layer, index: str | None = None) -> pd.DataFrame:
    df = pd.DataFrame([f.attributes() for f in layer.getFeatures()], columns=layer.fields().names())
    return df.set_index(index) if index else df


def local_params(inp: Inputs, year: int, **extra) -> dict:
    return {"REGIONS": inp.provinces, "REGIONS_ID": "code", "PANEL": inp.province_panel, "PANEL_ID": "code",
            "YEAR_FIELD": "year", "VARIABLE": "cul", "YEAR": year, "WEIGHTS_FILE": inp.knn4_file,
            "PERMUTATIONS": 0, "SEED": 1, "OUTPUT": "TEMPORARY_OUTPUT", **extra}


def year_values(df: pd.DataFrame, column: str, year: int) -> pd.Series:
    return df[df.year == year].set_index("code")[column]


# --- one case per algorithm: parameters of run k (0 or 1) and the check of its output -------------
# check(inputs, k, params, results, layer) with layer the loaded OUTPUT layer (None for files)

PLACES = {"a": (116.4, 39.9), "b": (121.47, 31.23), "c": (113.26, 23.13)}


def _export_boundaries(inp, k):
    return {"NAME": k, "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_export_boundaries(inp, k, params, res, layer):
    import geoproc
    from qgis_plugin.algorithms.boundaries import shipped_boundary_names

    name = shipped_boundary_names()[k]  # the enum's options
    want = geoproc.load_boundaries(name)
    assert sorted(frame(layer)["code"]) == sorted(want["code"])


def _convert_coordinates(inp, k):
    return {"INPUT": inp.points(PLACES), "DATUM": k, "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_convert_coordinates(inp, k, params, res, layer):
    import geoproc

    xy = np.array(list(PLACES.values()))
    lon, lat = geoproc.to_wgs84(xy[:, 0], xy[:, 1], datum=["gcj02", "bd09"][k])
    got = [(f.geometry().asPoint().x(), f.geometry().asPoint().y()) for f in layer.getFeatures()]
    np.testing.assert_allclose(got, np.column_stack([lon, lat]), atol=1e-9)


def _distance_matrix(inp, k):
    return {"INPUT": inp.points(PLACES), "ID": "id", "METHOD": k, "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_distance_matrix(inp, k, params, res, layer):
    from pyproj import Geod

    rows = {(f["from_id"], f["to_id"]): f["distance_km"] for f in layer.getFeatures()}
    assert set(rows) == {("a", "b"), ("a", "c"), ("b", "c")}
    for (p, q), d in rows.items():
        (x1, y1), (x2, y2) = PLACES[p], PLACES[q]
        if k == 0:  # geodesic on the WGS84 ellipsoid (pyproj / GeographicLib)
            want = Geod(ellps="WGS84").inv(x1, y1, x2, y2)[2] / 1000
        else:  # haversine on the 6371.0088 km mean-radius sphere
            p1, p2, dl = np.radians(y1), np.radians(y2), np.radians(x2 - x1)
            h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
            want = 2 * 6371.0088 * np.arcsin(np.sqrt(h))
        assert d == pytest.approx(want, rel=1e-9), (p, q)


def _spatial_weights(inp, k):
    return {"REGIONS": inp.cities, "REGIONS_ID": "code", "KIND": 2, "K": 3 + k,
            "OUTPUT": str(inp.tmp / f"knn_{k}.gwt"), "LINKS": "TEMPORARY_OUTPUT"}


def _check_spatial_weights(inp, k, params, res, layer):
    import warnings

    import geoproc

    got = geoproc.read_weights(res["OUTPUT"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # centroids outside two crescent cities: fine for distances
        want = geoproc.knn_weights(inp.cities_gdf, 3 + k, id="code")
    np.testing.assert_array_equal(got.align(want.ids).full(), want.full())
    links = res["LINKS"]
    assert links.name() == "Weight links"  # styled and named by the post-processor of this run
    # each city has 3 + k out-links; a pair linked both ways is one line
    m = want.full()
    assert links.featureCount() == int(np.count_nonzero(np.triu((m + m.T) > 0)))


def _indices(inp, k):
    return {"PANEL": inp.city_panel, "ID": "code", "YEAR": "year",
            "AGGLOMERATION": [["gdp", "cultural_value_added"][k]], "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_indices(inp, k, params, res, layer):
    col = ["gdp", "cultural_value_added"][k]
    got = frame(layer)
    assert [c for c in got.columns if c.endswith("_agglomeration")] == [f"{col}_agglomeration"]
    # by hand: the value over the mean of the 41 cities that year
    want = got[col] / got.groupby("year")[col].transform("mean")
    np.testing.assert_allclose(got[f"{col}_agglomeration"], want, rtol=1e-12)


def _moran_by_year(inp, k):
    return {"PANEL": inp.province_panel, "PANEL_ID": "code", "YEAR_FIELD": "year",
            "VARIABLES": [["cul", "cultural_revenue"][k]], "WEIGHTS_FILE": inp.knn4_file, "PERMUTATIONS": 0,
            "SEED": 1, "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_moran_by_year(inp, k, params, res, layer):
    var = ["cul", "cultural_revenue"][k]
    got = frame(layer)
    assert set(got["variable"]) == {var}
    # Moran's I by hand with the row-standardised 4-nn weights: I = (z' W z) / (z' z) (S0 = n)
    w = inp.knn4.align(sorted(inp.knn4.ids)).row_standardize()
    W = w.full()
    for year, value in zip(got["year"], got["I"], strict=True):
        y = year_values(inp.province_df, var, year).loc[w.ids].to_numpy(float)
        z = y - y.mean()
        assert value == pytest.approx(z @ W @ z / (z @ z), rel=1e-10), year


def _lisa_clusters(inp, k):
    return local_params(inp, 2020 + k)


def _check_lisa_clusters(inp, k, params, res, layer):
    year = 2020 + k
    assert layer.name() == f"LISA clusters cul {year}"  # the post-processor of this row, not the last
    got = frame(layer, "code")["lisa_I"]
    # local Moran by hand, esda's scaling: I_i = (n - 1) z_i sum_j w_ij z_j / sum z^2, row-standardised W
    w = inp.knn4.align(sorted(inp.knn4.ids)).row_standardize()
    y = year_values(inp.province_df, "cul", year).loc[w.ids].to_numpy(float)
    z = y - y.mean()
    want = (len(z) - 1) * z * (w.full() @ z) / (z @ z)
    np.testing.assert_allclose(got.loc[w.ids].to_numpy(float), want, rtol=1e-10)


def _hot_spots(inp, k):
    # TRANSFORM 1: row-standardised (the default is binary, ArcGIS's), the G* by hand below
    return local_params(inp, 2020 + k, VARIABLE="cultural_revenue", TRANSFORM=1)


def _check_hot_spots(inp, k, params, res, layer):
    year = 2020 + k
    assert layer.name() == f"Hot spots cultural_revenue {year}"
    got = frame(layer, "code")["gi_G"]
    # Gi* by hand: 4-nn links plus the region itself, row-standardised (each of the 5 weighs 1/5),
    # G*_i = sum_j w_ij x_j / sum_j x_j
    w = inp.knn4.align(sorted(inp.knn4.ids))
    B = (w.full() > 0).astype(float) + np.eye(len(w.ids))
    assert set(B.sum(axis=1)) == {5.0}
    x = year_values(inp.province_df, "cultural_revenue", year).loc[w.ids].to_numpy(float)
    np.testing.assert_allclose(got.loc[w.ids].to_numpy(float), B @ x / 5 / x.sum(), rtol=1e-10)


def _park_density(inp, k):
    return {"POINTS": inp.parks, "REGIONS": inp.cities, "ID": "code", "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_park_density(inp, k, params, res, layer):
    got = frame(layer, "code")
    # counts by a second implementation: a geopandas point-in-polygon join
    joined = inp.parks_gdf.sjoin(inp.cities_gdf[["code", "geometry"]], predicate="within")
    want = joined.groupby("code").size().reindex(got.index, fill_value=0)
    assert got["park_count"].tolist() == want.tolist()
    assert got["park_count"].sum() == len(inp.parks_gdf)


def _kernel_density(inp, k):
    return {"INPUT": inp.parks, "RADIUS": 30000.0 - 10000.0 * k, "PIXEL": 5000.0, "KERNEL": 0, "VALUES": 0,
            "OUTPUT": str(inp.tmp / f"kde_{k}.tif")}


def _check_kernel_density(inp, k, params, res, layer):
    import rasterio

    import geoproc

    want = geoproc.kernel_density(inp.parks_gdf, radius=params["RADIUS"], pixel_size=5000.0,
                                  out=inp.tmp / f"kde_lib_{k}.tif")
    with rasterio.open(res["OUTPUT"]) as ds:
        got = ds.read(1, masked=True)
    np.testing.assert_array_equal(got.filled(-9999), want.read().filled(-9999))
    # raw quartic values: each point adds at most 1 (at its centre), so the max is at most the count
    assert 0 < float(got.max()) <= len(inp.parks_gdf)


def _sdm(inp, k):
    return {"PANEL": inp.province_panel, "PANEL_ID": "code", "YEAR_FIELD": "year", "REGIONS": inp.provinces,
            "REGIONS_ID": "code", "WEIGHTS_FILE": inp.knn4_file, "ROW_STANDARDIZE": True, "Y": "cul",
            "X": ["dig"], "CONTROLS": [], "EFFECTS": 0, "MODEL": 0, "DRAWS": 0, "SEED": 1,
            "REPORT_YEAR": 2020 + k, "HTML": str(inp.tmp / f"sdm_{k}.html"), "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_sdm(inp, k, params, res, layer):
    import geoproc

    lib = geoproc.sdm(inp.province_df, geoproc.build_weights(inp.knn4_file), "cul", ["dig"], draws=0,
                      row_standardize=True)
    assert Path(res["HTML"]).read_text(encoding="utf-8") == lib.to_html()
    got = frame(layer, "code")
    want = lib.region_effects(year=2020 + k)
    for col in ("y_observed", "residual", "dig_direct"):
        np.testing.assert_allclose(got.loc[want.index, col], want[col], rtol=1e-9, atol=1e-12, err_msg=col)
    # y_observed by hand: the panel's cul of that year
    np.testing.assert_allclose(got.loc[want.index, "y_observed"],
                               year_values(inp.province_df, "cul", 2020 + k).loc[want.index], rtol=1e-14)


def _standard_deviational_ellipse(inp, k):
    return {"POINTS": inp.parks, "GROUP_FIELD": ["", "type"][k], "STD": 1.0 + k, "CONVENTION": k,
            "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_standard_deviational_ellipse(inp, k, params, res, layer):
    got = frame(layer)
    assert len(got) == (1 if k == 0 else inp.parks_gdf["type"].nunique())
    # semi-major axis of all parks by hand, the square root of the largest eigenvalue of the
    # covariance (divisor n) in UTM 50N, times sqrt(2) (arcgis); row 2 is per type, 2 SD, yuill
    sel = inp.parks_gdf if k == 0 else inp.parks_gdf[inp.parks_gdf["type"] == got["type"].iloc[0]]
    xy = sel.to_crs(32650).get_coordinates().to_numpy()
    top = np.sqrt(np.linalg.eigvalsh(np.cov(xy.T, bias=True))[-1])
    assert got["major_m"].iloc[0] == pytest.approx(top * (np.sqrt(2) if k == 0 else 2.0), rel=1e-9)


def _nearest_neighbour_index(inp, k):
    return {"POINTS": inp.parks, "REGIONS": inp.cities if k == 0 else None, "AREA_KM2": None if k == 0 else 1000.0,
            "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_nearest_neighbour_index(inp, k, params, res, layer):
    got = frame(layer).iloc[0]
    assert got["area_km2"] == pytest.approx(1000.0) if k == 1 else got["area_km2"] > 3e5
    # Clark & Evans: R = observed / (0.5 / sqrt(n / A))
    n, area = len(inp.parks_gdf), got["area_km2"] * 1e6
    assert got["ratio"] == pytest.approx(got["observed_m"] / (0.5 / np.sqrt(n / area)), rel=1e-12)


def _ripleys_k(inp, k):
    return {"POINTS": inp.parks, "REGIONS": inp.cities, "DISTANCES": ["10000", "10000,40000"][k],
            "SIMULATIONS": 9, "SEED": k, "OUTPUT": "TEMPORARY_OUTPUT"}


def _check_ripleys_k(inp, k, params, res, layer):
    import warnings

    import geoproc

    got = frame(layer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = geoproc.ripleys_k(inp.parks_gdf, inp.cities_gdf, distances=[[10000.0], [10000.0, 40000.0]][k],
                                 simulations=9, seed=k).to_frame()
    assert len(got) == k + 1
    np.testing.assert_allclose(got[["k", "envelope_low_m", "envelope_high_m"]], want[["k", "envelope_low_m",
                               "envelope_high_m"]], rtol=1e-12)


CASES = {
    "export_boundaries": (_export_boundaries, _check_export_boundaries),
    "convert_coordinates": (_convert_coordinates, _check_convert_coordinates),
    "distance_matrix": (_distance_matrix, _check_distance_matrix),
    "spatial_weights": (_spatial_weights, _check_spatial_weights),
    "indices": (_indices, _check_indices),
    "moran_by_year": (_moran_by_year, _check_moran_by_year),
    "lisa_clusters": (_lisa_clusters, _check_lisa_clusters),
    "hot_spots": (_hot_spots, _check_hot_spots),
    "park_density": (_park_density, _check_park_density),
    "kernel_density": (_kernel_density, _check_kernel_density),
    "sdm": (_sdm, _check_sdm),
    "standard_deviational_ellipse": (_standard_deviational_ellipse, _check_standard_deviational_ellipse),
    "nearest_neighbour_index": (_nearest_neighbour_index, _check_nearest_neighbour_index),
    "ripleys_k": (_ripleys_k, _check_ripleys_k),
}


def test_every_algorithm_has_a_batch_case(geoproc_provider):
    assert {a.name() for a in geoproc_provider.algorithms()} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_batch_of_two_rows_with_fresh_contexts(qgis_processing, geoproc_provider, inputs, qgis_new_project, name):
    from qgis.core import QgsMapLayer, QgsProcessingContext, QgsProcessingFeedback, QgsRasterLayer

    from qgis_plugin.styling import StylePostProcessor

    make, check = CASES[name]
    held = len(StylePostProcessor._alive)
    for k in (0, 1):
        context = QgsProcessingContext()  # what BatchAlgorithmDialog does for every row
        context.setProject(qgis_new_project)
        params = make(inputs, k)
        res = qgis_processing.runAndLoadResults(f"geoproc:{name}", dict(params), context=context,
                                                feedback=QgsProcessingFeedback())
        assert res, f"{name}: row {k + 1} returned no results"
        # loaded results: layer ids in the project for layers, paths for files
        for key, value in list(res.items()):
            if isinstance(value, str) and qgis_new_project.mapLayer(value) is not None:
                res[key] = qgis_new_project.mapLayer(value)
        layer = res.get("OUTPUT")
        if isinstance(layer, str) and layer.endswith(".tif"):
            layer = QgsRasterLayer(layer, "raster", "gdal")
        assert layer is None or isinstance(layer, (QgsMapLayer, str)), (name, k, layer)
        check(inputs, k, params, res, layer)
    assert len(StylePostProcessor._alive) == held  # no post-processor left behind by the rows
