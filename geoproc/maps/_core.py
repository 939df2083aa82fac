"""Building blocks of geoproc's HTML maps: escaping, display geometries, legend, saving.

Kept apart from the public exports so each export reads as "which layers, which
palette" and the safety rules (escaping, atomic writes, offline inlining) live in
one place.
"""

from __future__ import annotations

import html as _html
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

#: Simplification tolerance for display geometries, in degrees of lon/lat (EPSG:4326).
#: 0.005° is about 0.55 km north-south and 0.48 km east-west at 30° N, under one pixel
#: at the zoom that shows a province or the Yangtze River Delta. For a clean coverage
#: it is the tolerance of GEOS's coverage simplifier (Visvalingam-Whyatt: a vertex goes
#: when its triangle's area is below tolerance², i.e. about (0.5 km)²); otherwise that
#: of Douglas-Peucker per polygon (a vertex goes when it lies within 0.005° of the
#: simplified line).
DISPLAY_TOLERANCE_DEG = 0.005
#: Decimal places kept in map coordinates: 1e-5° is about 1 m.
COORD_DECIMALS = 5

#: Attribution of the boundaries shipped with geoproc.
BOUNDARY_ATTRIBUTION = (
    "Boundaries: Apache ECharts 4.9.0 map data (Apache-2.0), converted to WGS84 by geoproc"
)

#: Largest difference, in degrees, between a region's bounds and those of the shipped
#: region with the same code for the layer to count as geoproc's boundaries (about
#: 10 m: survives a round trip through another CRS, not a different source's outline).
SHIPPED_BOUNDS_TOL_DEG = 1e-4

#: Name fields shown in tooltips when present (Chinese, then English).
NAME_FIELDS = ("name_zh", "name_en")

_LEGEND_CSS = """
<style>
.leaflet-container { background: #ffffff !important; }
.geoproc-legend { position: absolute; z-index: 1000; bottom: 28px; right: 10px;
  background: rgba(255,255,255,0.92); padding: 6px 9px; border: 1px solid #999;
  border-radius: 4px; font: 12px/1.35 "Helvetica Neue", Arial, "Noto Sans CJK SC", sans-serif;
  max-height: 70%; overflow-y: auto; }
.geoproc-legend-title { font-weight: bold; margin: 4px 0 2px 0; }
.geoproc-legend-item { white-space: nowrap; }
.geoproc-legend-swatch { display: inline-block; width: 16px; height: 12px;
  margin-right: 6px; vertical-align: middle; border: 1px solid #636363; }
.geoproc-legend-ramp { width: 180px; height: 12px; border: 1px solid #636363; }
.geoproc-legend-ramp-labels { display: flex; justify-content: space-between; width: 182px; }
.geoproc-popup th { text-align: left; padding-right: 6px; vertical-align: top; }
.geoproc-legend-note { color: #555; font-size: 11px; max-width: 240px; white-space: normal; }
</style>
"""


# --- escaping -----------------------------------------------------------------
def esc(value: Any) -> str:
    """HTML-escape text from user data so it displays as text and runs nothing.

    Besides ``& < > " '``, the characters a JavaScript template literal would act on
    (backtick, ``$``, backslash) become character references too: folium pastes
    popup and tooltip HTML into backtick strings.
    """
    s = _html.escape(str(value), quote=True)
    return s.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def fmt_value(v: Any) -> str:
    """A cell value for a tooltip or popup: numbers shortened, missing as "no data"."""
    if v is None:
        return "no data"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            return "no data"
        return f"{v:,.1f}" if abs(v) >= 10_000 else f"{v:.4g}"
    try:
        import pandas as pd

        if pd.isna(v):
            return "no data"
    except (TypeError, ValueError):
        pass
    return str(v)


def region_label(row: Any, fallback: Any = None) -> str:
    """Escaped "name_zh name_en" of a region (either alone if only one is present)."""
    parts = []
    for f in NAME_FIELDS:
        if f in row and row[f] is not None and fmt_value(row[f]) != "no data":
            parts.append(esc(row[f]))
    if not parts and "name" in row and row["name"] is not None:
        parts.append(esc(row["name"]))
    if not parts and fallback is not None:
        parts.append(esc(fallback))
    if len(parts) == 2:
        return f"<b>{parts[0]}</b> {parts[1]}"
    return f"<b>{parts[0]}</b>" if parts else ""


# --- attribution ----------------------------------------------------------------
def _codes(values: Any) -> list[int] | None:
    """Administrative codes as ints (a file may hold them as text or floats); None if not codes."""
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(f) or f != int(f):
            return None
        out.append(int(f))
    return out


def shipped_boundaries_of(gdf: Any) -> str | None:
    """The name of the shipped boundary layer ``gdf`` comes from, or None.

    ``geoproc.load_boundaries`` sets no marker on its frames and a file written from
    them keeps none, so the layer is recognised by its content: its ``code`` values are
    codes of one shipped layer (all of them or a subset, e.g. one province's cities)
    and every region's bounds are within :data:`SHIPPED_BOUNDS_TOL_DEG` of the shipped
    region's. Codes alone would credit any other source of Chinese boundaries that
    uses the same official codes.
    """
    if "code" not in getattr(gdf, "columns", ()) or len(gdf) == 0:
        return None
    codes = _codes(gdf["code"])
    if codes is None or len(set(codes)) != len(codes):
        return None
    from geoproc.boundaries import BOUNDARIES, load_boundaries
    from geoproc.validation import to_lonlat

    bounds = None
    for name in BOUNDARIES:
        try:
            ref = load_boundaries(name)
        except GeoprocInputError:  # data file missing from this install
            continue
        pos = {c: i for i, c in enumerate(_codes(ref["code"]) or [])}
        if not all(c in pos for c in codes):
            continue
        if bounds is None:  # reprojected only once the codes match
            try:
                bounds = to_lonlat(gdf).geometry.bounds.to_numpy(float)
            except Exception:  # noqa: BLE001 - no CRS or an odd geometry: then it is not ours
                return None
        ref_bounds = ref.geometry.bounds.to_numpy(float)[[pos[c] for c in codes]]
        if np.all(np.abs(bounds - ref_bounds) <= SHIPPED_BOUNDS_TOL_DEG):
            return name
    return None


def boundary_attribution(gdf: Any) -> str:
    """Attribution for a region layer: ``gdf.attrs["attribution"]`` if set, the shipped
    boundaries' (:data:`BOUNDARY_ATTRIBUTION`) if the layer is one of them (see
    :func:`shipped_boundaries_of`), else ``""`` (unknown source: credit nobody rather
    than the wrong one)."""
    given = getattr(gdf, "attrs", {}).get("attribution")
    if given:
        return str(given)
    return BOUNDARY_ATTRIBUTION if shipped_boundaries_of(gdf) else ""


# --- input checks -------------------------------------------------------------
def check_html_path(path: str | os.PathLike | None, overwrite: bool) -> Path | None:
    """Refuse a non-HTML output name (e.g. a column name passed by mistake) or an existing file."""
    if path is None:
        return None
    from geoproc.outputs import check_output

    p = Path(path)
    if p.suffix.lower() not in {".html", ".htm"}:
        raise GeoprocInputError(f"map output {p} must end in .html")
    return check_output(p, overwrite)


def check_regions(gdf: Any, what: str = "regions") -> gpd.GeoDataFrame:
    """A polygon GeoDataFrame in EPSG:4326 (a copy; the caller's frame is untouched)."""
    import geopandas as gpd

    from geoproc.validation import to_lonlat

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise GeoprocInputError(f"{what}: expected a GeoDataFrame, got {type(gdf).__name__}")
    if len(gdf) == 0:
        raise GeoprocInputError(f"{what}: the layer has no features")
    out = to_lonlat(gdf, what).copy()
    geom = out.geometry
    empty = np.flatnonzero((geom.isna() | geom.is_empty).to_numpy())
    if empty.size:
        rows = ", ".join(f"{_row_name(out, i)} (row {i})" for i in empty[:10])
        raise GeoprocInputError(f"{what}: empty or missing geometry for {rows}")
    types = set(geom.geom_type)
    if not types <= {"Polygon", "MultiPolygon"}:
        raise GeoprocInputError(
            f"{what}: expected polygons, got {', '.join(sorted(types - {'Polygon', 'MultiPolygon'}))}"
        )
    return out


def _row_name(gdf: Any, i: int) -> str:
    for f in ("name_en", "name_zh", "name", "code"):
        if f in gdf.columns:
            return str(gdf[f].iloc[i])
    return str(gdf.index[i])


def require_column(gdf: Any, column: str, what: str = "layer") -> None:
    if column not in gdf.columns:
        cols = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise GeoprocInputError(f"{what}: no column {column!r}; columns are {cols}")


# --- display geometries -----------------------------------------------------
def display_geometries(geoms: Any, tolerance: float = DISPLAY_TOLERANCE_DEG) -> np.ndarray:
    """Simplified, rounded lon/lat geometries for drawing.

    Shared borders are simplified once (shapely's ``coverage_simplify``) so that
    neighbouring regions keep meeting without gaps or slivers; a layer that is not a
    clean coverage (overlaps) falls back to simplifying each polygon on its own.
    """
    import shapely

    arr = np.asarray(geoms, dtype=object)
    if tolerance and tolerance > 0:
        try:
            ok = bool(shapely.coverage_is_valid(arr))
        except Exception:  # noqa: BLE001 - GEOS errors on odd input: fall back below
            ok = False
        if ok:
            arr = np.asarray(shapely.coverage_simplify(arr, tolerance), dtype=object)
        else:
            arr = shapely.simplify(arr, tolerance, preserve_topology=True)
    return shapely.transform(arr, lambda xy: np.round(xy, COORD_DECIMALS))


def feature_collection(geoms: Sequence, props: Sequence[dict]) -> dict:
    """GeoJSON FeatureCollection dict with only the given (already escaped) properties."""
    import shapely

    feats = []
    for i, (g, p) in enumerate(zip(geoms, props, strict=True)):
        feats.append({
            "type": "Feature",
            "id": str(i),
            "properties": p,
            "geometry": shapely.geometry.mapping(g),
        })
    return {"type": "FeatureCollection", "features": feats}


# --- the map ----------------------------------------------------------------
def base_map(bounds: Sequence[float], offline: bool, tiles: str | None) -> folium.Map:
    """A folium map fitted to ``bounds`` (minx, miny, maxx, maxy in lon/lat).

    Offline maps get no tile layer (tiles need the internet); the white background
    and the outlines carry the map.
    """
    import folium
    from branca.element import Element

    minx, miny, maxx, maxy = (float(b) for b in bounds)
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=6,
        tiles=None,
        control_scale=True,
        # Leaflet.markercluster needs the map's maxZoom, which folium leaves to the tile layer
        **{"maxZoom": 18},
    )
    if tiles and not offline:
        folium.TileLayer(tiles, name="Basemap", control=True).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    m.get_root().header.add_child(Element(_LEGEND_CSS), name="geoproc_legend_css")
    return m


def add_attribution(m: folium.Map, text: str | None) -> None:
    """Show ``text`` (escaped) in the map's attribution control."""
    if not text:
        return
    from branca.element import MacroElement
    from jinja2 import Template

    class _Attribution(MacroElement):
        _template = Template(
            "{% macro script(this, kwargs) %}"
            "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});"
            "{% endmacro %}"
        )

        def __init__(self, text: str) -> None:
            super().__init__()
            self._name = "GeoprocAttribution"
            self.text = text

    m.add_child(_Attribution(esc(text)))


class Legend:
    """One HTML legend box (bottom right) holding sections; every text is escaped."""

    def __init__(self) -> None:
        self.sections: list[str] = []

    def categories(self, title: str, items: Sequence[tuple[str, str]], line: bool = False,
                   widths_px: Sequence[float] | None = None, note: str | None = None) -> None:
        rows = [f'<div class="geoproc-legend-title">{esc(title)}</div>']
        for k, (label, color) in enumerate(items):
            if line:
                h = max(1.0, float(widths_px[k])) if widths_px else 3.0
                sw = (f'<span class="geoproc-legend-swatch" style="border:0;height:{h:.1f}px;'
                      f'background:{esc(color)}"></span>')
            else:
                sw = f'<span class="geoproc-legend-swatch" style="background:{esc(color)}"></span>'
            rows.append(f'<div class="geoproc-legend-item">{sw}{esc(label)}</div>')
        if note:
            rows.append(f'<div class="geoproc-legend-note">{esc(note)}</div>')
        self.sections.append("".join(rows))

    def ramp(self, title: str, stops: Sequence[tuple[float, str]], labels: Sequence[str],
             note: str | None = None) -> None:
        grad = ", ".join(f"{esc(c)} {100 * a:.1f}%" for a, c in stops)
        lab = "".join(f"<span>{esc(x)}</span>" for x in labels)
        html = (f'<div class="geoproc-legend-title">{esc(title)}</div>'
                f'<div class="geoproc-legend-ramp" style="background:linear-gradient(to right, {grad})"></div>'
                f'<div class="geoproc-legend-ramp-labels">{lab}</div>')
        if note:
            html += f'<div class="geoproc-legend-note">{esc(note)}</div>'
        self.sections.append(html)

    def add_to(self, m: folium.Map) -> None:
        from branca.element import Element

        if self.sections:
            body = "".join(f"<div>{s}</div>" for s in self.sections)
            m.get_root().html.add_child(
                Element(f'<div class="geoproc-legend" id="geoproc-legend">{body}</div>'),
                name="geoproc_legend",
            )


def finish(m: folium.Map, path: str | os.PathLike | None, offline: bool, overwrite: bool) -> folium.Map:
    """Add the layer control and, if ``path`` is given, write the page atomically."""
    import folium

    folium.LayerControl(collapsed=False).add_to(m)
    if path is not None:
        save_map(m, path, offline=offline, overwrite=overwrite)
    return m


def render_html(m: folium.Map, offline: bool = False) -> str:
    """The page as a string; with ``offline`` every script and stylesheet is inlined."""
    html = m.get_root().render()
    if offline:
        from geoproc._vendor import inline_html

        html = inline_html(html)
    return html


def save_map(m: folium.Map, path: str | os.PathLike, offline: bool = False,
             overwrite: bool = False) -> Path:
    """Write a folium map to ``path`` atomically (refusing an existing file unless ``overwrite``).

    Parameters
    ----------
    m : folium.Map
    path : str or os.PathLike
        ``.html`` output.
    offline : bool
        Inline Leaflet and the other scripts and stylesheets (vendored in
        ``geoproc/_vendor``) so the file works with no internet.
    overwrite : bool
        Replace an existing file.
    """
    from geoproc.outputs import atomic_output

    target = check_html_path(path, overwrite)
    html = render_html(m, offline)
    with atomic_output(target, overwrite) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target
