"""What the pipeline's QGIS project holds beyond its layers: CRS, groups, labels, map themes.

:func:`project_spec` turns the run's layers into the JSON spec that
``qgis_plugin.project_writer`` builds the ``.qgz`` from (in a Python that imports QGIS):

* the project CRS, an equal-area projection suited to the layers shown at first
  (:func:`geoproc.cartography.map_crs`: a local Albers for the Yangtze River Delta,
  the national Albers for all of China);
* layer groups (points and links, boundaries, results, rasters);
* labels on region layers from their Chinese names (``name_zh``);
* one map theme per result layer, each with a print layout: title, legend, scale bar,
  north arrow and notes (source, synthetic data, and for national maps the
  South China Sea islands inset and the 审图号 note).

Every choice is made here, in plain Python, so it is unit-tested without QGIS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geoproc.cartography import (
    CHINA_MAIN_EXTENT,
    SOUTH_CHINA_SEA_INSET,
    is_national,
    main_frame_ring,
    map_crs,
    map_notes,
)

__all__ = ["GROUPS", "LABEL_FIELDS", "layer_bounds", "project_spec", "themes"]

#: layer group by drawing rank (see ``outputs._ORDER``), top first
GROUPS = {0: "Points", 1: "Links", 1.5: "Point patterns", 2: "Boundaries", 3: "Results", 9: "Rasters"}
#: region name fields labelled in the project, first found wins
LABEL_FIELDS = ("name_zh", "name_en", "name")
_PLAIN = ("points", "outline", "weight_links", "raster")


def layer_bounds(outputs: Any, layer: dict, folder: Path) -> tuple[float, float, float, float]:
    """A project layer's lon/lat bounds, from the GeoDataFrame in memory or the raster file."""
    step = outputs[layer["step"]]
    if layer["provider"] == "gdal":
        import rasterio
        from rasterio.warp import transform_bounds

        with rasterio.open(folder / layer["source"]) as src:
            return tuple(float(v) for v in transform_bounds(src.crs, "EPSG:4326", *src.bounds))
    from geoproc.validation import to_lonlat

    gdf = step.layers[layer["name"]].gdf
    return tuple(float(v) for v in to_lonlat(gdf).total_bounds)


def _union(boxes: list) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _title(layer: dict) -> str:
    from geoproc.palettes import load_palettes

    pal = next((p for p in load_palettes().values() if p.qml == f"{layer['style']}.qml"), None)
    if layer["style"] == "raster":
        pal = load_palettes().get("kde")
    return f"{pal.title}: {layer['name']}" if pal else layer["name"]


def themes(layers: list[dict]) -> list[dict]:
    """One map theme per result layer.

    Parameters
    ----------
    layers : list of dict
        Project layers with ``name``, ``style``, ``rank`` and lon/lat ``bounds``.

    Returns
    -------
    list of dict
        Per filled, link or raster layer: ``name``, ``title``, ``layers`` (the layer
        itself; for a raster or links also the points and outlines over its extent, top
        first), ``bounds``, ``crs`` (:func:`geoproc.cartography.map_crs`), ``national``
        and, for national themes, ``main_extent``, ``inset_extent`` and ``main_clip``
        (:func:`geoproc.cartography.main_frame_ring`; else None).
    """
    out = []
    for lyr in layers:
        if lyr["style"] in ("points", "outline"):
            continue
        members = [lyr]
        if lyr["style"] in ("raster", "weight_links", "sde_ellipses"):
            context = [o for o in layers if o["style"] in ("points", "outline")
                       and not o["name"].endswith("centroids") and _overlap(o["bounds"], lyr["bounds"])]
            members = sorted(context + [lyr], key=lambda d: d["rank"])
        bounds = _union([m["bounds"] for m in members])
        national = is_national(bounds)
        # a national map: the mainland in the main frame, the southern islands in an inset
        out.append({"name": lyr["name"], "title": _title(lyr), "layers": [m["name"] for m in members],
                    "bounds": list(bounds), "crs": map_crs(bounds), "national": national,
                    "main_extent": list(CHINA_MAIN_EXTENT) if national else None,
                    "inset_extent": list(SOUTH_CHINA_SEA_INSET) if national else None,
                    # the main frame draws nothing south of 17.5° N: those reefs are in the inset
                    "main_clip": [list(p) for p in main_frame_ring()] if national else None})
    return out


def _synthetic(pipeline: Any) -> bool:
    """Whether the run reads simulated data (a title or input path saying "synthetic")."""
    texts = [pipeline.title] + [str(v) for st in pipeline.steps.values() for v in st.options.values()]
    return any("synthetic" in t.lower() for t in texts)


def project_spec(pipeline: Any, outputs: Any, layers: list[dict], folder: Path) -> dict:
    """The project writer's spec for ``layers`` (``outputs.project_layers``, top first).

    Parameters
    ----------
    pipeline : Pipeline
        The validated pipeline (its title and steps: "synthetic" inputs add a note).
    outputs : mapping
        Step name -> StepOutput of the run (the layers' frames in memory).
    layers : list of dict
        The project's layers; each gains ``group``, ``label`` and ``bounds`` (lon/lat).
    folder : Path
        The output folder (rasters are read from it for their bounds).

    Returns
    -------
    dict
        The spec ``qgis_plugin.project_writer`` reads: title, folder, project CRS (suited
        to the layers shown at first), layers, and the map themes with their notes.
    """
    from geoproc.maps.attribution import boundary_attribution

    synthetic = _synthetic(pipeline)
    credits = {}
    for lyr in layers:
        lyr["bounds"] = list(layer_bounds(outputs, lyr, folder))
        lyr["group"] = GROUPS.get(lyr["rank"], "Results")
        lyr["label"] = None
        if lyr["provider"] == "ogr" and lyr["style"] not in ("points", "weight_links"):
            gdf = outputs[lyr["step"]].layers[lyr["name"]].gdf
            lyr["label"] = next((f for f in LABEL_FIELDS if f in gdf.columns), None)
            credits[lyr["name"]] = boundary_attribution(gdf)
    shown = [lyr["bounds"] for lyr in layers if lyr.get("visible", True)] or [lyr["bounds"] for lyr in layers]
    spec_themes = themes(layers)
    for th in spec_themes:
        attribution = next((credits[n] for n in th["layers"] if credits.get(n)), "")
        th["notes"] = map_notes(th["national"], attribution, synthetic)
    return {"title": pipeline.title, "folder": str(folder), "crs": map_crs(_union(shown)) if shown else None,
            "layers": layers, "themes": spec_themes}
