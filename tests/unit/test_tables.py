"""Publication tables of SDM fits: every number in the written DOCX/XLSX/CSV/LaTeX checked
against the fit it came from (its public attributes, not the dict the table was built from),
stars against p-values, and the three rules of the DOCX table read from its XML."""

from __future__ import annotations

import csv
import io
import json

import pytest
from numpy.testing import assert_allclose
from sdm_panels import simulate
from table_checks import W_NS, assert_three_line, check, shown, star

import geoproc
from geoproc.errors import GeoprocInputError

docx = pytest.importorskip("docx")
openpyxl = pytest.importorskip("openpyxl")

@pytest.fixture(scope="module")
def fits():
    df, w, _ = simulate(n=30, t=5, seed=3)
    sdm = geoproc.sdm(df, w, y="y", x=["x1", "x2"], seed=1, draws=300)
    sar = geoproc.sdm(df, w, y="y", x=["x1", "x2"], model="sar", seed=1, draws=300)
    sem = geoproc.sdm(df, w, y="y", x=["x1", "x2"], model="sem", effects="region", seed=1, draws=300)
    return sdm, sar, sem


def _docx_grid(path):
    """Rows of the first table as lists of cell texts (merged cells repeat), and the document."""
    d = docx.Document(str(path))
    t = d.tables[0]
    return [[c.text for c in r.cells] for r in t.rows], d


def _body_rows(grid, nheader):
    """label -> list of rows (a label may repeat, e.g. '' for every parenthesis row), in order."""
    return grid[nheader:]


def _find(rows, label):
    for i, r in enumerate(rows):
        if r[0] == label:
            return i
    raise AssertionError(f"no row {label!r} in {[r[0] for r in rows]}")


# --- regression table -----------------------------------------------------------------------
@pytest.mark.parametrize("stat", ["se", "t", "p"])
def test_regression_docx_numbers_and_stars(fits, tmp_path, stat):
    out = tmp_path / f"reg_{stat}.docx"
    t = geoproc.regression_table(list(fits), names=["SDM", "SAR", "SEM"], stat=stat)
    t.write(out)
    grid, _ = _docx_grid(out)
    assert grid[0][1:] == ["(1)", "(2)", "(3)"] and grid[1][1:] == ["SDM", "SAR", "SEM"]
    rows = _body_rows(grid, 2)
    for j, f in enumerate(fits, start=1):
        for name in f.params.index:
            label = {"rho": "ρ", "lambda": "λ", "sigma2": "σ²"}.get(name, name.replace("W*", "W×"))
            i = _find(rows, label)
            est, se, p = f.params[name], f.se[name], f.p[name]
            d = check(rows[i][j], est, p)
            below = {"se": se, "t": est / se, "p": p}[stat]
            assert rows[i + 1][0] == ""
            assert check(rows[i + 1][j], below, paren=True) == (3 if stat == "t" else d)
        # regressors a fit does not have are empty cells
        if f.model != "sdm":
            assert rows[_find(rows, "W×x1")][j] == ""
        assert rows[_find(rows, "N")][j] == str(f.n * f.t)
        assert rows[_find(rows, "R²")][j] == shown(f.r2)
        assert rows[_find(rows, "Within R²")][j] == shown(f.r2_within)
        assert rows[_find(rows, "Log-likelihood")][j] == shown(f.loglik)
        assert rows[_find(rows, "AIC")][j] == shown(f.aic)
        assert rows[_find(rows, "Region FE")][j] == "Yes"
        assert rows[_find(rows, "Year FE")][j] == ("Yes" if f.fixed_effects == "twoway" else "No")
    # the stars are not all alike on this panel: the check above saw both cases
    texts = [c for r in rows for c in r[1:]]
    assert any(c.endswith("***") for c in texts) and any(c and c[-1].isdigit() and "(" not in c for c in texts)


def test_docx_is_a_three_line_table(fits, tmp_path):
    out = tmp_path / "three.docx"
    geoproc.regression_table(list(fits), names=["a", "b", "c"], groups=[("W1", 2), ("W2", 1)]).write(out)
    d = docx.Document(str(out))
    tbl = d.tables[0]._tbl
    assert_three_line(tbl, 3)  # groups, (1)..(3), names
    # the group header spans two columns
    first = tbl.tr_lst[0].tc_lst
    spans = [tc.tcPr.find(f"{W_NS}gridSpan") for tc in first]
    assert [None if s is None else int(s.get(f"{W_NS}val")) for s in spans] == [None, 2, None]


def test_docx_fonts_render_chinese(fits, tmp_path):
    out = tmp_path / "zh.docx"
    t = geoproc.regression_table(list(fits[:2]), lang="zh", labels={"x1": "数字技术"})
    t.write(out)
    d = docx.Document(str(out))
    normal = d.styles["Normal"].element.rPr
    assert normal.rFonts.get(f"{W_NS}eastAsia") == "SimSun"
    assert normal.find(f"{W_NS}lang").get(f"{W_NS}eastAsia") == "zh-CN"
    runs = [r for p in d.paragraphs for r in p.runs] + [
        r for row in d.tables[0].rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs and all(r._element.rPr.rFonts.get(f"{W_NS}eastAsia") == "SimSun" for r in runs)
    notes = [p.text for p in d.paragraphs]
    assert "注：***、**、*分别代表在1%、5%、10%水平上显著，括号内为标准误。" in notes
    grid, _ = _docx_grid(out)
    labels = [r[0] for r in grid]
    for want in ("数字技术", "W×数字技术", "地区固定效应", "时间固定效应", "对数似然值", "组内R²"):
        assert want in labels
    assert grid[_find(grid, "地区固定效应")][1] == "是"


def test_controls_row_hides_their_coefficients(fits):
    t = geoproc.regression_table(list(fits), controls=["x2"])
    labels = [r.label for r in t.rows]
    assert "x2" not in labels and "W×x2" not in labels and "x1" in labels
    row = t.rows[labels.index("Controls")]
    assert [c.text for c in row.cells] == ["Yes", "Yes", "Yes"]


def test_xlsx_numbers_are_numbers_with_formats(fits, tmp_path):
    out = tmp_path / "reg.xlsx"
    t = geoproc.regression_table(list(fits), names=["SDM", "SAR", "SEM"])
    t.write(out)
    ws = openpyxl.load_workbook(out).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    labels = [r[0] for r in values]
    for j, f in enumerate(fits, start=2):
        for name in f.params.index:  # every coefficient of every fit
            label = {"rho": "ρ", "lambda": "λ", "sigma2": "σ²"}.get(name, name.replace("W*", "W×"))
            i = labels.index(label) + 1  # openpyxl rows are 1-based
            cell = ws.cell(i, j)
            assert isinstance(cell.value, float)
            assert_allclose(cell.value, f.params[name], rtol=1e-15)
            body = cell.number_format.split('"')[0]  # 0.000, or 0.0000 for a row of small values
            assert body.startswith("0.000")
            assert cell.number_format == body + (f'"{star(f.p[name])}"' if star(f.p[name]) else "")
            below = ws.cell(i + 1, j)
            assert_allclose(below.value, f.se[name], rtol=1e-15)
            assert below.number_format == f'"("{body}")";"(-"{body}")"'
        n_row = labels.index("N") + 1
        assert ws.cell(n_row, j).value == f.n * f.t and ws.cell(n_row, j).number_format == "0"
    # three rules: medium above the header and under the last row, thin under the header
    last = max(i for i, lab in enumerate(labels, start=1) if lab == "AIC")
    assert ws.cell(2, 2).border.top.style == "medium"
    assert ws.cell(3, 3).border.bottom.style == "thin"  # two header rows from row 2
    assert ws.cell(last, 2).border.bottom.style == "medium"
    assert ws.cell(5, 2).border.left.style is None and ws.cell(5, 2).border.right.style is None


def test_csv_full_precision_and_latex_booktabs(fits, tmp_path):
    t = geoproc.regression_table(list(fits[:2]))
    out = tmp_path / "reg.csv"
    t.write(out)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    body = {r[0]: r for r in rows if r and r[0] in ("x1", "ρ")}
    for j, f in enumerate(fits[:2]):
        assert float(body["x1"][1 + 2 * j]) == f.params["x1"]  # exactly: repr round-trips
        assert body["x1"][2 + 2 * j] == star(f.p["x1"])
        assert float(body["ρ"][1 + 2 * j]) == f.rho
    tex = t.to_latex()
    assert "\\toprule" in tex and "\\midrule" in tex and "\\bottomrule" in tex
    assert "\\begin{tabular}{lcc}" in tex and "|" not in tex
    line = next(x for x in tex.splitlines() if x.startswith("x1 &"))
    assert line == (f"x1 & {shown(fits[0].params['x1'])}$^{{{star(fits[0].p['x1'])}}}$ & "
                    f"{shown(fits[1].params['x1'])}$^{{{star(fits[1].p['x1'])}}}$ \\\\")
    assert "$\\rho$" in tex and "$\\sigma^2$" in tex


def test_markdown_html_and_dict_input(fits, tmp_path):
    by_obj = geoproc.regression_table(list(fits))
    # the JSON a run wrote gives the same table
    dicts = [json.loads(f.to_json()) for f in fits]
    by_json = geoproc.regression_table(dicts)
    assert by_json.to_markdown() == by_obj.to_markdown()
    md = by_obj.to_markdown()
    assert f"| x1 | {shown(fits[0].params['x1'])}{star(fits[0].p['x1'])} |" in md
    page = tmp_path / "t.html"
    by_obj.write(page)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert f"<td>({shown(fits[0].se['x1'])})</td>" in text


def test_dynamic_model_rows_tau_psi(fits):
    d = fits[0].to_dict()
    d["tau"], d["psi"] = 0.52, -0.11
    d["se"] = {**d["se"], "tau": 0.05, "psi": 0.2}
    t = geoproc.regression_table([d, fits[1]])
    labels = [r.label for r in t.rows]
    assert labels.index("ρ") < labels.index("τ") < labels.index("ψ") < labels.index("σ²")
    tau = t.rows[labels.index("τ")]
    assert [c.text for c in tau.cells] == ["0.520***", ""]
    assert [c.text for c in t.rows[labels.index("ψ") + 1].cells] == ["(0.200)", ""]
    assert t.rows[labels.index("ψ")].cells[0].text == "-0.110"  # p = 0.58


# --- effects and tests tables ----------------------------------------------------------------
def test_effects_docx_against_fit(fits, tmp_path):
    out = tmp_path / "eff.docx"
    geoproc.effects_table(list(fits[:2]), names=["W1", "W2"], lang="zh").write(out)
    grid, doc = _docx_grid(out)
    rows = _body_rows(grid, 2)
    labels = [r[0] for r in rows]
    for part, zh in (("direct", "直接效应"), ("indirect", "间接效应"), ("total", "总效应")):
        start = labels.index(zh)
        for j, f in enumerate(fits[:2], start=1):
            for name in ("x1", "x2"):
                i = labels.index(name, start)
                e = f.effects.loc[name]
                d = check(rows[i][j], e[part], e[f"{part}_p"])
                assert check(rows[i + 1][j], e[f"{part}_se"], paren=True) == d
    assert any("300次参数模拟" in p.text for p in doc.paragraphs)


def test_tests_table_against_fit(fits, tmp_path):
    out = tmp_path / "tests.xlsx"
    t = geoproc.tests_table(list(fits[:2]), lm=True)
    t.write(out)
    ws = openpyxl.load_workbook(out).active
    labels = [r[0].value for r in ws.iter_rows()]
    for key, label in (("lr_sar", "LR test (SDM vs SAR)"), ("wald_sar", "Wald test (SDM vs SAR)"),
                       ("lr_sem", "LR test (SDM vs SEM)"), ("wald_sem", "Wald test (SDM vs SEM)"),
                       ("hausman", "Hausman test")):
        i = labels.index(label) + 1
        for j, f in enumerate(fits[:2], start=2):
            ts = f.tests[key]
            assert_allclose(ws.cell(i, j).value, ts.stat, rtol=1e-15)
            assert ws.cell(i, j).number_format.endswith(f'"{star(ts.p)}"' if star(ts.p) else "0.000")
            assert_allclose(ws.cell(i + 1, j).value, ts.p, rtol=1e-15)
    i = labels.index("LM lag") + 1
    assert_allclose(ws.cell(i, 2).value, fits[0].lm_tests["lm_lag"].stat, rtol=1e-15)


def test_several_tables_one_file(fits, tmp_path):
    tables = [geoproc.regression_table(list(fits)), geoproc.effects_table(list(fits)),
              geoproc.tests_table(list(fits))]
    geoproc.write_tables(tables, tmp_path / "all.docx")
    assert len(docx.Document(str(tmp_path / "all.docx")).tables) == 3
    geoproc.write_tables(tables, tmp_path / "all.xlsx")
    assert len(openpyxl.load_workbook(tmp_path / "all.xlsx").sheetnames) == 3


# --- writing rules and bad input ---------------------------------------------------------------
def test_write_refuses_overwrite_and_unknown_suffix(fits, tmp_path):
    t = geoproc.regression_table([fits[0]])
    out = tmp_path / "t.docx"
    t.write(out)
    before = out.read_bytes()
    with pytest.raises(FileExistsError):
        t.write(out)
    assert out.read_bytes() == before
    t.write(out, overwrite=True)
    with pytest.raises(GeoprocInputError, match=r"\.docx"):
        t.write(tmp_path / "t.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.docx"]  # no temporary files left


def test_bad_arguments(fits):
    with pytest.raises(GeoprocInputError, match="stat"):
        geoproc.regression_table([fits[0]], stat="z")
    with pytest.raises(GeoprocInputError, match="lang"):
        geoproc.regression_table([fits[0]], lang="fr")
    with pytest.raises(GeoprocInputError, match="names"):
        geoproc.regression_table(list(fits), names=["a"])
    with pytest.raises(GeoprocInputError, match="groups"):
        geoproc.regression_table(list(fits), groups=[("a", 2)])
    with pytest.raises(GeoprocInputError, match="fit"):
        geoproc.regression_table([42])


# --- labels -----------------------------------------------------------------------------------
def test_labels_from_pairs_and_files(tmp_path):
    from geoproc.tables import read_labels

    want = {"dig": "数字技术", "cul": "文化产业"}
    assert read_labels(["dig=数字技术", "cul = 文化产业"]) == want
    assert read_labels("dig=数字技术,cul=文化产业") == want
    (tmp_path / "l.txt").write_text("# labels\ndig=数字技术\ncul=文化产业\n", encoding="utf-8")
    (tmp_path / "l.csv").write_text("name,label\ndig,数字技术\ncul,文化产业\n", encoding="utf-8-sig")
    (tmp_path / "l.json").write_text(json.dumps(want, ensure_ascii=False), encoding="utf-8")
    for f in ("l.txt", "l.csv", "l.json"):
        assert read_labels(tmp_path / f) == want
    with pytest.raises(GeoprocInputError, match="name=label"):
        read_labels(["dig"])
    with pytest.raises(GeoprocInputError, match="does not exist"):
        read_labels(str(tmp_path / "missing.txt"))


def test_small_rows_get_significant_digits():
    from geoproc.tables.regression import row_decimals

    assert row_decimals([0.0016, 0.0021], 3) == 4  # σ² of shares: 0.0016, not 0.002
    assert row_decimals([0.00016, None], 3) == 5
    assert row_decimals([0.05, 0.0016], 3) == 3  # the row's largest decides: one format a row
    assert row_decimals([0.0, None], 3) == 3
    assert row_decimals([1e-12], 3) == 6
    d = {"model": "sdm", "fixed_effects": "twoway", "beta": {"x": 0.0046}, "theta": {},
         "se": {"beta": {"x": 0.0012}, "sigma2": 0.00014}, "sigma2": 0.0016, "n": 31, "t": 9}
    t = geoproc.regression_table([d])
    assert [r.cells[0].text for r in t.rows[:4]] == ["0.0046***", "(0.0012)", "0.0016***", "(0.0001)"]


def test_dynamic_effects_short_and_long_run_blocks(fits):
    d = fits[0].to_dict()
    d["effects"] = {"x1": {"short_run": {"direct": 0.5, "direct_se": 0.1, "indirect": 0.2,
                                         "indirect_se": 0.2, "total": 0.7, "total_se": 0.25},
                           "long_run": {"direct": 0.9, "direct_se": 0.3, "indirect": 0.4,
                                        "indirect_se": 0.5, "total": 1.3, "total_se": 0.6}}}
    t = geoproc.effects_table([fits[1], d], lang="zh")
    sections = [r.label for r in t.rows if r.kind == "section"]
    assert sections == ["直接效应", "间接效应", "总效应", "短期直接效应", "短期间接效应", "短期总效应",
                        "长期直接效应", "长期间接效应", "长期总效应"]
    rows = t.rows
    i = next(k for k, r in enumerate(rows) if r.key == "long_run:total:x1")
    # 1.3 / 0.6 = 2.17: p = 0.030
    assert [c.text for c in rows[i].cells] == ["", "1.300**"]
    assert [c.text for c in rows[i + 1].cells] == ["", "(0.600)"]
    j = next(k for k, r in enumerate(rows) if r.key == "direct:x1")
    e = fits[1].effects.loc["x1"]
    assert rows[j].cells[0].text == shown(e["direct"]) + star(e["direct_p"]) and rows[j].cells[1].text == ""


@pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice (soffice) not installed")
def test_xlsx_as_libreoffice_calc_shows_it(fits, tmp_path):
    """The number formats print what the DOCX prints: LibreOffice Calc's 'as shown' CSV export
    of the XLSX equals the table's text, cell for cell ((-6.946) for a negative t, stars)."""
    import subprocess

    t = geoproc.regression_table(list(fits), stat="t")
    src = tmp_path / "t.xlsx"
    t.write(src)
    profile = tmp_path / "lo-profile"
    res = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                          "csv:Text - txt - csv (StarCalc):124,34,76,1,,0,false,true,true",
                          "--outdir", str(tmp_path / "csv"), str(src)], capture_output=True, timeout=180)
    out = tmp_path / "csv" / "t.csv"
    if not out.exists():
        pytest.skip(f"LibreOffice could not convert the XLSX (Calc missing?): {res.stderr[-200:]!r}")
    shown_rows = [line.split("|") for line in out.read_text(encoding="utf-8").splitlines()]
    body = shown_rows[len(t.header) + 1:len(t.header) + 1 + len(t.rows)]
    assert body == [[r.label] + [c.text for c in r.cells] for r in t.rows]


def test_docx_page_fits_the_table(fits, tmp_path):
    """A table too wide for portrait A4 gets a landscape page; header rows repeat on a new page."""
    from geoproc.tables.word import landscape

    narrow = geoproc.regression_table([fits[0]])
    wide = geoproc.regression_table(list(fits) * 2, stat="t")  # 6 columns of "-0.543***"
    assert not landscape(narrow) and landscape(wide)
    out = tmp_path / "two.docx"
    geoproc.write_tables([narrow, wide], out)
    d = docx.Document(str(out))
    sizes = [(s.page_width > s.page_height) for s in d.sections]
    assert sizes == [False, True]
    tr = d.tables[1]._tbl.tr_lst
    # one header row, (1) ... (6): repeated; the first body row is not
    assert [r.trPr is not None and r.trPr.find(f"{W_NS}tblHeader") is not None for r in tr[:3]] == [
        True, False, False]
