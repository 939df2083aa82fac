"""``kind = "map"``: an HTML (folium) map of an earlier step's result."""

from __future__ import annotations

from typing import Any

from geoproc.pipeline.kinds._base import BOOL, REGIONS, STR, Context, Opt, StepKind, StepOutput, esc

# what each map type needs, and which kinds of step it shows
_NEEDS = {"lisa": ("source",), "hotspot": ("source",), "choropleth": ("source",),
          "points": ("source",), "raster": ("source",), "links": ("regions", "weights")}
_SOURCE = {"lisa": ("lisa",), "hotspot": ("hotspots",), "choropleth": ("join", "density"),
           "points": ("points",), "raster": ("kde",)}
#: geoproc.maps.basemaps.BASEMAPS' names (spelled out: importing geoproc.maps here would load folium
#: for every pipeline; tests/unit/test_pipeline_map_basemap.py checks they agree)
BASEMAP_NAMES = ("none", "osm", "gaode", "gaode-satellite", "tianditu")


class Map(StepKind):
    name = "map"
    section = "HTML maps"
    options = {"type": Opt(STR, True, choices=tuple(_NEEDS)),
               "source": Opt(STR, ref=("lisa", "hotspots", "join", "density", "kde", "points")),
               "regions": Opt(STR, ref=REGIONS + ("density", "join", "lisa", "hotspots")),
               "weights": Opt(STR, ref=("weights",)), "column": Opt(STR),
               "scheme": Opt(STR, choices=("lq", "agglomeration", "density")),
               "title": Opt(STR), "offline": Opt(BOOL, default=True), "file": Opt(STR),
               # tiles as in `geoproc map --basemap` (geoproc.maps.basemaps); none: no network
               "basemap": Opt(STR, default="none", choices=BASEMAP_NAMES), "tianditu_key": Opt(STR)}

    def check(self, step, steps, add, base) -> None:
        o, name, t = step.options, step.name, step.options["type"]
        if t not in _NEEDS:
            return
        for need in _NEEDS[t]:
            if o.get(need) is None:
                add(("type",), f"step {name}: a {t} map needs {need} = <step>")
        src = o.get("source")
        if src in steps and t in _SOURCE and steps[src].kind not in _SOURCE[t]:
            add(("source",), f"step {name}: a {t} map shows a {' or '.join(_SOURCE[t])} step, "
                f"not {src!r} ({steps[src].kind})")
        bm = o.get("basemap") or "none"
        if bm == "tianditu" and not o.get("tianditu_key"):
            add(("tianditu_key",), f"step {name}: basemap = \"tianditu\" needs tianditu_key = \"<your key>\" "
                "(free from https://console.tianditu.gov.cn)")
        if t == "choropleth" and (o.get("scheme") is None or o.get("column") is None):
            add(("type",), f"step {name}: a choropleth map needs column and scheme "
                "(lq, agglomeration or density)")

    def planned_files(self, step) -> list[str]:
        return [step.options.get("file") or f"maps/{step.name}.html"]

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc import maps

        o = step.options
        rel = self.planned_files(step)[0]
        path = ctx.outdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        # the CLI's way: scripts inlined (CDNs are slow or blocked in mainland China) unless
        # offline = false; the basemap's tiles load at view time, on GCJ-02 ones the overlays shift
        kw: dict[str, Any] = {"offline": o["offline"], "overwrite": True,
                              "basemap": o["basemap"] or "none", "tianditu_key": o["tianditu_key"]}
        if o["title"]:
            kw["title"] = o["title"]
        src = ctx.get(o["source"]) if o["source"] else None
        regions = ctx.get(o["regions"]) if o["regions"] else None
        t = o["type"]
        if t == "lisa":
            maps.lisa_map(src, path, **kw)
        elif t == "hotspot":
            maps.hotspot_map(src, path, **kw)
        elif t == "choropleth":
            maps.choropleth_map(src, path, o["column"], kind=o["scheme"], **kw)
        elif t == "points":
            extra = {}
            if regions is not None and o["column"]:
                extra = {"column": o["column"], "kind": o["scheme"] or "density"}
            maps.points_map(regions, src, path, **extra, **kw)
        elif t == "raster":
            maps.raster_map(src.path, path, regions=regions, **kw)
        elif t == "links":
            # the regions' own id column (a boundaries step's, or the one its result carries)
            maps.links_map(regions, ctx.get(o["weights"]), path, id=ctx.regions_id(o["regions"]), **kw)
        return StepOutput(rel, [rel], report={"kind": "map", "type": t, "file": rel})

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        return [f"<p><a href='{esc(rep['file'])}'>{esc(rep['file'])}</a> ({esc(rep['type'])} map)</p>"]


KIND = Map()
