"""geoproc: geoprocessing and spatial econometrics for regional science.

The public functions are imported lazily (PEP 562) so that ``import geoproc`` is
fast: QGIS imports the plugin at start-up, and the CLI should answer ``--help``
without loading geopandas, numba or esda.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (one module per concept)
_EXPORTS: dict[str, str] = {
    # errors
    "GeoprocInputError": "geoproc.errors",
    # boundaries and coordinates
    "load_boundaries": "geoproc.boundaries",
    "list_boundaries": "geoproc.boundaries",
    "read_regions": "geoproc.boundaries",
    "to_wgs84": "geoproc.datums",
    "from_wgs84": "geoproc.datums",
    # centroids and distances
    "centroids": "geoproc.centroids",
    "distance_matrix": "geoproc.distances",
    "write_distance_matrix": "geoproc.distances",
    # spatial weights
    "SpatialWeights": "geoproc.weights",
    "as_weights": "geoproc.weights",
    "queen_weights": "geoproc.weights",
    "rook_weights": "geoproc.weights",
    "knn_weights": "geoproc.weights",
    "inverse_distance_weights": "geoproc.weights",
    "gravity_weights": "geoproc.weights",
    "nested_weights": "geoproc.weights",
    "build_weights": "geoproc.weights",
    "read_weights": "geoproc.weights",
    "write_weights": "geoproc.weights",
    # panel tables
    "read_table": "geoproc.panel",
    "read_panel": "geoproc.panel",
    "match_regions": "geoproc.panel",
    # spatial autocorrelation
    "moran_table": "geoproc.moran",
    "bivariate_moran": "geoproc.moran",
    "local_moran": "geoproc.lisa",
    "local_bivariate_moran": "geoproc.lisa",
    "getis_ord": "geoproc.getis_ord",
    # park densities
    "read_points": "geoproc.points",
    "point_density": "geoproc.density",
    "kernel_density": "geoproc.kde",
    # indicators
    "agglomeration_index": "geoproc.indices",
    "location_quotient": "geoproc.indices",
    "pca_index": "geoproc.indices",
    "entropy_weight_index": "geoproc.indices",
    # econometrics
    "sdm": "geoproc.sdm",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'geoproc' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return __all__
