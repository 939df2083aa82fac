"""``geoproc moran|lisa|hotspots`` end to end on the shipped province boundaries."""

from __future__ import annotations

import json
import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from geoproc.boundaries import load_boundaries
from geoproc.cli import main
from geoproc.weights.base import SpatialWeights


@pytest.fixture(scope="module")
def provinces():
    return load_boundaries("china_provinces")


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory, provinces):
    """A GBK-encoded panel naming provinces by their full Chinese names (two years)."""
    rng = np.random.default_rng(3)
    lon = provinces.geometry.representative_point().x.to_numpy()
    rows = []
    for year in (2020, 2021):
        cul = 0.05 * lon + rng.normal(0, 0.8, len(provinces))  # an east-west gradient
        dig = rng.normal(0, 1, len(provinces))
        for name, c, d in zip(provinces.name_zh, cul, dig, strict=True):
            rows.append({"province": name, "year": year, "cul": c, "dig": d})
    path = tmp_path_factory.mktemp("panel") / "panel_gbk.csv"
    path.write_bytes(pd.DataFrame(rows).to_csv(index=False).encode("gbk"))
    return path, pd.DataFrame(rows)


def _queen(provinces, islands):
    from geoproc.weights.build import build_weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_weights("queen", provinces, islands=islands)


@pytest.fixture(scope="module")
def queen_files(tmp_path_factory, provinces):
    """Queen weights with Hainan linked to its nearest province, and with Hainan an island, as GAL
    files (built once: contiguity on the detailed outlines takes seconds)."""
    from geoproc.weights.io import write_weights

    d = tmp_path_factory.mktemp("w")
    w = _queen(provinces, "nearest")
    write_weights(w, d / "queen_nearest.gal")
    write_weights(_queen(provinces, "keep"), d / "queen_islands.gal")
    return w, d / "queen_nearest.gal", d / "queen_islands.gal"


def _values(frame, provinces, year, col):
    s = frame[frame.year == year].set_index("province")[col]
    return s.loc[provinces.name_zh].to_numpy()


@pytest.mark.slow  # builds queen weights on the fly from the detailed outlines
def test_moran_cli_matches_esda(tmp_path, panel_csv, provinces, queen_files, capsys):
    path, frame = panel_csv
    out, js = tmp_path / "t.md", tmp_path / "t.json"
    code = main(["moran", str(path), "--variables", "cul,dig", "--id", "province", "--weights", "queen",
                 "--islands", "nearest", "--permutations", "99", "--seed", "1", "-o", str(out), "--json", str(js)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("| Year | cul I | cul z | dig I | dig z |")
    assert "460000 (Hainan) -> 450000 (Guangxi)" in text
    rows = pd.DataFrame(json.loads(js.read_text(encoding="utf-8"))["rows"])
    lw = queen_files[0].to_W()
    for year in (2020, 2021):
        y = _values(frame, provinces, year, "cul")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = esda.Moran(y, lw, transformation="r", permutations=0)
        r = rows[(rows.year == year) & (rows.variable == "cul")].iloc[0]
        for col in ("I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand"):
            assert_allclose(r[col], getattr(m, col), rtol=1e-10, err_msg=col)
    assert "wrote" in capsys.readouterr().out


def test_moran_cli_bad_input_writes_nothing(tmp_path, panel_csv, queen_files, capsys):
    path, _ = panel_csv
    out = tmp_path / "t.csv"
    assert main(["moran", str(path), "--variables", "cul", "--id", "province", "--weights",
                 str(queen_files[2]), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "island(s) without neighbours: 海南省 (460000)" in err and "--islands nearest" in err
    assert main(["moran", str(path), "--variables", "cul,gdp", "--id", "province", "--weights",
                 str(queen_files[1]), "-o", str(out)]) == 2
    assert "no column 'gdp'; its columns are province, year, cul, dig" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_moran_cli_weights_file_islands_nearest(tmp_path, panel_csv, provinces, queen_files, capsys):
    """--islands nearest with a weights FILE links Hainan as queen --islands nearest does
    (by centroid distance: Guangxi), instead of becoming "raise"."""
    path, frame = panel_csv
    out = tmp_path / "t.md"
    code = main(["moran", str(path), "--variables", "cul", "--id", "province", "--weights",
                 str(queen_files[2]), "--islands", "nearest", "--permutations", "0", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert "460000 (Hainan) -> 450000 (Guangxi)" in text
    assert (f"weights {queen_files[2]}: geodesic distances between area centroids; "
            "islands linked (1 nearest by centroid distance)") in text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = esda.Moran(_values(frame, provinces, 2020, "cul"), queen_files[0].to_W(), transformation="r",
                       permutations=0)
    assert f"| 2020 | {m.I:.3f}" in text


def test_moran_cli_weights_files_and_two_matrices(tmp_path, panel_csv, queen_files):
    path, _ = panel_csv
    out = tmp_path / "t.csv"
    assert main(["moran", str(path), "--variables", "cul", "--id", "province", "--weights",
                 f"Wq={queen_files[1]}", "--weights", f"Wi={queen_files[2]}", "--islands", "keep",
                 "--permutations", "0", "-o", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig", nrows=2)
    assert list(table.columns) == ["Year", "cul (Wq) I", "cul (Wq) z", "cul (Wi) I", "cul (Wi) z"]
    assert main(["moran", str(path), "--variables", "cul", "--id", "province", "--weights",
                 str(queen_files[1]), "-o", str(out)]) == 2  # exists: refused without --overwrite


def test_lisa_cli_end_to_end(tmp_path, panel_csv, provinces, queen_files, capsys):
    path, frame = panel_csv
    out, png = tmp_path / "lisa.gpkg", tmp_path / "lisa.png"
    code = main(["lisa", "china_provinces", str(path), "--variable", "cul", "--year", "2021",
                 "--panel-id", "province", "--weights", str(queen_files[1]), "--seed", "7",
                 "--permutations", "199", "-o", str(out), "--map", str(png)])
    assert code == 0, capsys.readouterr().err
    got = gpd.read_file(out)
    assert got.code.tolist() == provinces.code.tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lw = queen_files[0].to_W()
        lw.transform = "r"
        m = esda.Moran_Local(_values(frame, provinces, 2021, "cul"), lw, permutations=0)
    assert_allclose(got.lisa_I, m.Is, rtol=1e-10)
    assert (got.lisa_q.to_numpy() == m.q).all()
    sig = got.lisa_p <= 0.05
    assert (got.cluster[~sig] == "Not significant").all()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the notes reach the written layer: description and metadata of the GeoPackage layer
    import pyogrio

    meta = pyogrio.read_info(out)["layer_metadata"]
    assert meta["DESCRIPTION"] == meta["geoproc_notes"]
    assert f"weights {queen_files[1]}" in meta["geoproc_notes"]
    assert "clusters at p <= 0.05" in meta["geoproc_notes"]
    # island handling reaches a GeoJSON layer's description
    gj = tmp_path / "lisa.geojson"
    assert main(["lisa", "china_provinces", str(path), "--variable", "cul", "--year", "2021",
                 "--panel-id", "province", "--weights", str(queen_files[2]), "--islands", "keep",
                 "--permutations", "0", "-o", str(gj)]) == 0
    desc = json.loads(gj.read_text(encoding="utf-8"))["description"]
    assert f"islands kept with zero spatial lag ({queen_files[2]}): 海南省 (460000)" in desc
    # the year must exist
    assert main(["lisa", "china_provinces", str(path), "--variable", "cul", "--year", "2019",
                 "--panel-id", "province", "--weights", str(queen_files[1]), "-o", str(tmp_path / "x.gpkg")]) == 2
    assert "no rows for 2019; its years are 2020, 2021" in capsys.readouterr().err


def test_hotspots_cli_end_to_end(tmp_path, panel_csv, provinces, queen_files, capsys):
    path, frame = panel_csv
    out = tmp_path / "gi.gpkg"
    code = main(["hotspots", "china_provinces", str(path), "--variable", "cul", "--year", "2020",
                 "--panel-id", "province", "--weights", str(queen_files[1]), "--transform", "R",
                 "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    got = gpd.read_file(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = esda.G_Local(_values(frame, provinces, 2020, "cul"), queen_files[0].to_W(), permutations=0,
                         star=True)
        mb = esda.G_Local(_values(frame, provinces, 2020, "cul"), queen_files[0].to_W(), permutations=0,
                          star=True, transform="B")
    assert_allclose(got.gi_z, m.Zs, rtol=1e-10)
    # the default: ArcGIS's binary weights (esda's transform "B")
    out_b = tmp_path / "gi_b.gpkg"
    assert main(["hotspots", "china_provinces", str(path), "--variable", "cul", "--year", "2020",
                 "--panel-id", "province", "--weights", str(queen_files[1]), "-o", str(out_b)]) == 0
    assert_allclose(gpd.read_file(out_b).gi_z, mb.Zs, rtol=1e-10)
    # each region's bin is the one geoproc.getis_ord gives called directly, and (no permutations:
    # the two-sided normal p of z, ArcGIS's Gi_Bin) the one |z| > 2.576, 1.960, 1.645 gives;
    # on longitude (clustered east-west by construction) so that there are hot and cold spots
    from geoproc.hotspots import getis_ord

    lon = provinces.geometry.representative_point().x.round(6)
    lon_csv = tmp_path / "lon.csv"
    pd.DataFrame({"code": provinces.code, "year": 2020, "lon": lon}).to_csv(lon_csv, index=False)
    out_lon = tmp_path / "gi_lon.gpkg"
    assert main(["hotspots", "china_provinces", str(lon_csv), "--variable", "lon", "--year", "2020",
                 "--weights", str(queen_files[1]), "--transform", "R", "-o", str(out_lon)]) == 0
    got = gpd.read_file(out_lon)
    direct = getis_ord(provinces, pd.Series(lon.to_numpy(), index=provinces.code), queen_files[0],
                       transform="R")
    assert got.hotspot.tolist() == direct.hotspot.tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = np.asarray(esda.G_Local(lon.to_numpy(), queen_files[0].to_W(), permutations=0, star=True).Zs)
    level = np.select([np.abs(z) > 2.5758, np.abs(z) > 1.96, np.abs(z) > 1.6449], ["99%", "95%", "90%"], "")
    by_z = [f"{'Hot' if zi > 0 else 'Cold'} spot {lv}" if lv else "Not significant"
            for zi, lv in zip(z, level, strict=True)]
    assert got.hotspot.tolist() == by_z
    assert len(set(by_z)) >= 2  # some spots, so the bins are tested (the west is a cold spot)
    # CSV output: the notes go to a sidecar
    csv = tmp_path / "gi.csv"
    assert main(["hotspots", "china_provinces", str(path), "--variable", "cul", "--year", "2020",
                 "--panel-id", "province", "--weights", str(queen_files[1]), "-o", str(csv)]) == 0
    notes = (tmp_path / "gi.notes.txt").read_text(encoding="utf-8").splitlines()
    assert notes[0] == f"weights {queen_files[1]}" and "binary weights" in notes
    assert any(n.startswith("G*: z under normality") for n in notes)
    # permutation inference: z_sim, pseudo p and bins from the same permutations (esda's for the seed)
    csv_p = tmp_path / "gi_perm.csv"
    assert main(["hotspots", "china_provinces", str(path), "--variable", "cul", "--year", "2020",
                 "--panel-id", "province", "--weights", str(queen_files[1]), "--inference", "permutation",
                 "--permutations", "99", "--seed", "5", "-o", str(csv_p)]) == 0
    perm = pd.read_csv(csv_p, encoding="utf-8-sig")
    direct = getis_ord(provinces, _values(frame, provinces, 2020, "cul"), queen_files[0], inference="permutation",
                       permutations=99, seed=5)
    assert_allclose(perm.gi_z, direct.gi_z, rtol=1e-12) and assert_allclose(perm.gi_p, direct.gi_p)
    assert perm.hotspot.tolist() == direct.hotspot.tolist()
    assert "99 conditional permutations, seed 5" in capsys.readouterr().out


def test_moran_scatter_slope_is_moran_i(tmp_path, provinces, queen_files):
    from geoproc.moran import moran_table
    from geoproc.plots import moran_scatter

    w = queen_files[0]
    y = pd.Series(np.arange(31.0) ** 1.5, index=w.ids)
    fig = moran_scatter(y, w, tmp_path / "s.png", labels=provinces.set_index("code").name_zh)
    df = pd.DataFrame({"code": w.ids, "year": 2000, "y": y.to_numpy()})
    want = moran_table(df, w, "y", permutations=0).to_frame().I[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lw = w.to_W()
        lw.transform = "r"
        assert_allclose(want, esda.Moran(y.to_numpy(), lw, permutations=0).I, rtol=1e-12)
    assert_allclose(fig.moran_I, want, rtol=1e-12)
    # the red line drawn: its slope (rise over run of its two end points) is I
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("Moran's I")]
    xs, ys = line.get_xdata(), line.get_ydata()
    assert_allclose((ys[1] - ys[0]) / (xs[1] - xs[0]), want, rtol=1e-12)
    assert (tmp_path / "s.png").stat().st_size > 10_000
    assert isinstance(w, SpatialWeights)


def test_centroid_option_reaches_the_weights_and_the_notes(tmp_path, panel_csv, provinces, capsys):
    import geoproc

    path, frame = panel_csv
    out = tmp_path / "lisa.csv"
    code = main(["lisa", "china_provinces", str(path), "--variable", "cul", "--year", "2021",
                 "--panel-id", "province", "--weights", "knn:4", "--centroid", "largest",
                 "--permutations", "0", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    got = pd.read_csv(out, encoding="utf-8-sig")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = geoproc.knn_weights(provinces, 4, centroid="largest")
        area = geoproc.knn_weights(provinces, 4, centroid="area")
        lw = w.to_W()
        lw.transform = "r"
        m = esda.Moran_Local(_values(frame, provinces, 2021, "cul"), lw, permutations=0)
    assert (w.full() != area.full()).any()  # Hainan's neighbours differ, so the option is tested
    assert_allclose(got.lisa_I, m.Is, rtol=1e-10)
    notes = (tmp_path / "lisa.notes.txt").read_text(encoding="utf-8")
    assert "weights knn:4: k = 4; geodesic distances between largest centroids" in notes
