"""Moran's I tables as papers print them: one row per year, columns per variable x matrix.

Under each variable (and matrix) any of I (with stars), E(I), sd, z and p, chosen by
``columns``. Built from a :class:`geoproc.moran.MoranTable` (its public ``frame``,
``inference``, ``n``, ``notes``) or, for the bivariate statistic, computed here year by year
with :func:`geoproc.bivariate_moran`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from geoproc.errors import GeoprocInputError
from geoproc.formatting import PERMUTATIONS, stars
from geoproc.tables.base import Cell, Row, Table
from geoproc.tables.labels import read_labels, stars_note, word

__all__ = ["moran_paper_table", "bivariate_moran_table", "MORAN_COLUMNS"]

MORAN_COLUMNS = ("I", "EI", "sd", "z", "p")


def _columns(columns: str | Sequence[str]) -> list[str]:
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",") if c.strip()]
    aliases = {"e(i)": "EI", "ei": "EI", "i": "I", "sd": "sd", "z": "z", "p": "p"}
    out = []
    for c in columns:
        key = aliases.get(str(c).lower())
        if key is None:
            raise GeoprocInputError(f"columns: unknown column {c!r}; use any of {', '.join(MORAN_COLUMNS)}")
        out.append(key)
    if not out:
        raise GeoprocInputError(f"columns: give at least one of {', '.join(MORAN_COLUMNS)}")
    return out


def _layout(records: Any, variables: Sequence, weights: Sequence, years: Sequence,
            columns: list[str], lang: str, labels: Mapping[str, str], decimals: int,
            title: str, notes: list[str]) -> Table:
    """``records``: DataFrame with year, variable, weights, I, EI, sd, z, p (p sets the stars)."""
    cols = [(v, w) for v in variables for w in weights]
    by_key = {(r.year, r.variable, r.weights): r for r in records.itertuples(index=False)}
    header: list[list[tuple[str, int]]] = []
    k = len(columns)
    header.append([(labels.get(str(v), str(v)), k * len(weights)) for v in variables])
    if len(weights) > 1:
        header.append([(labels.get(str(w), str(w)), k) for _ in variables for w in weights])
    header.append([(word(c, lang), 1) for _ in cols for c in columns])
    rows = []
    for y in years:
        cells = []
        for v, w in cols:
            r = by_key.get((y, v, w))
            for c in columns:
                val = None if r is None else getattr(r, c)
                val = None if val is None or not math.isfinite(val) else float(val)
                star = stars(r.p) if (c == "I" and r is not None) else ""
                cells.append(Cell(val, decimals, star))
        rows.append(Row(str(y), cells, "value", str(y)))
    return Table(title, word("year", lang), header, rows, notes, lang,
                 {"kind": "moran", "columns": columns})


def moran_paper_table(
    table: Any,
    columns: str | Sequence[str] = ("I", "z"),
    lang: str = "en",
    labels: Mapping[str, str] | str | Sequence[str] | None = None,
    *,
    decimals: int = 3,
    title: str | None = None,
    method_notes: bool | None = None,
) -> Table:
    """A :class:`~geoproc.moran.MoranTable` in the layout papers print.

    Parameters
    ----------
    table : MoranTable
        From :func:`geoproc.moran_table`.
    columns : sequence of {"I", "EI", "sd", "z", "p"} or comma-separated str
        Shown under each variable and matrix. ``I`` carries stars from the p-value of the
        table's ``inference`` (normality, randomisation or permutations); ``sd`` and ``z``
        are under randomisation when ``inference="rand"``, else under normality; ``p`` is the
        p-value of the ``inference``.
    lang : {"en", "zh"}
    labels : dict, "name=label" pairs or a labels file, optional
        Labels of variables and of weights names.
    decimals : int
    title : str, optional
    method_notes : bool, optional
        Also print the table's own notes (transform, how each matrix was built, islands,
        permutations; in English). Default: yes in English; in Chinese only a note that
        the matrices are row-standardised.

    Returns
    -------
    Table
        Rows: years. Header: variable, then matrix, then the columns.
    """
    cols = _columns(columns)
    labels = read_labels(labels)
    frame = table.frame
    inf = table.inference
    vcol, zcol = ("VI_rand", "z_rand") if inf == "rand" else ("VI_norm", "z_norm")
    pcol = {"norm": "p_norm", "rand": "p_rand", "sim": "p_sim"}[inf]
    rec = frame[["year", "variable", "weights", "I", "EI"]].copy()
    rec["sd"] = frame[vcol].astype(float) ** 0.5
    rec["z"] = frame[zcol].astype(float)
    rec["p"] = frame[pcol].astype(float)
    test = {"norm": ("normality", "正态分布假设"), "rand": ("randomisation", "随机化假设"),
            "sim": (f"{table.permutations} permutations", f"{table.permutations}次随机置换")}[inf]
    if lang == "zh":
        notes = [word("note", lang) + stars_note(lang, None)[:-1] + f"（{test[1]}下的检验）；"
                 + word("n_regions", lang, n=table.n) + "。"]
    else:
        notes = [word("note", lang) + stars_note(lang, None)[:-1] + f" (test under {test[0]}); "
                 + word("n_regions", lang, n=table.n) + "."]
    if method_notes if method_notes is not None else lang == "en":
        notes += list(table.notes)
    elif lang == "zh" and any("row-standardised" in n for n in table.notes):
        notes.append("空间权重矩阵均经行标准化处理。")
    return _layout(rec, table.variables, table.weights, table.years, cols, lang, labels, decimals,
                   title if title is not None else word("moran_title", lang), notes)


def bivariate_moran_table(
    panel: Any,
    weights: Any,
    pairs: Sequence[tuple[str, str]],
    id: str = "code",
    year: str = "year",
    permutations: int = PERMUTATIONS,
    seed: int | None = None,
    columns: str | Sequence[str] = ("I", "z"),
    lang: str = "en",
    labels: Mapping[str, str] | str | Sequence[str] | None = None,
    *,
    transform: str = "R",
    islands: str = "raise",
    decimals: int = 3,
    title: str | None = None,
) -> Table:
    """Bivariate Moran's I (x against the spatial lag of y) by year, pair and matrix.

    Parameters
    ----------
    panel : DataFrame or path
        Long panel (see :func:`geoproc.read_panel`).
    weights : weights or dict of name -> weights
    pairs : sequence of (x, y)
        Variable pairs; a column is headed ``x – y``.
    id, year : str
    permutations, seed, transform, islands
        As :func:`geoproc.bivariate_moran` (each year uses ``seed`` afresh).
    columns, lang, labels, decimals, title
        As :func:`moran_paper_table`; E(I), sd and z are the permutation mean, standard
        deviation and z of :func:`geoproc.bivariate_moran`, p its pseudo p (which sets the stars).

    Returns
    -------
    Table
    """
    import pandas as pd

    import geoproc  # its public name: the module defining it moves with the consolidation
    from geoproc.panel import read_panel

    if not permutations:
        raise GeoprocInputError("the bivariate Moran table needs permutations > 0 (its inference)")
    cols = _columns(columns)
    labels = read_labels(labels)
    pairs = [tuple(p) for p in pairs]
    if not pairs or any(len(p) != 2 for p in pairs):
        raise GeoprocInputError("pairs: give (x, y) variable pairs")
    df = read_panel(panel, id=id, year=year)
    for col in {c for p in pairs for c in p}:
        if col not in df.columns:
            raise GeoprocInputError(f"panel: no column {col!r}")
    wdict = dict(weights) if isinstance(weights, Mapping) else {"W": weights}
    years = sorted(df[year].unique())
    recs = []
    for y in years:
        sub = df[df[year] == y].set_index(id)
        for xv, yv in pairs:
            for name, w in wdict.items():
                b = geoproc.bivariate_moran(sub[xv], sub[yv], w, permutations, seed, transform, islands)
                sd = float(b.sim.std()) if b.sim.size else float("nan")
                recs.append(dict(year=y, variable=f"{xv} – {yv}", weights=str(name), I=b.I, EI=b.EI_sim,
                                 sd=sd, z=b.z_sim, p=b.p_sim, n=b.n))
    rec = pd.DataFrame(recs)
    variables = [f"{x} – {y}" for x, y in pairs]
    for x, y in pairs:  # a pair's label from its variables' labels
        labels.setdefault(f"{x} – {y}", f"{labels.get(x, x)} – {labels.get(y, y)}")
    n = int(rec["n"].iloc[0])
    if lang == "zh":
        notes = [word("note", lang) + stars_note(lang, None)[:-1]
                 + f"（{permutations}次随机置换，种子{seed}）；" + word("n_regions", lang, n=n) + "。"]
    else:
        notes = [word("note", lang) + stars_note(lang, None)[:-1]
                 + f" (pseudo p from {permutations} permutations, seed {seed}); "
                 + word("n_regions", lang, n=n) + "."]
    return _layout(rec, variables, list(map(str, wdict)), years, cols, lang, labels, decimals,
                   title if title is not None else word("bivariate_title", lang), notes)
