"""The package layout: imports point down the layers, and the wheel installs only `pix2fact`."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Folder -> (installed package, packages of ours it must not import).
LAYERS = {
    "tools": ("pix2fact.tools", ("pix2fact.tasks", "pix2fact.agents", "pix2fact.engine")),
    "tasks": ("pix2fact.tasks", ("pix2fact.agents", "pix2fact.engine")),
    "pix2fact": ("pix2fact", ("pix2fact.agents",)),
}
SUBPACKAGES = ("pix2fact.tools", "pix2fact.tasks", "pix2fact.agents")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


# The exception tree imports nothing and sits below every layer, so any layer may raise its errors.
SHARED = ("pix2fact.errors",)


def layer_of(module: str) -> str:
    """Map an imported module to its layer; engine modules are `pix2fact.*` outside the subpackages."""
    if module in SHARED:
        return "shared"
    for package in SUBPACKAGES:
        if module == package or module.startswith(package + "."):
            return package
    if module == "pix2fact" or module.startswith("pix2fact."):
        return "pix2fact.engine"
    return "external"


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_imports_point_down(folder):
    _, forbidden = LAYERS[folder]
    offences = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for module in imported_modules(path):
            if layer_of(module) in forbidden:
                offences.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offences == []


def test_shared_errors_module_imports_nothing_of_ours():
    assert [module for module in imported_modules(ROOT / "pix2fact" / "errors.py") if module.startswith("pix2fact")] == []


def test_no_bare_imports_of_top_level_folders():
    offences = []
    for folder in ("pix2fact", "agents", "tools", "tasks", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for module in imported_modules(path):
                if module.split(".")[0] in ("agents", "tools", "tasks"):
                    offences.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offences == []


@pytest.mark.slow
def test_wheel_has_no_top_level_agents_tools_or_tasks(tmp_path):
    # Build from a clean copy: setuptools reuses ./build, where modules since moved or deleted
    # would linger and end up in the wheel.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "results", "__pycache__"))
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]

    wheel = next(tmp_path.glob("pix2fact-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith((".dist-info", ".data"))}

    assert top_level == {"pix2fact"}
    for module in ("pix2fact/agents/__init__.py", "pix2fact/tools/base.py", "pix2fact/tools/browser/loader.py", "pix2fact/tasks/model.py", "pix2fact/loop.py", "pix2fact/report/style.css", "pix2fact/models/prices.json"):
        assert module in names
