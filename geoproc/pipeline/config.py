"""Load and validate a pipeline TOML file, all of it, before anything is computed.

A pipeline is a table of named steps, ``[steps.<name>]``, each with a ``kind`` and its
options (see ``docs/pipeline.md``), plus an optional ``[pipeline]`` table (title) and
``[outputs]`` table (GeoPackage, report, QGIS project names). Steps refer to earlier
results by name (``regions = "yrd"``); the runner orders them by these references.

Every problem is collected, with the line of the offending key, and raised at once in
one :class:`~geoproc.errors.GeoprocInputError`. ``tomllib`` gives no positions, so the
lines are found by scanning the source text for table headers and keys.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoproc.errors import GeoprocInputError

__all__ = ["KINDS", "Pipeline", "Step", "load_pipeline", "parse_pipeline"]

SHIPPED_BOUNDARIES = ("china_provinces", "yrd_cities")
# which shipped QML each step kind's layer gets (None: a plain style written by geoproc)
_STYLES = ("lisa_clusters", "getis_ord_hotspots", "park_density", "location_quotient",
           "agglomeration", "weight_links", "outline", "points")


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


def _positive(v: Any) -> str | None:
    return None if v > 0 else f"must be > 0, got {v}"


def _non_negative(v: Any) -> str | None:
    return None if v >= 0 else f"must be >= 0, got {v}"


def _probability(v: Any) -> str | None:
    return None if 0 < v < 1 else f"must be between 0 and 1, got {v}"


def _min_two(v: Any) -> str | None:
    return None if len(v) >= 2 else f"needs at least 2 columns, got {len(v)}"


_STR, _INT, _NUM, _BOOL = (str,), (int,), (int, float), (bool,)
_LAYER = Opt(_STR)
_PANELS = ("panel", "agglomeration", "location_quotient", "pca", "entropy")
_REGIONS = ("boundaries",)
_PERM = Opt(_INT, default=999, check=_non_negative)
_SEED = Opt(_INT, default=None)

#: step kind -> option name -> Opt
KINDS: dict[str, dict[str, Opt]] = {
    "boundaries": {"source": Opt(_STR, required=True), "id": Opt(_STR, default="code"),
                   "source_layer": Opt(_STR), "layer": _LAYER},
    "centroids": {"regions": Opt(_STR, True, ref=_REGIONS),
                  "how": Opt(_STR, default="area", choices=("area", "representative", "largest")), "layer": _LAYER},
    "distances": {"regions": Opt(_STR, True, ref=_REGIONS + ("centroids",)),
                  "method": Opt(_STR, default="geodesic", choices=("geodesic", "haversine")),
                  "file": Opt(_STR)},
    "panel": {"path": Opt(_STR, True, path=True), "id": Opt(_STR, default="code"),
              "year": Opt(_STR, default="year"), "regions": Opt(_STR, ref=_REGIONS),
              "sheet": Opt(_STR + _INT, default=0)},
    "points": {"path": Opt(_STR, True, path=True), "lon": Opt(_STR, default="lon"),
               "lat": Opt(_STR, default="lat"),
               "datum": Opt(_STR, default="wgs84", choices=("wgs84", "gcj02", "bd09")), "layer": _LAYER},
    "weights": {"spec": Opt(_STR, True), "regions": Opt(_STR, True, ref=_REGIONS),
                "data": Opt(_STR, ref=_PANELS), "row_standardize": Opt(_BOOL, default=False),
                "islands": Opt(_STR, default="warn", choices=("warn", "nearest", "keep")),
                "centroid": Opt(_STR, default="area", choices=("area", "representative", "largest")),
                "method": Opt(_STR, default="geodesic", choices=("geodesic", "haversine")),
                "year": Opt(_INT, many=True),
                "file": Opt(_STR), "layer": _LAYER},
    "agglomeration": {"panel": Opt(_STR, True, ref=_PANELS), "value": Opt(_STR, True), "name": Opt(_STR)},
    "location_quotient": {"panel": Opt(_STR, True, ref=_PANELS), "sector": Opt(_STR, True),
                          "total": Opt(_STR, True), "name": Opt(_STR)},
    "pca": {"panel": Opt(_STR, True, ref=_PANELS), "indicators": Opt(_STR, True, many=True, check=_min_two),
            "method": Opt(_STR, default="first", choices=("first", "weighted")),
            "keep": Opt(_STR + _NUM, default="kaiser"),
            "by": Opt(_STR, default="pooled", choices=("pooled", "year")), "name": Opt(_STR)},
    "entropy": {"panel": Opt(_STR, True, ref=_PANELS),
                "indicators": Opt(_STR, True, many=True, check=_min_two),
                "directions": Opt(_STR + _INT, many=True),
                "by": Opt(_STR, default="pooled", choices=("pooled", "year")), "name": Opt(_STR)},
    "moran": {"panel": Opt(_STR, True, ref=_PANELS), "weights": Opt(_STR, True, ref=("weights",), many=True),
              "variables": Opt(_STR, True, many=True), "permutations": _PERM, "seed": _SEED,
              "inference": Opt(_STR, default="norm", choices=("norm", "rand", "sim")),
              "islands": Opt(_STR, default="raise", choices=("raise", "keep", "drop"))},
    "lisa": {"regions": Opt(_STR, True, ref=_REGIONS), "panel": Opt(_STR, True, ref=_PANELS),
             "weights": Opt(_STR, True, ref=("weights",)), "variable": Opt(_STR, True),
             "year": Opt(_INT, True), "permutations": _PERM, "seed": _SEED,
             "alpha": Opt(_NUM, default=0.05, check=_probability), "fdr": Opt(_BOOL, default=False),
             "islands": Opt(_STR, default="raise", choices=("raise", "keep", "drop")), "layer": _LAYER},
    "hotspots": {"regions": Opt(_STR, True, ref=_REGIONS), "panel": Opt(_STR, True, ref=_PANELS),
                 "weights": Opt(_STR, True, ref=("weights",)), "variable": Opt(_STR, True),
                 "year": Opt(_INT, True), "permutations": _PERM, "seed": _SEED,
                 "inference": Opt(_STR, choices=("sim", "norm")),
                 "islands": Opt(_STR, default="raise", choices=("raise", "keep", "drop")), "layer": _LAYER},
    "density": {"points": Opt(_STR, True, ref=("points",)), "regions": Opt(_STR, True, ref=_REGIONS),
                "per_capita": Opt(_STR), "layer": _LAYER},
    "kde": {"points": Opt(_STR, True, ref=("points",)), "radius": Opt(_NUM, check=_positive),
            "pixel_size": Opt(_NUM, default=1000.0, check=_positive),
            "kernel": Opt(_STR, default="quartic",
                          choices=("quartic", "triangular", "uniform", "epanechnikov", "triweight", "gaussian")),
            "output": Opt(_STR, default="raw", choices=("raw", "scaled", "density")),
            "weight": Opt(_STR), "crs": Opt(_STR + _INT), "file": Opt(_STR)},
    "sdm": {"panel": Opt(_STR, True, ref=_PANELS), "weights": Opt(_STR, True, ref=("weights",)),
            "y": Opt(_STR, True), "x": Opt(_STR, True, many=True),
            "effects": Opt(_STR, default="twoway", choices=("twoway", "region", "time", "none")),
            "model": Opt(_STR, default="sdm", choices=("sdm", "sar", "sem", "slx")),
            "draws": Opt(_INT, default=1000, check=_non_negative), "seed": _SEED,
            "lee_yu": Opt(_BOOL, default=False), "tests": Opt(_BOOL, default=True)},
    "join": {"regions": Opt(_STR, True, ref=_REGIONS), "panel": Opt(_STR, True, ref=_PANELS),
             "year": Opt(_INT, True), "columns": Opt(_STR, True, many=True),
             "style": Opt(_STR, choices=_STYLES), "layer": _LAYER},
    "map": {"type": Opt(_STR, True, choices=("lisa", "hotspot", "choropleth", "points", "raster", "links")),
            "source": Opt(_STR, ref=("lisa", "hotspots", "join", "density", "kde", "points")),
            "regions": Opt(_STR, ref=_REGIONS + ("density", "join", "lisa", "hotspots")),
            "weights": Opt(_STR, ref=("weights",)), "column": Opt(_STR),
            "scheme": Opt(_STR, choices=("lq", "agglomeration", "density")),
            "title": Opt(_STR), "offline": Opt(_BOOL, default=True), "file": Opt(_STR)},
}

# what each map type needs, checked with the rest
_MAP_NEEDS = {"lisa": ("source",), "hotspot": ("source",), "choropleth": ("source",),
              "points": ("source",), "raster": ("source",), "links": ("regions", "weights")}
_MAP_SOURCE = {"lisa": ("lisa",), "hotspot": ("hotspots",), "choropleth": ("join", "density"),
               "points": ("points",), "raster": ("kde",)}

_OUTPUTS = {"geopackage": "results.gpkg", "report": "report", "project": "project.qgz"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass
class Step:
    """One validated step: its name, kind, options (defaults filled in) and line."""

    name: str
    kind: str
    options: dict[str, Any]
    line: int
    deps: list[str] = field(default_factory=list)


@dataclass
class Pipeline:
    """A validated pipeline, its steps in a runnable order."""

    path: Path | None
    title: str
    steps: dict[str, Step]
    outputs: dict[str, str]
    source_text: str
    #: each panel file's columns and years, keyed by its content hash and read options
    #: (the runner keeps them in ``.geoproc/state.json`` for the next validation)
    columns: dict[str, dict] = field(default_factory=dict)

    @property
    def order(self) -> list[str]:
        return list(self.steps)


# --- where each key is in the source ------------------------------------------------
def _split_key(text: str) -> tuple[str, ...]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', text)
    return tuple(a or b or c for a, b, c in parts)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each table header and key path to its (first) line number in ``text``."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    depth = 0  # bracket depth inside a multi-line array value
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.split("#", 1)[0].strip() if '"' not in raw and "'" not in raw else raw.strip()
        if not s or s.startswith("#"):
            continue
        if depth > 0:
            depth += s.count("[") - s.count("]")
            continue
        m = re.match(r"^\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$", s)
        if m:
            table = _split_key(m.group(1))
            lines.setdefault(table, no)
            continue
        m = re.match(r"^((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=(.*)$", s)
        if m:
            key = table + _split_key(m.group(1))
            lines.setdefault(key, no)
            value = m.group(2)
            depth = max(0, value.count("[") - value.count("]"))
    return lines


class _Problems:
    def __init__(self, text: str, where: str) -> None:
        self.lines = key_lines(text)
        self.where = where
        self.items: list[tuple[int, str]] = []
        self.steps: set[str] = set()  # steps with a problem of their own


    def line(self, *key: str) -> int:
        for n in range(len(key), 0, -1):
            if key[:n] in self.lines:
                return self.lines[key[:n]]
        return 0

    def add(self, key: tuple[str, ...], message: str) -> None:
        self.items.append((self.line(*key), message))
        if len(key) > 1 and key[0] == "steps":
            self.steps.add(key[1])

    def raise_if_any(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda t: t[0])
        body = "\n".join(f"  {self.where}:{ln}: {msg}" if ln else f"  {self.where}: {msg}" for ln, msg in self.items)
        raise GeoprocInputError(f"{len(self.items)} problem(s) in the pipeline {self.where}:\n{body}")


def _type_ok(v: Any, types: tuple[type, ...]) -> bool:
    if isinstance(v, bool) and bool not in types:
        return False
    return isinstance(v, types)


def _type_name(types: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    return " or ".join(dict.fromkeys(names[t] for t in types if not (t is int and float in types)))


def resolve_path(value: str, base: Path) -> Path:
    """``{data}`` is geoproc's shipped data folder; relative paths are against ``base``."""
    if "{data}" in value:
        from geoproc._paths import data_dir

        value = value.replace("{data}", str(data_dir()))
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else base / p


def parse_pipeline(text: str, path: str | os.PathLike | None = None,
                   column_cache: dict[str, dict] | None = None) -> Pipeline:
    """Validate the TOML ``text`` (from ``path``, used for messages and relative paths).

    Parameters
    ----------
    text : str
        The pipeline TOML.
    path : path, optional
        Where it comes from.
    column_cache : dict, optional
        Panel columns and years recorded by an earlier run
        (:func:`geoproc.pipeline.runner.column_cache`): a panel file whose content hash
        is in it is not read again.

    Returns
    -------
    Pipeline

    Raises
    ------
    GeoprocInputError
        Listing every problem found, each with its line.
    """
    where = str(path) if path is not None else "<pipeline>"
    base = Path(path).resolve().parent if path is not None else Path.cwd()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GeoprocInputError(f"pipeline {where} is not valid TOML: {exc}") from None
    pr = _Problems(text, where)
    for top in data:
        if top not in ("pipeline", "steps", "outputs"):
            pr.add((top,), f"unknown table [{top}] (expected [pipeline], [steps.<name>] and [outputs])")
    meta = data.get("pipeline", {})
    title = "geoproc pipeline"
    if isinstance(meta, dict):
        for k, v in meta.items():
            if k == "title" and isinstance(v, str):
                title = v
            elif k == "title":
                pr.add(("pipeline", k), "title must be a string")
            else:
                pr.add(("pipeline", k), f"unknown key {k!r} in [pipeline] (only title)")
    outputs = dict(_OUTPUTS)
    for k, v in (data.get("outputs") or {}).items():
        if k not in _OUTPUTS:
            pr.add(("outputs", k), f"unknown output {k!r} (expected {', '.join(_OUTPUTS)})")
        elif not isinstance(v, str) or not v or Path(v).is_absolute() or ".." in Path(v).parts:
            pr.add(("outputs", k), f"outputs.{k} must be a file name inside the output folder, got {v!r}")
        else:
            outputs[k] = v
    if not outputs["geopackage"].endswith(".gpkg"):
        pr.add(("outputs", "geopackage"), "outputs.geopackage must end in .gpkg")
    if not outputs["project"].endswith((".qgz", ".qgs")):
        pr.add(("outputs", "project"), "outputs.project must end in .qgz or .qgs")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, dict) or not raw_steps:
        pr.add(("steps",), "no steps: add at least one [steps.<name>] table with a kind")
        pr.raise_if_any()
    steps: dict[str, Step] = {}
    for name, body in raw_steps.items():
        key = ("steps", name)
        if not _NAME.match(name):
            pr.add(key, f"step name {name!r}: use letters, digits and _ (starting with a letter)")
        if not isinstance(body, dict):
            pr.add(key, f"steps.{name} must be a table with a kind")
            continue
        kind = body.get("kind")
        if kind not in KINDS:
            pr.add(key + ("kind",), f"step {name}: kind {kind!r} unknown; one of {', '.join(KINDS)}"
                   if kind is not None else f"step {name}: no kind given; one of {', '.join(KINDS)}")
            continue
        spec = KINDS[kind]
        opts: dict[str, Any] = {}
        for k, v in body.items():
            if k == "kind":
                continue
            if k not in spec:
                pr.add(key + (k,), f"step {name} ({kind}): unknown option {k!r}; options: {', '.join(spec)}")
                continue
            o = spec[k]
            vals = v if (o.many and isinstance(v, list)) else [v]
            if not all(_type_ok(x, o.types) for x in vals):
                pr.add(key + (k,), f"step {name}: {k} must be {_type_name(o.types)}"
                       f"{' or a list of them' if o.many else ''}, got {v!r}")
                continue
            if o.choices and v not in o.choices:
                pr.add(key + (k,), f"step {name}: {k} = {v!r} is not one of {', '.join(map(str, o.choices))}")
                continue
            if o.many:
                v = list(vals)
            if o.check is not None:
                msg = o.check(v)
                if msg:
                    pr.add(key + (k,), f"step {name}: {k} {msg}")
                    continue
            if o.path:
                p = resolve_path(v, base)
                if not p.is_file():
                    pr.add(key + (k,), f"step {name}: {k}: file {p} not found")
                    continue
                v = str(p)
            opts[k] = v
        for k, o in spec.items():
            if k not in opts and k not in body:
                if o.required:
                    pr.add(key, f"step {name} ({kind}): required option {k!r} is missing")
                opts[k] = o.default
        steps[name] = Step(name, kind, opts, pr.line(*key))
    _check_refs(steps, pr)
    _check_kinds(steps, pr, base)
    _check_unique_outputs(steps, outputs, pr)
    # columns of every step whose own options and references are sound, so that one
    # run of validation lists every problem
    columns = _check_columns(steps, pr, skip=set(pr.steps), cache=column_cache or {})
    pr.raise_if_any()
    ordered = _order(steps, pr)
    pr.raise_if_any()
    return Pipeline(Path(path) if path is not None else None, title, ordered, outputs, text, columns)


def _check_refs(steps: dict[str, Step], pr: _Problems) -> None:
    for st in steps.values():
        for k, o in KINDS[st.kind].items():
            v = st.options.get(k)
            if not o.ref or v is None:
                continue
            for ref in v if isinstance(v, list) else [v]:
                key = ("steps", st.name, k)
                if ref == st.name:
                    pr.add(key, f"step {st.name}: {k} names the step itself")
                elif ref not in steps:
                    pr.add(key, f"step {st.name}: {k} = {ref!r} is not a step of this pipeline")
                elif steps[ref].kind not in o.ref:
                    pr.add(key, f"step {st.name}: {k} = {ref!r} is a {steps[ref].kind} step; "
                           f"expected {' or '.join(o.ref)}")
                elif ref not in st.deps:
                    st.deps.append(ref)


def _check_kinds(steps: dict[str, Step], pr: _Problems, base: Path) -> None:
    """Checks that depend on more than one option or on the kind."""
    for st in steps.values():
        o, key = st.options, ("steps", st.name)
        if st.kind == "boundaries" and o["source"] is not None and o["source"] not in SHIPPED_BOUNDARIES:
            p = resolve_path(o["source"], base)
            if not p.exists():
                pr.add(key + ("source",), f"step {st.name}: source {o['source']!r} is neither a shipped "
                       f"boundary set ({', '.join(SHIPPED_BOUNDARIES)}) nor an existing file")
            else:
                o["source"] = str(p)
        if st.kind == "weights" and o["spec"] is not None:
            spec = o["spec"]
            if spec.startswith(("gravity:", "nested:")) and not o["data"]:
                pr.add(key + ("spec",), f"step {st.name}: spec {spec!r} needs data = <a panel step>")
            kinds = ("queen", "rook", "knn:", "inverse-distance", "gravity:", "nested:")
            if not spec.startswith(kinds):
                p = resolve_path(spec, base)
                if p.suffix.lower() not in (".csv", ".gal", ".gwt") or not p.is_file():
                    pr.add(key + ("spec",), f"step {st.name}: spec {spec!r} is neither a weights kind "
                           "(queen, rook, knn:K, inverse-distance[:P[:KM]], gravity:COL, nested:COL) "
                           "nor an existing .csv/.gal/.gwt file")
                else:
                    o["spec"] = str(p)
        if st.kind == "map" and o["type"] in _MAP_NEEDS:
            for need in _MAP_NEEDS[o["type"]]:
                if o.get(need) is None:
                    pr.add(key + ("type",), f"step {st.name}: a {o['type']} map needs {need} = <step>")
            src = o.get("source")
            if src in steps and o["type"] in _MAP_SOURCE and steps[src].kind not in _MAP_SOURCE[o["type"]]:
                pr.add(key + ("source",), f"step {st.name}: a {o['type']} map shows a "
                       f"{' or '.join(_MAP_SOURCE[o['type']])} step, not {src!r} ({steps[src].kind})")
            if o["type"] == "choropleth" and (o.get("scheme") is None or o.get("column") is None):
                pr.add(key + ("type",), f"step {st.name}: a choropleth map needs column and scheme "
                       "(lq, agglomeration or density)")
        if st.kind == "kde" and o.get("crs") is not None:
            from pyproj import CRS
            from pyproj.exceptions import CRSError

            try:
                crs = CRS.from_user_input(o["crs"])
            except CRSError as exc:
                pr.add(key + ("crs",), f"step {st.name}: crs {o['crs']!r} is not a CRS pyproj knows ({exc})")
            else:
                if not crs.is_projected:
                    pr.add(key + ("crs",), f"step {st.name}: crs {o['crs']!r} is not projected "
                           "(the radius and pixel size are in metres)")
        if st.kind == "weights" and o.get("year") and not o.get("data"):
            pr.add(key + ("year",), f"step {st.name}: year picks the years of data; give data = <a panel step>")
        if st.kind == "entropy" and o.get("directions") is not None and o.get("indicators") is not None \
                and len(o["directions"]) != len(o["indicators"]):
            pr.add(key + ("directions",), f"step {st.name}: {len(o['directions'])} directions for "
                   f"{len(o['indicators'])} indicators")
        for k in ("file",):
            v = o.get(k)
            if v is not None and (Path(v).is_absolute() or ".." in Path(v).parts):
                pr.add(key + (k,), f"step {st.name}: file must stay inside the output folder, got {v!r}")


_NEW_COLUMN = {"agglomeration": lambda o: o["name"] or f"{o['value']}_agglomeration",
               "location_quotient": lambda o: o["name"] or f"{o['sector']}_lq",
               "pca": lambda o: o["name"] or "pca_index",
               "entropy": lambda o: o["name"] or "entropy_index"}
# options naming panel columns, per kind: (option, panel option)
_COLUMN_OPTIONS = {"agglomeration": ("value",), "location_quotient": ("sector", "total"),
                   "pca": ("indicators",), "entropy": ("indicators",), "moran": ("variables",),
                   "lisa": ("variable",), "hotspots": ("variable",), "sdm": ("y", "x"), "join": ("columns",)}


def _check_columns(steps: dict[str, Step], pr: _Problems, skip: set[str] = frozenset(),
                   cache: dict[str, dict] | None = None) -> dict[str, dict]:
    """Columns and years that steps name must exist in their panel (file headers and the
    indicator columns added on the way), so a typo stops the run before minutes of work.
    Steps in ``skip`` (with problems of their own already reported: a bad option, a
    reference to a missing step) are not checked, nor are steps using them.

    Returns the columns and years of each panel file read or found in ``cache``, keyed
    by its content hash and read options (a rerun's validation then reads no panel)."""
    import difflib

    from geoproc.pipeline.hashing import digest, file_hash

    cache = cache or {}
    found: dict[str, dict] = {}
    memo: dict[str, tuple[set, set] | None] = {}

    def read_panel_info(st: Step) -> tuple[set, set | None] | None:
        o = st.options
        ckey = digest({"file": file_hash(o["path"]), "sheet": o["sheet"], "id": o["id"], "year": o["year"]})
        hit = cache.get(ckey)
        if isinstance(hit, dict) and isinstance(hit.get("columns"), list):
            found[ckey] = hit
            years = hit.get("years")
            return set(hit["columns"]) | {f"{o['id']}_name"}, None if years is None else set(years)
        from geoproc.panel import read_table

        try:
            df = read_table(o["path"], sheet=o["sheet"])
        except Exception as exc:  # any unreadable table is a problem to report with the rest
            pr.add(("steps", st.name, "path"), f"step {st.name}: cannot read {o['path']}: {exc}")
            return None
        import pandas as pd

        yr = o["year"]
        if yr not in df.columns or o["id"] not in df.columns:
            miss = [c for c in (o["id"], yr) if c not in df.columns]
            pr.add(("steps", st.name, "path"), f"step {st.name}: the panel has no column "
                   f"{' or '.join(map(repr, miss))} (set id/year to its column names)")
            years = None
        else:
            years = set(pd.to_numeric(df[yr], errors="coerce").dropna().astype(int))
            found[ckey] = {"file": Path(o["path"]).name, "columns": sorted(map(str, df.columns)),
                           "years": sorted(int(y) for y in years)}
        return set(map(str, df.columns)) | {f"{o['id']}_name"}, years

    def panel_info(name: str) -> tuple[set, set] | None:
        if name in memo:
            return memo[name]
        memo[name] = None  # a cycle (reported by _order) ends here
        if name in skip or name not in steps:
            return None
        st = steps[name]
        info = None
        if st.kind == "panel":
            info = read_panel_info(st)
        elif st.kind in _NEW_COLUMN:
            parent = panel_info(st.options["panel"])
            if parent is not None:
                info = (parent[0] | {_NEW_COLUMN[st.kind](st.options)}, parent[1])
        memo[name] = info
        return info

    def check(st: Step, key: str, cols: list[str], panel: str) -> None:
        info = panel_info(panel)
        if info is None:
            return
        for c in cols:
            if c not in info[0]:
                near = difflib.get_close_matches(c, sorted(info[0]), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                pr.add(("steps", st.name, key), f"step {st.name}: {key}: column {c!r} is not in "
                       f"panel {panel}{hint}")

    for st in steps.values():
        if st.name in skip:
            continue
        o = st.options
        for key in _COLUMN_OPTIONS.get(st.kind, ()):
            v = o.get(key)
            if v is not None:
                check(st, key, v if isinstance(v, list) else [v], o["panel"])
        if st.kind in ("lisa", "hotspots", "join") and o.get("year") is not None:
            info = panel_info(o["panel"])
            if info is not None and info[1] is not None and o["year"] not in info[1]:
                pr.add(("steps", st.name, "year"), f"step {st.name}: year {o['year']} is not in panel "
                       f"{o['panel']} (years {min(info[1])}-{max(info[1])})")
        if st.kind == "weights" and o.get("data") and ":" in (o.get("spec") or ""):
            kind, _, col = o["spec"].partition(":")
            if kind in ("gravity", "nested"):
                check(st, "spec", [col], o["data"])
        if st.kind == "weights" and o.get("data") and o.get("year"):
            info = panel_info(o["data"])
            if info is not None and info[1] is not None:
                absent = [y for y in o["year"] if y not in info[1]]
                if absent:
                    pr.add(("steps", st.name, "year"), f"step {st.name}: year {', '.join(map(str, absent))} "
                           f"not in panel {o['data']} (years {min(info[1])}-{max(info[1])})")
    return found


def _check_unique_outputs(steps: dict[str, Step], outputs: dict[str, str], pr: _Problems) -> None:
    layers: dict[str, str] = {}
    for st in steps.values():
        lyr = st.options.get("layer")
        if lyr is None:
            continue
        if lyr in layers:
            pr.add(("steps", st.name, "layer"), f"step {st.name}: layer {lyr!r} is already written by "
                   f"step {layers[lyr]}")
        elif lyr.lower() == "layer_styles" or not _NAME.match(lyr):
            pr.add(("steps", st.name, "layer"), f"step {st.name}: layer name {lyr!r} is not allowed "
                   "(letters, digits, _; not layer_styles)")
        layers[lyr] = st.name


def _order(steps: dict[str, Step], pr: _Problems) -> dict[str, Step]:
    """Steps in file order, each moved after the steps it names (a stable topological sort)."""
    done: dict[str, Step] = {}
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = visiting[visiting.index(name):] + [name]
            pr.add(("steps", name), f"steps refer to each other in a cycle: {' -> '.join(cycle)}")
            return
        visiting.append(name)
        for d in steps[name].deps:
            visit(d)
        visiting.pop()
        done.setdefault(name, steps[name])

    for name in steps:
        visit(name)
    return done


def load_pipeline(path: str | os.PathLike, column_cache: dict[str, dict] | None = None) -> Pipeline:
    """Read and validate a pipeline TOML file (see :func:`parse_pipeline`)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"pipeline file {p} not found")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise GeoprocInputError(f"pipeline {p} is not UTF-8 text: {exc}") from None
    return parse_pipeline(text, p, column_cache)
