"""``kind = "sdm"``: a panel spatial Durbin (or SAR/SEM/SLX) model by maximum likelihood."""

from __future__ import annotations

from geoproc.formatting import json_safe
from geoproc.pipeline.kinds._base import (
    BOOL,
    INT,
    PANELS,
    SEED,
    STR,
    Context,
    Opt,
    StepKind,
    StepOutput,
    esc,
    non_negative,
    records,
)


class Sdm(StepKind):
    name = "sdm"
    section = "Spatial Durbin model"
    suffix = ".html"
    options = {"panel": Opt(STR, True, ref=PANELS), "weights": Opt(STR, True, ref=("weights",)),
               "y": Opt(STR, True), "x": Opt(STR, True, many=True),
               "effects": Opt(STR, default="twoway", choices=("twoway", "region", "time", "none")),
               "model": Opt(STR, default="sdm", choices=("sdm", "sar", "sem", "slx")),
               "draws": Opt(INT, default=1000, check=non_negative), "seed": SEED,
               "lee_yu": Opt(BOOL, default=False), "tests": Opt(BOOL, default=True)}
    column_options = ("y", "x")

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.durbin import sdm

        o = step.options
        p = ctx.get(o["panel"])
        res = sdm(p.frame, ctx.get(o["weights"]), o["y"], o["x"], id=p.id, year=p.year, effects=o["effects"],
                  model=o["model"], lee_yu=o["lee_yu"], draws=o["draws"], seed=o["seed"], tests=o["tests"])
        rel = self.planned_files(step)[0]
        res.to_html(ctx.outdir / rel, overwrite=True)
        return StepOutput(res, [rel], report={"kind": "sdm", "file": rel, "result": json_safe(res.to_dict()),
                                              "coefficients": records(res.to_frame().reset_index()),
                                              "effects": records(res.effects.reset_index())})

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        from geoproc.durbin.report import html_fragment

        # the model's own tables, their headings below the step's (h3)
        return [f"<div class='sdm'>{html_fragment(out.value, level=4)}</div>",
                f"<p>Full report: <a href='{esc(rep['file'])}'>{esc(rep['file'])}</a></p>"]


KIND = Sdm()
