"""Helpers shared by the CLI command modules (argument conventions, progress, warnings, layers)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd

    from geoproc.progress import ProgressCallback

def add_output_args(p: argparse.ArgumentParser, help: str = "output file") -> None:
    """``-o/--output`` and ``--overwrite``, the same on every command."""
    p.add_argument("-o", "--output", required=True, help=help)
    p.add_argument("--overwrite", action="store_true", help="replace the output if it exists")



# --- shared by lisa and hotspots, and the per-command warning format ----------------------

VECTOR_SUFFIXES = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile",
                   ".csv": None}


def progress_bar(desc: str) -> ProgressCallback:
    """A :data:`geoproc.progress.ProgressCallback` drawing a tqdm bar (0-100 %) on stderr.

    Silent when stderr is not a terminal; the bar closes itself when the fraction
    reaches 1. Pass it as ``progress=`` to any long library call.
    """
    from tqdm import tqdm

    bar = tqdm(total=100, desc=desc, unit="%", disable=not sys.stderr.isatty(), leave=False)

    def callback(fraction: float) -> None:
        bar.update(round(100 * fraction) - bar.n)
        if fraction >= 1:
            bar.close()

    return callback


@contextmanager
def command_warnings(command: str) -> Iterator[None]:
    """Warnings raised while a command runs print as one line, ``geoproc COMMAND: warning: ...``.

    Only inside the ``with`` block (``warnings.catch_warnings`` restores the filters and
    ``showwarning`` on exit), so a program that calls :func:`geoproc.cli.main` keeps its
    own warning format afterwards.
    """
    import warnings

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"geoproc {command}: warning: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


#: ``--transform`` of moran and lisa (esda's default first) and of hotspots (ArcGIS's first)
TRANSFORM_HELP = {"R": "row-standardise the weights (as esda)", "O": "use them as given",
                  "B": "binary: every neighbour counts 1 (as ArcGIS's Hot Spot Analysis)"}


def add_local_args(p: argparse.ArgumentParser, hotspots: bool = False) -> None:
    """Positional REGIONS PANEL and the options lisa and hotspots share (``hotspots``: binary
    weights by default, permutations only for ``--inference permutation``)."""
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
    from geoproc.formatting import PERMUTATIONS

    add_weights_args(p, repeat=False, transforms=("B", "R", "O") if hotspots else ("R", "O"))
    if hotspots:
        p.add_argument("--permutations", type=int, default=None,
                       help=f"conditional permutations for --inference permutation (default {PERMUTATIONS})")
    else:
        p.add_argument("--permutations", type=int, default=PERMUTATIONS,
                       help=f"conditional permutations for the pseudo p-values (default {PERMUTATIONS}; "
                            "0: analytic)")
    p.add_argument("--seed", type=int, default=None, help="seed of the permutations (reproducible results)")
    p.add_argument("--map", default=None, metavar="FIGURE",
                   help="also draw the map for print: .png, .pdf or .svg (legend, scale bar, north arrow)")
    add_output_args(p, help="output layer: .gpkg, .geojson, .shp, or .csv (no geometry)")


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
    for path in (args.output, notes_path(args.output), getattr(args, "map", None),
                 getattr(args, "scatter", None)):
        if path:
            check_output(path, args.overwrite)
    for path in (getattr(args, "map", None), getattr(args, "scatter", None)):
        if path and Path(path).suffix.lower().lstrip(".") not in ("png", "pdf", "svg"):
            raise GeoprocInputError(f"figure {path}: use a .png, .pdf or .svg name")
    if args.permutations is not None and args.permutations < 0:
        raise GeoprocInputError("--permutations must be 0 or more")
    regions = read_regions(args.regions, id=args.id)
    ids = region_ids(regions, args.id)
    panel_id = args.panel_id or args.id or "code"
    panel = read_panel(args.panel, id=panel_id, year=args.year_column, regions=regions, regions_id=args.id)
    values = year_values(panel, args.variable, args.year, id=panel_id, year_column=args.year_column,
                         regions=ids)
    weights = build_weight_set([args.weights], regions, panel, id=args.id, data_id=panel_id,
                               year_column=args.year_column, islands=args.islands,
                               centroid=args.centroid)
    w = next(iter(weights.values()))
    return regions, values, w


def notes_path(path: str | os.PathLike) -> Path | None:
    """The notes sidecar of a CSV or Shapefile output (``out.notes.txt``); None for GPKG/GeoJSON,
    which carry the notes in the layer itself."""
    p = Path(path)
    return p.with_suffix(".notes.txt") if VECTOR_SUFFIXES.get(p.suffix.lower(), "") in (None, "ESRI Shapefile") else None


def write_layer(gdf: gpd.GeoDataFrame, path: str | os.PathLike, overwrite: bool, layer: str,
                notes: Sequence[str] | None = None) -> None:
    """Write a result layer by suffix with its notes (island handling, how the weights were built).

    GeoPackage: the layer description and its ``geoproc_notes`` metadata item; GeoJSON: the
    layer description; CSV (no geometry, UTF-8 with BOM) and Shapefile: a sidecar
    ``<name>.notes.txt`` (:func:`notes_path`), one note per line. ``notes`` default to
    ``gdf.attrs["notes"]``; ``attrs`` themselves are not written (they may hold arrays).
    """
    from geoproc.outputs import atomic_output

    notes = list(gdf.attrs.get("notes", []) if notes is None else notes)
    text = "\n".join(map(str, notes))
    driver = VECTOR_SUFFIXES[Path(path).suffix.lower()]
    gdf = gdf.copy()
    gdf.attrs = {}
    sidecar = notes_path(path)
    if driver is not None:  # a layer of many detailed polygons can be gigabytes: check before writing
        from geoproc.resources import check_layer_disk

        check_layer_disk(gdf, path, text=driver == "GeoJSON")
    with atomic_output(path, overwrite) as tmp:
        if driver is None:
            gdf.drop(columns=gdf.geometry.name).to_csv(tmp, index=False, encoding="utf-8-sig")
        elif driver == "GPKG":
            gdf.to_file(tmp, driver=driver, layer=layer, engine="pyogrio",
                        layer_options={"DESCRIPTION": text}, layer_metadata={"geoproc_notes": text})
        elif driver == "GeoJSON":
            gdf.to_file(tmp, driver=driver, layer=layer, engine="pyogrio", layer_options={"DESCRIPTION": text})
        else:
            gdf.to_file(tmp, driver=driver, engine="pyogrio")
        if sidecar is not None:
            with atomic_output(sidecar, overwrite) as tmp_notes:
                tmp_notes.write_text(text + "\n", encoding="utf-8")


def run_local(args: argparse.Namespace, command: str) -> int:
    """``geoproc lisa`` and ``geoproc hotspots``: read, compute, write the layer and its plots."""
    regions, values, w = load_inputs(args, command)
    common = dict(permutations=args.permutations, seed=args.seed, id=args.id, transform=args.transform,
                  islands="raise" if args.islands == "nearest" else args.islands)  # linked already
    if command == "lisa":
        from geoproc.lisa import local_moran
        from geoproc.plots import lisa_cluster_map as draw

        out = local_moran(regions, values, w, alpha=args.alpha, fdr=args.fdr, **common)
        head, column, layer = "LISA", "cluster", f"lisa_{args.variable}_{args.year}"
        title = f"LISA clusters: {args.variable} {args.year}"
    else:
        from geoproc.hotspots import getis_ord, inference_label
        from geoproc.plots import hotspot_map as draw

        out = getis_ord(regions, values, w, star=args.star, inference=args.inference, fdr=args.fdr, **common)
        head, column, layer = ("Gi*" if args.star else "Gi"), "hotspot", f"gi_{args.variable}_{args.year}"
        title = f"{head} hot spots: {args.variable} {args.year} ({inference_label(out.attrs)})"
    notes = list(out.attrs.get("notes", []))
    write_layer(out, args.output, args.overwrite, layer, notes)
    written = [args.output, notes_path(args.output)]
    if args.map:
        draw(out, args.map, title=title, overwrite=args.overwrite)
        written.append(args.map)
    if getattr(args, "scatter", None):
        from geoproc.plots import moran_scatter

        moran_scatter(values, w, args.scatter, title=f"{args.variable} {args.year}",
                      transform=args.transform, overwrite=args.overwrite)
        written.append(args.scatter)
    counts = out[column].value_counts()
    print(f"{head} {args.variable} {args.year}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for n in notes:
        print(f"  {n}")
    print("wrote " + ", ".join(str(p) for p in written if p), file=sys.stdout)
    return 0


# --- weights options: one wording for moran, lisa, hotspots and sdm ----------------------
REPEAT_HELP = "; repeat for several matrices side by side, NAME=SPEC names one (e.g. W1=gravity:rd_staff)"
ISLANDS_HELP = {
    "raise": "stop with an error naming them",
    "keep": "keep them with zero spatial lag",
    "drop": "leave them out",
    "nearest": "link each to its nearest region by centroid distance (queen/rook, and weights "
               "files given the regions)",
}


def weights_help(repeat: bool = False) -> str:
    """The ``--weights`` help: :data:`geoproc.weights.spec.HELP`, plus NAME=SPEC when repeatable."""
    from geoproc.weights.spec import HELP

    return HELP + (REPEAT_HELP if repeat else "")


def add_islands_arg(p: argparse.ArgumentParser, default: str = "raise") -> None:
    """``--islands raise|keep|drop|nearest`` (:func:`geoproc.weights.prepare_weights`)."""
    parts = [f"{ISLANDS_HELP[k]} ({k}{', default' if k == default else ''})" for k in ISLANDS_HELP]
    p.add_argument("--islands", choices=tuple(ISLANDS_HELP), default=default,
                   help="regions without neighbours: " + ", ".join(parts))


def add_weights_args(p: argparse.ArgumentParser, repeat: bool, transforms: Sequence[str] = ("R", "O")) -> None:
    """``--weights``, ``--islands``, ``--transform``, ``--centroid``: shared by moran, lisa, hotspots.

    ``transforms``: the ``--transform`` choices (:data:`TRANSFORM_HELP`), the default first.
    """
    p.add_argument("--weights", "-w", required=True, action="append" if repeat else "store",
                   metavar="W", help=weights_help(repeat))
    add_islands_arg(p)
    p.add_argument("--transform", choices=tuple(transforms), default=transforms[0],
                   help="; ".join(f"{t}: {TRANSFORM_HELP[t]}{' (default)' if i == 0 else ''}"
                                  for i, t in enumerate(transforms)))
    p.add_argument("--centroid", choices=("area", "representative", "largest", "capital"), default="area",
                   help="the point standing for each region in distances (knn, inverse-distance, "
                        "gravity, nested, island links): area centroid (default), a representative "
                        "point inside the region, the area centroid of its largest part, or the "
                        "provincial capital (province codes)")


# --- shared by moran, sdm and tables ----------------------------------------------------
def guess_regions(ids: Iterable[Any]) -> gpd.GeoDataFrame | None:
    """The shipped boundary set whose codes contain all ``ids`` (None if none does).

    When a shipped set holds most of the ids but not all, the others are named: a typo
    in one id should not end as "give the regions".
    """
    from geoproc.boundaries import load_boundaries
    from geoproc.errors import GeoprocInputError
    from geoproc.ids import id_key

    ids = list(ids)
    want = {id_key(i): i for i in ids}
    for name in ("china_provinces", "yrd_cities"):
        gdf = load_boundaries(name)
        codes = {id_key(c) for c in gdf["code"]}
        stray = [want[k] for k in want if k not in codes]
        if not stray:
            return gdf
        if len(stray) < len(want) / 2:
            shown = ", ".join(map(str, stray[:10])) + (f" and {len(stray) - 10} more" if len(stray) > 10 else "")
            raise GeoprocInputError(
                f"panel id(s) {shown} match no region of the shipped {name}, which holds the "
                "other ids; correct them, or give the regions (--regions FILE)")
    return None


def labels_from_args(items: list[str]) -> dict[str, str]:
    """Merge every ``--labels`` item (a file or name=label pairs), later ones winning."""
    from geoproc.tables import read_labels

    out: dict[str, str] = {}
    for item in items:
        out.update(read_labels(item))
    return out
