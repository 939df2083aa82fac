"""The QGIS plugin's metadata.txt and sources, checked without QGIS.

metadata.txt: the keys the QGIS plugin repository requires (and the ones our packaging
relies on). Sources: constructs that break under QGIS 4 / Qt6 or defeat translation.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

import geoproc

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "qgis_plugin"
METADATA = ROOT / "metadata.txt"


@pytest.fixture(scope="module")
def meta() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    assert parser.read(METADATA, encoding="utf-8") == [str(METADATA)]
    return parser["general"]


@pytest.mark.parametrize("key", ["name", "qgisMinimumVersion", "description", "about", "version", "author",
                                 "email", "homepage", "tracker", "repository", "hasProcessingProvider",
                                 "supportsQt6", "icon"])
def test_required_key_present_and_not_empty(meta, key):
    assert meta.get(key, "").strip(), f"metadata.txt: {key} missing or empty"


def test_values(meta):
    assert meta["name"] == "geoproc"
    assert meta["qgisMinimumVersion"] == "3.22"
    assert meta["version"] == geoproc.__version__  # the zip's name and the plugin manager show this
    assert meta["hasProcessingProvider"] == "yes"
    assert meta["supportsQt6"] == "True"
    assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", meta["email"])
    for key in ("homepage", "tracker", "repository"):
        assert meta[key].startswith("https://"), key


def test_icon_is_shipped_in_the_plugin_folder(meta):
    # the build copies qgis_plugin/ as the plugin folder; QGIS resolves icon= inside it
    icon = PLUGIN / meta["icon"]
    assert icon.is_file()
    assert icon.read_text(encoding="utf-8").lstrip().startswith(("<svg", "<?xml"))


# --- sources ------------------------------------------------------------------------

FORBIDDEN = {
    # PyQt6 (QGIS 4) has no QVariant.Type: use convert.field_type
    "QVariant.Type.": re.compile(r"QVariant\.Type\."),
    # qgis.PyQt picks PyQt5 or PyQt6; a direct import pins one
    "PyQt5": re.compile(r"PyQt5"),
    "from PyQt": re.compile(r"^\s*from\s+PyQt", re.MULTILINE),
    # the translator looks the literal source text up: an f-string never matches
    'tr(f"': re.compile(r"\btr\(\s*[rRbB]?[fF][rR]?[\"']"),
}


def offences(text: str) -> list[str]:
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]


@pytest.mark.parametrize(("snippet", "name"), [
    ("QgsField(n, QVariant.Type.Bool)", "QVariant.Type."),
    ("from PyQt5.QtCore import QVariant", "PyQt5"),
    ("    from PyQt6.QtGui import QColor", "from PyQt"),
    ("self.tr(f\"LISA {v}\")", 'tr(f"'),
    ("self.tr( f'Hot spots {v}')", 'tr(f"'),
])
def test_the_check_catches(snippet, name):
    assert name in offences(snippet)


@pytest.mark.parametrize("snippet", ['self.tr("LISA clusters {} {}").format(v, y)', "QVariant.LongLong",
                                     "from qgis.PyQt.QtCore import QMetaType", 'str(f"{x}")'])
def test_the_check_lets_through(snippet):
    assert offences(snippet) == []


def test_plugin_sources_run_on_qt5_and_qt6_and_translate():
    sources = sorted(PLUGIN.rglob("*.py"))
    assert len(sources) > 10
    bad = {str(p.relative_to(ROOT)): found for p in sources if (found := offences(p.read_text(encoding="utf-8")))}
    assert bad == {}
