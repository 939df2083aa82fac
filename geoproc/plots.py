"""Static figures (PNG) for spatial autocorrelation: Moran scatter plot, LISA and Gi* maps.

matplotlib with the Agg backend (no display needed). Text falls back to a CJK
font (Noto Sans CJK, Debian package ``fonts-noto-cjk``) for Chinese region
names and titles; colours come from the shared palette (``styles/palettes.json``),
so the PNG, the QGIS style and the HTML map agree.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.figure import Figure

__all__ = ["moran_scatter", "lisa_cluster_map", "hotspot_map", "cjk_fonts"]

# Latin text in DejaVu Sans; glyphs it lacks (Chinese) from the first CJK font found.
_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Source Han Sans SC",
                 "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC")


def cjk_fonts() -> list[str]:
    """Installed font families able to draw Chinese, best first (may be empty)."""
    from matplotlib import font_manager

    have = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in _CJK_FAMILIES if f in have]


@contextmanager
def _style():
    import warnings

    import matplotlib

    matplotlib.use("Agg", force=False)
    with warnings.catch_warnings():
        # Debian's python3-matplotlib next to the venv's copy: harmless for 2-D plots
        warnings.filterwarnings("ignore", message="Unable to import Axes3D")
        import matplotlib.pyplot as plt

    # families listed in font.family (not behind the generic "sans-serif") are
    # what matplotlib's per-glyph fallback walks through
    with plt.rc_context({
        "font.family": ["DejaVu Sans", *cjk_fonts()],
        "axes.unicode_minus": False,
        "figure.dpi": 100,
        "savefig.dpi": 200,
        "savefig.bbox": "tight",
    }):
        yield plt


#: figure formats by file suffix
FORMATS = ("png", "pdf", "svg")


def _save(fig, path: str | os.PathLike | None, overwrite: bool) -> None:
    """Write ``fig`` atomically in the format of ``path``'s suffix (PNG, PDF or SVG)."""
    if path is None:
        return
    from geoproc.outputs import atomic_output

    fmt = os.path.splitext(str(path))[1].lstrip(".").lower()
    if fmt not in FORMATS:
        raise GeoprocInputError(f"figure {path}: use a .png, .pdf or .svg name")
    with atomic_output(path, overwrite) as tmp:
        fig.savefig(tmp, format=fmt)


def moran_scatter(
    values: Any,
    weights: Any,
    path: str | os.PathLike | None = None,
    title: str | None = None,
    labels: Any = None,
    transform: str = "R",
    overwrite: bool = False,
) -> Figure:
    """Moran scatter plot: standardised value against its spatial lag, with slope I.

    Parameters
    ----------
    values : Series indexed by region id, or array in the weights' order
    weights : SpatialWeights, libpysal W/Graph or weights file
    path : path, optional
        Write the figure (PNG by suffix) there, refusing an existing file unless
        ``overwrite``.
    title : str, optional
    labels : Series or sequence, optional
        Region names to print beside the points (e.g. Chinese names).
    transform : {"R", "O"}
        Row-standardise the weights (then the fitted slope equals Moran's I).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.moran_I`` holds the slope drawn.
    """
    import pandas as pd

    from geoproc.ids import values_by_region
    from geoproc.weights.base import as_weights
    from geoproc.weights.prepare import prepare_weights

    w0 = as_weights(weights)
    y = values_by_region(values, w0.ids, "values")
    w, _, notes = prepare_weights(w0, w0.ids, transform, "keep")
    if np.ptp(y) == 0:
        raise GeoprocInputError("values are constant: nothing to plot")
    z = (y - y.mean()) / y.std()
    lag = w.lag(z)
    # Moran's I = (n/S0) z'Wz / z'z; with row-standardised weights and no islands
    # S0 = n, so I is the least-squares slope of lag on z through the origin.
    n, s0 = z.size, w.s0
    moran_I = n / s0 * float(z @ lag) / float(z @ z)
    with _style() as plt:
        fig, ax = plt.subplots(figsize=(5.5, 5))
        ax.axhline(0, color="#999999", lw=0.8)
        ax.axvline(0, color="#999999", lw=0.8)
        ax.scatter(z, lag, s=18, color="#3b6ea8", edgecolor="white", linewidth=0.4, zorder=3)
        xs = np.array([z.min(), z.max()]) * 1.05
        ax.plot(xs, moran_I * xs * s0 / n, color="#c0392b", lw=1.5, label=f"Moran's I = {moran_I:.3f}")
        if labels is not None:
            from geoproc.cartography import place_labels

            lab = labels.loc[w0.ids].tolist() if isinstance(labels, pd.Series) else list(labels)
            if len(lab) != z.size:
                raise GeoprocInputError(f"labels: {len(lab)} given for {z.size} regions")
            # the most extreme points first; a label that would overlap another is left out
            place_labels(ax, z, lag, [str(t) for t in lab], fontsize=6, priority=np.hypot(z, lag),
                         offset=True)
        ax.set_xlabel("standardised value z")
        ax.set_ylabel("spatial lag Wz")
        for (qx, qy, q) in ((0.98, 0.98, "High-High"), (0.02, 0.98, "Low-High"),
                            (0.02, 0.02, "Low-Low"), (0.98, 0.02, "High-Low")):
            ax.text(qx, qy, q, transform=ax.transAxes, ha="right" if qx > 0.5 else "left",
                    va="top" if qy > 0.5 else "bottom", fontsize=8, color="#666666")
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.93), frameon=False, fontsize=9)
        if title:
            ax.set_title(title)
        if notes:
            fig.text(0.01, -0.02, "; ".join(notes), fontsize=6, color="#666666")
        fig.moran_I = moran_I
        _save(fig, path, overwrite)
        plt.close(fig)
    return fig


def _category_map(gdf: gpd.GeoDataFrame, palette: str, column: str | None, path, title, overwrite,
                  label_column: str | None) -> Figure:
    """A categorized map for print: equal-area projection, legend and notes beside and below
    the map (no blank margins), scale bar, north arrow, non-overlapping labels; national
    maps with the South China Sea islands inset."""
    from matplotlib.patches import Patch

    from geoproc.cartography import add_north_arrow, add_scale_bar, is_national, map_crs
    from geoproc.palettes import get_palette
    from geoproc.validation import to_lonlat

    pal = get_palette(palette)
    column = column or pal.field
    if column not in gdf.columns:
        raise GeoprocInputError(f"no column {column!r}; columns are {', '.join(map(str, gdf.columns))}")
    colors = {c.value: c.color for c in pal.categories}
    unknown = sorted(set(gdf[column].astype(str)) - set(colors))
    if unknown:
        raise GeoprocInputError(f"column {column!r} has values outside the {palette} classes: {', '.join(unknown)}")
    lonlat = to_lonlat(gdf)
    national = is_national(lonlat.total_bounds)
    crs = map_crs(lonlat.total_bounds)
    proj = lonlat.to_crs(crs)
    # outlines simplified to a third of a printed pixel (1200 px across at 200 dpi): the
    # full-resolution coastlines made a 4 MB PDF of the provinces that looks the same
    span = float(max(np.ptp(proj.total_bounds[[0, 2]]), np.ptp(proj.total_bounds[[1, 3]])))
    proj[proj.geometry.name] = proj.geometry.simplify(span / 3600, preserve_topology=True)
    fill = [colors[v] for v in proj[column].astype(str)]
    with _style() as plt:
        fig, ax = _map_axes(plt, proj, lonlat, national, crs)
        # national: the main frame without the reefs south of 17.5° N, which the inset shows
        main = _main_frame(lonlat, crs, span / 3600) if national else proj
        main.plot(ax=ax, color=fill, edgecolor="#636363", linewidth=0.3)
        if national:
            _south_china_sea_inset(ax, proj, fill, crs)
        counts = proj[column].astype(str).value_counts()
        handles = [Patch(facecolor=c.color, edgecolor="#636363", label=f"{c.label} ({counts.get(c.value, 0)})")
                   for c in pal.categories if counts.get(c.value, 0) or not c.optional]
        # beside the map, not over it: the figure is cropped to what is drawn
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
                  title=pal.title, title_fontsize=9, alignment="left")
        add_scale_bar(ax)
        add_north_arrow(ax)
        label_column = _label_column(proj, label_column)
        if label_column:
            _region_labels(ax, main[~main.is_empty], label_column)
        ax.set_title(title or pal.title, loc="left", fontsize=12)
        notes = list(map(str, gdf.attrs.get("notes", []) or []))
        from geoproc.cartography import SHENTU_NOTE

        if national:
            notes.append(SHENTU_NOTE)
        if notes:
            import textwrap

            width = int(fig.get_figwidth() * 72 / (6 * 0.55))  # characters of 6 pt across the figure
            ax.annotate("\n".join(textwrap.fill(n, width) for n in notes), xy=(0, 0), xycoords="axes fraction",
                        xytext=(0, -6), textcoords="offset points", va="top", fontsize=6, color="#555555")
        _save(fig, path, overwrite)
        plt.close(fig)
    return fig


def _map_axes(plt, proj, lonlat, national: bool, crs: str):
    """A figure whose map axes have the data's aspect ratio (so nothing is left blank)."""
    from geoproc.cartography import CHINA_MAIN_EXTENT

    if national:  # the mainland in the frame; the southern islands go into the inset
        from pyproj import Transformer

        t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        x0, y0, x1, y1 = t.transform_bounds(*CHINA_MAIN_EXTENT)
        # west: the data's edge; east: the frame's, leaving sea for the inset
        x0 = max(x0, proj.total_bounds[0])
        y0 = t.transform(118.0, CHINA_MAIN_EXTENT[1])[1]
    else:
        x0, y0, x1, y1 = proj.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    aspect = (y1 - y0) / (x1 - x0)
    width = 6.0
    fig = plt.figure(figsize=(width + 2.2, width * aspect + 0.8))
    ax = fig.add_axes((0.02, 0.08, width / (width + 2.2), width * aspect / (width * aspect + 0.8)))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_linewidth(0.6)
    return fig, ax


def _main_frame(lonlat, crs: str, tolerance: float):
    """``lonlat`` (national) cut to what lies north of
    :data:`geoproc.cartography.MAIN_FRAME_SOUTH`, row for row (empty rows stay, so colours
    line up), in ``crs`` and simplified as the rest of the map. Cut along the parallel in
    lon/lat, where it is straight (clip_by_rect also copes with the odd invalid ring)."""
    import shapely

    from geoproc.cartography import MAIN_FRAME_SOUTH

    out = lonlat.copy()
    out[out.geometry.name] = shapely.clip_by_rect(np.asarray(lonlat.geometry.values), -180.0,
                                                  MAIN_FRAME_SOUTH, 180.0, 90.0)
    out = out.to_crs(crs)
    out[out.geometry.name] = out.geometry.simplify(tolerance, preserve_topology=True)
    return out


def _south_china_sea_inset(ax, proj, fill, crs: str) -> None:
    """The South China Sea islands (南海诸岛) inset in the lower right corner."""
    from pyproj import Transformer

    from geoproc.cartography import SOUTH_CHINA_SEA_INSET

    x0, y0, x1, y1 = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform_bounds(*SOUTH_CHINA_SEA_INSET)
    h = 0.28
    w = h * (x1 - x0) / (y1 - y0) * (ax.get_ylim()[1] - ax.get_ylim()[0]) / (ax.get_xlim()[1] - ax.get_xlim()[0])
    inset = ax.inset_axes((1 - w, 0, w, h))
    proj.plot(ax=inset, color=fill, edgecolor="#636363", linewidth=0.3)
    inset.set_xlim(x0, x1)
    inset.set_ylim(y0, y1)
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("#ffffff")
    inset.text(0.03, 0.03, "南海诸岛", transform=inset.transAxes, fontsize=6)


def _label_column(gdf, label_column: str | None) -> str | None:
    """The name column to label with: the one given, else a short Chinese name when a
    CJK font is installed, else the English name (None: no labels)."""
    if label_column == "":
        return None
    if label_column:
        return label_column if label_column in gdf.columns else None
    fields = ("short_zh", "name_zh", "name_en") if cjk_fonts() else ("name_en",)
    return next((f for f in fields if f in gdf.columns), None)


def _region_labels(ax, proj, column: str) -> list[bool]:
    """Labels at a point inside each region, larger regions first, none overlapping."""
    from geoproc.cartography import place_labels

    pts = proj.geometry.representative_point()
    return place_labels(ax, pts.x.to_numpy(), pts.y.to_numpy(), proj[column].astype(str).tolist(),
                        fontsize=5.5, priority=proj.geometry.area.to_numpy())


def lisa_cluster_map(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike | None = None,
    column: str = "cluster",
    title: str | None = None,
    label_column: str | None = None,
    overwrite: bool = False,
) -> Figure:
    """LISA cluster map (High-High, Low-Low, Low-High, High-Low, Not significant) as PNG.

    ``gdf`` is the output of :func:`geoproc.local_moran`; the legend counts the
    regions of each class; its notes (island handling, alpha) are printed below.
    """
    return _category_map(gdf, "lisa", column, path, title, overwrite, label_column)


def hotspot_map(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike | None = None,
    column: str = "hotspot",
    title: str | None = None,
    label_column: str | None = None,
    overwrite: bool = False,
) -> Figure:
    """Gi* hot/cold spot map (7 confidence bins) from :func:`geoproc.getis_ord` as PNG."""
    return _category_map(gdf, "hotspot", column, path, title, overwrite, label_column)
