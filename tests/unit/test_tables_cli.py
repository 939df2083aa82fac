"""``geoproc tables``: the paper's tables from the command line, numbers checked in the file."""

from __future__ import annotations

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
