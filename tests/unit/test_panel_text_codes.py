"""Text region codes keep their leading zeros (US FIPS ``01``...) through panel, Moran, LISA, CLI."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import box

from geoproc.cli import main
from geoproc.panel import read_panel

CODES = [f"0{i}" for i in range(1, 10)]  # "01" ... "09", a 3 x 3 grid of unit squares
VALUES = np.array([1.0, 2.0, 4.0, 2.0, 3.0, 7.0, 5.0, 8.0, 9.0])


@pytest.fixture()
def grid(tmp_path):
    gdf = gpd.GeoDataFrame({"code": CODES}, geometry=[box(c, r, c + 1, r + 1) for r in range(3) for c in range(3)],
                           crs=4326)
    path = tmp_path / "grid.gpkg"
    gdf.to_file(path, layer="grid", engine="pyogrio")
    panel = tmp_path / "panel.csv"
    rows = [f"{c},{y},{v + (y - 2020)}" for y in (2020, 2021) for c, v in zip(CODES, VALUES, strict=True)]
    panel.write_text("code,year,x\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return gdf, path, panel


def _esda_w(gdf):
    w = libpysal.weights.Queen.from_dataframe(gdf, ids=gdf.code.tolist(), use_index=False)
    w.transform = "r"
    return w


def test_read_panel_keeps_leading_zeros(grid):
    gdf, _, panel = grid
    assert read_panel(panel).code.unique().tolist() == CODES  # no layer: text as written
    assert read_panel(panel, regions=gdf).code.unique().tolist() == CODES
    # a layer with integer codes makes them integers
    ints = gdf.assign(code=range(1, 10))
    assert read_panel(panel, regions=ints).code.unique().tolist() == list(range(1, 10))
    # plain integers without a layer stay integers, as before
    df = pd.DataFrame({"code": ["320000", "310000"], "year": [2020, 2020]})
    assert read_panel(df).code.tolist() == [310000, 320000]


def test_moran_table_and_local_moran_with_text_codes(grid):
    from geoproc.lisa import local_moran
    from geoproc.moran import moran_table
    from geoproc.weights import queen_weights

    gdf, _, panel = grid
    df = read_panel(panel, regions=gdf)
    w = queen_weights(gdf)
    assert w.ids == CODES
    t = moran_table(df, w, "x", permutations=0).to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran(VALUES, _esda_w(gdf), permutations=0)
    assert_allclose(t.I, [ref.I, ref.I], rtol=1e-12)  # 2021 = 2020 + 1: the same I
    y = df[df.year == 2020].set_index("code").x
    lm = local_moran(gdf, y, w, permutations=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_l = esda.Moran_Local(VALUES, _esda_w(gdf), permutations=0)
    assert lm.code.tolist() == CODES
    assert_allclose(lm.lisa_I, ref_l.Is, rtol=1e-12)


def test_lisa_cli_with_text_codes(grid, tmp_path, capsys):
    gdf, layer, panel = grid
    out = tmp_path / "lisa.csv"
    code = main(["lisa", str(layer), str(panel), "--variable", "x", "--year", "2021", "--weights", "queen",
                 "--permutations", "0", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    got = pd.read_csv(out, dtype={"code": str}, encoding="utf-8-sig")
    assert got.code.tolist() == CODES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran_Local(VALUES + 1, _esda_w(gdf), permutations=0)
    assert_allclose(got.lisa_I, ref.Is, rtol=1e-10)
