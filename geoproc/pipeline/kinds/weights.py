"""``kind = "weights"``: a spatial weights matrix from a spec (``geoproc.weights``' grammar)."""

from __future__ import annotations

from pathlib import Path

from geoproc.errors import GeoprocInputError
from geoproc.formatting import json_safe
from geoproc.pipeline.kinds._base import (
    BOOL,
    INT,
    LAYER,
    PANELS,
    REGIONS,
    STR,
    Context,
    Layer,
    Opt,
    StepKind,
    StepOutput,
    items_table,
)
from geoproc.pipeline.kinds.centroids import CENTROID_CHOICES
from geoproc.weights.spec import WeightsSpec


def _parse(spec: str) -> WeightsSpec | str:
    """The library's reading of ``spec`` (:class:`~geoproc.weights.spec.WeightsSpec`), or its
    message. Without ``NAME=``: a step's name is the matrix's name."""
    try:
        return WeightsSpec.parse(spec, named=False)
    except GeoprocInputError as exc:
        return str(exc)


class Weights(StepKind):
    name = "weights"
    section = "Spatial weights"
    suffix = ".gwt"
    options = {"spec": Opt(STR, True), "regions": Opt(STR, True, ref=REGIONS),
               "data": Opt(STR, ref=PANELS), "row_standardize": Opt(BOOL, default=False),
               "islands": Opt(STR, default="warn", choices=("warn", "nearest", "keep")),
               "centroid": Opt(STR, default="area", choices=CENTROID_CHOICES),
               "method": Opt(STR, default="geodesic", choices=("geodesic", "haversine")),
               "year": Opt(INT, many=True), "file": Opt(STR), "layer": LAYER}

    def check(self, step, steps, add, base) -> None:
        from geoproc.pipeline.config import resolve_path

        o = step.options
        if o.get("year") and not o.get("data"):
            add(("year",), f"step {step.name}: year picks the years of data; give data = <a panel step>")
        if o["spec"] is None:
            return
        parsed = _parse(o["spec"])
        if isinstance(parsed, str):
            add(("spec",), f"step {step.name}: {parsed}")
            return
        if parsed.needs_data and not o["data"]:
            add(("spec",), f"step {step.name}: spec {o['spec']!r} needs data = <a panel step>")
        if parsed.is_file:
            p = resolve_path(parsed.path, base)
            if not p.is_file():
                add(("spec",), f"step {step.name}: spec {o['spec']!r}: weights file {p} not found")
            else:
                o["spec"] = str(p)

    def column_checks(self, step) -> list[tuple[str, list[str], str]]:
        o = step.options
        parsed = _parse(o["spec"]) if o.get("spec") else None
        if o.get("data") and isinstance(parsed, WeightsSpec) and parsed.needs_data:
            return [("spec", [parsed.column], o["data"])]
        return []

    def year_checks(self, step) -> list[tuple[str, list[int], str]]:
        o = step.options
        return [("year", list(o["year"]), o["data"])] if o.get("data") and o.get("year") else []

    def input_files(self, step) -> list[str]:
        parsed = _parse(step.options["spec"])
        return [parsed.path] if isinstance(parsed, WeightsSpec) and parsed.is_file else []

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.weights import build_weights, write_weights

        o = step.options
        regions = ctx.get(o["regions"])
        rid = ctx.regions_id(o["regions"])
        data = ctx.get(o["data"]) if o["data"] else None
        w = build_weights(o["spec"], regions, data=data.frame if data else None, id=rid,
                          row_standardize=o["row_standardize"], islands=o["islands"],
                          data_id=data.id if data else None, year_column=data.year if data else None,
                          year=o["year"], method=o["method"], centroid=o["centroid"])
        rel = self.planned_files(step)[0]
        write_weights(w, ctx.outdir / rel, overwrite=True)
        card = w.cardinalities
        out = StepOutput(w, [rel], id=rid, report={
            "kind": "weights", "spec": Path(o["spec"]).name if "/" in o["spec"] else o["spec"], "file": rel,
            "n": w.n, "links": int(w.sparse.nnz), "row_standardized": bool(w.is_row_standardized()),
            "neighbours_min": int(card.min()), "neighbours_mean": float(card.mean()),
            "neighbours_max": int(card.max()), "islands": json_safe(list(w.islands)),
            "centroid": o["centroid"], "distance": o["method"],
            **({"masses": w.meta["masses"]} if "masses" in w.meta else {})})
        if o["layer"]:
            from geoproc.weights import links_frame

            # the library's links (weight_scaled, which the weight_links style classifies), from
            # a point inside each region so that no link starts outside its region
            out.layers[o["layer"]] = Layer(links_frame(w, regions, id=rid, centroid="representative"),
                                           "weight_links")
        return out

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        return [items_table(rep, join=", ")]


KIND = Weights()
