"""Random region effects as a model (not only inside the Hausman test).

SAR and SDM with random region effects by ML (Elhorst 2014, sec. 3.4; his
``sar_panel_RE``; Stata's ``xsmle, re``): y_t = rho W y_t + X_t beta + W X_t theta + mu + e_t
with mu ~ (0, sigma_mu^2 I_N) independent of X, estimated by
:func:`geoproc.durbin.random_effects.fit_random_effects` (quasi-demeaning by
1 - phi, phi^2 = sigma^2 / (T sigma_mu^2 + sigma^2), iterated to the ML). With
``effects="twoway"`` the time effects stay fixed and, for row-standardised W, are removed by
Lee and Yu's (2010) transformation F_N' (N - 1 observations a period; Jacobian
T (log|I - rho W| - log(1 - rho)); (N - 1) log phi), as on the Hausman test's RE side:
demeaning by period and counting N free observations a period (the direct approach) biases
rho and sigma^2 by O(1/N). Without row-standardised W (F_N' W F_N is then not W's restriction)
the period demeaning is kept and ``extra["time_transform"]`` says so. With
``effects="region"`` an intercept is estimated (``extra["const"]``).
"""

from __future__ import annotations

import numpy as np

from geoproc.durbin.estimation import Fit
from geoproc.durbin.hypothesis_tests import TestStat, lr_test, wald_zero
from geoproc.errors import GeoprocInputError

__all__ = ["RANDOM_EFFECTS", "fit_re", "random_effects_tests"]

#: the fixed-effects labels of a random-effects result (``SDMResult.fixed_effects``)
RANDOM_EFFECTS = {"twoway": "random_twoway", "region": "random"}


def fit_re(y: np.ndarray, X: np.ndarray, W, op, model: str, x_names: list[str],
           wx_idx: list[int], effects: str) -> Fit:
    """Random-effects SAR/SDM as a :class:`Fit` named like the fixed-effects one.

    Parameters
    ----------
    y, X : (T, N) and (T, N, K) arrays
    W : sparse N x N
    op : SpatialOperator of ``W``
    model : {"sdm", "sar", "sem"}
        (SEM: :func:`geoproc.durbin.re_error.fit_random_effects_error`)
    x_names : list of str
    wx_idx : list of int
        Regressors with a W x term (SDM).
    effects : {"twoway", "region"}
        ``twoway``: random region effects and fixed time effects; ``region``: random
        region effects and an intercept.

    Returns
    -------
    Fit
        ``names`` x, W*x; ``extra``: ``phi``, ``sigma2_mu`` and (``region``) ``const`` with
        its ``se_const``.
    """
    from geoproc.durbin.random_effects import fit_random_effects

    if model not in ("sdm", "sar", "sem"):
        raise GeoprocInputError(f"random effects are available for the SDM, the SAR and the SEM, "
                                f"not {model}")
    if effects not in RANDOM_EFFECTS:
        raise GeoprocInputError("random region effects need effects='twoway' (with fixed time "
                                f"effects) or 'region' (with an intercept); got {effects!r}")
    wx = list(wx_idx) if model == "sdm" else []
    time_effects = effects == "twoway"
    # Lee and Yu's F_N needs W 1 = 1 (then W commutes with J_N = I - 11'/N)
    lee_yu = time_effects and abs((op.row_sum or 0.0) - 1.0) < 1e-10
    if model == "sem":
        from geoproc.durbin.re_error import fit_random_effects_error

        f = fit_random_effects_error(y, X, W, time_effects, list(x_names))
    else:
        f = fit_random_effects(y, X, W, op, wx, time_effects=time_effects, lee_yu=lee_yu)
    names = list(x_names) + [f"W*{x_names[j]}" for j in wx]
    coef, cov = f.coef, f.cov
    extra = dict(f.extra)
    extra["time_transform"] = ("lee_yu" if lee_yu else "demeaned") if time_effects else None
    T = y.shape[0]
    phi = float(extra["phi"])
    extra["sigma2_mu"] = f.sigma2 * (1.0 / phi**2 - 1.0) / T
    if effects == "region":  # the intercept is the last coefficient: keep it aside
        p = len(coef) - 1
        extra["const"] = float(coef[p])
        extra["se_const"] = float(np.sqrt(cov[p, p]))
        keep = [i for i in range(len(f.params)) if i != p]
        coef, cov = coef[:p], cov[np.ix_(keep, keep)]
    return Fit(model, names, coef, f.spatial, f.sigma2, f.loglik, f.resid, cov, f.n_obs,
               f.t_eff, spatial_name=f.spatial_name, extra=extra)


def random_effects_tests(y, X, W, op, fit: Fit, x_names, wx_idx, effects) -> dict[str, TestStat]:
    """LR and Wald SDM -> SAR under random effects (the SAR refitted with random effects)."""
    K, nw = len(x_names), len(wx_idx)
    if fit.model != "sdm" or nw == 0:
        return {}
    try:
        sar = fit_re(y, X, W, op, "sar", x_names, [], effects)
        lr = lr_test(fit.loglik, sar.loglik, nw, "lr_sar_re")
    except GeoprocInputError:
        lr = TestStat.missing("lr_sar_re", nw)
    theta = fit.coef[K:K + nw]
    return {"lr_sar_re": lr,
            "wald_sar_re": wald_zero(theta, fit.cov[K:K + nw, K:K + nw], "wald_sar_re")}


def estimate_random(problem, spec) -> tuple[dict, object, dict, dict]:
    """The random-effects model of :func:`geoproc.sdm` (``random_effects=True``).

    Returns ``(fits, estimates, tests, lm_tests)``: the RE fit and its effects; with
    ``spec.tests`` the LR/Wald SDM -> SAR under random effects, the Hausman test (the
    Lee-Yu fixed-effects fit against this one) and the LM tests of the non-spatial model.
    """
    from geoproc.durbin.fitting import Estimates, _effects_for, _hausman
    from geoproc.durbin.hypothesis_tests import lm_tests

    pa, op = problem.pa, problem.op
    f = fit_re(pa.y, pa.x, problem.W, op, spec.model, list(spec.x_names), list(spec.wx_idx),
               spec.effects)
    fits = {spec.model: f}
    est = Estimates(f, list(spec.x_names), spec.own_wx)
    est.effects = _effects_for(est, op, spec.draws, spec.seed)
    if not spec.tests:
        return fits, est, {}, {}
    tests = random_effects_tests(pa.y, pa.x, problem.W, op, f, list(spec.x_names),
                                 list(spec.wx_idx), spec.effects)
    tests["hausman"] = _hausman(problem, spec, fits)
    d = problem.designs["sar"]
    return fits, est, tests, lm_tests(d.y, d.Z, problem.W)
