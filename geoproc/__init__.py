"""geoproc: geoprocessing and spatial econometrics for regional science.

The public functions are imported lazily (PEP 562) so that ``import geoproc`` is
fast: QGIS imports the plugin at start-up, and the CLI should answer ``--help``
without loading geopandas, numba or esda.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (one module per concept). No module may share
# its name with a function it exports: importing ``geoproc.<module>`` rebinds that
# attribute of the package to the module (tests/unit/test_package.py guards this).
_EXPORTS: dict[str, str] = {
    # errors
    "GeoprocInputError": "geoproc.errors",
    "Cancelled": "geoproc.progress",
    # boundaries and coordinates
    "load_boundaries": "geoproc.boundaries",
    "list_boundaries": "geoproc.boundaries",
    "read_regions": "geoproc.boundaries",
    "to_wgs84": "geoproc.datums",
    "from_wgs84": "geoproc.datums",
    # centroids and distances
    "centroids": "geoproc.centroid",
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
    "build_weight_set": "geoproc.weights",
    "links_frame": "geoproc.weights",
    "read_weights": "geoproc.weights",
    "write_weights": "geoproc.weights",
    "WeightsSpec": "geoproc.weights",
    "prepare_weights": "geoproc.weights",
    "match_ids": "geoproc.ids",
    # panel tables
    "read_table": "geoproc.panel",
    "read_panel": "geoproc.panel",
    "load_panel": "geoproc.panel",
    "Panel": "geoproc.panel",
    "match_regions": "geoproc.panel",
    "year_values": "geoproc.panel",
    # spatial autocorrelation
    "moran_table": "geoproc.moran",
    "bivariate_moran": "geoproc.bivariate",
    "local_moran": "geoproc.lisa",
    "local_bivariate_moran": "geoproc.lisa",
    "getis_ord": "geoproc.hotspots",
    # park densities
    "read_points": "geoproc.points",
    "point_density": "geoproc.density",
    "kernel_density": "geoproc.kde",
    # point patterns
    "standard_deviational_ellipse": "geoproc.pattern",
    "nearest_neighbour_index": "geoproc.pattern",
    "ripleys_k": "geoproc.pattern",
    # indicators
    "agglomeration_index": "geoproc.indices",
    "location_quotient": "geoproc.indices",
    "pca_index": "geoproc.indices",
    "entropy_weight_index": "geoproc.indices",
    "compute_indices": "geoproc.indices",
    # econometrics
    "sdm": "geoproc.durbin",
    # publication tables
    "regression_table": "geoproc.tables",
    "effects_table": "geoproc.tables",
    "tests_table": "geoproc.tables",
    "moran_paper_table": "geoproc.tables",
    "bivariate_moran_table": "geoproc.tables",
    "write_tables": "geoproc.tables",
    "paper_tables": "geoproc.tables",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        # subpackages and modules (geoproc.weights, geoproc.maps, ...) on first use
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module 'geoproc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return __all__
