"""Run a validated pipeline: order, content-hash caching, a step log with each step's time.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from geoproc.errors import GeoprocInputError
from geoproc.formatting import json_safe
from geoproc.pipeline.config import Pipeline, Step
from geoproc.pipeline.hashing import digest, source_hashes
from geoproc.pipeline.kinds._base import Context, StepOutput
from geoproc.pipeline.kinds.registry import KINDS

__all__ = ["RunResult", "column_cache", "run_pipeline", "step_keys"]

STATE_DIR = ".geoproc"
# bump when the cached pickles or the meaning of a key change
CACHE_FORMAT = 2  # 2: StepOutput moved to geoproc.pipeline.kinds, carries the region id


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
    return KINDS[step.kind].input_files(step)


def planned_files(step: Step) -> list[str]:
    """The files (relative to the output folder) a step writes."""
    return KINDS[step.kind].planned_files(step)


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


class _Outputs(dict):
    """Step outputs of this run, kept in memory for later steps and the final outputs; a
    step skipped as unchanged is loaded from the cache on first use (it may never be)."""

    def __init__(self, cache: Path) -> None:
        super().__init__()
        self.cache = cache

    def __missing__(self, name: str) -> StepOutput:
        out = _load(self.cache / f"{name}.pkl")
        self[name] = out
        return out


def _load(path: Path) -> Any:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def _save(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _stderr_log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class StepLog(Protocol):
    """Where a run writes its step log: ``log(line)`` for each finished, skipped or
    unchanged step (and its warnings), and optionally ``log.start(head)`` when a step
    starts (the CLI's bar names the running step).

    Not :mod:`geoproc.progress`: a pipeline reports which step it is at and how long
    each took, as lines of text; a long library call reports a fraction done and can be
    cancelled by its callback. The steps' own library calls take no ``progress=`` here.
    """

    def __call__(self, msg: str) -> None: ...


def run_pipeline(
    pipeline: Pipeline,
    outdir: str | os.PathLike,
    force: bool = False,
    overwrite: bool = False,
    log: StepLog | None = _stderr_log,
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
    log : StepLog, optional
        Receives one line per step (name, kind, time or "unchanged"); None for silence.
        Its ``start(head)``, if it has one, is called when a step starts.
    project : bool
        Write the QGIS project (needs a Python that imports QGIS; skipped with a note
        if there is none).

    Returns
    -------
    RunResult
    """
    t_run = time.perf_counter()
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"output {out} exists and is not a folder")
    run = _Run(pipeline, out, log, project)
    run.plan(force, overwrite)
    run.cache.mkdir(parents=True, exist_ok=True)
    for i, (name, st) in enumerate(pipeline.steps.items(), 1):
        run.step(i, name, st)
    for j, fo in enumerate(run.finals, len(pipeline.steps) + 1):
        run.final(j, fo)
    if run.new_state["columns"] != run.state.get("columns"):
        run.save_state()
    result = run.result
    result.total_seconds = time.perf_counter() - t_run
    for rec in run.new_state["steps"].values():
        result.files += [f for f in rec.get("files", []) if f not in result.files]
    return result


class _Run:
    """One run's plan, state file and step outputs."""

    def __init__(self, pipeline: Pipeline, out: Path, log: StepLog | None, project: bool) -> None:
        self.pipeline, self.out, self.project = pipeline, out, project
        self.say = log or (lambda _msg: None)
        # a log may also be told when a step starts (the CLI's bar shows its name)
        self.start = getattr(log, "start", None)
        self.cache = out / STATE_DIR / "cache"
        self.state_path = out / STATE_DIR / "state.json"
        self.state: dict[str, Any] = {}
        if self.state_path.is_file():
            try:
                self.state = json.loads(self.state_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.state = {}
        self.keys = step_keys(pipeline)
        self.outputs = _Outputs(self.cache)
        self.ctx = Context(out, self.outputs, pipeline.steps)
        self.result = RunResult(out)
        self.total = len(pipeline.steps)
        self.width = 1

    def plan(self, force: bool, overwrite: bool) -> None:
        """Which steps run and which final outputs are rebuilt; stop before computing
        anything if that would replace a file without ``overwrite``."""
        import geoproc.pipeline.outputs as outmod

        old, out, steps = self.state.get("steps", {}), self.out, self.pipeline.steps

        def unchanged(name: str, key: str, files: list[str]) -> bool:
            rec = old.get(name)
            return (not force and rec is not None and rec.get("key") == key
                    and all((out / f).exists() for f in files))

        self.to_run = [n for n, st in steps.items()
                       if not (unchanged(n, self.keys[n], planned_files(st)) and (self.cache / f"{n}.pkl").is_file())]
        self.finals = outmod.final_outputs(self.pipeline, self.keys, self.project)
        self.finals_to_run = [f for f in self.finals if not unchanged(f.name, f.key, f.files)]
        writes = [f for n in self.to_run for f in planned_files(steps[n])]
        writes += [f for fo in self.finals_to_run for f in fo.files]
        _refuse_inputs(self.pipeline, [out / f for f in writes])  # inputs are never outputs
        existing = [f for f in writes if (out / f).exists()] if not overwrite else []
        if existing:
            raise FileExistsError(
                f"the run would replace {len(existing)} existing file(s) in {out}: "
                f"{', '.join(existing[:10])}{' ...' if len(existing) > 10 else ''}; "
                "pass --overwrite (overwrite=True) to replace them")
        finals = {f.name for f in self.finals}
        self.new_state = {"pipeline": self.pipeline.title,
                          "steps": {k: v for k, v in old.items() if k in self.keys or k in finals},
                          # the panels' columns and years, so that the next validation need not read them
                          "columns": dict(self.pipeline.columns)}
        self.total = len(steps) + len(self.finals)
        self.width = len(str(self.total))

    def save_state(self) -> None:
        tmp = self.state_path.with_name("state.json.part")
        tmp.write_text(json.dumps(self.new_state, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_path)

    def _begin(self, i: int, head: str, skip: bool) -> str | None:
        head = f"[{i:>{self.width}}/{self.total}] {head}"
        if skip:
            self.say(f"{head}: unchanged, skipped")
            return None
        if self.start is not None:
            self.start(head)
        return head

    def step(self, i: int, name: str, st: Step) -> None:
        """Run one step (or skip it as unchanged), keep its output, record it."""
        head = self._begin(i, f"{name} ({st.kind})", name not in self.to_run)
        if head is None:
            self.result.skipped.append(name)
            return
        t0 = time.perf_counter()
        res, notes = _run_step(self.ctx, st)
        dt = time.perf_counter() - t0
        self.outputs[name] = res
        _save(res, self.cache / f"{name}.pkl")
        self.new_state["steps"][name] = {"key": self.keys[name], "kind": st.kind, "files": res.files,
                                         "seconds": round(dt, 3)}
        self.save_state()
        self.result.ran.append(name)
        self.result.seconds[name] = dt
        self.say(f"{head}: {dt:.2f} s")
        for n in notes:
            self.say(f"    warning: {n}")

    def final(self, j: int, fo: Any) -> None:
        """Build one final output (GeoPackage, report, project) from the outputs in memory."""
        head = self._begin(j, fo.name, fo not in self.finals_to_run)
        if head is None:
            self.result.skipped.append(fo.name)
            return
        t0 = time.perf_counter()
        try:
            note = fo.build(self.out, self.outputs)
        except GeoprocInputError as exc:
            # say which output failed: a problem found only while writing the report is
            # not a problem of the last step run
            raise GeoprocInputError(f"{fo.name}: {exc}") from exc
        except Exception as exc:  # any other failure keeps its type; its traceback says where
            exc.add_note(f"while writing the pipeline's {fo.name}")
            raise
        dt = time.perf_counter() - t0
        if note:
            self.result.notes.append(note)
            self.say(f"{head}: skipped: {note}")
            self.new_state["steps"].pop(fo.name, None)
        else:
            self.new_state["steps"][fo.name] = {"key": fo.key, "files": fo.files, "seconds": round(dt, 3)}
            self.say(f"{head}: {dt:.2f} s")
        self.save_state()
        self.result.ran.append(fo.name)
        self.result.seconds[fo.name] = dt


def _run_step(ctx: Context, st: Step) -> tuple[StepOutput, list[str]]:
    """Run one step; its report entry records its kind, options and the library's warnings."""
    try:
        # the library's warnings (e.g. a centroid outside its region) are shown under
        # the step's line and kept in the report, not printed mid-progress
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = KINDS[st.kind].run(ctx, st)
    except GeoprocInputError as exc:
        msg = str(exc)
        if not msg.startswith(f"step {st.name}"):
            msg = f"step {st.name} ({st.kind}): {msg}"
        raise GeoprocInputError(msg) from exc
    res.report.setdefault("kind", st.kind)
    res.report["options"] = json_safe({k: (Path(v).name if k in ("path",) and v else v)
                                       for k, v in st.options.items()})
    if res.report["options"].get("tianditu_key"):  # a personal key: not into a report handed on
        res.report["options"]["tianditu_key"] = "(given)"
    notes = list(dict.fromkeys(str(w.message) for w in caught
                               if not issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)))
    if notes:
        res.report["warnings"] = notes
    json.dumps(res.report)  # fail here, naming nothing half-written, if a value is not JSON
    return res, notes


def _refuse_inputs(pipeline: Pipeline, targets: list[Path]) -> None:
    """Refuse a run that would write over one of the files it reads (whatever --overwrite),
    naming the step and option that read it: a panel ``d.csv`` beside a distances step ``d``
    would otherwise become the distance matrix."""
    from geoproc.outputs import check_not_input

    inputs = [(f"input of step {name!r} ({key})", v) for name, st in pipeline.steps.items()
              for key, v in st.options.items()
              if isinstance(v, str | os.PathLike) and os.path.isfile(v)]
    if pipeline.path is not None:
        inputs.append(("pipeline file", pipeline.path))
    for target in targets:
        check_not_input(target, inputs)
