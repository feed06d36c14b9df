"""The packages keep the dependency line of docs/architecture.md: nothing imports upwards."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = ["core", "centers", "catalogue", "partners", "cases", "intake", "appointments", "referrals",
        "outreach",
        "reports", "api", "perf"]


def imported_modules(tree: ast.AST):
    """(line, module) for every absolute import in the module, function-level ones included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def test_no_package_imports_one_above_it():
    rank = {package: position for position, package in enumerate(LINE)}
    upward = []
    for package in LINE:
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
                target = module.split(".")[0]
                if rank.get(target, -1) > rank[package]:
                    upward.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert upward == []


def test_every_package_is_on_the_line_and_installed():
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests", "migrations"}
    assert packages == set(LINE)
    # `pip install .` ships only the packages pyproject.toml names.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(project["tool"]["setuptools"]["packages"]) == packages
