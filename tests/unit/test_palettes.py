"""The palette loader: classes as QGIS assigns them, ramp interpolation, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geoproc.errors import GeoprocInputError
from geoproc.palettes import get_palette, hex_to_rgb, load_palettes


def test_graduated_classes_are_left_open_like_qgis():
    lq = get_palette("lq")  # breaks 0, 0.5, 0.8, 1, 1.25, 2, open
    values = [0, 0.3, 0.5, 0.51, 0.8, 1.0, 1.0001, 1.25, 2.0, 7.5, np.nan, -0.1]
    # QGIS: first range whose lower <= v <= upper wins, so a value on a break goes down
    assert lq.classify(values).tolist() == [0, 0, 0, 1, 1, 2, 3, 3, 4, 5, -1, -1]


def test_class_labels():
    assert get_palette("lq").class_labels() == [
        "≤ 0.5", "0.5 – 0.8", "0.8 – 1", "1 – 1.25", "1.25 – 2", "> 2"]
    assert get_palette("density").class_labels()[-1] == "> 10"


def test_ramp_interpolates_rgba_linearly():
    kde = get_palette("kde")
    # stops: 0 -> #ffffb2 alpha 0, 0.1 -> #fecc5c alpha 255
    # at 0.05 (halfway): R (255+254)/2 = 254.5 -> 254 (round half to even),
    # G (255+204)/2 = 229.5 -> 230, B (178+92)/2 = 135, A 127.5 -> 128
    got = kde.ramp_rgba([0.0, 0.05, 1.0, 2.0, np.nan])
    assert got[0].tolist() == [255, 255, 178, 0]
    assert got[1].tolist() == [254, 230, 135, 128]
    assert got[2].tolist() == [*hex_to_rgb("#bd0026"), 255]
    assert got[3].tolist() == got[2].tolist()  # above the maximum: clipped to the last stop
    assert got[4].tolist() == [0, 0, 0, 0]     # NaN: transparent


def test_scaled_stops():
    # stops at 0, 0.1, 0.3, 0.6, 1 of the maximum; maximum 12.5 -> 0, 1.25, 3.75, 7.5, 12.5
    got = get_palette("kde").scaled_stops(12.5)
    assert [v for v, _, _ in got] == pytest.approx([0, 1.25, 3.75, 7.5, 12.5])
    assert got[0][2] == 0 and got[-1][1:] == ("#bd0026", 255)
    with pytest.raises(GeoprocInputError, match="must be positive"):
        get_palette("kde").scaled_stops(0)


def test_unknown_palette_names_the_choices():
    with pytest.raises(GeoprocInputError, match="no palette 'nope'.*lisa"):
        get_palette("nope")


def test_bad_definition_is_refused(tmp_path):
    bad = {"x": {"title": "x", "type": "graduated", "field": "x", "qml": "x.qml",
                 "breaks": [0, 1], "colors": ["#000000", "#ffffff"]}}
    (tmp_path / "palettes.json").write_text(json.dumps(bad))
    with pytest.raises(GeoprocInputError, match="'x' needs one more break"):
        load_palettes(tmp_path / "palettes.json")


def test_hex_to_rgb():
    assert hex_to_rgb("#d7191c") == (0xD7, 0x19, 0x1C) == (215, 25, 28)
    with pytest.raises(GeoprocInputError):
        hex_to_rgb("#fff")


def test_categories_are_the_labels_geoproc_writes():
    """The LISA and Gi* palettes cover exactly the labels local_moran / getis_ord write."""
    from geoproc.hotspots import HOTSPOT_LABELS
    from geoproc.lisa import CLUSTER_LABELS, NOT_SIGNIFICANT, UNDEFINED

    lisa = {c.value for c in get_palette("lisa").categories}
    assert lisa == set(CLUSTER_LABELS.values()) | {NOT_SIGNIFICANT, UNDEFINED}
    assert [c.value for c in get_palette("hotspot").categories] == list(HOTSPOT_LABELS)
