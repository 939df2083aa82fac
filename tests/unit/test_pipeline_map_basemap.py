"""The pipeline's map step takes the CLI's basemap options (issue 17): same tiles from
xyzservices, the overlays shifted into GCJ-02 on Gaode, Tianditu's key required and kept
out of the report."""

from __future__ import annotations

import json

import pytest
import xyzservices.providers as xyz

from geoproc.errors import GeoprocInputError
from geoproc.maps.basemaps import BASEMAPS
from geoproc.pipeline import parse_pipeline, run_pipeline
from geoproc.pipeline.kinds.map import BASEMAP_NAMES

TOML = """\
[steps.yrd]
kind = "boundaries"
source = "yrd_cities"

[steps.parks]
kind = "points"
path = "{{data}}/demo/yrd_parks_synthetic.csv"

[steps.m]
kind = "map"
type = "points"
source = "parks"
regions = "yrd"
{extra}
"""


def _run(tmp_path, extra: str):
    tmp_path.mkdir(exist_ok=True)
    text = TOML.format(extra=extra)
    toml = tmp_path / "p.toml"
    toml.write_text(text, encoding="utf-8")
    run_pipeline(parse_pipeline(text, toml), tmp_path / "out", log=None, project=False)
    return (tmp_path / "out" / "maps" / "m.html").read_text(encoding="utf-8")


def test_choices_are_the_library_basemaps():
    assert BASEMAP_NAMES == tuple(BASEMAPS)


def test_gaode_basemap_tiles_and_gcj02_shift(tmp_path):
    from geoproc.datums import from_wgs84

    page = _run(tmp_path, 'basemap = "gaode"')
    # the first demo park (data/demo/yrd_parks_synthetic.csv), WGS84 121.537822, 31.232542
    x, y = from_wgs84([121.537822], [31.232542], "gcj02")
    assert f"[{round(float(y[0]), 6)},{round(float(x[0]), 6)}," in page
    assert "121.537822" not in page  # drawn where Gaode puts it, not at its WGS84 place
    assert json.dumps(xyz.Gaode.Normal.build_url())[1:-1].replace("&", "\\u0026") in page
    assert "GCJ-02" in page
    # the default stays offline: no tiles, nothing shifted, regions labelled by geoproc
    plain = _run(tmp_path / "b", "")
    assert "autonavi" not in plain and "GCJ-02" not in plain and "121.537822" in plain
    assert plain.count("geoproc-label-icon") == 41 and "geoproc-label-icon" not in page  # 41 YRD cities


def test_tianditu_needs_key_and_key_stays_out_of_report(tmp_path):
    with pytest.raises(GeoprocInputError, match="tianditu_key"):
        parse_pipeline(TOML.format(extra='basemap = "tianditu"'), tmp_path / "p.toml")
    with pytest.raises(GeoprocInputError, match="basemap"):
        parse_pipeline(TOML.format(extra='basemap = "baidu"'), tmp_path / "p.toml")
    page = _run(tmp_path, 'basemap = "tianditu"\ntianditu_key = "SECRETKEY1"')
    assert "LAYER=vec" in page and "tk=SECRETKEY1" in page  # Tianditu's tiles need it in the URL
    report = (tmp_path / "out" / "report.json").read_text(encoding="utf-8")
    assert "SECRETKEY1" not in report
    assert json.loads(report)["steps"]["m"]["options"]["tianditu_key"] == "(given)"
