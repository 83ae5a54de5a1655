"""The package's layering, checked on its source: who may import whom, no cycles, a pure core.

    cli, flask, testing     the edges: argv, Flask, pytest
        console             the presentation both front ends share
          api               one function per command
    runner · project        running plans · the project's files
 database · render · sqla   connections and history · SQL per dialect · SQLAlchemy adapters
          core              pure values: stdlib only, no I/O

A module may import from its own package and from any layer below its own.
Imports under ``if TYPE_CHECKING:`` are annotations, not dependencies.
"""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dbshift"

RANK = {
    "core": 0,
    "sqla": 1, "database": 1,
    "render": 2, "project": 2,
    "runner": 3,
    "api": 4,
    "console": 5,
    "cli": 6, "flask": 6, "testing": 6,
    # public names kept where users import them: dbshift.config (→ project), dbshift.migration (→ core, and
    # sqla for SQLAlchemy's dialect modules) and dbshift.objects (→ core)
    "config": 3, "migration": 2, "objects": 1,
    "__init__": 0, "__main__": 7,
}

NO_IO = {"os", "io", "socket", "subprocess", "pathlib", "shutil", "tempfile", "sqlite3", "builtins", "sys"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports at run time (anywhere in the file), as absolute names."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


SOURCES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
MODULES = set(SOURCES)


@functools.cache
def _dependencies(module: str) -> frozenset[str]:
    """The package's modules that ``module`` imports at run time (parsed when a test first asks: every test
    process collects this file, few run most of its tests)."""
    return frozenset(m for m in _imports(SOURCES[module]) if m in MODULES)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = _layer(module)
    wrong = sorted(
        target for target in _dependencies(module)
        if _layer(target) != mine and RANK[_layer(target)] >= RANK[mine] and target != "dbshift"
    )
    assert not wrong, f"{module} ({mine}, layer {RANK[mine]}) imports {wrong} from a layer at or above its own"


def test_every_package_has_a_layer():
    assert {_layer(m) for m in MODULES} <= set(RANK), "a new top-level package needs a place in RANK"


def test_no_import_cycles():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in _dependencies(node):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(MODULES):
        if module not in index:
            connect(module)
    assert not cycles, f"import cycles: {cycles}"


def test_core_is_pure():
    """The core imports only the standard library, never SQLAlchemy, and nothing that does I/O."""
    for path in sorted((PACKAGE / "core").glob("*.py")):
        for target in _imports(path):
            top = target.split(".")[0]
            if top == "dbshift":
                assert target.startswith("dbshift.core"), f"{path.name} imports {target}"
                continue
            assert top in sys.stdlib_module_names, f"core/{path.name} imports {target}, not the standard library"
            assert top not in NO_IO, f"core/{path.name} imports {target}: the core does no I/O"


@pytest.mark.parametrize("layer", ["core", "sqla", "database", "render", "project", "runner", "api"])
def test_below_the_edges_nothing_prints(layer):
    """Only the presentation layer and the edges write to a terminal."""
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("print", "input"):
                pytest.fail(f"{path.relative_to(PACKAGE)}:{node.lineno} calls {node.func.id}()")


def test_every_api_name_is_what_it_says_after_its_modules_load():
    """``dbshift.api`` loads names on first use; a submodule must never shadow one (``api.lint`` the function)."""
    import importlib
    import inspect
    import pkgutil

    from dbshift import api

    for info in pkgutil.iter_modules(api.__path__, "dbshift.api."):
        importlib.import_module(info.name)
    shadowed = [name for name in api.__all__ if inspect.ismodule(getattr(api, name))]
    assert not shadowed, f"dbshift.api names that are modules, not what they say: {shadowed}"
