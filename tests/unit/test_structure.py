"""The library's shape stays as issue 12 left it (a static scan of the sources, no imports).

- no import cycle among ``geoproc`` modules, counting module-level AND function-level
  imports: a function-level import that closes a cycle is still a cycle (it only moves the
  failure from import time to the first call), so lazy imports are for speed, not for
  hiding cycles. ``if TYPE_CHECKING:`` imports do not run and are not counted. An import of
  ``a.b.c`` also runs the ``__init__`` of ``a`` and ``a.b``; those count, except the
  importer's own parent packages (already running when it is imported).
- no module over 500 lines in ``geoproc/`` or ``qgis_plugin/``;
- no public function or method body over 80 lines (docstring excluded), except the
  numba kernels in :data:`LONG_KERNELS`;
- no ``from geoproc.x import _private`` (a private name, or a name from a private module)
  across top-level modules (``geoproc.moran`` -> ``geoproc.panel._read`` is across;
  ``geoproc.panel._read`` -> ``geoproc.panel.checks`` is within);
- no ``import qgis`` in ``geoproc/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 500
MAX_BODY_LINES = 80

#: Public functions allowed a longer body, with the reason. Only numba kernels: splitting
#: a jitted loop into calls costs speed inside the hot loop.
LONG_KERNELS: dict[str, str] = {}


def _modules(package: str) -> dict[str, Path]:
    out = {}
    for p in sorted((ROOT / package).rglob("*.py")):
        if "_vendor" in p.parts:
            continue
        rel = p.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = p
    return out


GEOPROC = _modules("geoproc")
PLUGIN = _modules("qgis_plugin")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST):
    """Every import statement that runs (module level, in functions, in classes), without
    those under ``if TYPE_CHECKING:``."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(n) for b in node.body for n in ast.walk(b))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skip:
            yield node


def _base(module: str, node: ast.ImportFrom) -> str | None:
    """The absolute module of ``from X import ...`` (relative imports resolved)."""
    if not node.level:
        return node.module
    parts = module.split(".")
    if GEOPROC.get(module, Path()).name != "__init__.py":
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The geoproc modules an import statement names (``from pkg import sub`` names sub)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in GEOPROC]
    base = _base(module, node)
    out = []
    for a in node.names:
        full = f"{base}.{a.name}"
        if full in GEOPROC:
            out.append(full)
        elif base in GEOPROC:
            out.append(base)
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in GEOPROC.items():
        parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        edges = set()
        for node in _imports(_tree(path)):
            for target in _targets(module, node):
                parts = target.split(".")
                for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b too
                    p = ".".join(parts[:i])
                    if p in GEOPROC and p not in parents and p != module:
                        edges.add(p)
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_scan_sees_the_library():
    # guards against a scan that finds nothing and so passes
    assert {"geoproc.moran", "geoproc.panel.model", "geoproc.pipeline.runner"} <= set(GEOPROC)
    graph = _graph()
    assert "geoproc.panel.checks" in graph["geoproc.panel.model"]
    assert "geoproc.weights.spec" in graph["geoproc.weights.build"]


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    assert _cycles(_graph()) == []


@pytest.mark.parametrize("package", ["geoproc", "qgis_plugin"])
def test_modules_are_small(package):
    mods = GEOPROC if package == "geoproc" else PLUGIN
    big = {str(p.relative_to(ROOT)): n for p in mods.values()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert big == {}


def _public_functions(tree: ast.Module, prefix: str):
    """``(qualified name, node)`` of public module functions and public methods of public classes."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            yield f"{prefix}.{node.name}", node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for sub in node.body:
                if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef) and not sub.name.startswith("_"):
                    yield f"{prefix}.{node.name}.{sub.name}", sub


def _body_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return 0 if not body else body[-1].end_lineno - body[0].lineno + 1


def test_public_function_bodies_are_short():
    long = {}
    for mods in (GEOPROC, PLUGIN):
        for module, path in mods.items():
            for name, fn in _public_functions(_tree(path), module):
                if (n := _body_lines(fn)) > MAX_BODY_LINES and name not in LONG_KERNELS:
                    long[name] = n
    assert long == {}


def _private_across(module: str, target: str, names: list[str]) -> bool:
    """Whether importing ``names`` of ``target`` from ``module`` reaches into another top-level
    module's privates. ``geoproc._paths``, ``geoproc._vendor``: private to the library, shared
    by its modules, so only components below the top level count."""
    top = ".".join(module.split(".")[:2])
    if not target.startswith("geoproc.") or ".".join(target.split(".")[:2]) == top:
        return False
    return (any(p.startswith("_") for p in target.split(".")[2:])
            or any(n.startswith("_") and not n.startswith("__") for n in names))


def test_no_private_imports_across_top_level_modules():
    bad = []
    for module, path in GEOPROC.items():
        for node in _imports(_tree(path)):
            if isinstance(node, ast.ImportFrom):
                base = _base(module, node) or ""
                if _private_across(module, base, [a.name for a in node.names]):
                    bad.append(f"{module}:{node.lineno} from {base} import "
                               f"{', '.join(a.name for a in node.names)}")
            else:
                bad += [f"{module}:{node.lineno} import {a.name}" for a in node.names
                        if _private_across(module, a.name, [])]
    assert bad == []


def test_private_rule():
    assert _private_across("geoproc.lisa", "geoproc.moran", ["_check_values"])
    assert _private_across("geoproc.durbin.data", "geoproc.weights._inputs", ["load_regions"])
    assert not _private_across("geoproc.panel._read", "geoproc.panel.values", ["_columns_error"])  # within
    assert not _private_across("geoproc.boundaries", "geoproc._paths", ["data_dir"])


def test_library_never_imports_qgis():
    bad = []
    for module, path in GEOPROC.items():
        for node in _imports(_tree(path)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(n == "qgis" or n.startswith("qgis.") for n in names):
                bad.append(f"{module}:{node.lineno}")
    assert bad == []
