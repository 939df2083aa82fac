"""Pipeline inputs: every file of a source enters its key; the validation's column cache;
options passed through to the library (weights, kde); one year's values from the library."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

import geoproc
from geoproc.pipeline import parse_pipeline, run_pipeline
from geoproc.pipeline.hashing import source_files
from geoproc.pipeline.runner import column_cache, step_keys

DATA = Path(geoproc.__file__).resolve().parents[1] / "data" / "demo"


def _write_shapefile(folder: Path, rename: dict[str, str] | None = None) -> Path:
    g = geoproc.load_boundaries("yrd_cities")[["code", "name_en", "geometry"]]
    if rename:
        g = g.assign(name_en=g["name_en"].replace(rename))
    folder.mkdir(exist_ok=True)
    path = folder / "yrd.shp"
    g.to_file(path)
    return path


def _boundaries_pipeline(source: Path, tmp: Path):
    text = textwrap.dedent(f"""\
        [steps.yrd]
        kind = "boundaries"
        source = "{source}"
        layer = "yrd"
        """)
    p = tmp / "p.toml"
    p.write_text(text, encoding="utf-8")
    return parse_pipeline(text, p)


def _run(pipeline, out: Path, **kw):
    return run_pipeline(pipeline, out, log=None, project=False, **kw)


@pytest.mark.parametrize("as_folder", [False, True], ids=["shp", "folder"])
def test_a_changed_dbf_reruns_the_boundaries(tmp_path, as_folder):
    shp = _write_shapefile(tmp_path / "shp")
    src = shp.parent if as_folder else shp
    res = _run(_boundaries_pipeline(src, tmp_path), tmp_path / "out")
    assert res.ran == ["yrd", "geopackage", "report"]
    assert _run(_boundaries_pipeline(src, tmp_path), tmp_path / "out").ran == []
    shp_bytes = shp.read_bytes()
    # same geometries, one attribute changed: only the .dbf differs
    _write_shapefile(tmp_path / "shp", rename={"Shanghai": "Shanghai City"})
    assert shp.read_bytes() == shp_bytes
    res = _run(_boundaries_pipeline(src, tmp_path), tmp_path / "out", overwrite=True)
    assert res.ran == ["yrd", "geopackage", "report"]
    import pyogrio

    names = pyogrio.read_dataframe(tmp_path / "out" / "results.gpkg", layer="yrd")["name_en"]
    assert "Shanghai City" in set(names)


def test_every_file_of_a_source(tmp_path):
    shp = _write_shapefile(tmp_path / "shp")
    (tmp_path / "shp" / "other.txt").write_text("x")
    (tmp_path / "shp" / "YRD.DBF").write_text("x")  # another stem (case differs): not a sidecar
    assert [f.name for f in source_files(shp)] == ["yrd.shp", "yrd.dbf", "yrd.shx", "yrd.prj", "yrd.cpg"]
    assert [f.name for f in source_files(shp.parent)] == sorted(
        ["yrd.shp", "yrd.dbf", "yrd.shx", "yrd.prj", "yrd.cpg", "other.txt", "YRD.DBF"])
    # a .prj change alone changes the key
    p = _boundaries_pipeline(shp, tmp_path)
    k1 = step_keys(p)["yrd"]
    prj = shp.with_suffix(".prj")
    prj.write_text(prj.read_text() + " ")
    assert step_keys(p)["yrd"] != k1


PANEL = """\
[steps.yrd]
kind = "boundaries"
source = "yrd_cities"

[steps.panel]
kind = "panel"
path = "{panel}"
regions = "yrd"

[steps.lq]
kind = "location_quotient"
panel = "panel"
sector = "cultural_value_added"
total = "gdp"
name = "lq"
"""


def test_rerun_validation_uses_the_recorded_columns(tmp_path, monkeypatch):
    csv = tmp_path / "panel.csv"
    csv.write_bytes((DATA / "yrd_cities_panel_synthetic.csv").read_bytes())
    text = PANEL.format(panel=csv)
    toml = tmp_path / "p.toml"
    toml.write_text(text, encoding="utf-8")
    first = parse_pipeline(text, toml)
    (entry,) = first.columns.values()
    # the file's header and its years 2015-2022, read by the first validation
    assert entry["columns"] == sorted(["code", "name_zh", "name_en", "year", "source",
                                       "cultural_value_added", "gdp"])
    assert entry["years"][0] == 2015
    _run(first, tmp_path / "out")
    cache = column_cache(tmp_path / "out")
    assert cache == first.columns

    from geoproc import panel

    def no_reading(*a, **k):
        raise AssertionError("the panel was read again")

    monkeypatch.setattr(panel, "read_table", no_reading)
    again = parse_pipeline(text, toml, column_cache=cache)
    assert again.columns == cache
    assert _run(again, tmp_path / "out").ran == []
    # a changed file is read again (and a misspelt column in it still found)
    csv.write_text(csv.read_text(encoding="utf-8").replace("cultural_value_added", "cva"), encoding="utf-8")
    with pytest.raises(geoproc.GeoprocInputError, match="cannot read .*the panel was read again"):
        parse_pipeline(text, toml, column_cache=cache)
    monkeypatch.undo()
    with pytest.raises(geoproc.GeoprocInputError, match="column 'cultural_value_added' is not in panel panel"):
        parse_pipeline(text, toml, column_cache=cache)


def test_an_empty_cell_is_refused_naming_its_region(tmp_path):
    # geoproc.panel.year_values refuses NaN, which the pipeline's own copy let through
    csv = tmp_path / "panel.csv"
    lines = (DATA / "yrd_cities_panel_synthetic.csv").read_text(encoding="utf-8").splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("320100,") and ",2018," in ln)
    cells = lines[i].split(",")
    cells[-2] = ""  # Nanjing 2018 cultural_value_added
    lines[i] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = textwrap.dedent(f"""\
        [steps.yrd]
        kind = "boundaries"
        source = "yrd_cities"

        [steps.panel]
        kind = "panel"
        path = "{csv}"

        [steps.j]
        kind = "join"
        regions = "yrd"
        panel = "panel"
        year = 2018
        columns = ["cultural_value_added"]
        """)
    toml = tmp_path / "p.toml"
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(geoproc.GeoprocInputError, match=r"^step j \(join\): .*(is missing \(NaN\) for region-years 320100 2018"
                             r"|column 'cultural_value_added' is empty for 320100 in 2018)"):
        _run(parse_pipeline(text, toml), tmp_path / "out")


def _step_values(text: str, tmp: Path, out: str = "out"):
    toml = tmp / "p.toml"
    toml.write_text(text, encoding="utf-8")
    p = parse_pipeline(text, toml)
    _run(p, tmp / out)
    from geoproc.pipeline.runner import _load

    cache = tmp / out / ".geoproc" / "cache"
    return p, {n: _load(cache / f"{n}.pkl") for n in p.steps}


def test_demo_province_weights_are_those_that_generated_the_panel(tmp_path):
    # the demo's prov_gravity step, as written in demo.toml, must give the matrix the
    # synthetic panel was simulated with (its fingerprint is in the truth file)
    import tomllib

    from geoproc.pipeline import demo_pipeline_path

    demo = tomllib.loads(demo_pipeline_path().read_text(encoding="utf-8"))["steps"]
    truth = json.loads((DATA / "provinces_panel_synthetic_truth.json").read_text(encoding="utf-8"))
    body = "\n".join(f"{k} = {json.dumps(v)}" for k, v in demo["prov_gravity"].items())
    text = (f"[steps.provinces]\nkind = \"boundaries\"\nsource = \"china_provinces\"\n\n"
            f"[steps.prov_panel]\nkind = \"panel\"\npath = \"{DATA / 'provinces_panel_synthetic.csv'}\"\n"
            f"regions = \"provinces\"\n\n[steps.prov_gravity]\n{body}\n")
    _, res = _step_values(text, tmp_path)
    w = res["prov_gravity"].value
    assert w.meta["centroid"] == truth["weights"]["meta"]["centroid"] == "area"
    assert w.meta["distance"] == truth["weights"]["meta"]["distance"] == "geodesic"
    assert w.meta["masses"] == truth["weights"]["meta"]["masses"]
    assert [str(i) for i in w.ids] == sorted(str(i) for i in w.ids)  # "rows and columns in ascending code"
    dense = w.sparse.toarray()
    fp = truth["weights"]["fingerprint"]
    assert w.n == fp["n"]
    assert np.linalg.norm(dense) == pytest.approx(fp["frobenius_norm"], rel=1e-12)
    assert dense.max() == pytest.approx(fp["max"], rel=1e-12)


def test_weights_options_reach_the_library(tmp_path):
    text = textwrap.dedent(f"""\
        [steps.yrd]
        kind = "boundaries"
        source = "yrd_cities"

        [steps.panel]
        kind = "panel"
        path = "{DATA / 'yrd_cities_panel_synthetic.csv'}"
        regions = "yrd"

        [steps.w]
        kind = "weights"
        spec = "gravity:gdp"
        regions = "yrd"
        data = "panel"
        centroid = "representative"
        method = "haversine"
        year = [2016, 2018]
        """)
    _, res = _step_values(text, tmp_path)
    w = res["w"].value
    panel = geoproc.read_panel(DATA / "yrd_cities_panel_synthetic.csv", regions="yrd_cities")
    regions = geoproc.load_boundaries("yrd_cities")
    ref = geoproc.build_weights("gravity:gdp", regions, data=panel, id="code", data_id="code",
                                year_column="year", year=[2016, 2018], method="haversine",
                                centroid="representative")
    # area centroids of Wuxi and Zhoushan fall outside them (why the demo uses representative
    # points); the warning is printed once per process, so whether it shows here depends on
    # the tests before: this test is about the options, not the warning (tested in test_centroids)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", geoproc.centroid.CentroidOutsideWarning)
        default = geoproc.build_weights("gravity:gdp", regions, data=panel, id="code", data_id="code",
                                        year_column="year")
    assert w.meta["centroid"] == "representative" and w.meta["distance"] == "haversine"
    assert w.meta["masses"] == "period mean 2016-2018 (2 years)"
    np.testing.assert_array_equal(w.sparse.toarray(), ref.sparse.toarray())
    assert not np.allclose(w.sparse.toarray(), default.sparse.toarray())
    rep = res["w"].report
    assert (rep["centroid"], rep["distance"]) == ("representative", "haversine")


def test_kde_weight_crs_and_radius_rule(tmp_path):
    import rasterio

    csv = tmp_path / "pts.csv"
    # three parks in Shanghai, each weighing 2.5
    csv.write_text("lon,lat,staff\n121.45,31.22,2.5\n121.50,31.25,2.5\n121.40,31.30,2.5\n", encoding="utf-8")
    text = textwrap.dedent(f"""\
        [steps.pts]
        kind = "points"
        path = "{csv}"

        [steps.plain]
        kind = "kde"
        points = "pts"
        radius = 5000
        pixel_size = 500
        crs = "EPSG:32651"

        [steps.weighted]
        kind = "kde"
        points = "pts"
        radius = 5000
        pixel_size = 500
        crs = "EPSG:32651"
        weight = "staff"
        """)
    _, res = _step_values(text, tmp_path)
    plain, weighted = res["plain"].report, res["weighted"].report
    assert plain["crs"] == weighted["crs"] == "EPSG:32651"
    # raw values are sums of w_i K: every weight 2.5 multiplies the surface by 2.5
    assert weighted["max_value"] == pytest.approx(2.5 * plain["max_value"], rel=1e-6)
    assert weighted["weight"] == "staff" and plain["weight"] is None
    with rasterio.open(tmp_path / "out" / weighted["file"]) as ds:
        tag = ds.tags()["RADIUS_RULE"]
    assert weighted["radius_rule"] == tag == "given"
