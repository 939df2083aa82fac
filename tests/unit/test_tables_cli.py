"""``geoproc tables``: the paper's tables from the command line, numbers checked in the file."""

from __future__ import annotations

import numpy as np
import pytest

import geoproc
from geoproc._paths import data_dir
from geoproc.cli import main

openpyxl = pytest.importorskip("openpyxl")
pytestmark = pytest.mark.filterwarnings("ignore:the area centroid lies outside")

PANEL = str(data_dir() / "demo" / "provinces_panel_synthetic.csv")


def test_tables_command_xlsx(tmp_path, capsys):
    out = tmp_path / "tables.xlsx"
    argv = ["tables", PANEL, "--y", "cul", "--x", "dig", "--controls", "cultural_demand,urbanisation",
            "--weights", "staff=gravity:rd_staff", "--weights", "knn4=knn:4",
            "--robustness", "id2=inverse-distance:2", "--labels", "dig=数字技术",
            "--lang", "zh", "--draws", "50", "-o", str(out)]
    assert main(argv) == 0
    assert "wrote" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    assert len(wb.sheetnames) == 5
    ws = wb.worksheets[1]  # the SDM table
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[2][1:3] == ["staff", "knn4"]
    panel = geoproc.read_panel(PANEL)
    fit = geoproc.sdm(panel, "knn:4", y="cul", x=["dig", "cultural_demand", "urbanisation"],
                      draws=0, tests=False, row_standardize=True)
    i = [r[0] for r in rows].index("数字技术")
    assert rows[i][2] == pytest.approx(fit.params["dig"], rel=1e-9)
    assert rows[i + 1][2] == pytest.approx(fit.se["dig"], rel=1e-9)
    # asked again without --overwrite: refused, file untouched
    before = out.read_bytes()
    assert main(argv) == 2
    assert out.read_bytes() == before


def test_tables_command_bad_input(tmp_path, capsys):
    base = ["tables", PANEL, "--y", "cul", "--x", "dig", "-o"]
    assert main(base + [str(tmp_path / "t.pdf"), "--weights", "knn:4"]) == 2
    assert ".docx" in capsys.readouterr().err
    assert main(base + [str(tmp_path / "t.md"), "--weights", "a=knn:4", "--weights", "a=knn:5"]) == 2
    assert "twice" in capsys.readouterr().err
    assert main(base + [str(tmp_path / "t.md"), "--weights", "knn:4", "--labels", "dig"]) == 2
    assert "name=label" in capsys.readouterr().err
    empty = ["tables", PANEL, "--y", "cul", "--x", " , ", "-o", str(tmp_path / "t.md"), "--weights", "knn:4"]
    assert main(empty) == 2
    assert "--x ' , ' names no column" in capsys.readouterr().err


def test_moran_command_paper_layout_docx(tmp_path):
    import esda

    docx = pytest.importorskip("docx")
    out = tmp_path / "moran.docx"
    assert main(["moran", PANEL, "--variables", "cul,dig", "--weights", "staff=gravity:rd_staff",
                 "--weights", "k4=knn:4", "--permutations", "0", "--columns", "I,EI,sd,z,p",
                 "--lang", "zh", "--labels", "dig=数字技术", "-o", str(out)]) == 0
    grid = [[c.text for c in r.cells] for r in docx.Document(str(out)).tables[0].rows]
    assert grid[0][11] == "数字技术" and grid[1][11] == "staff" and grid[2][11:16] == [
        "Moran's I", "E(I)", "sd", "z值", "p值"]
    panel = geoproc.read_panel(PANEL)
    w = geoproc.build_weights("gravity:rd_staff", "china_provinces", data=panel, data_id="code",
                              year_column="year", row_standardize=True)
    sub = panel[panel.year == 2015].set_index("code").loc[w.ids]
    m = esda.Moran(sub["dig"].to_numpy(), w.to_W(), permutations=0)
    row = next(r for r in grid if r[0] == "2015")
    p = m.p_norm
    stars = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    assert row[11:16] == [f"{m.I:.3f}{stars}", f"{m.EI:.3f}", f"{np.sqrt(m.VI_norm):.3f}",
                          f"{m.z_norm:.3f}", f"{m.p_norm:.3f}"]
    # MoranTable.write knows the formats too
    mt = geoproc.moran_table(panel, {"staff": w}, ["cul"], permutations=0)
    mt.write(tmp_path / "m.xlsx")
    assert openpyxl.load_workbook(tmp_path / "m.xlsx").active.cell(4, 2).value == pytest.approx(
        float(mt.frame.I.iloc[0]), rel=1e-12)
