"""Several fitted spatial models side by side: coefficients, effects and tests tables.

A fit is anything with a ``to_dict()`` in the layout of :meth:`geoproc.durbin.SDMResult.to_dict`
(or that dict itself, e.g. one entry of ``geoproc sdm --json``): ``beta``, ``theta``,
``rho``/``lambda`` (and ``tau``, ``psi`` of a dynamic model), ``sigma2``, ``se`` (the same
keys), ``effects``, ``tests``, ``n``, ``t``, ``r2``, ``r2_within``, ``loglik``, ``aic``,
``fixed_effects``. Only these public keys are read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from scipy.special import ndtr  # scipy.stats takes seconds to import

from geoproc.errors import GeoprocInputError
from geoproc.formatting import stars
from geoproc.tables.base import Cell, Row, Table
from geoproc.tables.labels import read_labels, stars_note, word

__all__ = ["regression_table", "effects_table", "tests_table", "fit_dict", "STATS"]

STATS = ("se", "t", "p")
SPATIAL = ("rho", "lambda", "tau", "psi")
TESTS = ("lr_sar", "wald_sar", "lr_sem", "wald_sem", "hausman")
LM_TESTS = ("lm_lag", "rlm_lag", "lm_error", "rlm_error")


def fit_dict(fit: Any) -> dict:
    """The fit's ``to_dict()`` (a mapping is taken as it is), as the user's estimator gives it.

    A fit estimated with ``lee_yu=True`` reports Lee and Yu's transformation approach as
    the chosen estimator (``"estimator": "lee_yu"``): its coefficients, standard errors,
    σ², log-likelihood, effects and LR/Wald tests replace the direct ones, so a table
    column shows what its summary shows first. AIC is recomputed from the Lee–Yu
    log-likelihood with the same number of parameters; R² and the Hausman/LM tests stay.
    """
    if isinstance(fit, Mapping):
        d = dict(fit)
    elif hasattr(fit, "to_dict"):
        d = fit.to_dict()
    else:
        raise GeoprocInputError(f"fit {fit!r}: expected a fitted model (geoproc.sdm result) or its to_dict()")
    return _chosen_estimator(d)


def _chosen_estimator(d: dict) -> dict:
    ly = d.get("lee_yu")
    if d.get("estimator") != "lee_yu" or not isinstance(ly, Mapping):
        return d
    out = dict(d)
    for key in ("rho", "lambda", "beta", "theta", "sigma2", "se", "effects"):
        if key in ly:
            out[key] = ly[key]
    out["tests"] = {**(d.get("tests") or {}), **(ly.get("tests") or {})}
    loglik, aic = _num(d.get("loglik")), _num(d.get("aic"))
    if _num(ly.get("loglik")) is not None:
        out["loglik"] = ly["loglik"]
        if loglik is not None and aic is not None:  # AIC = 2k - 2 loglik, same k
            out["aic"] = aic + 2 * loglik - 2 * float(ly["loglik"])
    return out


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _p_value(est: float | None, se: float | None) -> float | None:
    """Two-sided normal p of est/se, as :attr:`SDMResult.p` computes it."""
    if est is None or se is None or se <= 0:
        return None
    return float(2 * ndtr(-abs(est / se)))


MAX_DECIMALS = 6


def row_decimals(values: Sequence[Any], decimals: int) -> int:
    """``decimals``, or more (up to 6) when the row's largest |value| is below 0.01, so that its
    leading two significant digits show (σ² = 0.0016 prints 0.0016, not 0.002)."""
    vals = [abs(v) for v in map(_num, values) if v is not None and v != 0]
    d = decimals
    if vals:
        top = max(vals)
        while d < MAX_DECIMALS and top < 10.0 ** (1 - d):
            d += 1
    return d


def _pair_row(pairs: list[tuple[Cell, Cell]], decimals: int, stat: str) -> tuple[list[Cell], list[Cell]]:
    """One row of estimates and its parenthesis row, with the row's decimals."""
    d = row_decimals([a.value for a, _ in pairs], decimals)
    tops, belows = [a for a, _ in pairs], [b for _, b in pairs]
    for c in (*tops, *(belows if stat != "t" else ())):
        c.decimals = d
    return tops, belows


def coef_cells(est: Any, se: Any, stat: str, decimals: int) -> tuple[Cell, Cell]:
    """The estimate with stars and, under it, its se, t or p in parentheses."""
    est, se = _num(est), _num(se)
    p = _p_value(est, se)
    top = Cell(est, decimals, stars(p) if p is not None else "")
    if stat == "se":
        below = se
    elif stat == "t":
        below = est / se if est is not None and se else None
    else:
        below = p
    return top, Cell(below, decimals, paren=True)


def _check(fits: Sequence[Any], names: Sequence[str] | None, stat: str, lang: str) -> list[dict]:
    if stat not in STATS:
        raise GeoprocInputError(f"stat must be one of {', '.join(STATS)}; got {stat!r}")
    word("variable", lang)  # checks lang
    if isinstance(fits, Mapping) or hasattr(fits, "to_dict"):
        fits = [fits]
    ds = [fit_dict(f) for f in fits]
    if not ds:
        raise GeoprocInputError("no fitted models given")
    if names is not None and len(names) != len(ds):
        raise GeoprocInputError(f"names: {len(names)} names for {len(ds)} fits")
    return ds


def _header(n: int, names: Sequence[str] | None, groups: Sequence[tuple[str, int]] | None
            ) -> list[list[tuple[str, int]]]:
    head: list[list[tuple[str, int]]] = []
    if groups:
        groups = [(str(g), int(s)) for g, s in groups]
        if sum(s for _, s in groups) != n:
            raise GeoprocInputError(f"groups: spans add up to {sum(s for _, s in groups)}, not {n} fits")
        head.append(groups)
    head.append([(f"({i})", 1) for i in range(1, n + 1)])
    if names:
        head.append([(str(x), 1) for x in names])
    return head


def _union(ds: list[dict], key: str) -> list[str]:
    out: list[str] = []
    for d in ds:
        for k in (d.get(key) or {}):
            if k not in out:
                out.append(k)
    return out


def _label(name: str, labels: Mapping[str, str]) -> str:
    return labels.get(name, name)


def _dep_note(ds: list[dict], labels: Mapping[str, str], lang: str) -> list[str]:
    ys = {d.get("y") for d in ds if d.get("y")}
    notes = [word("dep", lang) + _label(next(iter(ys)), labels)] if len(ys) == 1 else []
    if any(d.get("estimator") == "lee_yu" for d in ds):
        notes.append("采用Lee和Yu（2010）的变换方法估计。" if lang == "zh" else
                     "Estimated by Lee and Yu's (2010) transformation approach.")
    return notes


def _fe_flags(d: dict) -> tuple[bool, bool]:
    fe = d.get("fixed_effects", "none")
    return fe in ("region", "twoway"), fe in ("time", "twoway")


def _nobs(d: dict) -> int | None:
    if d.get("nobs") is not None:
        return int(d["nobs"])
    if d.get("n") is not None and d.get("t") is not None:
        return int(d["n"]) * int(d["t"])
    return None


def regression_table(
    fits: Sequence[Any],
    names: Sequence[str] | None = None,
    stat: str = "se",
    lang: str = "en",
    labels: Mapping[str, str] | str | Sequence[str] | None = None,
    *,
    controls: Sequence[str] | None = None,
    groups: Sequence[tuple[str, int]] | None = None,
    decimals: int = 3,
    title: str | None = None,
) -> Table:
    """Coefficients of several fits side by side, as journals print them.

    Parameters
    ----------
    fits : sequence of SDMResult (or their ``to_dict()``)
        One column each.
    names : sequence of str, optional
        A header row naming the columns (e.g. the weights matrices).
    stat : {"se", "t", "p"}
        What goes in parentheses under each estimate.
    lang : {"en", "zh"}
        Language of the row labels and notes.
    labels : dict, "name=label" pairs or a labels file, optional
        Variable labels (see :func:`geoproc.tables.read_labels`); ``W×`` is put before
        the label of a spatial lag.
    controls : sequence of str, optional
        Regressors not shown (their rows are replaced by a "Controls: Yes/No" row).
    groups : sequence of (str, int), optional
        A top header row spanning columns, e.g. ``[("rd_staff", 2), ("rd_capital", 2)]``.
    decimals : int
        Decimals of the numbers (N is an integer). A row whose largest estimate is below
        0.01 gets more (up to 6) so that two significant digits show; its standard errors
        (or p) the same, t statistics keep ``decimals``.
    title : str, optional
        Caption (default: "Spatial Durbin model estimates" / "空间杜宾模型估计结果").

    Returns
    -------
    Table
        Rows: each x, each W×x (estimate with stars; se, t or p in parentheses below), then
        ρ, λ, τ, ψ where a fit has them, σ², then Controls, Region FE, Year FE (Yes/No), N,
        R², within R², log-likelihood and AIC. Stars are from the two-sided normal p of
        estimate/se (``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1).
    """
    ds = _check(fits, names, stat, lang)
    labels = read_labels(labels)
    hidden = set(controls or ())
    rows: list[Row] = []

    def coef_rows(key: str, name: str, label: str) -> None:
        pairs = [coef_cells((d.get(key) or {}).get(name), ((d.get("se") or {}).get(key) or {}).get(name),
                            stat, decimals) for d in ds]
        tops, belows = _pair_row(pairs, decimals, stat)
        rows.append(Row(label, tops, "value", f"{key}:{name}"))
        rows.append(Row("", belows, "paren", f"{key}:{name}:{stat}"))

    for name in _union(ds, "beta"):
        if name not in hidden:
            coef_rows("beta", name, _label(name, labels))
    for name in _union(ds, "theta"):
        if name not in hidden:
            coef_rows("theta", name, "W×" + _label(name, labels))
    for key in (*SPATIAL, "sigma2"):
        if any(_num(d.get(key)) is not None for d in ds):
            pairs = [coef_cells(d.get(key), (d.get("se") or {}).get(key), stat, decimals) for d in ds]
            tops, belows = _pair_row(pairs, decimals, stat)
            rows.append(Row(word(key, lang), tops, "value", key))
            rows.append(Row("", belows, "paren", f"{key}:{stat}"))
    yes, no = word("yes", lang), word("no", lang)
    if hidden:
        has = [bool(hidden & (set(d.get("beta") or {}) | set(d.get("theta") or {}))) for d in ds]
        rows.append(Row(word("controls", lang), [Cell(yes if h else no) for h in has], "stat", "controls"))
    flags = [_fe_flags(d) for d in ds]
    rows.append(Row(word("region_fe", lang), [Cell(yes if f[0] else no) for f in flags], "stat", "region_fe"))
    rows.append(Row(word("year_fe", lang), [Cell(yes if f[1] else no) for f in flags], "stat", "year_fe"))
    rows.append(Row(word("nobs", lang), [Cell(_nobs(d), 0) for d in ds], "stat", "nobs"))
    for key in ("r2", "r2_within", "loglik", "aic"):
        if any(_num(d.get(key)) is not None for d in ds):
            rows.append(Row(word(key, lang), [Cell(_num(d.get(key)), decimals) for d in ds], "stat", key))
    notes = [word("note", lang) + stars_note(lang, stat)] + _dep_note(ds, labels, lang)
    return Table(title if title is not None else word("regression_title", lang), word("variable", lang),
                 _header(len(ds), names, groups), rows, notes, lang,
                 {"kind": "regression", "stat": stat, "names": list(names or [])})


HORIZONS = ("short_run", "long_run")


def _horizons(ds: list[dict], variables: list[str]) -> list[str | None]:
    """``[None]`` for static fits; ``short_run``/``long_run`` blocks of dynamic fits
    (``effects[x]["short_run"]["direct"]``), after the static block when both are present."""
    out: list[str | None] = []
    for d in ds:
        for v in variables:
            e = (d.get("effects") or {}).get(v) or {}
            for h in ([k for k in HORIZONS if k in e] or ([None] if e else [])):
                if h not in out:
                    out.append(h)
    return sorted(out, key=lambda h: -1 if h is None else HORIZONS.index(h)) or [None]


def _effect_block(d: dict, v: str, horizon: str | None) -> dict:
    e = (d.get("effects") or {}).get(v) or {}
    if horizon is None:
        return e if not any(k in e for k in HORIZONS) else {}
    return e.get(horizon) or {}


def _effect_word(horizon: str | None, part: str, lang: str) -> str:
    if horizon is None:
        return word(part, lang)
    if lang == "zh":
        return ("短期" if horizon == "short_run" else "长期") + word(part, lang)
    return ("Short-run " if horizon == "short_run" else "Long-run ") + word(part, lang).lower()


def effects_table(
    fits: Sequence[Any],
    names: Sequence[str] | None = None,
    stat: str = "se",
    lang: str = "en",
    labels: Mapping[str, str] | str | Sequence[str] | None = None,
    *,
    controls: Sequence[str] | None = None,
    groups: Sequence[tuple[str, int]] | None = None,
    decimals: int = 3,
    title: str | None = None,
) -> Table:
    """Direct, indirect and total effects of several fits, one column per fit.

    Parameters are those of :func:`regression_table`. Three blocks of rows (直接效应,
    间接效应, 总效应 in Chinese), each with every regressor's effect (stars from the
    two-sided normal p of effect / simulated se) and its se, t or p in parentheses; then N.
    Dynamic fits (effects by ``short_run``/``long_run``) get short- and long-run blocks
    (短期直接效应, ..., 长期总效应).

    Returns
    -------
    Table
    """
    ds = _check(fits, names, stat, lang)
    labels = read_labels(labels)
    hidden = set(controls or ())
    variables = [v for v in _union(ds, "effects") if v not in hidden]
    rows: list[Row] = []
    for horizon in _horizons(ds, variables):
        for part in ("direct", "indirect", "total"):
            key = part if horizon is None else f"{horizon}:{part}"
            rows.append(Row(_effect_word(horizon, part, lang), [], "section", key))
            for v in variables:
                blocks = [_effect_block(d, v, horizon) for d in ds]
                pairs = [coef_cells(b.get(part), b.get(f"{part}_se"), stat, decimals) for b in blocks]
                tops, belows = _pair_row(pairs, decimals, stat)
                rows.append(Row(_label(v, labels), tops, "value", f"{key}:{v}"))
                rows.append(Row("", belows, "paren", f"{key}:{v}:{stat}"))
    rows.append(Row(word("nobs", lang), [Cell(_nobs(d), 0) for d in ds], "stat", "nobs"))
    draws = {d.get("draws") for d in ds if d.get("draws")}
    notes = [word("note", lang) + stars_note(lang, stat)] + _dep_note(ds, labels, lang)
    if len(draws) == 1:
        n = next(iter(draws))
        notes.append(f"效应的标准误由{n}次参数模拟得到（LeSage和Pace，2009）。" if lang == "zh" else
                     f"Standard errors of the effects from {n} simulated parameter vectors (LeSage and Pace 2009).")
    return Table(title if title is not None else word("effects_title", lang), word("variable", lang),
                 _header(len(ds), names, groups), rows, notes, lang,
                 {"kind": "effects", "stat": stat, "names": list(names or [])})


def tests_table(
    fits: Sequence[Any],
    names: Sequence[str] | None = None,
    lang: str = "en",
    *,
    lm: bool = False,
    groups: Sequence[tuple[str, int]] | None = None,
    decimals: int = 3,
    title: str | None = None,
) -> Table:
    """LR, Wald (and Hausman, optionally LM) tests of several fits, one column per fit.

    Parameters
    ----------
    fits, names, lang, groups, decimals, title
        As :func:`regression_table`.
    lm : bool
        Also the LM (robust) lag and error tests of the non-spatial model.

    Returns
    -------
    Table
        Per test the chi-squared statistic with stars and its p-value in parentheses below.
    """
    ds = _check(fits, names, "p", lang)
    keys = [k for k in TESTS if any(_num(((d.get("tests") or {}).get(k) or {}).get("stat")) is not None
                                    for d in ds)]
    rows: list[Row] = []
    for src, names_ in (("tests", keys), ("lm_tests", LM_TESTS if lm else ())):
        for k in names_:
            vals = [(d.get(src) or {}).get(k) or {} for d in ds]
            if not any(_num(v.get("stat")) is not None for v in vals):
                continue
            tops = [Cell(_num(v.get("stat")), decimals,
                         stars(_num(v.get("p"))) if _num(v.get("p")) is not None else "") for v in vals]
            rows.append(Row(word(k, lang), tops, "value", k))
            rows.append(Row("", [Cell(_num(v.get("p")), decimals, paren=True) for v in vals], "paren", f"{k}:p"))
    notes = [word("note", lang) + stars_note(lang, "p")]
    return Table(title if title is not None else word("tests_title", lang),
                 "检验" if lang == "zh" else "Test", _header(len(ds), names, groups), rows, notes, lang,
                 {"kind": "tests", "stat": "p", "names": list(names or [])})
