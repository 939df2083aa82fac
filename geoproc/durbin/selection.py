"""Elhorst's model-selection sequence for spatial panels, in one call.

Elhorst (2010, *Spatial Economic Analysis* 5:9-28; 2014, *Spatial Econometrics*, ch. 3):

1. Fixed effects: LR tests of the joint significance of the region effects and of the time
   effects in the non-spatial model (H0: none), against the two-way model.
2. LM and robust LM tests for a spatial lag and a spatial error on the non-spatial model
   with the chosen effects (Anselin et al. 1996; Elhorst 2014, eq. 3.31-3.34).
3. The SDM and its restrictions: Wald and LR tests of SDM -> SAR (theta = 0) and
   SDM -> SEM (theta = -rho beta); LR tests of SDM -> SLX (rho = 0), SDEM -> SEM
   (theta = 0) and SDEM -> SLX (lambda = 0).
4. Hausman: fixed against random region effects (SDM; with region or two-way effects).

The pointer at the end follows Elhorst (2010, p. 14): if both SDM -> SAR and SDM -> SEM are
rejected, the SDM; if SDM -> SAR is not rejected and the (robust) LM tests point to a lag,
the SAR; if SDM -> SEM is not rejected and they point to an error, the SEM; otherwise the
SDM (it nests both and its effects stay unbiased under either).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geoproc.durbin.estimation import Design, fit_error, fit_lag, fit_ols, spatial_lag, within
from geoproc.durbin.hypothesis_tests import (
    TestStat,
    lm_tests,
    lr_test,
    wald_common_factor,
    wald_zero,
)
from geoproc.durbin.logdet import SpatialOperator
from geoproc.durbin.sac import fit_sdem
from geoproc.errors import GeoprocInputError

__all__ = ["Selection", "model_selection", "select_model"]


@dataclass
class Selection:
    """The sequence's tests (in order) and the model they point to.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per test: ``step``, ``test``, ``stat``, ``df``, ``p``, ``decision``.
    chosen : str
        ``"sdm"``, ``"sar"``, ``"sem"`` (with its effects: ``effects``), plus the Hausman
        verdict in ``random_effects`` (True: random effects not rejected).
    reason : str
    """

    table: pd.DataFrame
    chosen: str
    effects: str
    random_effects: bool | None
    reason: str
    tests: dict[str, TestStat] = field(default_factory=dict)

    def summary(self) -> str:
        lines = ["Model selection (Elhorst 2010, 2014)",
                 f"{'step':<14}{'test':<34}{'stat':>11}{'df':>5}{'p':>9}  decision"]
        for _, r in self.table.iterrows():
            stat = "" if not np.isfinite(r["stat"]) else f"{r['stat']:.4f}"
            p = "" if not np.isfinite(r["p"]) else f"{r['p']:.4f}"
            lines.append(f"{r['step']:<14}{r['test']:<34}{stat:>11}{int(r['df']):>5}{p:>9}  "
                         f"{r['decision']}")
        lines += ["", f"-> {self.chosen.upper()} with {self.effects} effects"
                  + ("" if self.random_effects is None else
                     (" (random region effects not rejected by Hausman)" if self.random_effects
                      else " (fixed, Hausman rejects random effects)")),
                  f"   {self.reason}"]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        from geoproc.formatting import json_safe

        return {"chosen": self.chosen, "effects": self.effects,
                "random_effects": self.random_effects, "reason": self.reason,
                "tests": json_safe(self.table.to_dict(orient="records"))}


def model_selection(y: np.ndarray, X: np.ndarray, W, *, effects: str = "twoway",
                    x_names: list[str] | None = None, wx: list[int] | None = None,
                    alpha: float = 0.05, op: SpatialOperator | None = None) -> Selection:
    """Run Elhorst's sequence on (T, N) ``y`` and (T, N, K) ``X``.

    Parameters
    ----------
    y, X : arrays
    W : sparse N x N weights
    effects : {"twoway", "region", "time", "none"}
        The fixed effects of the spatial models (the LR tests of step 1 are reported
        whatever is chosen).
    x_names : list of str, optional
    wx : list of int, optional
        Regressors with a W x term (default all; the common-factor test needs all).
    alpha : float
        Significance level of the decisions.
    op : SpatialOperator, optional

    Returns
    -------
    Selection
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    T, N, K = X.shape
    names = list(x_names) if x_names is not None else [f"x{j + 1}" for j in range(K)]
    wx = list(range(K)) if wx is None else list(wx)
    op = op if op is not None else SpatialOperator(W)
    Wm = op.W
    Wy = spatial_lag(Wm, y)
    rows: list[tuple[str, str, TestStat, str]] = []

    def dec(t: TestStat, yes: str, no: str) -> str:
        return "" if not np.isfinite(t.p) else (yes if t.p < alpha else no)

    # 1. joint significance of the fixed effects in the non-spatial model
    for label, t in _fixed_effects_tests(y, X, Wy, names).items():
        rows.append(("fixed effects", f"LR joint {label} effects", t,
                     dec(t, f"{label} effects needed", f"{label} effects not needed")))
    # 2. LM tests on the non-spatial model with the chosen effects
    dx = Design(within(y, effects), within(Wy, effects), within(X, effects).reshape(T * N, K), names)
    lm = lm_tests(dx.y, dx.Z, Wm)
    for k, label in (("lm_lag", "LM lag"), ("rlm_lag", "robust LM lag"),
                     ("lm_error", "LM error"), ("rlm_error", "robust LM error")):
        rows.append(("LM", label, lm[k], dec(lm[k], "spatial", "not spatial")))
    # 3. SDM, SDEM and their restrictions
    tests, ds = _nesting_tests(y, X, dx, op, effects, names, wx)
    for k, t in tests.items():
        rows.append(("SDM/SDEM", _LABELS[k], t, dec(t, "rejected", "not rejected")))
    # 4. Hausman (FE Lee-Yu SDM against random region effects, as geoproc.sdm does)
    re_ok = None
    if effects in ("region", "twoway"):
        h = _hausman(y, X, ds, op, effects, wx)
        rows.append(("Hausman", "fixed vs random region effects", h,
                     dec(h, "fixed effects", "random effects not rejected")))
        re_ok = None if not np.isfinite(h.p) else bool(h.p >= alpha)
    chosen, reason = _point(tests, lm, alpha)
    table = pd.DataFrame([{"step": s, "test": label, "stat": t.stat, "df": t.df, "p": t.p,
                           "decision": d} for s, label, t, d in rows])
    return Selection(table, chosen, effects, re_ok, reason, {**tests, **lm})


_LABELS = {"wald_sar": "Wald SDM -> SAR (theta = 0)", "lr_sar": "LR SDM -> SAR",
           "wald_sem": "Wald SDM -> SEM (theta = -rho beta)", "lr_sem": "LR SDM -> SEM",
           "lr_slx": "LR SDM -> SLX (rho = 0)", "lr_sdem_sem": "LR SDEM -> SEM (theta = 0)",
           "lr_sdem_slx": "LR SDEM -> SLX (lambda = 0)"}


def _fixed_effects_tests(y, X, Wy, names) -> dict[str, TestStat]:
    """LR tests of the joint region and time effects against the two-way non-spatial model."""
    T, N, K = X.shape
    ll = {}
    for eff in ("region", "time", "twoway"):
        d = Design(within(y, eff), within(Wy, eff), within(X, eff).reshape(T * N, K), names)
        ll[eff] = fit_ols(d, eff).loglik
    return {"region": lr_test(ll["twoway"], ll["time"], N - 1, "lr_region_effects"),
            "time": lr_test(ll["twoway"], ll["region"], T - 1, "lr_time_effects")}


def _nesting_tests(y, X, dx: Design, op, effects, names, wx) -> tuple[dict, Design]:
    """Wald/LR tests of the SDM's and the SDEM's restrictions; also the SDM design."""
    T, N, K = X.shape
    Wm = op.W
    WX = spatial_lag(Wm, X)
    Zs = np.hstack([dx.Z, within(WX[..., wx], effects).reshape(T * N, len(wx))])
    ds = Design(dx.y, dx.wy, Zs, names + [f"W*{names[j]}" for j in wx])
    sdm = fit_lag(ds, op, effects, model="sdm")
    sar = fit_lag(dx, op, effects, model="sar", information=False)
    sem = fit_error(Design(dx.y, dx.wy, dx.Z, names, wZ=within(WX, effects).reshape(T * N, K)),
                    op, effects, information=False)
    slx = fit_ols(ds, effects, model="slx")
    try:
        sdem = fit_sdem(y, X, Wm, effects, x_names=names, wx=wx, op=op)
    except GeoprocInputError:
        sdem = None
    kw = len(wx)
    theta = sdm.coef[K:K + kw]
    tests = {"wald_sar": wald_zero(theta, sdm.cov[K:K + kw, K:K + kw], "wald_sar"),
             "lr_sar": lr_test(sdm.loglik, sar.loglik, kw, "lr_sar"),
             "lr_slx": lr_test(sdm.loglik, slx.loglik, 1, "lr_slx")}
    if kw == K:
        idx = list(range(2 * K)) + [2 * K]
        tests["wald_sem"] = wald_common_factor(sdm.coef[:K], theta, sdm.spatial,
                                               sdm.cov[np.ix_(idx, idx)], "wald_sem")
        tests["lr_sem"] = lr_test(sdm.loglik, sem.loglik, K, "lr_sem")
    else:  # the common-factor hypothesis needs a W x term for every regressor
        tests["wald_sem"] = tests["lr_sem"] = TestStat.missing("lr_sem", K)
    if sdem is not None:
        tests["lr_sdem_sem"] = lr_test(sdem.loglik, sem.loglik, kw, "lr_sdem_sem")
        tests["lr_sdem_slx"] = lr_test(sdem.loglik, slx.loglik, 1, "lr_sdem_slx")
    return tests, ds


def _hausman(y, X, ds: Design, op, effects, wx) -> TestStat:
    from geoproc.durbin.random_effects import hausman_against_fe

    try:
        # the FE side by Lee and Yu's approach (consistent sigma^2), as geoproc.sdm does
        fe = fit_lag(ds, op, effects, lee_yu=effects == "region" or op.row_sum is not None,
                     model="sdm")
    except GeoprocInputError:
        return TestStat.missing("hausman")
    return hausman_against_fe(fe, y, X, op.W, op, wx, effects)


def _point(tests: dict[str, TestStat], lm: dict[str, TestStat], alpha: float) -> tuple[str, str]:
    def rejected(*keys: str) -> bool:
        return any(np.isfinite(tests[k].p) and tests[k].p < alpha for k in keys)

    sar_out = rejected("wald_sar", "lr_sar")
    sem_out = rejected("wald_sem", "lr_sem")
    lag_side = lm["rlm_lag"].p < lm["rlm_error"].p if np.isfinite(lm["rlm_lag"].p) else False
    if sar_out and sem_out:
        return "sdm", "SDM -> SAR and SDM -> SEM are both rejected"
    if not sar_out and lag_side:
        return "sar", "SDM -> SAR is not rejected and the robust LM tests point to a spatial lag"
    if not sem_out and not lag_side:
        return "sem", "SDM -> SEM is not rejected and the robust LM tests point to a spatial error"
    return "sdm", "the restrictions and the LM tests disagree: the SDM nests both"


def select_model(panel, weights, y: str, x, id: str = "code", year: str = "year",
                 effects: str = "twoway", *, wx=None, regions=None,
                 row_standardize: bool | None = None, alpha: float = 0.05,
                 islands: str = "raise", regions_id: str | None = None) -> Selection:
    """:func:`model_selection` from a long panel and a weights argument (as :func:`geoproc.sdm`).

    Parameters
    ----------
    panel : pandas.DataFrame
    weights :
        Anything :func:`geoproc.sdm` takes.
    y, x, id, year, effects, wx, regions, row_standardize, islands, regions_id :
        As :func:`geoproc.sdm`.
    alpha : float
        Significance level of the decisions.

    Returns
    -------
    Selection
    """
    from geoproc.durbin.data import panel_and_weights, wx_indices

    pa, (w, _, _) = panel_and_weights(panel, weights, y, x, id, year, regions, row_standardize,
                                      islands, regions_id)
    names = list(pa.x_names)
    wx_idx = wx_indices(names, wx)
    return model_selection(pa.y, pa.x, w.sparse, effects=effects, x_names=names, wx=wx_idx,
                           alpha=alpha)
