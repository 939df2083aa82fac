"""Spatial weights: contiguity, k-nearest, inverse distance, gravity, nested; files; libpysal interop.

Names are imported on first use (as in :mod:`geoproc`): ``geoproc.weights.spec`` (the spec
grammar and its help text) is then importable without pandas or scipy, e.g. by the QGIS
plugin at start-up.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "build_weight_set": "geoproc.weights.build",
    "build_weights": "geoproc.weights.build",
    "link_nearest": "geoproc.weights.build",
    "SpatialWeights": "geoproc.weights.base",
    "as_weights": "geoproc.weights.base",
    "queen_weights": "geoproc.weights.contiguity",
    "rook_weights": "geoproc.weights.contiguity",
    "inverse_distance_weights": "geoproc.weights.distance_based",
    "knn_weights": "geoproc.weights.distance_based",
    "gravity_weights": "geoproc.weights.gravity",
    "read_weights": "geoproc.weights.io",
    "write_weights": "geoproc.weights.io",
    "links_frame": "geoproc.weights.links",
    "nested_weights": "geoproc.weights.nested",
    "region_names": "geoproc.weights._inputs",
    "PreparedWeights": "geoproc.weights.prepare",
    "prepare_weights": "geoproc.weights.prepare",
    "weights_name": "geoproc.weights.prepare",
    "weights_note": "geoproc.weights.prepare",
    "HELP": "geoproc.weights.spec",
    "ISLANDS": "geoproc.weights.spec",
    "WeightsSpec": "geoproc.weights.spec",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return __all__
