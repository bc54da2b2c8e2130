"""The package's import structure: every module imports, nothing imports inside a function to
dodge a circle, and no two modules import each other (directly or round a longer loop)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import lms

ROOT = Path(lms.__file__).parent

# The app factory builds the app from every feature: it imports their blueprints and commands
# when an app is made (flaskr's and cookiecutter-flask's pattern), which is not a dodge.
FACTORY = {"lms"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def imported(node: ast.AST, importer: str) -> list[str]:
    """The lms modules an import statement names (``from lms.x import y`` names lms.x and,
    when y is a module, lms.x.y)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "lms"]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        if node.module.split(".")[0] != "lms":
            return []
        names = [node.module]
        names += [f"{node.module}.{alias.name}" for alias in node.names]
        return [name for name in names if name in MODULES]
    return []


def test_every_module_imports():
    for name in MODULES:
        importlib.import_module(name)


def test_no_import_inside_a_function():
    found = []
    for name, path in MODULES.items():
        if name in FACTORY:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if imported(node, name):
                    found.append(f"{name}:{node.lineno}")
    assert found == []


def module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level, where a circle would bite
            for target in imported(node, name):
                if target in MODULES and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circle():
    assert circles(module_graph()) == []


def test_the_circle_finder_finds_one():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_courses_quizzes_and_attendance_do_not_import_the_completion_rule():
    graph = module_graph()
    for name, targets in graph.items():
        if name.startswith(("lms.courses", "lms.quizzes", "lms.attendance")):
            assert not {t for t in targets if t.startswith("lms.certificates")}, name


def feature_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_views(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 2 and parts[2] == "views"


def test_no_feature_imports_another_features_views():
    """A feature calls another's services, never its views (DESIGN.md): the page a commander's
    home shares with the dashboard is ``reports.pages``, not ``reports.views``."""
    graph = module_graph()
    found = [
        f"{importer} -> {target}"
        for importer, targets in graph.items()
        if importer not in FACTORY
        for target in targets
        if is_views(target) and feature_of(target) != feature_of(importer)
    ]
    assert found == []


def test_the_views_rule_sees_a_views_import():
    assert is_views("lms.reports.views") and is_views("lms.quizzes.views.taking")
    assert not is_views("lms.reports.pages")
    assert feature_of("lms.home.views") != feature_of("lms.reports.views")


def test_views_build_no_sql():
    """Pages ask services and queries modules; no view module imports SQLAlchemy (not even for
    a ``where`` fragment), so what a page reads is in one place, testable without a request."""
    found = []
    for name, path in MODULES.items():
        if not is_views(name):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            module = ""
            if isinstance(node, ast.ImportFrom) and node.module:
                module = node.module
            elif isinstance(node, ast.Import):
                module = " ".join(alias.name for alias in node.names)
            if "sqlalchemy" in module:
                found.append(f"{name}:{node.lineno}")
    assert found == []
