"""Cartographic choices shared by the QGIS project, its print layouts and the static figures.

* :func:`map_crs` -- an equal-area projection suited to a map's extent: the usual
  Albers for all of China (standard parallels 25° N and 47° N, central meridian
  105° E, as in China's national atlases), a local Albers centred on a smaller
  extent such as the Yangtze River Delta;
* :data:`SOUTH_CHINA_SEA_INSET` and :data:`CHINA_MAIN_EXTENT` -- the frames of a
  national map and of its South China Sea islands inset, drawn from the shipped data;
* :func:`map_notes` -- the source, synthetic-data and standard-base-map (审图号) notes;
* matplotlib helpers for printed figures: :func:`add_scale_bar`,
  :func:`add_north_arrow`, :func:`place_labels` (labels that do not overlap).

Everything here but the matplotlib helpers uses only the standard library, so the
QGIS project writer's caller can use it without loading geopandas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "CHINA_MAIN_EXTENT",
    "MAIN_FRAME_SOUTH",
    "NATIONAL_PROJ",
    "SHENTU_NOTE",
    "SOUTH_CHINA_SEA_INSET",
    "add_north_arrow",
    "add_scale_bar",
    "is_national",
    "main_frame_ring",
    "map_crs",
    "map_notes",
    "nice_length",
    "place_labels",
]

#: Albers equal-area for all of China on WGS84 (CGCS2000 differs by centimetres).
NATIONAL_PROJ = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
#: lon/lat frame of a national map's main body (the southern islands go into the inset).
CHINA_MAIN_EXTENT = (73.0, 18.0, 135.5, 54.0)
#: latitude south of which a national map's main frame draws nothing: Hainan's southern tip is
#: at 18.2° N, the northernmost of the Xisha (Paracel) reefs at 17.1° N; the reefs are drawn
#: only in the inset, as Chinese publications do
MAIN_FRAME_SOUTH = 17.5
#: lon/lat frame of the South China Sea islands inset (南海诸岛), as Chinese maps draw it.
SOUTH_CHINA_SEA_INSET = (106.5, 2.5, 123.5, 24.5)
#: Publishing a map of China in China needs an approved standard base map (审图号).
SHENTU_NOTE = ("Not a standard map: publishing a map of China requires an approved "
               "standard base map with a review number (审图号), which geoproc cannot provide.")

# an extent wider or taller than this (degrees) is drawn as a national map
_NATIONAL_SPAN = 25.0


def is_national(bounds: Sequence[float]) -> bool:
    """Whether ``bounds`` (lon/lat minx, miny, maxx, maxy) is a national-scale extent."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    return (maxx - minx) > _NATIONAL_SPAN or (maxy - miny) > _NATIONAL_SPAN


def main_frame_ring(south: float = MAIN_FRAME_SOUTH, step: float = 0.5) -> list[tuple[float, float]]:
    """A lon/lat ring around everything north of ``south`` in a national map's reach.

    Its south edge follows the parallel in ``step``-degree pieces, so that projected (the
    parallel is an arc in the Albers projection) it still clips along the parallel; used
    to draw a national map's main frame without the southern reefs (they are in the inset).
    """
    west, east, north = 60.0, 150.0, 60.0
    n = int(round((east - west) / step))
    edge = [(west + k * (east - west) / n, south) for k in range(n + 1)]
    return [*edge, (east, north), (west, north), edge[0]]


def map_crs(bounds: Sequence[float]) -> str:
    """A PROJ string of an Albers equal-area projection suited to ``bounds`` (lon/lat).

    National extents get :data:`NATIONAL_PROJ`. Smaller ones get an Albers centred on
    the extent, with standard parallels one sixth of the height inside its top and
    bottom (the usual rule of thumb, which keeps the scale error below about 0.1 % for
    a region a few hundred kilometres tall), rounded to 0.5° so that nearby extents
    share a projection.

    Parameters
    ----------
    bounds : sequence of float
        ``(minx, miny, maxx, maxy)`` in degrees of longitude and latitude.

    Returns
    -------
    str
        A PROJ string (metres, WGS84 datum).
    """
    from geoproc.errors import GeoprocInputError

    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or minx > maxx or miny > maxy:
        raise GeoprocInputError(f"map extent {list(bounds)} is not a lon/lat box")
    if is_national(bounds):
        return NATIONAL_PROJ

    def half(v: float) -> float:
        return round(v * 2) / 2

    h = maxy - miny
    lat1, lat2 = half(miny + h / 6), half(maxy - h / 6)
    if lat1 == lat2:  # a thin extent: parallels half a degree apart
        lat1, lat2 = lat1 - 0.25, lat2 + 0.25
    lon0, lat0 = half((minx + maxx) / 2), half((miny + maxy) / 2)
    return (f"+proj=aea +lat_0={lat0:g} +lon_0={lon0:g} +lat_1={lat1:g} +lat_2={lat2:g} "
            "+x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs")


def map_notes(national: bool, attribution: str = "", synthetic: bool = False) -> list[str]:
    """The notes printed on a map: source, synthetic data, and for national maps the 审图号 note."""
    notes = []
    if attribution:
        notes.append(attribution)
    if synthetic:
        notes.append("Data: synthetic (simulated) values for demonstration, not official statistics.")
    if national:
        notes.append(SHENTU_NOTE)
    return notes


# --- matplotlib: scale bar, north arrow, labels ------------------------------------
def nice_length(max_length: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``max_length`` (> 0)."""
    if not max_length > 0:
        raise ValueError(f"length must be positive, got {max_length}")
    p = 10 ** math.floor(math.log10(max_length))
    return max(m * p for m in (1, 2, 5) if m * p <= max_length)


def add_scale_bar(ax: Any, fraction: float = 0.25, loc: tuple[float, float] = (0.04, 0.05)) -> float:
    """Draw a two-segment scale bar on ``ax`` whose data units are metres; return its length in m.

    The bar is at most ``fraction`` of the axes' width, rounded down to 1, 2 or 5 times
    a power of ten; ``loc`` is its left end in axes fractions.
    """
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length(abs(x1 - x0) * fraction)
    left = x0 + loc[0] * (x1 - x0)
    base = y0 + loc[1] * (y1 - y0)
    height = 0.012 * (y1 - y0)
    for k, color in enumerate(("#000000", "#ffffff")):
        ax.add_patch(Rectangle((left + k * length / 2, base), length / 2, height, facecolor=color,
                               edgecolor="#000000", linewidth=0.6, zorder=20))
    km = length / 1000
    unit = f"{km:g} km" if km >= 1 else f"{length:g} m"
    for frac, text in ((0, "0"), (1, unit)):
        ax.text(left + frac * length, base + 1.6 * height, text, ha="center", va="bottom",
                fontsize=7, zorder=20)
    return length


def add_north_arrow(ax: Any, loc: tuple[float, float] = (0.95, 0.93), size: float = 0.07) -> None:
    """Draw a north arrow (a filled triangle and "N") at ``loc`` in axes fractions.

    The figures are drawn in an equal-area projection whose central meridian runs
    through the map, so grid north is true north at the centre.
    """
    from matplotlib.patches import Polygon

    x, y = loc
    tri = Polygon([(x, y), (x - size / 4, y - size), (x, y - 0.75 * size), (x + size / 4, y - size)],
                  closed=True, transform=ax.transAxes, facecolor="#000000", edgecolor="#000000",
                  zorder=20)
    ax.add_patch(tri)
    ax.text(x, y + 0.01, "N", transform=ax.transAxes, ha="center", va="bottom", fontsize=9,
            fontweight="bold", zorder=20)


def place_labels(ax: Any, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str],
                 fontsize: float = 6.0, priority: Sequence[float] | None = None,
                 offset: bool = False) -> list[bool]:
    """Write labels at points, skipping or shifting those that would overlap others.

    Greedy placement: labels are taken by ``priority`` (largest first; default the
    given order); each tries its point's centre (with ``offset``: beside the point, for
    scatter plots), then above, below, right and left of it, and is placed at the first
    position whose box overlaps no placed label; a label with no free position is left
    out. Returns, per label, whether it was drawn.
    """
    fig = ax.figure
    fig.canvas.draw()  # the renderer measures text extents
    renderer = fig.canvas.get_renderer()
    order = range(len(texts)) if priority is None else sorted(
        range(len(texts)), key=lambda i: -float(priority[i]))
    placed: list[Any] = []
    drawn = [False] * len(texts)
    offsets = ((0, 0), (0, 1.1), (0, -1.1), (1.1, 0), (-1.1, 0))
    if offset:
        offsets = ((0.6, 0.7), (-0.6, 0.7), (0.6, -0.7), (-0.6, -0.7))
    for i in order:
        for dx, dy in offsets:
            t = ax.annotate(str(texts[i]), (xs[i], ys[i]), fontsize=fontsize, ha="center", va="center",
                            xytext=(dx * fontsize * len(str(texts[i])) * 0.5, dy * fontsize),
                            textcoords="offset points", zorder=15)
            box = t.get_window_extent(renderer).expanded(1.05, 1.1)
            if any(box.overlaps(b) for b in placed):
                t.remove()
                continue
            placed.append(box)
            drawn[i] = True
            break
    return drawn
