"""Compiled WGS84 geodesic distance kernel (numba). Placeholder until the kernel lands."""

from __future__ import annotations

import numpy as np


def available() -> bool:
    return False


def fill_matrix(lon: np.ndarray, lat: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    raise NotImplementedError
