"""``geoproc sdm --dynamic``: the dynamic panel from the command line (report, JSON, errors)."""

from __future__ import annotations

import json
import os

import libpysal
import numpy as np
import pandas as pd
import pytest
import scipy.io

from geoproc.cli import main
from geoproc.durbin.dynamic_model import sdm_dynamic
from geoproc.weights import as_weights, write_weights

DATA = os.path.join(os.path.dirname(__file__), os.pardir, "data", "cigar.csv")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("dyn_cli")
    df = pd.read_csv(DATA)
    df = pd.DataFrame({"state": df["state"], "year": df["year"] + 1900,
                       "logc": np.log(df["sales"]), "logp": np.log(df["price"] / df["cpi"]),
                       "logy": np.log(df["ndi"] / df["cpi"])})
    df.to_csv(d / "cigar.csv", index=False)
    path = os.path.join(os.path.dirname(libpysal.__file__), "examples", "wmat", "spat-sym-us.mat")
    A = scipy.io.loadmat(path)["spat0x2Dsym0x2Dus"].astype(float)
    w = as_weights(A, ids=sorted(df["state"].unique()))
    write_weights(w, d / "w.csv")
    return d, df, w


def test_cli_dynamic_report_and_json(files, capsys):
    d, df, w = files
    out, js = d / "dyn.html", d / "dyn.json"
    code = main(["sdm", str(d / "cigar.csv"), "--weights", str(d / "w.csv"), "--id", "state",
                 "--y", "logc", "--x", "logp", "--controls", "logy", "--dynamic", "both",
                 "--draws", "200", "--seed", "2", "-o", str(out), "--json", str(js)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Short-run effects" in printed and "Long-run effects" in printed
    data = json.loads(js.read_text(encoding="utf-8"))
    api = sdm_dynamic(df, w, y="logc", x=["logp", "logy"], id="state", year="year",
                      row_standardize=True, draws=200, seed=2)
    for key in ("rho", "tau", "psi", "sigma2"):
        assert data[key] == pytest.approx(getattr(api, key), rel=1e-6)
    assert data["effects"]["logp"]["long_run"]["total_se"] == pytest.approx(
        api.effects["long_run"].loc["logp", "total_se"], rel=1e-5)
    assert "Long-run effects" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("extra,message", [(["--model", "sem"], "--model sdm or sar"),
                                           (["--effects", "time"], "needs region effects")])
def test_cli_dynamic_errors_write_nothing(files, capsys, extra, message):
    d, _, _ = files
    out = d / "bad.html"
    code = main(["sdm", str(d / "cigar.csv"), "-w", str(d / "w.csv"), "--id", "state", "--y", "logc",
                 "--x", "logp", "--dynamic", "tl", "-o", str(out), *extra])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_select_prints_the_sequence_and_its_pointer(files, capsys):
    from geoproc.durbin.selection import select_model

    d, df, w = files
    out, js = d / "sel.txt", d / "sel.json"
    code = main(["sdm", str(d / "cigar.csv"), "-w", str(d / "w.csv"), "--id", "state", "--y", "logc",
                 "--x", "logp", "--controls", "logy", "--select", "-o", str(out), "--json", str(js)])
    assert code == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    api = select_model(df, w, "logc", ["logp", "logy"], id="state", year="year",
                       row_standardize=True)
    assert data["chosen"] == api.chosen
    lr = {r["test"]: r["stat"] for r in data["tests"]}
    assert lr["LR SDM -> SAR"] == pytest.approx(
        api.table.set_index("test").loc["LR SDM -> SAR", "stat"], rel=1e-6)
    assert "-> " + api.chosen.upper() in out.read_text(encoding="utf-8")


def test_cli_dynamic_regions_output_csv(files):
    d, df, w = files
    out, reg = d / "dyn2.txt", d / "dyn_regions.csv"
    code = main(["sdm", str(d / "cigar.csv"), "-w", str(d / "w.csv"), "--id", "state", "--y", "logc",
                 "--x", "logp", "--controls", "logy", "--dynamic", "tl", "--draws", "0",
                 "-o", str(out), "--regions-output", str(reg)])
    assert code == 0
    table = pd.read_csv(reg)
    api = sdm_dynamic(df, w, y="logc", x=["logp", "logy"], id="state", year="year",
                      row_standardize=True, draws=0, dynamic="tl")
    want = api.region_effects()
    np.testing.assert_allclose(table["logp_long_total"], want["logp_long_total"], rtol=1e-6)
    assert len(table) == 46
