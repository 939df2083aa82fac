"""The SDM tool reaches the static family beyond the SDM and random effects inside real
QGIS: SAC (its lambda) and random region effects, the library's numbers in the report."""

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PANEL_CSV = ROOT / "data" / "demo" / "provinces_panel_synthetic.csv"


@pytest.mark.slow
@pytest.mark.parametrize("extra,kw", [({"MODEL": 4}, {"model": "sac"}),
                                      ({"RANDOM_EFFECTS": True}, {"random_effects": True})])
def test_sac_and_random_effects_reach_the_tool(qgis_processing, geoproc_provider, tmp_path, extra, kw):
    import warnings

    from qgis.core import QgsVectorLayer

    import geoproc

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
         "LEE_YU": False, "DRAWS": 0, "SEED": 1, "REPORT_YEAR": 2021,
         "HTML": str(tmp_path / "m.html"), "OUTPUT": "TEMPORARY_OUTPUT", **extra}
    res = qgis_processing.run("geoproc:sdm", p)
    html = Path(res["HTML"]).read_text(encoding="utf-8")
    lib = geoproc.sdm(pd.read_csv(PANEL_CSV), geoproc.build_weights(str(wfile)), "cul",
                      ["dig", "urbanisation"], row_standardize=True, draws=0, seed=1, **kw)
    assert f"{lib.params['rho']:.4f}" in html
    if "model" in kw:
        assert "Panel SAC" in html and f"{lib.params['lambda']:.4f}" in html
    else:
        assert "random region effects" in html
