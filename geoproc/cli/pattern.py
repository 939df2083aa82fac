"""``geoproc pattern``: standard deviational ellipses, nearest-neighbour index, Ripley's K/L of parks."""

from __future__ import annotations

import argparse

PRINT_ONLY = "-"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "pattern",
        help="point patterns of parks: standard deviational ellipse, nearest-neighbour index, Ripley's K/L",
        description=(
            "Describe how points (e.g. cultural-industry parks) are laid out, overall or per "
            "group (--by year, type ...): --ellipse writes standard deviational ellipses "
            "(centre, semi-axes, azimuth of the major axis, area; ArcGIS's sqrt(2) convention "
            "by default) as a polygon layer; --ann prints (and writes) Clark and Evans's "
            "average nearest-neighbour index R with z and p, the study area taken from "
            "--regions (equal-area); --ripley prints (and writes) Ripley's K and Besag's L at "
            "each distance with envelopes from --simulations random patterns in the regions. "
            "Distances are metres in the points' UTM zone (Albers for China-wide data)."
        ),
        epilog=(
            "example: geoproc pattern data/demo/yrd_parks_synthetic.csv --regions yrd_cities "
            "--by year --cumulative --ellipse sde.gpkg --ann ann.csv --ripley ripley.csv --seed 1"
        ),
    )
    p.add_argument("points", metavar="PARKS",
                   help="points: CSV/XLSX with lon/lat columns (UTF-8, UTF-8 with BOM or GBK) or a point layer")
    p.add_argument("--regions", help="study regions: a shipped layer (yrd_cities, china_provinces) or a "
                   "polygon file; their area is the study area (needed for --ripley)")
    p.add_argument("--layer", help="layer of a multi-layer regions file (GeoPackage)")
    p.add_argument("--lon", default="lon", help="longitude column of a table (default: lon)")
    p.add_argument("--lat", default="lat", help="latitude column of a table (default: lat)")
    p.add_argument("--datum", choices=("wgs84", "gcj02", "bd09"), default="wgs84",
                   help="datum of the coordinates: gcj02 for Amap/Tencent, bd09 for Baidu (default: wgs84)")
    p.add_argument("--encoding", help="text encoding of a CSV (default: detected)")
    p.add_argument("--by", metavar="COLUMN", help="one result per value of this column (e.g. year, type)")
    p.add_argument("--cumulative", action="store_true",
                   help="with --by: each group holds the points up to its value (parks existing by each year)")
    p.add_argument("--crs", help="projected CRS for distances, e.g. EPSG:32651 (default: UTM zone or Albers)")
    p.add_argument("--overwrite", action="store_true", help="replace output files that exist")
    sde = p.add_argument_group("standard deviational ellipse")
    sde.add_argument("--ellipse", metavar="FILE", help="write the ellipses here (.gpkg, .geojson)")
    sde.add_argument("--map", metavar="HTML", help="also draw the ellipses (over --regions) on a web map")
    sde.add_argument("--offline", action="store_true", help="the map works without internet (no basemap)")
    sde.add_argument("--weight", metavar="COLUMN", help="column of non-negative point weights")
    sde.add_argument("--std", type=float, default=1.0, help="ellipse size in standard deviations (default 1)")
    sde.add_argument("--convention", choices=("arcgis", "yuill", "crimestat"), default="arcgis",
                     help="axis factor: arcgis sqrt(2) (default), yuill 1, crimestat sqrt(2n/(n-2))")
    nn = p.add_argument_group("average nearest-neighbour index")
    nn.add_argument("--ann", metavar="CSV", nargs="?", const=PRINT_ONLY,
                    help="compute it; print it, and write it to CSV if given")
    nn.add_argument("--area-km2", type=float, help="study area instead of --regions' area")
    rk = p.add_argument_group("Ripley's K / Besag's L")
    rk.add_argument("--ripley", metavar="CSV", nargs="?", const=PRINT_ONLY,
                    help="compute it (needs --regions); print a summary, and write the curves to CSV if given")
    rk.add_argument("--distances", metavar="M", type=float, nargs="+",
                    help="distances in metres (default: 20 up to a quarter of the regions' shorter side)")
    rk.add_argument("--simulations", type=int, default=99, help="random patterns for the envelopes (default 99)")
    rk.add_argument("--seed", type=int, help="random seed, for envelopes that repeat exactly")
    rk.add_argument("--ripley-plot", metavar="FILE", help="also plot L(r) - r with its envelope (.png, .pdf, .svg)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import atomic_output, check_output
    from geoproc.points import read_points

    if not (args.ellipse or args.ann or args.ripley):
        raise GeoprocInputError("nothing to do: give --ellipse FILE, --ann and/or --ripley")
    if args.ripley and not args.regions:
        raise GeoprocInputError("--ripley needs --regions: random patterns are drawn inside them")
    if args.map and not args.ellipse:
        raise GeoprocInputError("--map draws the ellipses: give --ellipse FILE too")
    if args.ripley_plot and not args.ripley:
        raise GeoprocInputError("--ripley-plot plots Ripley's L: give --ripley too")
    outputs = [f for f in (args.ellipse, args.ann, args.ripley, args.map, args.ripley_plot)
               if f and f != PRINT_ONLY]
    for f, suffixes in ((args.ellipse, (".gpkg", ".geojson", ".json")), (args.ann, (".csv",)),
                        (args.ripley, (".csv",)), (args.map, (".html",)),
                        (args.ripley_plot, (".png", ".pdf", ".svg"))):
        if f and f != PRINT_ONLY and Path(f).suffix.lower() not in suffixes:
            raise GeoprocInputError(f"output {f}: give a {' or '.join(suffixes)} file name")
    for f in outputs:
        check_output(f, args.overwrite)

    points = read_points(args.points, lon=args.lon, lat=args.lat, datum=args.datum, encoding=args.encoding)
    regions = None
    if args.regions:
        from geoproc.boundaries import read_regions

        regions = read_regions(args.regions, layer=args.layer)
    group = {"by": args.by, "cumulative": args.cumulative, "crs": args.crs}
    if args.ellipse:
        from geoproc.pattern import standard_deviational_ellipse

        sde = standard_deviational_ellipse(points, weight=args.weight, std=args.std,
                                           convention=args.convention, **group)
        sde.to_file(args.ellipse, overwrite=args.overwrite)
        print(sde.summary())
        print(f"wrote {args.ellipse}")
        if args.map:
            from geoproc.maps import ellipse_map

            ellipse_map(sde, args.map, regions=regions, offline=args.offline, overwrite=args.overwrite)
            print(f"wrote {args.map}")
    if args.ann:
        from geoproc.pattern import nearest_neighbour_index

        ann = nearest_neighbour_index(points, regions, area_km2=args.area_km2, **group)
        print(ann.summary())
        _write_csv(ann.to_frame(), args.ann, args.overwrite, atomic_output)
    if args.ripley:
        from geoproc.pattern import ripleys_k

        rip = ripleys_k(points, regions, distances=args.distances, simulations=args.simulations,
                        seed=args.seed, **group)
        print(rip.summary())
        _write_csv(rip.to_frame(), args.ripley, args.overwrite, atomic_output)
        if args.ripley_plot:
            rip.plot(args.ripley_plot, overwrite=args.overwrite)
            print(f"wrote {args.ripley_plot}")
    return 0


def _write_csv(frame, path: str, overwrite: bool, atomic_output) -> None:
    if path == PRINT_ONLY:
        return
    with atomic_output(path, overwrite) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8")
    print(f"wrote {path}")
