"""The house plan: no import circle, fakes only under testing/, one answer per registered task."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hf_tools
from hf_tools.tasks import TASKS
from hf_tools.testing.answers import ANSWERS

ROOT = Path(hf_tools.__file__).parent.parent
PACKAGES = ("hf_tools",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every hf_tools module this one imports when it runs (function-level imports included)."""
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
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _graph() -> dict[str, set[str]]:
    modules = {
        _module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "__pycache__" not in p.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for target in _imports(ast.parse(path.read_text()), name, path.name == "__init__.py"):
            parts = target.split(".")
            # importing a.b.c runs the packages a.b and a.b.c too (a module's own parents are already running)
            for i in range(2, len(parts) + 1):
                dep = ".".join(parts[:i])
                if dep in modules and dep != name and not name.startswith(dep + "."):
                    edges.add(dep)
        graph[name] = edges
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (found := dfs(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := dfs(node)):
            return found
    return None


def test_no_import_circle_not_even_through_a_function_level_import() -> None:
    assert _cycle(_graph()) is None


def test_production_code_never_imports_testing() -> None:
    """Only the CLI's ``serve``/``demo`` commands (they run the loopback server) may reach testing/."""
    graph = _graph()
    offenders = {
        (name, dep)
        for name, deps in graph.items()
        if not name.startswith(("hf_tools.testing", "hf_tools.cli"))
        for dep in deps
        if dep.startswith("hf_tools.testing")
    }
    assert offenders == set()


def test_every_registered_task_has_a_loopback_answer() -> None:
    assert set(ANSWERS) == set(TASKS)


def test_importing_the_registry_loads_no_fake_data() -> None:
    code = "import sys, hf_tools.tasks, hf_tools.runnables; print(sorted(m for m in sys.modules if 'testing' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
