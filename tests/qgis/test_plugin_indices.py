"""Regional indicators algorithm inside real QGIS, compared with geoproc.indices on the same tables."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROVINCES = ROOT / "data" / "demo" / "provinces_panel_synthetic.csv"
CITIES = ROOT / "data" / "demo" / "yrd_cities_panel_synthetic.csv"
DIGITAL = ["internet_penetration", "mobile_penetration", "telecom_volume_gdp", "broadband_subscribers",
           "broadband_ports", "software_it_employment_share", "ecommerce_firm_share", "patents_granted", "rd_gdp"]
RESOURCES = ["relics_per_km2", "library_books_per_head", "a_grade_scenic_spots", "cultural_venues",
             "intangible_heritage_items"]


def table_layer(csv: Path):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"file://{csv}?delimiter=,&detectTypes=yes&geomType=none", csv.stem, "delimitedtext")
    assert layer.isValid()
    return layer


def frame(layer) -> pd.DataFrame:
    return pd.DataFrame([f.attributes() for f in layer.getFeatures()], columns=layer.fields().names())


def test_agglomeration_lq_on_the_city_panel(qgis_processing, geoproc_provider):
    import geoproc

    res = qgis_processing.run("geoproc:indices", {
        "PANEL": table_layer(CITIES), "ID": "code", "YEAR": "year", "AGGLOMERATION": ["cultural_value_added"],
        "LQ_SECTOR": "cultural_value_added", "LQ_TOTAL": "gdp", "OUTPUT": "TEMPORARY_OUTPUT"})
    got = frame(res["OUTPUT"]).set_index(["code", "year"]).sort_index()
    df = pd.read_csv(CITIES)
    agg = geoproc.agglomeration_index(df, "cultural_value_added")
    lq = geoproc.location_quotient(df, "cultural_value_added", "gdp")
    want = df.assign(**{agg.name: agg, lq.name: lq}).set_index(["code", "year"]).sort_index()
    for col in ("cultural_value_added_agglomeration", "cultural_value_added_lq"):
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-13, err_msg=col)
    # LQ by hand for Shanghai 2015: (e_i / E_i) / (sum e / sum E) over the 41 cities that year
    y15 = df[df.year == 2015]
    sh = y15[y15.code == 310000].iloc[0]
    hand = (sh.cultural_value_added / sh.gdp) / (y15.cultural_value_added.sum() / y15.gdp.sum())
    assert got.loc[(310000, 2015), "cultural_value_added_lq"] == pytest.approx(hand, rel=1e-12)
    # the input columns pass through unchanged
    assert got["gdp"].to_numpy(float) == pytest.approx(want["gdp"].to_numpy(float))


def test_pca_and_entropy_on_the_province_panel(qgis_processing, geoproc_provider):
    from qgis.core import QgsProcessingFeedback

    import geoproc

    class Log(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.lines = []

        def pushInfo(self, info):  # noqa: N802 - QGIS's name
            self.lines.append(info)

    log = Log()
    res = qgis_processing.run("geoproc:indices", {
        "PANEL": table_layer(PROVINCES), "ID": "code", "YEAR": "year", "PCA": DIGITAL, "PCA_METHOD": 0,
        "PCA_NAME": "dig_again", "ENTROPY": RESOURCES[:4], "ENTROPY_NEGATIVE": RESOURCES[4:],
        "ENTROPY_NAME": "res_index", "BY": 0, "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=log)
    got = frame(res["OUTPUT"]).set_index(["code", "year"]).sort_index()
    df = pd.read_csv(PROVINCES)
    pca, pca_res = geoproc.pca_index(df, DIGITAL, "first", name="dig_again")
    ent, ent_res = geoproc.entropy_weight_index(df, RESOURCES, [1, 1, 1, 1, -1], name="res_index")
    want = df.assign(dig_again=pca, res_index=ent).set_index(["code", "year"]).sort_index()
    np.testing.assert_allclose(got["dig_again"].to_numpy(float), want["dig_again"].to_numpy(float), rtol=1e-12)
    np.testing.assert_allclose(got["res_index"].to_numpy(float), want["res_index"].to_numpy(float), rtol=1e-12)
    # the demo file's dig column is this same first-component index (data/demo/README.md)
    np.testing.assert_allclose(got["dig_again"].to_numpy(float), got["dig"].to_numpy(float), rtol=1e-9)
    # loadings and entropy weights are in the log
    text = "\n".join(log.lines)
    assert pca_res.summary().splitlines()[0] in text and ent_res.summary().splitlines()[0] in text
    assert ent_res.weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(("params", "message"), [
    ({}, "nothing to compute"),
    ({"LQ_SECTOR": "cultural_value_added"}, "give both the LQ sector field and the LQ total field"),
    ({"AGGLOMERATION": ["gdp"], "PCA": ["gdp", "cultural_value_added"], "PCA_NAME": "gdp_agglomeration"},
     "both be called 'gdp_agglomeration'"),
    ({"PCA": ["gdp", "cultural_value_added"], "PCA_NAME": "gdp"}, "already has column"),
    ({"PCA": ["gdp"]}, "at least 2 indicators"),
    ({"PCA": ["gdp", "cultural_value_added"], "PCA_METHOD": 1, "PCA_KEEP": "3"}, "keep=3 components, but there are 2"),
    ({"PCA": ["gdp", "cultural_value_added"], "PCA_METHOD": 1, "PCA_KEEP": "most"}, "PCA components kept 'most'"),
])
def test_bad_input_is_a_processing_exception(qgis_processing, geoproc_provider, params, message):
    from qgis.core import QgsProcessingException

    base = {"PANEL": table_layer(CITIES), "ID": "code", "YEAR": "year", "OUTPUT": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match=message):
        qgis_processing.run("geoproc:indices", {**base, **params})


def test_lq_against_a_reference_table(qgis_processing, geoproc_provider, tmp_path):
    """National totals instead of the sum over the 41 cities: LQ_i = (e_i / E_i) / (e_nat / E_nat)."""
    df = pd.read_csv(CITIES)
    sums = df.groupby("year")[["cultural_value_added", "gdp"]].sum()
    # a made-up nation: 3x the cities' cultural value added and 4x their GDP each year
    national = pd.DataFrame({"year": sums.index, "cultural_value_added": 3 * sums["cultural_value_added"].to_numpy(),
                             "gdp": 4 * sums["gdp"].to_numpy()})
    csv = tmp_path / "national.csv"
    national.to_csv(csv, index=False)
    res = qgis_processing.run("geoproc:indices", {
        "PANEL": table_layer(CITIES), "ID": "code", "YEAR": "year", "LQ_SECTOR": "cultural_value_added",
        "LQ_TOTAL": "gdp", "LQ_REFERENCE": table_layer(csv), "OUTPUT": "TEMPORARY_OUTPUT"})
    got = frame(res["OUTPUT"]).set_index(["code", "year"])["cultural_value_added_lq"]
    for (code, year), value in got.items():
        row = df[(df.code == code) & (df.year == year)].iloc[0]
        nat = national.set_index("year").loc[year]
        hand = (row.cultural_value_added / row.gdp) / (nat.cultural_value_added / nat.gdp)
        assert value == pytest.approx(hand, rel=1e-12), (code, year)
    # = 4/3 of the LQ against the cities' own sums, for Shanghai 2015
    y15 = df[df.year == 2015]
    sh = y15[y15.code == 310000].iloc[0]
    own = (sh.cultural_value_added / sh.gdp) / (y15.cultural_value_added.sum() / y15.gdp.sum())
    assert got[(310000, 2015)] == pytest.approx(own * 4 / 3, rel=1e-12)


def test_weighted_pca_keeps_what_is_asked(qgis_processing, geoproc_provider):
    import geoproc

    df = pd.read_csv(PROVINCES)
    for keep, lib_keep in (("2", 2), ("0.9", 0.9)):
        res = qgis_processing.run("geoproc:indices", {
            "PANEL": table_layer(PROVINCES), "ID": "code", "YEAR": "year", "PCA": DIGITAL, "PCA_METHOD": 1,
            "PCA_KEEP": keep, "PCA_NAME": "dig_w", "OUTPUT": "TEMPORARY_OUTPUT"})
        got = frame(res["OUTPUT"]).set_index(["code", "year"]).sort_index()["dig_w"]
        want, fit = geoproc.pca_index(df, DIGITAL, "weighted", keep=lib_keep, name="dig_w")
        want = df.assign(dig_w=want).set_index(["code", "year"]).sort_index()["dig_w"]
        np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=1e-12, err_msg=keep)
    # and the rules differ here (else this test could not tell them apart)
    two, _ = geoproc.pca_index(df, DIGITAL, "weighted", keep=2)
    one, _ = geoproc.pca_index(df, DIGITAL, "weighted", keep=1)
    assert not np.allclose(two, one)


def test_year_gaps_refused_unless_accepted(qgis_processing, geoproc_provider, tmp_path):
    from qgis.core import QgsProcessingException

    df = pd.read_csv(CITIES)
    df = df[df.year != 2017]  # no city has 2017: a gap, not an unbalanced panel
    csv = tmp_path / "gap_year.csv"
    df.to_csv(csv, index=False)
    params = {"PANEL": table_layer(csv), "ID": "code", "YEAR": "year", "AGGLOMERATION": ["gdp"],
              "OUTPUT": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match="2017"):
        qgis_processing.run("geoproc:indices", params)
    got = frame(qgis_processing.run("geoproc:indices", {**params, "YEAR_GAPS": True})["OUTPUT"])
    y18 = got[got.year == 2018]
    # agglomeration by hand: gdp over the mean gdp of the 41 cities that year
    np.testing.assert_allclose(y18["gdp_agglomeration"], y18["gdp"] / y18["gdp"].mean(), rtol=1e-12)


def test_unbalanced_panel_names_the_region(qgis_processing, geoproc_provider, tmp_path):
    from qgis.core import QgsProcessingException

    df = pd.read_csv(CITIES)
    df = df[~((df.code == 320100) & (df.year == 2017))]
    csv = tmp_path / "gap.csv"
    df.to_csv(csv, index=False)
    params = {"PANEL": table_layer(csv), "ID": "code", "YEAR": "year", "AGGLOMERATION": ["gdp"],
              "OUTPUT": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match="320100"):
        qgis_processing.run("geoproc:indices", params)
    # accepted when asked: the mean of each year is over the regions present
    res = qgis_processing.run("geoproc:indices", {**params, "UNBALANCED": True})
    got = frame(res["OUTPUT"])
    assert len(got) == len(df)
    y17 = got[got.year == 2017]
    assert y17["gdp_agglomeration"].mean() == pytest.approx(1.0, rel=1e-12)


def test_indicator_map_is_styled_around_lq_1(qgis_processing, geoproc_provider, qgis_new_project, tmp_path):
    from qgis.core import QgsVectorLayer

    import geoproc

    path = tmp_path / "yrd_cities.gpkg"
    geoproc.load_boundaries("yrd_cities").to_file(path, engine="pyogrio")
    regions = QgsVectorLayer(str(path), "yrd_cities", "ogr")
    res = qgis_processing.runAndLoadResults("geoproc:indices", {
        "PANEL": table_layer(CITIES), "ID": "code", "YEAR": "year", "AGGLOMERATION": ["cultural_value_added"],
        "LQ_SECTOR": "cultural_value_added", "LQ_TOTAL": "gdp", "OUTPUT": "TEMPORARY_OUTPUT",
        "REGIONS": regions, "REGIONS_ID": "code", "MAP_YEAR": 2018, "MAP": "TEMPORARY_OUTPUT"})
    layer = qgis_new_project.mapLayer(res["MAP"])
    assert layer is not None and layer.name() == "Location quotient cultural_value_added_lq"
    r = layer.renderer()
    assert r.type() == "graduatedSymbol" and r.classAttribute() == "cultural_value_added_lq"
    assert 1.0 in [round(x.upperValue(), 6) for x in r.ranges()]  # diverging at LQ = 1
    got = {f["code"]: (f["cultural_value_added_lq"], f["cultural_value_added_agglomeration"])
           for f in layer.getFeatures()}
    df = pd.read_csv(CITIES)
    lq = geoproc.location_quotient(df, "cultural_value_added", "gdp")
    agg = geoproc.agglomeration_index(df, "cultural_value_added")
    y18 = df.year == 2018
    want = dict(zip(df.code[y18], zip(lq[y18], agg[y18], strict=True), strict=True))
    assert set(got) == set(want) and len(got) == 41
    for code, (a, b) in got.items():
        assert (a, b) == pytest.approx(want[code], rel=1e-13)
    # only the agglomeration index: styled by it
    res = qgis_processing.runAndLoadResults("geoproc:indices", {
        "PANEL": table_layer(CITIES), "ID": "code", "YEAR": "year", "AGGLOMERATION": ["gdp"],
        "OUTPUT": "TEMPORARY_OUTPUT", "REGIONS": regions, "MAP": "TEMPORARY_OUTPUT"})
    r = qgis_new_project.mapLayer(res["MAP"]).renderer()
    assert r.type() == "graduatedSymbol" and r.classAttribute() == "gdp_agglomeration"
