"""The project's modules import one another without cycles: each can be read (and tested) knowing only the modules
it imports, never the ones that import it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("selfplay", "agents", "verifiers")

# Cycles of today that the rewrite of the loop's files (issue #17) removes, each as the set of modules that import
# one another round in a circle; empty this set once they are gone. A cycle not listed here fails the test, and so
# does a listed one that has drawn in another module.
KNOWN_TO_BE_REMOVED: set[frozenset[str]] = set()


def module_files(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Every module of `packages` under `root` by its dotted name (a package by its `__init__.py`)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(tree: ast.Module, module: str, is_package: bool, modules: set[str]) -> set[str]:
    """The modules of `modules` that `tree` imports, at module level and inside functions alike, but not under
    `if TYPE_CHECKING:` (that runs only for a type checker). An import counts for the module it names:
    `import a.b` and `from a import b` for `a.b` when that is a module, `from a import name` for `a`."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return (found & modules) - {module}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a `from ... import` names, with a relative one (`from .base import x`) made absolute."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    package = package[:len(package) - node.level + 1]
    return ".".join(package + ([node.module] if node.module else []))


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Each project module's imports of other project modules."""
    files = module_files(root, packages)
    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[module] = imported_modules(tree, module, path.name == "__init__.py", set(files))
    return graph


def new_cycles(graph: dict[str, set[str]], known: set[frozenset[str]]) -> list[list[str]]:
    """Each group of modules that import one another round in a circle (a strongly connected component of more than
    one module), but the groups in `known`, as one cycle through its first module: `[a, b, ..., a]`. A known group
    that has grown is a new one."""
    found = []
    for component in _components(graph):
        if len(component) > 1 and frozenset(component) not in known:
            found.append(_cycle_through(min(component), component, graph))
    return sorted(found)


def _components(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components (the graph is small: recursion is fine)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def _cycle_through(start: str, component: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from `start` back to itself inside `component` (breadth first)."""
    paths = {target: [start, target] for target in sorted(graph[start] & component)}
    queue = list(paths)
    while start not in paths:
        node = queue.pop(0)
        for target in sorted(graph[node] & component):
            if target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    return paths[start]


def _group_of(module: str, graph: dict[str, set[str]]) -> list[str]:
    return sorted(next(component for component in _components(graph) if module in component))


def test_project_modules_import_one_another_without_cycles():
    graph = import_graph(ROOT)
    assert "selfplay.config" in graph and "verifiers.base" in graph  # the walk found the project
    found = new_cycles(graph, KNOWN_TO_BE_REMOVED)
    groups = ["{}\n    in the group {}".format(" -> ".join(cycle), ", ".join(_group_of(cycle[0], graph)))
              for cycle in found]
    assert not found, "import cycles:\n" + "\n".join(groups)


def test_a_planted_cycle_is_found_even_inside_a_function(tmp_path):
    # pkg.a imports pkg.b at module level; pkg.b imports pkg.a inside a function, and pkg.c only for the type checker
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg.b import helper\n")
    (tmp_path / "pkg" / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg import c\n"
        "def helper():\n    from . import a\n")
    (tmp_path / "pkg" / "c.py").write_text("import pkg.b\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.b"}}
    assert new_cycles(graph, set()) == [["pkg.a", "pkg.b", "pkg.a"]]
    assert new_cycles(graph, {frozenset({"pkg.a", "pkg.b"})}) == []
    # a known cycle that draws in one more module is reported again
    graph["pkg.b"].add("pkg.c")
    assert new_cycles(graph, {frozenset({"pkg.a", "pkg.b"})}) == [["pkg.a", "pkg.b", "pkg.a"]]
