"""``kind = "points"``: points (parks, ...) from a CSV/Excel of coordinates."""

from __future__ import annotations

from pathlib import Path

from geoproc.pipeline.kinds._base import (
    LAYER,
    STR,
    Context,
    Layer,
    Opt,
    StepKind,
    StepOutput,
    panel_source,
)


class Points(StepKind):
    name = "points"
    section = "Inputs"
    options = {"path": Opt(STR, True, path=True), "lon": Opt(STR, default="lon"),
               "lat": Opt(STR, default="lat"),
               "datum": Opt(STR, default="wgs84", choices=("wgs84", "gcj02", "bd09")), "layer": LAYER}

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.kde.sources import read_point_source

        o = step.options
        # one file in memory; a (Geo)Parquet file or dataset directory lazily, on dask
        pts = read_point_source(o["path"], lon=o["lon"], lat=o["lat"], datum=o["datum"])
        out = StepOutput(pts, report={"kind": "points", "file": Path(o["path"]).name, "points": len(pts),
                                      "datum": o["datum"], "source": panel_source(pts)})
        if o["layer"]:
            out.layers[o["layer"]] = Layer(pts, "points")
        return out


KIND = Points()
