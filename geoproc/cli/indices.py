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
    p.add_argument(
        "--year-gaps", action="store_true",
        help="accept years missing for every region, e.g. census years 2010, 2015, 2020 "
        "(default: an error listing the gaps)",
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


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from geoproc.errors import GeoprocInputError
    from geoproc.indices import compute_indices
    from geoproc.outputs import atomic_output, check_output
    from geoproc.panel import read_table

    out_path = check_output(args.output, args.overwrite)
    if out_path.suffix.lower() not in (".csv", ".xlsx"):
        raise GeoprocInputError(f"output {out_path}: give a .csv or .xlsx file name")
    lq = []
    for spec in args.lq:
        cols = _columns(spec, "--lq")
        if len(cols) != 2:
            raise GeoprocInputError(f"--lq {spec!r}: give two columns, SECTOR,TOTAL")
        lq.append((cols[0], cols[1]))
    signed = _columns(args.entropy, "--entropy", signed=True) if args.entropy else []
    sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
    panel = read_table(args.panel, sheet=sheet)
    # messages say "row N": make N the spreadsheet row (header = row 1)
    panel.index = pd.RangeIndex(2, len(panel) + 2)
    reference = read_table(args.lq_reference) if args.lq_reference else None
    try:
        out, fits = compute_indices(
            panel,
            id=args.id,
            year=None if args.cross_section else args.year,
            agglomeration=args.agglomeration,
            lq=lq,
            lq_reference=reference,
            pca=_columns(args.pca, "--pca") if args.pca else None,
            pca_method=args.pca_method,
            pca_keep=_keep(args.pca_keep),
            pca_name=args.pca_name,
            entropy=[c[1:] if c.startswith("-") else c for c in signed] or None,
            entropy_directions=[-1 if c.startswith("-") else 1 for c in signed] or None,
            entropy_shift=args.entropy_shift,
            entropy_name=args.entropy_name,
            by=args.by,
            thousands=args.thousands,
            balanced=not args.unbalanced,
            consecutive=not args.year_gaps,
        )
    except GeoprocInputError as exc:
        # the library names its keyword arguments; say which options they are here
        msg = str(exc)
        for kw, opt in (("pca_name", "--pca-name"), ("entropy_name", "--entropy-name"),
                        ("consecutive=False", "--year-gaps"), ("balanced=False", "--unbalanced")):
            msg = msg.replace(kw, opt)
        raise GeoprocInputError(msg) from exc
    with atomic_output(out_path, args.overwrite) as tmp:
        if out_path.suffix.lower() == ".xlsx":
            out.to_excel(tmp, index=False)
        else:
            # BOM: Excel, which most users open the result in, then reads UTF-8 names correctly
            out.to_csv(tmp, index=False, encoding="utf-8-sig")
    for res in fits.values():
        print(res.summary(), end="\n\n")
    new = list(out.columns[len(panel.columns):])
    print(f"wrote {out_path}: {len(out)} rows, new columns {', '.join(new)}")
    return 0
