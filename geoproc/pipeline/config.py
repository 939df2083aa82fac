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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoproc.errors import GeoprocInputError
from geoproc.pipeline.kinds._base import Opt
from geoproc.pipeline.kinds.registry import KINDS

__all__ = ["KINDS", "Pipeline", "Step", "load_pipeline", "parse_pipeline"]

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
    title = _parse_meta(data.get("pipeline", {}), pr)
    outputs = _parse_outputs(data.get("outputs") or {}, pr)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, dict) or not raw_steps:
        pr.add(("steps",), "no steps: add at least one [steps.<name>] table with a kind")
        pr.raise_if_any()
    steps: dict[str, Step] = {}
    for name, body in raw_steps.items():
        st = _parse_step(name, body, pr, base)
        if st is not None:
            steps[name] = st
    _check_refs(steps, pr)
    for st in steps.values():
        KINDS[st.kind].check(st, steps, lambda key, msg, st=st: pr.add(("steps", st.name, *key), msg), base)
        _check_file_option(st, pr)
    _check_unique_outputs(steps, outputs, pr)
    # columns of every step whose own options and references are sound, so that one
    # run of validation lists every problem
    columns = _check_columns(steps, pr, skip=set(pr.steps), cache=column_cache or {})
    pr.raise_if_any()
    ordered = _order(steps, pr)
    pr.raise_if_any()
    return Pipeline(Path(path) if path is not None else None, title, ordered, outputs, text, columns)


def _parse_meta(meta: Any, pr: _Problems) -> str:
    """The ``[pipeline]`` table: its title."""
    title = "geoproc pipeline"
    if isinstance(meta, dict):
        for k, v in meta.items():
            if k == "title" and isinstance(v, str):
                title = v
            elif k == "title":
                pr.add(("pipeline", k), "title must be a string")
            else:
                pr.add(("pipeline", k), f"unknown key {k!r} in [pipeline] (only title)")
    return title


def _parse_outputs(given: dict, pr: _Problems) -> dict[str, str]:
    """The ``[outputs]`` table over the default names."""
    outputs = dict(_OUTPUTS)
    for k, v in given.items():
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
    return outputs


def _parse_step(name: str, body: Any, pr: _Problems, base: Path) -> Step | None:
    """One ``[steps.<name>]`` table against its kind's options (None if it has no known kind)."""
    key = ("steps", name)
    if not _NAME.match(name):
        pr.add(key, f"step name {name!r}: use letters, digits and _ (starting with a letter)")
    if not isinstance(body, dict):
        pr.add(key, f"steps.{name} must be a table with a kind")
        return None
    kind = body.get("kind")
    if kind not in KINDS:
        pr.add(key + ("kind",), f"step {name}: kind {kind!r} unknown; one of {', '.join(KINDS)}"
               if kind is not None else f"step {name}: no kind given; one of {', '.join(KINDS)}")
        return None
    spec = KINDS[kind].options
    opts: dict[str, Any] = {}
    for k, v in body.items():
        if k == "kind":
            continue
        if k not in spec:
            pr.add(key + (k,), f"step {name} ({kind}): unknown option {k!r}; options: {', '.join(spec)}")
            continue
        msg, v = _option_value(spec[k], k, v, base)
        if msg:
            pr.add(key + (k,), f"step {name}: {msg}")
        else:
            opts[k] = v
    for k, o in spec.items():
        if k not in opts and k not in body:
            if o.required:
                pr.add(key, f"step {name} ({kind}): required option {k!r} is missing")
            opts[k] = o.default
    return Step(name, kind, opts, pr.line(*key))


def _option_value(o: Opt, k: str, v: Any, base: Path) -> tuple[str | None, Any]:
    """``(problem, value)``: the value checked against its :class:`Opt` (a path resolved)."""
    vals = v if (o.many and isinstance(v, list)) else [v]
    if not all(_type_ok(x, o.types) for x in vals):
        return f"{k} must be {_type_name(o.types)}{' or a list of them' if o.many else ''}, got {v!r}", v
    if o.choices and v not in o.choices:
        return f"{k} = {v!r} is not one of {', '.join(map(str, o.choices))}", v
    if o.many:
        v = list(vals)
    if o.check is not None:
        msg = o.check(v)
        if msg:
            return f"{k} {msg}", v
    if o.path:
        p = resolve_path(v, base)
        if not p.is_file():
            return f"{k}: file {p} not found", v
        v = str(p)
    return None, v


def _check_refs(steps: dict[str, Step], pr: _Problems) -> None:
    for st in steps.values():
        for k, o in KINDS[st.kind].options.items():
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


def _check_file_option(st: Step, pr: _Problems) -> None:
    """A step's own output file stays inside the output folder."""
    v = st.options.get("file")
    if v is not None and (Path(v).is_absolute() or ".." in Path(v).parts):
        pr.add(("steps", st.name, "file"), f"step {st.name}: file must stay inside the output folder, got {v!r}")


def _check_columns(steps: dict[str, Step], pr: _Problems, skip: set[str] = frozenset(),
                   cache: dict[str, dict] | None = None) -> dict[str, dict]:
    """Columns and years that steps name must exist in their panel (file headers and the
    indicator columns added on the way), so a typo stops the run before minutes of work.
    Steps in ``skip`` (with problems of their own already reported: a bad option, a
    reference to a missing step) are not checked, nor are steps using them.

    Returns the columns and years of each panel file read or found in ``cache``, keyed
    by its content hash and read options (a rerun's validation then reads no panel)."""
    import difflib

    panels = _PanelColumns(steps, pr, skip, cache or {})
    for st in steps.values():
        if st.name in skip:
            continue
        kind = KINDS[st.kind]
        for key, cols, panel in kind.column_checks(st):
            info = panels.info(panel)
            for c in cols if info is not None else ():
                if c not in info[0]:
                    near = difflib.get_close_matches(c, sorted(info[0]), n=1)
                    hint = f"; did you mean {near[0]!r}?" if near else ""
                    pr.add(("steps", st.name, key), f"step {st.name}: {key}: column {c!r} is not in "
                           f"panel {panel}{hint}")
        for key, years, panel in kind.year_checks(st):
            info = panels.info(panel)
            absent = [y for y in years if info is not None and info[1] is not None and y not in info[1]]
            if absent:
                pr.add(("steps", st.name, key), f"step {st.name}: {key} {', '.join(map(str, absent))} is not "
                       f"in panel {panel} (years {min(info[1])}-{max(info[1])})")
    return panels.found


class _PanelColumns:
    """Columns and years of each panel step: a panel file's header (or the cache's record
    of it), plus the columns indicator steps add on the way."""

    def __init__(self, steps: dict[str, Step], pr: _Problems, skip: set[str], cache: dict[str, dict]) -> None:
        self.steps, self.pr, self.skip, self.cache = steps, pr, skip, cache
        self.found: dict[str, dict] = {}
        self.memo: dict[str, tuple[set, set | None] | None] = {}

    def info(self, name: str) -> tuple[set, set | None] | None:
        if name in self.memo:
            return self.memo[name]
        self.memo[name] = None  # a cycle (reported by _order) ends here
        if name in self.skip or name not in self.steps:
            return None
        st = self.steps[name]
        info = None
        if st.kind == "panel":
            info = self.read(st)
        else:
            new = KINDS[st.kind].new_column(st.options)
            parent = self.info(st.options["panel"]) if new is not None else None
            if parent is not None:
                info = (parent[0] | {new}, parent[1])
        self.memo[name] = info
        return info

    def read(self, st: Step) -> tuple[set, set | None] | None:
        from geoproc.pipeline.hashing import digest, file_hash

        o = st.options
        ckey = digest({"file": file_hash(o["path"]), "sheet": o["sheet"], "id": o["id"], "year": o["year"]})
        hit = self.cache.get(ckey)
        if isinstance(hit, dict) and isinstance(hit.get("columns"), list):
            self.found[ckey] = hit
            years = hit.get("years")
            return set(hit["columns"]) | {f"{o['id']}_name"}, None if years is None else set(years)
        from geoproc.panel import checks, read_table

        try:
            df = read_table(o["path"], sheet=o["sheet"])
        except Exception as exc:  # any unreadable table is a problem to report with the rest
            self.pr.add(("steps", st.name, "path"), f"step {st.name}: cannot read {o['path']}: {exc}")
            return None
        import pandas as pd

        yr = o["year"]
        if yr not in df.columns or o["id"] not in df.columns:
            miss = [c for c in (o["id"], yr) if c not in df.columns]
            # the library's wording (geoproc.panel.checks), collected with the other problems
            self.pr.add(("steps", st.name, "path"), f"step {st.name}: {checks.columns_error(df, miss, 'the panel')} "
                        "(set id/year to its column names)")
            years = None
        else:
            years = set(pd.to_numeric(df[yr], errors="coerce").dropna().astype(int))
            self.found[ckey] = {"file": Path(o["path"]).name, "columns": sorted(map(str, df.columns)),
                                "years": sorted(int(y) for y in years)}
        return set(map(str, df.columns)) | {f"{o['id']}_name"}, years


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
