"""``report.html`` and ``report.json``: every table of a pipeline run, with the same numbers.

The JSON holds each step's report entry at full precision (NaN as null); the HTML shows
the same entries as tables (rounded for reading), the figures (LISA cluster maps and
Moran scatter plots, drawn by :mod:`geoproc.plots`) embedded as PNG data, and links to
the HTML maps. Each kind writes its own section
(:meth:`geoproc.pipeline.kinds._base.StepKind.report_html`); sections come in the
registry's order. Every piece of text from the data is escaped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from geoproc.errors import GeoprocInputError
from geoproc.outputs import atomic_output
from geoproc.pipeline.kinds._base import Context, esc
from geoproc.pipeline.kinds.registry import KINDS, SECTIONS

__all__ = ["report_dict", "section_anchors", "write_report"]

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:70em;
color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.2em .5em;text-align:right}th{background:#f3f3f3}
td.t,th.t{text-align:left}.note{color:#555;font-size:.9em}.synthetic{background:#fff3cd;
border:1px solid #e0c060;padding:.6em 1em}figure{display:inline-block;margin:.5em}
figure img{max-width:34em;border:1px solid #eee}pre{background:#f7f7f7;padding:.6em;overflow:auto}
"""


def report_dict(pipeline: Any, results: dict[str, Any]) -> dict:
    """The JSON document: title, steps in run order with their report entries."""
    from geoproc import __version__

    steps = {name: dict(out.report) for name, out in results.items()}
    synthetic = any("synthetic" in str(r.get("source") or "") for r in steps.values())
    return {"title": pipeline.title, "generator": f"geoproc {__version__}", "synthetic_data": synthetic,
            "steps": steps}


def _section(name: str, rep: dict, ctx: Context) -> str:
    step = ctx.steps[name]
    head = f"<h3 id='step-{esc(name)}'>{esc(name)} <small class='note'>({esc(step.kind)})</small></h3>"
    try:
        parts = KINDS[step.kind].report_html(name, step, rep, ctx.outputs[name], ctx)
    except GeoprocInputError as exc:
        raise GeoprocInputError(f"section of step {name} ({step.kind}): {exc}") from exc
    return "\n".join([head, *parts])


def section_anchors(titles: list[str]) -> list[str]:
    """An HTML id for each section title: the whole title slugified ("Spatial weights" ->
    ``spatial-weights``), unique (a repeated slug gets ``-2``, ``-3``...) and never one of
    the steps' ``step-...`` ids."""
    import re
    import unicodedata

    used: set[str] = set()
    out = []
    for t in titles:
        ascii_ = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9]+", "-", ascii_.lower().replace("'", "")).strip("-") or "section"
        if base.startswith("step-"):
            base = f"section-{base}"
        slug, k = base, 1
        while slug in used:
            k += 1
            slug = f"{base}-{k}"
        used.add(slug)
        out.append(slug)
    return out


def write_report(pipeline: Any, results: dict[str, Any], outdir: str | os.PathLike, base: str = "report",
                 overwrite: bool = False, files: list[str] | None = None) -> tuple[Path, Path]:
    """Write ``<base>.html`` and ``<base>.json`` into ``outdir`` from the steps' results."""
    out = Path(outdir)
    doc = report_dict(pipeline, results)
    body = [f"<h1>{esc(pipeline.title)}</h1>",
            f"<p class='note'>Written by {esc(doc['generator'])}. Numbers at full precision in "
            f"<a href='{esc(base)}.json'>{esc(base)}.json</a>.</p>"]
    if doc["synthetic_data"]:
        body.append("<p class='synthetic'><b>Synthetic data.</b> Some inputs of this run are simulated "
                    "(marked <code>synthetic</code>); their numbers are not statistics of any region.</p>")
    toc = []
    ctx = Context(out, results, pipeline.steps)
    for title, anchor in zip(SECTIONS, section_anchors(SECTIONS), strict=True):
        names = [n for n, st in pipeline.steps.items() if KINDS[st.kind].section == title]
        if not names:
            continue
        toc.append(f"<li><a href='#{anchor}'>{esc(title)}</a></li>")
        body.append(f"<h2 id='{anchor}'>{esc(title)}</h2>")
        body += [_section(n, doc["steps"][n], ctx) for n in names]
    body.insert(2, f"<ul class='toc'>{''.join(toc)}</ul>")
    page = ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{esc(pipeline.title)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    html_path, json_path = out / f"{base}.html", out / f"{base}.json"
    with atomic_output(json_path, overwrite) as tmp:
        tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False), encoding="utf-8")
    with atomic_output(html_path, overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return html_path, json_path
