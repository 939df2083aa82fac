"""Helpers shared by the CLI command modules (argument conventions, progress)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def add_output_args(p: argparse.ArgumentParser, help: str = "output file") -> None:
    """``-o/--output`` and ``--overwrite``, the same on every command."""
    p.add_argument("-o", "--output", required=True, help=help)
    p.add_argument("--overwrite", action="store_true", help="replace the output if it exists")


def progress(items: Iterable[T], total: int | None = None, desc: str = "") -> Iterator[T]:
    """A tqdm progress bar on stderr when it is a terminal, silent otherwise."""
    from tqdm import tqdm

    return iter(tqdm(items, total=total, desc=desc, disable=not sys.stderr.isatty(), leave=False))


# --- weights options: one wording for moran, lisa, hotspots and sdm ----------------------
REPEAT_HELP = "; repeat for several matrices side by side, NAME=SPEC names one (e.g. W1=gravity:rd_staff)"
ISLANDS_HELP = {
    "raise": "stop with an error naming them",
    "keep": "keep them with zero spatial lag",
    "drop": "leave them out",
    "nearest": "link each to its nearest region by centroid distance (queen/rook, and weights "
               "files given the regions)",
}


def weights_help(repeat: bool = False) -> str:
    """The ``--weights`` help: :data:`geoproc.weights.spec.HELP`, plus NAME=SPEC when repeatable."""
    from geoproc.weights.spec import HELP

    return HELP + (REPEAT_HELP if repeat else "")


def add_islands_arg(p: argparse.ArgumentParser, default: str = "raise") -> None:
    """``--islands raise|keep|drop|nearest`` (:func:`geoproc.weights.prepare_weights`)."""
    parts = [f"{ISLANDS_HELP[k]} ({k}{', default' if k == default else ''})" for k in ISLANDS_HELP]
    p.add_argument("--islands", choices=tuple(ISLANDS_HELP), default=default,
                   help="regions without neighbours: " + ", ".join(parts))


def add_weights_args(p: argparse.ArgumentParser, repeat: bool) -> None:
    """``--weights``, ``--islands``, ``--transform``, ``--centroid``: shared by moran, lisa, hotspots."""
    p.add_argument("--weights", "-w", required=True, action="append" if repeat else "store",
                   metavar="W", help=weights_help(repeat))
    add_islands_arg(p)
    p.add_argument("--transform", choices=("R", "O"), default="R",
                   help="R: row-standardise the weights (default, as esda); O: use them as given")
    p.add_argument("--centroid", choices=("area", "representative", "largest"), default="area",
                   help="the point standing for each region in distances (knn, inverse-distance, "
                        "gravity, nested, island links): area centroid (default), a representative "
                        "point inside the region, or the area centroid of its largest part")
