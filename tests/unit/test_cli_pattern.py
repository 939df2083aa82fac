"""``geoproc pattern`` end to end: parks CSV (WGS 84 or GCJ-02) and regions in, ellipses and tables out."""

import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import geoproc
from geoproc.cli import main

pytest.importorskip("pointpats")

ROOT = Path(__file__).resolve().parents[2]
PARKS = ROOT / "data" / "demo" / "yrd_parks_synthetic.csv"


def test_pattern_writes_ellipses_ann_and_ripley(tmp_path, capsys):
    sde, ann, rip = tmp_path / "sde.gpkg", tmp_path / "ann.csv", tmp_path / "ripley.csv"
    code = main(["pattern", str(PARKS), "--regions", "yrd_cities", "--by", "year", "--cumulative",
                 "--ellipse", str(sde), "--ann", str(ann), "--ripley", str(rip), "--simulations", "9",
                 "--seed", "3", "--distances", "5000", "20000", "60000"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Standard deviational ellipse" in out and "Clark & Evans" in out and "Ripley" in out
    layer = gpd.read_file(sde)
    assert layer.year.tolist() == sorted(pd.read_csv(PARKS).year.unique())
    assert layer.n.iloc[-1] == 390 and layer.crs.to_epsg() == 32650
    # the last cumulative ellipse holds every park: ArcGIS's formula by hand in UTM 50N
    xy = geoproc.read_points(PARKS).to_crs(32650).get_coordinates().to_numpy()
    x, y = xy[:, 0] - xy[:, 0].mean(), xy[:, 1] - xy[:, 1].mean()
    a, c = (x * x).sum() - (y * y).sum(), 2 * (x * y).sum()
    theta = math.atan((a + math.hypot(a, c)) / c)
    sig_y = math.sqrt(2) * math.sqrt(((x * math.sin(theta) + y * math.cos(theta)) ** 2).mean())
    assert layer.major_m.iloc[-1] == pytest.approx(sig_y, rel=1e-9)
    assert layer.rotation_deg.iloc[-1] == pytest.approx(math.degrees(theta) % 180, abs=1e-7)
    # ANN for all parks (2022, cumulative): Clark & Evans on the cities' equal-area area
    table = pd.read_csv(ann).set_index("year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        area = geoproc.point_density(geoproc.read_points(PARKS), geoproc.load_boundaries("yrd_cities"),
                                     id="code").area_km2.sum() * 1e6
    from scipy.spatial.distance import cdist

    d = cdist(xy, xy)
    np.fill_diagonal(d, np.inf)
    do, de = d.min(axis=1).mean(), 0.5 / math.sqrt(390 / area)
    assert table.loc[2022, "observed_m"] == pytest.approx(do, rel=1e-9)
    assert table.loc[2022, "z"] == pytest.approx((do - de) / (0.26136 / math.sqrt(390**2 / area)), rel=1e-6)
    curves = pd.read_csv(rip)
    assert curves.columns[0] == "year" and len(curves) == 3 * layer.shape[0]
    assert curves.r_m.head(3).tolist() == [5000.0, 20000.0, 60000.0]


def test_pattern_gcj02_input_is_converted(tmp_path, capsys):
    """Coordinates from Amap (GCJ-02) go through read_points: the same centre as the WGS 84 ones."""
    from geoproc.datums import from_wgs84

    parks = pd.read_csv(PARKS).head(60)
    lon, lat = from_wgs84(parks.lon.to_numpy(), parks.lat.to_numpy(), "gcj02")
    gcj = tmp_path / "gcj.csv"
    parks.assign(lon=lon, lat=lat).to_csv(gcj, index=False)
    wgs = tmp_path / "wgs.csv"
    parks.to_csv(wgs, index=False)
    assert main(["pattern", str(gcj), "--datum", "gcj02", "--ellipse", str(tmp_path / "a.gpkg")]) == 0
    assert main(["pattern", str(wgs), "--ellipse", str(tmp_path / "b.gpkg")]) == 0
    assert main(["pattern", str(gcj), "--ellipse", str(tmp_path / "c.gpkg")]) == 0
    a, b, c = (gpd.read_file(tmp_path / f"{k}.gpkg") for k in "abc")
    shift = math.hypot(a.centre_x[0] - b.centre_x[0], a.centre_y[0] - b.centre_y[0])
    assert shift < 5  # metres: GCJ-02 inverted to ~1e-6 degrees
    assert math.hypot(c.centre_x[0] - b.centre_x[0], c.centre_y[0] - b.centre_y[0]) > 300  # unconverted


def test_pattern_refusals(tmp_path, capsys):
    assert main(["pattern", str(PARKS)]) == 2
    assert "nothing to do" in capsys.readouterr().err
    assert main(["pattern", str(PARKS), "--ripley"]) == 2
    assert "--ripley needs --regions" in capsys.readouterr().err
    assert main(["pattern", str(PARKS), "--ellipse", str(tmp_path / "e.csv")]) == 2
    assert "give a .gpkg or .geojson or .json file name" in capsys.readouterr().err
    out = tmp_path / "ann.csv"
    out.write_text("keep")
    assert main(["pattern", str(PARKS), "--ann", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_text() == "keep"
    assert main(["pattern", str(PARKS), "--ellipse", str(tmp_path / "w.gpkg"), "--weight", "nope"]) == 2
    assert "no weight column 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "w.gpkg").exists()


def test_pattern_ann_print_only(capsys):
    assert main(["pattern", str(PARKS), "--ann", "--area-km2", "358000"]) == 0
    out = capsys.readouterr().out
    assert "area from given" in out and "wrote" not in out


def test_pattern_map_and_ripley_plot(tmp_path, capsys):
    from PIL import Image

    html, png = tmp_path / "sde.html", tmp_path / "ripley.png"
    code = main(["pattern", str(PARKS), "--regions", "yrd_cities", "--by", "type", "--ellipse",
                 str(tmp_path / "sde.gpkg"), "--map", str(html), "--offline", "--ripley", "--ripley-plot",
                 str(png), "--simulations", "9", "--seed", "1", "--distances", "10000", "50000"])
    assert code == 0, capsys.readouterr().err
    page = html.read_text(encoding="utf-8")
    assert "type publishing" in page and "tile.openstreetmap" not in page
    with Image.open(png) as im:
        assert im.size[0] > 1000 and im.size[1] > 500
    assert main(["pattern", str(PARKS), "--ann", "--ripley-plot", str(tmp_path / "x.png")]) == 2
    assert "give --ripley too" in capsys.readouterr().err


def test_ripley_plot_draws_the_table():
    import matplotlib.collections

    regions = geoproc.load_boundaries("yrd_cities")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = geoproc.ripleys_k(geoproc.read_points(PARKS), regions, distances=[5000, 20000, 60000],
                                simulations=9, seed=2)
    fig = res.plot()
    ax = fig.axes[0]
    observed = next(line for line in ax.get_lines() if line.get_label() == "observed")
    np.testing.assert_allclose(observed.get_ydata(), res.table.l_minus_r_m / 1e3)
    np.testing.assert_allclose(observed.get_xdata(), [5, 20, 60])
    band = next(c for c in ax.collections if isinstance(c, matplotlib.collections.PolyCollection))
    ys = band.get_paths()[0].vertices[:, 1]
    want = np.r_[(res.table.envelope_low_m - res.table.r_m), (res.table.envelope_high_m - res.table.r_m)] / 1e3
    assert ys.min() == pytest.approx(want.min()) and ys.max() == pytest.approx(want.max())
