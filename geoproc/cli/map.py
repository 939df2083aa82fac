"""``geoproc map``: a result layer as a self-contained HTML web map (folium)."""

from __future__ import annotations

import argparse
import os

from geoproc.cli._common import add_output_args

#: column -> map kind, so ``--kind`` can be left out for geoproc's own outputs
KIND_OF_COLUMN = {
    "cluster": "lisa",
    "hotspot": "hotspot",
    "lq": "lq",
    "cul": "agglomeration",
    "density_per_1000km2": "density",
}
KINDS = ("lisa", "hotspot", "lq", "agglomeration", "density", "links")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "map",
        help="export a result layer as an HTML web map",
        description=(
            "Write a folium HTML map of a region layer: LISA clusters, Gi* hot spots, "
            "location quotients, agglomeration or park density, park points over the "
            "regions (--points), a kernel-density raster (--raster) or weight links "
            "(--weights). Colours are those of the QML styles in styles/. Region "
            "outlines are simplified for display (--tolerance)."
        ),
    )
    p.add_argument("layer", metavar="LAYER",
                   help="region layer: a vector file (e.g. the .gpkg of 'geoproc lisa') "
                        "or the name of a shipped boundary set (e.g. yrd_cities)")
    p.add_argument("--layer-name", help="layer inside a multi-layer file such as a GeoPackage")
    p.add_argument("--column", help="column to colour by (default: the kind's column, e.g. "
                                    "cluster, hotspot, lq, cul, density_per_1000km2)")
    p.add_argument("--kind", choices=KINDS,
                   help="palette: lisa, hotspot, lq, agglomeration, density, or links "
                        "(default: from --column)")
    p.add_argument("--points", help="park points (CSV with lon/lat columns, or a point layer) "
                                    "drawn as clustered markers")
    p.add_argument("--raster", help="kernel-density GeoTIFF drawn as an image overlay")
    p.add_argument("--weights", help="weights file (CSV/GAL/GWT) whose links are drawn")
    p.add_argument("--id", help="region id column (default: code, else the row order)")
    p.add_argument("--title", help="legend title")
    p.add_argument("--attribution",
                   help="source of the region layer shown on the map (default: the shipped "
                        "boundaries' attribution)")
    p.add_argument("--tolerance", type=float, default=None,
                   help="display simplification in degrees (default 0.005, about 0.5 km; 0 keeps "
                        "the outlines as they are)")
    p.add_argument("--offline", action="store_true",
                   help="inline all JavaScript and CSS and use no basemap: the file works "
                        "with no internet")
    add_output_args(p, help="output .html file")
    p.set_defaults(func=run)


def _read_layer(args: argparse.Namespace):
    from geoproc.errors import GeoprocInputError

    if os.path.exists(args.layer):
        import geopandas as gpd

        kw = {"layer": args.layer_name} if args.layer_name else {}
        return gpd.read_file(args.layer, **kw)
    try:
        from geoproc import load_boundaries
    except (ImportError, AttributeError):
        raise GeoprocInputError(f"layer {args.layer} not found") from None
    try:
        return load_boundaries(args.layer)
    except (GeoprocInputError, KeyError, ValueError, FileNotFoundError) as exc:
        raise GeoprocInputError(
            f"layer {args.layer} is neither a file nor a shipped boundary set ({exc})"
        ) from None


def run(args: argparse.Namespace) -> int:
    from geoproc import maps
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import check_output

    check_output(args.output, args.overwrite)
    regions = _read_layer(args)
    common = {"offline": args.offline, "overwrite": args.overwrite}
    if args.attribution is not None:
        common["attribution"] = args.attribution
    if args.tolerance is not None:
        common["tolerance"] = args.tolerance
    kind = args.kind or KIND_OF_COLUMN.get(args.column or "")

    if args.raster:
        maps.raster_map(args.raster, args.output, regions=regions, title=args.title, **common)
    elif args.weights or kind == "links":
        if not args.weights:
            raise GeoprocInputError("--kind links needs --weights FILE")
        maps.links_map(regions, args.weights, args.output, id=args.id, title=args.title, **common)
    elif args.points:
        if args.column and kind is None:
            raise GeoprocInputError(
                f"column {args.column!r}: say how to colour it with --kind ({', '.join(KINDS[:-1])})")
        maps.points_map(regions, args.points, args.output, column=args.column,
                        kind=kind or "density", **common)
    else:
        if kind is None:
            raise GeoprocInputError(
                "say what to map: --kind (lisa, hotspot, lq, agglomeration, density), --column "
                f"with one of {', '.join(KIND_OF_COLUMN)}, --points, --raster or --weights"
            )
        maps.choropleth_map(regions, args.output, args.column, kind=kind, title=args.title,
                            **common)
    print(f"wrote {args.output}")
    return 0
