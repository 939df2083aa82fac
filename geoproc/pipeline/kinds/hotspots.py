"""``kind = "hotspots"``: Getis-Ord Gi* hot and cold spots of one variable in one year."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import (
    BOOL,
    INT,
    ISLANDS,
    LAYER,
    STR,
    Context,
    Layer,
    Opt,
    StepOutput,
    non_negative,
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
    # ArcGIS's convention by default; permutations only for inference = "permutation"
    options = {**LocalKind.common, "permutations": Opt(INT, default=None, check=non_negative),
               "inference": Opt(STR, default="normal", choices=("normal", "permutation")),
               "transform": Opt(STR, default="B", choices=("B", "R", "O")),
               "fdr": Opt(BOOL, default=False), "islands": ISLANDS, "layer": LAYER}

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.hotspots import getis_ord, inference_label

        o = step.options
        rid = ctx.regions_id(o["regions"])
        values = self.values(ctx, step)
        gdf = getis_ord(ctx.get(o["regions"]), values, ctx.get(o["weights"]), permutations=o["permutations"],
                        seed=o["seed"], id=rid, inference=o["inference"], transform=o["transform"], fdr=o["fdr"],
                        islands=o["islands"])
        gdf = self.finish(ctx, step, gdf, values)
        bins = {str(k): int(v) for k, v in gdf["hotspot"].value_counts().sort_index().items()}
        out = StepOutput(gdf, id=rid, report={
            "kind": "hotspots", "variable": o["variable"], "year": o["year"], "permutations": gdf.attrs["permutations"],
            "seed": o["seed"], "inference": inference_label(gdf.attrs), "hotspots": bins,
            "regions": region_rows(gdf, rid, ["value", "gi_G", "gi_z", "gi_p"] + ["gi_p_fdr"] * o["fdr"]
                                   + ["hotspot"]),
            "notes": list(gdf.attrs.get("notes", []))})
        if o["layer"]:
            out.layers[o["layer"]] = Layer(gdf, "getis_ord_hotspots")
        return out

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        use_agg()
        from geoproc import plots

        parts = [table([{"bin": c, "regions": n} for c, n in rep["hotspots"].items()]),
                 table([r for r in rep["regions"] if r.get("hotspot") != "Not significant"])]
        cap = f"Gi* hot and cold spots: {step.options['variable']} {step.options['year']} ({rep['inference']})"
        parts += figure_html([(cap, png(plots.hotspot_map(display_copy(out.value), title=cap)))])
        return parts + notes_html(rep["notes"])


KIND = Hotspots()
