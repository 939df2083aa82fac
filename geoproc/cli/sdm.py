"""``geoproc sdm``: panel spatial Durbin model with effects and tests, as an HTML report and JSON."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from geoproc.cli._common import add_output_args

WEIGHTS_HELP = (
    "weights: a file written by 'geoproc weights' (.csv full matrix with ids, .gal, .gwt) or a kind "
    "built on the fly from the regions: queen, rook, knn:K, inverse-distance[:POWER[:CUTOFF_KM]], "
    "gravity:COLUMN, nested:COLUMN (COLUMN from the panel, averaged over its years)"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sdm",
        help="panel spatial Durbin model: coefficients, direct/indirect/total effects, LR/Wald/Hausman",
        description=(
            "Maximum-likelihood panel spatial Durbin model (or SAR/SEM/SLX) with two-way, region or "
            "time fixed effects: coefficients of x and W*x, rho, sigma^2 with standard errors and "
            "stars; log-likelihood, R^2; LeSage-Pace direct/indirect/total effects with simulated "
            "standard errors; LR and Wald tests of SDM->SAR and SDM->SEM and the Hausman test. "
            "Writes the publication-layout report (.html, or .txt for the plain summary); --json "
            "writes every number."
        ),
    )
    p.add_argument("panel", metavar="PANEL", help="long panel table (CSV or XLSX), one row per region-year")
    p.add_argument("--weights", "-w", required=True, metavar="W", help=WEIGHTS_HELP)
    p.add_argument("--y", required=True, metavar="COLUMN", help="dependent variable (e.g. cul)")
    p.add_argument("--x", required=True, metavar="COLUMN[,COLUMN]",
                   help="explanatory variable(s) of interest, comma-separated (e.g. dig)")
    p.add_argument("--controls", default="", metavar="C1,C2",
                   help="control variables, comma-separated; they get W*x terms too unless --no-wx-controls")
    p.add_argument("--no-wx-controls", action="store_true",
                   help="give only the --x variables a W*x term, not the controls")
    p.add_argument("--id", default="code",
                   help="region column of the panel: codes, or names matched to the regions (default: code)")
    p.add_argument("--year", default="year", metavar="FIELD", help="year column of the panel (default: year)")
    p.add_argument("--regions", default=None, metavar="REGIONS",
                   help="vector file or shipped boundary name to build weights from (default: the "
                        "shipped set holding the panel's codes)")
    p.add_argument("--regions-id", default=None, metavar="FIELD", help="id field of --regions (default: code)")
    p.add_argument("--effects", choices=("twoway", "region", "time", "none"), default="twoway",
                   help="fixed effects (default: twoway = region and year)")
    p.add_argument("--model", choices=("sdm", "sar", "sem", "slx"), default="sdm",
                   help="spatial Durbin (default), lag, error, or lag-of-x-only model")
    p.add_argument("--lee-yu", action="store_true",
                   help="also estimate by Lee and Yu's (2010) transformation approach, reported beside")
    p.add_argument("--draws", type=int, default=1000,
                   help="simulated parameter vectors for the effects' standard errors (default 1000)")
    p.add_argument("--seed", type=int, default=None, help="seed of the draws (reproducible standard errors)")
    p.add_argument("--transform", choices=("R", "O"), default="R",
                   help="R: row-standardise the weights (default); O: use them as given (warns)")
    p.add_argument("--no-tests", action="store_true",
                   help="skip the LR/Wald/Hausman tests (and the SAR, SEM and random-effects fits they need)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write all results as JSON")
    add_output_args(p, help="report: .html (publication layout) or .txt (plain summary)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geoproc.cli.moran import plain_warnings

    with plain_warnings("sdm"):
        return _run(args)


def _split(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _run(args: argparse.Namespace) -> int:
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import atomic_output, check_output

    out = Path(args.output)
    if out.suffix.lower() not in (".html", ".htm", ".txt"):
        raise GeoprocInputError(f"output {out}: use .html or .txt")
    check_output(out, args.overwrite)
    if args.json:
        check_output(args.json, args.overwrite)
    if args.draws < 0:
        raise GeoprocInputError("--draws must be 0 or more")
    x = _split(args.x)
    controls = _split(args.controls)
    if not x:
        raise GeoprocInputError("--x names no column")

    from geoproc.boundaries import read_regions
    from geoproc.cli.moran import guess_regions
    from geoproc.durbin import sdm
    from geoproc.durbin.data import panel_arrays
    from geoproc.panel import read_panel
    from geoproc.weights import build_weight_set

    regions = read_regions(args.regions, id=args.regions_id) if args.regions else None
    panel = read_panel(args.panel, id=args.id, year=args.year, regions=regions)
    # check the panel (columns, gaps, NaN) before building weights: a gravity/nested kind
    # reads its masses from the panel, and a gap would surface as a mass error instead of
    # the list of missing region-years
    panel_arrays(panel, args.y, x + controls, args.id, args.year)
    if regions is None and not Path(args.weights).exists():
        regions = guess_regions(panel[args.id].unique())
    weights = build_weight_set([args.weights], regions, panel, id=args.regions_id, data_id=args.id,
                               year_column=args.year, islands="keep")
    w = next(iter(weights.values()))
    result = sdm(panel, w, y=args.y, x=x + controls, id=args.id, year=args.year, effects=args.effects,
                 model=args.model, lee_yu=args.lee_yu, draws=args.draws, seed=args.seed,
                 wx=x if args.no_wx_controls else None, row_standardize=args.transform == "R",
                 tests=not args.no_tests)
    # build every text before writing anything: a failing JSON must not leave the report behind
    text = result.to_html() if out.suffix.lower() in (".html", ".htm") else result.summary() + "\n"
    json_text = result.to_json() if args.json else None
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(atomic_output(out, args.overwrite))
        tmp.write_text(text, encoding="utf-8")
        if json_text is not None:
            tmp_json = stack.enter_context(atomic_output(args.json, args.overwrite))
            tmp_json.write_text(json_text, encoding="utf-8")
    sys.stdout.write(result.summary() + "\n")
    print(f"wrote {out}" + (f" and {args.json}" if args.json else ""))
    return 0
