"""``geoproc sdm``: panel spatial Durbin model with effects and tests, as an HTML report and JSON."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from geoproc.cli._common import add_islands_arg, add_output_args, weights_help
from geoproc.cli._sdm_tables import add_table_args


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
    p.add_argument("--weights", "-w", required=True, action="append", metavar="W",
                   help=weights_help(repeat=True) + "; several --weights: one column each, "
                        "written as tables (see -o).")
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
    p.add_argument("--model", default="sdm", metavar="MODEL[,MODEL]",
                   help="sdm (spatial Durbin, default), sar (lag), sem (error), slx (lag of x only), "
                        "sac (lag and error), sdem (Durbin error) or gns (all three spatial terms); "
                        "several, comma-separated (e.g. sdm,sar,sem), give one column each")
    p.add_argument("--dynamic", choices=("tl", "stl", "both"), default=None,
                   help="dynamic panel: tl = tau y(t-1), stl = psi W y(t-1), both; Yu-de Jong-Lee "
                        "bias-corrected QML (Lee-Yu transformation for time effects), short- and "
                        "long-run effects; --model sdm|sar, --effects twoway|region")
    p.add_argument("--random-effects", action="store_true",
                   help="random region effects instead of fixed (SDM/SAR/SEM; with --effects twoway the "
                        "time effects stay fixed and are removed by Lee and Yu's transformation, "
                        "with region an intercept is estimated)")
    p.add_argument("--select", action="store_true",
                   help="run Elhorst's model-selection sequence instead (LR tests of the fixed effects, "
                        "LM and robust LM, Wald/LR SDM->SAR/SEM/SLX, SDEM->SEM/SLX, Hausman) and "
                        "report the model it points to")
    p.add_argument("--lee-yu", action="store_true",
                   help="also estimate by Lee and Yu's (2010) transformation approach (coefficients "
                        "beside the direct ML ones); its effects and its LR/Wald tests are then "
                        "shown first, labelled. --dynamic always removes time effects this way")
    p.add_argument("--draws", type=int, default=1000,
                   help="simulated parameter vectors for the effects' standard errors (default 1000)")
    p.add_argument("--seed", type=int, default=None, help="seed of the draws (reproducible standard errors)")
    p.add_argument("--transform", choices=("R", "O"), default="R",
                   help="R: row-standardise the weights (default); O: use them as given (warns)")
    add_islands_arg(p)
    p.add_argument("--no-tests", action="store_true",
                   help="skip the LR/Wald/Hausman tests (and the SAR, SEM and random-effects fits they need)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write all results as JSON")
    p.add_argument("--regions-output", default=None, metavar="FILE",
                   help="also write each region's direct, indirect and total effect of every "
                        "regressor with the observed, fitted and residual y of --regions-year, "
                        "joined to the regions: .gpkg, .geojson, .shp, or .csv (no geometry)")
    p.add_argument("--regions-year", default=None, metavar="YEAR|mean",
                   help="panel year of the observed/fitted/residual columns of --regions-output, "
                        "or 'mean' for their means over the years (default: the last year)")
    add_table_args(p)
    add_output_args(p, help="one model: .html (publication layout report) or .txt (plain summary); "
                            "tables (several columns, or one): .docx (three-line), .xlsx, .tex, .md, "
                            ".html, .csv")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return _run(args)


def _split(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _run(args: argparse.Namespace) -> int:
    from geoproc.cli._sdm_tables import models_arg, run_columns, wants_tables
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import atomic_output, check_output

    tables = wants_tables(args)  # several columns or a table format: geoproc.tables
    out = Path(args.output)
    if not tables and out.suffix.lower() not in (".html", ".htm", ".txt"):
        raise GeoprocInputError(
            f"output {out}: use .html, .txt or a table format (.docx .xlsx .tex .md .csv)")
    if tables and args.regions_output:
        raise GeoprocInputError("--regions-output needs one model: one --weights and one --model, no --by")
    check_output(out, args.overwrite)
    if args.json:
        check_output(args.json, args.overwrite)
    if args.regions_output:
        from geoproc.cli._common import VECTOR_SUFFIXES

        if Path(args.regions_output).suffix.lower() not in VECTOR_SUFFIXES:
            raise GeoprocInputError(
                f"--regions-output {args.regions_output}: use {', '.join(VECTOR_SUFFIXES)}")
        check_output(args.regions_output, args.overwrite)
    if args.draws < 0:
        raise GeoprocInputError("--draws must be 0 or more")
    x = _split(args.x)
    controls = _split(args.controls)
    if not x:
        raise GeoprocInputError("--x names no column")

    from geoproc.boundaries import read_regions
    from geoproc.cli._common import guess_regions
    from geoproc.durbin import sdm
    from geoproc.panel import load_panel
    from geoproc.weights import WeightsSpec

    regions = read_regions(args.regions, id=args.regions_id) if args.regions else None
    panel = load_panel(args.panel, id=args.id, year=args.year, regions=regions)
    # the panel is checked once, by sdm, before it builds a weights kind: a gravity/nested kind
    # reads its masses from the panel, and a gap must surface as the list of missing
    # region-years, not as a mass error
    if regions is None and (args.regions_output or args.islands == "nearest"
                            or not all(WeightsSpec.parse(w).is_file for w in args.weights)):
        regions = guess_regions(panel.ids)
    if tables:
        return run_columns(args, panel.frame, regions, x, controls)
    report_year = _report_year(args, panel.frame, regions)
    if args.select:
        return _run_select(args, panel, regions, x, controls, out)
    model = models_arg(args.model)[0]
    if args.dynamic and model not in ("sdm", "sar"):
        raise GeoprocInputError(f"--dynamic needs --model sdm or sar, not {model}")
    result = sdm(panel, WeightsSpec.parse(args.weights[0]).text, y=args.y, x=x + controls,
                 effects=args.effects, model=model, lee_yu=args.lee_yu,
                 draws=args.draws, seed=args.seed,
                 wx=x if args.no_wx_controls else None, row_standardize=args.transform == "R",
                 tests=not args.no_tests, regions=regions, regions_id=args.regions_id,
                 islands=args.islands, random_effects=args.random_effects, dynamic=args.dynamic)
    # build every text before writing anything: a failing JSON must not leave the report behind
    text = result.to_html() if out.suffix.lower() in (".html", ".htm") else result.summary() + "\n"
    json_text = result.to_json() if args.json else None
    by_region = (_regions_layer(result, regions, args.regions_id, report_year, args.id)
                 if args.regions_output else None)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(atomic_output(out, args.overwrite))
        tmp.write_text(text, encoding="utf-8")
        if json_text is not None:
            tmp_json = stack.enter_context(atomic_output(args.json, args.overwrite))
            tmp_json.write_text(json_text, encoding="utf-8")
        if by_region is not None and not hasattr(by_region, "geometry"):  # .csv without regions
            tmp_regions = stack.enter_context(atomic_output(args.regions_output, args.overwrite))
            by_region.to_csv(tmp_regions, index=False, encoding="utf-8-sig")
        elif by_region is not None:  # last: its own atomic write, the others still pending
            from geoproc.cli._common import write_layer

            write_layer(by_region, args.regions_output, args.overwrite, f"sdm_{args.y}")
    sys.stdout.write(result.summary() + "\n")
    print(f"wrote {out}" + "".join(f", {p}" for p in (args.json, args.regions_output) if p))
    return 0


def _run_select(args: argparse.Namespace, panel, regions, x, controls, out: Path) -> int:
    """``--select``: Elhorst's sequence as a table, ending in the model it points to."""
    import html
    import json

    from geoproc.durbin.selection import select_model
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import atomic_output
    from geoproc.weights import WeightsSpec

    if len(args.weights) > 1:
        raise GeoprocInputError("--select runs the sequence under one --weights; give one")
    sel = select_model(panel, WeightsSpec.parse(args.weights[0]).text, args.y, x + controls,
                       effects=args.effects, wx=x if args.no_wx_controls else None,
                       row_standardize=args.transform == "R", regions=regions,
                       regions_id=args.regions_id, islands=args.islands)
    text = sel.summary() + "\n"
    if out.suffix.lower() in (".html", ".htm"):
        text = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Model selection"
                "</title></head><body><pre>" + html.escape(text) + "</pre></body></html>\n")
    json_text = json.dumps(sel.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) if args.json else None
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(atomic_output(out, args.overwrite))
        tmp.write_text(text, encoding="utf-8")
        if json_text is not None:
            stack.enter_context(atomic_output(args.json, args.overwrite)).write_text(json_text, encoding="utf-8")
    sys.stdout.write(sel.summary() + "\n")
    print(f"wrote {out}" + (f", {args.json}" if args.json else ""))
    return 0


def _report_year(args: argparse.Namespace, panel, regions):
    """The year of --regions-output, checked (with the regions) before any fitting."""
    from geoproc.errors import GeoprocInputError

    if not args.regions_output:
        return None
    if regions is None and Path(args.regions_output).suffix.lower() != ".csv":
        raise GeoprocInputError(
            f"--regions-output {args.regions_output} needs the regions' geometry: give --regions "
            "(the panel's codes are in no shipped boundary set), or write .csv")
    if regions is not None:
        from geoproc.ids import id_key, listing
        from geoproc.validation import region_ids

        have = {id_key(i) for i in region_ids(regions, args.regions_id)}
        absent = [i for i in panel[args.id].unique() if id_key(i) not in have]
        if absent:
            raise GeoprocInputError(
                f"--regions-output: panel regions not in the regions layer: {listing(absent, 20)}")
    years = sorted(panel[args.year].unique())
    if args.regions_year is None:
        return years[-1]
    if args.regions_year.strip().lower() == "mean":
        return "mean"
    by_text = {str(y): y for y in years}
    if args.regions_year.strip() not in by_text:
        raise GeoprocInputError(
            f"--regions-year {args.regions_year}: not a panel year; its years are "
            f"{', '.join(map(str, years))} (or mean)")
    return by_text[args.regions_year.strip()]


def _regions_layer(result, regions, regions_id, year, id_name: str):
    """The regions with :meth:`SDMResult.region_effects` of ``year`` joined by id (without
    regions: the table with an ``id_name`` column)."""
    import numpy as np
    import pandas as pd

    from geoproc.validation import region_ids

    table = result.region_effects(year=year)
    if regions is None:
        return table.rename_axis(id_name).reset_index()
    from geoproc.ids import match_ids

    ids = region_ids(regions, regions_id)
    # the panel's ids may be int where the layer's are str (or the reverse); regions left
    # out of the model (dropped islands, regions without panel rows) get NaN
    pos = match_ids(table.index, ids, what_wanted="SDM result", what_available="regions", extra="ignore")
    out = regions.copy()
    for col in table.columns:
        out[col] = pd.Series(table[col].to_numpy(), index=pos).reindex(np.arange(len(ids))).to_numpy()
    return out
