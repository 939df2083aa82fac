"""Regenerate the README's screenshots of the demo (docs/img/*.png) from a fresh demo run.

- ``demo_qgis_project.png``: ``project.qgz`` rendered by headless QGIS exactly as it
  opens: its layers ticked on, in its default view extent.
- ``demo_html_map_parks.png``: ``maps/map_parks.html`` in headless Chromium (offline).
- ``demo_html_map_ellipses.png``: ``maps/park_pattern.html`` (the parks' yearly standard
  deviational ellipses over the labelled cities, offline: no basemap tiles can load here).
- ``demo_layout_lisa_provinces.png``: the project's print layout of the provinces' LISA
  clusters, exported by QGIS's own ``QgsLayoutExporter`` (80 dpi).

Run from the repository root, with a Python that imports QGIS (the project's venv has
Debian's QGIS through ``--system-site-packages``)::

    .venv/bin/python scripts/make_screenshots.py            # writes docs/img/
    .venv/bin/python scripts/make_screenshots.py --out /tmp  # elsewhere
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_KEEP: list = []


def run_demo(out: Path) -> None:
    cmd = [sys.executable, "-m", "geoproc", "demo", "-o", str(out), "-q"]
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def qgis_screenshot(project_path: Path, png: Path, width: int = 900) -> None:
    """Render the project's visible layers in its default view extent."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import (
        QgsApplication,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsProject,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    _KEEP.append(app)  # the layout export below needs QGIS alive after this function returns
    project = QgsProject.instance()
    if not project.read(str(project_path)):
        raise SystemExit(f"QGIS cannot read {project_path}")
    root = project.layerTreeRoot()
    layers = [lyr for lyr in root.layerOrder() if root.findLayer(lyr.id()).isVisible()]
    view = project.viewSettings().defaultViewExtent()
    s = QgsMapSettings()
    s.setLayers(layers)
    s.setDestinationCrs(view.crs())
    s.setExtent(view)
    height = round(width * view.height() / view.width())
    s.setOutputSize(QSize(width, height))
    s.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(s)
    job.start()
    job.waitForFinished()
    if not job.renderedImage().save(str(png)):
        raise SystemExit(f"could not save {png}")


def layout_screenshot(project_path: Path, name: str, png: Path, dpi: int = 80) -> None:
    """Export the print layout ``name`` of the project (already read) with QGIS's exporter."""
    from qgis.core import QgsLayoutExporter, QgsProject

    project = QgsProject.instance()
    if project.fileName() != str(project_path) and not project.read(str(project_path)):
        raise SystemExit(f"QGIS cannot read {project_path}")
    layout = project.layoutManager().layoutByName(name)
    if layout is None:
        raise SystemExit(f"no layout {name!r} in {project_path}")
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = dpi
    if QgsLayoutExporter(layout).exportToImage(str(png), settings) != QgsLayoutExporter.Success:
        raise SystemExit(f"could not export {name} to {png}")


def chromium_screenshot(html: Path, png: Path, size: str = "1000,700") -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found")
    subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                    f"--window-size={size}", "--virtual-time-budget=5000", f"--screenshot={png}",
                    html.resolve().as_uri()], check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="folder of the PNGs")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        run_demo(demo)
        chromium_screenshot(demo / "maps" / "map_parks.html", args.out / "demo_html_map_parks.png")
        chromium_screenshot(demo / "maps" / "park_pattern.html", args.out / "demo_html_map_ellipses.png")
        qgis_screenshot(demo / "project.qgz", args.out / "demo_qgis_project.png")
        layout_screenshot(demo / "project.qgz", "LISA clusters: provinces_lisa_cul_2021",
                          args.out / "demo_layout_lisa_provinces.png")
    print(f"wrote {args.out / 'demo_qgis_project.png'}, {args.out / 'demo_html_map_parks.png'}, "
          f"{args.out / 'demo_html_map_ellipses.png'} and {args.out / 'demo_layout_lisa_provinces.png'}")
    os._exit(0)  # no exitQgis(): tearing QGIS down at exit is known to crash


if __name__ == "__main__":
    main()
