"""What the indicator kinds (agglomeration, location quotient, PCA, entropy) share: each
adds one column to its panel and reports its mean, minimum and maximum by year."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from geoproc.formatting import json_safe
from geoproc.pipeline.kinds._base import PANELS, STR, Opt, StepKind, esc, records, table

if TYPE_CHECKING:
    from geoproc.panel import Panel


class IndicatorKind(StepKind):
    """An indicator: a new column of its panel, named by ``name`` or :meth:`default_name`."""

    section = "Indicators"

    def default_name(self, options: dict[str, Any]) -> str:
        raise NotImplementedError

    def new_column(self, options: dict[str, Any]) -> str:
        return options.get("name") or self.default_name(options)

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        rows = [{"year": y, **v} for y, v in rep["by_year"].items()]
        parts = [f"<p>Column <code>{esc(rep['column'])}</code>: mean, minimum and maximum by year.</p>",
                 table(rows, ["year", "mean", "min", "max"])]
        parts += self.extra_html(rep)
        if rep.get("summary"):
            parts.append(f"<pre>{esc(rep['summary'])}</pre>")
        return parts

    def extra_html(self, rep: dict) -> list[str]:
        return []


PANEL_OPT = Opt(STR, True, ref=PANELS)


def with_column(panel: Panel, series: Any) -> Panel:
    """The panel with ``series`` as a new column (a copy: the previous step's frame stays)."""
    df = panel.frame.copy()
    df[series.name] = series
    return dataclasses.replace(panel, frame=df)


def index_summary(panel: Panel, s: Any) -> dict:
    """The column's mean, minimum and maximum by year."""
    by = s.groupby(panel.frame[panel.year]).agg(["mean", "min", "max"])
    return {"column": s.name, "by_year": {str(k): json_safe(v) for k, v in by.to_dict(orient="index").items()}}


def composite_report(kind: str, res: Any, p: Panel, s: Any) -> dict:
    """A composite index's summary, weights table and text summary."""
    rep = {"kind": kind, **index_summary(p, s)}
    try:
        rep["table"] = records(res.to_frame().reset_index())
    except Exception:  # a YearlyResults without to_frame: the summary text is enough
        pass
    rep["summary"] = res.summary()
    return rep
