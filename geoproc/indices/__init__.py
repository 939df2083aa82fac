"""Regional indicators (METHODS §3): agglomeration index, location quotient, composite indices.

- :mod:`geoproc.indices.concentration`: ``agglomeration_index``, ``location_quotient``
- :mod:`geoproc.indices.composite`: ``pca_index``, ``entropy_weight_index`` and their results
- :mod:`geoproc.indices.compute`: ``compute_indices``, all of them in one checked call
"""

from geoproc.indices.composite import (
    EntropyWeightResult,
    PCAIndexResult,
    YearlyResults,
    entropy_weight_index,
    pca_index,
)
from geoproc.indices.compute import compute_indices
from geoproc.indices.concentration import agglomeration_index, location_quotient

__all__ = [
    "EntropyWeightResult",
    "PCAIndexResult",
    "YearlyResults",
    "agglomeration_index",
    "compute_indices",
    "entropy_weight_index",
    "location_quotient",
    "pca_index",
]
