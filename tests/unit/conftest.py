"""Fixtures shared by the unit tests (no QGIS).

Test modules take shared data from here instead of importing each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def rook_lattice():
    """``rook_lattice(rows, cols)``: binary rook contiguity on a grid (libpysal's lat2W),
    as SpatialWeights with ids 0..n-1 (cell id = row * cols + col)."""
    from libpysal.weights import lat2W

    from geoproc.weights.base import SpatialWeights

    def build(rows: int, cols: int) -> SpatialWeights:
        w = lat2W(rows, cols, rook=True)
        m, _ = w.full()
        return SpatialWeights(m, list(range(rows * cols)), "rook")

    return build


@pytest.fixture(scope="session")
def long_panel():
    """``long_panel({year: {variable: values}}, ids)``: a long panel (code, year, variables)."""

    def build(values: dict, ids) -> pd.DataFrame:
        rows = [{"code": i, "year": year, **{v: cols[v][k] for v in cols}}
                for year, cols in values.items() for k, i in enumerate(ids)]
        return pd.DataFrame(rows)

    return build


@pytest.fixture(scope="session")
def sdm_panel(rook_lattice):
    """A small two-way fixed-effects SDM panel on a 5 x 5 rook lattice (row-standardised):
    ``y_t = (I - 0.4 W)^-1 (X_t (1, -0.5) + W X_t (0.5, 0.3) + mu + lambda_t + e_t)``,
    4 years, ids 100..124; returns (DataFrame, SpatialWeights)."""
    from geoproc.weights.base import SpatialWeights

    rng = np.random.default_rng(3)
    n, t = 25, 4
    b = rook_lattice(5, 5).sparse.toarray()
    W = b / b.sum(axis=1, keepdims=True)
    X = rng.normal(size=(t, n, 2))
    mu, lam = rng.normal(size=n), rng.normal(size=t)
    A = np.eye(n) - 0.4 * W
    Y = np.stack([np.linalg.solve(A, X[s] @ [1.0, -0.5] + (W @ X[s]) @ [0.5, 0.3] + mu + lam[s]
                                  + rng.normal(size=n)) for s in range(t)])
    ids = list(np.arange(n) + 100)
    df = pd.DataFrame({"code": np.tile(ids, t), "year": np.repeat(np.arange(2000, 2000 + t), n),
                       "y": Y.ravel(), "x1": X[..., 0].ravel(), "x2": X[..., 1].ravel()})
    return df, SpatialWeights(W, ids, "rook", "R")
