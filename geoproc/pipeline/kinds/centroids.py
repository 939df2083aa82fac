"""``kind = "centroids"``: one point per region (area centroid, representative point, ...)."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import (
    LAYER,
    REGIONS,
    STR,
    Context,
    Layer,
    Opt,
    StepKind,
    StepOutput,
)

CENTROID_CHOICES = ("area", "representative", "largest", "capital")


class Centroids(StepKind):
    name = "centroids"
    section = "Inputs"
    options = {"regions": Opt(STR, True, ref=REGIONS),
               "how": Opt(STR, default="area", choices=CENTROID_CHOICES), "layer": LAYER}

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.centroid import centroids

        o = step.options
        rid = ctx.regions_id(o["regions"])
        pts = centroids(ctx.get(o["regions"]), how=o["how"], id=rid)
        out = StepOutput(pts, id=rid, report={"kind": "centroids", "points": len(pts), "how": o["how"]})
        if o["layer"]:
            out.layers[o["layer"]] = Layer(pts, "points")
        return out


KIND = Centroids()
