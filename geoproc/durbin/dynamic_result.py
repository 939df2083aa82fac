"""The result of a dynamic spatial panel: tables, summary text, HTML and JSON.

JSON keys (issue 14): ``tau``, ``psi`` beside ``rho``, ``beta``, ``theta``, ``sigma2``,
``se`` (with ``tau``/``psi``), ``loglik``; effects as
``effects[x]["short_run"|"long_run"]["direct"|"indirect"|"total"(+"_se")]``.
Every block says which estimator it comes from (``estimator``).
"""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np
import pandas as pd

from geoproc.durbin.dynamic import DynamicFit
from geoproc.durbin.report import _cell, _page, effects_text, write_text
from geoproc.formatting import finite_or_none, json_safe, stars

__all__ = ["DynamicSDMResult"]

_FE = {"twoway": "region and time fixed effects", "region": "region fixed effects"}
_DYN = {"tl": "time lag tau y(t-1)", "stl": "space-time lag psi W y(t-1)",
        "both": "time lag tau y(t-1) and space-time lag psi W y(t-1)"}
_HORIZON = {"short_run": "Short-run effects (I - rho W)^-1 (beta I + theta W)",
            "long_run": "Long-run effects ((1 - tau) I - (rho + psi) W)^-1 (beta I + theta W)"}


class DynamicSDMResult:
    """A dynamic spatial panel (SAR/SDM with tau and/or psi) fitted by :func:`sdm`.

    Attributes
    ----------
    fit : DynamicFit
        Estimates (bias-corrected unless ``correct=False``), covariance, the raw QMLE.
    effects : dict of str -> pandas.DataFrame
        ``"short_run"`` and ``"long_run"`` direct/indirect/total tables with simulated se.
    model, dynamic, fixed_effects : str
    n, t : int
        Regions and periods in the likelihood (the first period is the initial lag).
    """

    def __init__(self, fit: DynamicFit, effects: dict[str, pd.DataFrame], *, y_name: str,
                 weights=None, draws: int = 0, seed=None, ids=None, years=None,
                 logdet_method: str = "", op=None) -> None:
        self.fit = fit
        self._op = op
        self._W = None if op is None else op.W
        self.effects = effects
        self.model = fit.model
        self.dynamic = fit.dynamic
        self.fixed_effects = fit.effects
        self.lee_yu = fit.lee_yu
        self.y_name = y_name
        self.weights = weights
        self.draws, self.seed = draws, seed
        self.ids, self.years = ids, years
        self.n, self.t = fit.n, fit.t
        self.nobs = fit.n * fit.t
        self.logdet_method = logdet_method

    @property
    def op(self):
        """The weights' :class:`SpatialOperator` (rebuilt after unpickling)."""
        if self._op is None and self._W is not None:
            from geoproc.durbin.logdet import SpatialOperator

            self._op = SpatialOperator(self._W)
        return self._op

    def __getstate__(self) -> dict:
        # sparse factorisations (SuperLU) cannot be pickled: the pipeline caches results
        state = dict(self.__dict__)
        state["_op"] = None
        return state

    # --- named estimates -----------------------------------------------------------
    rho = property(lambda self: self.fit.rho)
    tau = property(lambda self: self.fit.tau if "tau" in self.fit.names else None)
    psi = property(lambda self: self.fit.psi if "psi" in self.fit.names else None)
    sigma2 = property(lambda self: self.fit.sigma2)
    loglik = property(lambda self: self.fit.loglik)
    stationarity = property(lambda self: self.fit.stationarity)

    @property
    def beta(self) -> pd.Series:
        return pd.Series(self.fit.beta, index=self.fit.x_names, name="beta")

    @property
    def theta(self) -> pd.Series:
        return pd.Series(self.fit.theta, index=self.fit.wx_names, name="theta")

    @property
    def params(self) -> pd.Series:
        return pd.Series(self.fit.params, index=self.fit.param_names, name="estimate")

    @property
    def se(self) -> pd.Series:
        return pd.Series(self.fit.se, index=self.fit.param_names, name="se")

    @property
    def estimator(self) -> str:
        """Which estimator every number comes from (printed on each block)."""
        how = ("Yu-de Jong-Lee bias-corrected quasi-ML" if self.fit.corrected
               else "quasi-ML (uncorrected)")
        if self.fixed_effects == "twoway":
            how += (", Lee-Yu transformation for the time effects" if self.lee_yu
                    else ", direct two-way within transformation")
        return how

    def table(self) -> pd.DataFrame:
        """Coefficients: estimate, se, z, p, stars (tau, psi, x, W*x, rho, sigma2)."""
        out = pd.DataFrame({"estimate": self.fit.params, "se": self.fit.se, "z": self.fit.z,
                            "p": self.fit.p}, index=pd.Index(self.fit.param_names, name="parameter"))
        out["stars"] = [stars(v) for v in out["p"]]
        return out

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table (as :meth:`table`; the name static results use)."""
        return self.table()

    def effects_table(self) -> pd.DataFrame:
        """Short- and long-run effects in one long table (``horizon``, ``variable``, ...)."""
        parts = [t.reset_index().assign(horizon=h) for h, t in self.effects.items()]
        out = pd.concat(parts, ignore_index=True)
        return out[["horizon"] + [c for c in out.columns if c != "horizon"]]

    def region_effects(self, year: Any = None) -> pd.DataFrame:
        """Each region's short- and long-run direct, indirect and total effects.

        ``year`` is accepted for the interface of the static result and ignored: the effects
        do not change over time.

        For regressor X, row i of S = (I - rho W)^-1 (beta I + theta W) (short run) and of
        ((1 - tau) I - (rho + psi) W)^-1 (beta I + theta W) (long run): columns
        ``X_short_direct`` (S_ii), ``X_short_indirect`` (sum over j != i of S_ij),
        ``X_short_total`` and the same ``X_long_*``; their means over the regions are
        :attr:`effects`. Long-run columns are NaN when the estimates are not stationary.
        """
        from geoproc.durbin.region_output import lag_diagonal

        W = self.op.W
        f = self.fit
        theta = np.zeros(len(f.x_names))
        theta[[f.x_names.index(v) for v in f.wx_names]] = f.theta
        w_one = np.asarray(W.sum(axis=1)).ravel()
        a = 1.0 - f.tau
        horizons = {"short": (f.rho, 1.0)}
        if f.stationarity.ok and a > 0:
            horizons["long"] = ((f.rho + f.psi) / a, a)
        # diag((I - cW)^-1 W) once per horizon, shared by the regressors
        diags = {h: lag_diagonal(W, c, self.op)[0] for h, (c, _) in horizons.items()}
        cols: dict[str, np.ndarray] = {}
        for k, name in enumerate(f.x_names):
            for h in ("short", "long"):
                if h not in horizons:
                    for part in ("direct", "indirect", "total"):
                        cols[f"{name}_{h}_{part}"] = np.full(self.op.n, np.nan)
                    continue
                c, scale = horizons[h]
                b, t = f.beta[k] / scale, theta[k] / scale
                direct = b * (1.0 + c * diags[h]) + t * diags[h]
                total = self.op.solve(c, b * np.ones(self.op.n) + t * w_one)
                cols[f"{name}_{h}_direct"] = direct
                cols[f"{name}_{h}_indirect"] = total - direct
                cols[f"{name}_{h}_total"] = total
        return pd.DataFrame(cols, index=pd.Index(self.ids, name="id"))

    def html_fragment(self, level: int = 1) -> str:
        """The report's tables as an HTML fragment (headings from ``<h{level}>``)."""
        return _fragment(self, level)

    # --- output -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain-Python dict behind :meth:`to_json` (NaN becomes None)."""
        f = self.fit
        se = self.se
        eff: dict[str, dict] = {}
        for horizon, table in self.effects.items():
            for name, row in table.iterrows():
                d = eff.setdefault(str(name), {})
                d[horizon] = {}
                for part in ("direct", "indirect", "total"):
                    d[horizon][part] = finite_or_none(row[part])
                    d[horizon][f"{part}_se"] = (finite_or_none(row[f"{part}_se"])
                                                if f"{part}_se" in row.index else None)
        raw = f.raw
        raw_names = raw.param_names
        out = {
            "model": self.model, "dynamic": self.dynamic, "fixed_effects": self.fixed_effects,
            "estimator": self.estimator, "lee_yu": bool(self.lee_yu), "y": self.y_name,
            "rho": finite_or_none(f.rho), "tau": finite_or_none(self.tau),
            "psi": finite_or_none(self.psi),
            "beta": {k: finite_or_none(v) for k, v in self.beta.items()},
            "theta": {k: finite_or_none(v) for k, v in self.theta.items()},
            "sigma2": finite_or_none(f.sigma2),
            "se": {"rho": finite_or_none(se["rho"]),
                   "tau": finite_or_none(se["tau"]) if "tau" in se.index else None,
                   "psi": finite_or_none(se["psi"]) if "psi" in se.index else None,
                   "beta": {k: finite_or_none(se[k]) for k in f.x_names},
                   "theta": {k: finite_or_none(se[f"W*{k}"]) for k in f.wx_names},
                   "sigma2": finite_or_none(se["sigma2"])},
            "loglik": finite_or_none(f.loglik),
            "loglik_corrected": finite_or_none(f.loglik_corrected),
            "effects": eff,
            "stationarity": {"ok": bool(f.stationarity.ok), "message": f.stationarity.message,
                             "conditions": json_safe(f.stationarity.conditions)},
            "uncorrected": {k: finite_or_none(v) for k, v in zip(raw_names, raw.params, strict=True)},
            "n": int(self.n), "t": int(self.t), "draws": int(self.draws),
        }
        if self.weights is not None:
            out["weights"] = {"kind": self.weights.kind, "n": int(self.weights.n),
                              "row_standardized": bool(self.weights.is_row_standardized())}
        return out

    def to_json(self, path: str | None = None, overwrite: bool = False, indent: int = 2) -> str:
        """JSON of :meth:`to_dict` (written atomically to ``path`` if given)."""
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)
        if path is not None:
            write_text(path, text, overwrite)
        return text

    def summary(self) -> str:
        """Plain-text summary: coefficients, fit, stationarity, short- and long-run effects."""
        lines = [f"Dynamic panel {self.model.upper()} with {_DYN[self.dynamic]}, "
                 f"{_FE[self.fixed_effects]}",
                 f"Estimator: {self.estimator}",
                 f"Dependent variable: {self.y_name}   N = {self.n}, T = {self.t} "
                 "(after the initial lag)", "",
                 f"{'':<22}{'estimate':>12}{'se':>11}{'p':>9}"]
        for name, row in self.table().iterrows():
            lines.append(f"{name:<22}{row['estimate']:>12.6f}{row['se']:>11.6f}"
                         f"{row['p']:>9.4f} {row['stars']}")
        lines += ["", f"quasi-log-likelihood (at the uncorrected QMLE) {self.loglik:.4f}",
                  "stationary: yes" if self.stationarity.ok
                  else f"stationarity: {self.stationarity.message}"]
        for horizon, table in self.effects.items():
            lines += effects_text(f"{_HORIZON[horizon]}; se from {self.draws} draws ({self.estimator})",
                                  table)
        return "\n".join(lines)

    def to_html(self, path: str | None = None, overwrite: bool = False) -> str:
        """The publication layout: coefficients, then short- and long-run effects."""
        text = _html(self)
        if path is not None:
            write_text(path, text, overwrite)
        return text

    def __repr__(self) -> str:
        return (f"<DynamicSDMResult {self.model.upper()} dynamic={self.dynamic} "
                f"{self.fixed_effects} effects, N={self.n} T={self.t}, rho={self.rho:.4f}>")


def _fragment(r: DynamicSDMResult, level: int) -> str:
    esc = html.escape
    sub = level + 1
    labels = {"tau": "y<sub>t−1</sub> (τ)", "psi": "W·y<sub>t−1</sub> (ψ)", "rho": "W·y (ρ)",
              "sigma2": "σ²"}
    rows = []
    for name, row in r.table().iterrows():
        lab = labels.get(name, "W·" + esc(name[2:]) if name.startswith("W*") else esc(name))
        rows.append(f"<tr><th>{lab}</th>{_cell(row['estimate'], row['se'], row['p'])}</tr>")
    rows.append(f"<tr class='fit'><th>log L</th><td>{r.loglik:.4f}</td></tr>")
    rows.append(f"<tr class='fit'><th>N·T</th><td>{r.nobs}</td></tr>")
    blocks = []
    for horizon, table in r.effects.items():
        body = "".join(
            f"<tr><th>{esc(str(name))}</th>" + "".join(
                _cell(row[p], row.get(f"{p}_se", np.nan), row.get(f"{p}_p", np.nan))
                for p in ("direct", "indirect", "total")) + "</tr>"
            for name, row in table.iterrows())
        title = "Short-run effects" if horizon == "short_run" else "Long-run effects"
        blocks.append(f"<h{sub}>{title}</h{sub}><p class='note'>{esc(_HORIZON[horizon])}; "
                      f"{esc(r.estimator)}; standard errors from {r.draws} draws.</p>"
                      "<table><thead><tr><th>Variable</th><th>Direct</th><th>Indirect</th>"
                      f"<th>Total</th></tr></thead><tbody>{body}</tbody></table>")
    stat = ("" if r.stationarity.ok else
            f"<p class='warn'>Not stationary: {esc(r.stationarity.message)}</p>")
    title = f"Dynamic panel {r.model.upper()}: {esc(r.y_name)}"
    return f"""<h{level}>{title}</h{level}>
<p class="note">{esc(r.estimator)}; {esc(_DYN[r.dynamic])}; {esc(_FE[r.fixed_effects])};
N = {r.n} regions, T = {r.t} periods after the initial lag. Standard errors in parentheses;
*** p &lt; 0.01, ** p &lt; 0.05, * p &lt; 0.1.</p>
<table><thead><tr><th>Variable</th><th>Estimate</th></tr></thead><tbody>{''.join(rows)}</tbody></table>
{stat}
{''.join(blocks)}"""


def _html(r: DynamicSDMResult) -> str:
    title = f"Dynamic panel {r.model.upper()}: {html.escape(r.y_name)}"
    return _page(title, "\n" + _fragment(r, 1) + "\n", css=".warn { color: #a00; }\n")
