"""``kind = "boundaries"``: regions from a shipped boundary set or a vector file."""

from __future__ import annotations

from pathlib import Path

from geoproc.boundaries import BOUNDARIES
from geoproc.pipeline.kinds._base import LAYER, STR, Context, Layer, Opt, StepKind, StepOutput

SHIPPED_BOUNDARIES = tuple(BOUNDARIES)


class Boundaries(StepKind):
    name = "boundaries"
    section = "Inputs"
    options = {"source": Opt(STR, required=True), "id": Opt(STR, default="code"),
               "source_layer": Opt(STR), "layer": LAYER}

    def check(self, step, steps, add, base) -> None:
        from geoproc.pipeline.config import resolve_path

        o = step.options
        if o["source"] is None or o["source"] in SHIPPED_BOUNDARIES:
            return
        p = resolve_path(o["source"], base)
        if not p.exists():
            add(("source",), f"step {step.name}: source {o['source']!r} is neither a shipped "
                f"boundary set ({', '.join(SHIPPED_BOUNDARIES)}) nor an existing file")
        else:
            o["source"] = str(p)

    def input_files(self, step) -> list[str]:
        src = step.options["source"]
        if src not in SHIPPED_BOUNDARIES:
            return [src]
        from geoproc._paths import data_dir

        shipped = data_dir() / BOUNDARIES[src].file
        return [str(shipped)] if shipped.is_file() else []

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.boundaries import read_regions

        o = step.options
        gdf = read_regions(o["source"], id=o["id"], layer=o["source_layer"])
        out = StepOutput(gdf, id=o["id"], report={"kind": "boundaries", "source": Path(o["source"]).name,
                                                  "regions": len(gdf)})
        if o["layer"]:
            out.layers[o["layer"]] = Layer(gdf, "outline")
        return out


KIND = Boundaries()
