"""``geoproc indices``: agglomeration index, location quotients and composite indices of a panel."""

from __future__ import annotations

import argparse

from geoproc.cli._common import add_output_args


def _columns(text: str, option: str, signed: bool = False) -> list[str]:
    from geoproc.errors import GeoprocInputError

    cols = [c.strip() for c in text.split(",")]
    if any(c in ("", "-") for c in cols):
        raise GeoprocInputError(f"{option} {text!r}: empty column name in the comma-separated list")
    if not signed and any(c.startswith("-") for c in cols):
        raise GeoprocInputError(f"{option} {text!r}: a leading '-' (negative indicator) is only for --entropy")
    return cols


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "indices",
        help="agglomeration index, location quotients, PCA and entropy-weight indices of a panel",
        description=(
            "Append regional indicators to a long panel (one row per region-year) and write "
            "the result to a new CSV/XLSX; the input file is never modified. Summaries of the "
            "composite indices (loadings, explained variance, weights) are printed."
        ),
        epilog=(
            "example: geoproc indices provinces.csv --id code --year year "
            "--agglomeration cultural_revenue --pca internet_penetration,mobile_penetration,"
            "patents_granted --entropy relics_per_km2,library_books_per_head,-pollution "
            "-o indicators.csv"
        ),
    )
    p.add_argument("panel", help="panel table: CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX")
    p.add_argument("--id", default="code", help="region id column (default: code)")
    p.add_argument("--year", default="year", help="year column (default: year)")
    p.add_argument(
        "--cross-section", action="store_true",
        help="the table has one row per region and no year column",
    )
    p.add_argument("--sheet", default=0, help="worksheet of an XLSX file (name or 0-based number)")
    p.add_argument(
        "--agglomeration", action="append", default=[], metavar="COL",
        help="add COL_agglomeration = COL over the mean of all regions that year (repeatable)",
    )
    p.add_argument(
        "--lq", action="append", default=[], metavar="SECTOR,TOTAL",
        help="add SECTOR_lq, the location quotient (SECTOR/TOTAL)/(sum SECTOR/sum TOTAL) "
        "per year (repeatable)",
    )
    p.add_argument(
        "--lq-reference", metavar="FILE",
        help="table of reference totals by year (e.g. national), with the year, SECTOR and "
        "TOTAL columns; default: all regions of the panel",
    )
    p.add_argument("--pca", metavar="A,B,C", help="indicators of a principal-component index")
    p.add_argument(
        "--pca-method", choices=("first", "weighted"), default="first",
        help="first component (default) or components weighted by explained variance",
    )
    p.add_argument(
        "--pca-keep", default="kaiser", metavar="RULE",
        help="components kept by --pca-method weighted: kaiser (eigenvalue > 1, default), "
        "a whole number of components, or a cumulative share such as 0.85",
    )
    p.add_argument("--pca-name", default="pca_index", help="name of the PCA column (default: pca_index)")
    p.add_argument(
        "--entropy", metavar="D,E,-F",
        help="indicators of an entropy-weight index; a leading '-' marks a negative "
        "(less is better) indicator (if the first one is negative, write --entropy=-f,d)",
    )
    p.add_argument(
        "--entropy-shift", type=float, default=0.0,
        help="constant added to normalised values before the entropy (default 0: 0 ln 0 = 0)",
    )
    p.add_argument(
        "--entropy-name", default="entropy_index", help="name of the entropy column (default: entropy_index)"
    )
    p.add_argument(
        "--by", choices=("pooled", "year"), default="pooled",
        help="composite indices over all region-years pooled (default) or fitted per year",
    )
    p.add_argument(
        "--thousands", choices=(",", " ", "'", "_"), metavar="SEP",
        help="accept numbers with this thousands separator, e.g. 1,234 (default: such cells are errors)",
    )
    p.add_argument(
        "--unbalanced", action="store_true",
        help="accept regions lacking some years (default: an error listing them)",
    )
    add_output_args(p, help="output table (.csv or .xlsx): the panel with the new columns")
    p.set_defaults(func=run)


def _keep(text: str):
    from geoproc.errors import GeoprocInputError

    if text == "kaiser":
        return "kaiser"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise GeoprocInputError(
            f"--pca-keep {text!r}: give kaiser, a number of components or a share such as 0.85"
        ) from None


def _check_new_names(args: argparse.Namespace) -> None:
    """Refuse two new columns with the same name (one would silently replace the other)."""
    from geoproc.errors import GeoprocInputError

    # the names the index functions give (their defaults, or --pca-name/--entropy-name)
    planned = [(f"{c}_agglomeration", f"--agglomeration {c}") for c in args.agglomeration]
    for spec in args.lq:
        cols = _columns(spec, "--lq")
        if len(cols) != 2:
            raise GeoprocInputError(f"--lq {spec!r}: give two columns, SECTOR,TOTAL")
        planned.append((f"{cols[0]}_lq", f"--lq {spec}"))
    if args.pca:
        planned.append((args.pca_name, "--pca (--pca-name)"))
    if args.entropy:
        planned.append((args.entropy_name, "--entropy (--entropy-name)"))
    seen: dict[str, str] = {}
    for name, source in planned:
        if name in seen:
            raise GeoprocInputError(
                f"two new columns would both be called {name!r} ({seen[name]} and {source}); "
                "choose other names (--pca-name, --entropy-name) or drop the repeated option"
            )
        seen[name] = source


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from geoproc.errors import GeoprocInputError
    from geoproc.indices import (
        agglomeration_index,
        entropy_weight_index,
        location_quotient,
        pca_index,
    )
    from geoproc.outputs import atomic_output, check_output
    from geoproc.panel import read_table

    out_path = check_output(args.output, args.overwrite)
    if out_path.suffix.lower() not in (".csv", ".xlsx"):
        raise GeoprocInputError(f"output {out_path}: give a .csv or .xlsx file name")
    if not (args.agglomeration or args.lq or args.pca or args.entropy):
        raise GeoprocInputError("nothing to compute: give --agglomeration, --lq, --pca or --entropy")
    _check_new_names(args)
    sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
    panel = read_table(args.panel, sheet=sheet)
    # messages say "row N": make N the spreadsheet row (header = row 1)
    panel.index = pd.RangeIndex(2, len(panel) + 2)
    common = dict(
        id=args.id,
        year=None if args.cross_section else args.year,
        thousands=args.thousands,
        balanced=not args.unbalanced,
    )
    new: dict[str, pd.Series] = {}
    reports: list[str] = []

    for col in args.agglomeration:
        s = agglomeration_index(panel, col, **common)
        new[s.name] = s
    reference = "all"
    if args.lq_reference:
        reference = read_table(args.lq_reference)
    for spec in args.lq:
        cols = _columns(spec, "--lq")
        if len(cols) != 2:
            raise GeoprocInputError(f"--lq {spec!r}: give two columns, SECTOR,TOTAL")
        s = location_quotient(panel, cols[0], cols[1], reference=reference, **common)
        new[s.name] = s
    if args.pca:
        s, res = pca_index(
            panel, _columns(args.pca, "--pca"), args.pca_method, keep=_keep(args.pca_keep),
            by=args.by, name=args.pca_name, **common,
        )
        new[s.name] = s
        reports.append(res.summary())
    if args.entropy:
        signed = _columns(args.entropy, "--entropy", signed=True)
        names = [c[1:] if c.startswith("-") else c for c in signed]
        dirs = [-1 if c.startswith("-") else 1 for c in signed]
        s, res = entropy_weight_index(
            panel, names, dirs, shift=args.entropy_shift, by=args.by, name=args.entropy_name, **common
        )
        new[s.name] = s
        reports.append(res.summary())

    clash = [c for c in new if c in panel.columns]
    if clash:
        raise GeoprocInputError(
            f"the panel already has column(s) {', '.join(map(repr, clash))}; "
            "rename them or choose other names (--pca-name, --entropy-name)"
        )
    out = pd.concat([panel, pd.DataFrame(new, index=panel.index)], axis=1)
    with atomic_output(out_path, args.overwrite) as tmp:
        if out_path.suffix.lower() == ".xlsx":
            out.to_excel(tmp, index=False)
        else:
            # BOM: Excel, which most users open the result in, then reads UTF-8 names correctly
            out.to_csv(tmp, index=False, encoding="utf-8-sig")
    for r in reports:
        print(r, end="\n\n")
    print(f"wrote {out_path}: {len(out)} rows, new columns {', '.join(new)}")
    return 0
