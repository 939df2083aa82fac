"""Cancel inside long library calls, in real QGIS: LISA and kernel density stop mid-run.

The feedback below cancels itself at the first progress update beyond the reading
phase (LISA: regions and panel read up to 45 %; KDE: points read up to 30 %), so the
cancel can only be seen by the library's progress callback (geoproc.progress), not
by the converters. The run must end with a QgsProcessingException, before the
library call finished, and leave no output file.
"""

from pathlib import Path

import pytest
from test_plugin_autocorrelation import knn4, local_params, panel, provinces  # noqa: F401 - fixtures
from test_plugin_density import data  # noqa: F401 - fixture


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


def test_lisa_cancelled_inside_the_permutations(qgis_processing, geoproc_provider, provinces, panel, knn4,  # noqa: F811
                                                tmp_path):
    from qgis.core import QgsProcessingException

    regions, _ = provinces
    layer, _ = panel
    out = tmp_path / "lisa.gpkg"
    # 9999 permutations of 31 provinces with 4 neighbours: two blocks of sites (2**20 // (9999*4) = 26)
    params = local_params(regions, layer, knn4[0], PERMUTATIONS=9999, OUTPUT=str(out))
    fb = _feedback(cancel_beyond=45)
    with pytest.raises(QgsProcessingException, match="Canceled"):
        qgis_processing.run("geoproc:lisa_clusters", params, feedback=fb)
    # cancelled after the first block: 45 + 40 * 26/31 = 78.5 %, before the library's end at 85 %
    assert max(fb.values) == pytest.approx(45 + 40 * 26 / 31)
    assert not out.exists()

    fb = _feedback(cancel_beyond=None)
    res = qgis_processing.run("geoproc:lisa_clusters", params, feedback=fb)
    assert Path(res["OUTPUT"].split("|")[0]).exists()
    assert any(45 < v < 85 for v in fb.values)  # the library reported between its blocks
    assert fb.values[-1] == 100


def test_kernel_density_cancelled_between_batches(qgis_processing, geoproc_provider, data, tmp_path):  # noqa: F811
    from qgis.core import QgsProcessingException

    _, parks, _, _ = data
    out = tmp_path / "kde.tif"
    params = {"INPUT": parks, "RADIUS": 30000.0, "PIXEL": 3000.0, "KERNEL": 0, "VALUES": 0, "OUTPUT": str(out)}
    fb = _feedback(cancel_beyond=30)
    with pytest.raises(QgsProcessingException, match="Canceled"):
        qgis_processing.run("geoproc:kernel_density", params, feedback=fb)
    # 390 parks in 100 batches of 4: cancelled after the first, 30 + 65 * 4/390 %
    assert max(fb.values) == pytest.approx(30 + 65 * 4 / 390)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either

    fb = _feedback(cancel_beyond=None)
    qgis_processing.run("geoproc:kernel_density", params, feedback=fb)
    assert out.exists()
    assert any(30 < v < 95 for v in fb.values)
    assert fb.values[-1] == 100
