"""The plugin's sources use only API that works on Qt5 (QGIS 3.22-3.x) and Qt6 (QGIS 4), read without QGIS.

The rules follow QGIS's own migration script (qgis/QGIS scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py)
and the QGIS 4 plugin notes:

* enums are reached through their scope (``QgsProcessing.SourceType.TypeVectorPoint``, not
  ``QgsProcessing.TypeVectorPoint``; ``Qt.AlignmentFlag.AlignLeft``): PyQt6 has no unscoped
  members. The scoped forms exist in QGIS 3.22's bindings too
  (tests/qgis/test_qt6_scoped_enums.py evaluates every one the plugin uses in real QGIS);
* no ``QVariant.Int/Double/String...`` field types (PyQt6 has no ``QVariant.Type``; QgsField takes
  ``QMetaType.Type`` from QGIS 3.38 on: ``convert.field_type`` picks at run time) and no
  ``QVariant()`` for NULL (use ``qgis.core.NULL``);
* ``exec()`` not ``exec_()``; no ``QRegExp`` (``QRegularExpression``), ``qApp``,
  ``QDesktopWidget``, compiled ``resources_rc``, ``qgis.PyQt.Qt``, ``activated[str]``, and no
  enums Qt6 renamed (``Qt.MidButton``, ``Qt.TextColorRole``, ``Qt.BackgroundColorRole``,
  ``QPainter.HighQualityAntialiasing``);
* Qt through ``qgis.PyQt`` only (``from PyQt5``/``PyQt6`` pins one);
* no f-strings (or ``%``/``.format`` results) as the text of ``tr()``/``translate()``: the
  translator looks the literal source text up.
"""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "qgis_plugin"

QT_MODULES = ("qgis.core", "qgis.gui", "qgis.analysis", "qgis.PyQt")
QVARIANT_TYPES = {
    "Invalid", "Bool", "Int", "UInt", "LongLong", "ULongLong", "Double", "Char", "Map", "List", "String",
    "StringList", "ByteArray", "BitArray", "Date", "Time", "DateTime", "Url", "Locale", "Rect", "RectF",
    "Size", "SizeF", "Line", "LineF", "Point", "PointF", "RegExp", "RegularExpression", "Hash", "Color",
    "Font", "Brush", "Pen", "Icon", "Image", "Pixmap", "UserType",
}
REMOVED_NAMES = {
    "QRegExp": "QRegExp is removed in Qt6: use QRegularExpression",
    "qApp": "qApp is removed in Qt6: use QApplication.instance()",
    "QDesktopWidget": "QDesktopWidget is removed in Qt6: use QScreen",
}
RENAMED_ENUMS = {("Qt", "MidButton"), ("Qt", "TextColorRole"), ("Qt", "BackgroundColorRole"),
                 ("QPainter", "HighQualityAntialiasing")}
# the enum *type* itself used as a value (e.g. getattr(QMetaType.Type, name)), not a member
ENUM_TYPES_AS_VALUES = {("QMetaType", "Type")}


class Checker(ast.NodeVisitor):
    """Collects ``(line, message)`` for every Qt5-only construct in one module."""

    def __init__(self) -> None:
        self.qt_names: set[str] = set()
        self.problems: list[tuple[int, str]] = []
        self._parents: dict[ast.AST, ast.AST] = {}

    def check(self, source: str) -> list[tuple[int, str]]:
        tree = ast.parse(source)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self._parents[child] = node
        for node in ast.walk(tree):  # imports first: names are known wherever they are used
            if isinstance(node, ast.ImportFrom | ast.Import):
                self._imports(node)
        self.visit(tree)
        return sorted(self.problems)

    def _add(self, node: ast.AST, message: str) -> None:
        self.problems.append((getattr(node, "lineno", 0), message))

    def _imports(self, node: ast.ImportFrom | ast.Import) -> None:
        modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        for module in modules:
            if module.split(".")[0] in ("PyQt5", "PyQt6"):
                self._add(node, f"import from {module}: use qgis.PyQt")
            if module == "qgis.PyQt.Qt":
                self._add(node, "qgis.PyQt.Qt is removed: import Qt from qgis.PyQt.QtCore")
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "resources_rc":
                    self._add(node, "compiled resources (resources_rc) are removed in Qt6: load files by path")
                if node.module and (node.module.startswith(QT_MODULES)
                                    or node.module.split(".")[0] in ("PyQt5", "PyQt6")):
                    self.qt_names.add(alias.asname or alias.name)

    def visit_Name(self, node: ast.Name) -> None:  # noqa: N802 - ast's name
        if node.id in REMOVED_NAMES:
            self._add(node, REMOVED_NAMES[node.id])

    def visit_alias(self, node: ast.alias) -> None:
        if node.name in REMOVED_NAMES:
            self.problems.append((0, REMOVED_NAMES[node.name]))

    def visit_Attribute(self, node: ast.Attribute) -> None:  # noqa: N802
        parent = self._parents.get(node)
        if isinstance(node.value, ast.Name):
            owner, attr = node.value.id, node.attr
            if owner == "QVariant" and attr in QVARIANT_TYPES:
                self._add(node, f"QVariant.{attr}: PyQt6 has no QVariant types (use convert.field_type)")
            elif (owner, attr) in RENAMED_ENUMS:
                self._add(node, f"{owner}.{attr} is renamed in Qt6")
            elif owner in self.qt_names and self._unscoped(node, parent):
                self._add(node, f"{owner}.{attr}: unscoped enum member? use {owner}.<EnumType>.{attr}")
        if node.attr == "exec_" and isinstance(parent, ast.Call) and parent.func is node:
            self._add(node, "exec_() is exec() in Qt6 (and Qt5.15)")
        if node.attr == "activated" and isinstance(parent, ast.Subscript):
            self._add(node, "activated[str] is removed in Qt6: use textActivated")
        self.generic_visit(node)

    @staticmethod
    def _unscoped(node: ast.Attribute, parent: ast.AST | None) -> bool:
        """``Owner.Member`` read as a value: CamelCase member, not a call, not followed by ``.X``."""
        attr = node.attr
        if not attr[:1].isupper() or attr.isupper() or "_" in attr.strip("_"):
            return False  # methods, CONSTANTS (Qgis.QGIS_VERSION_INT, TEMPORARY_OUTPUT)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return False  # Owner.EnumType.Member
        if isinstance(parent, ast.Call) and parent.func is node:
            return False  # a nested class constructed
        return (node.value.id, attr) not in ENUM_TYPES_AS_VALUES

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        # tr(text) / QCoreApplication.translate(context, text): the text must be a literal
        texts = node.args[:1] if name == "tr" else node.args[1:2] if name == "translate" else []
        for arg in texts:
            if isinstance(arg, ast.JoinedStr):
                self._add(node, f"f-string inside {name}(): the translator never finds it")
            elif isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod):
                self._add(node, f"'%' formatting inside {name}(): format the translated text instead")
            elif isinstance(arg, ast.Call) and getattr(arg.func, "attr", "") == "format":
                self._add(node, f".format() inside {name}(): call .format() on {name}()'s result")
        if name == "QVariant" and isinstance(func, ast.Name) and not node.args:
            self._add(node, "QVariant() as NULL: use qgis.core.NULL")
        self.generic_visit(node)


def problems_in(source: str) -> list[str]:
    return [message for _, message in Checker().check(source)]


BAD = [
    ("from qgis.core import QgsProcessing\nQgsProcessing.TypeVectorPoint", "unscoped enum"),
    ("from qgis.core import Qgis\nQgis.Warning", "unscoped enum"),
    ("from qgis.PyQt.QtCore import Qt\nx = Qt.AlignLeft | Qt.AlignmentFlag.AlignTop", "unscoped enum"),
    ("from qgis.core import QgsField\nfrom qgis.PyQt.QtCore import QVariant\nQgsField('a', QVariant.Int)",
     "QVariant.Int"),
    ("from qgis.PyQt.QtCore import QVariant\nQVariant.Double", "QVariant.Double"),
    ("from qgis.PyQt.QtCore import QVariant\nv = QVariant()", "QVariant() as NULL"),
    ("dialog.exec_()", "exec_()"),
    ("from qgis.PyQt.QtCore import QRegExp", "QRegExp"),
    ("r = QRegExp('a+')", "QRegExp"),
    ("from PyQt5.QtCore import QCoreApplication", "import from PyQt5"),
    ("import PyQt6.QtCore", "import from PyQt6"),
    ("from qgis.PyQt.Qt import Qt", "qgis.PyQt.Qt"),
    ("self.tr(f'LISA {year}')", "f-string inside tr()"),
    ("QCoreApplication.translate('geoproc', f'{n} parks')", "f-string inside translate()"),
    ("self.tr('%d parks' % n)", "'%' formatting inside tr()"),
    ("self.tr('{} parks'.format(n))", ".format() inside tr()"),
    ("from qgis.PyQt.QtCore import Qt\nQt.MidButton", "renamed in Qt6"),
    ("combo.activated[str].connect(f)", "activated[str]"),
    ("from . import resources_rc", "resources_rc"),
]

GOOD = [
    "from qgis.core import QgsProcessing\nQgsProcessing.SourceType.TypeVectorPoint",
    "from qgis.core import Qgis\nQgis.QGIS_VERSION_INT >= 33800 and Qgis.MessageLevel.Warning",
    "from qgis.core import QgsProcessing\nQgsProcessing.TEMPORARY_OUTPUT",
    "from qgis.PyQt.QtCore import QMetaType\ngetattr(QMetaType.Type, 'Double')",
    "from qgis.core import QgsProcessingParameterNumber\nQgsProcessingParameterNumber.Type.Double",
    "from qgis.core import QgsApplication\nQgsApplication.processingRegistry()",
    "self.tr('LISA clusters {}').format(v)",
    "dialog.exec()",
    "from qgis.core import NULL\nvalue == NULL",
    "str(f'{x}')",
    "class Tool:\n    Type = 1\nTool.Type",  # not a Qt/QGIS name
]


@pytest.mark.parametrize(("source", "expected"), BAD)
def test_the_check_catches(source, expected):
    found = problems_in(source)
    assert any(expected in message for message in found), found


@pytest.mark.parametrize("source", GOOD)
def test_the_check_lets_through(source):
    assert problems_in(source) == []


def test_plugin_sources_use_only_qt5_qt6_api():
    sources = sorted(PLUGIN.rglob("*.py"))
    assert len(sources) > 10
    bad = {}
    for path in sources:
        found = Checker().check(path.read_text(encoding="utf-8"))
        if found:
            bad[str(path.relative_to(ROOT))] = [f"line {line}: {message}" for line, message in found]
    assert bad == {}


def test_metadata_declares_qgis_4():
    # plugins.qgis.org offers a plugin to QGIS 4 when qgisMaximumVersion reaches 4.x and it
    # says it supports Qt6
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    meta = parser["general"]
    assert meta["qgisMaximumVersion"] == "4.99"
    assert meta["supportsQt6"] == "True"
    assert tuple(map(int, meta["qgisMinimumVersion"].split("."))) <= (3, 22)
