"""``geoproc run PIPELINE.toml -o OUTDIR`` and ``geoproc demo -o OUTDIR``: the main job."""

from __future__ import annotations

import argparse

from geoproc.cli._common import add_output_args


def _common(p: argparse.ArgumentParser) -> None:
    add_output_args(p, help="output folder (created if missing); reruns reuse its .geoproc/ cache")
    p.add_argument("--force", action="store_true",
                   help="redo every step even if its inputs and options have not changed")
    p.add_argument("--no-project", action="store_true",
                   help="do not write the QGIS project (.qgz)")
    p.add_argument("--check", action="store_true",
                   help="only validate the pipeline file and list its steps; compute nothing")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="run a pipeline file: every analysis, a styled GeoPackage, QGIS project, maps and report",
        description=(
            "Run a declarative pipeline (TOML; see docs/pipeline.md). The whole file is validated "
            "first and every problem is reported with its line. Each step's time is shown; a rerun "
            "skips steps whose inputs and options are unchanged (content hashes in "
            "OUTDIR/.geoproc/state.json). Outputs: results.gpkg (every vector result, styled for "
            "QGIS), the KDE GeoTIFF with a .qml, project.qgz, HTML maps, report.html and report.json."
        ),
        epilog="example: geoproc run my_study.toml -o out/my_study",
    )
    p.add_argument("pipeline", metavar="PIPELINE.toml", help="the pipeline file")
    _common(p)
    p.set_defaults(func=run)
    d = subparsers.add_parser(
        "demo",
        help="run the shipped demo pipeline (YRD boundaries, synthetic parks and panels)",
        description=(
            "Run the demo pipeline shipped with geoproc (geoproc/pipelines/demo.toml) on the "
            "embedded demo data: the YRD cities and 390 synthetic parks, the synthetic 31-province "
            "panel and the synthetic YRD cities panel. Same options and outputs as 'geoproc run'."
        ),
        epilog="example: geoproc demo -o out/demo;  geoproc demo --study cities -o out/cities",
    )
    d.add_argument("--study", choices=("demo", "cities"), default="demo",
                   help="which shipped pipeline: demo (default) or cities (297 prefecture-level "
                   "cities, synthetic panel 2011-2021, geoproc/pipelines/cities.toml)")
    _common(d)
    d.set_defaults(func=demo)


def run(args: argparse.Namespace) -> int:
    return _run(args.pipeline, args)


def demo(args: argparse.Namespace) -> int:
    from geoproc.pipeline import demo_pipeline_path

    return _run(demo_pipeline_path(getattr(args, "study", "demo")), args)


def _run(path, args: argparse.Namespace) -> int:
    from geoproc.pipeline import load_pipeline, run_pipeline
    from geoproc.pipeline.runner import column_cache

    # the panels' columns as the last run into this folder found them: a rerun validates
    # without reading (or importing pandas to read) any panel whose content is unchanged
    pipeline = load_pipeline(path, column_cache=column_cache(args.output))
    if args.check:
        print(f"{path}: valid, {len(pipeline.steps)} steps")
        for name, st in pipeline.steps.items():
            print(f"  {name} ({st.kind})" + (f" <- {', '.join(st.deps)}" if st.deps else ""))
        return 0
    log = None if args.quiet else _StepLog(len(pipeline.steps) + 3)
    try:
        res = run_pipeline(pipeline, args.output, force=args.force, overwrite=args.overwrite,
                           log=log, project=not args.no_project)
    finally:
        if log is not None:
            log.close()
    print(res.summary())
    return 0


class _StepLog:
    """The run's :class:`~geoproc.pipeline.runner.StepLog`: one line per finished step; on a
    terminal also a bar naming the running step."""

    def __init__(self, total: int) -> None:
        import sys

        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=sys.stderr, leave=False, bar_format="{desc} {bar} {elapsed}")

    def start(self, head: str) -> None:
        if self.bar is not None:
            self.bar.set_description_str(f"{head} ...")

    def __call__(self, msg: str) -> None:
        import sys

        if self.bar is not None:
            self.bar.write(msg, file=sys.stderr)
            if not msg.startswith(" "):
                self.bar.update(1)
        else:
            print(msg, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
