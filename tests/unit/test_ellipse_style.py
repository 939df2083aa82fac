"""The ellipse layer's QGIS style: one outline per group, coloured by the ``ellipse`` palette
(styles/palettes.json, the one owner of the colours the HTML map and the plugin use too)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from geoproc.palettes import group_colours, group_qml
from geoproc.pattern.ellipse import ELLIPSE_COLOURS
from geoproc.pattern.ellipse import group_colours as ellipse_group_colours


def test_colours_come_from_the_palette():
    assert ELLIPSE_COLOURS == ("#fec44f", "#993404")  # ColorBrewer YlOrBr, as in palettes.json
    assert group_colours(2) == list(ELLIPSE_COLOURS) == ellipse_group_colours(2)
    assert group_colours(1) == ["#993404"]
    # halfway between (254, 196, 79) and (153, 52, 4), rounded: (204, 124, 42)
    assert group_colours(3)[1] == "#cc7c2a"


@pytest.mark.parametrize("values, field", [([2010, 2004, 2022, 2010], "year"),
                                           (["publishing", "arts and crafts"], "type")])
def test_group_qml_has_a_category_per_group_in_order(values, field):
    root = ET.fromstring(group_qml("ellipse", field, values).partition("\n")[2])
    ren = root.find("renderer-v2")
    assert ren.get("type") == "categorizedSymbol" and ren.get("attr") == field
    groups = sorted(set(values))
    cats = ren.find("categories").findall("category")
    assert [c.get("value") for c in cats] == [str(v) for v in groups]
    symbols = {s.get("name"): s for s in ren.find("symbols").findall("symbol")}
    want = group_colours(len(groups))
    for c, colour in zip(cats, want, strict=True):
        opts = {o.get("name"): o.get("value") for o in symbols[c.get("symbol")].iter("Option") if o.get("name")}
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert opts["outline_color"] == f"{r},{g},{b},255"
        assert opts["style"] == "no" and opts["outline_width"] == "0.6"  # outlines only, as the plugin
