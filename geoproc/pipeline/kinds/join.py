"""``kind = "join"``: panel columns of one year joined onto the regions, as a styled layer."""

from __future__ import annotations

from geoproc.errors import GeoprocInputError
from geoproc.pipeline.kinds._base import (
    INT,
    LAYER,
    PANELS,
    REGIONS,
    STR,
    Context,
    Layer,
    Opt,
    StepKind,
    StepOutput,
    region_rows,
    table,
    with_provenance,
)

# the styles a joined layer may take (shipped QML files and geoproc's plain ones)
STYLES = ("lisa_clusters", "getis_ord_hotspots", "park_density", "location_quotient",
          "agglomeration", "weight_links", "outline", "points")


class Join(StepKind):
    name = "join"
    section = "Park densities and kernel density"
    column_options = ("columns",)
    year_option = True
    options = {"regions": Opt(STR, True, ref=REGIONS), "panel": Opt(STR, True, ref=PANELS),
               "year": Opt(INT, True), "columns": Opt(STR, True, many=True),
               "style": Opt(STR, choices=STYLES), "layer": LAYER}

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.panel import year_values

        o = step.options
        p = ctx.get(o["panel"])
        rid = ctx.regions_id(o["regions"])
        gdf = ctx.get(o["regions"]).copy()
        keys = gdf[rid] if rid in gdf.columns else gdf.index.to_series()
        for c in o["columns"]:
            s = year_values(p.frame, c, o["year"], id=p.id, year_column=p.year)
            s.index = s.index.astype(str)
            gdf[c] = keys.astype(str).map(s).to_numpy()
            missing = keys[gdf[c].isna().to_numpy()].astype(str).tolist()
            if missing:
                raise GeoprocInputError(f"step {step.name}: no {c!r} in {o['year']} for regions "
                                        f"{', '.join(missing[:20])}")
        gdf["year"] = o["year"]
        gdf = with_provenance(gdf, p, o["year"])
        out = StepOutput(gdf, id=rid, report={"kind": "join", "year": o["year"],
                                              "regions": region_rows(gdf, rid, list(o["columns"]))})
        if o["layer"]:
            out.layers[o["layer"]] = Layer(gdf, o["style"] or "outline")
        return out

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        return [table(rep["regions"])]


KIND = Join()
