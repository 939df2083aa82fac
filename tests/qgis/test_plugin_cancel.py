"""Cancel inside long library calls, in real QGIS: LISA and kernel density stop mid-run.

The feedback below cancels itself at the first progress update beyond the reading
phase (LISA: regions and panel read up to 45 %; KDE: points read up to 30 %), so the
cancel can only be seen by the library's progress callback (geoproc.progress), not
by the converters. The run must end with a QgsProcessingException, before the
library call finished, and leave no output file.
"""

from pathlib import Path

import pytest

# LISA's share of the plugin's progress bar (geoproc/algorithms: read up to 45 %, the
# library call up to 85 %); KDE's (points read up to 30 %, stamping up to 95 %)
LISA_LIBRARY = (45, 85)
KDE_LIBRARY = (30, 95)


def _feedback(cancel_beyond: float | None):
    from qgis.core import QgsProcessingFeedback

    class Recording(QgsProcessingFeedback):
        """Records every progress value; cancels itself once one exceeds ``cancel_beyond``."""

        def __init__(self):
            super().__init__()
            self.values: list[float] = []

        def setProgress(self, value):  # noqa: N802 - QGIS's name
            self.values.append(float(value))
            super().setProgress(value)
            if cancel_beyond is not None and value > cancel_beyond:
                self.cancel()

    return Recording()


def _check_cancelled(fb, library: tuple[float, float]):
    """Cancelled by the library's own report, mid-call: the last value lies inside the
    library's share, after at least one value below it, and the values never decrease."""
    v = fb.values
    assert all(b >= a for a, b in zip(v, v[1:], strict=False)), v
    assert library[0] < v[-1] < library[1], v
    assert any(x <= library[0] for x in v), v


def _check_finished(fb, library: tuple[float, float]):
    v = fb.values
    assert all(b >= a for a, b in zip(v, v[1:], strict=False)), v
    assert any(library[0] < x < library[1] for x in v), v  # reported between its blocks
    assert v[-1] == 100


def test_lisa_cancelled_inside_the_permutations(qgis_processing, geoproc_provider, provinces, panel, knn4,
                                                tmp_path):
    from qgis.core import QgsProcessingException

    regions, _ = provinces
    layer, _ = panel
    out = tmp_path / "lisa.gpkg"
    params = {"REGIONS": regions, "REGIONS_ID": "code", "PANEL": layer, "PANEL_ID": "code",
              "YEAR_FIELD": "year", "VARIABLE": "cul", "YEAR": 2021, "WEIGHTS": "knn:4",
              "WEIGHTS_FILE": knn4[0], "PERMUTATIONS": 9999, "SEED": 7, "OUTPUT": str(out)}
    fb = _feedback(cancel_beyond=LISA_LIBRARY[0])
    with pytest.raises(QgsProcessingException, match="Canceled"):
        qgis_processing.run("geoproc:lisa_clusters", params, feedback=fb)
    _check_cancelled(fb, LISA_LIBRARY)
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary left

    fb = _feedback(cancel_beyond=None)
    res = qgis_processing.run("geoproc:lisa_clusters", params, feedback=fb)
    assert Path(res["OUTPUT"].split("|")[0]).exists()
    _check_finished(fb, LISA_LIBRARY)


def test_kernel_density_cancelled_between_batches(qgis_processing, geoproc_provider, parks, tmp_path):
    from qgis.core import QgsProcessingException

    out = tmp_path / "kde.tif"
    params = {"INPUT": parks, "RADIUS": 30000.0, "PIXEL": 3000.0, "KERNEL": 0, "VALUES": 0, "OUTPUT": str(out)}
    fb = _feedback(cancel_beyond=KDE_LIBRARY[0])
    with pytest.raises(QgsProcessingException, match="Canceled"):
        qgis_processing.run("geoproc:kernel_density", params, feedback=fb)
    _check_cancelled(fb, KDE_LIBRARY)
    assert list(tmp_path.iterdir()) == []  # no output, no temporary file either

    fb = _feedback(cancel_beyond=None)
    qgis_processing.run("geoproc:kernel_density", params, feedback=fb)
    assert out.exists()
    _check_finished(fb, KDE_LIBRARY)
