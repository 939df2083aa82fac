"""sdm(islands=...) and geoproc sdm --islands: the provinces under queen contiguity leave
Hainan (460000) without neighbours; each policy does what it says."""

from __future__ import annotations

import html
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import geoproc
from geoproc.cli import main
from geoproc.errors import GeoprocInputError
from geoproc.weights import SpatialWeights

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "provinces_panel_synthetic.csv"
KW = dict(y="cul", x=["dig", "cultural_demand"], draws=0, tests=False, row_standardize=True)
HAINAN = 460000


@pytest.fixture(scope="module")
def demo():
    df = pd.read_csv(DEMO)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the island warning of the build
        w = geoproc.build_weights("queen", geoproc.load_boundaries("china_provinces"), islands="keep")
    assert w.islands == [HAINAN]
    return df, w


def test_raise_names_hainan(demo):
    df, w = demo
    with pytest.raises(GeoprocInputError, match=r"1 island\(s\) without neighbours: 海南省 \(460000\)"):
        geoproc.sdm(df, w, islands="raise", **KW)


def test_every_entry_point_raises_by_default_naming_hainan(demo):
    """The static, dynamic and selection entry points share the default ``islands="raise"``:
    a zero spatial lag changes the regression, so it is never the silent default."""
    from geoproc.durbin.dynamic_model import sdm_dynamic
    from geoproc.durbin.selection import select_model

    df, w = demo
    msg = r"island\(s\) without neighbours: 海南省 \(460000\)"
    with pytest.raises(GeoprocInputError, match=msg):
        geoproc.sdm(df, w, **KW)
    with pytest.raises(GeoprocInputError, match=msg):
        geoproc.sdm(df, w, dynamic="tl", **KW)
    with pytest.raises(GeoprocInputError, match=msg):
        sdm_dynamic(df, w, "cul", ["dig"], draws=0, row_standardize=True)
    with pytest.raises(GeoprocInputError, match=msg):
        select_model(df, w, "cul", ["dig"], row_standardize=True)


def test_drop_leaves_hainan_out_of_panel_and_weights(demo):
    df, w = demo
    with pytest.warns(UserWarning, match=r"islands dropped .*460000"):
        r = geoproc.sdm(df, w, islands="drop", **KW)
    assert r.n == 30 and HAINAN not in r.ids and HAINAN not in r.weights.ids
    assert any("islands dropped" in n and "460000" in n for n in r.notes)
    # the notes are in the text summary and the HTML report (escaped), not only on the object
    note = next(n for n in r.notes if "islands dropped" in n)
    assert f"Note: {note}" in r.summary().splitlines()
    assert f'<p class="note">Note: {html.escape(note)}</p>' in r.to_html()
    # the same model by hand: the panel without Hainan, W without its (empty) row and column
    keep = [i for i in w.ids if i != HAINAN]
    pos = [w.ids.index(i) for i in keep]
    by_hand = geoproc.sdm(df[df["code"] != HAINAN], SpatialWeights(w.sparse[pos][:, pos], keep), **KW)
    # equal to the optimiser's tolerance (the two routes' sparse matrices differ in index dtype)
    assert_allclose(r.params.to_numpy(), by_hand.params.to_numpy(), rtol=1e-8)
    assert_allclose(r.se.to_numpy(), by_hand.se.to_numpy(), rtol=1e-6)


def test_raise_is_the_default_as_in_moran(demo):
    df, w = demo
    with pytest.raises(GeoprocInputError, match=r"island\(s\) without neighbours: 海南省 \(460000\)"):
        geoproc.sdm(df, w, **KW)
    with pytest.raises(GeoprocInputError, match=r"island\(s\) without neighbours: .*460000"):
        geoproc.moran_table(df, w, ["cul"], permutations=0)


def test_keep_warns(demo):
    df, w = demo
    with pytest.warns(UserWarning, match=r"islands \(no neighbours\), kept with zero spatial lag: 460000"):
        r = geoproc.sdm(df, w, islands="keep", **KW)
    assert r.n == 31
    assert r.weights.sparse[r.ids.index(HAINAN)].nnz == 0  # Hainan's lag is zero


def nearest_by_centroid(code: int) -> int:
    """The region whose area centroid (equal-area projection) is nearest on the WGS84 ellipsoid."""
    from pyproj import Geod

    gdf = geoproc.load_boundaries("china_provinces")
    pts = gdf.to_crs("EPSG:6933").centroid.to_crs(4326)
    i = gdf.index[gdf["code"] == code][0]
    others = [j for j in gdf.index if j != i]
    geod = Geod(ellps="WGS84")
    d = [geod.inv(pts[i].x, pts[i].y, pts[j].x, pts[j].y)[2] for j in others]
    return int(gdf.at[others[int(np.argmin(d))], "code"])


def test_nearest_links_hainan_to_its_nearest_centroid(demo):
    df, w = demo
    nearest = nearest_by_centroid(HAINAN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # centroids outside their regions (shipped boundaries)
        r = geoproc.sdm(df, w, islands="nearest", **KW)
    assert r.n == 31 and r.weights.islands == []
    row = r.weights.sparse[r.ids.index(HAINAN)]
    assert [r.ids[j] for j in row.indices] == [nearest]
    assert any("linked to their nearest region" in n and "460000" in n for n in r.notes)


def test_bad_policy():
    df = pd.read_csv(DEMO)
    with pytest.raises(GeoprocInputError, match="islands must be one of raise, keep, drop, nearest"):
        geoproc.sdm(df, "knn:4", islands="ignore", **KW)


def test_cli_islands(tmp_path, capsys):
    args = ["sdm", str(DEMO), "-w", "queen", "--y", "cul", "--x", "dig", "--draws", "0", "--no-tests"]
    code = main([*args, "--islands", "raise", "-o", str(tmp_path / "a.html")])
    assert code == 2
    assert "island(s) without neighbours: 海南省 (460000)" in capsys.readouterr().err
    assert not (tmp_path / "a.html").exists()
    code = main([*args, "--islands", "drop", "-o", str(tmp_path / "b.txt"), "--json", str(tmp_path / "b.json")])
    assert code == 0
    doc = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    n = doc.get("n", doc.get("fit", {}).get("n"))
    assert n == 30, sorted(doc)
    assert "islands dropped" in capsys.readouterr().err
    np.testing.assert_equal(code, 0)
