"""``kind = "sdm"``: a panel spatial Durbin (or SAR/SEM/SLX) model by maximum likelihood."""

from __future__ import annotations

from geoproc.formatting import json_safe
from geoproc.pipeline.kinds._base import (
    BOOL,
    INT,
    ISLANDS,
    LAYER,
    PANELS,
    REGIONS,
    SEED,
    STR,
    Context,
    Layer,
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
               "model": Opt(STR, default="sdm", choices=("sdm", "sar", "sem", "slx", "sac", "sdem", "gns")),
               "draws": Opt(INT, default=1000, check=non_negative), "seed": SEED,
               "lee_yu": Opt(BOOL, default=False), "tests": Opt(BOOL, default=True), "islands": ISLANDS,
               # a dynamic panel (tau y(t-1), psi W y(t-1)): geoproc.durbin.dynamic_model
               "dynamic": Opt(STR, choices=("tl", "stl", "both")),
               "random_effects": Opt(BOOL, default=False),
               # Elhorst's model-selection sequence instead of one model
               "select": Opt(BOOL, default=False),
               # a region layer of each region's effects, coloured by one of them (default the
               # first regressor's direct effect) with the diverging sdm_effects style
               "regions": Opt(STR, ref=REGIONS), "layer": LAYER, "effect": Opt(STR)}
    column_options = ("y", "x")

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.durbin import sdm

        o = step.options
        p = ctx.get(o["panel"])
        if o["layer"] and (o.get("select") or o.get("dynamic")):
            from geoproc.errors import GeoprocInputError

            raise GeoprocInputError(f"sdm layer {o['layer']!r}: the region layer is drawn from a static "
                                    "model; leave out select or dynamic, or the layer")
        if o.get("select"):
            return self._run_select(ctx, step, p)
        if o.get("dynamic"):
            return self._run_dynamic(ctx, step, p)
        # the step's Panel as it is (checked once, by the panel step)
        res = sdm(p, ctx.get(o["weights"]), o["y"], o["x"], effects=o["effects"],
                  model=o["model"], lee_yu=o["lee_yu"], draws=o["draws"], seed=o["seed"], tests=o["tests"],
                  random_effects=o["random_effects"], islands=o["islands"])
        rel = self.planned_files(step)[0]
        res.to_html(ctx.outdir / rel, overwrite=True)
        out = StepOutput(res, [rel], report={"kind": "sdm", "file": rel, "result": json_safe(res.to_dict()),
                                             "coefficients": records(res.to_frame().reset_index()),
                                             "effects": records(res.effects.reset_index())})
        if res.lee_yu is not None:  # the estimator the step chose: its effects too, by name
            out.report["effects_lee_yu"] = records(res.lee_yu.effects.reset_index())
        if o["layer"]:
            out.layers[o["layer"]] = Layer(self._region_layer(ctx, o, res, p), "sdm_effects")
        return out

    @staticmethod
    def _region_layer(ctx: Context, o: dict, res, panel):
        """The regions with each one's effects (last panel year's observed/fitted values)."""
        from geoproc.errors import GeoprocInputError
        from geoproc.validation import region_ids

        if not o["regions"]:
            raise GeoprocInputError(f"sdm layer {o['layer']!r}: give regions = the boundaries step to draw it on")
        regions = ctx.get(o["regions"])
        ids = region_ids(regions, ctx.regions_id(o["regions"]))
        by_region = res.region_effects(year=sorted(panel.frame[panel.year].dropna().unique())[-1])
        # default the direct effect: with row-standardised W every region's total effect is
        # the same ((I - rho W)^-1 (beta + theta W) 1 is constant), a one-colour map
        effect = o["effect"] or f"{o['x'][0]}_direct"
        if effect not in by_region.columns:
            raise GeoprocInputError(f"sdm effect {effect!r} unknown; choose one of {', '.join(by_region.columns)}")
        by_text = by_region.set_axis([str(i) for i in by_region.index])  # 320000 and "320000" alike
        gdf = regions.copy()
        for col in by_region.columns:
            gdf[col] = by_text[col].reindex([str(i) for i in ids]).to_numpy()
        gdf.attrs["style_field"] = effect  # the column the diverging style classifies
        return gdf

    def _run_dynamic(self, ctx: Context, step, p) -> StepOutput:
        from geoproc.durbin.dynamic_model import sdm_dynamic

        o = step.options
        res = sdm_dynamic(p.frame, ctx.get(o["weights"]), o["y"], o["x"], id=p.id, year=p.year,
                          effects=o["effects"], model=o["model"], dynamic=o["dynamic"],
                          draws=o["draws"], seed=o["seed"], islands=o["islands"])
        rel = self.planned_files(step)[0]
        res.to_html(ctx.outdir / rel, overwrite=True)
        return StepOutput(res, [rel], report={"kind": "sdm", "file": rel, "dynamic": o["dynamic"],
                                              "result": json_safe(res.to_dict()),
                                              "coefficients": records(res.to_frame().reset_index()),
                                              "effects": records(res.effects_table())})

    def _run_select(self, ctx: Context, step, p) -> StepOutput:
        from geoproc.durbin.selection import select_model

        o = step.options
        sel = select_model(p.frame, ctx.get(o["weights"]), o["y"], o["x"], id=p.id, year=p.year,
                           effects=o["effects"], islands=o["islands"])
        rel = self.planned_files(step)[0]
        page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Model selection"
                f"</title></head><body><pre>{esc(sel.summary())}</pre></body></html>\n")
        from geoproc.outputs import atomic_output

        with atomic_output(ctx.outdir / rel, True) as tmp:
            tmp.write_text(page, encoding="utf-8")
        return StepOutput(sel, [rel], report={"kind": "sdm", "file": rel, "select": True,
                                              "result": json_safe(sel.to_dict())})

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        from geoproc.durbin.report import html_fragment

        if rep.get("select"):
            return [f"<pre class='sdm'>{esc(out.value.summary())}</pre>"]
        # the model's own tables, their headings below the step's (h3)
        frag = (out.value.html_fragment(level=4) if rep.get("dynamic")
                else html_fragment(out.value, level=4))
        return [f"<div class='sdm'>{frag}</div>",
                f"<p>Full report: <a href='{esc(rep['file'])}'>{esc(rep['file'])}</a></p>"]


KIND = Sdm()
