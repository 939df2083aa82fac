"""The pipeline's final outputs: one styled GeoPackage, the report, the QGIS project.

The GeoPackage holds every vector result; each layer's QML goes into the GeoPackage's
``layer_styles`` table, in the schema QGIS itself creates (``QgsOgrProvider``'s
``saveStyle``), with ``useAsDefault = 1``, so QGIS opens the layers styled with no plugin.
It is written with pyogrio and the standard library's sqlite3: geoproc never imports QGIS.
The QGIS project is written by ``qgis_plugin/project_writer.py`` in a subprocess run by
a Python that can import QGIS; without one the project alone is skipped, with a note.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
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
_ORDER = {"points": 0, "weight_links": 1, "outline": 2}


def style_qml(style: str) -> str:
    """The QML text of a style name: a file in ``styles/`` or one of geoproc's plain styles."""
    if style in _BUILTIN:
        return _BUILTIN[style]
    from geoproc.palettes import styles_dir

    path = styles_dir() / f"{style}.qml"
    if not path.is_file():
        raise GeoprocInputError(f"style {style!r}: {path} not found")
    return path.read_text(encoding="utf-8")


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
                        (name, geom_cols.get(name, "geom"), layer.style, style_qml(layer.style), description))
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


def _writer_script() -> Path | None:
    """``project_writer.py``: in a checkout ``<repo>/qgis_plugin/``; in the QGIS plugin zip
    (``geoproc_plugin/ext/geoproc/...``, see ``scripts/build_plugin.py``) the plugin folder."""
    here = Path(__file__).resolve()
    for cand in (here.parents[2] / "qgis_plugin" / "project_writer.py",
                 here.parents[3] / "project_writer.py" if len(here.parents) > 3 else None):
        if cand is not None and cand.is_file():
            return cand
    return None


def write_project(spec: dict, path: Path, overwrite: bool) -> str | None:
    """Write the ``.qgz`` described by ``spec``; return a note instead if QGIS is unavailable."""
    script = _writer_script()
    if script is None:
        return "QGIS project not written: qgis_plugin/project_writer.py not found"
    python = find_qgis_python()
    if python is None:
        return ("QGIS project not written: no Python that imports QGIS (install QGIS's Python "
                "bindings, e.g. Debian's python3-qgis)")
    from geoproc.outputs import check_output

    path = check_output(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the writer writes beside ``path`` and moves the file into place when complete
    spec = {**spec, "project": str(path)}
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([python, str(script), "-"], input=json.dumps(spec), text=True,
                       capture_output=True, env=env, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"writing the QGIS project failed:\n{r.stderr.strip()[-2000:]}")
    return None


# --- the final outputs as planned units ----------------------------------------------
@dataclass(eq=False)
class FinalOutput:
    """A file built from several steps' results: its key, files and how to build it."""

    name: str
    key: str
    files: list[str]
    build: Callable[[Path, Path], str | None]


def _cached(cache: Path, name: str) -> Any:
    with open(cache / f"{name}.pkl", "rb") as fh:
        return pickle.load(fh)


def final_outputs(pipeline: Any, keys: dict[str, str], project: bool = True) -> list[FinalOutput]:
    """The GeoPackage, the report and the QGIS project of ``pipeline``, in build order."""
    steps = pipeline.steps
    names = pipeline.outputs
    layer_steps = [n for n, st in steps.items() if st.options.get("layer")]
    kde_steps = [n for n, st in steps.items() if st.kind == "kde"]
    gpkg = names["geopackage"]
    finals: list[FinalOutput] = []

    def styles_of(ns: list[str]) -> dict:
        from geoproc.palettes import styles_dir

        out = {}
        for f in sorted(styles_dir().glob("*.qml")):
            out[f.name] = hashlib.sha256(f.read_bytes()).hexdigest()
        return out

    style_hashes = styles_of(layer_steps)
    gkey = digest({"layers": {n: keys[n] for n in layer_steps}, "styles": style_hashes,
                    "builtin": digest(_BUILTIN)})
    if layer_steps:
        def build_gpkg(out: Path, cache: Path) -> str | None:
            layers = {}
            for n in layer_steps:
                layers.update(_cached(cache, n).layers)
            write_geopackage(layers, out / gpkg, overwrite=True,
                             description=f"{pipeline.title} (geoproc)")
            return None

        finals.append(FinalOutput("geopackage", gkey, [gpkg], build_gpkg))

    report_base = names["report"]
    rfiles = [f"{report_base}.html", f"{report_base}.json"]
    rkey = digest({"steps": keys, "title": pipeline.title})

    def build_report(out: Path, cache: Path) -> str | None:
        from geoproc.pipeline.report import write_report

        results = {n: _cached(cache, n) for n in steps}
        write_report(pipeline, results, out, report_base, overwrite=True,
                     files=[f.name for f in finals if f.name != "report"])
        return None

    finals.append(FinalOutput("report", rkey, rfiles, build_report))

    if project and (layer_steps or kde_steps):
        proj = names["project"]
        writer = _writer_script()
        pkey = digest({"gpkg": gkey, "kde": {n: keys[n] for n in kde_steps}, "title": pipeline.title,
                        "writer": hashlib.sha256(writer.read_bytes()).hexdigest() if writer else None})

        def build_project(out: Path, cache: Path) -> str | None:
            layers = []
            for n in layer_steps:
                for lname, layer in _cached(cache, n).layers.items():
                    layers.append({"name": lname, "source": f"{gpkg}|layername={lname}", "provider": "ogr",
                                   "style": layer.style, "rank": _ORDER.get(layer.style, 3)})
            for n in kde_steps:
                o = _cached(cache, n)
                tif, qml = o.files[0], o.files[1]
                layers.append({"name": n, "source": tif, "provider": "gdal", "qml": qml, "style": "kde",
                               "rank": 9})
            # stable: points, links, outlines, then filled polygons in pipeline order, then rasters
            layers.sort(key=lambda d: d["rank"])
            # shown at first: parks, outlines and the density raster (a filled layer would hide
            # it); the other layers are in the project, ticked off
            for d in layers:
                d["visible"] = d["style"] in ("points", "outline", "kde") and not d["name"].endswith("centroids")
            spec = {"title": pipeline.title, "folder": str(out), "layers": layers}
            return write_project(spec, out / proj, overwrite=True)

        finals.append(FinalOutput("project", pkey, [proj], build_project))
    return finals
