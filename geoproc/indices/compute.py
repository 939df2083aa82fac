"""All the indicators of a panel in one call: the orchestrator the CLI and the QGIS tool share.

Every option is checked (columns exist, two new columns are not given one name,
no new column replaces one of the panel's) before any index is computed, so a
mistake in the last option does not cost the work of the first ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoproc.errors import GeoprocInputError
from geoproc.indices._composite import check_by, check_indicators
from geoproc.indices.concentration import agglomeration_index, location_quotient
from geoproc.indices.entropy import entropy_weight_index, parse_directions
from geoproc.indices.pca import n_kept, pca_index
from geoproc.panel import Panel
from geoproc.panel.checks import check_columns, listing
from geoproc.progress import ProgressCallback, report

__all__ = ["IndicesRequest", "compute_indices"]


def _names(value: Sequence[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _lq_pairs(lq: Sequence[Sequence[str]] | None) -> list[tuple[str, str]]:
    if lq is None:
        return []
    if len(lq) == 2 and all(isinstance(c, str) for c in lq):
        lq = [lq]  # one pair given bare: ("va", "gdp")
    pairs = []
    for pair in lq:
        if isinstance(pair, str) or len(pair) != 2:
            raise GeoprocInputError(f"lq: give (sector, total) column pairs, got {pair!r}")
        pairs.append((str(pair[0]), str(pair[1])))
    return pairs


def compute_indices(
    panel: Panel | pd.DataFrame,
    *,
    id: str = "code",
    year: str | None = "year",
    agglomeration: Sequence[str] | None = None,
    lq: Sequence[tuple[str, str]] | None = None,
    lq_reference: pd.DataFrame | None = None,
    pca: Sequence[str] | None = None,
    pca_method: str = "first",
    pca_keep: str | int | float = "kaiser",
    pca_name: str = "pca_index",
    entropy: Sequence[str] | None = None,
    entropy_directions: Sequence | Mapping | None = None,
    entropy_shift: float = 0.0,
    entropy_name: str = "entropy_index",
    by: str = "pooled",
    thousands: str | None = None,
    balanced: bool = True,
    consecutive: bool = True,
    progress: ProgressCallback | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Append agglomeration indices, location quotients, a PCA and an entropy-weight index.

    The one place that assembles the indicator columns: ``geoproc indices`` and
    the QGIS "Regional indicators" tool both call it.

    Parameters
    ----------
    panel : Panel or pandas.DataFrame
        Long table, one row per region-year (a :class:`geoproc.panel.Panel` brings its own
        ``id`` and ``year``). Not modified.
    id, year : str
        Region id and year columns; ``year=None`` for a cross-section.
    agglomeration : list of str, optional
        Columns to index; each adds ``<col>_agglomeration`` (:func:`agglomeration_index`).
    lq : list of (sector, total), optional
        Column pairs; each adds ``<sector>_lq`` (:func:`location_quotient`).
    lq_reference : pandas.DataFrame, optional
        Reference totals by year (e.g. national), with the year column and the
        sector and total columns; default: all regions of the panel.
    pca : list of str, optional
        Indicators of a principal-component index (:func:`pca_index`), at least 2.
    pca_method : {"first", "weighted"}
    pca_keep : "kaiser", int or float
        Components kept by ``pca_method="weighted"``.
    pca_name : str
        Name of the PCA column.
    entropy : list of str, optional
        Indicators of an entropy-weight index (:func:`entropy_weight_index`), at least 2.
    entropy_directions : list or dict, optional
        +1 / -1 per entropy indicator (default all +1, more is better).
    entropy_shift : float
        Constant added to the normalised values before the entropy.
    entropy_name : str
        Name of the entropy column.
    by : {"pooled", "year"}
        Composite indices fitted over all region-years or per year.
    thousands : str, optional
        Accept numbers written with this thousands separator.
    balanced : bool
        Require every region in every year (default).
    consecutive : bool
        Require consecutive years (default).
    progress : callable, optional
        The :mod:`geoproc.progress` protocol: called with the fraction done before each
        index and with 1.0 at the end; returning ``False`` stops with
        :class:`geoproc.progress.Cancelled`.
    log : callable, optional
        Called with ``"computing <column>"`` before each index (a message, as the
        pipeline's step log; not a fraction).

    Returns
    -------
    table : pandas.DataFrame
        A copy of ``panel`` with the new columns appended, in the order
        agglomeration, LQ, PCA, entropy.
    results : dict
        New column name -> the fit's result object for the composite indices
        (:class:`PCAIndexResult`, :class:`EntropyWeightResult` or
        :class:`YearlyResults`, each with ``summary()`` and ``to_frame()``).

    Raises
    ------
    GeoprocInputError
        Before any computation: nothing requested, an absent column, two new
        columns with one name, a new column already in the panel, a bad
        ``pca_method``, ``pca_keep``, ``by``, direction or shift. Then whatever the
        index functions raise (naming the region-years).

    Examples
    --------
    >>> table, fits = geoproc.compute_indices(
    ...     panel, agglomeration=["cultural_revenue"], lq=[("cultural_va", "gdp")],
    ...     pca=["internet", "mobile", "patents"], pca_name="dig")
    >>> print(fits["dig"].summary())
    """
    if isinstance(panel, Panel):
        panel, id, year = panel.frame, panel.id, panel.year
    req = IndicesRequest.make(
        agglomeration=agglomeration, lq=lq, lq_reference=lq_reference, pca=pca, pca_method=pca_method,
        pca_keep=pca_keep, pca_name=pca_name, entropy=entropy, entropy_directions=entropy_directions,
        entropy_shift=entropy_shift, entropy_name=entropy_name, by=by)
    check_columns(panel, [id] + ([year] if year else []) + req.needed, "panel")
    planned = req.plan(panel)
    # --- the work ---
    common = dict(id=id, year=year, thousands=thousands, balanced=balanced, consecutive=consecutive)
    new, results = _compute(panel, req, common, len(planned), progress, log)
    # by position: a panel with a non-unique index must not be realigned
    added = pd.DataFrame({k: v.to_numpy() for k, v in new.items()}, index=panel.index)
    table = pd.concat([panel, added], axis=1)
    return table, results


@dataclass(frozen=True)
class IndicesRequest:
    """What :func:`compute_indices` was asked for, checked before any work."""

    agg: list
    pairs: list
    pca_cols: list
    pca_method: str
    pca_keep: Any
    pca_name: str
    ent_cols: list
    dirs: Any
    entropy_shift: float
    entropy_name: str
    by: str
    lq_reference: Any

    @classmethod
    def make(cls, *, agglomeration, lq, lq_reference, pca, pca_method, pca_keep, pca_name, entropy,
             entropy_directions, entropy_shift, entropy_name, by) -> IndicesRequest:
        """Parse and check the options (names, counts, method, keep, directions, shift, by)."""
        agg, pairs, pca_cols, ent_cols = _names(agglomeration), _lq_pairs(lq), _names(pca), _names(entropy)
        if not (agg or pairs or pca_cols or ent_cols):
            raise GeoprocInputError("nothing to compute: give agglomeration, lq, pca or entropy columns")
        dirs = None
        if pca_cols:
            if pca_method not in ("first", "weighted"):
                raise GeoprocInputError(f'pca_method must be "first" or "weighted", got {pca_method!r}')
            pca_cols = check_indicators(pca_cols, 2, "pca")
            # the rules that need no eigenvalues (a name, a count within range, a share in (0, 1])
            if not isinstance(pca_keep, str) or pca_keep != "kaiser":
                n_kept(np.ones(len(pca_cols)), pca_keep, len(pca_cols), "pca_keep")
        if ent_cols:
            ent_cols = check_indicators(ent_cols, 2, "entropy")
            dirs = parse_directions(entropy_directions, ent_cols)
            if not (entropy_shift >= 0 and entropy_shift < float("inf")):
                raise GeoprocInputError(f"entropy_shift must be >= 0, got {entropy_shift!r}")
        if pca_cols or ent_cols:
            check_by(by)
        if lq_reference is not None and not isinstance(lq_reference, pd.DataFrame):
            raise GeoprocInputError(
                f"lq_reference must be a DataFrame of reference totals, got {type(lq_reference).__name__}"
            )
        return cls(agg, pairs, pca_cols, pca_method, pca_keep, pca_name, ent_cols, dirs, entropy_shift,
                   entropy_name, by, lq_reference)

    @property
    def needed(self) -> list:
        """The panel columns the indices read."""
        return list(dict.fromkeys(self.agg + [c for p in self.pairs for c in p] + self.pca_cols + self.ent_cols))

    def plan(self, panel: pd.DataFrame) -> list[tuple[str, str]]:
        """The new columns ``(name, what asked for it)``; raises on an empty, repeated or
        existing name."""
        planned = [(f"{c}_agglomeration", f"agglomeration {c}") for c in self.agg]
        planned += [(f"{s}_lq", f"lq {s},{t}") for s, t in self.pairs]
        if self.pca_cols:
            planned.append((self.pca_name, "pca (pca_name)"))
        if self.ent_cols:
            planned.append((self.entropy_name, "entropy (entropy_name)"))
        seen: dict[str, str] = {}
        for name, source in planned:
            if not isinstance(name, str) or not name.strip():
                raise GeoprocInputError(f"{source}: the new column needs a name, got {name!r}")
            if name in seen:
                raise GeoprocInputError(
                    f"two new columns would both be called {name!r} ({seen[name]} and {source}); "
                    "choose other names (pca_name, entropy_name) or drop the repeated one"
                )
            seen[name] = source
        clash = [n for n in seen if n in panel.columns]
        if clash:
            raise GeoprocInputError(
                f"the panel already has column(s) {listing(map(repr, clash))}; "
                "rename them or choose other names for the new columns (pca_name, entropy_name)"
            )
        return planned


def _compute(panel: pd.DataFrame, req: IndicesRequest, common: dict, total: int,
             progress: ProgressCallback | None, log: Callable[[str], None] | None) -> tuple[dict, dict]:
    """The new columns by name and the composite fits, in the order of :meth:`IndicesRequest.plan`."""
    new: dict[str, pd.Series] = {}
    results: dict[str, Any] = {}

    def step(name: str) -> None:
        report(progress, len(new) / total)
        if log is not None:
            log(f"computing {name}")

    for col in req.agg:
        step(f"{col}_agglomeration")
        s = agglomeration_index(panel, col, **common)
        new[s.name] = s
    for sector, tot in req.pairs:
        step(f"{sector}_lq")
        ref = "all" if req.lq_reference is None else req.lq_reference
        s = location_quotient(panel, sector, tot, reference=ref, **common)
        new[s.name] = s
    if req.pca_cols:
        step(req.pca_name)
        s, res = pca_index(panel, req.pca_cols, req.pca_method, keep=req.pca_keep, by=req.by,
                           name=req.pca_name, **common)
        new[req.pca_name], results[req.pca_name] = s, res
    if req.ent_cols:
        step(req.entropy_name)
        s, res = entropy_weight_index(panel, req.ent_cols, req.dirs, shift=req.entropy_shift, by=req.by,
                                      name=req.entropy_name, **common)
        new[req.entropy_name], results[req.entropy_name] = s, res
    report(progress, 1.0)
    return new, results
