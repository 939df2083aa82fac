"""``kind = "lisa"``: local Moran's I (LISA) clusters of one variable in one year."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import (
    BOOL,
    ISLANDS,
    LAYER,
    NUM,
    Context,
    Layer,
    Opt,
    StepOutput,
    esc,
    notes_html,
    probability,
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


class Lisa(LocalKind):
    name = "lisa"
    options = {**LocalKind.common, "alpha": Opt(NUM, default=0.05, check=probability),
               "fdr": Opt(BOOL, default=False), "islands": ISLANDS, "layer": LAYER}

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.lisa import local_moran

        o = step.options
        rid = ctx.regions_id(o["regions"])
        values = self.values(ctx, step)
        gdf = local_moran(ctx.get(o["regions"]), values, ctx.get(o["weights"]), permutations=o["permutations"],
                          alpha=o["alpha"], fdr=o["fdr"], seed=o["seed"], id=rid, islands=o["islands"])
        gdf = self.finish(ctx, step, gdf, values)
        clusters = {str(k): int(v) for k, v in gdf["cluster"].value_counts().sort_index().items()}
        out = StepOutput(gdf, id=rid, report={
            "kind": "lisa", "variable": o["variable"], "year": o["year"], "permutations": o["permutations"],
            "seed": o["seed"], "alpha": o["alpha"], "fdr": o["fdr"], "clusters": clusters,
            "regions": region_rows(gdf, rid, ["value", "lisa_I", "lisa_z", "lisa_p", "lisa_q", "cluster"]),
            "notes": list(gdf.attrs.get("notes", []))})
        if o["layer"]:
            out.layers[o["layer"]] = Layer(gdf, "lisa_clusters")
        return out

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        parts = [f"<p>{esc(rep['variable'])}, {rep['year']}: {rep['permutations']} permutations, seed "
                 f"{esc(rep['seed'])}, alpha {rep['alpha']}{' with FDR' if rep['fdr'] else ''}.</p>",
                 table([{"cluster": c, "regions": n} for c, n in rep["clusters"].items()])]
        sig = [r for r in rep["regions"] if r.get("cluster") != "Not significant"]
        parts.append(table(sig or rep["regions"]))
        parts += figure_html(self.figures(step, out, ctx))
        return parts + notes_html(rep["notes"])

    def figures(self, step, out: StepOutput, ctx: Context) -> list[tuple[str, str]]:
        """The cluster map and the Moran scatter of the step's values and weights."""
        use_agg()
        from geoproc import plots

        o, gdf = step.options, out.value
        title = f"{o['variable']} {o['year']}"
        cap = f"LISA clusters: {title}"
        figs = [(cap, png(plots.lisa_cluster_map(display_copy(gdf), title=cap)))]
        by_id = gdf.set_index(out.id)  # the id column the step's result carries
        labels = by_id["name_en"] if "name_en" in by_id.columns else None
        figs.append((f"Moran scatter: {title}", png(plots.moran_scatter(
            by_id["value"], ctx.get(o["weights"]), title=title, labels=labels))))
        return figs


KIND = Lisa()
