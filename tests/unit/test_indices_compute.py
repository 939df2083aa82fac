"""compute_indices: the one orchestrator of the indicator columns (CLI and QGIS tool)."""

import numpy as np
import pandas as pd
import pytest

from geoproc.errors import GeoprocInputError
from geoproc.indices import compute_indices
from geoproc.progress import Cancelled


@pytest.fixture
def panel():
    # two regions, two years
    return pd.DataFrame({
        "code": ["A", "B", "A", "B"],
        "year": [2015, 2015, 2016, 2016],
        "rev": [1.0, 3.0, 2.0, 6.0],
        "va": [10.0, 30.0, 20.0, 20.0],
        "gdp": [100.0, 100.0, 100.0, 200.0],
        "x": [1.0, 2.0, 4.0, 3.0],
        "y": [2.0, 1.0, 5.0, 7.0],
    })


def test_values_by_hand(panel):
    before = panel.copy()
    ref = pd.DataFrame({"year": [2015, 2016], "va": [50.0, 100.0], "gdp": [1000.0, 1000.0]})
    out, fits = compute_indices(
        panel, agglomeration=["rev"], lq=[("va", "gdp")], lq_reference=ref,
        entropy=["x", "y"], entropy_directions=[1, -1], entropy_name="ent",
    )
    pd.testing.assert_frame_equal(panel, before)  # input untouched
    assert list(out.columns) == list(panel.columns) + ["rev_agglomeration", "va_lq", "ent"]
    # rev over the yearly mean: 2015 mean 2 -> 0.5, 1.5; 2016 mean 4 -> 0.5, 1.5
    np.testing.assert_allclose(out["rev_agglomeration"], [0.5, 1.5, 0.5, 1.5])
    # (e_i/E_i)/(e/E): 2015 e/E = 0.05 -> 0.1/0.05=2, 0.3/0.05=6; 2016 e/E=0.1 -> 2, 1
    np.testing.assert_allclose(out["va_lq"], [2.0, 6.0, 2.0, 1.0])
    # entropy: x' = (x-1)/3 = 0, 1/3, 1, 2/3; y negative: y' = (7-y)/6 = 5/6, 1, 1/3, 0
    xn = np.array([0, 1 / 3, 1, 2 / 3])
    yn = np.array([5 / 6, 1, 1 / 3, 0])

    def ent(v):
        p = v / v.sum()
        p = p[p > 0]
        return -(p * np.log(p)).sum() / np.log(4)

    d = np.array([1 - ent(xn), 1 - ent(yn)])
    w = d / d.sum()
    np.testing.assert_allclose(out["ent"], w[0] * xn + w[1] * yn)
    assert set(fits) == {"ent"}
    np.testing.assert_allclose(fits["ent"].weights, w)


def test_pca_result_and_progress(panel):
    fractions, lines = [], []
    out, fits = compute_indices(panel, pca=["x", "y"], pca_name="dig", progress=fractions.append, log=lines.append)
    assert fractions == [0.0, 1.0] and lines == ["computing dig"]
    with pytest.raises(Cancelled):  # the geoproc.progress protocol: False stops the call
        compute_indices(panel, pca=["x", "y"], pca_name="dig", progress=lambda f: False)
    # two indicators: R has eigenvalues 1 +- r; first coefficients (1, 1)/sqrt(2) when r > 0
    z = (panel[["x", "y"]] - panel[["x", "y"]].mean()) / panel[["x", "y"]].std()
    r = np.corrcoef(panel["x"], panel["y"])[0, 1]
    assert r > 0
    np.testing.assert_allclose(out["dig"], (z["x"] + z["y"]) / np.sqrt(2))
    np.testing.assert_allclose(fits["dig"].eigenvalues, [1 + r, 1 - r])


def _no_work(monkeypatch):
    import geoproc.indices.compute as compute

    def boom(*a, **k):
        raise AssertionError("an index was computed before the options were checked")

    for fn in ("agglomeration_index", "location_quotient", "pca_index", "entropy_weight_index"):
        monkeypatch.setattr(compute, fn, boom)


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(agglomeration=["rev"], pca=["x", "y"], pca_name="rev_agglomeration"),
     "two new columns would both be called 'rev_agglomeration'"),
    (dict(pca=["x", "y"], entropy=["x", "y"], pca_name="ix", entropy_name="ix"),
     "two new columns would both be called 'ix'"),
    (dict(agglomeration=["rev"], pca=["x", "y"], pca_name="gdp"), "already has column(s) 'gdp'"),
    (dict(agglomeration=["rev"], entropy=["x", "nope"]), "no column 'nope'"),
    (dict(agglomeration=["rev"], pca=["x", "y"], pca_method="second"), "pca_method"),
    (dict(agglomeration=["rev"], pca=["x", "y"], pca_method="weighted", pca_keep=3), "keep=3"),
    (dict(agglomeration=["rev"], entropy=["x", "y"], entropy_directions=[1, 2]), "direction of 'y'"),
    (dict(agglomeration=["rev"], lq=[("va",)]), "(sector, total)"),
    (dict(), "nothing to compute"),
])
def test_everything_checked_before_any_work(panel, monkeypatch, kwargs, message):
    _no_work(monkeypatch)
    with pytest.raises(GeoprocInputError) as err:
        compute_indices(panel, **kwargs)
    assert message in str(err.value)


def test_year_missing_for_every_region(panel):
    gap = panel.assign(year=panel["year"].replace({2016: 2017}))
    with pytest.raises(GeoprocInputError, match=r"year\(s\) 2016 between 2015 and 2017.*consecutive=False"):
        compute_indices(gap, agglomeration=["rev"])
    out, _ = compute_indices(gap, agglomeration=["rev"], consecutive=False)
    np.testing.assert_allclose(out["rev_agglomeration"], [0.5, 1.5, 0.5, 1.5])


def test_year_gaps_listed_as_runs():
    from geoproc.panel.checks import year_gaps

    assert year_gaps([2010, 2011, 2013, 2017, 2018]) == ["2012", "2014-2016"]
    assert year_gaps([2015, 2016]) == []
