"""``kind = "pca"``: a composite index from principal components (geoproc.indices)."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import NUM, STR, Context, Opt, StepOutput, min_two
from geoproc.pipeline.kinds._indicator import (
    PANEL_OPT,
    IndicatorKind,
    composite_report,
    with_column,
)


class Pca(IndicatorKind):
    name = "pca"
    options = {"panel": PANEL_OPT, "indicators": Opt(STR, True, many=True, check=min_two),
               "method": Opt(STR, default="first", choices=("first", "weighted")),
               "keep": Opt(STR + NUM, default="kaiser"),
               "by": Opt(STR, default="pooled", choices=("pooled", "year")), "name": Opt(STR)}
    column_options = ("indicators",)

    def default_name(self, options) -> str:
        return "pca_index"

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.indices import pca_index

        o = step.options
        p = ctx.get(o["panel"])
        s, res = pca_index(p.frame, o["indicators"], o["method"], keep=o["keep"], by=o["by"], id=p.id,
                           year=p.year, name=self.new_column(o))
        return StepOutput(with_column(p, s), id=p.id, report=composite_report("pca", res, p, s))


KIND = Pca()
