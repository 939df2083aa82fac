"""``geoproc distances``: great-circle distance matrix between regions, as CSV."""

from __future__ import annotations

import argparse

from geoproc.cli._common import add_output_args, progress_bar


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "distances",
        help="distance matrix (km) between region centroids or points, as CSV",
        description=(
            "Write the N x N matrix of distances in km between the regions' area centroids "
            "(computed in an equal-area projection) or between points. The CSV has a first "
            "column 'id' and a header row of the same ids in the same order. It is written "
            "a block of rows at a time, so large N does not need N x N memory."
        ),
    )
    p.add_argument(
        "regions",
        metavar="REGIONS",
        help="a vector file (GeoPackage, shapefile, GeoJSON...) or a shipped boundary "
        "name such as china_provinces or yrd_cities",
    )
    add_output_args(p, help="output CSV file")
    p.add_argument("--id", metavar="FIELD", help="field holding the region ids (default: code, else the row number)")
    p.add_argument("--layer", help="layer of a multi-layer file (e.g. a GeoPackage)")
    p.add_argument(
        "--method",
        choices=("geodesic", "haversine"),
        default="geodesic",
        help="geodesic on the WGS84 ellipsoid (default, as pyproj/GeographicLib) or "
        "spherical great circle with mean radius 6371.0088 km",
    )
    p.add_argument(
        "--centroid",
        choices=("area", "representative", "largest", "capital"),
        default="area",
        help="point standing for each polygon: area centroid (default), a "
        "representative point guaranteed inside it, or the area centroid of the largest "
        "part (for archipelagos such as Hainan), or the provincial capital (province codes)",
    )
    p.add_argument("--float32", action="store_true", help="round distances to float32 (written to 1 m)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geoproc.boundaries import read_regions
    from geoproc.distances import write_distance_matrix
    from geoproc.outputs import check_output

    check_output(args.output, args.overwrite)  # before reading anything large
    regions = read_regions(args.regions, id=args.id, layer=args.layer)
    path = write_distance_matrix(
        regions,
        args.output,
        method=args.method,
        dtype="float32" if args.float32 else "float64",
        overwrite=args.overwrite,
        id=args.id,
        how=args.centroid,
        progress=progress_bar("distances"),
    )
    print(f"wrote {len(regions)} x {len(regions)} {args.method} distances (km) to {path}")
    return 0
