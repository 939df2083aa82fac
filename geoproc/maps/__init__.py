"""Self-contained folium HTML maps of geoproc's results.

One export per kind of result -- :func:`lisa_map`, :func:`hotspot_map`,
:func:`choropleth_map` (location quotient, agglomeration, park density),
:func:`points_map`, :func:`raster_map`, :func:`links_map`. Every map has a layer
control, an HTML legend, tooltips with the region's Chinese and English names
(fields ``name_zh``, ``name_en`` when present) and the boundary source's
attribution when it is known (:func:`boundary_attribution`); colours come from
``styles/palettes.json``, the same definition the QML styles are built from.

Safety and size:

* text from the data (region and park names, column values) is HTML-escaped
  everywhere it is shown (tooltips, popups, legend, layer names);
* region outlines are simplified for display with a tolerance of
  :data:`DISPLAY_TOLERANCE_DEG` (0.005° ≈ 0.5 km, shared borders simplified once)
  and coordinates rounded to 5 decimals (≈ 1 m);
* with ``offline=True`` Leaflet, Leaflet.markercluster and jQuery are inlined from
  ``geoproc/_vendor`` and no tile layer is added, so the page needs no network;
* with ``path`` the page is written atomically and an existing file is refused
  unless ``overwrite=True``. Every export also returns the :class:`folium.Map`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.maps._core import (
    BOUNDARY_ATTRIBUTION,
    DISPLAY_TOLERANCE_DEG,
    Legend,
    _row_name,
    add_attribution,
    base_map,
    boundary_attribution,
    check_html_path,
    check_regions,
    display_geometries,
    esc,
    feature_collection,
    finish,
    fmt_value,
    region_label,
    render_html,
    require_column,
    save_map,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "BOUNDARY_ATTRIBUTION",
    "DISPLAY_TOLERANCE_DEG",
    "KINDS",
    "boundary_attribution",
    "choropleth_map",
    "hotspot_map",
    "links_map",
    "lisa_map",
    "points_map",
    "raster_map",
    "render_html",
    "save_map",
]

#: kind -> palette name in styles/palettes.json
KINDS: dict[str, str] = {
    "lisa": "lisa",
    "hotspot": "hotspot",
    "lq": "lq",
    "agglomeration": "agglomeration",
    "density": "density",
}

#: Basemap for online maps (offline maps have none).
DEFAULT_TILES = "OpenStreetMap"

_px_per_mm = 96 / 25.4  # CSS pixels per millimetre


def _attribution_for(gdf: Any, attribution: str | None) -> str:
    """``attribution`` if given ("" for none), else :func:`boundary_attribution` of the layer."""
    if attribution is not None:
        return attribution
    return boundary_attribution(gdf)


def _tooltip(row: Any, ident: Any, extra: Sequence[tuple[str, Any]]) -> str:
    head = region_label(row, fallback=ident)
    lines = [head] if head else []
    lines += [f"{esc(k)}: {esc(fmt_value(v))}" for k, v in extra]
    return "<br>".join(lines)


def _region_layer(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    colors: Sequence[str],
    tips: Sequence[str],
    name: str,
    tolerance: float,
    fill_opacity: float = 0.85,
) -> None:
    import folium

    from geoproc.palettes import general_settings

    outline = general_settings()["outline"]
    geoms = display_geometries(gdf.geometry.to_numpy(), tolerance)
    props = [{"_tip": t, "_fill": c} for t, c in zip(tips, colors, strict=True)]
    weight = round(outline["width_mm"] * _px_per_mm * 1.5, 2)  # screen lines look thinner than print
    folium.GeoJson(
        feature_collection(geoms, props),
        name=esc(name),
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": outline["color"],
            "weight": weight,
            "fillOpacity": fill_opacity,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
        smooth_factor=0.5,
    ).add_to(m)


def choropleth_map(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike | None = None,
    column: str | None = None,
    *,
    kind: str = "lq",
    breaks: Sequence[float] | None = None,
    title: str | None = None,
    tooltip_columns: Sequence[str] = (),
    attribution: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
    overwrite: bool = False,
) -> folium.Map:
    """Regions coloured by ``column`` with the palette of ``kind``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Region polygons in any CRS.
    path : str or os.PathLike, optional
        ``.html`` file to write; ``None`` only returns the map.
    column : str, optional
        Column to map; default the palette's field (``cluster``, ``hotspot``, ``lq``,
        ``cul``, ``density_per_1000km2``).
    kind : {"lisa", "hotspot", "lq", "agglomeration", "density"}
        Palette: categorized for ``lisa``/``hotspot`` (values must be the palette's
        categories), graduated with the palette's fixed breaks otherwise.
    breaks : sequence of float, optional
        Other class bounds for a graduated kind, one more than its colours.
    title : str, optional
        Legend title; default the palette's.
    tooltip_columns : sequence of str
        More columns to show in the tooltips.
    attribution : str, optional
        Source of the boundaries; default ``gdf.attrs["attribution"]``, else
        :data:`BOUNDARY_ATTRIBUTION` if the regions are geoproc's shipped boundaries
        (recognised by code and outline, see :func:`boundary_attribution`), else none.
        ``""`` for none.
    tolerance : float
        Display simplification in degrees (:data:`DISPLAY_TOLERANCE_DEG`); 0 keeps
        the geometries as they are.
    offline : bool
        Inline all scripts and styles, no basemap: the file works without internet.
    tiles : str or None
        folium basemap for online maps.
    overwrite : bool
        Replace an existing ``path``.

    Returns
    -------
    folium.Map

    Raises
    ------
    GeoprocInputError
        Unknown kind or column, a category not in the palette, wrong number of
        breaks, bad geometries (naming the regions); nothing is written.
    """
    check_html_path(path, overwrite)
    m, legend = _choropleth(gdf, column, kind, breaks, title, tooltip_columns, tolerance,
                            offline, tiles)
    legend.add_to(m)
    add_attribution(m, _attribution_for(gdf, attribution))
    return finish(m, path, offline, overwrite)


def _choropleth(gdf: Any, column: str | None, kind: str, breaks: Sequence[float] | None,
                title: str | None, tooltip_columns: Sequence[str], tolerance: float,
                offline: bool, tiles: str | None) -> tuple[folium.Map, Legend]:
    """The choropleth map and its legend (not yet added), for choropleth_map and points_map."""
    from geoproc.palettes import general_settings, get_palette

    if kind not in KINDS:
        raise GeoprocInputError(f"map kind {kind!r} unknown; use one of {', '.join(KINDS)}")
    pal = get_palette(KINDS[kind])
    column = column or pal.field
    regions = check_regions(gdf)
    require_column(regions, column)
    for c in tooltip_columns:
        require_column(regions, c)
    no_data = general_settings()["no_data"]
    values = regions[column]
    legend = Legend()
    if pal.type == "categorized":
        cmap = pal.color_map()
        labels = values.astype(object).where(values.notna(), None)
        unknown = sorted({str(v) for v in labels if v is not None and str(v) not in cmap})
        if unknown:
            raise GeoprocInputError(
                f"column {column!r} has values {', '.join(map(repr, unknown[:10]))} that are not "
                f"{pal.title} categories ({', '.join(cmap)})"
            )
        colors = [cmap[str(v)] if v is not None else no_data["color"] for v in labels]
        counts = {c.value: int(sum(str(v) == c.value for v in labels if v is not None)) for c in pal.categories}
        items = [(f"{c.label} ({counts[c.value]})", c.color) for c in pal.categories]
    else:
        try:
            num = values.astype(float).to_numpy()
        except (TypeError, ValueError):
            raise GeoprocInputError(f"column {column!r} must be numeric for a {kind} map") from None
        b = pal.breaks if breaks is None else tuple(float(x) for x in breaks)
        if len(b) != len(pal.colors) + 1 or np.any(np.diff(b) <= 0):
            raise GeoprocInputError(
                f"breaks for a {kind} map: give {len(pal.colors) + 1} increasing values, got {list(b)}"
            )
        cls = pal.classify(num, b)
        out = np.flatnonzero((cls < 0) & np.isfinite(num))
        if out.size:
            names = ", ".join(f"{_row_name(regions, i)} ({num[i]:g})" for i in out[:10])
            raise GeoprocInputError(f"column {column!r}: values outside the classes {list(b)} for {names}")
        colors = [pal.colors[k] if k >= 0 else no_data["color"] for k in cls]
        lab = pal.class_labels() if breaks is None else _labels(b)
        counts = np.bincount(cls[cls >= 0], minlength=len(pal.colors))
        items = [(f"{lb} ({n})", c) for lb, c, n in zip(lab, pal.colors, counts, strict=True)]
    if any(c == no_data["color"] for c in colors):
        items.append((no_data["label"], no_data["color"]))
    legend.categories(title or f"{pal.title} ({column})", items)
    tips = [
        _tooltip(row, i, [(column, row[column])] + [(c, row[c]) for c in tooltip_columns])
        for i, (_, row) in enumerate(regions.iterrows())
    ]
    m = base_map(regions.total_bounds, offline, tiles)
    _region_layer(m, regions, colors, tips, f"{pal.title} ({column})", tolerance)
    return m, legend


def _labels(b: Sequence[float]) -> list[str]:
    from geoproc.palettes import Palette

    p = Palette("custom", "", "graduated", None, "", breaks=tuple(b), colors=("",) * (len(b) - 1))
    return p.class_labels()


def lisa_map(gdf: gpd.GeoDataFrame, path: str | os.PathLike | None = None,
             column: str = "cluster", **kwargs: Any) -> folium.Map:
    """LISA cluster map (High-High, Low-Low, Low-High, High-Low, Not significant).

    ``gdf`` is the result of :func:`geoproc.local_moran` (column ``cluster``); the other
    arguments are those of :func:`choropleth_map`. The tooltips also show the local
    statistic, its z-value and pseudo p-value (``lisa_I``, ``lisa_z``, ``lisa_p``) when
    present.
    """
    kwargs.setdefault("tooltip_columns", [c for c in ("lisa_I", "lisa_z", "lisa_p") if c in gdf.columns])
    return choropleth_map(gdf, path, column, kind="lisa", **kwargs)


def hotspot_map(gdf: gpd.GeoDataFrame, path: str | os.PathLike | None = None,
                column: str = "hotspot", **kwargs: Any) -> folium.Map:
    """Getis-Ord Gi* hot/cold spot map (bins "Hot spot 99%" ... "Cold spot 99%").

    ``gdf`` is the result of :func:`geoproc.getis_ord` (column ``hotspot``); the other
    arguments are those of :func:`choropleth_map`. Tooltips also show ``gi_z`` and
    ``gi_p`` when present.
    """
    kwargs.setdefault("tooltip_columns", [c for c in ("gi_z", "gi_p") if c in gdf.columns])
    return choropleth_map(gdf, path, column, kind="hotspot", **kwargs)


# --- points -----------------------------------------------------------------
_LON = ("lon", "lng", "longitude", "x", "经度")
_LAT = ("lat", "latitude", "y", "纬度")
_NAME = ("name", "name_zh", "name_en", "park", "名称")


def _read_points(points: Any, lon: str | None, lat: str | None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Attributes (without geometry/lon/lat duplicates) and lon/lat arrays of the points."""
    import geopandas as gpd
    import pandas as pd

    from geoproc.validation import check_lonlat, to_lonlat

    src = "points"
    if isinstance(points, (str, os.PathLike)):
        src = str(points)
        p = os.fspath(points)
        if not os.path.exists(p):
            raise FileNotFoundError(f"points file {p} not found")
        if p.lower().endswith((".csv", ".txt")):
            points = pd.read_csv(p)
        elif p.lower().endswith((".xlsx", ".xls")):
            points = pd.read_excel(p)
        else:
            points = gpd.read_file(p)
    if isinstance(points, gpd.GeoDataFrame):
        pts = to_lonlat(points, src)
        types = set(pts.geom_type.dropna())
        if types != {"Point"}:
            raise GeoprocInputError(f"{src}: expected point geometries, got {', '.join(sorted(types))}")
        x = pts.geometry.x.to_numpy()
        y = pts.geometry.y.to_numpy()
        attrs = pd.DataFrame(pts.drop(columns=pts.geometry.name))
    elif isinstance(points, pd.DataFrame):
        cols = {str(c).lower(): c for c in points.columns}
        lon_c = lon or next((cols[c] for c in _LON if c in cols), None)
        lat_c = lat or next((cols[c] for c in _LAT if c in cols), None)
        for label, c in (("longitude", lon_c), ("latitude", lat_c)):
            if c is None or c not in points.columns:
                raise GeoprocInputError(
                    f"{src}: no {label} column (looked for {c or ', '.join(_LON if label == 'longitude' else _LAT)}); "
                    f"columns are {', '.join(map(str, points.columns))}"
                )
        try:
            x = points[lon_c].astype(float).to_numpy()
            y = points[lat_c].astype(float).to_numpy()
        except (TypeError, ValueError):
            raise GeoprocInputError(f"{src}: columns {lon_c!r}/{lat_c!r} must be numbers") from None
        attrs = points.copy()
    else:
        raise GeoprocInputError(
            f"points must be a GeoDataFrame, DataFrame or file path, got {type(points).__name__}"
        )
    labels = None
    for c in _NAME:
        if c in attrs.columns:
            labels = attrs[c].astype(str).tolist()
            break
    check_lonlat(x, y, labels, src)
    return attrs, x, y


def points_map(
    regions: gpd.GeoDataFrame | None,
    points: Any,
    path: str | os.PathLike | None = None,
    *,
    column: str | None = None,
    kind: str = "density",
    lon: str | None = None,
    lat: str | None = None,
    name_column: str | None = None,
    popup_columns: Sequence[str] | None = None,
    title: str = "Cluster parks",
    attribution: str | None = None,
    points_attribution: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
    overwrite: bool = False,
) -> folium.Map:
    """Park points over the regions, as clustered markers (Leaflet.markercluster).

    Parameters
    ----------
    regions : geopandas.GeoDataFrame or None
        Region polygons drawn under the points; with ``column`` coloured as
        :func:`choropleth_map` with ``kind`` (e.g. the output of
        :func:`geoproc.point_density` with ``density_per_1000km2``).
    points : GeoDataFrame, DataFrame or path
        Points in lon/lat (a table with lon/lat columns, a CSV/Excel file, or any
        point layer; a GeoDataFrame is reprojected). Coordinates must be WGS84:
        convert GCJ-02/BD-09 first with :func:`geoproc.to_wgs84`.
    path : str or os.PathLike, optional
        ``.html`` file to write.
    column, kind
        Choropleth of the regions (optional).
    lon, lat : str, optional
        Coordinate columns of a table; default found by name (lon/lng/longitude/x...).
    name_column : str, optional
        Column shown in the marker tooltip; default the first of name, name_zh, name_en.
    popup_columns : sequence of str, optional
        Attributes shown in the popup; default all columns.
    title : str
        Legend entry and layer name for the points.
    attribution, points_attribution : str, optional
        Sources of the boundaries (see :func:`choropleth_map`) and of the points.
    tolerance, offline, tiles, overwrite
        As in :func:`choropleth_map`.

    Returns
    -------
    folium.Map
    """
    from folium.plugins import MarkerCluster

    from geoproc.palettes import general_settings

    check_html_path(path, overwrite)
    attrs, x, y = _read_points(points, lon, lat)
    if name_column is not None:
        require_column(attrs, name_column, "points")
    else:
        name_column = next((c for c in _NAME if c in attrs.columns), None)
    if popup_columns is None:
        popup_columns = [c for c in attrs.columns]
    for c in popup_columns:
        require_column(attrs, c, "points")
    style = general_settings()["points"]

    legend = Legend()
    if regions is not None:
        reg = check_regions(regions)
        if column is not None:
            m, legend = _choropleth(reg, column, kind, None, None, (), tolerance, offline, tiles)
        else:
            m = base_map(reg.total_bounds, offline, tiles)
            tips = [_tooltip(row, i, []) for i, (_, row) in enumerate(reg.iterrows())]
            _region_layer(m, reg, ["#f0f0f0"] * len(reg), tips, "Regions", tolerance, fill_opacity=0.6)
        add_attribution(m, _attribution_for(regions, attribution))
    else:
        m = base_map((x.min(), y.min(), x.max(), y.max()), offline, tiles)

    cluster = MarkerCluster(name=esc(f"{title} ({len(x)})"), control=True)
    cluster.add_to(m)
    names = (attrs[name_column].map(fmt_value).tolist() if name_column
             else [f"#{i + 1}" for i in range(len(x))])
    cells = [attrs[c].map(fmt_value).tolist() for c in popup_columns]
    rows = [[round(float(y[i]), 6), round(float(x[i]), 6), names[i], *(col[i] for col in cells)]
            for i in range(len(x))]
    cluster.add_child(_point_data_class()(
        [str(c) for c in popup_columns], rows,
        {"radius": style["radius_px"], "color": style["color"], "weight": 1.5,
         "fillColor": style["fill"], "fillOpacity": 0.9},
    ))
    legend.categories(title, [(f"{title} ({len(x)})", style["fill"])],
                      note="Numbers in circles count the parks they group; zoom in to split them.")
    legend.add_to(m)
    add_attribution(m, points_attribution)
    return finish(m, path, offline, overwrite)


def script_json(obj: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` block, UTF-8 kept (half the size of \\u escapes)."""
    import json

    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text


@lru_cache(maxsize=1)
def _point_data_class() -> type:
    """The branca element class, built on first use so importing geoproc.maps stays light."""
    from branca.element import MacroElement
    from jinja2 import Template

    class PointData(MacroElement):
        """Circle markers added to the parent MarkerCluster from one JSON table.

        One table (column names once, a row per park) instead of a folium Marker and
        Popup per park keeps the page small. Popups and tooltips are built in the
        browser with ``textContent``, so park names and attributes are never parsed as
        HTML: markup in the data shows as text.
        """

        _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var d = {{ this.payload }};
  var target = {{ this._parent.get_name() }};
  function text(tag, value) { var e = document.createElement(tag); e.textContent = value; return e; }
  function popup(row) {
    var div = document.createElement('div');
    div.appendChild(text('b', row[2]));
    var table = document.createElement('table');
    table.className = 'geoproc-popup';
    for (var k = 0; k < d.columns.length; k++) {
      var tr = document.createElement('tr');
      tr.appendChild(text('th', d.columns[k]));
      tr.appendChild(text('td', row[3 + k]));
      table.appendChild(tr);
    }
    div.appendChild(table);
    return div;
  }
  d.rows.forEach(function (row) {
    L.circleMarker([row[0], row[1]], d.style)
      .bindPopup(function () { return popup(row); }, {maxWidth: 360})
      .bindTooltip(function () { return text('span', row[2]); })
      .addTo(target);
  });
})();
{% endmacro %}
""")

        def __init__(self, columns: list, rows: list, style: dict) -> None:
            super().__init__()
            self._name = "GeoprocPointData"
            self.columns = columns
            self.rows = rows
            self.payload = script_json({"columns": columns, "rows": rows, "style": style})

    return PointData


# --- raster -------------------------------------------------------------------
def raster_map(
    tif_path: str | os.PathLike,
    path: str | os.PathLike | None = None,
    regions: gpd.GeoDataFrame | None = None,
    *,
    band: int = 1,
    vmax: float | None = None,
    max_size: int = 1024,
    opacity: float = 0.85,
    title: str | None = None,
    attribution: str | None = None,
    raster_attribution: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
    overwrite: bool = False,
) -> folium.Map:
    """A density raster (e.g. :func:`geoproc.kernel_density`'s GeoTIFF) as an image overlay.

    The raster is read with rasterio, reprojected (bilinear) to Web Mercator
    (EPSG:3857, the map's own projection, so the image lines up) at most
    ``max_size`` pixels on a side, and coloured with the ``kde`` palette: stops at
    fractions of ``vmax``, fully transparent at zero and on nodata.

    Parameters
    ----------
    tif_path : str or os.PathLike
        Single-band raster with a CRS.
    path : str or os.PathLike, optional
        ``.html`` file to write.
    regions : geopandas.GeoDataFrame, optional
        Region outlines drawn over the raster (with name tooltips).
    band : int
        Band to show.
    vmax : float, optional
        Value drawn with the last colour; default the raster's maximum.
    max_size : int
        Largest image side in pixels (keeps the page light).
    opacity : float
        Overlay opacity.
    title : str, optional
        Legend title; default "Kernel density" with the band description.
    attribution, raster_attribution : str, optional
        Sources of the boundaries and of the raster.
    tolerance, offline, tiles, overwrite
        As in :func:`choropleth_map`.

    Returns
    -------
    folium.Map
    """
    import folium
    import rasterio
    from pyproj import Transformer
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from geoproc.palettes import get_palette

    check_html_path(path, overwrite)
    tif = os.fspath(tif_path)
    if not os.path.exists(tif):
        raise FileNotFoundError(f"raster {tif} not found")
    pal = get_palette("kde")
    with rasterio.open(tif) as src:
        if src.crs is None:
            raise GeoprocInputError(f"raster {tif} has no coordinate reference system")
        if not 1 <= band <= src.count:
            raise GeoprocInputError(f"raster {tif} has {src.count} band(s); band {band} does not exist")
        data = src.read(band, masked=True).astype("float64").filled(np.nan)
        desc = src.descriptions[band - 1] if src.descriptions else None
        dst_crs = "EPSG:3857"
        transform, width, height = calculate_default_transform(
            src.crs, dst_crs, src.width, src.height, *src.bounds)
        scale = max(width, height) / max_size
        if scale > 1:
            width, height = max(1, int(round(width / scale))), max(1, int(round(height / scale)))
            transform, width, height = calculate_default_transform(
                src.crs, dst_crs, src.width, src.height, *src.bounds, dst_width=width, dst_height=height)
        out = np.full((height, width), np.nan)
        reproject(data, out, src_transform=src.transform, src_crs=src.crs, src_nodata=np.nan,
                  dst_transform=transform, dst_crs=dst_crs, dst_nodata=np.nan,
                  resampling=Resampling.bilinear)
    finite = data[np.isfinite(data)]
    top = float(finite.max()) if finite.size else float("nan")
    vmax = top if vmax is None else float(vmax)
    if not np.isfinite(vmax) or vmax <= 0:
        raise GeoprocInputError(f"raster {tif}: no positive values to colour (maximum {top})")
    rgba = pal.ramp_rgba(out / vmax)
    # north-up output grid: corners from the coefficients (no rotation terms)
    x0, y1 = transform.c, transform.f
    x1, y0 = transform.c + transform.a * width, transform.f + transform.e * height
    to_ll = Transformer.from_crs(dst_crs, "EPSG:4326", always_xy=True)
    (w, e), (s, n) = (lambda lon, lat: ((lon[0], lon[1]), (lat[0], lat[1])))(*to_ll.transform([x0, x1], [y0, y1]))

    if regions is not None:
        reg = check_regions(regions)
        bounds = reg.total_bounds
    else:
        reg = None
        bounds = (w, s, e, n)
    m = base_map(bounds, offline, tiles)
    name = title or "Kernel density"
    folium.raster_layers.ImageOverlay(
        image=rgba, bounds=[[s, w], [n, e]], name=esc(name), opacity=opacity,
        interactive=False, zindex=1, mercator_project=False,
    ).add_to(m)
    if reg is not None:
        tips = [_tooltip(row, i, []) for i, (_, row) in enumerate(reg.iterrows())]
        geoms = display_geometries(reg.geometry.to_numpy(), tolerance)
        props = [{"_tip": t} for t in tips]
        folium.GeoJson(
            feature_collection(geoms, props), name="Regions",
            style_function=lambda f: {"fillOpacity": 0.0, "color": "#444444", "weight": 1},
            highlight_function=lambda f: {"weight": 3, "color": "#000000"},
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
        ).add_to(m)
        add_attribution(m, _attribution_for(regions, attribution))
    add_attribution(m, raster_attribution)
    legend = Legend()
    stops = [(s.at, f"rgba({int(c[0])},{int(c[1])},{int(c[2])},{s.alpha / 255:.2f})")
             for s, c in zip(pal.stops, pal.ramp_rgba([s.at for s in pal.stops]), strict=True)]
    # the gradient is linear in value: labels at its start, middle and end
    legend.ramp(name, stops, ["0", fmt_value(vmax / 2), fmt_value(vmax)], note=(desc or None))
    legend.add_to(m)
    return finish(m, path, offline, overwrite)


# --- weight links -----------------------------------------------------------
def links_map(
    regions: gpd.GeoDataFrame,
    weights: Any,
    path: str | os.PathLike | None = None,
    *,
    id: str | None = None,
    title: str | None = None,
    max_links: int = 20_000,
    attribution: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
    overwrite: bool = False,
) -> folium.Map:
    """Spatial-weight links as lines between region centroids, coloured and sized by strength.

    The lines are :func:`geoproc.weights.links_frame`'s (the layer the QGIS plugin
    writes): one per pair of linked regions, valued by the stronger of ``w_ij`` and
    ``w_ji`` (the tooltip shows both) and classed by ``weight_scaled``, the value
    divided by the largest one, with the ``weight_links`` palette (fifths of 0 – 1),
    whatever the kind of weights.

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        Region polygons with an id column.
    weights : SpatialWeights or anything :func:`geoproc.as_weights` accepts
        Non-negative weights; ids must be the regions' ids (any order).
    path : str or os.PathLike, optional
        ``.html`` file to write.
    id : str, optional
        Id column of ``regions``; default ``code`` if present, else the index.
    max_links : int
        Refuse weights with more linked pairs than this (a dense gravity matrix of
        thousands of regions makes a page no browser can draw).
    title, attribution, tolerance, offline, tiles, overwrite
        As in :func:`choropleth_map`.

    Returns
    -------
    folium.Map

    Raises
    ------
    GeoprocInputError
        A negative weight (naming the pair), ids that differ from the regions', more
        than ``max_links`` pairs; nothing is written.
    """
    import folium
    import scipy.sparse

    from geoproc.palettes import get_palette
    from geoproc.validation import region_ids
    from geoproc.weights import as_weights, links_frame

    check_html_path(path, overwrite)
    reg = check_regions(regions)
    ids = region_ids(reg, id)
    w = as_weights(weights)
    size = abs(w.sparse)
    n_pairs = int(scipy.sparse.triu(size + size.T, k=1).count_nonzero())  # counted before any line is built
    if n_pairs > max_links:
        raise GeoprocInputError(
            f"weights have {n_pairs} links, more than a web map can draw usefully "
            f"(max_links={max_links}); use a sparser matrix (k-nearest, a distance cut-off)"
        )
    links = links_frame(w, reg, id=id)
    pal = get_palette("weight_links")
    shown = links[pal.field].to_numpy(float)
    top = float(links["weight"].max()) if len(links) else 0.0
    cls = pal.classify(shown)
    order = np.argsort(shown, kind="stable")  # strong links drawn last, on top
    pos = {k: i for i, k in enumerate(ids)}
    labels = [region_label(r, fallback=ids[i]) for i, (_, r) in enumerate(reg.iterrows())]
    lines = display_geometries(links.geometry.to_numpy(), 0)  # rounded coordinates
    src, dst = links["from_id"].tolist(), links["to_id"].tolist()
    w_ft, w_tf = links["w_from_to"].tolist(), links["w_to_from"].tolist()
    feats, props = [], []
    for k in order:
        a, b = labels[pos[src[k]]], labels[pos[dst[k]]]
        tip = (f"{a} → {b}: {esc(fmt_value(w_ft[k]))}<br>"
               f"{b} → {a}: {esc(fmt_value(w_tf[k]))}")
        c = int(cls[k])
        feats.append(lines[k])
        props.append({"_tip": tip, "_color": pal.colors[c],
                      "_width": round(pal.widths_mm[c] * _px_per_mm, 2)})

    mp = base_map(reg.total_bounds, offline, tiles)
    tips = [_tooltip(row, ids[i], []) for i, (_, row) in enumerate(reg.iterrows())]
    _region_layer(mp, reg, ["#f7f7f7"] * len(reg), tips, "Regions", tolerance, fill_opacity=0.7)
    name = title or f"{pal.title} ({w.kind}, {len(feats)} links)"
    if feats:
        folium.GeoJson(
            feature_collection(feats, props), name=esc(name),
            style_function=lambda f: {"color": f["properties"]["_color"],
                                      "weight": f["properties"]["_width"], "opacity": 0.9},
            highlight_function=lambda f: {"color": "#000000"},
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
        ).add_to(mp)
    legend = Legend()
    lab = pal.class_labels()
    counts = np.bincount(cls[cls >= 0], minlength=len(pal.colors))
    legend.categories(
        name,
        [(f"{lb} ({n})", c) for lb, c, n in zip(lab, pal.colors, counts, strict=True)],
        line=True, widths_px=[wm * _px_per_mm for wm in pal.widths_mm],
        note=f"classes of weight / largest weight ({top:.4g}); weight: the larger of w_ij, w_ji",
    )
    legend.add_to(mp)
    add_attribution(mp, _attribution_for(regions, attribution))
    return finish(mp, path, offline, overwrite)
