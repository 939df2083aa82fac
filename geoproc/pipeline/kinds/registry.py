"""Every pipeline step kind, in the order the report shows their sections.

Config (options, checks, columns), runner (input and planned files, ``run``), final
outputs (layers, rasters) and report (sections) iterate over :data:`KINDS`; nothing
else names a kind. A new kind is one module in this package defining ``KIND``, listed
in :data:`MODULES`.
"""

from __future__ import annotations

from importlib import import_module

from geoproc.pipeline.kinds._base import StepKind

__all__ = ["KINDS", "MODULES", "SECTIONS", "get_kind"]

#: the kind modules, in the order of the kinds' report sections and of error messages
MODULES = ("boundaries", "centroids", "distances", "panel", "points", "weights",
           "agglomeration", "location_quotient", "pca", "entropy", "moran", "lisa", "hotspots",
           "density", "kde", "sdm", "pattern", "tables", "join", "map")


def _load() -> dict[str, StepKind]:
    kinds: dict[str, StepKind] = {}
    for mod in MODULES:
        kind = import_module(f"geoproc.pipeline.kinds.{mod}").KIND
        kinds[kind.name] = kind
    return kinds


#: kind name -> StepKind
KINDS: dict[str, StepKind] = _load()

#: report section titles, in order of their first kind
SECTIONS: list[str] = list(dict.fromkeys(k.section for k in KINDS.values()))


def get_kind(name: str) -> StepKind:
    """The :class:`StepKind` called ``name`` (validated pipelines only name known kinds)."""
    return KINDS[name]
