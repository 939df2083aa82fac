"""Moran's I by year, LISA clusters and Gi* hot spots inside real QGIS.

Every output is compared with the geoproc library called directly on the same data
(the library's own tests compare it with esda); here we check the adapters: parameters
reach the library, values reach the layers, styles are applied, errors surface.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PANEL_CSV = ROOT / "data" / "demo" / "provinces_panel_synthetic.csv"


# --- data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provinces(qgis_app, tmp_path_factory):
    """The shipped provinces as a GeoPackage layer, and the same file read by geopandas."""
    import geopandas as gpd
    from qgis.core import QgsVectorLayer

    import geoproc

    path = tmp_path_factory.mktemp("regions") / "china_provinces.gpkg"
    geoproc.load_boundaries("china_provinces").to_file(path, engine="pyogrio")
    layer = QgsVectorLayer(str(path), "china_provinces", "ogr")
    assert layer.isValid()
    return layer, gpd.read_file(path, engine="pyogrio")


def table_layer(csv: Path, name: str = "panel"):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"file://{csv}?delimiter=,&detectTypes=yes&geomType=none", name, "delimitedtext")
    assert layer.isValid()
    return layer


@pytest.fixture(scope="module")
def panel(qgis_app):
    return table_layer(PANEL_CSV), pd.read_csv(PANEL_CSV)


@pytest.fixture(scope="module")
def knn4(provinces, tmp_path_factory):
    """4-nearest-neighbour weights of the provinces, built once by the library and saved as GAL.

    Most tests hand the plugin this file (building weights from the regions costs seconds:
    geoproc.centroids); the spec path ("knn:4", "gravity:...") is tested separately.
    """
    import geoproc

    _, gdf = provinces
    w = geoproc.knn_weights(gdf, 4, id="code")
    path = tmp_path_factory.mktemp("weights") / "knn4.gal"
    geoproc.write_weights(w, path)
    return str(path), w


def by_code(layer, *fields):
    return {f["code"]: tuple(f[k] for k in fields) for f in layer.getFeatures()}


def local_params(regions, panel_layer, weights_file=None, **extra):
    params = {"REGIONS": regions, "REGIONS_ID": "code", "PANEL": panel_layer, "PANEL_ID": "code",
              "YEAR_FIELD": "year", "VARIABLE": "cul", "YEAR": 2021, "WEIGHTS": "knn:4",
              "WEIGHTS_FILE": weights_file, "PERMUTATIONS": 99, "SEED": 7, "OUTPUT": "TEMPORARY_OUTPUT"}
    params.update(extra)
    return params


def library_weights(regions_gdf, panel_df, spec):
    import geoproc

    return geoproc.build_weights(spec, regions_gdf, data=panel_df, id="code", data_id="code", year_column="year")


def year_series(panel_df, variable, year):
    rows = panel_df[panel_df.year == year]
    return pd.Series(rows[variable].to_numpy(), index=rows["code"].to_numpy())


# --- Moran's I by year -----------------------------------------------------------


@pytest.mark.slow
def test_moran_by_year_matches_library(qgis_processing, geoproc_provider, provinces, panel, tmp_path):
    import geoproc

    regions, gdf = provinces
    layer, df = panel
    html = tmp_path / "moran.html"
    res = qgis_processing.run("geoproc:moran_by_year", {
        "PANEL": layer, "PANEL_ID": "code", "YEAR_FIELD": "year", "VARIABLES": ["cul", "dig"],
        "REGIONS": regions, "REGIONS_ID": "code", "WEIGHTS": "gravity:rd_staff", "PERMUTATIONS": 99,
        "SEED": 3, "INFERENCE": 1, "OUTPUT": "TEMPORARY_OUTPUT", "HTML": str(html)})
    got = pd.DataFrame([f.attributes() for f in res["OUTPUT"].getFeatures()],
                       columns=res["OUTPUT"].fields().names())
    w = library_weights(gdf, df, "gravity:rd_staff")
    expect = geoproc.moran_table(df, w, ["cul", "dig"], permutations=99, seed=3, inference="rand")
    want = expect.to_frame()
    assert len(got) == len(want) == 9 * 2
    key = ["year", "variable"]
    got, want = got.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True)
    assert got["year"].tolist() == want["year"].tolist()
    for col in ("I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand", "p_sim"):
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-12, err_msg=col)
    text = html.read_text(encoding="utf-8")
    assert expect.to_html() in text  # the publication layout, stars from the randomisation p
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert "<th>2013</th>" in text and "under randomisation" in text


def test_moran_with_weights_file_needs_no_regions(qgis_processing, geoproc_provider, provinces, panel, tmp_path):
    import geoproc

    regions, gdf = provinces
    layer, df = panel
    w = geoproc.knn_weights(gdf, 5, id="code")
    path = tmp_path / "knn5.gal"
    geoproc.write_weights(w, path)
    res = qgis_processing.run("geoproc:moran_by_year", {
        "PANEL": layer, "VARIABLES": ["cul"], "WEIGHTS": "queen", "WEIGHTS_FILE": str(path),
        "PERMUTATIONS": 0, "OUTPUT": "TEMPORARY_OUTPUT"})
    got = {f["year"]: f["I"] for f in res["OUTPUT"].getFeatures()}
    want = geoproc.moran_table(df, w, ["cul"], permutations=0).to_frame().set_index("year")["I"]
    assert set(got) == set(range(2013, 2022))
    for y, value in got.items():
        assert value == pytest.approx(want[y], rel=1e-12)


# --- LISA ------------------------------------------------------------------------


@pytest.mark.slow
def test_lisa_matches_library(qgis_processing, geoproc_provider, provinces, panel):
    import geoproc

    regions, gdf = provinces
    layer, df = panel
    res = qgis_processing.run("geoproc:lisa_clusters", local_params(regions, layer, ALPHA=0.1, FDR=False))
    got = by_code(res["OUTPUT"], "lisa_I", "lisa_z", "lisa_p", "lisa_q", "cluster")
    w = library_weights(gdf, df, "knn:4")
    want = geoproc.local_moran(gdf, year_series(df, "cul", 2021), w, permutations=99, seed=7, alpha=0.1,
                               id="code").set_index("code")
    assert set(got) == set(want.index) and len(got) == 31
    for code, (i, z, p, q, cluster) in got.items():
        row = want.loc[code]
        assert i == pytest.approx(row.lisa_I, rel=1e-12)
        assert z == pytest.approx(row.lisa_z, rel=1e-12)
        assert p == pytest.approx(row.lisa_p, rel=1e-12)
        assert (q, cluster) == (row.lisa_q, row.cluster)
    # the synthetic panel has a spatial pattern: some significant clusters at 10 %
    assert {c for *_, c in got.values()} - {"Not significant"}


def test_lisa_fdr_column(qgis_processing, geoproc_provider, provinces, panel, knn4):
    import geoproc

    regions, gdf = provinces
    layer, df = panel
    res = qgis_processing.run("geoproc:lisa_clusters", local_params(regions, layer, knn4[0], FDR=True))
    got = by_code(res["OUTPUT"], "lisa_p_fdr", "cluster")
    want = geoproc.local_moran(gdf, year_series(df, "cul", 2021), knn4[1],
                               permutations=99, seed=7, fdr=True, id="code").set_index("code")
    for code, (p_fdr, cluster) in got.items():
        assert p_fdr == pytest.approx(want.at[code, "lisa_p_fdr"], rel=1e-12)
        assert cluster == want.at[code, "cluster"]


# --- Gi* -------------------------------------------------------------------------


def test_hot_spots_match_library(qgis_processing, geoproc_provider, provinces, panel, knn4):
    """Default (ArcGIS: normal z, binary weights), permutation, row-standardised and FDR runs equal
    geoproc.getis_ord's with the same options; each row's bin follows from its own z and p."""
    import geoproc

    regions, gdf = provinces
    layer, df = panel
    values = year_series(df, "cultural_revenue", 2021)
    cases = [({}, {}),
             ({"INFERENCE": 1}, {"inference": "permutation", "permutations": 99, "seed": 7}),
             ({"TRANSFORM": 1, "STAR": False}, {"transform": "R", "star": False}),
             ({"TRANSFORM": 2, "FDR": True}, {"transform": "O", "fdr": True})]
    for params, kw in cases:
        res = qgis_processing.run("geoproc:hot_spots", local_params(regions, layer, knn4[0],
                                                                     VARIABLE="cultural_revenue", **params))
        cols = ["gi_G", "gi_z", "gi_p", "hotspot"] + (["gi_p_fdr"] if kw.get("fdr") else [])
        got = by_code(res["OUTPUT"], *cols)
        want = geoproc.getis_ord(gdf, values, knn4[1], id="code", **kw).set_index("code")
        assert want.attrs["inference"] == kw.get("inference", "normal")
        for code, row in got.items():
            for c, v in zip(cols, row, strict=True):
                if c == "hotspot":
                    assert v == want.at[code, c], (params, code)
                else:
                    assert v == pytest.approx(want.at[code, c], rel=1e-12), (params, code, c)
            z, p = row[1], (row[4] if kw.get("fdr") else row[2])
            level = next((lv for a, lv in ((0.01, "99%"), (0.05, "95%"), (0.10, "90%")) if p <= a), None)
            assert row[3] == (f"{'Hot' if z > 0 else 'Cold'} spot {level}" if level else "Not significant")


# --- styles, rendering, batch, models ---------------------------------------------


def _loaded(project, results, key="OUTPUT"):
    layer = project.mapLayer(results[key])
    assert layer is not None, "the output was not loaded into the project"
    return layer


def test_lisa_and_hot_spots_load_styled(qgis_processing, geoproc_provider, provinces, panel, qgis_new_project, knn4):
    from geoproc.palettes import get_palette
    from qgis_plugin.styling import StylePostProcessor

    regions, _ = provinces
    layer, _ = panel
    held = len(StylePostProcessor._alive)
    res = qgis_processing.runAndLoadResults("geoproc:lisa_clusters", local_params(regions, layer, knn4[0]))
    lisa = _loaded(qgis_new_project, res)
    r = lisa.renderer()
    assert r.type() == "categorizedSymbol" and r.classAttribute() == "cluster"
    pal = get_palette("lisa")
    cats = {c.value(): c.symbol().color().name() for c in r.categories()}
    assert cats == {c.value: c.color for c in pal.categories}
    assert lisa.name() == "LISA clusters cul 2021"

    res = qgis_processing.runAndLoadResults("geoproc:hot_spots", local_params(regions, layer, knn4[0], VARIABLE="cultural_revenue"))
    hot = _loaded(qgis_new_project, res)
    r = hot.renderer()
    assert r.type() == "categorizedSymbol" and r.classAttribute() == "hotspot"
    assert {c.value() for c in r.categories()} == {
        "Hot spot 99%", "Hot spot 95%", "Hot spot 90%", "Not significant", "Cold spot 90%", "Cold spot 95%",
        "Cold spot 99%", "Undefined"}
    # each post-processor is dropped once it has styled its layer: no growth run after run
    assert len(StylePostProcessor._alive) == held


def test_styled_lisa_renders_to_png(qgis_processing, geoproc_provider, provinces, panel, qgis_new_project, tmp_path, knn4):
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage

    regions, _ = provinces
    layer, _ = panel
    res = qgis_processing.runAndLoadResults("geoproc:lisa_clusters", local_params(regions, layer, knn4[0], ALPHA=0.1))
    lisa = _loaded(qgis_new_project, res)
    clusters = {f["cluster"] for f in lisa.getFeatures()}
    settings = QgsMapSettings()
    settings.setLayers([lisa])
    settings.setDestinationCrs(lisa.crs())
    settings.setExtent(lisa.extent())
    settings.setOutputSize(QSize(400, 300))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    png = tmp_path / "lisa.png"
    assert job.renderedImage().save(str(png), "PNG")

    img = QImage(str(png))
    assert (img.width(), img.height()) == (400, 300)
    colours = {}
    for x in range(0, 400, 2):
        for y in range(0, 300, 2):
            name = QColor(img.pixel(x, y)).name()
            colours[name] = colours.get(name, 0) + 1
    assert len(colours) >= 4, colours  # white background, fills, outlines: not blank
    assert colours.get("#ffffff", 0) < 0.8 * sum(colours.values())
    palette = {"High-High": "#d7191c", "Low-Low": "#2c7bb6", "Low-High": "#abd9e9", "High-Low": "#f4a6a6",
               "Not significant": "#d9d9d9"}
    for cluster in clusters:
        assert colours.get(palette[cluster], 0) > 0, f"no {cluster} pixel in the map"
    assert len(clusters) >= 2


def test_lisa_batch_over_years_with_fresh_contexts(qgis_processing, geoproc_provider, provinces, panel, knn4):
    """What the batch dialog does: one run per row, each with its own context and feedback."""
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    import geoproc

    regions, gdf = provinces
    layer, df = panel
    w = knn4[1]
    for year in (2019, 2020, 2021):
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        res = qgis_processing.run("geoproc:lisa_clusters", local_params(regions, layer, knn4[0], YEAR=year),
                                  context=context, feedback=QgsProcessingFeedback())
        got = {c: v[0] for c, v in by_code(res["OUTPUT"], "lisa_I").items()}
        want = geoproc.local_moran(gdf, year_series(df, "cul", year), w, permutations=99, seed=7,
                                   id="code").set_index("code")["lisa_I"]
        np.testing.assert_allclose([got[c] for c in want.index], want.to_numpy(), rtol=1e-12)


def test_lisa_inside_a_graphical_model(qgis_processing, geoproc_provider, provinces, panel, qgis_new_project, knn4):
    """A Processing model with a year input runs the geoproc algorithm as a child."""
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterNumber,
    )

    import geoproc

    regions, gdf = provinces
    layer, df = panel
    model = QgsProcessingModelAlgorithm("lisa_by_year", "tests")
    model.addModelParameter(QgsProcessingParameterNumber("year", "Year", QgsProcessingParameterNumber.Type.Integer, 2021),
                            QgsProcessingModelParameter("year"))
    child = QgsProcessingModelChildAlgorithm("geoproc:lisa_clusters")
    child.setChildId("lisa")
    static = QgsProcessingModelChildParameterSource.fromStaticValue
    # layers in the project, referred to by id, as a model saved in a project does (copies:
    # the project owns and deletes its layers, the module's fixtures must survive)
    in_project = [regions.clone(), table_layer(PANEL_CSV)]
    qgis_new_project.addMapLayers(in_project, False)
    values = local_params(in_project[0].id(), in_project[1].id(), knn4[0])
    for d in geoproc_provider.algorithm("lisa_clusters").parameterDefinitions():
        value = values.get(d.name(), d.defaultValue())
        if d.name() not in ("YEAR", "OUTPUT") and value is not None:
            child.addParameterSources(d.name(), [static(value)])
    child.addParameterSources("YEAR", [QgsProcessingModelChildParameterSource.fromModelParameter("year")])
    out = QgsProcessingModelOutput("clusters")
    out.setChildId("lisa")
    out.setChildOutputName("OUTPUT")
    child.setModelOutputs({"clusters": out})
    model.addChildAlgorithm(child)
    ok, problems = model.validate()
    assert ok, problems
    res = qgis_processing.run(model, {"year": 2020, "lisa:clusters": "TEMPORARY_OUTPUT"})
    result_layer = res["lisa:clusters"]
    if isinstance(result_layer, str):
        from qgis.core import QgsVectorLayer

        result_layer = QgsVectorLayer(result_layer, "clusters", "ogr")
    got = {c: v[0] for c, v in by_code(result_layer, "lisa_I").items()}
    want = geoproc.local_moran(gdf, year_series(df, "cul", 2020), knn4[1],
                               permutations=99, seed=7, id="code").set_index("code")["lisa_I"]
    np.testing.assert_allclose([got[c] for c in want.index], want.to_numpy(), rtol=1e-12)


# --- errors and cancel --------------------------------------------------------------


@pytest.mark.parametrize(("extra", "message"), [
    ({"YEAR": 1999}, "panel has no rows for 1999"),
    ({"WEIGHTS": "queens"}, "unknown weights 'queens'"),
    ({"WEIGHTS": "knn:0"}, "k must be at least 1, got 0"),
    ({"WEIGHTS": "gravity:no_such_column"}, "no_such_column"),
    # Hainan has no contiguous neighbour: named, not a crash (slow: builds queen weights)
    pytest.param({"WEIGHTS": "queen"}, "460000", marks=pytest.mark.slow),
])
def test_lisa_bad_input_is_a_processing_exception(qgis_processing, geoproc_provider, provinces, panel, extra, message):
    from qgis.core import QgsProcessingException

    regions, _ = provinces
    layer, _ = panel
    with pytest.raises(QgsProcessingException, match=message):
        qgis_processing.run("geoproc:lisa_clusters", local_params(regions, layer, **extra))


def test_missing_region_in_panel_is_named(qgis_processing, geoproc_provider, provinces, panel, tmp_path, knn4):
    from qgis.core import QgsProcessingException

    regions, _ = provinces
    _, df = panel
    csv = tmp_path / "short.csv"
    df[df.code != 650000].to_csv(csv, index=False)
    with pytest.raises(QgsProcessingException, match="650000"):
        qgis_processing.run("geoproc:lisa_clusters", local_params(regions, table_layer(csv), knn4[0]))


def test_negative_values_refused_by_gi(qgis_processing, geoproc_provider, provinces, tmp_path, panel, knn4):
    from qgis.core import QgsProcessingException

    regions, _ = provinces
    _, df = panel
    df = df.copy()
    df.loc[(df.code == 110000) & (df.year == 2021), "cultural_revenue"] = -1.0
    csv = tmp_path / "neg.csv"
    df.to_csv(csv, index=False)
    with pytest.raises(QgsProcessingException, match="non-negative.*110000"):
        qgis_processing.run("geoproc:hot_spots", local_params(regions, table_layer(csv), knn4[0], VARIABLE="cultural_revenue"))


def test_cancel_is_honoured(qgis_processing, geoproc_provider, provinces, panel, knn4):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    regions, _ = provinces
    layer, _ = panel
    feedback = QgsProcessingFeedback()
    feedback.cancel()
    with pytest.raises(QgsProcessingException):
        qgis_processing.run("geoproc:lisa_clusters", local_params(regions, layer, knn4[0]), feedback=feedback)
