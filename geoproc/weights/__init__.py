"""Spatial weights: contiguity, k-nearest, inverse distance, gravity, nested; files; libpysal interop."""

from geoproc.weights.base import SpatialWeights, as_weights

__all__ = ["SpatialWeights", "as_weights"]

# Builders and file I/O are added by their modules (contiguity, distance_based,
# gravity, nested, io, build) and re-exported here.
try:  # pragma: no cover - modules land one by one during development
    from geoproc.weights.build import build_weights  # noqa: F401
    from geoproc.weights.contiguity import queen_weights, rook_weights  # noqa: F401
    from geoproc.weights.distance_based import inverse_distance_weights, knn_weights  # noqa: F401
    from geoproc.weights.gravity import gravity_weights  # noqa: F401
    from geoproc.weights.io import read_weights, write_weights  # noqa: F401
    from geoproc.weights.nested import nested_weights  # noqa: F401

    __all__ += [
        "build_weights", "queen_weights", "rook_weights", "inverse_distance_weights",
        "knn_weights", "gravity_weights", "read_weights", "write_weights", "nested_weights",
    ]
except ImportError:
    pass
