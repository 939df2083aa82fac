"""The pipeline's final outputs: one styled GeoPackage, the report, the QGIS project.

The GeoPackage holds every vector result; each layer's QML goes into the GeoPackage's
``layer_styles`` table, in the schema QGIS itself creates (``QgsOgrProvider``'s
``saveStyle``), with ``useAsDefault = 1``, so QGIS opens the layers styled with no plugin.
It is written with pyogrio and the standard library's sqlite3: geoproc never imports QGIS.
The QGIS project is written by the module ``qgis_plugin.project_writer`` (``python -m
qgis_plugin.project_writer -``) in a subprocess run by a Python that can import QGIS;
without one the project alone is skipped, with a note. Everything is built from the
step outputs the run holds in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from geoproc.errors import GeoprocInputError
from geoproc.outputs import atomic_output
from geoproc.pipeline.hashing import digest
from geoproc.pipeline.kinds.registry import KINDS

__all__ = ["FinalOutput", "final_outputs", "find_qgis_python", "style_qml", "write_geopackage"]

# QGIS's own definition (src/core/providers/ogr/qgsogrproviderutils.cpp, GeoPackage case)
LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256),
  f_table_schema TEXT(256),
  f_table_name TEXT(256),
  f_geometry_column TEXT(256),
  styleName TEXT(30),
  styleQML TEXT,
  styleSLD TEXT,
  useAsDefault BOOLEAN,
  description TEXT,
  owner TEXT(30),
  ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)"""

_QML_HEAD = ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
             '<qgis version="3.22.16-Białowieża" styleCategories="Symbology">\n')
# Plain styles for layers the palette does not cover: region outlines over the
# coloured layers (no fill, so the raster below stays visible) and park/centroid dots.
# One single-symbol renderer; only the symbol layer and the geometry type differ.
_SINGLE_SYMBOL_QML = _QML_HEAD + """  <renderer-v2 type="singleSymbol" symbollevels="0" forceraster="0" enableorderby="0">
    <symbols>
      <symbol type="{symbol}" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="{layer_class}" enabled="1" pass="0" locked="0">
          <Option type="Map">
{options}
          </Option>
        </layer>
      </symbol>
    </symbols>
    <rotation/>
    <sizescale/>
  </renderer-v2>
  <blendMode>0</blendMode>
  <featureBlendMode>0</featureBlendMode>
  <layerGeometryType>{geometry}</layerGeometryType>
</qgis>
"""


def _single_symbol_qml(symbol: str, layer_class: str, geometry: int, **options: str) -> str:
    """A single-symbol QML (QGIS's layerGeometryType: 0 point, 1 line, 2 polygon)."""
    opts = "\n".join(f'            <Option type="QString" name="{k}" value="{v}"/>'
                     for k, v in sorted(options.items()))
    return _SINGLE_SYMBOL_QML.format(symbol=symbol, layer_class=layer_class, geometry=geometry, options=opts)


_OUTLINE_QML = _single_symbol_qml(
    "fill", "SimpleFill", 2, color="255,255,255,0", joinstyle="bevel", outline_color="90,90,90,255",
    outline_style="solid", outline_width="0.3", outline_width_unit="MM", style="no")
_POINTS_QML = _single_symbol_qml(
    "marker", "SimpleMarker", 0, color="106,61,154,255", name="circle", outline_color="255,255,255,255",
    outline_style="solid", outline_width="0.2", outline_width_unit="MM", size="1.4", size_unit="MM")
_BUILTIN = {"outline": _OUTLINE_QML, "points": _POINTS_QML}
# drawing order, top first: points over lines over polygons (outlines above fills) over rasters
_ORDER = {"points": 0, "weight_links": 1, "sde_ellipses": 1.5, "outline": 2}


def style_qml(style: str) -> str:
    """The QML text of a style name: a file in ``styles/`` or one of geoproc's plain styles."""
    if style in _BUILTIN:
        return _BUILTIN[style]
    from geoproc.palettes import styles_dir

    path = styles_dir() / f"{style}.qml"
    if not path.is_file():
        raise GeoprocInputError(f"style {style!r}: {path} not found")
    return path.read_text(encoding="utf-8")


def layer_qml(layer: Any) -> str:
    """The QML of a result layer: its style's file, or for a scaled palette (the SDM's
    diverging effects) that style scaled to the layer's largest absolute value of the
    column it classifies (``gdf.attrs["style_field"]``)."""
    from geoproc.palettes import group_qml, load_palettes, scaled_qml, scaled_vmax

    pal = next((p for p in load_palettes().values() if p.qml == f"{layer.style}.qml"), None)
    if pal is not None and pal.extra.get("groups"):  # the ellipses: a colour per group of the layer
        field = layer.gdf.attrs.get("style_field") or pal.field
        return group_qml(pal.name, field, layer.gdf[field])
    if pal is None or not pal.extra.get("scaled"):
        return style_qml(layer.style)
    field = layer.gdf.attrs.get("style_field") or pal.field
    return scaled_qml(pal.name, field, scaled_vmax(layer.gdf[field]))


def write_geopackage(layers: dict[str, Any], path: str | os.PathLike, overwrite: bool = False,
                     description: str = "written by geoproc") -> Path:
    """Write every layer (name -> ``Layer``: gdf and style) into one GeoPackage with its style.

    Returns
    -------
    Path
        The GeoPackage, which appears only when complete.
    """
    import pyogrio

    with atomic_output(path, overwrite) as tmp:
        for name, layer in layers.items():
            gdf = layer.gdf.copy()
            gdf.attrs = {}
            # GeoPackage needs plain column types: lists/dicts become JSON text
            for c in gdf.columns:
                if c != gdf.geometry.name and gdf[c].dtype == object:
                    gdf[c] = gdf[c].map(lambda v: json.dumps(v, ensure_ascii=False)
                                        if isinstance(v, list | dict) else v)
            # GeoPackage 1.2: QGIS builds on older GDAL warn about the 1.4 that new GDAL writes
            first = {"dataset_options": {"VERSION": "1.2"}} if not tmp.exists() else {"append": False}
            pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG", promote_to_multi=False, **first)
        con = sqlite3.connect(tmp)
        try:
            with con:
                con.execute(LAYER_STYLES_SQL)
                geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
                for name, layer in layers.items():
                    con.execute(
                        "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                        "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                        "owner, ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '')",
                        (name, geom_cols.get(name, "geom"), layer.style, layer_qml(layer), description))
                # register the table as GDAL/QGIS do, so GeoPackage readers list it as attributes
                con.execute(
                    "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, "
                    "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', '', "
                    "strftime('%Y-%m-%dT%H:%M:%fZ','now'))")
        finally:
            con.close()
    return Path(path)


# --- the QGIS project ----------------------------------------------------------------
def _imports_qgis(python: str) -> bool:
    try:
        r = subprocess.run([python, "-c", "import qgis.core"], capture_output=True, timeout=60,
                           env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


@lru_cache(maxsize=1)
def find_qgis_python() -> str | None:
    """A Python that imports ``qgis.core``: this one first, else ``/usr/bin/python3``."""
    for py in (sys.executable, "/usr/bin/python3"):
        if py and Path(py).exists() and _imports_qgis(py):
            return py
    return None


#: the project writer's module: in a checkout or an installed wheel ``qgis_plugin``; in
#: the QGIS plugin zip the plugin's own package (see ``scripts/build_plugin.py``)
WRITER_MODULES = ("qgis_plugin.project_writer", "geoproc_plugin.project_writer")


def project_writer() -> tuple[str, Path] | None:
    """The project writer as ``(module name, its file)``, found on the import path, or None."""
    from importlib.util import find_spec

    for name in WRITER_MODULES:
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):  # its package is missing or not importable here
            continue
        if spec is not None and spec.origin and Path(spec.origin).is_file():
            return name, Path(spec.origin)
    return None


def write_project(spec: dict, path: Path, overwrite: bool) -> str | None:
    """Write the ``.qgz`` described by ``spec``; return a note instead if QGIS is unavailable."""
    writer = project_writer()
    if writer is None:
        return f"QGIS project not written: the project writer ({WRITER_MODULES[0]}) is not importable"
    python = find_qgis_python()
    if python is None:
        return ("QGIS project not written: no Python that imports QGIS (install QGIS's Python "
                "bindings, e.g. Debian's python3-qgis)")
    from geoproc.outputs import check_output

    path = check_output(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the writer writes beside ``path`` and moves the file into place when complete
    spec = {**spec, "project": str(path)}
    module, origin = writer
    # the writer's package root first on the path of the QGIS Python, which may be another one
    root = origin.parents[len(module.split(".")) - 1]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    r = subprocess.run([python, "-m", module, "-"], input=json.dumps(spec), text=True,
                       capture_output=True, env=env, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"writing the QGIS project failed:\n{r.stderr.strip()[-2000:]}")
    return None


# --- the final outputs as planned units ----------------------------------------------
@dataclass(eq=False)
class FinalOutput:
    """A file built from several steps' outputs: its key, files and how to build it
    (``build(outdir, outputs)``, ``outputs`` mapping step names to their StepOutput)."""

    name: str
    key: str
    files: list[str]
    build: Callable[[Path, Any], str | None]


def _style_hashes() -> dict[str, str]:
    from geoproc.palettes import styles_dir

    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(styles_dir().glob("*.qml"))}


def final_outputs(pipeline: Any, keys: dict[str, str], project: bool = True) -> list[FinalOutput]:
    """The GeoPackage, the report and the QGIS project of ``pipeline``, in build order."""
    steps, names = pipeline.steps, pipeline.outputs
    layer_steps = [n for n, st in steps.items() if st.options.get("layer")]
    raster_steps = [n for n, st in steps.items() if KINDS[st.kind].rasters]
    gpkg = names["geopackage"]
    finals: list[FinalOutput] = []
    gkey = digest({"layers": {n: keys[n] for n in layer_steps}, "styles": _style_hashes(),
                   "builtin": digest(_BUILTIN)})
    if layer_steps:
        def build_gpkg(out: Path, outputs: Any) -> str | None:
            layers = {}
            for n in layer_steps:
                layers.update(outputs[n].layers)
            write_geopackage(layers, out / gpkg, overwrite=True, description=f"{pipeline.title} (geoproc)")
            return None

        finals.append(FinalOutput("geopackage", gkey, [gpkg], build_gpkg))

    report_base = names["report"]
    rkey = digest({"steps": keys, "title": pipeline.title})

    def build_report(out: Path, outputs: Any) -> str | None:
        from geoproc.pipeline.report import write_report

        write_report(pipeline, {n: outputs[n] for n in steps}, out, report_base, overwrite=True,
                     files=[f.name for f in finals if f.name != "report"])
        return None

    finals.append(FinalOutput("report", rkey, [f"{report_base}.html", f"{report_base}.json"], build_report))
    if project and (layer_steps or raster_steps):
        writer = project_writer()
        pkey = digest({"gpkg": gkey, "rasters": {n: keys[n] for n in raster_steps}, "title": pipeline.title,
                       "writer": hashlib.sha256(writer[1].read_bytes()).hexdigest() if writer else None})

        def build_project(out: Path, outputs: Any) -> str | None:
            from geoproc.pipeline.project import project_spec

            layers = project_layers(outputs, layer_steps, raster_steps, gpkg)
            spec = project_spec(pipeline, outputs, layers, out)
            return write_project(spec, out / names["project"], overwrite=True)

        finals.append(FinalOutput("project", pkey, [names["project"]], build_project))
    return finals


def project_layers(outputs: Any, layer_steps: list[str], raster_steps: list[str], gpkg: str) -> list[dict]:
    """The project's layers, top first: points, links, outlines, then filled polygons in
    pipeline order, then rasters; only points, outlines and rasters shown at first."""
    layers = []
    for n in layer_steps:
        for lname, layer in outputs[n].layers.items():
            layers.append({"name": lname, "source": f"{gpkg}|layername={lname}", "provider": "ogr",
                           "style": layer.style, "rank": _ORDER.get(layer.style, 3), "step": n})
    for n in raster_steps:
        for rname, raster in outputs[n].rasters.items():
            layers.append({"name": rname, "source": raster.path, "provider": "gdal", "qml": raster.qml,
                           "style": "raster", "rank": 9, "step": n})
    layers.sort(key=lambda d: d["rank"])  # stable: pipeline order within a rank
    # a filled layer would hide the density raster: the other layers are in the project, ticked off
    for d in layers:
        d["visible"] = d["style"] in ("points", "outline", "raster") and not d["name"].endswith("centroids")
    return layers
