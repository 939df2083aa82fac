"""Global Moran permutations are streamed a block at a time: the same p-values as the whole
P x n matrix drawn at once (recomputed here from NumPy's RandomState directly), and peak
memory O(n x block) instead of O(n x permutations)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geoproc.bivariate import bivariate_moran
from geoproc.moran import moran_table
from geoproc.permutation import permutation_blocks
from geoproc.weights.base import SpatialWeights


def ring(n: int) -> SpatialWeights:
    """Each region neighbours the next and the previous on a cycle (sparse, no islands)."""
    i = np.arange(n)
    m = sp.coo_matrix((np.ones(2 * n), (np.r_[i, i], np.r_[(i + 1) % n, (i - 1) % n])), shape=(n, n))
    return SpatialWeights(m.tocsr(), list(range(n)), "ring")


def brute_p_sim(y: np.ndarray, permutations: int, seed: int) -> float:
    """esda's recipe with the whole matrix: row-standardised ring, I of each permutation."""
    rs = np.random.RandomState(seed)
    z = y / np.abs(y).max()
    z = z - z.mean()
    lag = lambda v: 0.5 * (np.roll(v, -1, axis=-1) + np.roll(v, 1, axis=-1))  # noqa: E731
    obs = float(z @ lag(z) / (z @ z))
    zp = np.stack([rs.permutation(z) for _ in range(permutations)])
    sims = (zp * lag(zp)).sum(axis=1) / (z @ z)
    larger = int((sims >= obs).sum())
    larger = min(larger, permutations - larger)
    return (larger + 1.0) / (permutations + 1.0)


def test_blocks_concatenate_to_the_whole_stream():
    z = np.arange(50, dtype=float)
    rs = np.random.RandomState(7)
    whole = np.stack([rs.permutation(z) for _ in range(23)])
    for block in (1, 4, 23, 100):
        got = np.concatenate(list(permutation_blocks(z, 23, 7, block=block)))
        assert np.array_equal(got, whole)


def test_p_sim_equals_the_whole_matrix_recipe():
    n, perms = 3000, 199
    y = np.random.RandomState(1).standard_normal(n).cumsum()  # autocorrelated along the ring
    y[::7] += 3.0
    df = pd.DataFrame({"code": range(n), "year": 2000, "a": y})
    for seed in (0, 5):
        got = moran_table(df, ring(n), "a", permutations=perms, seed=seed).to_frame()["p_sim"].iloc[0]
        assert got == brute_p_sim(y, perms, seed)
    # a statistic near the middle of its permutation distribution: the count matters
    y2 = np.random.RandomState(2).standard_normal(n)
    df2 = pd.DataFrame({"code": range(n), "year": 2000, "a": y2})
    got = moran_table(df2, ring(n), "a", permutations=perms, seed=3).to_frame()["p_sim"].iloc[0]
    assert got == brute_p_sim(y2, perms, 3)
    assert 0.02 < got < 1.0


def test_peak_memory_is_a_block_not_the_matrix():
    n, perms = 200_000, 999
    y = np.random.RandomState(0).standard_normal(n)
    df = pd.DataFrame({"code": range(n), "year": 2000, "a": y})
    w = ring(n)
    tracemalloc.start()
    try:
        moran_table(df, w, "a", permutations=perms, seed=1)
        bivariate_moran(y, y[::-1].copy(), w, permutations=perms, seed=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    full = 8.0 * n * perms  # one n x 999 float64 matrix: 1.6 GB
    assert peak < full / 10, f"peak {peak / 1e6:.0f} MB"


def test_hopeless_permutation_counts_are_refused_before_work():
    """Streaming made memory small, so the guard is the count (and the time estimate)."""
    import time

    import pytest

    from geoproc.errors import GeoprocInputError
    from geoproc.moran import MAX_PERMUTATIONS, check_global_permutations

    t0 = time.perf_counter()
    with pytest.raises(GeoprocInputError, match=r"permutations=1,000,000,000 for 31 regions: more than"):
        check_global_permutations(1_000_000_000, 31, 130)
    check_global_permutations(MAX_PERMUTATIONS, 31, 130)  # the bound itself is accepted
    with pytest.raises(GeoprocInputError, match="hours of computing"):
        check_global_permutations(9_999_999, 50_000_000, 400_000_000)
    assert time.perf_counter() - t0 < 1.0
