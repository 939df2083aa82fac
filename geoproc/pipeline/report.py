"""``report.html`` and ``report.json``: every table of a pipeline run, with the same numbers.

The JSON holds each step's report entry at full precision (NaN as null); the HTML shows
the same entries as tables (rounded for reading), the figures (LISA cluster maps and
Moran scatter plots, drawn by :mod:`geoproc.plots`) embedded as PNG data, and links to
the HTML maps. Every piece of text from the data is escaped.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path
from typing import Any

from geoproc.outputs import atomic_output

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


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def _fmt(v: Any, digits: int = 4) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != 0 and (abs(v) < 10 ** -digits or abs(v) >= 1e7):
            return f"{v:.{digits}g}"
        return f"{v:.{digits}f}"
    return _e(v)


def _table(rows: list[dict], columns: list[str] | None = None, digits: int = 4) -> str:
    if not rows:
        return "<p class='note'>(none)</p>"
    cols = columns or list(rows[0])
    head = "".join(f"<th class='t'>{_e(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cls = " class='t'" if isinstance(v, str) or v is None else ""
            cells.append(f"<td{cls}>{_fmt(v, digits)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _display_copy(gdf: Any) -> Any:
    """A copy with outlines simplified for a figure (0.005 degrees, as the HTML maps): the
    full-resolution coastlines make matplotlib several times slower and look the same."""
    from geoproc.maps import DISPLAY_TOLERANCE_DEG

    out = gdf.copy()
    if out.crs is not None and out.crs.is_geographic:
        out[out.geometry.name] = out.geometry.simplify(DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    return out


def _figures(step: Any, out: Any, weights: Any) -> list[tuple[str, str]]:
    """A lisa step's cluster map and Moran scatter, or a hotspots step's map, as (caption, data URI)."""
    import matplotlib

    matplotlib.use("Agg")
    from geoproc import plots

    o = step.options
    gdf = out.value
    title = f"{o['variable']} {o['year']}"
    if step.kind == "hotspots":
        cap = f"Gi* hot and cold spots: {title}"
        return [(cap, _png(plots.hotspot_map(_display_copy(gdf), title=cap)))]
    figs = []
    cap = f"LISA clusters: {title}"
    figs.append((cap, _png(plots.lisa_cluster_map(_display_copy(gdf), title=cap))))
    rid = "code" if "code" in gdf.columns else None
    values = gdf.set_index(rid)["value"] if rid else gdf["value"]
    labels = gdf.set_index(rid)["name_en"] if rid and "name_en" in gdf.columns else None
    figs.append((f"Moran scatter: {title}",
                 _png(plots.moran_scatter(values, weights, title=title, labels=labels))))
    return figs


def _figure_html(step: Any, out: Any, results: dict) -> list[str]:
    w = results[step.options["weights"]].value
    return [f"<figure><img alt='{_e(cap)}' src='{uri}'><figcaption>{_e(cap)}</figcaption></figure>"
            for cap, uri in _figures(step, out, w)]


def report_dict(pipeline: Any, results: dict[str, Any]) -> dict:
    """The JSON document: title, steps in run order with their report entries."""
    from geoproc import __version__

    steps = {}
    for name, out in results.items():
        rep = {k: v for k, v in out.report.items() if k != "html"}
        steps[name] = rep
    synthetic = any("synthetic" in str(r.get("source") or "") for r in steps.values())
    return {"title": pipeline.title, "generator": f"geoproc {__version__}", "synthetic_data": synthetic,
            "steps": steps}


def _section(name: str, step: Any, rep: dict, out: Any, results: dict, pipeline: Any) -> str:
    k = step.kind
    parts = [f"<h3 id='step-{_e(name)}'>{_e(name)} <small class='note'>({_e(k)})</small></h3>"]
    if k in ("boundaries", "panel", "points", "centroids", "distances"):
        simple = {kk: vv for kk, vv in rep.items() if kk not in ("options", "kind")}
        parts.append(_table([{"item": kk, "value": json.dumps(vv, ensure_ascii=False) if isinstance(vv, list)
                              else vv} for kk, vv in simple.items()]))
    elif k == "weights":
        simple = {kk: vv for kk, vv in rep.items() if kk not in ("options", "kind")}
        parts.append(_table([{"item": kk, "value": vv if not isinstance(vv, list) else ", ".join(map(str, vv))}
                             for kk, vv in simple.items()]))
    elif k in ("agglomeration", "location_quotient", "pca", "entropy"):
        rows = [{"year": y, **v} for y, v in rep["by_year"].items()]
        parts.append(f"<p>Column <code>{_e(rep['column'])}</code>: mean, minimum and maximum by year.</p>")
        parts.append(_table(rows, ["year", "mean", "min", "max"]))
        if k == "location_quotient":
            parts.append(_table([{"year": y, "regions with LQ > 1": ", ".join(v)}
                                 for y, v in rep["lq_above_1"].items()]))
        if rep.get("summary"):
            parts.append(f"<pre>{_e(rep['summary'])}</pre>")
    elif k == "moran":
        parts.append(out.report["html"])
        parts.append(_table(rep["rows"], ["year", "variable", "weights", "I", "EI", "z_norm", "p_norm",
                                          "z_rand", "p_rand", "p_sim"]))
    elif k == "lisa":
        parts.append(f"<p>{_e(rep['variable'])}, {rep['year']}: {rep['permutations']} permutations, seed "
                     f"{_e(rep['seed'])}, alpha {rep['alpha']}{' with FDR' if rep['fdr'] else ''}.</p>")
        parts.append(_table([{"cluster": c, "regions": n} for c, n in rep["clusters"].items()]))
        sig = [r for r in rep["regions"] if r.get("cluster") != "Not significant"]
        parts.append(_table(sig or rep["regions"]))
        parts += _figure_html(step, out, results)
        parts += [f"<p class='note'>{_e(n)}</p>" for n in rep["notes"]]
    elif k == "hotspots":
        parts.append(_table([{"bin": c, "regions": n} for c, n in rep["hotspots"].items()]))
        sig = [r for r in rep["regions"] if r.get("hotspot") != "Not significant"]
        parts.append(_table(sig))
        parts += _figure_html(step, out, results)
        parts += [f"<p class='note'>{_e(n)}</p>" for n in rep["notes"]]
    elif k == "density":
        parts.append(f"<p>{rep['points_total']} points, {rep['points_outside']} outside every region.</p>")
        parts.append(_table(rep["regions"]))
    elif k == "kde":
        simple = {kk: vv for kk, vv in rep.items() if kk not in ("options", "kind")}
        parts.append(_table([{"item": kk, "value": vv if not isinstance(vv, list) else " x ".join(map(str, vv))}
                             for kk, vv in simple.items()]))
    elif k == "sdm":
        parts.append(f"<div class='sdm'>{out.report['html']}</div>")
        parts.append(f"<p>Full report: <a href='{_e(rep['file'])}'>{_e(rep['file'])}</a></p>")
    elif k == "join":
        parts.append(_table(rep["regions"]))
    elif k == "map":
        parts.append(f"<p><a href='{_e(rep['file'])}'>{_e(rep['file'])}</a> ({_e(rep['type'])} map)</p>")
    return "\n".join(parts)


_GROUPS = [
    ("Inputs", ("boundaries", "panel", "points", "centroids", "distances")),
    ("Spatial weights", ("weights",)),
    ("Indicators", ("agglomeration", "location_quotient", "pca", "entropy")),
    ("Global Moran's I", ("moran",)),
    ("Local clusters (LISA) and hot spots", ("lisa", "hotspots")),
    ("Park densities and kernel density", ("density", "kde", "join")),
    ("Spatial Durbin model", ("sdm",)),
    ("HTML maps", ("map",)),
]


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
    body = [f"<h1>{_e(pipeline.title)}</h1>",
            f"<p class='note'>Written by {_e(doc['generator'])}. Numbers at full precision in "
            f"<a href='{_e(base)}.json'>{_e(base)}.json</a>.</p>"]
    if doc["synthetic_data"]:
        body.append("<p class='synthetic'><b>Synthetic data.</b> Some inputs of this run are simulated "
                    "(marked <code>synthetic</code>); their numbers are not statistics of any region.</p>")
    toc = []
    for (title, kinds), anchor in zip(_GROUPS, section_anchors([t for t, _ in _GROUPS]), strict=True):
        names = [n for n, st in pipeline.steps.items() if st.kind in kinds]
        if not names:
            continue
        toc.append(f"<li><a href='#{anchor}'>{_e(title)}</a></li>")
        body.append(f"<h2 id='{anchor}'>{_e(title)}</h2>")
        for n in names:
            body.append(_section(n, pipeline.steps[n], doc["steps"][n], results[n], results, pipeline))
    body.insert(2, f"<ul class='toc'>{''.join(toc)}</ul>")
    page = ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(pipeline.title)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    html_path, json_path = out / f"{base}.html", out / f"{base}.json"
    with atomic_output(json_path, overwrite) as tmp:
        tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False), encoding="utf-8")
    with atomic_output(html_path, overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return html_path, json_path
