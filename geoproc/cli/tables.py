"""``geoproc tables``: a paper's tables in one command (Moran's I, SDM, effects, tests, robustness)."""

from __future__ import annotations

import argparse
import sys

from geoproc.cli._common import add_output_args, labels_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "tables",
        help="a paper's tables: Moran's I by year, SDM, effects, tests, robustness (DOCX/XLSX/TeX/...)",
        description=(
            "Fit the two-way fixed-effects spatial Durbin model under each --weights matrix and "
            "write, in one file, the tables a regional-science paper prints: global Moran's I of "
            "the --moran variables by year under those matrices; the SDM side by side (estimates "
            "with standard errors, t or p in parentheses and stars); direct/indirect/total "
            "effects; LR/Wald/Hausman tests; and the SDM under the --robustness matrices. The "
            "format follows the suffix of -o: .docx (three-line tables), .xlsx, .tex (booktabs), "
            ".md, .html, .csv (full precision)."
        ),
        epilog=(
            "example: geoproc tables data/demo/provinces_panel_synthetic.csv --y cul --x dig "
            "--controls cultural_demand,resource_endowment,policy_support,fiscal_support,"
            "gdp_per_capita,urbanisation --weights rd_staff=gravity:rd_staff --weights "
            "rd_capital=gravity:rd_capital --robustness inverse_distance=inverse-distance:1 "
            "--robustness inverse_distance2=inverse-distance:2 --robustness nested=nested:gdp_per_capita "
            "--moran cul,dig --lang zh -o tables.docx"
        ),
    )
    p.add_argument("panel", metavar="PANEL", help="long panel table (CSV, XLSX or Stata .dta)")
    p.add_argument("--y", required=True, metavar="COLUMN", help="dependent variable")
    p.add_argument("--x", required=True, metavar="C1[,C2]", help="explanatory variable(s), comma-separated")
    p.add_argument("--controls", default="", metavar="C1,C2", help="control variables, comma-separated")
    p.add_argument("--weights", "-w", action="append", required=True, metavar="NAME=SPEC",
                   help="a main matrix, repeated: e.g. rd_staff=gravity:rd_staff (kinds as geoproc "
                        "weights: queen, knn:6, inverse-distance:2, gravity:COLUMN, nested:COLUMN, "
                        "or a weights file)")
    p.add_argument("--robustness", action="append", default=[], metavar="NAME=SPEC",
                   help="a robustness matrix, repeated (the SDM again under each, one table)")
    p.add_argument("--moran", default=None, metavar="V1,V2",
                   help="variables of the Moran's I table (default: --y and the first --x)")
    p.add_argument("--regions", default=None, metavar="REGIONS",
                   help="vector file or shipped boundary name the matrices are built from "
                        "(default: the shipped set holding the panel's codes)")
    p.add_argument("--id", default="code", help="region column of the panel (default: code)")
    p.add_argument("--year", default="year", help="year column of the panel (default: year)")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of labels and notes")
    p.add_argument("--labels", action="append", default=[], metavar="FILE|NAME=LABEL[,...]",
                   help="variable labels: a .txt/.csv/.json file or name=label pairs (repeatable), "
                        "e.g. --labels dig=数字技术")
    p.add_argument("--stat", choices=("se", "t", "p"), default="se",
                   help="what goes in parentheses under each estimate (default: se)")
    p.add_argument("--draws", type=int, default=1000, help="draws for the effects' standard errors")
    p.add_argument("--seed", type=int, default=12345, help="seed of the draws (default 12345)")
    p.add_argument("--permutations", type=int, default=0,
                   help="Moran permutations (default 0: the analytic test under normality)")
    p.add_argument("--decimals", type=int, default=3, help="decimals shown (default 3)")
    p.add_argument("--centroid", choices=("area", "representative", "largest"), default="area",
                   help="the point standing for each region in distances: area centroid (default), "
                        "a representative point inside it, or the centroid of its largest part")
    p.add_argument("--note", default=None, metavar="TEXT", help="a last note line under every table")
    add_output_args(p, help="output: .docx .xlsx .tex .md .html .csv")
    p.set_defaults(func=run)


def _split(text: str | None) -> list[str]:
    return [v.strip() for v in (text or "").split(",") if v.strip()]


def named_specs(items: list[str]) -> dict[str, str]:
    """``["rd_staff=gravity:rd_staff", "queen"]`` -> ``{"rd_staff": ..., "queen": "queen"}``."""
    from geoproc.errors import GeoprocInputError
    from geoproc.weights import WeightsSpec

    out: dict[str, str] = {}
    for item in items:
        if "=" in item and not all(p.strip() for p in item.partition("=")[::2]):
            raise GeoprocInputError(f"--weights {item!r}: write NAME=SPEC (e.g. rd_staff=gravity:rd_staff)")
        parsed = WeightsSpec.parse(item)  # the one grammar: NAME=, kinds, files
        name, spec = parsed.name, parsed.text
        if name in out:
            raise GeoprocInputError(f"--weights: the name {name!r} is given twice")
        out[name] = spec
    return out


def run(args: argparse.Namespace) -> int:
    # warnings print as one line each: main() runs every command in command_warnings
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import check_output
    from geoproc.tables import FORMATS, paper_tables, write_tables

    if Path(args.output).suffix.lower() not in FORMATS:
        raise GeoprocInputError(f"output {args.output}: use one of {', '.join(FORMATS)}")
    check_output(args.output, args.overwrite)
    x = _split(args.x) + _split(args.controls)
    if not _split(args.x):
        raise GeoprocInputError(f"--x {args.x!r} names no column: give the regressors, e.g. --x gdp,pop")
    main = named_specs(args.weights)
    robust = named_specs(args.robustness)
    labels = labels_from_args(args.labels)

    from geoproc.cli._common import guess_regions
    from geoproc.panel import read_panel

    panel = read_panel(args.panel, id=args.id, year=args.year)
    regions = args.regions or guess_regions(panel[args.id].unique())
    if regions is None:
        raise GeoprocInputError("the panel's codes are not those of a shipped boundary set; give --regions")
    tables = paper_tables(panel, regions, y=args.y, x=x, moran_variables=_split(args.moran) or [args.y, x[0]],
                          main_weights=main, robustness_weights=robust, id=args.id, year=args.year,
                          lang=args.lang, labels=labels, stat=args.stat, draws=args.draws,
                          seed=args.seed, permutations=args.permutations, decimals=args.decimals,
                          note=args.note, centroid=args.centroid)
    write_tables(tables, args.output, args.overwrite)
    for t in tables:
        sys.stdout.write(t.to_markdown() + "\n")
    print(f"wrote {args.output} ({len(tables)} tables)")
    return 0
