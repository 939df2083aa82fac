"""``geoproc boundaries``: list the shipped boundary layers, export one to a file."""

from __future__ import annotations

import argparse

from geoproc.cli._common import add_output_args

# output suffix -> (GDAL driver, or "csv" for a plain table with WKT geometry)
FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile", ".csv": "csv"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "boundaries",
        help="list or export the shipped boundary layers (China's provinces, YRD cities)",
        description=(
            "geoproc ships two boundary layers in WGS84 (EPSG:4326): china_provinces "
            "(31 mainland provinces) and yrd_cities (41 Yangtze River Delta units). "
            "Their provenance is in data/boundaries/README.md."
        ),
    )
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    ls = sub.add_parser("list", help="list the shipped layers", description="List the shipped boundary layers with their region counts and source.")
    ls.set_defaults(func=run_list)

    ex = sub.add_parser(
        "export",
        help="write a shipped layer to a file",
        description=(
            "Write a shipped layer to a file; the format follows the suffix: .gpkg "
            "(GeoPackage), .geojson/.json (GeoJSON), .shp (shapefile; province_code "
            "becomes prov_code, as dBASE names have at most 10 characters), .csv (UTF-8 "
            "table with the geometry as WKT in column 'wkt')."
        ),
    )
    ex.add_argument("name", metavar="NAME", help="shipped layer name: china_provinces or yrd_cities")
    add_output_args(ex, help="output file (.gpkg, .geojson, .shp or .csv)")
    ex.set_defaults(func=run_export)


def run_list(args: argparse.Namespace) -> int:
    from geoproc.boundaries import list_boundaries

    table = list_boundaries()
    for row in table.itertuples(index=False):
        print(f"{row.name}\t{row.count} regions\t{row.description}\n\tsource: {row.source}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import check_output

    out = Path(args.output)
    driver = FORMATS.get(out.suffix.lower())
    if driver is None:
        raise GeoprocInputError(
            f"output {out}: unknown format {out.suffix!r}; use one of {', '.join(FORMATS)}"
        )
    check_output(out, args.overwrite)
    gdf = _load(args.name)
    write_layer(gdf, out, driver, args.overwrite, layer=args.name)
    print(f"wrote {len(gdf)} regions of {args.name} to {out}")
    return 0


def _load(name: str):
    from geoproc.boundaries import load_boundaries

    return load_boundaries(name)


def write_layer(gdf, out, driver: str, overwrite: bool, layer: str) -> None:
    """Write atomically; a shapefile's side files (.dbf, .shx, .prj, .cpg) move with it."""
    import os

    from geoproc.outputs import atomic_output

    if driver == "csv":
        # full precision WKT; UTF-8 with BOM so that Excel shows the Chinese names
        wkt = gdf.geometry.to_wkt(rounding_precision=-1)
        table = gdf.drop(columns=gdf.geometry.name).assign(wkt=wkt)
        with atomic_output(out, overwrite) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        return
    if driver == "ESRI Shapefile":
        # dBASE field names have at most 10 characters
        gdf = gdf.rename(columns={"province_code": "prov_code"})
        sides = [out.with_suffix(s) for s in (".dbf", ".shx", ".prj", ".cpg")]
        if not overwrite:
            for side in sides:
                if side.exists():
                    raise FileExistsError(f"output {side} already exists; pass --overwrite to replace it")
        written: list = []
        try:
            with atomic_output(out, overwrite) as tmp:
                written = [tmp.with_suffix(side.suffix) for side in sides]
                gdf.to_file(tmp, driver=driver, engine="pyogrio", encoding="UTF-8")
                # move the side files first, so that the .shp appears last and complete
                for src, side in zip(written, sides, strict=True):
                    if src.exists():
                        os.replace(src, side)
        finally:
            for src in written:
                if src.exists():
                    src.unlink()
        return
    with atomic_output(out, overwrite) as tmp:
        gdf.to_file(tmp, driver=driver, engine="pyogrio", layer=layer if driver == "GPKG" else None)
