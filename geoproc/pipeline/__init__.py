"""Declarative pipelines: ``geoproc run PIPELINE.toml -o OUTDIR`` and ``geoproc demo``.

- :mod:`geoproc.pipeline.kinds`: one module per step kind (its options, checks, files,
  ``run`` and report section); :mod:`geoproc.pipeline.kinds.registry` lists them
- :mod:`geoproc.pipeline.config`: load and validate the TOML (every problem at once, with lines)
- :mod:`geoproc.pipeline.runner`: order, content-hash caching, progress; step outputs in memory
- :mod:`geoproc.pipeline.outputs`: the styled GeoPackage and the QGIS project
- :mod:`geoproc.pipeline.report`: ``report.html`` and ``report.json``
"""

from __future__ import annotations

from pathlib import Path

from geoproc.pipeline.config import Pipeline, load_pipeline, parse_pipeline
from geoproc.pipeline.runner import RunResult, run_pipeline

__all__ = ["Pipeline", "RunResult", "demo_pipeline_path", "load_pipeline", "parse_pipeline", "run_pipeline"]


def demo_pipeline_path(study: str = "demo") -> Path:
    """A pipeline shipped in the package: ``geoproc/pipelines/<study>.toml`` (``demo``, ``cities``)."""
    return Path(__file__).resolve().parents[1] / "pipelines" / f"{study}.toml"
