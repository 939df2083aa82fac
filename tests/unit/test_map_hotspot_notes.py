"""``geoproc map gi.gpkg --kind hotspot``: the legend names the inference a saved Gi* layer was
binned with, read back from the notes the hot-spot outputs carry (issue 17)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import geoproc
from geoproc.cli import main as cli_main
from geoproc.hotspots import attrs_from_notes, inference_label

DATA = Path(geoproc.__file__).resolve().parents[1] / "data"
PANEL = str(DATA / "demo" / "provinces_panel_synthetic.csv")


@pytest.mark.parametrize("kw", [
    {}, {"transform": "R"}, {"fdr": True}, {"star": False},
    {"inference": "permutation", "permutations": 49, "seed": 3},
    {"inference": "permutation", "permutations": 19, "seed": None, "transform": "O", "fdr": True},
])
def test_notes_give_back_the_inference(kw):
    regions = geoproc.read_regions("china_provinces")
    panel = pd.read_csv(PANEL)
    values = panel[panel.year == 2021].set_index("code")["cul"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = geoproc.build_weights("knn:4", regions)
    out = geoproc.getis_ord(regions, values, w, **kw)
    # only the notes survive a file; they must say what the in-memory attrs said
    assert inference_label(attrs_from_notes(out.attrs["notes"])) == inference_label(out.attrs) != ""
    assert attrs_from_notes(["weights queen", "something else"]) == {}


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
@pytest.mark.parametrize("args, label", [
    ([], "z under normality, binary weights"),
    (["--inference", "permutation", "--permutations", "99", "--seed", "7", "--transform", "R"],
     "99 conditional permutations, seed 7, row-standardised weights"),
])
def test_cli_map_legend_names_the_inference(tmp_path, capsys, suffix, args, label):
    gi = tmp_path / f"gi{suffix}"
    assert cli_main(["hotspots", "china_provinces", PANEL, "--variable", "cul", "--year", "2021",
                     "--weights", "knn:6", "-o", str(gi), *args]) == 0
    out = tmp_path / "m.html"
    assert cli_main(["map", str(gi), "--kind", "hotspot", "-o", str(out)]) == 0
    assert f"Getis-Ord Gi* hot and cold spots ({label})" in out.read_text(encoding="utf-8")
    # a title given by the user wins
    assert cli_main(["map", str(gi), "--kind", "hotspot", "--title", "Mine", "-o", str(tmp_path / "t.html")]) == 0
    assert "conditional permutations" not in (tmp_path / "t.html").read_text(encoding="utf-8")


def test_cli_map_without_notes_says_nothing_false(tmp_path):
    gi = tmp_path / "gi.gpkg"
    assert cli_main(["hotspots", "china_provinces", PANEL, "--variable", "cul", "--year", "2021",
                     "--weights", "knn:6", "-o", str(gi)]) == 0
    import geopandas as gpd

    bare = tmp_path / "bare.gpkg"  # rewritten by another tool: the notes are gone
    gpd.read_file(gi).to_file(bare, driver="GPKG")
    out = tmp_path / "m.html"
    assert cli_main(["map", str(bare), "--kind", "hotspot", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "under normality" not in page and "conditional permutations" not in page
