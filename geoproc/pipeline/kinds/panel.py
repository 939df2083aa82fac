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
    PanelData,
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
        from geoproc.panel import read_panel

        o = step.options
        regions = ctx.get(o["regions"]) if o["regions"] else None
        df = read_panel(o["path"], id=o["id"], year=o["year"], regions=regions, sheet=o["sheet"])
        years = sorted(df[o["year"]].unique())
        return StepOutput(PanelData(df, o["id"], o["year"]), id=o["id"], report={
            "kind": "panel", "file": Path(o["path"]).name, "rows": len(df),
            "regions": int(df[o["id"]].nunique()), "years": json_safe(years), "source": panel_source(df)})


KIND = Panel()
