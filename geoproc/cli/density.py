"""``geoproc density``: park counts and densities per region, and a kernel-density GeoTIFF."""

from __future__ import annotations

import argparse

from geoproc.cli._common import add_output_args
from geoproc.cli.kde import add_scale_args

FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".csv": "csv"}
KERNELS = ("quartic", "triangular", "uniform", "epanechnikov", "triweight", "gaussian")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "density",
        help="park counts and densities per region, and a kernel-density raster",
        description=(
            "Count points (e.g. cultural-industry parks) per region: park_count, park_share "
            "(of the points inside the study area), area_km2 (Albers equal-area), "
            "density_per_1000km2 and, with --per-capita, parks_per_million. Points in no "
            "region are counted and reported. With --kde, also write a kernel-density "
            "GeoTIFF; with --values raw or scaled it equals QGIS's Heatmap (Kernel Density "
            "Estimation) for the same parameters, with --values density it holds points per "
            "km2 (each point's kernel integrating to 1)."
        ),
        epilog=(
            "example: geoproc density data/demo/yrd_parks_synthetic.csv --regions yrd_cities "
            "-o density.gpkg --kde kde.tif --radius 20000 --pixel 1000 --kernel quartic "
            "--values scaled"
        ),
    )
    p.add_argument(
        "points",
        metavar="PARKS",
        help="points: CSV/XLSX with lon/lat columns (UTF-8, UTF-8 with BOM or GBK) or a point "
        "layer; or, read lazily on dask, a (Geo)Parquet file or dataset directory or a quoted "
        "glob of CSV/Parquet files",
    )
    p.add_argument(
        "--regions",
        required=True,
        help="regions: a shipped layer (yrd_cities, china_provinces) or a polygon file",
    )
    p.add_argument("--id", help="region id column (default: code, else the row order)")
    p.add_argument("--layer", help="layer of a multi-layer regions file (GeoPackage)")
    p.add_argument("--lon", default="lon", help="longitude column of a table (default: lon)")
    p.add_argument("--lat", default="lat", help="latitude column of a table (default: lat)")
    p.add_argument(
        "--datum",
        choices=("wgs84", "gcj02", "bd09"),
        default="wgs84",
        help="datum of the coordinates: gcj02 for Amap/Tencent, bd09 for Baidu (default: wgs84)",
    )
    p.add_argument("--encoding", help="text encoding of a CSV (default: detected)")
    p.add_argument(
        "--per-capita",
        metavar="COLUMN",
        help="population column of the regions (persons): adds parks_per_million",
    )
    add_output_args(p, help="output table: .gpkg, .geojson or .csv (without geometry)")
    _add_kde_args(p)
    add_scale_args(p.add_argument_group("scale (threads, dask)"))
    p.set_defaults(func=run)


def _add_kde_args(p: argparse.ArgumentParser) -> None:
    kde = p.add_argument_group("kernel density (as QGIS's Heatmap)")
    kde.add_argument("--kde", metavar="TIF", help="also write a kernel-density GeoTIFF here")
    kde.add_argument(
        "--radius",
        type=float,
        help="kernel radius in metres (default: Silverman's rule, spatial variant)",
    )
    kde.add_argument(
        "--pixel", type=float, default=1000.0, help="pixel size in metres (default 1000)"
    )
    kde.add_argument(
        "--kernel", choices=KERNELS, default="quartic", help="kernel shape (default quartic)"
    )
    kde.add_argument(
        "--values",
        choices=("raw", "scaled", "density"),
        default="raw",
        help=(
            "raw: kernel sums (QGIS 'Raw', default); scaled: QGIS 'Scaled' values per "
            "square metre (a quartic point integrates to 7.25); density: points per km2, "
            "each point's kernel integrating to exactly 1 (or its weight)"
        ),
    )
    kde.add_argument("--weight", metavar="COLUMN", help="column of non-negative point weights")
    kde.add_argument(
        "--decay",
        type=float,
        default=0.0,
        help="QGIS's decay ratio, triangular kernel only (default 0; must be >= 0 "
        "with --values density)",
    )
    kde.add_argument(
        "--crs", help="projected CRS for the raster, e.g. EPSG:32651 (default: UTM zone or Albers)"
    )
    kde.add_argument(
        "--max-cells",
        type=int,
        default=None,
        help="refuse rasters with more cells than this (default 50,000,000)",
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geoproc.errors import GeoprocInputError
    from geoproc.kde.sources import dask_scheduler
    from geoproc.outputs import check_output

    if str(args.output).strip().lower() in ("raw", "scaled", "density"):
        # "--output scaled" is how people say it (and how the issue did): it is --values
        raise GeoprocInputError(
            f"--output {args.output}: -o/--output is the output table (.gpkg, .geojson or .csv); "
            f"for the kernel values use --values {args.output.strip().lower()}"
        )
    out = Path(args.output)
    driver = FORMATS.get(out.suffix.lower())
    if driver is None:
        raise GeoprocInputError(f"output {out}: give a .gpkg, .geojson or .csv file name")
    check_output(out, args.overwrite)
    if args.kde:
        if Path(args.kde).suffix.lower() not in (".tif", ".tiff"):
            raise GeoprocInputError(f"--kde {args.kde}: give a .tif file name")
        check_output(args.kde, args.overwrite)

    if args.threads is not None and args.threads < 1:
        raise GeoprocInputError(f"--threads {args.threads}: give a whole number >= 1")
    with dask_scheduler(args.scheduler):
        _run(args, out, driver)
    return 0


def _run(args: argparse.Namespace, out, driver: str) -> None:
    """Count (and stamp) on the scheduler ``run`` set up; write both files or neither."""
    import contextlib
    import dataclasses

    from geoproc.boundaries import read_regions
    from geoproc.cli._common import progress_bar
    from geoproc.cli.kde import lazy_points
    from geoproc.density import point_density
    from geoproc.kde import DEFAULT_MAX_CELLS, kernel_density
    from geoproc.outputs import atomic_output

    # the layer option names the regions' layer here, not the points'
    points = lazy_points(argparse.Namespace(**{**vars(args), "layer": None}), keep_projected=False)
    regions = read_regions(args.regions, id=args.id, layer=args.layer)
    # warnings (points in no region, reprojection) print as "geoproc density: warning: ..."
    # (geoproc.cli.main formats them per command)
    result = point_density(points, regions, id=args.id, per_capita=args.per_capita)

    # both files appear only if both succeed: the raster is written to its temporary
    # name inside the table's context, and each is moved into place on success only
    with contextlib.ExitStack() as stack:
        tmp_kde = stack.enter_context(atomic_output(args.kde, args.overwrite)) if args.kde else None
        tmp = stack.enter_context(atomic_output(out, args.overwrite))
        res = None
        if args.kde:
            res = kernel_density(
                points,
                radius=args.radius,
                pixel_size=args.pixel,
                kernel=args.kernel,
                weight=args.weight,
                output=args.values,
                crs=args.crs,
                out=tmp_kde,
                overwrite=True,  # the temporary name; args.kde was checked above
                max_cells=args.max_cells or DEFAULT_MAX_CELLS,
                decay=args.decay,
                threads=args.threads,
                progress=progress_bar("kernel density"),
            )
            res = dataclasses.replace(res, path=str(args.kde))
        if driver == "csv":
            result.drop(columns=result.geometry.name).to_csv(tmp, index=False, encoding="utf-8")
        else:
            result.to_file(tmp, driver=driver, **({"layer": "density"} if driver == "GPKG" else {}))

    _print_summary(result, out, res)


def _print_summary(result, out, res) -> None:
    """Totals, the five densest regions, and what was written."""
    source = result.attrs.get("source")
    label = next((c for c in ("name_en", "name", "name_zh", "code") if c in result.columns), None)
    print(
        f"{result.attrs['points_total']} points"
        + (f" [{source}]" if source else "")
        + f", {result.attrs['points_outside']} in no region; areas in {result.attrs['area_crs']}"
    )
    top = result.sort_values("density_per_1000km2", ascending=False).head(5)
    for _, row in top.iterrows():
        name = row[label] if label else row.name
        print(
            f"  {name}: {row['park_count']} parks, {row['density_per_1000km2']:.2f} per 1000 km2, "
            f"share {row['park_share']:.3f}"
        )
    print(f"wrote {out}")
    if res is not None:
        print(res.summary())
