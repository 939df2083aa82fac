"""The one colour palette shared by the QML styles in ``styles/`` and the HTML maps.

The definition lives in ``styles/palettes.json``; ``scripts/build_styles.py`` writes
the QML files from it and :mod:`geoproc.maps` colours the folium maps from it, so a
LISA cluster is the same red in QGIS and in the browser.

Graduated classes are half-open on the left, ``(lower, upper]``, and the first class
also takes its lower bound: this is how QGIS's graduated renderer assigns a value
that sits exactly on a break (the first matching range wins), so an LQ of exactly 1
falls in the class "0.8 – 1" ("not more specialised than the reference"), both in
QGIS and here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from geoproc.errors import GeoprocInputError

__all__ = [
    "Category",
    "Palette",
    "RampStop",
    "get_palette",
    "group_colours",
    "group_qml",
    "load_palettes",
    "palette_path",
    "raster_qml",
    "scaled_qml",
    "scaled_vmax",
    "styles_dir",
]

#: Environment variable that points at a folder holding ``palettes.json`` (and the QML files).
STYLES_ENV = "GEOPROC_STYLES_DIR"


def styles_dir() -> Path:
    """The ``styles/`` folder.

    In order, as for :func:`geoproc._paths.data_dir`: ``$GEOPROC_STYLES_DIR``; the copy
    bundled inside the package (``geoproc/_styles``: the QGIS plugin zip puts it there);
    else the repository's ``styles/`` beside the package (a checkout or editable install).
    """
    env = os.environ.get(STYLES_ENV)
    if env:
        return Path(env)
    package = Path(__file__).resolve().parent
    bundled = package / "_styles"
    return bundled if bundled.is_dir() else package.parent / "styles"


def palette_path() -> Path:
    """Path of ``palettes.json``."""
    return styles_dir() / "palettes.json"


@dataclass(frozen=True)
class Category:
    """One class of a categorized style: the field value, its legend label, its colour."""

    value: str
    label: str
    color: str
    #: legends leave the class out when no feature has it (QML styles always keep it)
    optional: bool = False


@dataclass(frozen=True)
class RampStop:
    """One stop of a pseudocolour ramp at a fraction ``at`` (0-1) of the raster maximum."""

    at: float
    color: str
    alpha: int = 255


@dataclass(frozen=True)
class Palette:
    """A named style: categorized, graduated or pseudocolour.

    Attributes
    ----------
    name : str
        Key in ``palettes.json`` (``"lisa"``, ``"hotspot"``, ``"lq"``, ...).
    title : str
        Legend title.
    type : {"categorized", "graduated", "pseudocolor"}
    field : str or None
        Attribute the QML style classifies on.
    qml : str
        File name of the QML style in ``styles/``.
    categories : tuple of Category
        Categorized styles only.
    breaks : tuple of float
        Graduated styles only: class bounds, ``len(colors) + 1`` of them; ``-inf`` /
        ``inf`` for an open end.
    colors : tuple of str
        Graduated styles only: one ``#rrggbb`` per class.
    widths_mm : tuple of float
        Line widths per class (line styles only), in millimetres as in QGIS.
    stops : tuple of RampStop
        Pseudocolour styles only.
    """

    name: str
    title: str
    type: str
    field: str | None
    qml: str
    reference: str = ""
    geometry: str = "polygon"
    categories: tuple[Category, ...] = ()
    breaks: tuple[float, ...] = ()
    colors: tuple[str, ...] = ()
    widths_mm: tuple[float, ...] = ()
    stops: tuple[RampStop, ...] = ()
    band: int = 1
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    # --- categorized --------------------------------------------------------
    def color_map(self) -> dict[str, str]:
        """Category value -> colour (categorized styles)."""
        return {c.value: c.color for c in self.categories}

    # --- graduated ------------------------------------------------------------
    def class_labels(self, digits: int = 3) -> list[str]:
        """Legend labels of the graduated classes: "≤ 0.5", "0.5 – 0.8", ..., "> 2"."""

        def fmt(v: float) -> str:
            return f"{v:.{digits}g}"

        b = self.breaks
        n = len(self.colors)
        labels = []
        for i in range(n):
            lo, hi = b[i], b[i + 1]
            if i == 0 and np.isfinite(hi):
                labels.append(f"≤ {fmt(hi)}")
            elif not np.isfinite(hi):
                labels.append(f"> {fmt(lo)}")
            else:
                labels.append(f"{fmt(lo)} – {fmt(hi)}")
        return labels

    def classify(self, values: Any, breaks: Any = None) -> np.ndarray:
        """Class index of each value (graduated styles); -1 for missing or out-of-range values.

        Classes are ``(lower, upper]``, the first one closed: ``breaks = [0, 0.5, 0.8, 1]``
        puts 0 and 0.5 in class 0, 0.8 in class 1, 0.81 and 1 in class 2.
        """
        b = np.asarray(self.breaks if breaks is None else breaks, dtype=float)
        v = np.asarray(values, dtype=float)
        # searchsorted(side="left") gives i with b[i-1] < v <= b[i]: class i-1
        idx = np.searchsorted(b, v, side="left") - 1
        idx[(v == b[0])] = 0
        bad = ~np.isfinite(v) | (v < b[0]) | (v > b[-1])
        idx[bad] = -1
        return idx

    # --- pseudocolour ----------------------------------------------------------
    def scaled_stops(self, vmax: float) -> list[tuple[float, str, int]]:
        """Pseudocolour stops as ``(value, "#rrggbb", alpha)`` for a raster whose maximum is ``vmax``.

        ``kde_raster.qml`` is written for a maximum of 1; a QGIS layer's colour-ramp
        items are these values (what the plugin sets after loading the style).
        """
        if not np.isfinite(vmax) or vmax <= 0:
            raise GeoprocInputError(f"palette {self.name!r}: the maximum must be positive, got {vmax}")
        return [(s.at * float(vmax), s.color, s.alpha) for s in self.stops]

    def ramp_rgba(self, fractions: Any) -> np.ndarray:
        """RGBA (uint8, shape ``(..., 4)``) of values given as fractions of the maximum.

        Linear interpolation of red, green, blue and alpha between the stops, as QGIS's
        interpolated colour-ramp shader does; NaN becomes fully transparent.
        """
        f = np.asarray(fractions, dtype=float)
        at = np.array([s.at for s in self.stops])
        rgba = np.array([(*hex_to_rgb(s.color), s.alpha) for s in self.stops], dtype=float)
        out = np.empty(f.shape + (4,), dtype=np.uint8)
        fc = np.clip(np.nan_to_num(f, nan=0.0), at[0], at[-1])
        for k in range(4):
            out[..., k] = np.round(np.interp(fc, at, rgba[:, k])).astype(np.uint8)
        out[~np.isfinite(f)] = 0
        return out


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """``"#d7191c"`` -> ``(215, 25, 28)``."""
    c = color.lstrip("#")
    if len(c) != 6:
        raise GeoprocInputError(f"colour {color!r} is not #rrggbb")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _palette(name: str, d: dict) -> Palette:
    def num(x: Any, default: float) -> float:
        return default if x is None else float(x)

    breaks = d.get("breaks", [])
    n = len(breaks)
    return Palette(
        name=name,
        title=d["title"],
        type=d["type"],
        field=d.get("field"),
        qml=d["qml"],
        reference=d.get("reference", ""),
        geometry=d.get("geometry", "raster" if d["type"] == "pseudocolor" else "polygon"),
        categories=tuple(Category(str(c["value"]), c["label"], c["color"], bool(c.get("optional", False)))
                         for c in d.get("categories", [])),
        breaks=tuple(num(x, -np.inf if i == 0 else np.inf) for i, x in enumerate(breaks)) if n else (),
        colors=tuple(d.get("colors", [])),
        widths_mm=tuple(float(w) for w in d.get("widths_mm", [])),
        stops=tuple(RampStop(float(s["at"]), s["color"], int(s.get("alpha", 255))) for s in d.get("stops", [])),
        band=int(d.get("band", 1)),
        extra={k: v for k, v in d.items() if k not in {"title", "type", "field", "qml", "reference"}},
    )


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[dict[str, Palette], dict]:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(
            f"palette definition {p} not found; set {STYLES_ENV} to the folder holding palettes.json"
        )
    raw = json.loads(p.read_text(encoding="utf-8"))
    palettes = {k: _palette(k, v) for k, v in raw.items() if isinstance(v, dict) and "type" in v}
    for pal in palettes.values():
        if pal.type == "graduated" and len(pal.breaks) != len(pal.colors) + 1:
            raise GeoprocInputError(f"{p}: palette {pal.name!r} needs one more break than colours")
        if pal.widths_mm and len(pal.widths_mm) != len(pal.colors):
            raise GeoprocInputError(f"{p}: palette {pal.name!r} needs one width per colour")
    general = {k: v for k, v in raw.items() if k not in palettes}
    return palettes, general


def load_palettes(path: str | os.PathLike | None = None) -> dict[str, Palette]:
    """All palettes in ``palettes.json`` by name."""
    return dict(_load(str(path or palette_path()))[0])


def general_settings(path: str | os.PathLike | None = None) -> dict:
    """The non-palette entries of ``palettes.json`` (``outline``, ``points``, ...)."""
    return dict(_load(str(path or palette_path()))[1])


def get_palette(name: str) -> Palette:
    """The palette called ``name`` (``"lisa"``, ``"hotspot"``, ``"density"``, ``"lq"``,
    ``"agglomeration"``, ``"weight_links"``, ``"kde"``)."""
    palettes = load_palettes()
    try:
        return palettes[name]
    except KeyError:
        raise GeoprocInputError(
            f"no palette {name!r}; palettes are {', '.join(sorted(palettes))}"
        ) from None


def raster_qml(name: str, vmax: float) -> str:
    """The QML of pseudocolour palette ``name`` for a raster whose maximum is ``vmax``.

    The palette's QML (``styles/kde_raster.qml`` for ``"kde"``) is written for a maximum
    of 1; here its classification range is ``0..vmax`` and its ramp items are
    :meth:`Palette.scaled_stops`. The pipeline writes this text beside its GeoTIFF and
    the QGIS plugin loads it into the layer (``qgis_plugin/styling.py``): one style in
    both.

    Parameters
    ----------
    name : str
        A pseudocolour palette (``"kde"``).
    vmax : float
        The raster's maximum, > 0.

    Returns
    -------
    str
        The QML document.

    Raises
    ------
    GeoprocInputError
        If ``vmax`` is not positive or the palette is not a pseudocolour one.
    """
    import xml.etree.ElementTree as ET

    pal = get_palette(name)
    if pal.type != "pseudocolor":
        raise GeoprocInputError(f"palette {name!r} is {pal.type}, not a raster (pseudocolor) palette")
    stops = pal.scaled_stops(vmax)
    text = (styles_dir() / pal.qml).read_text(encoding="utf-8")
    doctype, _, body = text.partition("\n")
    root = ET.fromstring(body)
    ren = root.find("./pipe/rasterrenderer")
    ren.set("classificationMin", "0")
    ren.set("classificationMax", repr(float(vmax)))
    shader = ren.find("./rastershader/colorrampshader")
    shader.set("minimumValue", "0")
    shader.set("maximumValue", repr(float(vmax)))
    for it in shader.findall("item"):
        shader.remove(it)
    for k, (value, color, alpha) in enumerate(stops):
        shader.insert(k, ET.Element("item", {"alpha": str(alpha), "value": repr(float(value)), "color": color,
                                             "label": f"{value:.4g}"}))
    return doctype + "\n" + ET.tostring(root, encoding="unicode") + "\n"


def scaled_vmax(values: Any) -> float:
    """The ``vmax`` that scales a palette for a column: its largest absolute finite value,
    or 1 when it has none or it is 0 (the plugin and the pipeline scale the same way).

    Parameters
    ----------
    values : array-like of float
        The column (e.g. an SDM effect per region).

    Returns
    -------
    float
        A positive ``vmax`` for :func:`scaled_qml`.
    """
    v = np.abs(np.asarray(values, dtype=float))
    vmax = float(np.nanmax(v)) if np.isfinite(v).any() else 0.0
    return vmax if vmax > 0 else 1.0


def scaled_qml(name: str, field: str, vmax: float) -> str:
    """The QML of a scaled graduated palette (``"sdm_effects"``) for one layer.

    Such a palette's breaks are fractions of the layer's largest absolute value (its
    QML in ``styles/`` is written for 1); here every range is multiplied by ``vmax``,
    relabelled, and classifies ``field``. The first and last ranges are widened by a
    hair (1e-9 relative) so that the extreme values themselves stay inside them.

    Parameters
    ----------
    name : str
        A graduated palette marked ``"scaled": true`` in ``palettes.json``.
    field : str
        The column to classify (e.g. ``dig_total``).
    vmax : float
        The layer's largest absolute value of ``field``, > 0.

    Returns
    -------
    str
        The QML document.

    Raises
    ------
    GeoprocInputError
        If the palette is not a scaled graduated one or ``vmax`` is not positive.
    """
    import xml.etree.ElementTree as ET

    pal = get_palette(name)
    if pal.type != "graduated" or not pal.extra.get("scaled"):
        raise GeoprocInputError(f"palette {name!r} is not a scaled graduated palette")
    if not np.isfinite(vmax) or vmax <= 0:
        raise GeoprocInputError(f"palette {name!r}: the largest absolute value must be positive, got {vmax}")
    breaks = [b * float(vmax) for b in pal.breaks]
    breaks[0] -= 1e-9 * vmax
    breaks[-1] += 1e-9 * vmax
    labels = Palette(name, "", "graduated", field, "", breaks=tuple(breaks), colors=pal.colors).class_labels()
    text = (styles_dir() / pal.qml).read_text(encoding="utf-8")
    doctype, _, body = text.partition("\n")
    root = ET.fromstring(body)
    ren = root.find("./renderer-v2")
    ren.set("attr", field)
    for k, rng in enumerate(ren.findall("./ranges/range")):
        rng.set("lower", repr(breaks[k]))
        rng.set("upper", repr(breaks[k + 1]))
        rng.set("label", labels[k])
    return doctype + "\n" + ET.tostring(root, encoding="unicode") + "\n"


def group_colours(n: int, name: str = "ellipse") -> list[str]:
    """``n`` colours blended linearly between the palette's two ``groups`` colours, light
    (first group) to dark (last); a single group takes the dark one.

    Parameters
    ----------
    n : int
        Number of groups (>= 1).
    name : str
        A palette with ``"groups": [first, last]`` in ``palettes.json`` (``"ellipse"``).

    Returns
    -------
    list of str
        ``#rrggbb`` colours, one per group.
    """
    ends = get_palette(name).extra.get("groups")
    if not ends or len(ends) != 2:
        raise GeoprocInputError(f"palette {name!r} has no groups colours (first, last)")
    a, b = (hex_to_rgb(c) for c in ends)
    if n == 1:
        return [ends[1]]
    return ["#" + "".join(f"{round(a[i] + (b[i] - a[i]) * k / (n - 1)):02x}" for i in range(3)) for k in range(n)]


def group_qml(name: str, field: str, values: Any) -> str:
    """The QML of a group palette (``"ellipse"``) for one layer: a category per group value
    (sorted, as the QGIS plugin orders them), each the template symbol of the palette's QML in
    the colour :func:`group_colours` gives it, classifying ``field``.

    Parameters
    ----------
    name : str
        A categorized palette with ``groups`` colours.
    field : str
        The group column (e.g. ``year`` or ``type``).
    values : array-like
        The layer's group values.

    Returns
    -------
    str
        The QML document.
    """
    import copy
    import xml.etree.ElementTree as ET

    pal = get_palette(name)
    groups = sorted({v.item() if hasattr(v, "item") else v for v in values}, key=lambda v: (str(type(v)), v))
    colours = group_colours(max(len(groups), 1), name)
    text = (styles_dir() / pal.qml).read_text(encoding="utf-8")
    doctype, _, body = text.partition("\n")
    root = ET.fromstring(body)
    ren = root.find("./renderer-v2")
    ren.set("attr", field)
    # the template is the renderer's source symbol (scripts/build_styles.py writes no category)
    template = ren.find("./source-symbol/symbol")
    for tag in ("categories", "symbols"):
        if ren.find(tag) is None:
            ren.insert(0 if tag == "categories" else 1, ET.Element(tag))
    cats, symbols = ren.find("./categories"), ren.find("./symbols")
    for k, (value, colour) in enumerate(zip(groups, colours, strict=False)):
        ET.SubElement(cats, "category", {"symbol": str(k), "value": str(value), "render": "true",
                                         "label": str(value)})
        sym = copy.deepcopy(template)
        sym.set("name", str(k))
        rgba = ",".join(map(str, hex_to_rgb(colour))) + ",255"
        for node in sym.iter():
            if node.get("name") == "outline_color":
                node.set("value", rgba)
            elif node.get("k") == "outline_color":
                node.set("v", rgba)
        symbols.append(sym)
    return doctype + "\n" + ET.tostring(root, encoding="unicode") + "\n"
