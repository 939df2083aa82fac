"""The SDM tool's dynamic choice inside real QGIS: the report is geoproc's dynamic panel, the
region layer carries each region's short- and long-run effects."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PANEL_CSV = ROOT / "data" / "demo" / "provinces_panel_synthetic.csv"


@pytest.mark.slow
def test_dynamic_sdm_report_and_region_layer(qgis_processing, geoproc_provider, tmp_path):
    from qgis.core import QgsVectorLayer

    import geoproc
    from geoproc.durbin.dynamic_model import sdm_dynamic

    path = tmp_path / "china_provinces.gpkg"
    gdf = geoproc.load_boundaries("china_provinces")
    gdf.to_file(path, engine="pyogrio")
    regions = QgsVectorLayer(str(path), "china_provinces", "ogr")
    panel = QgsVectorLayer(f"file://{PANEL_CSV}?delimiter=,&detectTypes=yes&geomType=none", "panel",
                           "delimitedtext")
    assert regions.isValid() and panel.isValid()
    # 4 nearest neighbours: every province (Hainan too) has neighbours, so the row-standardised
    # W has unit row sums, which Lee and Yu's time transformation needs (queen leaves Hainan alone)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # centroids outside Hainan and Gansu: fine for k-NN
        w = geoproc.build_weights("knn:4", gdf, row_standardize=True)
    wfile = tmp_path / "knn4.csv"
    geoproc.write_weights(w, wfile)
    p = {"PANEL": panel, "PANEL_ID": "code", "YEAR_FIELD": "year", "REGIONS": regions,
         "REGIONS_ID": "code", "WEIGHTS": "queen", "WEIGHTS_FILE": str(wfile), "ROW_STANDARDIZE": True, "Y": "cul", "X": ["dig"],
         "CONTROLS": ["urbanisation"], "EFFECTS": 0, "MODEL": 0, "DYNAMIC": 3, "LEE_YU": False,
         "DRAWS": 100, "SEED": 1, "REPORT_YEAR": 2021, "HTML": str(tmp_path / "dyn.html"),
         "OUTPUT": "TEMPORARY_OUTPUT"}
    res = qgis_processing.run("geoproc:sdm", p)
    df = pd.read_csv(PANEL_CSV)
    lib = sdm_dynamic(df, geoproc.build_weights(str(wfile)), y="cul", x=["dig", "urbanisation"],
                      row_standardize=True, draws=100, seed=1)
    html = Path(res["HTML"]).read_text(encoding="utf-8")
    assert "Short-run effects" in html and "Long-run effects" in html
    assert f"{lib.tau:.4f}" in html
    layer = res["OUTPUT"]
    got = pd.DataFrame([f.attributes() for f in layer.getFeatures()],
                       columns=layer.fields().names()).set_index("code")
    want = lib.region_effects()
    got.index = got.index.astype(str)
    want.index = want.index.astype(str)
    for col in ("dig_short_direct", "dig_long_total", "urbanisation_long_indirect"):
        np.testing.assert_allclose(got.loc[want.index, col].to_numpy(float), want[col], rtol=1e-6)


@pytest.mark.slow
def test_selection_sequence_on_top_of_the_report(qgis_processing, geoproc_provider, tmp_path):
    import warnings

    from qgis.core import QgsVectorLayer

    import geoproc
    from geoproc.durbin.selection import select_model

    path = tmp_path / "china_provinces.gpkg"
    gdf = geoproc.load_boundaries("china_provinces")
    gdf.to_file(path, engine="pyogrio")
    regions = QgsVectorLayer(str(path), "china_provinces", "ogr")
    panel = QgsVectorLayer(f"file://{PANEL_CSV}?delimiter=,&detectTypes=yes&geomType=none", "panel",
                           "delimitedtext")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = geoproc.build_weights("knn:4", gdf, row_standardize=True)
    wfile = tmp_path / "knn4.csv"
    geoproc.write_weights(w, wfile)
    p = {"PANEL": panel, "PANEL_ID": "code", "YEAR_FIELD": "year", "REGIONS": regions,
         "REGIONS_ID": "code", "WEIGHTS": "queen", "WEIGHTS_FILE": str(wfile), "ROW_STANDARDIZE": True,
         "Y": "cul", "X": ["dig"], "CONTROLS": ["urbanisation"], "EFFECTS": 0, "MODEL": 0, "DYNAMIC": 0,
         "SELECT": True, "LEE_YU": False, "DRAWS": 0, "SEED": 1, "REPORT_YEAR": 2021,
         "HTML": str(tmp_path / "sel.html"), "OUTPUT": "TEMPORARY_OUTPUT"}
    res = qgis_processing.run("geoproc:sdm", p)
    html = Path(res["HTML"]).read_text(encoding="utf-8")
    sel = select_model(pd.read_csv(PANEL_CSV), geoproc.build_weights(str(wfile)), "cul",
                       ["dig", "urbanisation"], row_standardize=True)
    assert "Model selection (Elhorst" in html
    assert f"-&gt; {sel.chosen.upper()}" in html
