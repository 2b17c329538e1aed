"""The import graph of a package, read from its source with ``ast`` — for the circle test
(``tests/test_import_circles.py``) and the house figures (``bench/house.py``).

Deferred (function-level) imports count; imports under ``if TYPE_CHECKING:`` count when
asked (``typing_too``): they never run, but a circle through them is still two modules that
each need the other to be read. A circle is a strongly connected set of modules (Tarjan).
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = [
    "PACKAGE",
    "ROOT",
    "circles",
    "import_graph",
    "imports_of",
    "module_name",
    "package_imports",
]

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "officer_console"


def module_name(path: Path, root: Path = ROOT) -> str:
    """``officer_console.gui.shell.menus`` for ``<root>/officer_console/gui/shell/menus.py``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(
    path: Path, modules: set[str], *, typing_too: bool = False, root: Path = ROOT
) -> set[str]:
    """Modules of our package that `path` imports (deferred ones included).

    With `typing_too`, imports under `if TYPE_CHECKING:` count as well: they never run,
    but a circle through them is still two modules that each need the other to be read.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path, root)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child) and not typing_too:
                for stmt in child.orelse:
                    visit(stmt)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if (target := resolve(alias.name)) is not None:
                        found.add(target)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in child.names:
                    target = resolve(f"{base}.{alias.name}") if base else None
                    if target is None or target == me:
                        target = resolve(base)
                    if target is not None:
                        found.add(target)
            visit(child)

    visit(tree)
    found.discard(me)
    return found


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def package_imports(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Import edges that cross from one package to another inside a top-level package.

    A module that imports its own package's `__init__` (which re-exports it) is a circle
    only through that package file; those are reported by the module graph above.
    """
    return {m: {t for t in targets if not m.startswith(t + ".")} for m, targets in graph.items()}


def import_graph(
    package: Path = PACKAGE, *, typing_too: bool = True, root: Path | None = None
) -> dict[str, set[str]]:
    """Module → the modules of ``package`` it imports (deferred imports included)."""
    root = package.parent if root is None else root
    files = sorted(package.rglob("*.py"))
    modules = {module_name(f, root) for f in files}
    return {
        module_name(f, root): imports_of(f, modules, typing_too=typing_too, root=root)
        for f in files
    }
