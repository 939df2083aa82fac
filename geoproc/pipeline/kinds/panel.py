"""``kind = "panel"``: a long table of regions x years (CSV or Excel)."""

from __future__ import annotations

from pathlib import Path

from geoproc.formatting import json_safe
from geoproc.pipeline.kinds._base import (
    INT,
    REGIONS,
    STR,
    Context,
    Opt,
    StepKind,
    StepOutput,
    panel_source,
)


class Panel(StepKind):
    name = "panel"
    section = "Inputs"
    options = {"path": Opt(STR, True, path=True), "id": Opt(STR, default="code"),
               "year": Opt(STR, default="year"), "regions": Opt(STR, ref=REGIONS),
               "sheet": Opt(STR + INT, default=0)}

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.panel import load_panel

        o = step.options
        regions = ctx.get(o["regions"]) if o["regions"] else None
        regions_id = ctx.regions_id(o["regions"]) if o["regions"] else None
        # the library's one checked Panel (messages, name matching, provenance)
        panel = load_panel(o["path"], id=o["id"], year=o["year"], regions=regions, sheet=o["sheet"],
                           regions_id=regions_id)
        df, years = panel.frame, panel.years
        return StepOutput(panel, id=o["id"], report={
            "kind": "panel", "file": Path(o["path"]).name, "rows": len(df),
            "regions": int(df[o["id"]].nunique()), "years": json_safe(years), "source": panel_source(df)})


KIND = Panel()
