"""Text, HTML and JSON renderings of an :class:`~geoproc.durbin.model.SDMResult`.

The HTML follows the users' publication layout: coefficients with standard errors in
parentheses and significance stars for x, W*x, rho, sigma^2, then logL, R^2, N*T; then the
direct / indirect / total effects per regressor.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

from geoproc.formatting import finite_or_none as _num
from geoproc.formatting import stars as _stars

if TYPE_CHECKING:
    from geoproc.durbin.model import Estimates, SDMResult

__all__ = ["effects_sections", "html_fragment", "html_report", "result_dict", "summary_text", "tests_sections"]

_EFFECTS_NAMES = {"twoway": "region and time fixed effects", "region": "region fixed effects",
                  "time": "time fixed effects", "none": "no fixed effects (pooled)",
                  "random_twoway": "random region effects and time fixed effects",
                  "random": "random region effects (with an intercept)"}
_TEST_LABELS = {"lr_sar": "LR SDM → SAR (θ = 0)", "lr_sem": "LR SDM → SEM (θ = −ρβ)",
                "wald_sar": "Wald SDM → SAR (θ = 0)", "wald_sem": "Wald SDM → SEM (θ = −ρβ)",
                "hausman": "Hausman FE (Lee–Yu) vs RE", "lm_lag": "LM lag (no spatial terms)",
                "lm_error": "LM error (no spatial terms)", "rlm_lag": "Robust LM lag",
                "rlm_error": "Robust LM error",
                "lr_sar_lee_yu": "LR SDM → SAR, Lee–Yu", "lr_sem_lee_yu": "LR SDM → SEM, Lee–Yu",
                "wald_sar_lee_yu": "Wald SDM → SAR, Lee–Yu",
                "wald_sem_lee_yu": "Wald SDM → SEM, Lee–Yu",
                "lr_sar_re": "LR SDM → SAR, random effects",
                "wald_sar_re": "Wald SDM → SAR, random effects"}


def _est_dict(e: Estimates) -> dict:
    se = e.se
    sp_name = e.fit.spatial_name
    out = {
        "rho": _num(e.rho),
        "beta": {k: _num(v) for k, v in e.beta.items()},
        "theta": {k: _num(v) for k, v in e.theta.items()},
        "sigma2": _num(e.sigma2),
        "loglik": _num(e.loglik),
        "se": {
            "rho": _num(se["rho"]) if sp_name == "rho" else None,
            "beta": {k: _num(se[k]) for k in e.x_names},
            "theta": {k: _num(se[f"W*{k}"]) for k in e.wx_names},
            "sigma2": _num(se["sigma2"]),
        },
    }
    if sp_name == "lambda":
        out["lambda"] = _num(e.lam)
        out["se"]["lambda"] = _num(se["lambda"])
    elif "lambda" in e.param_names:  # SAC: rho and lambda
        out["lambda"] = _num(e.params["lambda"])
        out["se"]["lambda"] = _num(se["lambda"])
    if e.effects is not None:
        eff = {}
        for name, row in e.effects.iterrows():
            d = {}
            for part in ("direct", "indirect", "total"):
                d[part] = _num(row[part])
                d[f"{part}_se"] = _num(row[f"{part}_se"]) if f"{part}_se" in row.index else None
            eff[name] = d
        out["effects"] = eff
    return out


def result_dict(r: SDMResult) -> dict:
    """Plain-Python dict behind :meth:`SDMResult.to_json` (NaN becomes None)."""
    base = _est_dict(r.direct)
    out = {
        "model": r.model,
        "fixed_effects": r.fixed_effects,
        "y": r.y_name,
        "rho": base["rho"],
        "beta": base["beta"],
        "theta": base["theta"],
        "sigma2": base["sigma2"],
        "loglik": base["loglik"],
        "se": base["se"],
        "effects": base.get("effects", {}),
        "tests": {k: v.to_dict() for k, v in r.tests.items()},
        "lm_tests": {k: v.to_dict() for k, v in r.lm_tests.items()},
        "n": int(r.n),
        "t": int(r.t),
        "lee_yu": None,
        "r2": _num(r.r2),
        "r2_within": _num(r.r2_within),
        "corr2": _num(r.corr2),
        "aic": _num(r.aic),
        "draws": int(r.draws),
        "weights": {"kind": r.weights.kind, "n": int(r.weights.n),
                    "row_standardized": bool(r.weights.is_row_standardized())},
    }
    if "lambda" in base:
        out["lambda"] = base["lambda"]
    if r.lee_yu is not None:
        ly = _est_dict(r.lee_yu)
        out["lee_yu"] = {k: ly[k] for k in ("rho", "beta", "theta", "sigma2", "loglik", "se")}
        if "lambda" in ly:
            out["lee_yu"]["lambda"] = ly["lambda"]
        out["lee_yu"]["effects"] = ly.get("effects", {})
        # the LR/Wald tests under Lee and Yu's estimator, under the plain names
        out["lee_yu"]["tests"] = {k[: -len("_lee_yu")]: r.tests[k].to_dict()
                                  for k in _LY_TESTS if k in r.tests}
    # which estimator the user chose: with "lee_yu", read "lee_yu" (its effects and tests);
    # the top-level estimates, effects and tests are the direct ML ones
    out["estimator"] = ("lee_yu" if r.lee_yu is not None else
                        "random_effects" if r.fixed_effects.startswith("random") else "direct")
    return out


def _rows(e: Estimates) -> list[tuple[str, float, float, float]]:
    t = e.table()
    return [(name, row["estimate"], row["se"], row["p"]) for name, row in t.iterrows()]


_LY_TESTS = ("lr_sar_lee_yu", "wald_sar_lee_yu", "lr_sem_lee_yu", "wald_sem_lee_yu")


def effects_sections(r: SDMResult) -> list[tuple[str, object]]:
    """The effects tables in reading order, each labelled by its estimator: with Lee and Yu's
    estimator chosen, its effects come first and the direct ML ones follow for comparison."""
    if r.lee_yu is not None and r.lee_yu.effects is not None:
        return [("Lee–Yu (the chosen estimator)", r.lee_yu.effects),
                ("direct ML, for comparison", r.effects)]
    return [("random-effects ML" if r.fixed_effects.startswith("random") else "direct ML", r.effects)]


def tests_sections(r: SDMResult) -> list[tuple[str, dict]]:
    """The tests in reading order, each block labelled by the likelihoods it uses: with Lee
    and Yu's estimator chosen, the LR/Wald tests of its own fits first (Lee–Yu likelihoods
    of the SDM, SAR and SEM; the Lee–Yu SDM's covariance), then the direct ML ones."""
    tests = dict(r.tests)
    lm = dict(r.lm_tests)
    blocks = []
    hausman = {k: tests.pop(k) for k in ("hausman",) if k in tests}
    if r.lee_yu is not None and any(k in tests for k in _LY_TESTS):
        blocks.append(("Tests under Lee–Yu (the chosen estimator: Lee–Yu likelihoods)",
                       {k: tests.pop(k) for k in _LY_TESTS if k in tests}))
        blocks.append(("Tests under direct ML, for comparison", tests))
    elif r.fixed_effects.startswith("random"):
        blocks.append(("Tests under random effects (random-effects likelihoods)", tests))
    else:
        blocks.append(("Tests (direct ML likelihoods)", tests))
    if hausman:
        blocks.append(("Fixed (Lee–Yu) against random region effects", hausman))
    if lm:
        blocks.append(("LM tests of the non-spatial fixed-effects model", lm))
    return [(title, b) for title, b in blocks if b]


def summary_text(r: SDMResult) -> str:
    """Plain-text summary (coefficients, fit, effects, tests)."""
    lines = [
        f"Panel {r.model.upper()} by maximum likelihood, {_EFFECTS_NAMES[r.fixed_effects]}",
        f"Dependent variable: {r.y_name}   N = {r.n}, T = {r.t}, N*T = {r.nobs}",
        f"Weights: {r.weights.meta.get('spec', r.weights.kind)}, log-determinant: {r.logdet_method}",
        *(f"Note: {n}" for n in r.notes),  # islands dropped or linked: N differs from the layer's
        "",
    ]
    cols = [("direct", r.direct)] + ([("Lee-Yu", r.lee_yu)] if r.lee_yu is not None else [])
    head = f"{'':<22}" + "".join(f"{c:^36}" for c, _ in cols)
    lines.append(head)
    lines.append(f"{'':<22}" + "".join(f"{'estimate':>12}{'se':>11}{'p':>9}    " for _ in cols))
    tables = [e.table() for _, e in cols]
    for name in tables[0].index:
        s = f"{name:<22}"
        for t in tables:
            row = t.loc[name]
            s += f"{row['estimate']:>12.6f}{row['se']:>11.6f}{row['p']:>9.4f} {row['stars']:<3}"
        lines.append(s)
    lines += [
        "",
        f"log-likelihood {r.loglik:.4f}   R2 {r.r2:.4f}   within R2 {r.r2_within:.4f}   "
        f"corr2 {r.corr2:.4f}   AIC {r.aic:.4f}",
    ]
    if r.lee_yu is not None:
        lines.append(f"Lee-Yu log-likelihood {r.lee_yu.loglik:.4f}")
    for label, table in effects_sections(r):  # each block says which estimator it comes from
        if table is None:
            continue
        lines += effects_text(f"Effects (LeSage-Pace, {label.replace('–', '-')}; se from {r.draws} draws)",
                              table)
    if r.tests:
        for title, block in tests_sections(r):
            lines += ["", title]
            for k, v in block.items():
                lines.append(f"  {_TEST_LABELS.get(k, k):<28} stat {v.stat:10.4f}  df {v.df:3d}  p {v.p:.4f}")
    return "\n".join(lines)


def effects_text(heading: str, table) -> list[str]:
    """An effects table as summary lines: a blank line, ``heading``, the column heads, then
    direct, indirect and total with their se per variable (static and dynamic summaries)."""
    lines = ["", heading, f"{'':<18}{'direct':>22}{'indirect':>22}{'total':>22}"]
    for name, row in table.iterrows():
        s = f"{name:<18}"
        for part in ("direct", "indirect", "total"):
            se = row.get(f"{part}_se", np.nan)
            s += f"{row[part]:>11.5f} ({se:.5f})".rjust(22)
        lines.append(s)
    return lines


def _fmt(v: float) -> str:
    """Four decimals, or four significant digits for tiny values (sigma^2 of shares, ...)."""
    if v is None or not np.isfinite(v):
        return ""
    return f"{v:.4f}" if v == 0 or abs(v) >= 1e-3 else f"{v:.4g}"


def _cell(est: float, se: float, p: float) -> str:
    if est is None or not np.isfinite(est):
        return "<td></td>"
    return f"<td>{_fmt(est)}{_stars(p)}<br><span class='se'>({_fmt(se)})</span></td>"


# The publication layout shared by the static and the dynamic panel pages (three-line tables).
_PAGE_CSS = """body { font-family: "Times New Roman", "Songti SC", serif; margin: 2em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.25em 1em; text-align: center; }
thead tr { border-top: 2px solid #000; border-bottom: 1px solid #000; }
tbody tr:last-child { border-bottom: 2px solid #000; }
tbody th { text-align: left; font-weight: normal; }
.note { font-size: 0.9em; color: #444; }
"""


def _page(title: str, body: str, css: str = "") -> str:
    """A self-contained HTML page: ``title`` (already escaped), the shared style plus ``css``."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
{_PAGE_CSS}{css}</style></head><body>{body}</body></html>
"""


def write_text(path, text: str, overwrite: bool) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically; an existing file only with ``overwrite``."""
    from geoproc.outputs import atomic_output

    with atomic_output(path, overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")


def html_fragment(r: SDMResult, level: int = 1) -> str:
    """The publication layout as an HTML fragment to embed in a page (no ``<html>``/``<body>``).

    Parameters
    ----------
    r : SDMResult
    level : int
        Heading level of the title (1: ``<h1>``); the sections (effects, tests) are one
        level below. The pipeline's report embeds it with ``level=4`` under its step.

    Returns
    -------
    str
        Title, note, coefficient table, effects and tests, as :func:`html_report` shows them.
    """
    esc = html.escape
    sub = level + 1
    cols = [("ML (direct)", r.direct)] + ([("Lee–Yu", r.lee_yu)] if r.lee_yu is not None else [])
    tables = [e.table() for _, e in cols]

    def label(name: str) -> str:
        if name.startswith("W*"):
            return "W·" + esc(name[2:])
        return {"rho": "ρ", "lambda": "λ", "sigma2": "σ²"}.get(name, esc(name))

    body = ["<table class='coef'><thead><tr><th>Variable</th>"
            + "".join(f"<th>{esc(c)}</th>" for c, _ in cols) + "</tr></thead><tbody>"]
    for name in tables[0].index:
        body.append(f"<tr><th>{label(name)}</th>" + "".join(
            _cell(t.loc[name, "estimate"], t.loc[name, "se"], t.loc[name, "p"]) for t in tables)
            + "</tr>")
    body.append("<tr class='fit'><th>log L</th>" + "".join(f"<td>{e.loglik:.4f}</td>" for _, e in cols)
                + "</tr>")
    body.append(f"<tr class='fit'><th>R²</th><td>{r.r2:.4f}</td>" + "<td></td>" * (len(cols) - 1) + "</tr>")
    body.append(f"<tr class='fit'><th>corr²</th><td>{r.corr2:.4f}</td>" + "<td></td>" * (len(cols) - 1)
                + "</tr>")
    body.append(f"<tr class='fit'><th>N·T</th><td>{r.nobs}</td>" + "<td></td>" * (len(cols) - 1) + "</tr>")
    body.append("</tbody></table>")
    eff = ""
    if r.effects is not None:
        blocks = effects_sections(r)
        head = "".join(f"<th>{p}</th>" for p in ("Direct", "Indirect", "Total"))
        rows = []
        for label, table in blocks:
            rows.append(f"<tr class='block'><th colspan='4'>{esc(label)}</th></tr>")
            for name, row in table.iterrows():
                cells = "".join(_cell(row[p], row.get(f"{p}_se", np.nan), row.get(f"{p}_p", np.nan))
                                for p in ("direct", "indirect", "total"))
                rows.append(f"<tr><th>{esc(str(name))}</th>{cells}</tr>")
        eff = (f"<h{sub}>Direct, indirect and total effects</h{sub}>"
               f"<p class='note'>LeSage–Pace effects; standard errors from {r.draws} simulated "
               "parameter vectors.</p><table class='effects'><thead><tr><th>Variable</th>" + head
               + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    tests = ""
    if r.tests:
        rows = "".join(
            f"<tr class='block'><th colspan='4'>{esc(title)}</th></tr>" + "".join(
                f"<tr><th>{esc(_TEST_LABELS.get(k, k))}</th><td>{'' if not np.isfinite(v.stat) else f'{v.stat:.4f}'}"
                f"{_stars(v.p)}</td><td>{v.df}</td><td>{'' if not np.isfinite(v.p) else f'{v.p:.4f}'}</td></tr>"
                for k, v in block.items())
            for title, block in tests_sections(r))
        tests = (f"<h{sub}>Specification tests</h{sub}>"
                 "<table class='tests'><thead><tr><th>Test</th><th>Statistic</th>"
                 "<th>df</th><th>p</th></tr></thead><tbody>" + rows + "</tbody></table>")
    title = f"Panel {r.model.upper()}: {esc(r.y_name)}"
    return f"""
<h{level}>{title}</h{level}>
<p class="note">Maximum likelihood, {esc(_EFFECTS_NAMES[r.fixed_effects])}; N = {r.n} regions, T = {r.t}
periods; weights: {esc(str(r.weights.meta.get("spec", r.weights.kind)))}. Standard errors in parentheses;
*** p &lt; 0.01, ** p &lt; 0.05, * p &lt; 0.1.</p>
{''.join(f'<p class="note">Note: {esc(n)}</p>' for n in r.notes)}
{''.join(body)}
{eff}
{tests}
"""


def html_report(r: SDMResult) -> str:
    """A self-contained HTML page in the publication layout (:func:`html_fragment` in a page)."""
    title = f"Panel {r.model.upper()}: {html.escape(r.y_name)}"
    return _page(title, html_fragment(r), css="""tr.fit:first-of-type td, tr.fit th { border-top: none; }
.se { color: #333; }
tr.block th { font-style: italic; text-align: left; }
""")
