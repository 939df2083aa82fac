"""``kind = "pattern"``: point patterns of parks: ellipses, nearest-neighbour index, Ripley's K/L."""

from __future__ import annotations

from typing import Any

from geoproc.pipeline.kinds._base import (
    BOOL,
    INT,
    LAYER,
    NUM,
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
    positive,
    records,
    table,
)

_ELLIPSE_COLUMNS = ["n", "centre_lon", "centre_lat", "major_m", "minor_m", "rotation_deg", "area_km2",
                    "shift_km", "shift_azimuth_deg"]
_ANN_COLUMNS = ["n", "area_km2", "observed_m", "expected_m", "ratio", "z", "p", "pattern"]


class Pattern(StepKind):
    name = "pattern"
    section = "Point patterns"
    options = {"points": Opt(STR, True, ref=("points",)), "regions": Opt(STR, ref=REGIONS),
               "by": Opt(STR), "cumulative": Opt(BOOL, default=False), "weight": Opt(STR),
               "std": Opt(NUM, default=1.0, check=positive),
               "convention": Opt(STR, default="arcgis", choices=("arcgis", "yuill", "crimestat")),
               "ellipse": Opt(BOOL, default=True), "ann": Opt(BOOL, default=True),
               "ripley": Opt(BOOL, default=False), "distances": Opt(NUM, many=True),
               "simulations": Opt(INT, default=99, check=non_negative), "seed": SEED,
               "layer": LAYER, "map": Opt(BOOL, default=False)}

    def check(self, step, steps, add, base) -> None:
        o, name = step.options, step.name
        if o.get("cumulative") and o.get("by") is None:
            add(("cumulative",), f"step {name}: cumulative = true needs by = <column> (e.g. year)")
        if o.get("ripley") and o.get("regions") is None:
            add(("ripley",), f"step {name}: ripley = true needs regions = <step> (the window)")
        if not (o.get("ellipse") or o.get("ann") or o.get("ripley")):
            add(("ellipse",), f"step {name}: nothing to compute: set ellipse, ann or ripley = true")
        if (o.get("layer") or o.get("map")) and not o.get("ellipse"):
            add(("layer",), f"step {name}: layer and map draw the ellipses: set ellipse = true")

    def planned_files(self, step) -> list[str]:
        o = step.options
        return ([f"{step.name}_ripley.csv"] if o.get("ripley") else []) + (
            [f"maps/{step.name}.html"] if o.get("map") else [])

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.outputs import atomic_output
        from geoproc.pattern import nearest_neighbour_index, ripleys_k, standard_deviational_ellipse

        o = step.options
        points = ctx.get(o["points"])
        regions = ctx.get(o["regions"]) if o["regions"] else None
        group = {"by": o["by"], "cumulative": o["cumulative"]}
        value: dict[str, Any] = {}
        report: dict[str, Any] = {"kind": "pattern", "by": o["by"], "cumulative": o["cumulative"]}
        out = StepOutput(value, report=report)
        if o["ellipse"]:
            sde = value["ellipse"] = standard_deviational_ellipse(
                points, weight=o["weight"], std=o["std"], convention=o["convention"], **group)
            report["ellipse"] = {"convention": o["convention"], "std": o["std"], "weight": o["weight"],
                                 "crs": sde.crs.name, "groups": _rows(sde.to_frame(), _ELLIPSE_COLUMNS)}
            if o["layer"]:
                gdf = sde.ellipses.reset_index(names=o["by"] or "group")
                gdf.attrs["style_field"] = o["by"] or "group"  # one outline colour per group
                out.layers[o["layer"]] = Layer(gdf, "sde_ellipses")
        if o["ann"]:
            ann = value["ann"] = nearest_neighbour_index(points, regions, **group)
            report["ann"] = {"area_source": ann.area_source, "groups": _rows(ann.to_frame(), _ANN_COLUMNS)}
        if o["ripley"]:
            rip = value["ripley"] = ripleys_k(points, regions, distances=o["distances"],
                                              simulations=o["simulations"], seed=o["seed"], **group)
            rel = f"{step.name}_ripley.csv"
            with atomic_output(ctx.outdir / rel, overwrite=True) as tmp:
                rip.to_frame().to_csv(tmp, index=False, encoding="utf-8")
            out.files.append(rel)
            report["ripley"] = {"file": rel, "simulations": rip.simulations, "seed": rip.seed,
                                "area_km2": rip.area_km2, "groups": _ripley_rows(rip)}
        if o["map"]:
            from geoproc.maps import ellipse_map

            rel = f"maps/{step.name}.html"
            (ctx.outdir / rel).parent.mkdir(parents=True, exist_ok=True)
            ellipse_map(value["ellipse"], ctx.outdir / rel, regions=regions, offline=True, overwrite=True)
            out.files.append(rel)
            report["map"] = rel
        return out

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        key = rep["by"] or "group"
        parts = []
        if "ellipse" in rep:
            e = rep["ellipse"]
            parts += [f"<h4>Standard deviational ellipses ({esc(e['convention'])} convention, "
                      f"{esc(e['std'])} SD, in {esc(e['crs'])})</h4>", table(e["groups"], [key, *_ELLIPSE_COLUMNS])]
        if "ann" in rep:
            parts += ["<h4>Average nearest-neighbour index (Clark &amp; Evans; area from "
                      f"{esc(rep['ann']['area_source'])})</h4>", table(rep["ann"]["groups"], [key, *_ANN_COLUMNS])]
        if "ripley" in rep:
            r = rep["ripley"]
            parts += [f"<h4>Ripley's K / Besag's L ({r['simulations']} CSR simulations, seed "
                      f"{esc(r['seed'])}; curves in <a href='{esc(r['file'])}'>{esc(r['file'])}</a>)</h4>",
                      table(r["groups"])]
        if "map" in rep:
            parts.append(f"<p><a href='{esc(rep['map'])}'>{esc(rep['map'])}</a> (ellipse map)</p>")
        return parts


def _rows(frame, columns: list[str]) -> list[dict]:
    keep = [frame.columns[0], *(c for c in columns if c in frame.columns)]
    return records(frame[keep])


def _ripley_rows(rip) -> list[dict]:
    """Per group: where L(r) - r is largest and at how many distances L leaves its envelope."""
    import pandas as pd

    rows = []
    for g, part in rip.table.groupby(level=0, sort=False):
        i = int(part.l_minus_r_m.to_numpy().argmax())
        rows.append({rip.by or "group": g, "n": int(part.n.iloc[0]),
                     "max_l_minus_r_km": float(part.l_minus_r_m.iloc[i]) / 1e3,
                     "at_r_km": float(part.r_m.iloc[i]) / 1e3,
                     "clustered_at": int((part.pattern == "clustered").sum()),
                     "dispersed_at": int((part.pattern == "dispersed").sum()), "distances": len(part)})
    return records(pd.DataFrame(rows))


KIND = Pattern()
