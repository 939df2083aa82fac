"""``kind = "moran"``: global Moran's I by year, variable and weights matrix."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import (
    ISLANDS,
    PANELS,
    PERM,
    SEED,
    STR,
    Context,
    Opt,
    StepKind,
    StepOutput,
    records,
    table,
)


class Moran(StepKind):
    name = "moran"
    section = "Global Moran's I"
    options = {"panel": Opt(STR, True, ref=PANELS), "weights": Opt(STR, True, ref=("weights",), many=True),
               "variables": Opt(STR, True, many=True), "permutations": PERM, "seed": SEED,
               "inference": Opt(STR, default="norm", choices=("norm", "rand", "sim")), "islands": ISLANDS}
    column_options = ("variables",)

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.moran import moran_table

        o = step.options
        p = ctx.get(o["panel"])
        # the matrices named after their steps (the library labels one alone by its spec)
        ws = {name: ctx.get(name) for name in o["weights"]}
        t = moran_table(p, ws, o["variables"], permutations=o["permutations"],
                        seed=o["seed"], inference=o["inference"], islands=o["islands"])
        return StepOutput(t, report={"kind": "moran", "rows": records(t.to_frame()), "n": t.n,
                                     "permutations": t.permutations, "seed": t.seed,
                                     "inference": t.inference, "notes": list(t.notes)})

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        # the library's publication layout (a fragment), then every number of the long table
        return [out.value.to_html(),
                table(rep["rows"], ["year", "variable", "weights", "I", "EI", "z_norm", "p_norm",
                                    "z_rand", "p_rand", "p_sim"])]


KIND = Moran()
