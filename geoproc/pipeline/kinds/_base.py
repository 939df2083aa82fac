"""What every step kind is made of: its options (:class:`Opt`), its :class:`StepKind`
(validation, columns, files, ``run``, report section) and what a run passes around
(:class:`Context`, :class:`StepOutput`).

A kind module (``geoproc/pipeline/kinds/<kind>.py``) defines one ``StepKind`` subclass
and an instance ``KIND``; :mod:`geoproc.pipeline.kinds.registry` collects them. Config,
runner, final outputs and report only iterate over the registry.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geoproc.formatting import PERMUTATIONS, json_safe

if TYPE_CHECKING:
    from geoproc.panel import Panel
    from geoproc.pipeline.config import Step

__all__ = ["Context", "Layer", "Opt", "Raster", "StepKind", "StepOutput"]


# --- options -------------------------------------------------------------------------
@dataclass(frozen=True)
class Opt:
    """One option of a step kind."""

    types: tuple[type, ...]
    required: bool = False
    default: Any = None
    ref: tuple[str, ...] = ()  # kinds of the steps this option may name
    choices: tuple = ()
    path: bool = False  # an input file, resolved against the TOML's folder and hashed
    check: Callable[[Any], str | None] | None = None
    many: bool = False  # a list of the above (of refs or of strings)


def positive(v: Any) -> str | None:
    """An :attr:`Opt.check`: None if ``v > 0``, else the problem."""
    return None if v > 0 else f"must be > 0, got {v}"


def non_negative(v: Any) -> str | None:
    """An :attr:`Opt.check`: None if ``v >= 0``, else the problem."""
    return None if v >= 0 else f"must be >= 0, got {v}"


def probability(v: Any) -> str | None:
    """An :attr:`Opt.check`: None if ``0 < v < 1``, else the problem."""
    return None if 0 < v < 1 else f"must be between 0 and 1, got {v}"


def min_two(v: Any) -> str | None:
    """An :attr:`Opt.check`: None if the list has at least two entries, else the problem."""
    return None if len(v) >= 2 else f"needs at least 2 columns, got {len(v)}"


STR, INT, NUM, BOOL = (str,), (int,), (int, float), (bool,)
LAYER = Opt(STR)
PANELS = ("panel", "agglomeration", "location_quotient", "pca", "entropy")
REGIONS = ("boundaries",)
PERM = Opt(INT, default=PERMUTATIONS, check=non_negative)
SEED = Opt(INT, default=None)
ISLANDS = Opt(STR, default="raise", choices=("raise", "keep", "drop"))


# --- what a run passes around ----------------------------------------------------------
@dataclass
class Layer:
    """A vector result for the GeoPackage, with the style QGIS should show it in."""

    gdf: Any
    style: str


@dataclass
class Raster:
    """A raster file of the output folder with its QML (both relative to the folder)."""

    path: str
    qml: str


@dataclass
class StepOutput:
    """What a step produced: the value later steps use, its files, layers and report entry.

    ``id`` is the region id column of ``value`` when it is a table of regions (a
    boundaries, LISA, hot-spot, density or join result), so that nothing downstream
    guesses it.
    """

    value: Any
    files: list[str] = field(default_factory=list)  # relative to the output folder
    layers: dict[str, Layer] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    rasters: dict[str, Raster] = field(default_factory=dict)


@dataclass
class Context:
    """The output folder, the steps and the outputs of the steps run (or cached) so far.

    ``outputs`` maps a step name to its :class:`StepOutput` (a mapping that may load a
    skipped step's output from the run's cache on first use).
    """

    outdir: Path
    outputs: Any
    steps: dict[str, Step]

    def get(self, name: str) -> Any:
        """The value of step ``name``: a GeoDataFrame for boundaries, a
        :class:`geoproc.panel.Panel` for panel and indicator steps, a ``SpatialWeights`` for weights, ..."""
        return self.outputs[name].value

    def regions_id(self, name: str) -> str | None:
        """The region id column of step ``name``'s output (None if it has none)."""
        return self.outputs[name].id


# --- helpers the kinds share -----------------------------------------------------------
def records(df: Any) -> list[dict]:
    """Rows of a frame as JSON-safe dicts."""
    return [json_safe(r) for r in df.astype(object).to_dict(orient="records")]


def region_rows(gdf: Any, id: str | None, cols: list[str]) -> list[dict]:
    """The id, names and ``cols`` of each region."""
    keep = [c for c in [id, "name_zh", "name_en", *cols] if c is not None and c in gdf.columns]
    return records(gdf[keep])


def panel_source(frame: Any) -> str | None:
    """The values of a ``source`` column ("synthetic", ...), joined; None without one."""
    if "source" in getattr(frame, "columns", ()):
        vals = sorted(set(map(str, frame["source"].dropna().unique())))
        return ", ".join(vals) or None
    return None


def with_provenance(gdf: Any, panel: Panel, year: int) -> Any:
    """Add ``data_source`` (the panel's ``source`` column that year, e.g. "synthetic") so a
    layer made from simulated data says so wherever it is opened."""
    src = panel_source(panel.frame[panel.frame[panel.year] == year])
    return gdf.assign(data_source=src) if src else gdf


# --- report helpers (HTML) --------------------------------------------------------------
def esc(v: Any) -> str:
    """HTML-escaped text (None as empty)."""
    return html.escape("" if v is None else str(v))


def fmt(v: Any, digits: int = 4) -> str:
    """A number for reading: ``digits`` decimals, or significant digits if tiny or huge."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != 0 and (abs(v) < 10 ** -digits or abs(v) >= 1e7):
            return f"{v:.{digits}g}"
        return f"{v:.{digits}f}"
    return esc(v)


def table(rows: list[dict], columns: list[str] | None = None, digits: int = 4) -> str:
    """An HTML table of ``rows`` (text left, numbers right); "(none)" if empty."""
    if not rows:
        return "<p class='note'>(none)</p>"
    cols = columns or list(rows[0])
    head = "".join(f"<th class='t'>{esc(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cls = " class='t'" if isinstance(v, str) or v is None else ""
            cells.append(f"<td{cls}>{fmt(v, digits)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def items_table(rep: dict, join: str | None = None) -> str:
    """A report entry as an item/value table (lists as JSON, or joined with ``join``)."""
    rows = []
    for k, v in rep.items():
        if k in ("options", "kind"):
            continue
        if isinstance(v, list):
            v = json.dumps(v, ensure_ascii=False) if join is None else join.join(map(str, v))
        rows.append({"item": k, "value": v})
    return table(rows)


def notes_html(notes: list[str]) -> list[str]:
    """Each note as an HTML paragraph."""
    return [f"<p class='note'>{esc(n)}</p>" for n in notes]


# --- the kind ---------------------------------------------------------------------------
class StepKind:
    """One pipeline step kind: everything config, runner, outputs and report need of it.

    Subclasses set the class attributes and override :meth:`run` (and whichever hooks
    they need); a new kind is one module with one subclass and ``KIND = ...``.

    Attributes
    ----------
    name : str
        The ``kind = "..."`` of the TOML.
    options : dict of str -> Opt
        The options schema (defaults filled in by validation).
    section : str
        The report section the kind's steps appear under.
    column_options : tuple of str
        Options naming columns of the panel its ``panel`` option names (checked before
        anything runs).
    year_option : bool
        Its ``year`` option must be a year of its ``panel``.
    suffix : str or None
        The suffix of the one file it writes (``<step>.<suffix>`` unless ``file`` is given).
    rasters : bool
        Its outputs carry rasters for the QGIS project.
    """

    name: str = ""
    options: dict[str, Opt] = {}
    section: str = "Other steps"
    column_options: tuple[str, ...] = ()
    year_option: bool = False
    suffix: str | None = None
    rasters: bool = False

    # --- validation ---
    def check(self, step: Step, steps: dict[str, Step], add: Callable[[tuple, str], None], base: Path) -> None:
        """Checks across options; ``add(key, message)`` reports a problem at ``key``."""

    def new_column(self, options: dict[str, Any]) -> str | None:
        """The column this kind adds to its panel (indicator kinds), else None."""
        return None

    def column_checks(self, step: Step) -> list[tuple[str, list[str], str]]:
        """``(option, columns, panel step)`` of each option naming panel columns."""
        o = step.options
        out = []
        for key in self.column_options:
            v = o.get(key)
            if v is not None:
                out.append((key, v if isinstance(v, list) else [v], o["panel"]))
        return out

    def year_checks(self, step: Step) -> list[tuple[str, list[int], str]]:
        """``(option, years, panel step)`` of each option naming panel years."""
        o = step.options
        if self.year_option and o.get("year") is not None:
            return [("year", [o["year"]], o["panel"])]
        return []

    # --- files ---
    def input_files(self, step: Step) -> list[str]:
        """Input sources (files or folders) whose content enters the step's key."""
        return [step.options[k] for k, o in self.options.items() if o.path and step.options.get(k)]

    def planned_files(self, step: Step) -> list[str]:
        """The files (relative to the output folder) the step writes."""
        if self.suffix is None:
            return []
        return [step.options.get("file") or f"{step.name}{self.suffix}"]

    # --- running ---
    def run(self, ctx: Context, step: Step) -> StepOutput:
        """Compute the step with the library; write its files under ``ctx.outdir``."""
        raise NotImplementedError

    # --- report ---
    def report_html(self, name: str, step: Step, rep: dict, out: StepOutput, ctx: Context) -> list[str]:
        """The HTML of the step's report section below its heading."""
        return [items_table(rep)]
