"""Pipeline TOML validation: every problem at once, each with its line."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from geoproc.errors import GeoprocInputError
from geoproc.pipeline import demo_pipeline_path, load_pipeline, parse_pipeline
from geoproc.pipeline.config import key_lines

BAD = textwrap.dedent("""\
    [pipeline]
    title = "bad"

    [steps.yrd]
    kind = "boundaries"
    source = "yrd_cities"

    [steps.panel]
    kind = "panel"
    path = "no/such/file.csv"

    [steps.w]
    kind = "weights"
    spec = "gravity:gdp"
    regions = "yrd"
    colour = "red"

    [steps.m]
    kind = "moran"
    panel = "yrd"
    weights = ["w", "nowhere"]
    variables = ["lq"]
    permutations = -5

    [steps.k]
    kind = "kde"
    points = "yrd"
    kernel = "box"

    [steps.x]
    kind = "histogram"

    [steps.l]
    kind = "lisa"
    regions = "yrd"
    panel = "panel"
    weights = "w"
    year = "2018"
    """)


def _errors(text: str) -> list[tuple[int, str]]:
    with pytest.raises(GeoprocInputError) as exc:
        parse_pipeline(text, "study.toml")
    lines = str(exc.value).splitlines()
    out = []
    for ln in lines[1:]:
        m = re.match(r"\s+study\.toml:(\d+): (.*)", ln)
        assert m, ln
        out.append((int(m.group(1)), m.group(2)))
    return out


def test_every_problem_reported_at_once_with_its_line():
    errs = _errors(BAD)
    # (line, fragment), lines counted in BAD above (line 1 is "[pipeline]")
    expected = [
        (10, "path: file"),                       # panel: missing file
        (14, "needs data"),                       # gravity without a panel
        (16, "unknown option 'colour'"),
        (20, "is a boundaries step; expected panel"),
        (21, "'nowhere' is not a step"),
        (23, "permutations must be >= 0"),
        (27, "is a boundaries step; expected points"),
        (28, "kernel = 'box' is not one of"),
        (31, "kind 'histogram' unknown"),
        (33, "required option 'variable' is missing"),  # reported at the step's header
        (38, "year must be an integer"),
    ]
    for line, frag in expected:
        assert any(ln == line and frag in msg for ln, msg in errs), (line, frag, errs)
    assert len(errs) == len(expected), errs
    # sorted by line, one message each
    assert [ln for ln, _ in errs] == sorted(ln for ln, _ in errs)


def test_toml_syntax_error_names_its_line():
    with pytest.raises(GeoprocInputError, match=r"line 3"):
        parse_pipeline('[steps.a]\nkind = "boundaries"\nsource = \n', "x.toml")


def test_cycle_is_reported():
    text = textwrap.dedent("""\
        [steps.a]
        kind = "agglomeration"
        panel = "b"
        value = "v"

        [steps.b]
        kind = "agglomeration"
        panel = "a"
        value = "v"
        """)
    errs = _errors(text.replace("x.toml", "study.toml"))
    assert any("cycle" in msg and "a -> b -> a" in msg for _, msg in errs), errs


def test_steps_are_ordered_after_what_they_use():
    text = textwrap.dedent("""\
        [steps.w]
        kind = "weights"
        spec = "queen"
        regions = "yrd"

        [steps.yrd]
        kind = "boundaries"
        source = "yrd_cities"
        """)
    p = parse_pipeline(text, "study.toml")
    assert p.order == ["yrd", "w"]
    assert p.steps["w"].deps == ["yrd"]
    assert p.steps["w"].options["row_standardize"] is False  # default filled in


def test_unknown_tables_and_outputs():
    text = '[steps.yrd]\nkind = "boundaries"\nsource = "yrd_cities"\n[extra]\na = 1\n[outputs]\nproject = "/abs.qgz"\n'
    errs = _errors(text)
    assert (4, "unknown table [extra] (expected [pipeline], [steps.<name>] and [outputs])") in errs
    assert any(ln == 7 and "inside the output folder" in msg for ln, msg in errs)


def test_duplicate_layer_names():
    text = textwrap.dedent("""\
        [steps.a]
        kind = "boundaries"
        source = "yrd_cities"
        layer = "regions"

        [steps.b]
        kind = "boundaries"
        source = "china_provinces"
        layer = "regions"
        """)
    errs = _errors(text)
    assert errs == [(9, "step b: layer 'regions' is already written by step a")]


def test_key_lines_multiline_arrays_and_quoted_keys():
    text = textwrap.dedent("""\
        # comment [not.a.table]
        [steps.p]
        kind = "pca"
        indicators = ["a",
                      "b = c",
                      "d"]
        "name" = "x"

        [steps."q"]
        kind = "entropy"
        """)
    lines = key_lines(text)
    assert lines[("steps", "p")] == 2
    assert lines[("steps", "p", "indicators")] == 4
    assert lines[("steps", "p", "name")] == 7
    assert ("steps", "p", "b") not in lines  # inside the array, not a key
    assert lines[("steps", "q", "kind")] == 10


def test_shipped_demo_is_valid():
    p = load_pipeline(demo_pipeline_path())
    kinds = {st.kind for st in p.steps.values()}
    # issue 9: boundaries -> centroids -> distances -> gravity weights, Moran, LISA, densities,
    # KDE, indicators, SDM and HTML maps
    assert {"boundaries", "centroids", "distances", "weights", "moran", "lisa", "density", "kde",
            "location_quotient", "agglomeration", "pca", "entropy", "sdm", "map"} <= kinds
    assert any(st.options.get("spec", "").startswith("gravity:") for st in p.steps.values()
               if st.kind == "weights")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_pipeline(tmp_path / "none.toml")


def test_docs_example_is_valid(tmp_path):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "pipeline.md").read_text(encoding="utf-8")
    example = doc.split("### Example", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    import pandas as pd

    pd.DataFrame({"code": [310000, 320100], "year": [2018, 2018], "cultural_value_added": [1.0, 2.0],
                  "gdp": [10.0, 20.0]}).to_excel(tmp_path / "yearbook_yrd.xlsx", index=False)
    (tmp_path / "parks.csv").write_text("lon,lat\n", encoding="utf-8")
    p = parse_pipeline(example, tmp_path / "study.toml")
    assert p.order == ["yrd", "panel", "queen", "lq", "moran", "lisa", "parks", "kde", "lisa_map"]
    assert p.steps["panel"].options["path"] == str(tmp_path / "yearbook_yrd.xlsx")


def test_columns_and_years_are_checked_before_running():
    text = textwrap.dedent("""\
        [steps.prov]
        kind = "boundaries"
        source = "china_provinces"

        [steps.panel]
        kind = "panel"
        path = "{data}/demo/provinces_panel_synthetic.csv"

        [steps.dig2]
        kind = "pca"
        panel = "panel"
        indicators = ["internet_penetration", "mobile_penetraton"]
        name = "dig2"

        [steps.w]
        kind = "weights"
        spec = "gravity:rd_stuff"
        regions = "prov"
        data = "panel"

        [steps.lisa]
        kind = "lisa"
        regions = "prov"
        panel = "dig2"
        weights = "w"
        variable = "dig2"
        year = 2030

        [steps.model]
        kind = "sdm"
        panel = "dig2"
        weights = "w"
        y = "cul"
        x = ["dig2", "urbanization"]
        """)
    errs = _errors(text)
    assert errs == [
        (12, "step dig2: indicators: column 'mobile_penetraton' is not in panel panel; "
             "did you mean 'mobile_penetration'?"),
        (17, "step w: spec: column 'rd_stuff' is not in panel panel; did you mean 'rd_staff'?"),
        (27, "step lisa: year 2030 is not in panel dig2 (years 2013-2021)"),
        (34, "step model: x: column 'urbanization' is not in panel dig2; did you mean 'urbanisation'?"),
    ]


def test_column_problems_are_reported_with_the_other_problems():
    # one run of validation lists everything: the unknown option of step "bad" and the
    # misspelt columns of steps whose own options are fine; the step with a missing
    # reference ("orphan") is not checked for columns (its panel is unknown)
    text = textwrap.dedent("""\
        [steps.prov]
        kind = "boundaries"
        source = "china_provinces"

        [steps.panel]
        kind = "panel"
        path = "{data}/demo/provinces_panel_synthetic.csv"

        [steps.bad]
        kind = "moran"
        panel = "panel"
        weights = "w"
        variables = ["cul"]
        colour = "red"

        [steps.w]
        kind = "weights"
        spec = "gravity:rd_stuff"
        regions = "prov"
        data = "panel"
        year = [2013, 2040]

        [steps.orphan]
        kind = "agglomeration"
        panel = "nowhere"
        value = "no_such_column"
        """)
    errs = _errors(text)
    assert errs == [
        (14, "step bad (moran): unknown option 'colour'; options: panel, weights, variables, "
             "permutations, seed, inference, islands"),
        (18, "step w: spec: column 'rd_stuff' is not in panel panel; did you mean 'rd_staff'?"),
        (21, "step w: year 2040 is not in panel panel (years 2013-2021)"),
        (25, "step orphan: panel = 'nowhere' is not a step of this pipeline"),
    ]


def test_weights_and_kde_options():
    text = textwrap.dedent("""\
        [steps.prov]
        kind = "boundaries"
        source = "china_provinces"

        [steps.w]
        kind = "weights"
        spec = "knn:4"
        regions = "prov"
        centroid = "middle"
        method = "haversine"
        year = 2015

        [steps.pts]
        kind = "points"
        path = "{data}/demo/yrd_parks_synthetic.csv"

        [steps.k1]
        kind = "kde"
        points = "pts"
        crs = "EPSG:4326"

        [steps.k2]
        kind = "kde"
        points = "pts"
        crs = "EPSG:99999999"
        weight = "employees"
        """)
    errs = _errors(text)
    assert [ln for ln, _ in errs] == [9, 11, 20, 25]
    assert "centroid = 'middle' is not one of area, representative" in errs[0][1]
    assert "year picks the years of data" in errs[1][1]
    assert "crs 'EPSG:4326' is not projected" in errs[2][1]
    assert "crs 'EPSG:99999999' is not a CRS pyproj knows" in errs[3][1]
    ok = parse_pipeline(text.replace('centroid = "middle"', 'centroid = "representative"')
                        .replace("year = 2015\n", "").replace('"EPSG:4326"', '"EPSG:32651"')
                        .replace('"EPSG:99999999"', "3857"), "ok.toml")
    assert ok.steps["w"].options["centroid"] == "representative"
    assert ok.steps["w"].options["method"] == "haversine"
    assert ok.steps["k2"].options["crs"] == 3857 and ok.steps["k2"].options["weight"] == "employees"


def test_panel_without_its_id_column_is_worded_as_the_library(tmp_path):
    # the check before running uses geoproc.panel.checks' message, naming the columns there are
    (tmp_path / "p.csv").write_text("region,year,v\nA,2020,1\n", encoding="utf-8")
    text = textwrap.dedent("""\
        [steps.panel]
        kind = "panel"
        path = "p.csv"

        [steps.m]
        kind = "agglomeration"
        panel = "panel"
        value = "v"
        """)
    with pytest.raises(GeoprocInputError) as exc:
        parse_pipeline(text, tmp_path / "study.toml")
    assert ("step panel: the panel has no column 'code'; its columns are region, year, v "
            "(set id/year to its column names)") in str(exc.value)
