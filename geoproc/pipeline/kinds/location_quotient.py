"""``kind = "location_quotient"``: a sector's location quotient (geoproc.indices)."""

from __future__ import annotations

from geoproc.pipeline.kinds._base import STR, Context, Opt, StepOutput, table
from geoproc.pipeline.kinds._indicator import PANEL_OPT, IndicatorKind, index_summary, with_column


class LocationQuotient(IndicatorKind):
    name = "location_quotient"
    options = {"panel": PANEL_OPT, "sector": Opt(STR, True), "total": Opt(STR, True), "name": Opt(STR)}
    column_options = ("sector", "total")

    def default_name(self, options) -> str:
        return f"{options['sector']}_lq"

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.indices import location_quotient

        o = step.options
        p = ctx.get(o["panel"])
        s = location_quotient(p.frame, o["sector"], o["total"], id=p.id, year=p.year, name=o["name"])
        df = p.frame
        above = {}
        label = "name_en" if "name_en" in df.columns else p.id
        for y in sorted(df[p.year].unique()):
            sel = (df[p.year] == y) & (s > 1)
            order = s[sel].sort_values(ascending=False).index
            above[str(y)] = [str(v) for v in df.loc[order, label]]
        return StepOutput(with_column(p, s), id=p.id, report={
            "kind": "location_quotient", "sector": o["sector"], "total": o["total"], "lq_above_1": above,
            **index_summary(p, s)})

    def extra_html(self, rep: dict) -> list[str]:
        return [table([{"year": y, "regions with LQ > 1": ", ".join(v)} for y, v in rep["lq_above_1"].items()])]


KIND = LocationQuotient()
