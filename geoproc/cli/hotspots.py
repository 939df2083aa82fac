"""``geoproc hotspots``: Getis-Ord Gi* hot and cold spots of one variable in one year."""

from __future__ import annotations

import argparse

from geoproc.cli._common import add_local_args, run_local


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "hotspots",
        help="Getis-Ord Gi* hot and cold spots with 90/95/99%% confidence bins",
        description=(
            "Getis-Ord Gi* (or Gi with --no-star) of one variable in one year: gi_G, gi_z, "
            "gi_p, and the bin (Hot/Cold spot 99/95/90%%, Not significant). With permutations the "
            "bins follow the conditional-permutation pseudo p-value (esda's method), without "
            "them (or with --inference norm) the two-sided normal p of gi_z (ArcGIS's Gi_Bin)."
        ),
    )
    add_local_args(p)
    p.add_argument("--no-star", dest="star", action="store_false",
                   help="Gi: leave the region itself out of its neighbourhood sum (default: Gi*)")
    p.add_argument("--inference", choices=("sim", "norm"), default=None,
                   help="which p decides the bins: sim (permutations, default) or norm (z-score)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_local(args, "hotspots")
