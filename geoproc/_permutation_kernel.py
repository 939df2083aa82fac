"""The conditional-permutation loop in numba, for large problems on all cores.

Site i's P simulated statistics are computed in one thread, in a fixed order (the
k-th draw of permutation p times the k-th weight of the row, summed over k in
order), so the results do not depend on the number of threads. Only counts, mean and
standard deviation are kept per site (memory O(N + P x max_card)), unless the
caller passes an N x P array for the simulations.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["crand_sites"]


@njit(cache=True, parallel=True, nogil=True)
def crand_sites(
    kind, zx, zy, indptr, data, self_w, observed, ids, scaling, larger, mean, sd, sims, keep,
    lo, hi, chunk,
):  # fmt: skip
    """Fill ``larger``, ``mean``, ``sd`` (and ``sims`` if ``keep``) for sites ``lo:hi``.

    ``kind``: 0 Moran, 1 bivariate Moran, 2 G, 3 G*. Sites without neighbours are
    left as they are (``larger`` -1 marks them). Sites are dealt out in chunks of
    ``chunk``; each chunk owns one scratch row of P values.
    """
    P = ids.shape[0]
    nchunks = (hi - lo + chunk - 1) // chunk
    for b in prange(nchunks):
        buf = np.empty(P)
        for i in range(lo + b * chunk, min(hi, lo + (b + 1) * chunk)):
            base = indptr[i]
            c = indptr[i + 1] - base
            if c == 0:
                continue
            for p in range(P):
                acc = 0.0
                for k in range(c):
                    r = ids[p, k]
                    if r >= i:  # draws are among the n - 1 other sites: skip site i
                        r += 1
                    acc += zy[r] * data[base + k]
                if kind == 0:
                    stat = zx[i] * (acc + self_w[i] * zx[i]) * scaling
                elif kind == 1:
                    stat = zx[i] * (acc + self_w[i] * zy[i]) * scaling
                elif kind == 2:
                    stat = acc / (scaling - zy[i])
                else:
                    stat = (acc + self_w[i] * zy[i]) / scaling
                buf[p] = stat
            count = 0
            total = 0.0
            for p in range(P):
                if buf[p] >= observed[i]:
                    count += 1
                total += buf[p]
            m = total / P
            ss = 0.0
            for p in range(P):
                d = buf[p] - m
                ss += d * d
            larger[i] = count
            mean[i] = m
            sd[i] = math.sqrt(ss / P)
            if keep:
                sims[i, :] = buf
