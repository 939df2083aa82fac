"""The QML files in styles/ say what the palette says (read as XML, no QGIS needed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from geoproc.errors import GeoprocInputError
from geoproc.palettes import hex_to_rgb, load_palettes, styles_dir

PALETTES = load_palettes()
VECTOR = [p for p in PALETTES.values() if p.type != "pseudocolor"]


def _rgba(symbol: ET.Element) -> tuple[int, ...]:
    layer = symbol.find("layer")
    props = {p.get("k"): p.get("v") for p in layer.findall("prop")}
    key = "line_color" if layer.get("class") == "SimpleLine" else "color"
    return tuple(int(x) for x in props[key].split(","))


def test_every_style_file_of_the_brief_exists():
    names = {p.qml for p in PALETTES.values()}
    assert names == {
        "lisa_clusters.qml", "getis_ord_hotspots.qml", "park_density.qml",
        "location_quotient.qml", "agglomeration.qml", "weight_links.qml", "kde_raster.qml",
        "sdm_effects.qml", "sde_ellipses.qml",
    }
    for n in names:
        assert (styles_dir() / n).is_file(), n


def test_lisa_values_and_conventional_colours():
    pal = PALETTES["lisa"]
    assert pal.field == "cluster"
    assert [c.value for c in pal.categories] == [
        "High-High", "Low-Low", "Low-High", "High-Low", "Not significant", "Undefined"]  # Undefined: islands (NaN p)
    rgb = {c.value: hex_to_rgb(c.color) for c in pal.categories}
    r, g, b = rgb["High-High"]
    assert r > 200 and g < 60 and b < 60           # red
    r, g, b = rgb["Low-Low"]
    assert b > 150 and r < 80                      # blue
    r, g, b = rgb["Low-High"]
    assert b > r and min(r, g, b) > 150            # light blue
    r, g, b = rgb["High-Low"]
    assert r > g and r > b and min(r, g, b) > 140  # pink
    r, g, b = rgb["Not significant"]
    assert r == g == b                             # grey


def test_hotspot_bins_deepen_with_confidence():
    pal = PALETTES["hotspot"]
    rgb = {c.value: np.array(hex_to_rgb(c.color)) for c in pal.categories}
    hot = [rgb[f"Hot spot {k}%"] for k in (90, 95, 99)]
    cold = [rgb[f"Cold spot {k}%"] for k in (90, 95, 99)]
    # deeper = darker (smaller channel sum), red dominates hot, blue dominates cold
    assert hot[0].sum() > hot[1].sum() > hot[2].sum()
    assert cold[0].sum() > cold[1].sum() > cold[2].sum()
    assert all(h[0] > h[2] for h in hot) and all(c[2] > c[0] for c in cold)


def test_lq_diverges_at_one():
    pal = PALETTES["lq"]
    assert 1.0 in pal.breaks
    k = pal.breaks.index(1.0)
    for i, color in enumerate(pal.colors):
        r, g, b = hex_to_rgb(color)
        assert (b > r) if i < k else (r > b), (i, color)


@pytest.mark.parametrize("pal", VECTOR, ids=[p.name for p in VECTOR])
def test_qml_classes_match_palette(pal):
    root = ET.parse(styles_dir() / pal.qml).getroot()
    assert root.tag == "qgis" and root.get("version").startswith("3.22")
    r = root.find("renderer-v2")
    assert r.get("attr") == pal.field
    if pal.extra.get("groups"):  # categories per layer (group_qml): only the outline template
        assert r.get("type") == "categorizedSymbol" and r.find("categories") is None
        layer = r.find("source-symbol/symbol/layer")
        props = {p.get("k"): p.get("v") for p in layer.findall("prop")}
        assert props["style"] == "no" and float(props["outline_width"]) == pal.extra["width_mm"]
        assert props["outline_color"] == ",".join(map(str, hex_to_rgb(pal.extra["groups"][-1]))) + ",255"
        return
    symbols = {s.get("name"): s for s in r.find("symbols").findall("symbol")}
    if pal.type == "categorized":
        assert r.get("type") == "categorizedSymbol"
        cats = r.find("categories").findall("category")
        assert [c.get("value") for c in cats] == [c.value for c in pal.categories]
        for c, want in zip(cats, pal.categories, strict=True):
            assert _rgba(symbols[c.get("symbol")]) == (*hex_to_rgb(want.color), 255)
    else:
        assert r.get("type") == "graduatedSymbol"
        ranges = r.find("ranges").findall("range")
        assert len(ranges) == len(pal.colors)
        for i, rng in enumerate(ranges):
            assert float(rng.get("lower")) == pal.breaks[i]
            hi = pal.breaks[i + 1]
            assert float(rng.get("upper")) == (hi if np.isfinite(hi) else 1e12)
            assert rng.get("label") == pal.class_labels()[i]
            sym = symbols[rng.get("symbol")]
            assert _rgba(sym) == (*hex_to_rgb(pal.colors[i]), 255)
            if pal.geometry == "line":
                width = {p.get("k"): p.get("v") for p in sym.find("layer").findall("prop")}["line_width"]
                assert float(width) == pal.widths_mm[i]


def test_kde_qml_ramp_is_transparent_at_zero():
    pal = PALETTES["kde"]
    root = ET.parse(styles_dir() / pal.qml).getroot()
    rr = root.find("pipe/rasterrenderer")
    assert rr.get("type") == "singlebandpseudocolor" and rr.get("band") == "1"
    shader = rr.find("rastershader/colorrampshader")
    assert shader.get("colorRampType") == "INTERPOLATED"
    items = shader.findall("item")
    assert [(float(i.get("value")), i.get("color"), int(i.get("alpha"))) for i in items] == [
        (s.at, s.color, s.alpha) for s in pal.stops]
    assert int(items[0].get("alpha")) == 0 and float(items[0].get("value")) == 0.0


def test_sdm_effects_diverge_at_zero_and_scale_to_the_layer():
    from geoproc.palettes import scaled_qml

    pal = PALETTES["sdm_effects"]
    b = list(pal.breaks)
    assert b == [-x for x in reversed(b)] and b[len(b) // 2] == 0  # symmetric about 0
    # blue below zero, red above (ColorBrewer RdBu's ends)
    assert pal.colors[0] == "#2166ac" and pal.colors[-1] == "#b2182b"
    root = ET.fromstring(scaled_qml("sdm_effects", "dig_direct", 0.8).partition("\n")[2])
    ren = root.find("./renderer-v2")
    assert ren.get("attr") == "dig_direct"
    got = [(float(r.get("lower")), float(r.get("upper"))) for r in ren.findall("./ranges/range")]
    want = [(0.8 * lo, 0.8 * hi) for lo, hi in zip(b[:-1], b[1:], strict=True)]
    assert np.allclose(got, want, rtol=0, atol=1e-8)
    # the extremes themselves fall inside the outer classes
    assert got[0][0] < -0.8 and got[-1][1] > 0.8
    with pytest.raises(GeoprocInputError):
        scaled_qml("sdm_effects", "x", 0.0)
    with pytest.raises(GeoprocInputError):
        scaled_qml("lq", "lq", 1.0)  # not a scaled palette


@pytest.mark.parametrize(("values", "want"), [
    ([-3.0, 2.0, np.nan], 3.0),  # the largest absolute value, NaN ignored
    ([0.25, -0.5], 0.5),
    ([np.nan, np.nan], 1.0),  # nothing finite: the palette's own 0-1 scale
    ([0.0, -0.0], 1.0),  # all zero: scaled_qml refuses 0
])
def test_scaled_vmax_is_the_largest_absolute_value(values, want):
    from geoproc.palettes import scaled_vmax

    assert scaled_vmax(values) == want
