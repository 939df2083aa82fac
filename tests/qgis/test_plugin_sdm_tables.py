"""The SDM tool writes the coefficient, effects and tests tables as a Word three-line table
document: the numbers in it are those of geoproc.sdm on the same data."""

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PANEL_CSV = ROOT / "data" / "demo" / "provinces_panel_synthetic.csv"


@pytest.mark.slow
def test_sdm_tool_writes_docx_tables(qgis_processing, geoproc_provider, qgis_app, tmp_path):
    docx = pytest.importorskip("docx")
    from qgis.core import QgsVectorLayer

    import geoproc

    path = tmp_path / "china_provinces.gpkg"
    geoproc.load_boundaries("china_provinces").to_file(path, engine="pyogrio")
    regions = QgsVectorLayer(str(path), "china_provinces", "ogr")
    panel = QgsVectorLayer(f"file://{PANEL_CSV}?delimiter=,&detectTypes=yes&geomType=none", "panel",
                           "delimitedtext")
    out = tmp_path / "sdm_tables.docx"
    res = qgis_processing.run("geoproc:sdm", {
        "PANEL": panel, "PANEL_ID": "code", "YEAR_FIELD": "year", "REGIONS": regions, "REGIONS_ID": "code",
        "WEIGHTS": "knn:4", "ROW_STANDARDIZE": True, "Y": "cul", "X": ["dig"],
        "CONTROLS": ["cultural_demand"], "EFFECTS": 0, "MODEL": 0, "LEE_YU": False, "DRAWS": 50,
        "SEED": 1, "REPORT_YEAR": 2021, "HTML": str(tmp_path / "sdm.html"), "TABLES": str(out),
        "TABLES_LANG": 1, "OUTPUT": "TEMPORARY_OUTPUT"})
    assert Path(res["TABLES"]) == out
    d = docx.Document(str(out))
    assert len(d.tables) == 3
    grid = [[c.text for c in r.cells] for r in d.tables[0].rows]
    df = pd.read_csv(PANEL_CSV)
    fit = geoproc.sdm(df, "knn:4", "cul", ["dig", "cultural_demand"], draws=0, tests=False,
                      row_standardize=True)
    i = [r[0] for r in grid].index("dig")
    p = fit.p["dig"]
    stars = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    assert grid[i][1] == f"{fit.params['dig']:.3f}{stars}"
    assert grid[i + 1][1] == f"({fit.se['dig']:.3f})"
    assert "注：***、**、*分别代表在1%、5%、10%水平上显著，括号内为标准误。" in [p.text for p in d.paragraphs]
