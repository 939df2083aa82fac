"""Find geoproc and its libraries inside QGIS's Python, or say exactly how to install them.

The plugin zip bundles geoproc itself (pure Python, in ``ext/``) so the plugin and
library versions always match; its scientific dependencies are too large and too
platform-specific to bundle, so they are installed once into QGIS's Python.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
from pathlib import Path

# import name -> pip requirement
REQUIREMENTS: dict[str, str] = {
    "numpy": "numpy<2",
    "pandas": "pandas",
    "geopandas": "geopandas",
    "shapely": "shapely>=2",
    "pyproj": "pyproj",
    "scipy": "scipy",
    "libpysal": "libpysal",
    "esda": "esda",
    "spreg": "spreg",
    "rasterio": "rasterio",
    "numba": "numba",
    "matplotlib": "matplotlib",
}

BUNDLE = Path(__file__).with_name("ext")


def ensure_bundled_geoproc_on_path() -> None:
    """Put the geoproc bundled in the zip first on sys.path (no-op in a dev checkout)."""
    if (BUNDLE / "geoproc").is_dir() and str(BUNDLE) not in sys.path:
        sys.path.insert(0, str(BUNDLE))


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a broken or half-imported package counts as missing
        return True


def missing_packages() -> list[str]:
    """pip requirements of the libraries QGIS's Python cannot import."""
    ensure_bundled_geoproc_on_path()
    return [req for mod, req in REQUIREMENTS.items() if _absent(mod)]


def install_command(requirements: list[str]) -> str:
    """The command that installs ``requirements`` into the Python QGIS runs on."""
    quoted = " ".join(f'"{r}"' if "<" in r or ">" in r else r for r in requirements)
    system = platform.system()
    if system == "Windows":
        return f"In the OSGeo4W Shell: python -m pip install {quoted}"
    if system == "Darwin":
        return f"/Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install {quoted}"
    # Debian/Ubuntu: QGIS runs on the system Python. Plain wheels of shapely/pyproj/
    # pyogrio crash inside QGIS (their bundled GEOS/PROJ/GDAL bind to QGIS's), so the
    # shipped script takes those from Debian or builds them on the system libraries.
    script = Path(__file__).with_name("install_qgis_python.sh")
    if script.exists() and Path("/usr/bin/apt-get").exists():
        return f"bash {script}"
    return f"/usr/bin/python3 -m pip install --user --break-system-packages {quoted}"


def missing_message() -> str | None:
    """A readable explanation if something is missing, else None."""
    missing = missing_packages()
    if _absent("geoproc"):
        missing = ["geoproc"] + missing
    if not missing:
        return None
    return (
        "geoproc needs Python packages that QGIS's Python does not have: "
        + ", ".join(missing)
        + ". Install them with:\n    "
        + install_command(missing)
        + "\nthen restart QGIS."
    )


def startup_report() -> str | None:
    """What the plugin says once when QGIS loads it, or None when everything imports.

    Returns
    -------
    str or None
        One line naming the missing libraries and the exact command that installs
        them into the Python QGIS runs on (the same command :func:`missing_message`
        gives when a tool runs).
    """
    missing = missing_packages()
    if _absent("geoproc"):
        missing = ["geoproc"] + missing
    if not missing:
        return None
    return (f"geoproc's tools need Python packages that QGIS's Python lacks: {', '.join(missing)}. "
            f"Install them with: {install_command(missing)} — then restart QGIS.")
