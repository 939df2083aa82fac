"""``kind = "agglomeration"``: the agglomeration index of a column (geoproc.indices)."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import STR, Context, Opt, StepOutput
from geoproc.pipeline.kinds._indicator import PANEL_OPT, IndicatorKind, index_summary, with_column


class Agglomeration(IndicatorKind):
    name = "agglomeration"
    options = {"panel": PANEL_OPT, "value": Opt(STR, True), "name": Opt(STR)}
    column_options = ("value",)

    def default_name(self, options) -> str:
        return f"{options['value']}_agglomeration"

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.indices import agglomeration_index

        o = step.options
        p = ctx.get(o["panel"])
        s = agglomeration_index(p.frame, o["value"], id=p.id, year=p.year, name=o["name"])
        return StepOutput(with_column(p, s), id=p.id, report={"kind": "agglomeration", "value": o["value"],
                                                               **index_summary(p, s)})


KIND = Agglomeration()
