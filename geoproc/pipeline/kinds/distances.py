"""``kind = "distances"``: the matrix of distances between regions, as CSV."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import REGIONS, STR, Context, Opt, StepKind, StepOutput


class Distances(StepKind):
    name = "distances"
    section = "Inputs"
    suffix = ".csv"
    options = {"regions": Opt(STR, True, ref=REGIONS + ("centroids",)),
               "method": Opt(STR, default="geodesic", choices=("geodesic", "haversine")),
               "file": Opt(STR)}

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.distances import write_distance_matrix

        o = step.options
        src = o["regions"]
        rel = self.planned_files(step)[0]
        # centroids keep the id of their regions but are matched by position, as before
        id_ = ctx.regions_id(src) if ctx.steps[src].kind == "boundaries" else None
        write_distance_matrix(ctx.get(src), ctx.outdir / rel, method=o["method"], overwrite=True, id=id_)
        return StepOutput(rel, [rel], report={"kind": "distances", "file": rel, "method": o["method"],
                                             "regions": len(ctx.get(src))})


KIND = Distances()
