"""``geoproc hotspots``: Getis-Ord Gi* hot and cold spots of one variable in one year."""

from __future__ import annotations

import argparse

from geoproc.cli._common import add_local_args, run_local


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "hotspots",
        help="Getis-Ord Gi* hot and cold spots with 90/95/99%% confidence bins",
        description=(
            "Getis-Ord Gi* (or Gi with --no-star) of one variable in one year: gi_G, gi_z, gi_p "
            "and the bin (Hot/Cold spot 99/95/90%%, Not significant, Undefined). By default as "
            "ArcGIS Pro's Hot Spot Analysis: binary weights, the z under normality, bins at "
            "|z| >= 1.645/1.960/2.576 (two-sided p <= 0.10/0.05/0.01). With --inference permutation "
            "the z, p and bins all come from conditional permutations (esda, GeoDa)."
        ),
    )
    add_local_args(p, hotspots=True)
    p.add_argument("--no-star", dest="star", action="store_false",
                   help="Gi: leave the region itself out of its neighbourhood sum (default: Gi*)")
    p.add_argument("--inference", choices=("normal", "permutation"), default="normal",
                   help="normal: z under normality (default, ArcGIS); permutation: conditional "
                        "permutations (z_sim and pseudo p, esda)")
    p.add_argument("--fdr", action="store_true",
                   help="control the false discovery rate (Benjamini-Hochberg at each confidence level, "
                        "as ArcGIS's FDR correction)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_local(args, "hotspots")
