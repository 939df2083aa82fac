"""``geoproc moran``: global Moran's I table by year, variable and weights matrix."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from geoproc.cli._common import add_output_args, add_weights_args, guess_regions

if TYPE_CHECKING:
    pass


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "moran",
        help="global Moran's I table by year (I, E[I], variances, z, p, stars)",
        description=(
            "Global Moran's I of each variable in each year under each weights matrix: I, E[I], "
            "variance and z under normality and randomisation, two-sided p-values, a permutation "
            "pseudo p-value, significance stars (*** 1%, ** 5%, * 10%). Written in the publication "
            "layout (years as rows; I with stars and z per variable and matrix) as .csv, .md or "
            ".html; --json writes the long table with every statistic."
        ),
    )
    p.add_argument("panel", metavar="PANEL", help="long panel table (CSV or XLSX), one row per region-year")
    p.add_argument("--variables", required=True, metavar="V1,V2",
                   help="comma-separated panel columns to test")
    p.add_argument("--id", default="code",
                   help="region column of the panel: codes, or names matched to the regions (default: code)")
    p.add_argument("--regions", default=None, metavar="REGIONS",
                   help="vector file or shipped boundary name (china_provinces, yrd_cities) to build "
                        "weights from and match names against (default: the shipped set holding the "
                        "panel's codes)")
    p.add_argument("--regions-id", default=None, metavar="FIELD",
                   help="id field of --regions (default: code)")
    p.add_argument("--year", dest="year_column", default="year", metavar="FIELD",
                   help="year column of the panel (default: year)")
    add_weights_args(p, repeat=True)
    p.add_argument("--permutations", type=int, default=999,
                   help="random permutations for the pseudo p-value (0: none; default 999)")
    p.add_argument("--seed", type=int, default=None, help="seed of the permutations (reproducible results)")
    p.add_argument("--stars-from", choices=("norm", "rand", "sim"), default="norm",
                   help="which p-value sets the stars in the table (default: norm, normality)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the long table as JSON")
    p.add_argument("--columns", default=None, metavar="I,EI,sd,z,p",
                   help="statistics under each variable and matrix, any of I (with stars), EI, sd, "
                        "z, p (default: I and z); with it, or --lang/--labels, or a .docx/.xlsx/.tex "
                        "output, the table is written as papers print it (geoproc.tables)")
    p.add_argument("--lang", choices=("en", "zh"), default=None,
                   help="language of the paper table's labels and notes (default: en)")
    p.add_argument("--labels", action="append", default=[], metavar="FILE|NAME=LABEL[,...]",
                   help="labels of variables and matrices: a .txt/.csv/.json file or name=label pairs")
    add_output_args(p, help="output table: .csv, .md, .html, .docx (three-line), .xlsx or .tex")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import check_output

    out = Path(args.output)
    if out.suffix.lower() not in (".csv", ".md", ".html", ".htm", ".docx", ".xlsx", ".tex"):
        raise GeoprocInputError(f"output {out}: use .csv, .md, .html, .docx, .xlsx or .tex")
    # the paper layout of geoproc.tables when asked for (a column choice, a language, labels)
    # or when only it writes the format
    paper = (args.columns is not None or args.lang is not None or bool(args.labels)
             or out.suffix.lower() in (".docx", ".xlsx", ".tex"))
    check_output(out, args.overwrite)
    if args.json:
        check_output(args.json, args.overwrite)
    if args.permutations < 0:
        raise GeoprocInputError("--permutations must be 0 or more")
    from geoproc.boundaries import read_regions
    from geoproc.moran import moran_table
    from geoproc.panel import read_panel
    from geoproc.weights import WeightsSpec
    from geoproc.weights.build import build_weight_set

    regions = read_regions(args.regions, id=args.regions_id) if args.regions else None
    # names in the id column are matched to --regions, else to the shipped boundaries
    panel = read_panel(args.panel, id=args.id, year=args.year_column, regions=regions,
                       regions_id=args.regions_id)
    # kinds are built from the regions, and islands of a file are linked by their centroids
    if regions is None and (args.islands == "nearest"
                            or not all(WeightsSpec.parse(s).is_file for s in args.weights)):
        regions = guess_regions(panel[args.id].unique())
    weights = build_weight_set(args.weights, regions, panel, id=args.regions_id, data_id=args.id,
                               year_column=args.year_column, islands=args.islands,
                               centroid=args.centroid)
    variables = [v.strip() for v in args.variables.split(",") if v.strip()]
    result = moran_table(panel, weights, variables, id=args.id, year=args.year_column,
                         permutations=args.permutations, seed=args.seed, transform=args.transform,
                         islands="raise" if args.islands == "nearest" else args.islands,
                         inference=args.stars_from)
    if paper:
        from geoproc.cli._common import labels_from_args
        from geoproc.tables import moran_paper_table

        table = moran_paper_table(result, args.columns or ("I", "z"), args.lang or "en",
                                  labels_from_args(args.labels))
        table.write(out, overwrite=args.overwrite)
    else:
        result.write(out, overwrite=args.overwrite)
    if args.json:
        result.to_json(args.json, overwrite=args.overwrite)
    sys.stdout.write(table.to_markdown() if paper else result.to_markdown())
    print(f"wrote {out}" + (f" and {args.json}" if args.json else ""))
    return 0
