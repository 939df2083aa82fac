"""Issue 13 item 4: a kept island's LISA has a NaN p, so it is "Undefined", never "Not significant"
(the word Gi* uses), in the library, the palette and the HTML/PNG legends."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoproc import maps, plots
from geoproc.boundaries import read_regions
from geoproc.lisa import CLUSTER_LABELS, local_bivariate_moran, local_moran
from geoproc.palettes import get_palette
from geoproc.weights.build import build_weights

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


@pytest.fixture(scope="module")
def provinces():
    g = read_regions("china_provinces")
    df = pd.read_csv(DEMO / "provinces_panel_synthetic.csv")
    v = df[df.year == 2021].set_index("code")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = build_weights("queen", g)
    return g, v, w


def _hainan(g) -> int:
    """Hainan found independently of our weights: the one province whose polygon touches no other."""
    geoms = list(g.geometry)
    alone = [i for i, a in enumerate(geoms) if not any(j != i and a.intersects(b) for j, b in enumerate(geoms))]
    assert len(alone) == 1
    return alone[0]


@pytest.mark.parametrize("permutations", [0, 99])
def test_kept_island_is_undefined(provinces, permutations):
    g, v, w = provinces
    h = _hainan(g)
    r = local_moran(g, v["cul"], w, islands="keep", permutations=permutations, seed=1, fdr=bool(permutations))
    assert "海南" in str(g.iloc[h].to_dict()) or "Hainan" in str(g.iloc[h].to_dict())
    assert r.island.iloc[h] and np.isnan(r.lisa_p.iloc[h]) and r.cluster.iloc[h] == "Undefined"
    decide = r.lisa_p_fdr if permutations else r.lisa_p
    for i in range(len(r)):  # every other province by the usual rule
        if i == h:
            continue
        want = CLUSTER_LABELS[int(r.lisa_q.iloc[i])] if decide.iloc[i] <= 0.05 else "Not significant"
        assert r.cluster.iloc[i] == want
    assert (r.cluster == "Undefined").sum() == 1
    b = local_bivariate_moran(g, v["cul"], v["dig"], w, islands="keep", permutations=permutations or 99, seed=1)
    assert b.cluster.iloc[h] == "Undefined" and (b.cluster == "Undefined").sum() == 1


def test_legends_show_undefined_only_when_present(provinces, tmp_path):
    g, v, w = provinces
    label = next(c.label for c in get_palette("lisa").categories if c.value == "Undefined")
    kept = local_moran(g, v["cul"], w, islands="keep", permutations=0)
    dropped = local_moran(g, v["cul"], w, islands="drop", permutations=0)
    maps.lisa_map(kept, tmp_path / "k.html", offline=True)
    maps.lisa_map(dropped, tmp_path / "d.html", offline=True)
    assert f"{label} (1)" in (tmp_path / "k.html").read_text(encoding="utf-8")
    assert label not in (tmp_path / "d.html").read_text(encoding="utf-8")
    fig = plots.lisa_cluster_map(kept, tmp_path / "k.png")
    assert f"{label} (1)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    fig = plots.lisa_cluster_map(dropped, tmp_path / "d.png")
    assert not any(label in t.get_text() for t in fig.axes[0].get_legend().get_texts())
