"""One small function per step kind; each calls the library and returns a :class:`StepOutput`.

The science lives in the library modules (``geoproc.moran``, ``geoproc.lisa``, ...);
these functions only pass options through, pick a year out of a panel, name the
files they write and say which layer gets which style. Files are written under the
output folder; the runner has already checked that they may be (over)written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoproc.errors import GeoprocInputError
from geoproc.pipeline.config import Step

__all__ = ["STEP_FUNCTIONS", "PanelData", "StepOutput", "planned_files", "run_step"]


@dataclass
class PanelData:
    """A long panel with the names of its id and year columns."""

    frame: Any
    id: str
    year: str


@dataclass
class Layer:
    """A vector result for the GeoPackage, with the style QGIS should show it in."""

    gdf: Any
    style: str


@dataclass
class StepOutput:
    """What a step produced: the value later steps use, its files, layers and report entry."""

    value: Any
    files: list[str] = field(default_factory=list)  # relative to the output folder
    layers: dict[str, Layer] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """The output folder and the values of the steps run so far."""

    outdir: Path
    values: dict[str, Any]
    steps: dict[str, Step]

    def get(self, name: str) -> Any:
        """The value of step ``name`` (loaded from the run's cache if that step was skipped).

        Parameters
        ----------
        name : str
            A step run (or skipped as unchanged) before the current one.

        Returns
        -------
        Any
            E.g. a GeoDataFrame for boundaries, a :class:`PanelData` for panel steps,
            a ``SpatialWeights`` for weights.
        """
        return self.values[name]

    def regions_id(self, name: str) -> str:
        """The id column of the regions of step ``name`` (its ``id`` option, default ``code``).

        Parameters
        ----------
        name : str
            A boundaries step (other kinds have no ``id`` option and give ``code``).

        Returns
        -------
        str
        """
        return self.steps[name].options.get("id") or "code"


# --- helpers ---------------------------------------------------------------------
def _clean(v: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            return str(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _records(df: Any) -> list[dict]:
    return [_clean(r) for r in df.astype(object).to_dict(orient="records")]


def _default_file(step: Step) -> str | None:
    suffix = {"distances": ".csv", "weights": ".gwt", "kde": ".tif", "sdm": ".html"}.get(step.kind)
    if step.kind == "map":
        return step.options.get("file") or f"maps/{step.name}.html"
    if suffix is None:
        return None
    return step.options.get("file") or f"{step.name}{suffix}"


def planned_files(step: Step) -> list[str]:
    """The files (relative to the output folder) a step writes."""
    f = _default_file(step)
    if f is None:
        return []
    if step.kind == "kde":
        return [f, str(Path(f).with_suffix(".qml"))]
    return [f]


def _with_provenance(gdf: Any, panel: PanelData, year: int) -> Any:
    """Add ``data_source`` (the panel's ``source`` column that year, e.g. "synthetic") so a
    layer made from simulated data says so wherever it is opened."""
    src = _panel_source(panel.frame[panel.frame[panel.year] == year])
    return gdf.assign(data_source=src) if src else gdf


def _panel_source(frame: Any) -> str | None:
    if "source" in getattr(frame, "columns", ()):
        vals = sorted(set(map(str, frame["source"].dropna().unique())))
        return ", ".join(vals) or None
    return None


# --- inputs ----------------------------------------------------------------------
def run_boundaries(ctx: Context, step: Step) -> StepOutput:
    from geoproc.boundaries import read_regions

    o = step.options
    gdf = read_regions(o["source"], id=o["id"], layer=o["source_layer"])
    out = StepOutput(gdf, report={"kind": "boundaries", "source": Path(o["source"]).name, "regions": len(gdf)})
    if o["layer"]:
        out.layers[o["layer"]] = Layer(gdf, "outline")
    return out


def run_centroids(ctx: Context, step: Step) -> StepOutput:
    from geoproc.centroid import centroids

    o = step.options
    regions = ctx.get(o["regions"])
    pts = centroids(regions, how=o["how"], id=ctx.regions_id(o["regions"]))
    out = StepOutput(pts, report={"kind": "centroids", "points": len(pts), "how": o["how"]})
    if o["layer"]:
        out.layers[o["layer"]] = Layer(pts, "points")
    return out


def run_distances(ctx: Context, step: Step) -> StepOutput:
    from geoproc.distances import write_distance_matrix

    o = step.options
    src = o["regions"]
    rel = _default_file(step)
    id_ = ctx.regions_id(src) if ctx.steps[src].kind == "boundaries" else None
    write_distance_matrix(ctx.get(src), ctx.outdir / rel, method=o["method"], overwrite=True, id=id_)
    return StepOutput(rel, [rel], report={"kind": "distances", "file": rel, "method": o["method"],
                                         "regions": len(ctx.get(src))})


def run_panel(ctx: Context, step: Step) -> StepOutput:
    from geoproc.panel import read_panel

    o = step.options
    regions = ctx.get(o["regions"]) if o["regions"] else None
    df = read_panel(o["path"], id=o["id"], year=o["year"], regions=regions, sheet=o["sheet"])
    years = sorted(df[o["year"]].unique())
    return StepOutput(PanelData(df, o["id"], o["year"]), report={
        "kind": "panel", "file": Path(o["path"]).name, "rows": len(df), "regions": int(df[o["id"]].nunique()),
        "years": _clean(years), "source": _panel_source(df)})


def run_points(ctx: Context, step: Step) -> StepOutput:
    from geoproc.points import read_points

    o = step.options
    pts = read_points(o["path"], lon=o["lon"], lat=o["lat"], datum=o["datum"])
    out = StepOutput(pts, report={"kind": "points", "file": Path(o["path"]).name, "points": len(pts),
                                  "datum": o["datum"], "source": _panel_source(pts)})
    if o["layer"]:
        out.layers[o["layer"]] = Layer(pts, "points")
    return out


# --- weights ---------------------------------------------------------------------
def run_weights(ctx: Context, step: Step) -> StepOutput:
    from geoproc.weights import build_weights, write_weights

    o = step.options
    regions = ctx.get(o["regions"])
    rid = ctx.regions_id(o["regions"])
    data = ctx.get(o["data"]) if o["data"] else None
    w = build_weights(o["spec"], regions, data=data.frame if data else None, id=rid,
                      row_standardize=o["row_standardize"], islands=o["islands"],
                      data_id=data.id if data else None, year_column=data.year if data else None,
                      year=o["year"], method=o["method"], centroid=o["centroid"])
    rel = _default_file(step)
    write_weights(w, ctx.outdir / rel, overwrite=True)
    card = w.cardinalities
    out = StepOutput(w, [rel], report={
        "kind": "weights", "spec": Path(o["spec"]).name if "/" in o["spec"] else o["spec"], "file": rel,
        "n": w.n, "links": int(w.sparse.nnz), "row_standardized": bool(w.is_row_standardized()),
        "neighbours_min": int(card.min()), "neighbours_mean": float(card.mean()),
        "neighbours_max": int(card.max()), "islands": _clean(list(w.islands)),
        "centroid": o["centroid"], "distance": o["method"],
        **({"masses": w.meta["masses"]} if "masses" in w.meta else {})})
    if o["layer"]:
        from geoproc.weights import links_frame

        # the library's links (weight_scaled, which the weight_links style classifies), from
        # a point inside each region so that no link starts outside its region
        out.layers[o["layer"]] = Layer(links_frame(w, regions, id=rid, centroid="representative"),
                                       "weight_links")
    return out


# --- indicators ------------------------------------------------------------------
def _with_column(panel: PanelData, series: Any) -> PanelData:
    df = panel.frame.copy()  # never change the previous step's (cached) frame
    df[series.name] = series
    return PanelData(df, panel.id, panel.year)


def _index_summary(panel: PanelData, s: Any) -> dict:
    df = panel.frame
    by = s.groupby(df[panel.year]).agg(["mean", "min", "max"])
    return {"column": s.name, "by_year": {str(k): _clean(v) for k, v in by.to_dict(orient="index").items()}}


def run_agglomeration(ctx: Context, step: Step) -> StepOutput:
    from geoproc.indices import agglomeration_index

    o = step.options
    p = ctx.get(o["panel"])
    s = agglomeration_index(p.frame, o["value"], id=p.id, year=p.year, name=o["name"])
    return StepOutput(_with_column(p, s), report={"kind": "agglomeration", "value": o["value"],
                                                   **_index_summary(p, s)})


def run_location_quotient(ctx: Context, step: Step) -> StepOutput:
    from geoproc.indices import location_quotient

    o = step.options
    p = ctx.get(o["panel"])
    s = location_quotient(p.frame, o["sector"], o["total"], id=p.id, year=p.year, name=o["name"])
    df = p.frame
    above = {}
    label = "name_en" if "name_en" in df.columns else p.id
    for y in sorted(df[p.year].unique()):
        sel = (df[p.year] == y) & (s > 1)
        order = s[sel].sort_values(ascending=False).index
        above[str(y)] = [str(v) for v in df.loc[order, label]]
    return StepOutput(_with_column(p, s), report={"kind": "location_quotient", "sector": o["sector"],
                                                   "total": o["total"], "lq_above_1": above,
                                                   **_index_summary(p, s)})


def _composite_report(kind: str, res: Any, p: PanelData, s: Any) -> dict:
    rep = {"kind": kind, **_index_summary(p, s)}
    try:
        rep["table"] = _records(res.to_frame().reset_index())
    except Exception:  # a YearlyResults without to_frame: the summary text is enough
        pass
    rep["summary"] = res.summary()
    return rep


def run_pca(ctx: Context, step: Step) -> StepOutput:
    from geoproc.indices import pca_index

    o = step.options
    p = ctx.get(o["panel"])
    s, res = pca_index(p.frame, o["indicators"], o["method"], keep=o["keep"], by=o["by"], id=p.id,
                       year=p.year, name=o["name"] or "pca_index")
    return StepOutput(_with_column(p, s), report=_composite_report("pca", res, p, s))


def run_entropy(ctx: Context, step: Step) -> StepOutput:
    from geoproc.indices import entropy_weight_index

    o = step.options
    p = ctx.get(o["panel"])
    s, res = entropy_weight_index(p.frame, o["indicators"], o["directions"], by=o["by"], id=p.id,
                                  year=p.year, name=o["name"] or "entropy_index")
    return StepOutput(_with_column(p, s), report=_composite_report("entropy", res, p, s))


# --- spatial autocorrelation -----------------------------------------------------
def run_moran(ctx: Context, step: Step) -> StepOutput:
    from geoproc.moran import moran_table

    o = step.options
    p = ctx.get(o["panel"])
    ws = {name: ctx.get(name) for name in o["weights"]}
    t = moran_table(p.frame, ws if len(ws) > 1 else next(iter(ws.values())), o["variables"], id=p.id,
                    year=p.year, permutations=o["permutations"], seed=o["seed"], inference=o["inference"],
                    islands=o["islands"])
    if len(ws) == 1:
        # one matrix: name it after its step rather than the library's default label
        t.frame["weights"] = next(iter(ws))
        t.weights = [next(iter(ws))]
    return StepOutput(t, report={"kind": "moran", "rows": _records(t.to_frame()), "n": t.n,
                                 "permutations": t.permutations, "seed": t.seed, "inference": t.inference,
                                 "notes": list(t.notes), "html": t.to_html()})


def _cluster_counts(gdf: Any, column: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in gdf[column].value_counts().sort_index().items()}


def _region_rows(gdf: Any, id: str, cols: list[str]) -> list[dict]:
    keep = [c for c in [id, "name_zh", "name_en", *cols] if c in gdf.columns]
    return _records(gdf[keep])


def run_lisa(ctx: Context, step: Step) -> StepOutput:
    from geoproc.lisa import local_moran
    from geoproc.panel import year_values

    o = step.options
    rid = ctx.regions_id(o["regions"])
    p = ctx.get(o["panel"])
    values = year_values(p.frame, o["variable"], o["year"], id=p.id, year_column=p.year)
    gdf = local_moran(ctx.get(o["regions"]), values, ctx.get(o["weights"]), permutations=o["permutations"],
                      alpha=o["alpha"], fdr=o["fdr"], seed=o["seed"], id=rid, islands=o["islands"])
    gdf = gdf.assign(variable=o["variable"], year=o["year"], value=values.reindex(gdf[rid]).to_numpy())
    gdf = _with_provenance(gdf, p, o["year"])
    out = StepOutput(gdf, report={
        "kind": "lisa", "variable": o["variable"], "year": o["year"], "permutations": o["permutations"],
        "seed": o["seed"], "alpha": o["alpha"], "fdr": o["fdr"], "clusters": _cluster_counts(gdf, "cluster"),
        "regions": _region_rows(gdf, rid, ["value", "lisa_I", "lisa_z", "lisa_p", "lisa_q", "cluster"]),
        "notes": list(gdf.attrs.get("notes", []))})
    if o["layer"]:
        out.layers[o["layer"]] = Layer(gdf, "lisa_clusters")
    return out


def run_hotspots(ctx: Context, step: Step) -> StepOutput:
    from geoproc.hotspots import getis_ord
    from geoproc.panel import year_values

    o = step.options
    rid = ctx.regions_id(o["regions"])
    p = ctx.get(o["panel"])
    values = year_values(p.frame, o["variable"], o["year"], id=p.id, year_column=p.year)
    gdf = getis_ord(ctx.get(o["regions"]), values, ctx.get(o["weights"]), permutations=o["permutations"],
                    seed=o["seed"], id=rid, inference=o["inference"], islands=o["islands"])
    gdf = gdf.assign(variable=o["variable"], year=o["year"], value=values.reindex(gdf[rid]).to_numpy())
    gdf = _with_provenance(gdf, p, o["year"])
    out = StepOutput(gdf, report={
        "kind": "hotspots", "variable": o["variable"], "year": o["year"], "permutations": o["permutations"],
        "seed": o["seed"], "hotspots": _cluster_counts(gdf, "hotspot"),
        "regions": _region_rows(gdf, rid, ["value", "gi_G", "gi_z", "gi_p", "hotspot"]),
        "notes": list(gdf.attrs.get("notes", []))})
    if o["layer"]:
        out.layers[o["layer"]] = Layer(gdf, "getis_ord_hotspots")
    return out


# --- parks -----------------------------------------------------------------------
def run_density(ctx: Context, step: Step) -> StepOutput:
    from geoproc.density import point_density

    o = step.options
    rid = ctx.regions_id(o["regions"])
    gdf = point_density(ctx.get(o["points"]), ctx.get(o["regions"]), id=rid, per_capita=o["per_capita"])
    cols = ["park_count", "park_share", "area_km2", "density_per_1000km2"]
    cols += ["parks_per_million"] if "parks_per_million" in gdf.columns else []
    out = StepOutput(gdf, report={
        "kind": "density", "points_total": _clean(gdf.attrs.get("points_total")),
        "points_outside": _clean(gdf.attrs.get("points_outside")),
        "regions": _region_rows(gdf, rid, cols)})
    if o["layer"]:
        out.layers[o["layer"]] = Layer(gdf, "park_density")
    return out


def kde_qml(vmax: float) -> str:
    """``styles/kde_raster.qml`` with its ramp stops rescaled from a maximum of 1 to ``vmax``."""
    import xml.etree.ElementTree as ET

    from geoproc.palettes import get_palette, styles_dir

    text = (styles_dir() / "kde_raster.qml").read_text(encoding="utf-8")
    doctype, _, body = text.partition("\n")
    root = ET.fromstring(body)
    stops = get_palette("kde").scaled_stops(vmax)
    ren = root.find("./pipe/rasterrenderer")
    ren.set("classificationMin", "0")
    ren.set("classificationMax", repr(float(vmax)))
    shader = ren.find("./rastershader/colorrampshader")
    shader.set("minimumValue", "0")
    shader.set("maximumValue", repr(float(vmax)))
    items = shader.findall("item")
    for it in items:
        shader.remove(it)
    for k, (value, color, alpha) in enumerate(stops):
        el = ET.Element("item", {"alpha": str(alpha), "value": repr(float(value)), "color": color,
                                 "label": f"{value:.4g}"})
        shader.insert(k, el)
    return doctype + "\n" + ET.tostring(root, encoding="unicode") + "\n"


def run_kde(ctx: Context, step: Step) -> StepOutput:
    from geoproc.kde import kernel_density
    from geoproc.outputs import atomic_output

    o = step.options
    rel_tif, rel_qml = planned_files(step)
    res = kernel_density(ctx.get(o["points"]), radius=o["radius"], pixel_size=o["pixel_size"],
                         kernel=o["kernel"], weight=o["weight"], output=o["output"], crs=o["crs"],
                         out=ctx.outdir / rel_tif, overwrite=True)
    with atomic_output(ctx.outdir / rel_qml, overwrite=True) as tmp:
        tmp.write_text(kde_qml(res.max_value), encoding="utf-8")
    # the library's own record (as the raster's tags: radius_rule "given" when given)
    row = _records(res.to_frame())[0]
    return StepOutput(res, [rel_tif, rel_qml], report={
        "kind": "kde", "file": rel_tif, "style": rel_qml, "crs": row["crs"],
        "shape": [row["rows"], row["cols"]], "radius_m": row["radius"], "radius_rule": row["radius_rule"],
        "pixel_size_m": row["pixel_size"], "kernel": row["kernel"], "output": row["output"],
        "weight": o["weight"], "points": row["n_points"], "max_value": row["max_value"],
        "source": row["source"]})


# --- econometrics ----------------------------------------------------------------
def run_sdm(ctx: Context, step: Step) -> StepOutput:
    from geoproc.durbin import sdm

    o = step.options
    p = ctx.get(o["panel"])
    res = sdm(p.frame, ctx.get(o["weights"]), o["y"], o["x"], id=p.id, year=p.year, effects=o["effects"],
              model=o["model"], lee_yu=o["lee_yu"], draws=o["draws"], seed=o["seed"], tests=o["tests"])
    rel = _default_file(step)
    html = res.to_html(ctx.outdir / rel, overwrite=True)
    return StepOutput(res, [rel], report={"kind": "sdm", "file": rel, "result": _clean(res.to_dict()),
                                          "coefficients": _records(res.to_frame().reset_index()),
                                          "effects": _records(res.effects.reset_index()),
                                          "html": _body_of(html)})


def _body_of(html: str) -> str:
    """The inside of ``<body>`` of a full page (to embed it in the report)."""
    low = html.lower()
    a, b = low.find("<body"), low.rfind("</body>")
    if a < 0 or b < 0:
        return html
    body = html[low.find(">", a) + 1:b]
    # inside the report the SDM's own headings sit below the step's heading
    for level, new in (("h2", "h5"), ("h1", "h4")):
        body = body.replace(f"<{level}", f"<{new}").replace(f"</{level}>", f"</{new}>")
    return body


# --- layers and maps ---------------------------------------------------------------
def run_join(ctx: Context, step: Step) -> StepOutput:
    from geoproc.panel import year_values

    o = step.options
    p = ctx.get(o["panel"])
    rid = ctx.regions_id(o["regions"])
    regions = ctx.get(o["regions"])
    gdf = regions.copy()
    rows = {}
    for c in o["columns"]:
        rows[c] = year_values(p.frame, c, o["year"], id=p.id, year_column=p.year)
    keys = gdf[rid] if rid in gdf.columns else gdf.index.to_series()
    for c, s in rows.items():
        s.index = s.index.astype(str)
        gdf[c] = keys.astype(str).map(s).to_numpy()
        missing = keys[gdf[c].isna().to_numpy()].astype(str).tolist()
        if missing:
            raise GeoprocInputError(f"step {step.name}: no {c!r} in {o['year']} for regions {', '.join(missing[:20])}")
    gdf["year"] = o["year"]
    gdf = _with_provenance(gdf, p, o["year"])
    out = StepOutput(gdf, report={"kind": "join", "year": o["year"],
                                  "regions": _region_rows(gdf, rid, list(o["columns"]))})
    if o["layer"]:
        out.layers[o["layer"]] = Layer(gdf, o["style"] or "outline")
    return out


def run_map(ctx: Context, step: Step) -> StepOutput:
    from geoproc import maps

    o = step.options
    rel = _default_file(step)
    path = ctx.outdir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    kw: dict[str, Any] = {"offline": o["offline"], "overwrite": True}
    if o["title"]:
        kw["title"] = o["title"]
    src = ctx.get(o["source"]) if o["source"] else None
    regions = ctx.get(o["regions"]) if o["regions"] else None
    t = o["type"]
    if t == "lisa":
        maps.lisa_map(src, path, **kw)
    elif t == "hotspot":
        maps.hotspot_map(src, path, **kw)
    elif t == "choropleth":
        maps.choropleth_map(src, path, o["column"], kind=o["scheme"], **kw)
    elif t == "points":
        extra = {}
        if regions is not None and o["column"]:
            extra = {"column": o["column"], "kind": o["scheme"] or "density"}
        maps.points_map(regions, src, path, **extra, **kw)
    elif t == "raster":
        maps.raster_map(src.path, path, regions=regions, **kw)
    elif t == "links":
        rstep = o["regions"]
        maps.links_map(regions, ctx.get(o["weights"]), path,
                       id=ctx.regions_id(rstep) if ctx.steps[rstep].kind == "boundaries" else None, **kw)
    return StepOutput(rel, [rel], report={"kind": "map", "type": t, "file": rel})


STEP_FUNCTIONS: dict[str, Callable[[Context, Step], StepOutput]] = {
    "boundaries": run_boundaries, "centroids": run_centroids, "distances": run_distances,
    "panel": run_panel, "points": run_points, "weights": run_weights,
    "agglomeration": run_agglomeration, "location_quotient": run_location_quotient,
    "pca": run_pca, "entropy": run_entropy, "moran": run_moran, "lisa": run_lisa,
    "hotspots": run_hotspots, "density": run_density, "kde": run_kde, "sdm": run_sdm,
    "join": run_join, "map": run_map,
}


def run_step(ctx: Context, step: Step) -> StepOutput:
    """Run one step; its report entry always records its name and options."""
    out = STEP_FUNCTIONS[step.kind](ctx, step)
    out.report.setdefault("kind", step.kind)
    out.report["options"] = _clean({k: (Path(v).name if k in ("path",) and v else v)
                                    for k, v in step.options.items()})
    json.dumps(out.report)  # fail here, naming nothing half-written, if a value is not JSON
    return out

