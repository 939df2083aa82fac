"""Regional indicators (METHODS §3): agglomeration index, location quotient, composite indices.

- :mod:`geoproc.indices.concentration`: ``agglomeration_index``, ``location_quotient``
- :mod:`geoproc.indices.pca`, :mod:`geoproc.indices.entropy`: ``pca_index``,
  ``entropy_weight_index`` and their results (``composite`` keeps the old import path)
- :mod:`geoproc.indices.compute`: ``compute_indices``, all of them in one checked call
"""

from geoproc.indices._composite import YearlyResults
from geoproc.indices.compute import compute_indices
from geoproc.indices.concentration import agglomeration_index, location_quotient
from geoproc.indices.entropy import EntropyWeightResult, entropy_weight_index
from geoproc.indices.pca import PCAIndexResult, pca_index

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
