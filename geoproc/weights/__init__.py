"""Spatial weights: contiguity, k-nearest, inverse distance, gravity, nested; files; libpysal interop."""

from geoproc.weights.base import SpatialWeights, as_weights
from geoproc.weights.build import (
    SPEC_HELP,
    build_weight_set,
    build_weights,
    link_nearest,
    parse_spec,
)
from geoproc.weights.contiguity import queen_weights, rook_weights
from geoproc.weights.distance_based import inverse_distance_weights, knn_weights
from geoproc.weights.gravity import gravity_weights
from geoproc.weights.io import read_weights, write_weights
from geoproc.weights.links import links_frame
from geoproc.weights.nested import nested_weights
from geoproc.weights.prepare import (
    ISLANDS,
    PreparedWeights,
    prepare_weights,
    weights_name,
    weights_note,
)
from geoproc.weights.spec import HELP, WeightsSpec

__all__ = [
    "HELP",
    "ISLANDS",
    "PreparedWeights",
    "WeightsSpec",
    "link_nearest",
    "prepare_weights",
    "weights_name",
    "weights_note",
    "SPEC_HELP",
    "SpatialWeights",
    "as_weights",
    "build_weight_set",
    "build_weights",
    "gravity_weights",
    "inverse_distance_weights",
    "knn_weights",
    "links_frame",
    "nested_weights",
    "parse_spec",
    "queen_weights",
    "read_weights",
    "rook_weights",
    "write_weights",
]
