"""Fitting the panel spatial Durbin model and its nested models: the designs, the fits,
the effects, the LR/Wald/Hausman/LM tests and the goodness of fit behind :func:`geoproc.sdm`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import ndtr  # scipy.stats takes seconds to import

from geoproc.durbin.data import PanelArrays, check_regressors
from geoproc.durbin.effects import effects_table
from geoproc.durbin.estimation import Design, Fit, fit_error, fit_lag, fit_ols, spatial_lag, within
from geoproc.durbin.hypothesis_tests import TestStat, lr_test, wald_common_factor, wald_zero
from geoproc.durbin.logdet import SpatialOperator
from geoproc.errors import GeoprocInputError
from geoproc.formatting import stars
from geoproc.progress import ProgressCallback, report

if TYPE_CHECKING:
    from geoproc.weights.base import SpatialWeights

__all__ = ["MODELS", "Estimates", "ModelSpec", "Problem", "estimate", "goodness_of_fit", "run_tests"]

MODELS = ("sdm", "sar", "sem", "slx", "sac", "sdem", "gns")


@dataclass
class Estimates:
    """One set of estimates (the direct ML fit, or Lee and Yu's transformation approach).

    Attributes
    ----------
    rho : float or None
        Spatial autoregressive coefficient (SDM, SAR).
    lam : float or None
        Spatial error coefficient (SEM).
    beta, theta : pandas.Series
        Coefficients of x and of W x, by regressor name (theta empty for SAR/SEM).
    sigma2, loglik : float
    params, se, z, p : pandas.Series
        All parameters: ``x`` names, ``W*x`` names, ``rho``/``lambda``, ``sigma2``.
    cov : pandas.DataFrame
        Inverse information matrix.
    effects : pandas.DataFrame or None
        Direct/indirect/total effects (see :func:`geoproc.durbin.effects.effects_table`).
    """

    fit: Fit
    x_names: list[str]
    wx_names: list[str]
    effects: pd.DataFrame | None = None

    @property
    def rho(self) -> float | None:
        return self.fit.spatial if self.fit.spatial_name == "rho" else None

    @property
    def lam(self) -> float | None:
        return self.fit.spatial if self.fit.spatial_name == "lambda" else None

    @property
    def sigma2(self) -> float:
        return self.fit.sigma2

    @property
    def loglik(self) -> float:
        return self.fit.loglik

    @property
    def param_names(self) -> list[str]:
        return self.fit.param_names

    @property
    def params(self) -> pd.Series:
        return pd.Series(self.fit.params, index=self.param_names, name="estimate")

    @property
    def se(self) -> pd.Series:
        return pd.Series(self.fit.se, index=self.param_names, name="se")

    @property
    def z(self) -> pd.Series:
        return (self.params / self.se).rename("z")

    @property
    def p(self) -> pd.Series:
        return pd.Series(2 * ndtr(-np.abs(self.z.to_numpy())), index=self.param_names, name="p")

    @property
    def cov(self) -> pd.DataFrame:
        return pd.DataFrame(self.fit.cov, index=self.param_names, columns=self.param_names)

    @property
    def beta(self) -> pd.Series:
        k = len(self.x_names)
        return pd.Series(self.fit.coef[:k], index=self.x_names, name="beta")

    @property
    def theta(self) -> pd.Series:
        k = len(self.x_names)
        return pd.Series(self.fit.coef[k:], index=self.wx_names, name="theta")

    def table(self) -> pd.DataFrame:
        """Coefficient table: estimate, se, z, p, stars."""
        out = pd.concat([self.params, self.se, self.z, self.p], axis=1)
        out["stars"] = [stars(v) for v in out["p"]]
        out.index.name = "parameter"
        return out


@dataclass(frozen=True)
class ModelSpec:
    """What to fit: the model, its fixed effects, regressors and W x terms, and options."""

    model: str
    effects: str
    x_names: list
    wx_names: list  # in x's order: theta aligns with beta
    wx_idx: list
    lee_yu: bool
    draws: int
    seed: Any
    tests: bool

    @classmethod
    def make(cls, model: str, effects: str, x_names: Sequence[str], wx: Sequence[str] | None,
             lee_yu: bool, draws: int, seed: Any, tests: bool) -> ModelSpec:
        """Check ``wx`` against the regressors and order it as ``x_names``."""
        from geoproc.durbin.data import wx_indices

        x_names = list(x_names)
        wx_idx = wx_indices(x_names, wx)
        return cls(model, effects, x_names, [x_names[j] for j in wx_idx], wx_idx,
                   lee_yu, draws, seed, tests)

    @property
    def own_wx(self) -> list:
        """The W x terms of the reported model: the SDM/SLX keep them (the tests need the SDM
        whatever the model); the reported SAR/SEM have none."""
        return [] if self.model in ("sar", "sem", "sac") else list(self.wx_names)


@dataclass
class Problem:
    """The data of one estimation: arrays, weights, designs of every model, operator."""

    pa: PanelArrays
    w: SpatialWeights
    designs: dict
    op: SpatialOperator

    @property
    def W(self):  # noqa: N802 - the matrix's name in the formulas
        return self.w.sparse

    @classmethod
    def make(cls, pa: PanelArrays, w: SpatialWeights, spec: ModelSpec, logdet: str) -> Problem:
        """Lag the variables, build the within-transformed designs and check the regressors."""
        W = w.sparse
        T, N = pa.y.shape
        WY = spatial_lag(W, pa.y)
        WX = spatial_lag(W, pa.x)
        designs = _designs(pa.y, pa.x, WY, WX, spec)
        main = designs[spec.model]
        raw = np.hstack([pa.x.reshape(T * N, -1),
                         WX.reshape(T * N, -1)[:, spec.wx_idx if spec.own_wx else []]])
        check_regressors(main.Z, raw, main.names, spec.effects)
        return cls(pa, w, designs, SpatialOperator(W, logdet))


def _designs(Y, X, WY, WXall, spec: ModelSpec) -> dict:
    T, N, K = X.shape
    effects = spec.effects
    yt, wyt = within(Y, effects), within(WY, effects)
    Xt = within(X, effects).reshape(T * N, K)
    WXt = within(WXall, effects).reshape(T * N, K)
    Zs = np.hstack([Xt, WXt[:, spec.wx_idx]])
    names_sdm = list(spec.x_names) + [f"W*{n}" for n in spec.wx_names]
    return {
        "sdm": Design(yt, wyt, Zs, names_sdm),
        "slx": Design(yt, wyt, Zs, names_sdm),
        "sar": Design(yt, wyt, Xt, list(spec.x_names)),
        "sem": Design(yt, wyt, Xt, list(spec.x_names), wZ=WXt),
        # SAC and SDEM are fitted from the raw arrays (geoproc.durbin.sac); their designs
        # here serve the regressor checks and the fit statistics
        "sac": Design(yt, wyt, Xt, list(spec.x_names)),
        "sdem": Design(yt, wyt, Zs, names_sdm),
        "gns": Design(yt, wyt, Zs, names_sdm),
    }


def _fit(model: str, d: Design, op: SpatialOperator, effects: str, lee_yu: bool,
         information: bool = True) -> Fit:
    if model in ("sdm", "sar"):
        return fit_lag(d, op, effects, lee_yu, model=model, information=information)
    if model == "sem":
        return fit_error(d, op, effects, lee_yu, information=information)
    return fit_ols(d, effects, lee_yu, model="slx")


def _fit_family(problem: Problem, spec: ModelSpec, lee_yu: bool) -> Fit:
    """SAC or SDEM (:mod:`geoproc.durbin.sac`) from the raw arrays."""
    from geoproc.durbin.sac import fit_sac, fit_sdem

    pa = problem.pa
    if spec.model == "sac":
        return fit_sac(pa.y, pa.x, problem.W, spec.effects, x_names=list(spec.x_names),
                       lee_yu=lee_yu, op=problem.op)
    if spec.model == "gns":
        # GNS: the SAC likelihood with [X, W X] as regressors (raises when rho or lambda
        # runs to its bound, i.e. when the data do not identify both)
        WX = spatial_lag(problem.W, pa.x)[..., spec.wx_idx]
        names = list(spec.x_names) + [f"W*{v}" for v in spec.wx_names]
        fit = fit_sac(pa.y, np.concatenate([pa.x, WX], axis=2), problem.W, spec.effects,
                      x_names=names, lee_yu=lee_yu, op=problem.op)
        fit.model = "gns"
        return fit
    return fit_sdem(pa.y, pa.x, problem.W, spec.effects, x_names=list(spec.x_names),
                    wx=list(spec.wx_idx), lee_yu=lee_yu, op=problem.op)


def estimate(problem: Problem, spec: ModelSpec,
             progress: ProgressCallback | None = None) -> tuple[dict, Estimates, Estimates | None]:
    """Fit the model (and Lee-Yu's, if asked) with their effects: ``(fits, direct, lee_yu)``."""
    model, main = spec.model, problem.designs[spec.model]
    # shares of the run time are rough: the tests' restricted fits dominate when enabled
    stages = [0.2, 0.3, 0.45, 0.55] if spec.tests else [0.35, 0.5, 0.8, 0.95]
    report(progress, 0.0)
    fit = (_fit_family(problem, spec, False) if model in ("sac", "sdem", "gns")
           else _fit(model, main, problem.op, spec.effects, False))
    fits: dict[str, Any] = {model: fit}
    report(progress, stages[0])
    direct = Estimates(fits[model], list(spec.x_names), spec.own_wx)
    direct.effects = _effects_for(direct, problem.op, spec.draws, spec.seed)
    report(progress, stages[1])
    ly = None
    if spec.lee_yu:
        fits[f"{model}_lee_yu"] = (_fit_family(problem, spec, True) if model in ("sac", "sdem", "gns")
                                   else _fit(model, main, problem.op, spec.effects, True))
        report(progress, stages[2])
        ly = Estimates(fits[f"{model}_lee_yu"], list(spec.x_names), spec.own_wx)
        ly.effects = _effects_for(ly, problem.op, spec.draws, spec.seed)
        report(progress, stages[3])
    return fits, direct, ly


def run_tests(problem: Problem, spec: ModelSpec, fits: dict,
              progress: ProgressCallback | None = None) -> tuple[dict, dict]:
    """LR/Wald/Hausman and LM tests (``({}, {})`` with ``spec.tests`` off); adds the
    restricted fits to ``fits``."""
    if not spec.tests:
        return {}, {}
    test_stats = _tests(problem, spec, fits)
    report(progress, 0.8)
    test_stats["hausman"] = _hausman(problem, spec, fits)
    report(progress, 0.95)
    from geoproc.durbin.hypothesis_tests import lm_tests

    # on the within-transformed data, spatial lags of the transformed variables (Elhorst)
    d = problem.designs["sar"]
    return test_stats, lm_tests(d.y, d.Z, problem.W)


def goodness_of_fit(problem: Problem, spec: ModelSpec, f: Fit) -> tuple[float, float, float]:
    """``(r2, r2_within, corr2)`` of the reported fit (see :class:`SDMResult`)."""
    pa, main = problem.pa, problem.designs[spec.model]
    T, N = pa.y.shape
    ssr = float(f.resid @ f.resid)
    yt = main.y.ravel()
    r2 = 1.0 - ssr / float(np.sum((pa.y - pa.y.mean()) ** 2))
    r2_within = 1.0 - ssr / float(yt @ yt)
    if spec.model in ("sem", "sdem"):
        pred = main.Z @ f.coef
    else:
        xb = (main.Z @ f.coef).reshape(T, N)
        pred = (problem.op.solve(f.spatial, xb.T).T if f.spatial_name == "rho" else xb).ravel()
    corr2 = float(np.corrcoef(yt, pred)[0, 1] ** 2)
    return r2, r2_within, corr2


def _effects_for(est: Estimates, op, draws, seed) -> pd.DataFrame:
    fit = est.fit
    K = len(est.x_names)
    names = est.x_names
    wx_pos = [names.index(n) for n in est.wx_names]
    beta = fit.coef[:K]
    theta = np.zeros(K)
    theta[wx_pos] = fit.coef[K:]
    # covariance of [beta, theta (all K), rho] with zero rows for what is fixed at zero
    m = 2 * K + 1
    C = np.zeros((m, m))
    src = list(range(K)) + [K + j for j in range(len(wx_pos))]
    dst = list(range(K)) + [K + p for p in wx_pos]
    if fit.spatial_name == "rho":
        src.append(len(fit.coef))
        dst.append(m - 1)
    src, dst = np.array(src), np.array(dst)
    C[np.ix_(dst, dst)] = fit.cov[np.ix_(src, src)]
    rho = fit.spatial if fit.spatial_name == "rho" else 0.0
    return effects_table(op, names, rho, beta, theta, C, draws=draws, seed=seed)


def _tests(problem: Problem, spec: ModelSpec, fits: dict) -> dict:
    designs, op, effects = problem.designs, problem.op, spec.effects
    x_names, wx_names = spec.x_names, spec.wx_names
    out: dict[str, TestStat] = {}
    K = len(x_names)
    kw = len(wx_names)
    for m in ("sdm", "sar", "sem"):
        if m not in fits:
            try:
                # the restricted fits only feed LR statistics: no information matrix needed;
                # the SDM's covariance is needed for the Wald tests
                fits[m] = _fit(m, designs[m], op, effects, False, information=m == "sdm")
            except GeoprocInputError as exc:  # e.g. the restricted rho at its bound
                fits[m] = exc
    sdm_fit, sar_fit, sem_fit = fits["sdm"], fits["sar"], fits["sem"]
    ok = isinstance(sdm_fit, Fit)
    if not ok:
        return {k: TestStat.missing(k, kw) for k in ("lr_sar", "lr_sem", "wald_sar", "wald_sem")}
    nw = len(wx_names)
    out["lr_sar"] = (lr_test(sdm_fit.loglik, sar_fit.loglik, nw, "lr_sar")
                     if isinstance(sar_fit, Fit) else TestStat.missing("lr_sar", nw))
    theta = sdm_fit.coef[K:K + nw]
    cov = sdm_fit.cov
    out["wald_sar"] = wald_zero(theta, cov[K:K + nw, K:K + nw], "wald_sar")
    if nw == K:
        out["lr_sem"] = (lr_test(sdm_fit.loglik, sem_fit.loglik, K, "lr_sem")
                         if isinstance(sem_fit, Fit) else TestStat.missing("lr_sem", K))
        idx = list(range(2 * K)) + [2 * K]  # beta, theta, rho
        out["wald_sem"] = wald_common_factor(sdm_fit.coef[:K], theta, sdm_fit.spatial,
                                             cov[np.ix_(idx, idx)], "wald_sem")
    else:  # the common-factor hypothesis needs a W x term for every regressor
        out["lr_sem"] = TestStat.missing("lr_sem", K)
        out["wald_sem"] = TestStat.missing("wald_sem", K)
    if spec.lee_yu:
        out.update(_lee_yu_tests(problem, spec, fits))
    return out


def _lee_yu_tests(problem: Problem, spec: ModelSpec, fits: dict) -> dict:
    """The same LR and Wald tests under Lee and Yu's estimator (``*_lee_yu``): the
    likelihoods of the transformed data and the Lee-Yu SDM's covariance."""
    K, nw = len(spec.x_names), len(spec.wx_names)
    for m in ("sdm", "sar", "sem"):
        key = f"{m}_lee_yu"
        if key not in fits:
            try:
                fits[key] = _fit(m, problem.designs[m], problem.op, spec.effects, True,
                                 information=m == "sdm")
            except GeoprocInputError as exc:
                fits[key] = exc
    sdm_fit, sar_fit, sem_fit = (fits[f"{m}_lee_yu"] for m in ("sdm", "sar", "sem"))
    names = ("lr_sar_lee_yu", "wald_sar_lee_yu", "lr_sem_lee_yu", "wald_sem_lee_yu")
    if not isinstance(sdm_fit, Fit):
        return {k: TestStat.missing(k, nw) for k in names}
    theta = sdm_fit.coef[K:K + nw]
    out = {"lr_sar_lee_yu": (lr_test(sdm_fit.loglik, sar_fit.loglik, nw, "lr_sar_lee_yu")
                             if isinstance(sar_fit, Fit) else TestStat.missing("lr_sar_lee_yu", nw)),
           "wald_sar_lee_yu": wald_zero(theta, sdm_fit.cov[K:K + nw, K:K + nw], "wald_sar_lee_yu")}
    if nw == K:
        idx = list(range(2 * K)) + [2 * K]
        out["lr_sem_lee_yu"] = (lr_test(sdm_fit.loglik, sem_fit.loglik, K, "lr_sem_lee_yu")
                                if isinstance(sem_fit, Fit) else TestStat.missing("lr_sem_lee_yu", K))
        out["wald_sem_lee_yu"] = wald_common_factor(sdm_fit.coef[:K], theta, sdm_fit.spatial,
                                                    sdm_fit.cov[np.ix_(idx, idx)], "wald_sem_lee_yu")
    else:
        out["lr_sem_lee_yu"] = TestStat.missing("lr_sem_lee_yu", K)
        out["wald_sem_lee_yu"] = TestStat.missing("wald_sem_lee_yu", K)
    return out


def _hausman(problem: Problem, spec: ModelSpec, fits: dict) -> TestStat:
    """Fixed against random region effects; only defined with region effects."""
    pa, W, op, designs = problem.pa, problem.W, problem.op, problem.designs
    effects, model, wx_idx = spec.effects, spec.model, spec.wx_idx
    if effects not in ("region", "twoway") or model not in ("sdm", "sar"):
        return TestStat.missing("hausman")
    try:
        from geoproc.durbin.random_effects import hausman_against_fe
    except ImportError:
        return TestStat.missing("hausman")

    # the FE side uses Lee and Yu's transformation approach: its sigma^2 (hence covariance)
    # is consistent, while the direct approach's is biased by (T-1)/T and makes V_FE - V_RE
    # indefinite (Elhorst's code likewise compares bias-corrected FE with RE)
    key = f"{model}_lee_yu"
    if key not in fits:
        try:
            fits[key] = _fit(model, designs[model], op, effects, True)
        except GeoprocInputError:
            return TestStat.missing("hausman")
    # the RE side with the FE fit's W x terms
    return hausman_against_fe(fits[key], pa.y, pa.x, W, op, wx_idx if model == "sdm" else [], effects)
