"""The packages keep the dependency line of docs/architecture.md: nothing imports upwards.

The line is written once, as the import-linter contract in pyproject.toml; `lint-imports`
checks every module against it (function-level imports included) and names the importing
module, the imported one and the line."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LINE = PROJECT["tool"]["importlinter"]["contracts"][0]["layers"]


def test_no_package_imports_one_above_it():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_every_package_is_on_the_line_and_installed():
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests", "migrations"}
    assert set(LINE) == packages
    assert set(PROJECT["tool"]["importlinter"]["root_packages"]) == packages
    # `pip install .` ships only the packages pyproject.toml names.
    assert set(PROJECT["tool"]["setuptools"]["packages"]) == packages
