"""What LISA and Getis-Ord Gi* share: one variable in one year of a panel, on regions."""

from __future__ import annotations

import base64
import io
from typing import Any

from geoproc.pipeline.kinds._base import (
    INT,
    PANELS,
    PERM,
    REGIONS,
    SEED,
    STR,
    Context,
    Opt,
    StepKind,
    esc,
)


class LocalKind(StepKind):
    """A local statistic of ``variable`` in ``year``: region rows, a layer, figures."""

    section = "Local clusters (LISA) and hot spots"
    column_options = ("variable",)
    year_option = True
    common = {"regions": Opt(STR, True, ref=REGIONS), "panel": Opt(STR, True, ref=PANELS),
              "weights": Opt(STR, True, ref=("weights",)), "variable": Opt(STR, True),
              "year": Opt(INT, True), "permutations": PERM, "seed": SEED}

    def values(self, ctx: Context, step: Any) -> Any:
        """The variable in the year, by region id."""
        from geoproc.panel import year_values

        o = step.options
        p = ctx.get(o["panel"])
        return year_values(p.frame, o["variable"], o["year"], id=p.id, year_column=p.year)

    def finish(self, ctx: Context, step: Any, gdf: Any, values: Any) -> Any:
        """The result with the variable, year, values and data provenance."""
        from geoproc.pipeline.kinds._base import with_provenance

        o = step.options
        rid = ctx.regions_id(o["regions"])
        gdf = gdf.assign(variable=o["variable"], year=o["year"], value=values.reindex(gdf[rid]).to_numpy())
        return with_provenance(gdf, ctx.get(o["panel"]), o["year"])



def png(fig: Any) -> str:
    """A matplotlib figure as a PNG data URI (the figure is closed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def display_copy(gdf: Any) -> Any:
    """A copy with outlines simplified for a figure (0.005 degrees, as the HTML maps): the
    full-resolution coastlines make matplotlib several times slower and look the same."""
    from geoproc.maps import DISPLAY_TOLERANCE_DEG

    out = gdf.copy()
    if out.crs is not None and out.crs.is_geographic:
        out[out.geometry.name] = out.geometry.simplify(DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    return out


def figure_html(figures: list[tuple[str, str]]) -> list[str]:
    """``(caption, data URI)`` pairs as HTML figures."""
    return [f"<figure><img alt='{esc(cap)}' src='{uri}'><figcaption>{esc(cap)}</figcaption></figure>"
            for cap, uri in figures]


def use_agg() -> None:
    """Draw without a display."""
    import matplotlib

    matplotlib.use("Agg")
