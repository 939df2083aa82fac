"""geoproc.cartography and the printed figures: projections, scale bars, labels, margins."""

from __future__ import annotations

import numpy as np
import pytest

from geoproc.cartography import (
    NATIONAL_PROJ,
    is_national,
    map_crs,
    nice_length,
    place_labels,
)
from geoproc.errors import GeoprocInputError

CHINA = (73.5, 3.8, 135.1, 53.6)
YRD = (114.9, 27.0, 122.9, 35.1)


def test_national_and_local_albers():
    assert is_national(CHINA) and not is_national(YRD)
    assert map_crs(CHINA) == NATIONAL_PROJ
    local = map_crs(YRD)
    # centred on the extent (118.9 -> 119, 31.05 -> 31); parallels a sixth of the height
    # inside, to the half degree: 27 + 8.1/6 = 28.35 -> 28.5, 35.1 - 1.35 = 33.75 -> 34 (ties to even)
    assert "+lon_0=119 " in local and "+lat_0=31 " in local
    assert "+lat_1=28.5 " in local and "+lat_2=34 " in local
    with pytest.raises(GeoprocInputError, match="not a lon/lat box"):
        map_crs((120, 30, 110, 31))


@pytest.mark.parametrize("bounds, cell", [(YRD, (120.0, 31.0)), (CHINA, (88.0, 40.0)), (CHINA, (126.0, 46.0))])
def test_projections_are_equal_area(bounds, cell):
    """A 1 degree cell's planar area equals its area on the WGS84 ellipsoid (pyproj.Geod)."""
    from pyproj import Geod, Transformer
    from shapely.geometry import box

    g = box(cell[0], cell[1], cell[0] + 1, cell[1] + 1).segmentize(0.01)
    import shapely

    planar = shapely.transform(g, lambda xy: np.column_stack(Transformer.from_crs(
        "EPSG:4326", map_crs(bounds), always_xy=True).transform(xy[:, 0], xy[:, 1]))).area
    assert planar == pytest.approx(abs(Geod(ellps="WGS84").geometry_area_perimeter(g)[0]), rel=1e-5)


@pytest.mark.parametrize("x, want", [(1234.0, 1000.0), (260_000.0, 200_000.0), (0.07, 0.05), (5.0, 5.0),
                                     (999.0, 500.0)])
def test_nice_length(x, want):
    assert nice_length(x) == pytest.approx(want)


def test_place_labels_never_overlap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 3))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    rng = np.random.default_rng(1)
    xs, ys = rng.uniform(3, 7, 40), rng.uniform(3, 7, 40)  # crowded: many cannot all fit
    drawn = place_labels(ax, xs, ys, [f"label {i}" for i in range(40)], fontsize=8)
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    assert len(boxes) == sum(drawn) and 3 <= sum(drawn) < 40
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (i, j)
    plt.close(fig)


def _grey_columns(png) -> np.ndarray:
    """Columns of a PNG holding the 'Not significant' grey of the LISA palette."""
    from PIL import Image

    from geoproc.palettes import get_palette, hex_to_rgb

    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    grey = np.array(hex_to_rgb(get_palette("lisa").color_map()["Not significant"]))
    return np.flatnonzero((np.abs(img - grey).max(axis=2) <= 2).any(axis=0)), img.shape[1]


def test_lisa_map_has_no_blank_margin_and_prints_to_pdf(tmp_path):
    """The YRD's tall outline used to sit in the right part of a wide figure (left third blank)."""
    import shutil
    import subprocess

    import geoproc
    from geoproc import plots

    yrd = geoproc.load_boundaries("yrd_cities").assign(cluster="Not significant")
    yrd.loc[yrd["name_en"] == "Shanghai", "cluster"] = "High-High"
    fig = plots.lisa_cluster_map(yrd, tmp_path / "lisa.png", title="t")
    cols, width = _grey_columns(tmp_path / "lisa.png")
    # the map starts at the left edge and fills most of the width (the legend takes the rest)
    assert cols.min() < 0.06 * width and cols.max() - cols.min() > 0.6 * width
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert "N" in labels and any(t.endswith("km") for t in labels)  # north arrow, scale bar
    assert ax.get_legend() is not None
    plots.lisa_cluster_map(yrd, tmp_path / "lisa.pdf", title="t")
    assert (tmp_path / "lisa.pdf").read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(tmp_path / "lisa.pdf")], capture_output=True, text=True).stdout
        assert [line.split()[1] for line in out.splitlines() if line.startswith("Pages:")] == ["1"]
    with pytest.raises(GeoprocInputError, match=".png, .pdf or .svg"):
        plots.lisa_cluster_map(yrd, tmp_path / "lisa.jpg")


def test_scale_bar_measures_the_map(tmp_path):
    """The bar's length in the figure's metres is the distance it claims on the ground."""
    from pyproj import Geod, Transformer

    import geoproc
    from geoproc import plots

    yrd = geoproc.load_boundaries("yrd_cities").assign(cluster="Not significant")
    fig = plots.lisa_cluster_map(yrd, None, title="t")
    ax = fig.axes[0]
    from matplotlib.patches import Rectangle

    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_zorder() == 20]
    assert len(bars) == 2  # the two segments
    left, right = min(b.get_x() for b in bars), max(b.get_x() + b.get_width() for b in bars)
    y = bars[0].get_y()
    km = float(next(t.get_text() for t in ax.texts if t.get_text().endswith("km")).split()[0])
    to_ll = Transformer.from_crs(map_crs(yrd.total_bounds), "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_ll.transform([left, right], [y, y])
    ground = Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2] / 1000
    assert ground == pytest.approx(km, rel=0.01)  # Albers' scale error near the edge of the map


def test_national_map_has_the_south_china_sea_inset_and_note():
    import geoproc
    from geoproc import plots

    prov = geoproc.load_boundaries("china_provinces").assign(cluster="Not significant")
    fig = plots.lisa_cluster_map(prov, None, title="t")
    ax = fig.axes[0]
    assert len(ax.child_axes) == 1
    inset = ax.child_axes[0]
    assert any(t.get_text() == "南海诸岛" for t in inset.texts)
    assert any("审图号" in t.get_text() for t in ax.texts)
    # the inset's frame reaches the southernmost islands of the shipped Hainan (about 3.8 N)
    from pyproj import Transformer

    to_ll = Transformer.from_crs(NATIONAL_PROJ, "EPSG:4326", always_xy=True)
    _, lat = to_ll.transform(np.mean(inset.get_xlim()), inset.get_ylim()[0])
    assert lat < 3.8


def test_cli_lisa_map_pdf_and_bad_suffix(tmp_path, capsys):
    from geoproc._paths import data_dir
    from geoproc.cli import main as cli_main

    panel = data_dir() / "demo" / "yrd_cities_panel_synthetic.csv"
    args = ["lisa", "yrd_cities", str(panel), "--variable", "cultural_value_added", "--year", "2018",
            "-w", "queen", "--permutations", "0"]
    assert cli_main([*args, "-o", str(tmp_path / "a.gpkg"), "--map", str(tmp_path / "a.jpg")]) == 2
    assert ".png, .pdf or .svg" in capsys.readouterr().err and not (tmp_path / "a.gpkg").exists()
    assert cli_main([*args, "-o", str(tmp_path / "b.gpkg"), "--map", str(tmp_path / "b.pdf")]) == 0
    assert (tmp_path / "b.pdf").read_bytes()[:5] == b"%PDF-"


def test_national_main_frame_draws_no_reef_south_of_17_5_n():
    """The southern reefs are drawn in the inset only, as Chinese national maps do: every
    vertex the main axes draw lies north of 17.5 N; the inset draws the Xisha (16-17 N) reefs."""
    import geoproc
    from geoproc import plots
    from geoproc.cartography import MAIN_FRAME_SOUTH

    prov = geoproc.load_boundaries("china_provinces").assign(cluster="Not significant")
    fig = plots.lisa_cluster_map(prov, None, title="t")
    ax = fig.axes[0]
    from pyproj import Transformer

    to_ll = Transformer.from_crs(NATIONAL_PROJ, "EPSG:4326", always_xy=True)

    def lats(axes):
        xy = np.vstack([p.vertices for c in axes.collections for p in c.get_paths()])
        return to_ll.transform(xy[:, 0], xy[:, 1])[1]

    main = lats(ax)
    assert main.min() >= MAIN_FRAME_SOUTH - 1e-6
    assert main.min() < 18.3  # Hainan's south coast (18.2 N) is still drawn
    inset = lats(ax.child_axes[0])
    assert ((inset > 15.5) & (inset < 17.3)).sum() > 20 and inset.min() < 4
