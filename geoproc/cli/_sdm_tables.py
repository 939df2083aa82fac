"""``geoproc sdm`` with several columns: repeated ``--weights``, ``--model sdm,sar``, ``--by``.

One fit per weights x model (x subsample group), written as publication tables (coefficients,
effects, tests) in the format of the output suffix; ``--json`` writes ``{"models": [...]}``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_table_args", "wants_tables", "models_arg", "run_columns", "TABLE_ONLY_SUFFIXES"]

#: Suffixes only the tables write (.html is also the single-model report's).
TABLE_ONLY_SUFFIXES = (".docx", ".xlsx", ".tex", ".md", ".csv")


def add_table_args(p: argparse.ArgumentParser) -> None:
    """``--by``, ``--stat``, ``--lang``, ``--labels`` of ``geoproc sdm``."""
    p.add_argument("--by", default=None, metavar="COLUMN",
                   help="fit each subsample (a column constant within each region, e.g. East/Central/"
                        "West) with W restricted to its regions and row-standardised again: one "
                        "column per group")
    p.add_argument("--stat", choices=("se", "t", "p"), default="se",
                   help="tables: what goes in parentheses under each estimate (default: se)")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="tables: language of labels and notes (default: en)")
    p.add_argument("--labels", action="append", default=[], metavar="FILE|NAME=LABEL[,...]",
                   help="tables: variable labels, a .txt/.csv/.json file or name=label pairs "
                        "(repeatable), e.g. --labels dig=数字技术")


def models_arg(text: str) -> list[str]:
    """``"sdm,sar"`` -> ``["sdm", "sar"]``, checked."""
    from geoproc.durbin.model import MODELS
    from geoproc.errors import GeoprocInputError

    models = [m.strip().lower() for m in text.split(",") if m.strip()]
    bad = [m for m in models if m not in MODELS]
    if bad or not models:
        raise GeoprocInputError(f"--model {text!r}: use one or more of {', '.join(MODELS)}, comma-separated")
    return list(dict.fromkeys(models))


def wants_tables(args: argparse.Namespace) -> bool:
    """Several columns, a subsample split, or a table-only format."""
    return (len(args.weights) > 1 or len(models_arg(args.model)) > 1 or bool(args.by)
            or Path(args.output).suffix.lower() in TABLE_ONLY_SUFFIXES)


def run_columns(args: argparse.Namespace, panel: Any, regions: Any, x: list[str],
                controls: list[str]) -> int:
    """Fit every column and write the tables (and ``--json``); print them as Markdown.

    ``panel`` is the loaded panel frame; ``regions`` the regions the matrices are built from
    (None when every ``--weights`` is a file).
    """
    import contextlib
    import json

    from geoproc.cli._common import labels_from_args
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import atomic_output, check_output
    from geoproc.tables import FORMATS, effects_table, regression_table, tests_table, write_tables
    from geoproc.tables.columns import column_headers, columns_json, fit_columns
    from geoproc.weights import build_weight_set

    out = Path(args.output)
    if out.suffix.lower() not in FORMATS:
        raise GeoprocInputError(f"output {out}: several columns are written as tables: use one of "
                                f"{', '.join(FORMATS)}")
    check_output(out, args.overwrite)
    if args.json:
        check_output(args.json, args.overwrite)
    labels = labels_from_args(args.labels)
    models = models_arg(args.model)
    weights = build_weight_set(args.weights, regions, data=panel, data_id=args.id, year_column=args.year,
                               islands=args.islands, row_standardize=args.transform == "R")
    cols = fit_columns(panel, weights, args.y, x + controls, models, by=args.by, id=args.id,
                       year=args.year, effects=args.effects, lee_yu=args.lee_yu, draws=args.draws,
                       seed=args.seed, wx=x if args.no_wx_controls else None,
                       row_standardize=args.transform == "R", tests=not args.no_tests,
                       islands=args.islands)
    names, groups = column_headers(cols, labels)
    fits = [c.fit for c in cols]
    tables = [regression_table(fits, names, args.stat, args.lang, labels, groups=groups),
              effects_table(fits, names, args.stat, args.lang, labels, groups=groups)]
    if not args.no_tests:
        tables.append(tests_table(fits, names, args.lang, groups=groups))
    notes = [n for c in cols for n in c.notes]
    for t in tables:
        t.notes += notes
    json_text = (json.dumps(columns_json(cols), indent=2, ensure_ascii=False, allow_nan=False)
                 if args.json else None)
    with contextlib.ExitStack() as stack:  # both files or neither
        if json_text is not None:
            tmp = stack.enter_context(atomic_output(args.json, args.overwrite))
            tmp.write_text(json_text, encoding="utf-8")
        write_tables(tables, out, args.overwrite)
    for t in tables:
        sys.stdout.write(t.to_markdown() + "\n")
    print(f"wrote {out}" + (f", {args.json}" if args.json else "") + f" ({len(cols)} columns)")
    return 0
