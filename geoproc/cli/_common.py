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
