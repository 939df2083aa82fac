"""One lock and a thread count for geoproc's parallel numba kernels (KDE stamping, permutations).

numba's default threading layer (workqueue) must not be entered from two Python
threads at once, so every parallel kernel call holds :data:`NUMBA_LOCK`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["NUMBA_LOCK", "numba_threads"]

NUMBA_LOCK = threading.Lock()


@contextlib.contextmanager
def numba_threads(n_jobs: int | None) -> Iterator[int]:
    """Hold the lock and run numba's parallel loops on ``n_jobs`` threads (-1/None: all)."""
    import numba

    most = numba.config.NUMBA_NUM_THREADS
    n = most if n_jobs is None or n_jobs < 1 else min(int(n_jobs), most)
    with NUMBA_LOCK:
        before = numba.get_num_threads()
        numba.set_num_threads(n)
        try:
            yield n
        finally:
            numba.set_num_threads(before)
