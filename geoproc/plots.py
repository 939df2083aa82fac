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


def _save(fig, path: str | os.PathLike | None, overwrite: bool) -> None:
    if path is None:
        return
    from geoproc.outputs import atomic_output

    with atomic_output(path, overwrite) as tmp:
        fig.savefig(tmp, format=os.path.splitext(str(path))[1].lstrip(".").lower() or "png")


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
            lab = labels.loc[w0.ids].tolist() if isinstance(labels, pd.Series) else list(labels)
            for xi, yi, t in zip(z, lag, lab, strict=True):
                ax.annotate(str(t), (xi, yi), fontsize=6, xytext=(2, 2), textcoords="offset points")
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
    from matplotlib.patches import Patch

    from geoproc.palettes import get_palette

    pal = get_palette(palette)
    column = column or pal.field
    if column not in gdf.columns:
        raise GeoprocInputError(f"no column {column!r}; columns are {', '.join(map(str, gdf.columns))}")
    colors = {c.value: c.color for c in pal.categories}
    unknown = sorted(set(gdf[column].astype(str)) - set(colors))
    if unknown:
        raise GeoprocInputError(f"column {column!r} has values outside the {palette} classes: {', '.join(unknown)}")
    with _style() as plt:
        fig, ax = plt.subplots(figsize=(7, 6))
        gdf.plot(ax=ax, color=[colors[v] for v in gdf[column].astype(str)], edgecolor="#636363", linewidth=0.3)
        counts = gdf[column].astype(str).value_counts()
        handles = [Patch(facecolor=c.color, edgecolor="#636363", label=f"{c.label} ({counts.get(c.value, 0)})")
                   for c in pal.categories if counts.get(c.value, 0) or not c.optional]
        ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
        if label_column and label_column in gdf.columns:
            pts = gdf.geometry.representative_point()
            for p, t in zip(pts, gdf[label_column], strict=True):
                ax.annotate(str(t), (p.x, p.y), fontsize=5, ha="center", va="center")
        ax.set_axis_off()
        ax.set_title(title or pal.title)
        notes = gdf.attrs.get("notes")
        if notes:
            fig.text(0.01, 0.01, "; ".join(map(str, notes)), fontsize=6, color="#666666")
        _save(fig, path, overwrite)
        plt.close(fig)
    return fig


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
