"""``geoproc lisa``: local Moran's I (LISA) clusters of one variable in one year."""

from __future__ import annotations

import argparse

from geoproc.cli._common import VECTOR_SUFFIXES, add_local_args, notes_path, run_local, write_layer

# the layer writers were defined here; geoproc.cli.sdm still imports them from this module
__all__ = ["VECTOR_SUFFIXES", "notes_path", "register", "run", "write_layer"]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "lisa",
        help="local Moran's I (LISA) clusters: High-High, Low-Low, Low-High, High-Low",
        description=(
            "Local Moran's I of one variable in one year with conditional-permutation pseudo "
            "p-values (esda's method; the same --seed gives esda's results), quadrants and cluster "
            "labels at --alpha, optionally with a false-discovery-rate (Benjamini-Hochberg) "
            "correction. Writes the regions with lisa_I, lisa_z, lisa_p, lisa_q, cluster, island."
        ),
    )
    add_local_args(p)
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument("--fdr", action="store_true", help="control the false discovery rate (Benjamini-Hochberg)")
    p.add_argument("--scatter", default=None, metavar="PNG", help="also draw the Moran scatter plot as a PNG")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_local(args, "lisa")
