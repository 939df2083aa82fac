"""Composite indices: principal-component index and entropy-weight index (METHODS §3).

Both take a long panel (one row per region-year) and, by default, pool all
region-years into one fit (``by="pooled"``): one set of loadings or weights for
the whole period, so that the index is comparable across years - the users'
practice for a panel regressor such as the digital-technology index. ``by="year"``
fits each year separately (each year's index is then only comparable within
that year).

Both return ``(index, result)``: the index as a Series aligned to the panel's
rows, and a result object with named attributes, ``summary()`` and ``to_frame()``.

The two live in :mod:`geoproc.indices.pca` and :mod:`geoproc.indices.entropy`, what they
share in :mod:`geoproc.indices._composite`; this module keeps their names importable.
"""

from geoproc.indices._composite import YearlyResults
from geoproc.indices.entropy import EntropyWeightResult, entropy_weight_index
from geoproc.indices.pca import PCAIndexResult, pca_index

__all__ = [
    "EntropyWeightResult",
    "PCAIndexResult",
    "YearlyResults",
    "entropy_weight_index",
    "pca_index",
]
