"""Several fits as table columns: weights x model x subsample, W restricted to a subsample and
row-standardised again (checked against a dense slice normalised by hand)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sdm_panels import knn_w, simulate

import geoproc
from geoproc.errors import GeoprocInputError
from geoproc.tables.columns import column_headers, columns_json, fit_columns, restrict_weights
from geoproc.weights.base import SpatialWeights


def test_restrict_weights_by_hand():
    m = np.array([[0, 1, 2, 0], [1, 0, 0, 3], [2, 0, 0, 1], [0, 3, 1, 0]], dtype=float)
    w = SpatialWeights(m, ["a", "b", "c", "d"], "custom", "O")
    sub, islands = restrict_weights(w, ["d", "a", "b"])
    # rows/columns d, a, b of m: d-a 0, d-b 3; a-d 0, a-b 1; b-d 3, b-a 1
    want = np.array([[0, 0, 3], [0, 0, 1], [3, 1, 0]], dtype=float)
    want = want / want.sum(axis=1, keepdims=True)
    assert_allclose(sub.sparse.toarray(), want)
    assert sub.ids == ["d", "a", "b"] and islands == []
    sub, islands = restrict_weights(w, ["a", "d"])  # a and d are not linked
    assert islands == ["a", "d"] and sub.sparse.nnz == 0
    with pytest.raises(GeoprocInputError, match="z"):
        restrict_weights(w, ["a", "z"])


@pytest.fixture(scope="module")
def panel():
    df, w, W = simulate(n=36, t=5, seed=4)
    df["zone"] = np.where(df["code"] < 118, "east", "west")
    w2 = SpatialWeights(knn_w(36, 3, 9), w.ids, "knn", "R")
    return df, {"knn5": w, "knn3": w2}


# the zones are not spatial halves of the random k-NN graphs: some regions lose every neighbour
@pytest.mark.filterwarnings("ignore:weights have islands")
def test_columns_and_subsamples_against_hand_built_fits(panel):
    df, weights = panel
    cols = fit_columns(df, weights, "y", ["x1", "x2"], models=("sdm", "sar"), by="zone",
                       draws=0, tests=False, islands="keep")  # sdm raises on islands unless told
    assert [(c.weights, c.model, c.group) for c in cols] == [
        (w, m, g) for w in ("knn5", "knn3") for m in ("sdm", "sar") for g in ("east", "west")]
    c = cols[5]  # knn3, sdm, west
    ids = sorted(df.loc[df.zone == "west", "code"].unique())
    full = weights["knn3"].sparse.toarray()
    pos = [weights["knn3"].ids.index(i) for i in ids]
    sub = full[np.ix_(pos, pos)]
    rs = sub.sum(axis=1, keepdims=True)
    sub = np.divide(sub, rs, out=np.zeros_like(sub), where=rs != 0)
    ref = geoproc.sdm(df[df.zone == "west"], SpatialWeights(sub, ids, "custom", "R"), y="y",
                      x=["x1", "x2"], draws=0, tests=False, islands="keep")
    assert_allclose(c.fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-10)
    assert c.fit.n == len(ids) == 18
    # the whole-sample column is the plain fit
    one = fit_columns(df, {"knn5": weights["knn5"]}, "y", ["x1", "x2"], draws=0, tests=False)[0]
    ref = geoproc.sdm(df, weights["knn5"], y="y", x=["x1", "x2"], draws=0, tests=False)
    assert_allclose(one.fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-12)


def test_by_column_checks(panel):
    df, weights = panel
    bad = df.copy()
    bad.loc[(bad.code == 101) & (bad.year == 2001), "zone"] = "west"
    with pytest.raises(GeoprocInputError, match="101"):
        fit_columns(bad, weights, "y", ["x1"], by="zone", draws=0, tests=False)
    with pytest.raises(GeoprocInputError, match="no column 'nope'"):
        fit_columns(df, weights, "y", ["x1"], by="nope", draws=0, tests=False)


def test_headers_and_json(panel):
    df, weights = panel
    cols = fit_columns(df, weights, "y", ["x1", "x2"], models=("sdm", "sem"), draws=0, tests=False)
    names, groups = column_headers(cols, {"knn5": "K5"})
    assert names == ["SDM", "SEM", "SDM", "SEM"] and groups == [("K5", 2), ("knn3", 2)]
    assert column_headers(cols[:1]) == (["knn5"], None)
    assert column_headers([cols[0], cols[2]]) == (["knn5", "knn3"], None)
    doc = json.loads(json.dumps(columns_json(cols), allow_nan=False))
    assert [(m["weights"], m["model"], m["group"]) for m in doc["models"]] == [
        ("knn5", "sdm", None), ("knn5", "sem", None), ("knn3", "sdm", None), ("knn3", "sem", None)]
    assert doc["models"][1]["lambda"] == pytest.approx(cols[1].fit.lam, rel=1e-15)
    assert doc["models"][0]["weights_info"]["kind"] == "knn"
    # a table from the JSON equals the table from the fits
    t1 = geoproc.regression_table(doc["models"], names=names, groups=groups)
    t2 = geoproc.regression_table([c.fit for c in cols], names=names, groups=groups)
    assert t1.to_markdown() == t2.to_markdown()
