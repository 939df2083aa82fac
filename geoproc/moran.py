"""Global Moran's I by year, variable and weights matrix (bivariate Moran's I:
:mod:`geoproc.bivariate`; weights preparation: :mod:`geoproc.weights.prepare`).

The statistics and their moments are esda's (``esda.Moran``, ``esda.Moran_BV``;
Cliff & Ord 1981): I = (n / S0) z'Wz / z'z, E[I] = -1/(n-1), variances under
normality and randomisation, two-sided analytic p-values, and a permutation
pseudo p-value (esda's "directed" rule: the smaller tail).

They are computed here from the sparse matrix rather than by calling
``esda.Moran`` because (a) esda needs a libpysal ``W``, whose construction
builds a Python dict entry per link (25 s for a dense 3,000-region gravity
matrix), and (b) esda draws its permutations from the global ``np.random``
state. Each permutation test here uses its own ``RandomState(seed)`` and draws
exactly the permutations ``np.random.seed(seed); esda.Moran(...)`` would, so the
results equal esda's to the last bit (checked in ``tests/unit/test_moran.py``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.formatting import PERMUTATIONS, json_safe, stars
from geoproc.permutation import permutation_blocks, pseudo_p
from geoproc.progress import ProgressCallback, report
from geoproc.weights.prepare import prepare_weights

if TYPE_CHECKING:
    import pandas as pd

    from geoproc.panel import Panel

# PERMUTATIONS and stars belong to geoproc.formatting, prepare_weights to geoproc.weights:
# imported here for use, not re-exported
__all__ = ["MoranTable", "check_moran_values", "moran_table", "norm_sf"]

COLUMNS = ["year", "variable", "weights", "I", "EI", "VI_norm", "z_norm", "p_norm",
           "VI_rand", "z_rand", "p_rand", "p_sim"]
ISLAND_POLICIES = ("raise", "keep", "drop")  # moran_table's; "nearest" is a build option


#: upper bound on global permutations: p resolves to 1/(P+1); beyond this only run time grows
MAX_PERMUTATIONS = 10_000_000

def norm_sf(x: Any) -> Any:
    """Standard normal upper tail, as ``scipy.stats.norm.sf`` computes it (``ndtr(-x)``),
    without importing scipy.stats (4 s of a CLI call's start-up)."""
    from scipy.special import ndtr

    return ndtr(-np.asarray(x, dtype=float))


# --------------------------------------------------------------------------------------
# the statistic


def check_global_permutations(permutations: int, n: int, links: int) -> None:
    """Refuse, before any work, global permutations too many to be worth their run time.

    Streaming keeps their memory small (one statistic per permutation), so memory alone
    would not stop a request of 10^9 permutations; above ``MAX_PERMUTATIONS`` the pseudo
    p-value (resolution 1/(P+1)) gains nothing, and the time estimate covers large maps.

    Parameters
    ----------
    permutations, n, links : int
        Permutations asked for, regions, non-zero weights.
    """
    from geoproc.resources import check_memory, check_time

    what = f"permutations={permutations:,} for {n:,} regions"
    way_out = "use fewer permutations (999 or 9,999 is usual)"
    if permutations > MAX_PERMUTATIONS:
        raise GeoprocInputError(
            f"{what}: more than {MAX_PERMUTATIONS:,} permutations cannot sharpen a pseudo "
            f"p-value that resolves to 1/(permutations+1) and would run for hours; {way_out}")
    check_memory(16.0 * permutations, what, way_out)  # one statistic per permutation, and a copy
    check_time(float(permutations) * (n + links) * 4, what, way_out)


def _moments(w) -> tuple[float, float, float]:
    """S0, S1, S2 of a sparse matrix (Cliff & Ord)."""
    m = w.sparse
    s0 = float(m.sum())
    sym = m + m.T
    s1 = 0.5 * float(sym.multiply(sym).sum())
    rows = np.asarray(m.sum(axis=1)).ravel()
    cols = np.asarray(m.sum(axis=0)).ravel()
    s2 = float(((rows + cols) ** 2).sum())
    return s0, s1, s2


def _global_moran(y: np.ndarray, w, s: tuple[float, float, float], permutations: int,
                  seed: int | None) -> dict[str, float]:
    n = y.size
    s0, s1, s2 = s
    # Moran's I is scale-free: dividing by the largest magnitude first keeps sums of
    # squares of values near 1e300 finite (they would overflow to inf and give NaN)
    y = y / float(np.max(np.abs(y)))
    z = y - y.mean()
    z2ss = float((z * z).sum())
    I = n / s0 * float(z @ (w.sparse @ z)) / z2ss  # noqa: E741 - the statistic's name
    EI = -1.0 / (n - 1)
    n2, s02 = n * n, s0 * s0
    VI_norm = (n2 * s1 - n * s2 + 3 * s02) / ((n - 1) * (n + 1) * s02) - EI**2
    k = ((z**4).sum() / n) / ((z**2).sum() / n) ** 2
    A = n * ((n2 - 3 * n + 3) * s1 - n * s2 + 3 * s02)
    B = k * ((n2 - n) * s1 - 2 * n * s2 + 6 * s02)
    with np.errstate(divide="ignore", invalid="ignore"):
        VI_rand = (A - B) / ((n - 1) * (n - 2) * (n - 3) * s02) - EI**2 if n > 3 else np.nan
        z_norm = (I - EI) / np.sqrt(VI_norm)
        z_rand = (I - EI) / np.sqrt(VI_rand)
    def two_sided(zv: float) -> float:
        return float(2 * norm_sf(abs(zv))) if np.isfinite(zv) else np.nan

    p_sim = np.nan
    if permutations:
        check_global_permutations(permutations, n, w.sparse.nnz)
        # streamed: one block of permutations and its spatial lags at a time, one number
        # kept per permutation (the full P x n matrix was 2.4 GB at 300,000 regions x 999)
        sims = np.concatenate([
            n / s0 * np.einsum("ij,ij->i", zp, (w.sparse @ zp.T).T) / z2ss
            for zp in permutation_blocks(z, permutations, seed)])
        p_sim = pseudo_p(I, sims)
    return dict(I=I, EI=EI, VI_norm=VI_norm, z_norm=z_norm, p_norm=two_sided(z_norm),
                VI_rand=VI_rand, z_rand=z_rand, p_rand=two_sided(z_rand), p_sim=p_sim)


# --------------------------------------------------------------------------------------
# result


@dataclass
class MoranTable:
    """Global Moran's I for every year x variable x weights matrix.

    Attributes
    ----------
    frame : pandas.DataFrame
        Long format, columns ``year, variable, weights, I, EI, VI_norm, z_norm,
        p_norm, VI_rand, z_rand, p_rand, p_sim`` (esda's names; p-values two-sided
        for the analytic tests, esda's pseudo p for permutations, NaN without them).
    variables, weights, years : list
    n : int
        Regions per test.
    permutations : int
    seed : int or None
    inference : {"norm", "rand", "sim"}
        Which test the publication layout shows: its z (z_norm for "sim") and stars.
    notes : list of str
        Transform, island handling, permutation settings.
    """

    frame: pd.DataFrame
    variables: list
    weights: list
    years: list
    n: int
    permutations: int
    seed: int | None
    inference: str = "norm"
    notes: list = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The long table (a copy)."""
        return self.frame.copy()

    def _p_col(self) -> str:
        return {"norm": "p_norm", "rand": "p_rand", "sim": "p_sim"}[self.inference]

    def _z_col(self) -> str:
        return "z_rand" if self.inference == "rand" else "z_norm"

    def layout(self, decimals: int = 3) -> pd.DataFrame:
        """Publication layout: years as rows, I (with stars) and z per variable x weights."""
        import pandas as pd

        pcol, zcol = self._p_col(), self._z_col()
        out = pd.DataFrame(index=pd.Index(self.years, name="Year"))
        multi_w = len(self.weights) > 1
        for v in self.variables:
            for wname in self.weights:
                sub = self.frame[(self.frame.variable == v) & (self.frame.weights == wname)].set_index("year")
                head = f"{v} ({wname})" if multi_w else str(v)
                out[f"{head} I"] = [f"{sub.at[y, 'I']:.{decimals}f}{stars(sub.at[y, pcol])}" for y in self.years]
                out[f"{head} z"] = [f"{sub.at[y, zcol]:.{2}f}" for y in self.years]
        return out

    def footnote(self) -> list[str]:
        """Lines printed under the table: the stars' levels and test, n, then the notes.

        Returns
        -------
        list of str
            The significance legend (which p sets the stars, which z is shown, n), followed
            by :attr:`notes` (transform, how each weights matrix was built, islands,
            permutations).
        """
        test = {"norm": "under normality", "rand": "under randomisation",
                "sim": f"by {self.permutations} permutations"}[self.inference]
        lines = [f"*** p < 0.01, ** p < 0.05, * p < 0.1 ({test}); z {'under randomisation' if self.inference == 'rand' else 'under normality'}; n = {self.n} regions."]
        return lines + list(self.notes)

    def to_markdown(self, decimals: int = 3) -> str:
        """The publication layout as a Markdown table with the footnote under it.

        Parameters
        ----------
        decimals : int
            Decimals of I (z always has 2).

        Returns
        -------
        str
            A pipe table (years as rows; I with stars and z per variable and matrix),
            then each footnote line.
        """
        t = self.layout(decimals)
        cols = ["Year", *t.columns]
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(["---"] + ["---:"] * len(t.columns)) + "|"]
        for y, row in t.iterrows():
            lines.append("| " + " | ".join([str(y), *row.tolist()]) + " |")
        lines.append("")
        lines += [f"{n}  " for n in self.footnote()]
        return "\n".join(lines).rstrip() + "\n"

    def to_html(self, decimals: int = 3, document: bool = False) -> str:
        """The publication layout as an HTML table with the footnote as paragraphs.

        Parameters
        ----------
        decimals : int
            Decimals of I (z always has 2).
        document : bool
            A complete UTF-8 HTML document (``<!DOCTYPE html>``, ``<meta charset="utf-8">``,
            a title), as :meth:`write` writes; else a fragment to embed in a page.

        Returns
        -------
        str
        """
        import html

        t = self.layout(decimals)
        head = "".join(f"<th>{html.escape(c)}</th>" for c in ["Year", *t.columns])
        body = "".join(
            "<tr><th>" + str(y) + "</th>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
            for y, row in t.iterrows()
        )
        foot = "".join(f"<p>{html.escape(n)}</p>" for n in self.footnote())
        fragment = (f'<table class="moran-table">\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n'
                    f"</table>\n{foot}\n")
        if not document:
            return fragment
        title = html.escape(f"Global Moran's I: {', '.join(map(str, self.variables))}")
        return ('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
                f"<title>{title}</title>\n</head>\n<body>\n{fragment}</body>\n</html>\n")

    def to_csv(self, path: str | os.PathLike, overwrite: bool = False, decimals: int = 3) -> None:
        """Publication layout as CSV (UTF-8 with BOM so that Excel shows Chinese names); notes as last rows."""
        from geoproc.outputs import atomic_output

        t = self.layout(decimals).reset_index()
        with atomic_output(path, overwrite) as tmp:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                t.to_csv(fh, index=False)
                for n in self.footnote():
                    fh.write(f'"{n}"\n')

    def to_json(self, path: str | os.PathLike | None = None, overwrite: bool = False) -> str:
        """Long table and settings as JSON (written to ``path`` if given)."""
        # full precision (pandas' to_json keeps only 10 digits); NaN as null
        rows = json_safe(self.frame.astype(object).to_dict(orient="records"))
        doc = {"n": self.n, "permutations": self.permutations, "seed": self.seed,
               "inference": self.inference, "notes": self.notes, "rows": rows}
        text = json.dumps(doc, ensure_ascii=False, indent=1,
                          default=lambda o: o.item() if hasattr(o, "item") else str(o))
        if path is not None:
            from geoproc.outputs import atomic_output

            with atomic_output(path, overwrite) as tmp:
                tmp.write_text(text, encoding="utf-8")
        return text

    def write(self, path: str | os.PathLike, overwrite: bool = False) -> None:
        """Write by suffix: ``.csv``, ``.md``, ``.html``/``.htm``, ``.json``; ``.docx``
        (three-line table), ``.xlsx`` and ``.tex`` in the paper layout of
        :func:`geoproc.tables.moran_paper_table` (I with stars and z)."""
        from geoproc.outputs import atomic_output

        suffix = os.path.splitext(str(path))[1].lower()
        if suffix in (".docx", ".xlsx", ".tex"):
            from geoproc.tables import moran_paper_table

            moran_paper_table(self).write(path, overwrite)
            return None
        if suffix == ".csv":
            return self.to_csv(path, overwrite)
        if suffix == ".json":
            self.to_json(path, overwrite)
            return None
        def page() -> str:
            return self.to_html(document=True)

        render = {".md": self.to_markdown, ".html": page, ".htm": page}.get(suffix)
        if render is None:
            raise GeoprocInputError(f"output {path}: use .csv, .md, .html, .json, .docx, .xlsx or .tex")
        with atomic_output(path, overwrite) as tmp:
            tmp.write_text(render(), encoding="utf-8")
        return None

    def summary(self) -> str:
        """The publication layout with its footnote, as Markdown (:meth:`to_markdown`).

        Returns
        -------
        str
        """
        return self.to_markdown()

    def __repr__(self) -> str:
        return (f"<MoranTable {len(self.years)} years x {len(self.variables)} variables x "
                f"{len(self.weights)} weights, n={self.n}, permutations={self.permutations}>")


# --------------------------------------------------------------------------------------
# public functions


def _panel_frame(panel: Any, id: str, year: str, variables: Sequence[str]) -> tuple[Panel, pd.DataFrame]:
    """The checked panel and a frame of its id, year and float ``variables``."""
    from geoproc.panel import as_panel

    p = as_panel(panel, id=id, year=year)
    vals = p.values(variables)
    out = p.frame[[p.id, p.year]].copy()
    for v in variables:
        out[v] = vals[v]
    return p, out


def check_moran_values(y: np.ndarray, variable: str, year: Any, n: int) -> None:
    """Raise unless Moran's I is defined for ``y``: at least 3 regions, not constant."""
    where = f" in {year}" if year not in (None, "") else ""
    if n < 3:  # shared by Moran's I, LISA and Gi*: name none of them
        raise GeoprocInputError(
            f"a spatial statistic needs at least 3 regions; {variable}{where} has {n}")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise GeoprocInputError(
            f"variable {variable!r}{where}: {bad.size} value(s) are NaN or infinite "
            f"(first at position {bad[0]} of the regions); fix or drop them")
    if np.ptp(y) == 0:
        raise GeoprocInputError(
            f"variable {variable!r} is constant ({y[0]!r}){where}: zero variance, "
            "spatial autocorrelation is undefined"
        )


def _region_order(panel_ids: Sequence, first_weights: Any) -> list:
    """The panel's regions in the order of the (first) weights matrix when they are the
    same set, so that permutations are drawn as esda draws them for data aligned with W."""
    from geoproc.ids import match_ids
    from geoproc.weights.base import as_weights

    panel_ids = list(panel_ids)
    w_ids = as_weights(first_weights).ids
    try:
        pos = match_ids(w_ids, panel_ids, what_wanted="weights", what_available="panel")
    except GeoprocInputError:  # not the same set: prepare_weights says how they differ
        return sorted(panel_ids, key=lambda k: (str(type(k)), k))
    return [panel_ids[i] for i in pos]


def _weights_dict(weights: Any) -> dict[str, Any]:
    if isinstance(weights, Mapping):
        if not weights:
            raise GeoprocInputError("no weights given")
        from geoproc.weights.base import as_weights

        return {str(k): as_weights(v) for k, v in weights.items()}
    from geoproc.weights.base import as_weights

    w = as_weights(weights)
    if w.meta.get("source"):  # a weights file: named by its path
        return {str(w.meta["source"]): w}
    return {str(w.kind if w.kind != "custom" else "W"): w}


def moran_table(
    panel: Any,
    weights: Any,
    variables: str | Sequence[str],
    id: str = "code",
    year: str = "year",
    permutations: int = PERMUTATIONS,
    seed: int | None = None,
    transform: str = "R",
    islands: str = "raise",
    inference: str = "norm",
    progress: ProgressCallback | None = None,
) -> MoranTable:
    """Global Moran's I for each year x variable x weights matrix.

    Parameters
    ----------
    panel : Panel, DataFrame or path
        Long panel (:class:`geoproc.panel.Panel`, or anything :func:`geoproc.read_panel`
        reads); every region must have every year.
    weights : weights or dict of name -> weights
        :class:`~geoproc.SpatialWeights`, libpysal ``W``/``Graph``, or a weights
        file; a dict compares several matrices side by side.
    variables : str or sequence of str
    id, year : str
        Region and year columns of ``panel``.
    permutations : int
        Random permutations for the pseudo p-value ``p_sim`` (0: none).
    seed : int, optional
        Seed of the permutations. Each test (year x variable x weights) uses
        ``RandomState(seed)`` afresh, so its ``p_sim`` equals
        ``np.random.seed(seed); esda.Moran(y, w).p_sim``; the global NumPy random
        state is never touched.
    transform : {"R", "O"}
        Row-standardise the weights (esda's default) or use them as given.
    islands : {"raise", "keep", "drop"}
        Regions without neighbours (:func:`geoproc.weights.prepare_weights`): an error
        naming them, kept with zero lag, or left out. What was done is in ``notes``.
    inference : {"norm", "rand", "sim"}
        Which p-value gives the stars of the publication layout (and its z:
        z_rand for "rand", else z_norm).
    progress : callable, optional
        Called with the fraction of tests done (0 to 1) after each year x variable
        x weights test; returning ``False`` raises :class:`geoproc.progress.Cancelled`.
        Results are identical with or without it.

    Returns
    -------
    MoranTable
    """
    if isinstance(variables, str):
        variables = [v.strip() for v in variables.split(",") if v.strip()]
    variables = list(variables)
    if inference not in ("norm", "rand", "sim"):
        raise GeoprocInputError(f"inference must be 'norm', 'rand' or 'sim', got {inference!r}")
    if inference == "sim" and not permutations:
        raise GeoprocInputError("inference='sim' needs permutations > 0")
    p, df = _panel_frame(panel, id, year, variables)
    id, year, labels = p.id, p.year, p.labels()
    wdict = _weights_dict(weights)
    ids = _region_order(df[id].unique(), next(iter(wdict.values())))
    prepared = {}
    notes = ["weights row-standardised" if transform == "R" else "weights used as given (not row-standardised)"]
    for name, w in wdict.items():
        w2, kept, wnotes = prepare_weights(w, ids, transform, islands, labels, name=name)
        prepared[name] = (w2, kept, _moments(w2))
        notes += wnotes
    p.require_balanced("Moran's I by year needs every region in every year")
    if permutations:
        notes.append(f"p_sim from {permutations} permutations, seed {seed}")
    years = sorted(df[year].unique())
    rows = []
    n_used = len(ids)
    n_tests = max(1, len(years) * len(variables) * len(prepared))
    report(progress, 0.0)
    for y in years:
        sub = df[df[year] == y].set_index(id)
        for v in variables:
            for name, (w2, kept, s) in prepared.items():
                vals = sub.loc[kept, v].to_numpy(dtype=float)
                check_moran_values(vals, v, y, len(vals))
                n_used = len(vals)
                rows.append(dict(year=y, variable=v, weights=name,
                                 **_global_moran(vals, w2, s, permutations, seed)))
                report(progress, len(rows) / n_tests)
    report(progress, 1.0)
    import pandas as pd

    frame = pd.DataFrame(rows, columns=COLUMNS)
    return MoranTable(frame, variables, list(prepared), [int(y) for y in years], n_used,
                      int(permutations), seed, inference, notes)
