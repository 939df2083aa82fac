"""``kind = "tables"``: the pipeline's publication tables (geoproc.tables) in one file.

Built from earlier steps' results: Moran tables of ``moran`` steps, the SDM of ``sdm`` steps
side by side (one column each, named after the step's weights), their effects and tests, and
the ``robustness`` SDM steps as one more table. The format follows ``file``'s suffix
(default ``<step>.docx``: Word three-line tables).
"""

from __future__ import annotations

from geoproc.pipeline.kinds._base import STR, Context, Opt, StepKind, StepOutput, esc


def _known_format(v: str) -> str | None:
    from geoproc.tables import FORMATS

    return None if any(str(v).lower().endswith(s) for s in FORMATS) else f"use one of {', '.join(FORMATS)}"


class Tables(StepKind):
    name = "tables"
    section = "Publication tables"
    suffix = ".docx"
    options = {"moran": Opt(STR, ref=("moran",), many=True), "sdm": Opt(STR, ref=("sdm",), many=True),
               "robustness": Opt(STR, ref=("sdm",), many=True),
               "lang": Opt(STR, default="en", choices=("en", "zh")),
               "stat": Opt(STR, default="se", choices=("se", "t", "p")),
               "moran_columns": Opt(STR, many=True),
               "labels": Opt(STR, many=True), "note": Opt(STR),
               "file": Opt(STR, check=_known_format)}

    def check(self, step, steps, add, base) -> None:
        o = step.options
        if not (o.get("moran") or o.get("sdm") or o.get("robustness")):
            add(("sdm",), "a tables step needs moran, sdm or robustness steps")

    def _columns(self, ctx: Context, names: list[str], labels: dict) -> tuple[list, list[str]]:
        fits = [ctx.get(n) for n in names]
        # a column is named after the weights step of its model (the matrix is what differs)
        heads = [str(ctx.steps[n].options.get("weights") or n) for n in names]
        if len(set(heads)) < len(heads):
            heads = names
        return fits, [labels.get(h, h) for h in heads]

    def run(self, ctx: Context, step) -> StepOutput:
        from geoproc.tables import (
            effects_table,
            moran_paper_table,
            parse_label_pairs,
            regression_table,
            tests_table,
            write_tables,
        )

        o = step.options
        lang, stat = o["lang"], o["stat"]
        labels = parse_label_pairs(o.get("labels") or [])
        tables = [moran_paper_table(ctx.get(n), o.get("moran_columns") or ("I", "z"), lang, labels)
                  for n in o.get("moran") or []]
        if o.get("sdm"):
            fits, heads = self._columns(ctx, o["sdm"], labels)
            tables += [regression_table(fits, heads, stat, lang, labels),
                       effects_table(fits, heads, stat, lang, labels)]
            if any(f.tests for f in fits):
                tables.append(tests_table(fits, heads, lang))
        if o.get("robustness"):
            fits, heads = self._columns(ctx, o["robustness"], labels)
            tables.append(regression_table(fits, heads, stat, lang, labels, title=(
                "稳健性检验：替换空间权重矩阵" if lang == "zh" else "Robustness: other spatial weights matrices")))
        if o.get("note"):
            for t in tables:
                t.notes.append(o["note"])
        rel = self.planned_files(step)[0]
        write_tables(tables, ctx.outdir / rel, overwrite=True)  # the runner owns the output folder
        return StepOutput(rel, [rel], report={"kind": "tables", "file": rel,
                                              "tables": [t.title for t in tables]})

    def report_html(self, name, step, rep, out, ctx) -> list[str]:
        items = "".join(f"<li>{esc(t)}</li>" for t in rep["tables"])
        return [f"<p>Tables: <a href='{esc(rep['file'])}'>{esc(rep['file'])}</a></p><ul>{items}</ul>"]


KIND = Tables()
