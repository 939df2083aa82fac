"""Every algorithm documents every parameter, and reports progress."""

import re

import pytest


def _names_in_help(text: str) -> set[str]:
    return {m.lower() for m in re.findall(r"<b>(.*?)</b>", text)}


def _core(description: str) -> str:
    """A parameter's label without its parenthetical hint: "Weights file (replaces ...)" -> "weights file"."""
    return description.split(" (")[0].strip().lower()


def test_every_parameter_is_documented(geoproc_provider):
    missing = []
    for alg in geoproc_provider.algorithms():
        documented = _names_in_help(alg.shortHelpString())
        for d in alg.parameterDefinitions():
            if d.name() == "OVERWRITE":  # the distance matrix's overwrite switch says what it does
                continue
            if d.name() == "OUTPUT" and any(h.startswith("output") for h in documented):  # by its role
                continue
            label = _core(d.description())
            if not any(label == h or label == _core(h) for h in documented):
                missing.append(f"{alg.id()}: {d.name()} ({d.description()!r})")
    assert not missing, "\n".join(missing)


def test_algorithms_of_every_group_are_listed(geoproc_provider):
    groups = {a.groupId() for a in geoproc_provider.algorithms()}
    assert groups == {"boundaries", "weights", "indicators", "autocorrelation", "density", "econometrics",
                      "pattern"}
    ids = {a.id() for a in geoproc_provider.algorithms()}
    assert {"geoproc:spatial_weights", "geoproc:indices", "geoproc:moran_by_year", "geoproc:lisa_clusters",
            "geoproc:hot_spots", "geoproc:park_density", "geoproc:kernel_density", "geoproc:sdm"} <= ids


def test_progress_reaches_100(qgis_processing, geoproc_provider, tmp_path):
    from pathlib import Path

    from qgis.core import QgsProcessingFeedback, QgsVectorLayer

    csv = Path(__file__).resolve().parents[2] / "data" / "demo" / "yrd_cities_panel_synthetic.csv"
    panel = QgsVectorLayer(f"file://{csv}?delimiter=,&detectTypes=yes&geomType=none", "panel", "delimitedtext")

    class Progress(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.values = []
            self.progressChanged.connect(self.values.append)

    fb = Progress()
    qgis_processing.run("geoproc:indices", {"PANEL": panel, "ID": "code", "YEAR": "year", "AGGLOMERATION": ["gdp"],
                                            "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=fb)
    assert fb.values and fb.values[-1] == pytest.approx(100)
    assert fb.values == sorted(fb.values)
