"""``kind = "entropy"``: a composite index by the entropy weight method (geoproc.indices)."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import INT, STR, Context, Opt, StepOutput, min_two
from geoproc.pipeline.kinds._indicator import (
    PANEL_OPT,
    IndicatorKind,
    composite_report,
    with_column,
)


class Entropy(IndicatorKind):
    name = "entropy"
    options = {"panel": PANEL_OPT, "indicators": Opt(STR, True, many=True, check=min_two),
               "directions": Opt(STR + INT, many=True),
               "by": Opt(STR, default="pooled", choices=("pooled", "year")), "name": Opt(STR)}
    column_options = ("indicators",)

    def default_name(self, options) -> str:
        return "entropy_index"

    def check(self, step, steps, add, base) -> None:
        o = step.options
        if o.get("directions") is not None and o.get("indicators") is not None \
                and len(o["directions"]) != len(o["indicators"]):
            add(("directions",), f"step {step.name}: {len(o['directions'])} directions for "
                f"{len(o['indicators'])} indicators")

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.indices import entropy_weight_index

        o = step.options
        p = ctx.get(o["panel"])
        s, res = entropy_weight_index(p.frame, o["indicators"], o["directions"], by=o["by"], id=p.id,
                                      year=p.year, name=self.new_column(o))
        return StepOutput(with_column(p, s), id=p.id, report=composite_report("entropy", res, p, s))


KIND = Entropy()
