"""Build the QGIS plugin folder and its installable zip.

    python scripts/build_plugin.py [--out dist]

The zip holds one folder, ``geoproc_plugin/``: the adapters from ``qgis_plugin/``,
``metadata.txt``, and geoproc itself under ``ext/`` with its shipped boundaries
(``_data/``) and QML styles (``_styles/``) — so plugin and library versions always match.
geoproc's scientific dependencies are not bundled (compiled, platform-specific,
hundreds of MB); the plugin names the command that installs them.
"""

from __future__ import annotations

import argparse
import configparser
import shutil
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_DIR_NAME = "geoproc_plugin"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "*.part-*")
# plugins.qgis.org refuses larger uploads: QGIS-Django's plugins/validator.py,
# PLUGIN_MAX_UPLOAD_SIZE = 25000000 bytes. The zip was 22.3 MB with every shipped layer
# (china_counties.gpkg alone 18.3 MB on disk) when this guard was added.
MAX_UPLOAD_BYTES = 25_000_000


def version() -> str:
    meta = configparser.ConfigParser()
    meta.read(ROOT / "metadata.txt", encoding="utf-8")
    return meta["general"]["version"]


def build_folder(dest: Path) -> Path:
    """Assemble ``dest/geoproc_plugin`` and return it (replacing an earlier build)."""
    folder = dest / PLUGIN_DIR_NAME
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(ROOT / "qgis_plugin", folder, ignore=IGNORE)
    shutil.copy2(ROOT / "metadata.txt", folder / "metadata.txt")
    shutil.copy2(ROOT / "scripts" / "install_qgis_python.sh", folder / "install_qgis_python.sh")
    shutil.copy2(ROOT / "requirements" / "qgis-constraints.txt", folder / "qgis-constraints.txt")
    ext = folder / "ext"
    # geoproc/_data and geoproc/_styles are symlinks in the checkout: copied explicitly below
    shutil.copytree(ROOT / "geoproc", ext / "geoproc",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_data", "_styles"))
    # styles and data inside the bundled package, where geoproc looks for them first
    shutil.copytree(ROOT / "styles", ext / "geoproc" / "_styles", ignore=IGNORE)
    data = ext / "geoproc" / "_data"
    for sub in ("boundaries", "demo", "crosswalk"):
        src = ROOT / "data" / sub
        if src.is_dir():
            shutil.copytree(src, data / sub, ignore=IGNORE)
    for name in ("LICENSE", "README.md", "CHANGELOG.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, folder / name)
    return folder


def build_zip(out: Path) -> Path:
    """Build the folder in ``out/build`` and zip it as ``out/geoproc_plugin-<version>.zip``."""
    out.mkdir(parents=True, exist_ok=True)
    folder = build_folder(out / "build")
    target = out / f"{PLUGIN_DIR_NAME}-{version()}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, path.relative_to(folder.parent))
    size = tmp.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        tmp.unlink()
        raise SystemExit(f"{target.name} would be {size / 1e6:.1f} MB, over the {MAX_UPLOAD_BYTES / 1e6:.0f} MB "
                         "that plugins.qgis.org accepts; leave a large layer out of the zip (see "
                         "README, QGIS plugin)")
    tmp.replace(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default dist/)")
    args = parser.parse_args()
    target = build_zip(Path(args.out))
    print(f"{target} ({target.stat().st_size / 1e6:.1f} MB; plugins.qgis.org accepts up to "
          f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
