"""``geoproc kde``: a kernel-density GeoTIFF of points (QGIS's Heatmap), in memory or on dask."""

from __future__ import annotations

import argparse

from geoproc.cli._common import add_output_args

# geoproc.kde.KERNELS, without importing numba to build the parser (``--help`` stays fast)
KERNELS = ("quartic", "triangular", "uniform", "epanechnikov", "triweight", "gaussian")


def add_scale_args(p: argparse.ArgumentParser) -> None:
    """``--threads``, ``--scheduler`` and ``--partitions``, shared with ``geoproc density``."""
    p.add_argument(
        "--threads", type=int, default=None,
        help="threads stamping an in-memory raster (default: all cores; same raster for any count)",
    )  # fmt: skip
    p.add_argument(
        "--scheduler",
        metavar="threads|processes|ADDRESS",
        help=(
            "run on dask: the local threads or processes scheduler, or a dask.distributed "
            "cluster (tcp://host:8786 or a scheduler .json file). Partitioned (Geo)Parquet "
            "datasets and CSV globs always run on dask (default: threads)"
        ),
    )
    p.add_argument(
        "--partitions", type=int, default=None,
        help="with --scheduler and a single input file: split it into this many partitions "
        "(default: one per core)",
    )  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "kde",
        help="kernel-density GeoTIFF of points (QGIS's Heatmap), in memory or on dask",
        description=(
            "Write a kernel-density GeoTIFF of points. With --values raw or scaled it equals "
            "QGIS's Heatmap (Kernel Density Estimation) for the same points and parameters, bit "
            "for bit. POINTS is a CSV/XLSX with lon/lat columns, a point layer (kept in its CRS "
            "when projected), or -- read lazily and processed partition by partition on dask -- "
            "a (Geo)Parquet file, a directory of Parquet files or a quoted glob of CSV/Parquet files."
        ),
        epilog=(
            "examples: geoproc kde parks.csv -o kde.tif --radius 20000; "
            "geoproc kde 'pois/*.parquet' -o kde.tif --radius 5000 --pixel 250 "
            "--scheduler tcp://scheduler-host:8786"
        ),
    )
    p.add_argument("points", metavar="POINTS", help="points file, Parquet dataset directory, or glob")
    add_output_args(p, help="output GeoTIFF (.tif)")
    p.add_argument("--lon", default="lon", help="longitude column of tables (default: lon)")
    p.add_argument("--lat", default="lat", help="latitude column of tables (default: lat)")
    p.add_argument("--datum", choices=("wgs84", "gcj02", "bd09"), default="wgs84",
                   help="datum of lon/lat tables (default: wgs84)")
    p.add_argument("--encoding", help="text encoding of a CSV (default: detected)")
    p.add_argument("--layer", help="layer of a multi-layer points file")
    p.add_argument("--radius", type=float, help="radius in metres (default: Silverman's rule)")
    p.add_argument("--pixel", type=float, default=1000.0, help="pixel size in metres (default 1000)")
    p.add_argument("--kernel", choices=KERNELS, default="quartic", help="kernel (default quartic)")
    p.add_argument("--values", choices=("raw", "scaled", "density"), default="raw",
                   help="raw or scaled (QGIS's), or density (points per km2); default raw")
    p.add_argument("--weight", metavar="COLUMN", help="column of non-negative point weights")
    p.add_argument("--decay", type=float, default=0.0, help="triangular kernel's decay (default 0)")
    p.add_argument("--crs", help="projected CRS of the raster (default: the layer's, else UTM/Albers)")
    p.add_argument("--max-cells", type=int, default=None, help="largest raster (default 50,000,000)")
    add_scale_args(p)
    p.set_defaults(func=run)


def lazy_points(args: argparse.Namespace, keep_projected: bool):
    """Read POINTS (lazily for datasets/globs); split a single file if --scheduler asks."""
    from geoproc.kde.sources import read_point_source, to_dask

    pts = read_point_source(
        args.points, lon=args.lon, lat=args.lat, datum=args.datum, encoding=args.encoding,
        layer=getattr(args, "layer", None), keep_projected=keep_projected,
    )  # fmt: skip
    return to_dask(pts, args.partitions) if args.scheduler else pts


def run(args: argparse.Namespace) -> int:
    import dataclasses
    from pathlib import Path

    from geoproc.cli._common import progress_bar
    from geoproc.errors import GeoprocInputError
    from geoproc.kde import DEFAULT_MAX_CELLS, kernel_density
    from geoproc.kde.sources import dask_scheduler
    from geoproc.outputs import atomic_output, check_output

    if Path(args.output).suffix.lower() not in (".tif", ".tiff"):
        raise GeoprocInputError(f"-o {args.output}: give a .tif file name")
    if args.threads is not None and args.threads < 1:
        raise GeoprocInputError(f"--threads {args.threads}: give a whole number >= 1")
    check_output(args.output, args.overwrite)
    if not args.scheduler and args.crs is None:
        fast = _fast_run(args)
        if fast is not None:
            print(dataclasses.replace(fast, path=str(args.output)).summary())
            return 0
    with dask_scheduler(args.scheduler):
        points = lazy_points(args, keep_projected=True)
        with atomic_output(args.output, args.overwrite) as tmp:
            res = kernel_density(
                points, radius=args.radius, pixel_size=args.pixel, kernel=args.kernel,
                weight=args.weight, output=args.values, crs=args.crs, out=tmp, overwrite=True,
                max_cells=args.max_cells or DEFAULT_MAX_CELLS, decay=args.decay,
                threads=args.threads, progress=progress_bar("kernel density"),
            )  # fmt: skip
    print(dataclasses.replace(res, path=str(args.output)).summary())
    return 0


def _fast_run(args: argparse.Namespace):
    """A projected layer of plain points: stamp its coordinates without building geometries
    or importing geopandas (a second of a 10^6-point call); None to take the general path."""
    from geoproc.cli._common import progress_bar
    from geoproc.kde.sources import projected_xy
    from geoproc.kde.surface import DEFAULT_MAX_CELLS, kernel_density_xy
    from geoproc.outputs import atomic_output

    got = projected_xy(args.points, getattr(args, "layer", None), args.weight)
    if got is None:
        return None
    x, y, w, crs = got
    with atomic_output(args.output, args.overwrite) as tmp:
        return kernel_density_xy(
            x, y, crs, w, weight=args.weight, radius=args.radius, pixel_size=args.pixel,
            kernel=args.kernel, output=args.values, out=tmp, overwrite=True,
            max_cells=args.max_cells or DEFAULT_MAX_CELLS, decay=args.decay,
            threads=args.threads, progress=progress_bar("kernel density"),
        )  # fmt: skip
