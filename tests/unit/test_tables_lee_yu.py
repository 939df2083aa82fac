"""A fit estimated with lee_yu=True shows the Lee-Yu estimates in every table, as its summary does."""

import numpy as np
import pytest

import geoproc
from geoproc.tables import effects_table, regression_table
from geoproc.tables import tests_table as lr_wald_table


@pytest.fixture(scope="module")
def fit():
    from pathlib import Path

    panel = Path(__file__).resolve().parents[2] / "data" / "demo" / "provinces_panel_synthetic.csv"
    df = geoproc.read_panel(panel, id="code", year="year")
    return geoproc.sdm(df, "knn:4", y="cul", x=["dig"], id="code", year="year", lee_yu=True,
                       row_standardize=True, draws=200, seed=3)


def test_columns_show_the_lee_yu_estimates(fit):
    ly, direct = fit.lee_yu, fit.direct
    assert abs(ly.rho - direct.rho) > 1e-4  # the two estimators differ on this panel
    t = regression_table([fit], decimals=4)
    text = t.to_markdown()
    assert f"{ly.rho:.4f}" in text and f"{direct.rho:.4f}" not in text
    assert "Lee and Yu" in text
    e = effects_table([fit], decimals=4).to_markdown()
    for part in ("direct", "indirect", "total"):
        assert f"{ly.effects.loc['dig', part]:.4f}" in e
        assert f"{direct.effects.loc['dig', part]:.4f}" not in e


def test_tests_are_the_lee_yu_likelihood_ratios(fit):
    lr = fit.tests["lr_sar_lee_yu"].stat
    assert abs(lr - fit.tests["lr_sar"].stat) > 1e-3
    text = lr_wald_table([fit], decimals=3).to_markdown()
    assert f"{lr:.3f}" in text


def test_aic_follows_the_lee_yu_loglik(fit):
    d = fit.to_dict()
    from geoproc.tables.regression import fit_dict

    chosen = fit_dict(fit)
    k = (d["aic"] + 2 * d["loglik"]) / 2
    assert np.isclose(chosen["aic"], 2 * k - 2 * fit.lee_yu.loglik)
    assert chosen["loglik"] == pytest.approx(fit.lee_yu.loglik)
