"""SpatialWeights from libpysal W / Graph / scipy sparse stays sparse: checked on 50,176 regions,
whose dense matrix (20 GB of float64) would not fit."""

import numpy as np
import pytest
from scipy import sparse

from geoproc.weights import SpatialWeights, as_weights


@pytest.fixture(scope="module")
def lattice():
    from libpysal.weights import lat2W

    w = lat2W(224, 224, rook=True)  # 50,176 regions, ids 0..50175
    w.transform = "R"
    return w


def test_from_W_is_sparse_and_equals_the_neighbours(lattice, monkeypatch):
    from libpysal.weights import W

    def no_dense(*a, **k):
        raise AssertionError("W.full() called: a dense N x N matrix")

    monkeypatch.setattr(W, "full", no_dense)
    sw = as_weights(lattice)
    assert sw.n == 50_176 and sw.transform == "R"
    assert sw.sparse.nnz == sum(lattice.cardinalities.values())
    rng = np.random.default_rng(0)
    for i in rng.choice(sw.n, 200, replace=False).tolist() + [0, 223, 50_175]:
        rid = sw.ids[i]
        row = sw.sparse.getrow(i)
        got = {sw.ids[j]: v for j, v in zip(row.indices, row.data, strict=True)}
        want = dict(zip(lattice.neighbors[rid], lattice.weights[rid], strict=True))
        assert got.keys() == want.keys(), rid
        assert all(got[k] == pytest.approx(want[k], rel=1e-15) for k in want), rid
    # a corner has 2 rook neighbours, an inner cell 4: row-standardised weights 1/2 and 1/4
    assert sorted(sw.sparse.getrow(0).data) == [0.5, 0.5]
    assert sorted(sw.sparse.getrow(225).data) == [0.25] * 4


def test_from_sparse_and_graph_stay_sparse():
    n = 50_000
    # a ring: i -> i-1 and i+1, built sparse
    i = np.arange(n)
    m = sparse.csr_matrix((np.ones(2 * n), (np.r_[i, i], np.r_[(i - 1) % n, (i + 1) % n])), shape=(n, n))
    sw = SpatialWeights(m, [f"r{k}" for k in range(n)])
    assert sw.sparse.nnz == 2 * n and sw.islands == []
    assert sw.sparse[0, n - 1] == 1.0 and sw.sparse[0, 1] == 1.0 and sw.sparse[0, 2] == 0.0
    from libpysal.graph import Graph

    g = Graph.from_sparse(m, ids=np.array(sw.ids, dtype=object))
    sg = SpatialWeights.from_graph(g)
    assert sg.ids == sw.ids
    assert (sg.sparse != sw.sparse).nnz == 0
