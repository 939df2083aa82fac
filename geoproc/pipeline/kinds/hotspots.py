"""``kind = "hotspots"``: Getis-Ord Gi* hot and cold spots of one variable in one year."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import (
    ISLANDS,
    LAYER,
    STR,
    Context,
    Layer,
    Opt,
    StepOutput,
    notes_html,
    region_rows,
    table,
)
from geoproc.pipeline.kinds._local import (
    LocalKind,
    display_copy,
    figure_html,
    png,
    use_agg,
)


class Hotspots(LocalKind):
    name = "hotspots"
    options = {**LocalKind.common, "inference": Opt(STR, choices=("sim", "norm")), "islands": ISLANDS,
               "layer": LAYER}

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.hotspots import getis_ord

        o = step.options
        rid = ctx.regions_id(o["regions"])
        values = self.values(ctx, step)
        gdf = getis_ord(ctx.get(o["regions"]), values, ctx.get(o["weights"]), permutations=o["permutations"],
                        seed=o["seed"], id=rid, inference=o["inference"], islands=o["islands"])
        gdf = self.finish(ctx, step, gdf, values)
        bins = {str(k): int(v) for k, v in gdf["hotspot"].value_counts().sort_index().items()}
        out = StepOutput(gdf, id=rid, report={
            "kind": "hotspots", "variable": o["variable"], "year": o["year"], "permutations": o["permutations"],
            "seed": o["seed"], "hotspots": bins,
            "regions": region_rows(gdf, rid, ["value", "gi_G", "gi_z", "gi_p", "hotspot"]),
            "notes": list(gdf.attrs.get("notes", []))})
        if o["layer"]:
            out.layers[o["layer"]] = Layer(gdf, "getis_ord_hotspots")
        return out

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        use_agg()
        from geoproc import plots

        parts = [table([{"bin": c, "regions": n} for c, n in rep["hotspots"].items()]),
                 table([r for r in rep["regions"] if r.get("hotspot") != "Not significant"])]
        cap = f"Gi* hot and cold spots: {step.options['variable']} {step.options['year']}"
        parts += figure_html([(cap, png(plots.hotspot_map(display_copy(out.value), title=cap)))])
        return parts + notes_html(rep["notes"])


KIND = Hotspots()
