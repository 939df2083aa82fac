"""``geoproc lisa``: local Moran's I (LISA) clusters of one variable in one year."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geoproc.cli._common import add_output_args
from geoproc.cli.moran import add_weights_args

VECTOR_SUFFIXES = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile",
                   ".csv": None}


def add_local_args(p: argparse.ArgumentParser) -> None:
    """Positional REGIONS PANEL and the options lisa and hotspots share."""
    p.add_argument("regions", metavar="REGIONS",
                   help="vector file of regions, or a shipped boundary name (china_provinces, yrd_cities)")
    p.add_argument("panel", metavar="PANEL", help="long panel table (CSV or XLSX), one row per region-year")
    p.add_argument("--variable", required=True, help="panel column to analyse")
    p.add_argument("--year", dest="year", type=int, required=True, metavar="YEAR",
                   help="the year to analyse (e.g. 2021)")
    p.add_argument("--year-column", default="year", metavar="FIELD",
                   help="year column of the panel (default: year)")
    p.add_argument("--id", default=None, help="id field of the regions (default: code)")
    p.add_argument("--panel-id", default=None, metavar="FIELD",
                   help="region column of the panel: codes, or names matched to the regions "
                        "(default: the same as --id, else code)")
    add_weights_args(p, repeat=False)
    p.add_argument("--permutations", type=int, default=999,
                   help="conditional permutations for the pseudo p-values (default 999; 0: analytic)")
    p.add_argument("--seed", type=int, default=None, help="seed of the permutations (reproducible results)")
    p.add_argument("--n-jobs", type=int, default=1,
                   help="threads for the permutations (-1: all cores); results do not depend on it")
    p.add_argument("--map", default=None, metavar="PNG", help="also draw the map as a PNG")
    add_output_args(p, help="output layer: .gpkg, .geojson, .shp, or .csv (no geometry)")


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


def load_inputs(args: argparse.Namespace, command: str):
    """Regions, the variable's values in the year (Series by id) and the weights."""
    from geoproc.boundaries import read_regions
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import check_output
    from geoproc.panel import read_panel, year_values
    from geoproc.validation import region_ids
    from geoproc.weights.build import build_weight_set

    out = Path(args.output)
    if out.suffix.lower() not in VECTOR_SUFFIXES:
        raise GeoprocInputError(f"output {out}: use {', '.join(VECTOR_SUFFIXES)}")
    for path in (args.output, getattr(args, "map", None), getattr(args, "scatter", None)):
        if path:
            check_output(path, args.overwrite)
    if args.permutations < 0:
        raise GeoprocInputError("--permutations must be 0 or more")
    regions = read_regions(args.regions, id=args.id)
    ids = region_ids(regions, args.id)
    panel_id = args.panel_id or args.id or "code"
    panel = read_panel(args.panel, id=panel_id, year=args.year_column, regions=regions)
    values = year_values(panel, args.variable, args.year, id=panel_id, year_column=args.year_column,
                         regions=ids)
    weights = build_weight_set([args.weights], regions, panel, id=args.id, data_id=panel_id,
                               year_column=args.year_column, islands=args.islands)
    w = next(iter(weights.values()))
    return regions, values, w


def write_layer(gdf, path: str, overwrite: bool, layer: str) -> None:
    from geoproc.outputs import atomic_output

    driver = VECTOR_SUFFIXES[Path(path).suffix.lower()]
    gdf = gdf.copy()
    gdf.attrs = {}
    with atomic_output(path, overwrite) as tmp:
        if driver is None:
            gdf.drop(columns=gdf.geometry.name).to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            gdf.to_file(tmp, driver=driver, layer=layer if driver == "GPKG" else None, engine="pyogrio")


def run(args: argparse.Namespace) -> int:
    from geoproc.cli.moran import plain_warnings

    with plain_warnings("lisa"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from geoproc.lisa import local_moran

    regions, values, w = load_inputs(args, "lisa")
    islands = "raise" if args.islands == "nearest" else args.islands
    out = local_moran(regions, values, w, permutations=args.permutations, alpha=args.alpha, fdr=args.fdr,
                      seed=args.seed, id=args.id, n_jobs=args.n_jobs, transform=args.transform,
                      islands=islands)
    notes = out.attrs.get("notes", [])
    write_layer(out, args.output, args.overwrite, f"lisa_{args.variable}_{args.year}")
    if args.map:
        from geoproc.plots import lisa_cluster_map

        lisa_cluster_map(out, args.map, title=f"LISA clusters: {args.variable} {args.year}",
                         overwrite=args.overwrite)
    if args.scatter:
        from geoproc.plots import moran_scatter

        moran_scatter(values, w, args.scatter, title=f"{args.variable} {args.year}",
                      transform=args.transform, overwrite=args.overwrite)
    counts = out["cluster"].value_counts()
    print(f"LISA {args.variable} {args.year}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for n in notes:
        print(f"  {n}")
    print(f"wrote {args.output}" + "".join(f", {p}" for p in (args.map, args.scatter) if p), file=sys.stdout)
    return 0
