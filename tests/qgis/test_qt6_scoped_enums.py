"""Every scoped enum the plugin writes (``Owner.EnumType.Member``) exists in this real QGIS.

tests/unit/test_qt6_static.py makes the plugin use scoped enums only (PyQt6, QGIS 4, has no
unscoped members); this checks the other end: that each scoped form also resolves in the QGIS
the tests run on (Debian's 3.22, the plugin's minimum), so no compatibility shim is needed.
QGIS 4's PyQt6 bindings keep the old member names on the moved enums as aliases, e.g.
``QgsProcessing.SourceType = Qgis.ProcessingSourceType`` and
``QgsProcessing.SourceType.TypeVectorPoint = Qgis.ProcessingSourceType.VectorPoint`` in
qgis/QGIS python/PyQt6/core/auto_additions/qgis.py, so the same forms run on 3.22 and 4.x.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT_MODULES = ("qgis.core", "qgis.gui", "qgis.analysis", "qgis.PyQt")


def scoped_chains() -> dict[str, tuple[str, set[str]]]:
    """``"Owner.EnumType.Member"`` -> (module Owner comes from, files using it)."""
    found: dict[str, tuple[str, set[str]]] = {}
    for path in sorted((ROOT / "qgis_plugin").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        origin = {alias.asname or alias.name: node.module for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(QT_MODULES)
                  for alias in node.names}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                    and isinstance(node.value.value, ast.Name) and node.value.value.id in origin
                    and node.value.attr[:1].isupper() and node.attr[:1].isupper()):
                chain = f"{node.value.value.id}.{node.value.attr}.{node.attr}"
                found.setdefault(chain, (origin[node.value.value.id], set()))[1].add(path.name)
    return found


def test_every_scoped_enum_resolves_in_this_qgis(qgis_app):
    import importlib

    from qgis.core import Qgis

    chains = scoped_chains()
    assert len(chains) >= 10  # the scan sees the plugin's enums (SourceType, Type, DataType ...)
    assert "QgsProcessing.SourceType.TypeVectorPoint" in chains
    missing = []
    for chain, (module, files) in sorted(chains.items()):
        owner, enum_type, member = chain.split(".")
        obj = getattr(importlib.import_module(module), owner)
        try:
            getattr(getattr(obj, enum_type), member)
        except AttributeError:
            missing.append(f"{chain} ({', '.join(sorted(files))})")
    assert missing == [], f"QGIS {Qgis.QGIS_VERSION} lacks: {missing}"
