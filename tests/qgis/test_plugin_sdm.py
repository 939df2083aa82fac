"""The SDM tool inside real QGIS: the report is geoproc.sdm's, the region layer's values are checked
against a second, dense computation from the estimates."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PANEL_CSV = ROOT / "data" / "demo" / "provinces_panel_synthetic.csv"
X = ["dig"]
CONTROLS = ["cultural_demand", "policy_support"]


@pytest.fixture(scope="module")
def data(qgis_app, tmp_path_factory):
    """Provinces layer, panel layer and frame, and the demo's gravity weights saved once as CSV."""
    import warnings

    import geopandas as gpd
    from qgis.core import QgsVectorLayer

    import geoproc

    tmp = tmp_path_factory.mktemp("sdm")
    path = tmp / "china_provinces.gpkg"
    geoproc.load_boundaries("china_provinces").to_file(path, engine="pyogrio")
    regions = QgsVectorLayer(str(path), "china_provinces", "ogr")
    panel = QgsVectorLayer(f"file://{PANEL_CSV}?delimiter=,&detectTypes=yes&geomType=none", "panel", "delimitedtext")
    assert regions.isValid() and panel.isValid()
    df = pd.read_csv(PANEL_CSV)
    gdf = gpd.read_file(path, engine="pyogrio")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # centroids outside Hainan and Gansu: fine for distances
        w = geoproc.build_weights("gravity:rd_staff", gdf, data=df, id="code", data_id="code", year_column="year")
    wfile = tmp / "gravity.csv"
    geoproc.write_weights(w, wfile)
    return regions, panel, df, str(wfile)


def params(data, tmp_path, **extra):
    regions, panel, _, wfile = data
    p = {"PANEL": panel, "PANEL_ID": "code", "YEAR_FIELD": "year", "REGIONS": regions, "REGIONS_ID": "code",
         "WEIGHTS": "queen", "WEIGHTS_FILE": wfile, "ROW_STANDARDIZE": True, "Y": "cul", "X": X,
         "CONTROLS": CONTROLS, "EFFECTS": 0, "MODEL": 0, "LEE_YU": False, "DRAWS": 100, "SEED": 1,
         "REPORT_YEAR": 2021, "HTML": str(tmp_path / "sdm.html"), "OUTPUT": "TEMPORARY_OUTPUT"}
    p.update(extra)
    return p


def layer_frame(layer) -> pd.DataFrame:
    return pd.DataFrame([f.attributes() for f in layer.getFeatures()], columns=layer.fields().names()).set_index("code")


def two_way_within(a: np.ndarray) -> np.ndarray:
    """Remove region and year means of a (T, N) array (the two-way within transformation)."""
    return a - a.mean(axis=0, keepdims=True) - a.mean(axis=1, keepdims=True) + a.mean()


@pytest.fixture(scope="module")
def library_result(data):
    import geoproc

    _, _, df, wfile = data
    # build_weights(file) as the plugin does: the report names the weights by their file
    return geoproc.sdm(df, geoproc.build_weights(wfile), "cul", X + CONTROLS, draws=100, seed=1,
                       row_standardize=True)


@pytest.mark.slow
def test_sdm_report_and_region_layer(qgis_processing, geoproc_provider, data, library_result, tmp_path):
    _, _, df, _ = data
    r = library_result
    res = qgis_processing.run("geoproc:sdm", params(data, tmp_path))
    # the report is the library's, to the character
    assert Path(res["HTML"]).read_text(encoding="utf-8") == r.to_html()
    got = layer_frame(res["OUTPUT"])
    assert len(got) == 31

    ids, years = list(r.ids), list(r.years)
    W = r.weights.full()
    assert np.allclose(W.sum(axis=1), 1.0)  # row-standardised as asked
    # per-region effects, a second time with a dense inverse: S = (I - rho W)^-1 (beta I + theta W)
    inv = np.linalg.inv(np.eye(31) - r.rho * W)
    for k in X + CONTROLS:
        S = inv @ (r.beta[k] * np.eye(31) + r.theta[k] * W)
        direct = np.diag(S)
        indirect = S.sum(axis=1) - direct
        # (LU solve vs explicit inverse: ~1e-10 apart where beta and theta nearly cancel)
        np.testing.assert_allclose(got.loc[ids, f"{k}_direct"], direct, rtol=1e-9, atol=1e-9, err_msg=k)
        np.testing.assert_allclose(got.loc[ids, f"{k}_indirect"], indirect, rtol=1e-9, atol=1e-9, err_msg=k)
        np.testing.assert_allclose(got.loc[ids, f"{k}_total"], S.sum(axis=1), rtol=1e-9, atol=1e-9, err_msg=k)
        # their means are the effects the report gives
        assert got[f"{k}_direct"].mean() == pytest.approx(r.effects.at[k, "direct"], rel=1e-9)
        assert got[f"{k}_indirect"].mean() == pytest.approx(r.effects.at[k, "indirect"], rel=1e-9)

    # residuals by hand: e = y~ - rho W y~ - X~ beta - (W X)~ theta, ~ the two-way within transformation
    def wide(col):
        return df.pivot(index="year", columns="code", values=col).loc[years, ids].to_numpy()

    y = wide("cul")
    e = two_way_within(y) - r.rho * two_way_within(y @ W.T)
    for k in X + CONTROLS:
        xk = wide(k)
        e -= r.beta[k] * two_way_within(xk) + r.theta[k] * two_way_within(xk @ W.T)
    t = years.index(2021)
    np.testing.assert_allclose(got.loc[ids, "residual"], e[t], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(got.loc[ids, "y_observed"], y[t], rtol=1e-15)
    np.testing.assert_allclose(got.loc[ids, "y_fitted"], y[t] - e[t], rtol=1e-9)
    # the boundary fields pass through
    assert got.at[310000, "name_en"] == "Shanghai"


@pytest.mark.slow
def test_sdm_region_values_averaged(qgis_processing, geoproc_provider, data, library_result, tmp_path):
    _, _, df, _ = data
    res = qgis_processing.run("geoproc:sdm", params(data, tmp_path, AVERAGE=True, EFFECTS=1, CONTROLS=[],
                                                     DRAWS=0))
    got = layer_frame(res["OUTPUT"])
    means = df.groupby("code")["cul"].mean()
    np.testing.assert_allclose(got.loc[means.index, "y_observed"], means.to_numpy(), rtol=1e-14)
    # region fixed effects: each region's residuals sum to zero over the years
    np.testing.assert_allclose(got["residual"], 0.0, atol=1e-12)


@pytest.mark.parametrize(("extra", "message"), [
    ({"X": ["cul"]}, "also listed among the regressors"),
    ({"REPORT_YEAR": 1999}, "year 1999 is not in the panel"),
    ({"WEIGHTS_FILE": None, "WEIGHTS": "knn"}, "wrong arguments"),
    ({"LEE_YU": True, "ROW_STANDARDIZE": False}, "row-standardised"),
])
def test_bad_input_is_a_processing_exception(qgis_processing, geoproc_provider, data, tmp_path, extra, message):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match=message):
        qgis_processing.run("geoproc:sdm", params(data, tmp_path, **extra))


def log_feedback():
    """A feedback that keeps the log lines (what the Processing dialog shows)."""
    from qgis.core import QgsProcessingFeedback

    class Log(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.lines = []

        def pushInfo(self, info):  # noqa: N802 - QGIS's name
            self.lines.append(info)

    return Log()


def test_bad_report_year_fails_before_estimating_and_writes_nothing(qgis_processing, geoproc_provider, data,
                                                                   tmp_path):
    from qgis.core import QgsProcessingException

    log = log_feedback()
    p = params(data, tmp_path, REPORT_YEAR=1999)
    with pytest.raises(QgsProcessingException, match=r"year 1999 is not in the panel; its years are 2013, 2014, .*, 2021"):
        qgis_processing.run("geoproc:sdm", p, feedback=log)
    assert not any("estimating" in line for line in log.lines)  # refused before the (long) estimation
    assert not Path(p["HTML"]).exists()


def test_no_report_when_the_region_layer_fails(qgis_processing, geoproc_provider, data, tmp_path):
    from qgis.core import QgsProcessingException

    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the layer's folder should be", encoding="utf-8")
    p = params(data, tmp_path, CONTROLS=[], DRAWS=0, OUTPUT=str(blocker / "sdm_regions.gpkg"))
    log = log_feedback()
    with pytest.raises(QgsProcessingException):
        qgis_processing.run("geoproc:sdm", p, feedback=log)
    assert any("estimating" in line for line in log.lines)  # it failed after the estimation ...
    assert not Path(p["HTML"]).exists()  # ... and left no report of a run without its layer
    assert [f.name for f in tmp_path.iterdir()] == ["not_a_folder"]  # nor a temporary file


# --- islands: the provinces under queen contiguity leave Hainan (460000) without neighbours ---
def queen(data, tmp_path, islands: int, **extra):
    """Queen weights built from the regions (no file), ISLANDS by its position in the tool's list."""
    return params(data, tmp_path, WEIGHTS_FILE=None, WEIGHTS="queen", ISLANDS=islands, CONTROLS=[],
                  DRAWS=0, **extra)


def test_sdm_islands_raise_names_hainan(qgis_processing, geoproc_provider, data, tmp_path):
    from qgis.core import QgsProcessingException

    from qgis_plugin.algorithms._shared import ISLANDS

    p = queen(data, tmp_path, ISLANDS.index("raise"))
    with pytest.raises(QgsProcessingException, match=r"island\(s\) without neighbours: (海南省|Hainan) \(460000\)"):
        qgis_processing.run("geoproc:sdm", p)
    assert not Path(p["HTML"]).exists()


@pytest.mark.slow
def test_sdm_islands_drop_leaves_hainan_out(qgis_processing, geoproc_provider, data, tmp_path):
    """drop: the model is the SDM of the other 30 provinces, with the queen matrix among them
    (checked against a library fit of the panel without Hainan and that sub-matrix)."""
    import warnings

    import geoproc
    from geoproc.weights import SpatialWeights

    _, _, df, _ = data
    res = qgis_processing.run("geoproc:sdm", queen(data, tmp_path, 2))
    got = layer_frame(res["OUTPUT"])
    assert len(got) == 31  # the region layer keeps every region ...
    def null(v) -> bool:  # QGIS gives NULL as a null QVariant
        return v is None or (hasattr(v, "isNull") and v.isNull()) or (isinstance(v, float) and np.isnan(v))

    assert null(got.at[460000, "dig_direct"]) and null(got.at[460000, "residual"])  # ... Hainan empty
    assert not any(null(v) for v in got.drop(index=460000)["dig_direct"])
    # second route: Hainan removed from the panel and its (all-zero) row and column from W by hand
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = geoproc.build_weights("queen", geoproc.load_boundaries("china_provinces"), islands="keep")
    keep = [i for i in full.ids if i != 460000]
    pos = [full.ids.index(i) for i in keep]
    sub = SpatialWeights(full.sparse[pos][:, pos], keep)
    by_hand = geoproc.sdm(df[df["code"] != 460000], sub, "cul", X, draws=0, row_standardize=True)
    assert by_hand.n == 30
    np.testing.assert_allclose(got.loc[keep, "dig_direct"].astype(float),
                               by_hand.region_effects(year=2021).loc[keep, "dig_direct"].to_numpy(),
                               rtol=1e-10)


def test_sdm_region_layer_loads_styled_diverging_at_zero(qgis_processing, geoproc_provider, data, tmp_path,
                                                         qgis_new_project):
    """The region layer is drawn by the first regressor's direct effect, classes symmetric
    about 0 scaled to the layer's largest |effect| (the pipeline's sdm_effects style)."""
    import numpy as np

    from geoproc.palettes import get_palette

    res = qgis_processing.runAndLoadResults("geoproc:sdm", params(data, tmp_path))
    layer = qgis_new_project.mapLayer(res["OUTPUT"])
    assert layer is not None and layer.name() == "SDM by region"
    r = layer.renderer()
    field = f"{X[0]}_direct"
    assert r.type() == "graduatedSymbol" and r.classAttribute() == field
    values = np.array([f[field] for f in layer.getFeatures()], dtype=float)
    top = np.abs(values).max()
    bounds = [r.ranges()[0].lowerValue()] + [rg.upperValue() for rg in r.ranges()]
    assert bounds == pytest.approx([-top, -0.5 * top, -0.2 * top, 0, 0.2 * top, 0.5 * top, top], rel=1e-6, abs=1e-12)
    assert [rg.symbol().color().name() for rg in r.ranges()] == list(get_palette("sdm_effects").colors)
