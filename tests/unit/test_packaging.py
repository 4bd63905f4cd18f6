"""Every package the code imports is declared in pyproject.toml, so `pip install .` (and
`pip install -e '.[dev]'` for the tests) brings it on a fresh machine."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(*groups: str) -> set[str]:
    requirements = list(PYPROJECT["project"]["dependencies"])
    for group in groups:
        requirements += PYPROJECT["project"]["optional-dependencies"][group]
    return {_normalized(re.match(r"[A-Za-z0-9._-]+", r).group()) for r in requirements}  # type: ignore[union-attr]


def _imported(folder: str) -> dict[str, Path]:
    """Top-level third-party modules imported under ``folder``, each with one file importing it."""
    # The project's own modules (tests and benchmarks import the tests' helpers, and one
    # benchmark another's, by name).
    local = {p.stem for p in [*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").glob("*.py")]} | {
        "service",
        "cli",
        "tests",
        "conformance",
    }
    found: dict[str, Path] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in local:
                    found.setdefault(top, path)
    return found


@pytest.mark.parametrize(
    ("folder", "groups"),
    [
        ("service", ()),
        ("cli", ()),
        ("tests", ("dev",)),
        ("bench", ("dev",)),
        ("conformance", ("dev",)),
    ],
)
def test_every_imported_package_is_declared(folder: str, groups: tuple[str, ...]) -> None:
    declared = _declared(*groups)
    distributions = importlib.metadata.packages_distributions()
    undeclared = {
        module: str(path.relative_to(ROOT))
        for module, path in _imported(folder).items()
        if not {_normalized(d) for d in distributions.get(module, [module])} & declared
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_every_data_file_in_service_ships_in_the_wheel() -> None:
    """A template, catalog, font or schema that the package-data globs miss works from a
    checkout and is missing from an installed wheel (.ci/wheel-smoke tests a real one)."""
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]
    shipped: set[Path] = set()
    for package, patterns in package_data.items():
        folder = (
            ROOT / "schemas" if package == "service.schemas" else ROOT / package.replace(".", "/")
        )
        for pattern in patterns:
            shipped.update(p.resolve() for p in folder.glob(pattern) if p.is_file())
    data_files = {
        p.resolve()
        for p in (ROOT / "service").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    } | {p.resolve() for p in (ROOT / "schemas").rglob("*") if p.is_file()}
    missing = sorted(str(p.relative_to(ROOT)) for p in data_files - shipped)
    assert not missing, f"add these to [tool.setuptools.package-data] in pyproject.toml: {missing}"
