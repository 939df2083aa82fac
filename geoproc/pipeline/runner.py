"""Run a validated pipeline: order, content-hash caching, progress with each step's time.

Each step's *key* is a SHA-256 of its kind, its options (input files by the hash of
their content), the keys of the steps it uses and geoproc's version. A step whose key,
cached result (``OUTDIR/.geoproc/cache/<step>.pkl``) and output files are all still
there is skipped; its result is loaded from the cache only if a step that runs needs
it. ``OUTDIR/.geoproc/state.json`` records the keys, files and times. ``force`` redoes
everything. Before anything is computed the whole plan is known, so a run that would
replace an existing file without ``overwrite`` stops before computing.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoproc.errors import GeoprocInputError
from geoproc.pipeline.config import KINDS, SHIPPED_BOUNDARIES, Pipeline, Step
from geoproc.pipeline.hashing import digest, source_hashes

__all__ = ["RunResult", "column_cache", "run_pipeline", "step_keys"]

STATE_DIR = ".geoproc"
# bump when the cached pickles or the meaning of a key change
CACHE_FORMAT = 1


@dataclass
class RunResult:
    """What a run did.

    Attributes
    ----------
    outdir : Path
    ran, skipped : list of str
        Steps (and final outputs: ``geopackage``, ``report``, ``project``) run or skipped.
    seconds : dict of str -> float
        Time of each step that ran.
    files : list of str
        Every output file, relative to ``outdir``.
    notes : list of str
        E.g. why the QGIS project was not written.
    """

    outdir: Path
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    total_seconds: float = 0.0

    def summary(self) -> str:
        """What the run did, as printed by ``geoproc run``.

        Returns
        -------
        str
            One line with the output folder, how many steps ran and were unchanged and
            the total time; then every output file (relative to ``outdir``), one per
            line; then each note (``note: ...``).
        """
        lines = [f"pipeline output in {self.outdir}: {len(self.ran)} ran, {len(self.skipped)} unchanged, "
                 f"{self.total_seconds:.1f} s"]
        lines += [f"  {f}" for f in self.files]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _input_files(step: Step) -> list[str]:
    """Input sources of a step (files or folders), whose content enters its key."""
    files = []
    for k, o in KINDS[step.kind].items():
        if o.path and step.options.get(k):
            files.append(step.options[k])
    if step.kind == "boundaries":
        src = step.options["source"]
        if src in SHIPPED_BOUNDARIES:
            from geoproc._paths import data_dir

            shipped = data_dir() / "boundaries" / f"{src}.gpkg"
            if shipped.is_file():
                files.append(str(shipped))
        else:
            files.append(src)
    if step.kind == "weights" and Path(step.options["spec"]).is_file():
        files.append(step.options["spec"])
    return files


def step_keys(pipeline: Pipeline) -> dict[str, str]:
    """The content-hash key of every step, in run order.

    A source's content is every file it consists of (a shapefile's ``.shp`` and its
    ``.dbf``/``.shx``/``.prj``/``.cpg``, every file under a folder; see
    :func:`geoproc.pipeline.hashing.source_files`).
    """
    from geoproc import __version__

    keys: dict[str, str] = {}
    hashes: dict[str, dict[str, str]] = {}
    for name, st in pipeline.steps.items():
        inputs = {}
        for f in _input_files(st):
            if f not in hashes:
                hashes[f] = source_hashes(f)
            inputs.update(hashes[f])
        opts = {k: (Path(v).name if isinstance(v, str) and v in hashes else v) for k, v in st.options.items()}
        keys[name] = digest({"kind": st.kind, "options": opts, "inputs": inputs,
                             "deps": {d: keys[d] for d in st.deps}, "version": __version__,
                             "format": CACHE_FORMAT})
    return keys


def column_cache(outdir: str | os.PathLike) -> dict[str, Any]:
    """The panel column/year sets a previous run in ``outdir`` recorded (keyed by the
    panel file's hash and read options), for :func:`~geoproc.pipeline.load_pipeline`'s
    ``column_cache``: a rerun validates without reading the panels again. Empty if none."""
    path = Path(outdir) / STATE_DIR / "state.json"
    try:
        cols = json.loads(path.read_text(encoding="utf-8")).get("columns", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return cols if isinstance(cols, dict) else {}


class _Values(dict):
    """Step values, loaded from the cache on first use (skipped steps may never be needed)."""

    def __init__(self, cache: Path) -> None:
        super().__init__()
        self.cache = cache

    def __missing__(self, name: str) -> Any:
        out = _load(self.cache / f"{name}.pkl")
        self[name] = out.value
        return out.value


def _load(path: Path) -> Any:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def _save(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _stderr_progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_pipeline(
    pipeline: Pipeline,
    outdir: str | os.PathLike,
    force: bool = False,
    overwrite: bool = False,
    progress: Callable[[str], None] | None = _stderr_progress,
    project: bool = True,
) -> RunResult:
    """Run ``pipeline`` into ``outdir``.

    Parameters
    ----------
    pipeline : Pipeline
        From :func:`geoproc.pipeline.load_pipeline`.
    outdir : path
        Output folder (created if missing).
    force : bool
        Redo every step even if unchanged.
    overwrite : bool
        Allow replacing existing output files; without it a run that would replace a
        file stops (before computing anything) and names the files.
    progress : callable, optional
        Receives one line per step (name, kind, time or "unchanged"); None for silence.
    project : bool
        Write the QGIS project (needs a Python that imports QGIS; skipped with a note
        if there is none).

    Returns
    -------
    RunResult
    """
    from geoproc.pipeline import outputs as outmod
    from geoproc.pipeline.steps import Context, planned_files, run_step

    say = progress or (lambda _msg: None)
    # a progress object may also be told when a step starts (the CLI's bar shows its name)
    start = getattr(progress, "start", None)
    t_run = time.perf_counter()
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"output {out} exists and is not a folder")
    state_dir = out / STATE_DIR
    cache = state_dir / "cache"
    state_path = state_dir / "state.json"
    state: dict[str, Any] = {}
    if state_path.is_file():
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
    old = state.get("steps", {})
    keys = step_keys(pipeline)

    # --- plan: which steps run, which final outputs are rebuilt ----------------------
    def unchanged(name: str, key: str, files: list[str]) -> bool:
        rec = old.get(name)
        return (not force and rec is not None and rec.get("key") == key
                and all((out / f).exists() for f in files))

    to_run = [n for n, st in pipeline.steps.items()
              if not (unchanged(n, keys[n], planned_files(st)) and (cache / f"{n}.pkl").is_file())]
    finals = outmod.final_outputs(pipeline, keys, project)
    finals_to_run = [f for f in finals if not unchanged(f.name, f.key, f.files)]
    writes = [f for n in to_run for f in planned_files(pipeline.steps[n])]
    writes += [f for fo in finals_to_run for f in fo.files]
    if not overwrite:
        existing = [f for f in writes if (out / f).exists()]
        if existing:
            raise FileExistsError(
                f"the run would replace {len(existing)} existing file(s) in {out}: "
                f"{', '.join(existing[:10])}{' ...' if len(existing) > 10 else ''}; "
                "pass --overwrite (overwrite=True) to replace them")

    cache.mkdir(parents=True, exist_ok=True)
    result = RunResult(out)
    new_state = {"pipeline": pipeline.title, "steps": {k: v for k, v in old.items() if k in keys or
                                                      k in {f.name for f in finals}},
                 # the panels' columns and years, so that the next validation need not read them
                 "columns": dict(pipeline.columns)}

    def save_state() -> None:
        tmp = state_path.with_name("state.json.part")
        tmp.write_text(json.dumps(new_state, indent=1), encoding="utf-8")
        os.replace(tmp, state_path)

    values = _Values(cache)
    ctx = Context(out, values, pipeline.steps)
    total = len(pipeline.steps) + len(finals)
    width = len(str(total))
    for i, (name, st) in enumerate(pipeline.steps.items(), 1):
        head = f"[{i:>{width}}/{total}] {name} ({st.kind})"
        if name not in to_run:
            result.skipped.append(name)
            say(f"{head}: unchanged, skipped")
            continue
        if start is not None:
            start(head)
        t0 = time.perf_counter()
        try:
            # the library's warnings (e.g. a centroid outside its region) are shown under
            # the step's line and kept in the report, not printed mid-progress
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = run_step(ctx, st)
        except GeoprocInputError as exc:
            msg = str(exc)
            if not msg.startswith(f"step {name}"):
                msg = f"step {name} ({st.kind}): {msg}"
            raise GeoprocInputError(msg) from exc
        dt = time.perf_counter() - t0
        notes = list(dict.fromkeys(str(w.message) for w in caught
                                   if not issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)))
        if notes:
            res.report["warnings"] = notes
        values[name] = res.value
        _save(res, cache / f"{name}.pkl")
        new_state["steps"][name] = {"key": keys[name], "kind": st.kind, "files": res.files,
                                    "seconds": round(dt, 3)}
        save_state()
        result.ran.append(name)
        result.seconds[name] = dt
        say(f"{head}: {dt:.2f} s")
        for n in notes:
            say(f"    warning: {n}")
    for j, fo in enumerate(finals, len(pipeline.steps) + 1):
        head = f"[{j:>{width}}/{total}] {fo.name}"
        if fo not in finals_to_run:
            result.skipped.append(fo.name)
            say(f"{head}: unchanged, skipped")
            continue
        if start is not None:
            start(head)
        t0 = time.perf_counter()
        note = fo.build(out, cache)
        dt = time.perf_counter() - t0
        if note:
            result.notes.append(note)
            say(f"{head}: skipped: {note}")
            new_state["steps"].pop(fo.name, None)
        else:
            new_state["steps"][fo.name] = {"key": fo.key, "files": fo.files, "seconds": round(dt, 3)}
            say(f"{head}: {dt:.2f} s")
        save_state()
        result.ran.append(fo.name)
        result.seconds[fo.name] = dt
    if new_state["columns"] != state.get("columns"):
        save_state()
    result.total_seconds = time.perf_counter() - t_run
    for rec in new_state["steps"].values():
        result.files += [f for f in rec.get("files", []) if f not in result.files]
    return result
