"""Simulated SDM panels shared by the SDM and table tests (a plain helper module: pytest does
not collect it, and test modules import it instead of importing each other)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from geoproc.weights import SpatialWeights


def knn_w(n: int, k: int = 5, seed: int = 0) -> sparse.csr_matrix:
    """Row-standardised k-nearest-neighbour W on random points."""
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    _, idx = cKDTree(pts).query(pts, k=k + 1)
    rows = np.repeat(np.arange(n), k)
    return sparse.csr_matrix((np.full(n * k, 1.0 / k), (rows, idx[:, 1:].ravel())), shape=(n, n))


def simulate(n: int = 40, t: int = 6, rho: float = 0.4, beta=(1.0, -0.5), theta=(0.5, 0.3),
             seed: int = 0, k: int = 5, error: bool = False):
    """A two-way fixed-effects SDM (or SEM with ``error``) panel: (DataFrame, SpatialWeights, W).

    y_t = (I - rho W)^-1 (X_t beta + W X_t theta + mu + lambda_t + e_t)
    """
    rng = np.random.default_rng(seed)
    W = knn_w(n, k, seed)
    K = len(beta)
    X = rng.normal(size=(t, n, K))
    mu = rng.normal(size=n)
    lam = rng.normal(size=t)
    A = np.eye(n) - rho * W.toarray()
    Y = np.empty((t, n))
    for s in range(t):
        e = rng.normal(size=n)
        if error:  # rho is then lambda of u = lambda W u + e
            Y[s] = X[s] @ np.asarray(beta) + mu + lam[s] + np.linalg.solve(A, e)
        else:
            Y[s] = np.linalg.solve(A, X[s] @ np.asarray(beta) + (W @ X[s]) @ np.asarray(theta)
                                   + mu + lam[s] + e)
    df = pd.DataFrame({
        "code": np.tile(np.arange(n) + 100, t),
        "year": np.repeat(np.arange(2000, 2000 + t), n),
        "y": Y.ravel(),
    })
    for j in range(K):
        df[f"x{j + 1}"] = X[..., j].ravel()
    # shuffle rows: the estimator must not depend on the row order
    df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return df, SpatialWeights(W, list(np.arange(n) + 100), "knn", "R"), W
