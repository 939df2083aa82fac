"""``geoproc weights``: build a spatial weights matrix and write it as CSV, GAL or GWT."""

from __future__ import annotations

import argparse
from pathlib import Path

from geoproc.cli._common import add_output_args, progress_bar
from geoproc.weights.spec import KINDS as SPEC_KINDS

# the kinds of the weights spec grammar (geoproc.weights.spec), each with its own options here
KINDS = tuple(SPEC_KINDS)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "weights",
        help="build spatial weights (queen, rook, knn, inverse distance, gravity, nested)",
        description=(
            "Build a spatial weights matrix for REGIONS and write it as a full-matrix CSV "
            "(first column id, header row of the same ids), a GAL neighbour list or a GWT "
            "link list, chosen by the suffix of -o. Distances are great-circle (km) between "
            "area centroids. Gravity: w_ij = M_i M_j / d_ij^2. Nested: inverse distance times "
            "diag(mean GDP_j / overall mean), row-standardised."
        ),
    )
    p.add_argument("regions", metavar="REGIONS",
                   help="vector file of regions, or a shipped boundary name (china_provinces, yrd_cities)")
    p.add_argument("--kind", required=True, choices=KINDS, help="which weights to build")
    p.add_argument("--id", default=None, help="id field of the regions (default: code)")
    p.add_argument("--k", type=int, default=None, help="knn: number of neighbours (required for knn)")
    p.add_argument("--power", type=float, default=None,
                   help="inverse-distance/nested: distance decay exponent (default 1)")
    p.add_argument("--cutoff", type=float, default=None, metavar="KM",
                   help="inverse-distance: no link beyond this distance in km")
    p.add_argument("--mass", metavar="TABLE", default=None,
                   help="gravity: CSV/XLSX of masses (e.g. R&D staff); nested: the GDP table")
    p.add_argument("--mass-column", metavar="COL", default=None,
                   help="column of --mass holding the mass (gravity) or GDP (nested)")
    p.add_argument("--mass-id", metavar="FIELD", default=None,
                   help="id column of --mass matching the region ids (default: code, id)")
    p.add_argument("--year-column", metavar="FIELD", default=None,
                   help="year column of --mass for a panel (default: 'year' if present)")
    p.add_argument("--years", metavar="FROM-TO", default=None,
                   help="study period within --mass, e.g. 2011-2020 (default: all years)")
    p.add_argument("--per-year", action="store_true",
                   help="gravity: one matrix per year, written as OUTPUT_YYYY.ext "
                        "(default: one matrix on the period mean of the masses)")
    p.add_argument("--islands", choices=("warn", "nearest"), default="warn",
                   help="queen/rook: regions without neighbours are named in a warning (warn) "
                        "or linked to their nearest region (nearest)")
    p.add_argument("--method", choices=("geodesic", "haversine"), default="geodesic",
                   help="centroid distance: WGS84 geodesic (default) or spherical haversine")
    p.add_argument("--centroid", choices=("area", "representative", "largest", "capital"), default="area",
                   help="point standing for each region in distances: area centroid (default), "
                        "a point guaranteed inside the region, or the area centroid of the "
                        "largest part (for archipelagos such as Hainan), or the provincial capital")
    p.add_argument("--row-standardize", action="store_true", help="row-standardise the weights")
    add_output_args(p, help="output weights file: .csv (full matrix), .gal or .gwt")
    p.set_defaults(func=run)


def _years(text: str | None):
    from geoproc.errors import GeoprocInputError

    if text is None:
        return None
    try:
        if "-" in text.strip()[1:]:
            a, b = text.split("-", 1)
            lo, hi = int(a), int(b)
            if hi < lo:
                raise ValueError
            return list(range(lo, hi + 1))
        return [int(y) for y in text.replace(",", " ").split()]
    except ValueError:
        raise GeoprocInputError(f"--years {text!r}: give a range like 2011-2020 or a list like 2015,2019") from None


def _year_path(out: Path, year) -> Path:
    return out.with_name(f"{out.stem}_{year}{out.suffix}")


def run(args: argparse.Namespace) -> int:
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import check_output
    from geoproc.weights import io as wio

    out = Path(args.output)
    wio.check_format(out)  # unknown suffix: fail before any work
    kind = args.kind
    needs = {"knn": ["k"], "gravity": ["mass"], "nested": ["mass"]}.get(kind, [])
    for name in needs:
        if getattr(args, name) is None:
            raise GeoprocInputError(f"--kind {kind} needs --{name.replace('_', '-')}")
    unused = [opt for opt, on, kinds in (
        ("--k", args.k is not None, ("knn",)),
        ("--cutoff", args.cutoff is not None, ("inverse-distance",)),
        ("--power", args.power is not None, ("inverse-distance", "nested")),
        ("--mass", args.mass is not None, ("gravity", "nested")),
        ("--per-year", args.per_year, ("gravity",)),
        ("--islands nearest", args.islands == "nearest", ("queen", "rook")),
    ) if on and kind not in kinds]
    if unused:
        raise GeoprocInputError(f"{', '.join(unused)} do(es) not apply to --kind {kind}")
    if out.suffix.lower() == ".gal" and kind in ("inverse-distance", "gravity", "nested"):
        raise GeoprocInputError(
            f"{out.name}: GAL holds neighbour lists only and would lose the {kind} weights; "
            "use .gwt or .csv"
        )
    years = _years(args.years)
    if not args.per_year:
        check_output(out, args.overwrite)

    from geoproc.boundaries import read_regions

    regions = read_regions(args.regions, id=args.id)
    # warnings (islands, centroids outside their region) print as one line each: main()
    # runs every command inside cli._common.command_warnings
    return _build_and_write(args, kind, regions, years, out)


def _build_and_write(args, kind, regions, years, out: Path) -> int:
    from geoproc.outputs import check_output
    from geoproc.weights import io as wio

    result = _build(args, kind, regions, years)
    if isinstance(result, dict):
        paths = {y: _year_path(out, y) for y in result}
        for p in paths.values():  # refuse before writing any of them
            check_output(p, args.overwrite)
        from geoproc.progress import report

        bar = progress_bar("writing yearly weights")
        for i, (y, w) in enumerate(result.items(), 1):
            if args.row_standardize:
                w = w.row_standardize()
            wio.write_weights(w, paths[y], overwrite=args.overwrite)
            report(bar, i / len(result))
        first, last = paths[min(paths)], paths[max(paths)]
        print(f"wrote {len(paths)} gravity matrices, one per year ({min(paths)}-{max(paths)}): "
              f"{first} ... {last}")
        return 0
    w = result.row_standardize() if args.row_standardize else result
    wio.write_weights(w, out, overwrite=args.overwrite)
    print(w.summary())
    print(f"wrote {out}")
    return 0


def _build(args, kind, regions, years):
    from geoproc import weights as W

    if kind in ("queen", "rook"):
        f = W.queen_weights if kind == "queen" else W.rook_weights
        return f(regions, id=args.id, islands=args.islands, method=args.method,
                 centroid=args.centroid)
    if kind == "knn":
        return W.knn_weights(regions, args.k, id=args.id, method=args.method,
                             centroid=args.centroid)
    if kind == "inverse-distance":
        return W.inverse_distance_weights(regions, power=args.power or 1, cutoff_km=args.cutoff,
                                          id=args.id, method=args.method, centroid=args.centroid)
    from geoproc.panel import read_table

    table = read_table(args.mass)
    if kind == "gravity":
        return W.gravity_weights(regions, table, id=args.id, mass_column=args.mass_column,
                                 year=years, per_year=args.per_year, mass_id=args.mass_id,
                                 year_column=args.year_column, method=args.method,
                                 centroid=args.centroid)
    return W.nested_weights(regions, table, id=args.id, gdp_column=args.mass_column, year=years,
                            power=args.power or 1, gdp_id=args.mass_id,
                            year_column=args.year_column, method=args.method,
                            centroid=args.centroid)
