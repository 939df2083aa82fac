"""``kind = "kde"``: a kernel density raster (GeoTIFF) with its QGIS style beside it."""

from __future__ import annotations

from pathlib import Path

from geoproc.pipeline.kinds._base import (
    INT,
    NUM,
    STR,
    Context,
    Opt,
    Raster,
    StepKind,
    StepOutput,
    items_table,
    positive,
    records,
)

KERNELS = ("quartic", "triangular", "uniform", "epanechnikov", "triweight", "gaussian")


class Kde(StepKind):
    name = "kde"
    section = "Park densities and kernel density"
    suffix = ".tif"
    rasters = True
    options = {"points": Opt(STR, True, ref=("points",)), "radius": Opt(NUM, check=positive),
               "pixel_size": Opt(NUM, default=1000.0, check=positive),
               "kernel": Opt(STR, default="quartic", choices=KERNELS),
               "output": Opt(STR, default="raw", choices=("raw", "scaled", "density")),
               "weight": Opt(STR), "crs": Opt(STR + INT), "file": Opt(STR),
               # dask: "threads", "processes" or a dask.distributed address (as the CLI's --scheduler)
               "scheduler": Opt(STR), "partitions": Opt(INT, check=positive)}

    def check(self, step, steps, add, base) -> None:
        crs_opt = step.options.get("crs")
        if crs_opt is None:
            return
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            crs = CRS.from_user_input(crs_opt)
        except CRSError as exc:
            add(("crs",), f"step {step.name}: crs {crs_opt!r} is not a CRS pyproj knows ({exc})")
            return
        if not crs.is_projected:
            add(("crs",), f"step {step.name}: crs {crs_opt!r} is not projected "
                "(the radius and pixel size are in metres)")

    def planned_files(self, step) -> list[str]:
        tif = super().planned_files(step)[0]
        return [tif, str(Path(tif).with_suffix(".qml"))]

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.kde import kernel_density
        from geoproc.kde.sources import dask_scheduler, to_dask
        from geoproc.outputs import atomic_output
        from geoproc.palettes import raster_qml

        o = step.options
        rel_tif, rel_qml = self.planned_files(step)
        pts = ctx.get(o["points"])
        with dask_scheduler(o["scheduler"]):
            res = kernel_density(to_dask(pts, o["partitions"]) if o["scheduler"] else pts,
                                 radius=o["radius"], pixel_size=o["pixel_size"], kernel=o["kernel"],
                                 weight=o["weight"], output=o["output"], crs=o["crs"],
                                 out=ctx.outdir / rel_tif, overwrite=True)  # fmt: skip
        with atomic_output(ctx.outdir / rel_qml, overwrite=True) as tmp:
            tmp.write_text(raster_qml("kde", res.max_value), encoding="utf-8")
        # the library's own record (as the raster's tags: radius_rule "given" when given)
        row = records(res.to_frame())[0]
        return StepOutput(res, [rel_tif, rel_qml], rasters={step.name: Raster(rel_tif, rel_qml)}, report={
            "kind": "kde", "file": rel_tif, "style": rel_qml, "crs": row["crs"],
            "shape": [row["rows"], row["cols"]], "radius_m": row["radius"], "radius_rule": row["radius_rule"],
            "pixel_size_m": row["pixel_size"], "kernel": row["kernel"], "output": row["output"],
            "weight": o["weight"], "points": row["n_points"], "max_value": row["max_value"],
            "source": row["source"]})

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        return [items_table(rep, join=" x ")]


KIND = Kde()
