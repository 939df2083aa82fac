"""``kind = "density"``: points per region (count, share, per 1000 km², per capita)."""

from __future__ import annotations

from geoproc.formatting import json_safe
from geoproc.pipeline.kinds._base import (
    INT,
    LAYER,
    REGIONS,
    STR,
    Context,
    Layer,
    Opt,
    StepKind,
    StepOutput,
    positive,
    region_rows,
    table,
)


class Density(StepKind):
    name = "density"
    section = "Park densities and kernel density"
    options = {"points": Opt(STR, True, ref=("points",)), "regions": Opt(STR, True, ref=REGIONS),
               "per_capita": Opt(STR), "layer": LAYER,
               # dask: "threads", "processes" or a dask.distributed address (as the CLI's --scheduler)
               "scheduler": Opt(STR), "partitions": Opt(INT, check=positive)}

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.density import point_density
        from geoproc.kde.sources import dask_scheduler, to_dask

        o = step.options
        rid = ctx.regions_id(o["regions"])
        pts = ctx.get(o["points"])
        with dask_scheduler(o["scheduler"]):
            gdf = point_density(to_dask(pts, o["partitions"]) if o["scheduler"] else pts,
                                ctx.get(o["regions"]), id=rid, per_capita=o["per_capita"])
        cols = ["park_count", "park_share", "area_km2", "density_per_1000km2"]
        cols += ["parks_per_million"] if "parks_per_million" in gdf.columns else []
        out = StepOutput(gdf, id=rid, report={
            "kind": "density", "points_total": json_safe(gdf.attrs.get("points_total")),
            "points_outside": json_safe(gdf.attrs.get("points_outside")),
            "regions": region_rows(gdf, rid, cols)})
        if o["layer"]:
            out.layers[o["layer"]] = Layer(gdf, "park_density")
        return out

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        return [f"<p>{rep['points_total']} points, {rep['points_outside']} outside every region.</p>",
                table(rep["regions"])]


KIND = Density()
