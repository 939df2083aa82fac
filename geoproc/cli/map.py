"""``geoproc map``: a result layer as a self-contained HTML web map (folium)."""

from __future__ import annotations

import argparse
import os
import sys

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
    p.add_argument("--raster", help="kernel-density GeoTIFF drawn as an image overlay over the "
                                    "region outlines (not with --points, --column, --weights)")
    p.add_argument("--weights", help="weights file (CSV/GAL/GWT) whose links are drawn "
                                     "(not with --points, --column, --raster)")
    p.add_argument("--id", help="region id column (default: code, else the row order)")
    p.add_argument("--title", help="legend title")
    p.add_argument("--attribution",
                   help="source of the region layer shown on the map (default: geoproc's "
                        "shipped boundaries are credited when LAYER is one of them; any other "
                        "layer gets no credit and a warning)")
    p.add_argument("--tolerance", type=float, default=None,
                   help="display simplification in degrees (default 0.005, about 0.5 km; 0 keeps "
                        "the outlines as they are)")
    p.add_argument("--basemap", choices=("none", "osm", "gaode", "gaode-satellite", "tianditu"),
                   default="none",
                   help="tiles under the map (default none: the file works with no internet and "
                        "names the regions itself). gaode and gaode-satellite (Amap) load in "
                        "mainland China; their tiles are in GCJ-02, so every overlay is shifted into "
                        "GCJ-02 for display and the map says so. tianditu needs --tianditu-key. "
                        "Leaflet and the other scripts are always inlined (no CDN)")
    p.add_argument("--tianditu-key", metavar="KEY",
                   help="your Tianditu key (https://console.tianditu.gov.cn), for --basemap tianditu")
    p.add_argument("--offline", action="store_true",
                   help="no basemap and every script inlined: the file works with no internet "
                        "(the default; kept for scripts that pass it)")
    add_output_args(p, help="output .html file")
    p.set_defaults(func=run)


def _read_layer(args: argparse.Namespace):
    from geoproc.errors import GeoprocInputError

    if os.path.exists(args.layer):
        import geopandas as gpd

        from geoproc.validation import check_layer_coordinates

        kw = {"layer": args.layer_name} if args.layer_name else {}
        try:
            gdf = gpd.read_file(args.layer, **kw)
        except Exception as exc:  # GDAL's errors vary by driver; name the file
            raise GeoprocInputError(f"cannot read layer {args.layer}: {exc}") from None
        check_layer_coordinates(gdf, f"layer {args.layer}")  # swapped lon/lat, metres as degrees
        return gdf
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


def _read_notes(args: argparse.Namespace) -> list[str]:
    """The notes a geoproc result file carries (how it was computed): a GeoPackage's
    ``geoproc_notes`` metadata or description, a GeoJSON's description, a CSV's or Shapefile's
    ``.notes.txt`` sidecar; [] for anything else (a shipped boundary set, a foreign file)."""
    from geoproc.cli._common import notes_path

    if not os.path.exists(args.layer):
        return []
    sidecar = notes_path(args.layer) if os.path.splitext(args.layer)[1].lower() in (".csv", ".shp") else None
    if sidecar is not None:
        return sidecar.read_text(encoding="utf-8").splitlines() if sidecar.exists() else []
    try:
        import pyogrio

        meta = pyogrio.read_info(args.layer, layer=args.layer_name).get("layer_metadata") or {}
    except Exception:  # noqa: BLE001 - notes are a nicety; the layer itself was read already
        return []
    return str(meta.get("geoproc_notes") or meta.get("DESCRIPTION") or "").splitlines()


def _check_flags(args: argparse.Namespace) -> None:
    """Refuse flags that the chosen kind of map would ignore (a raster map draws no points,
    no choropleth and no links; a links map no points or choropleth)."""
    from geoproc.errors import GeoprocInputError

    given = {"--raster": args.raster, "--weights": args.weights, "--points": args.points,
             "--column": args.column}
    for main, others in (("--raster", ("--weights", "--points", "--column")),
                         ("--weights", ("--points", "--column"))):
        clash = [f for f in others if given[f]]
        if given[main] and clash:
            raise GeoprocInputError(
                f"{main} cannot be combined with {', '.join(clash)}: a {main[2:]} map would "
                f"not show them; make one map per layer")
    if args.raster and args.kind:
        raise GeoprocInputError(f"--raster cannot be combined with --kind {args.kind}")
    if args.weights and args.kind not in (None, "links"):
        raise GeoprocInputError(f"--weights cannot be combined with --kind {args.kind}")


def run(args: argparse.Namespace) -> int:
    from geoproc import maps
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import check_output

    _check_flags(args)
    check_output(args.output, args.overwrite)
    regions = _read_layer(args)
    if args.offline and args.basemap != "none":
        raise GeoprocInputError(f"--offline cannot be combined with --basemap {args.basemap} "
                                "(a basemap's tiles come from the internet)")
    if args.basemap == "tianditu" and not args.tianditu_key:
        raise GeoprocInputError("--basemap tianditu needs --tianditu-key KEY "
                                "(free from https://console.tianditu.gov.cn)")
    # scripts inlined whatever the basemap: CDNs are slow or blocked in mainland China
    common = {"offline": True, "overwrite": args.overwrite, "basemap": args.basemap,
              "tianditu_key": args.tianditu_key}
    if args.attribution is not None:
        common["attribution"] = args.attribution
    elif not maps.boundary_attribution(regions):
        print(f"geoproc map: warning: {args.layer}: source of the regions unknown (not geoproc's "
              "shipped boundaries), so the map credits no one; pass --attribution "
              "\"Boundaries: ...\"", file=sys.stderr)
    if args.tolerance is not None:
        common["tolerance"] = args.tolerance
    if args.column and args.column not in regions.columns:
        cols = ", ".join(str(c) for c in regions.columns if c != regions.geometry.name)
        raise GeoprocInputError(f"--column {args.column}: layer {args.layer} has no such column; "
                                f"its columns are {cols}")
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
        if kind == "hotspot":
            # a saved Gi* layer keeps how its bins were inferred only in its notes: the legend
            # names it (z under normality or conditional permutations), as on the --map figure
            from geoproc.hotspots import attrs_from_notes

            regions.attrs.update(attrs_from_notes(_read_notes(args)))
            maps.hotspot_map(regions, args.output, column=args.column or "hotspot", title=args.title,
                             **common)
        else:
            maps.choropleth_map(regions, args.output, args.column, kind=kind, title=args.title,
                                **common)
    print(f"wrote {args.output}")
    return 0
