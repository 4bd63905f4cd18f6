"""The public surface is curated: each package's ``__init__.py`` names in ``__all__`` exactly the
public names it holds (as encode/httpx's tests/test_exported_members.py pins httpx's), and a
module's ``__all__`` names only what it defines or imports."""

from __future__ import annotations
import __future__

import importlib
import pkgutil
from types import ModuleType

import pytest

import cli
import service


def _walk(package: ModuleType) -> list[pkgutil.ModuleInfo]:
    return [
        info
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
        # Alembic runs the migrations as scripts; they are not importable modules
        if ".migrations" not in info.name
    ]


PACKAGES = [
    "service",
    "cli",
    *sorted(info.name for root in (service, cli) for info in _walk(root) if info.ispkg),
]
MODULES = sorted(info.name for root in (service, cli) for info in _walk(root) if not info.ispkg)


def _own_public_names(package: ModuleType) -> list[str]:
    """The public names a package holds that are its own: defined in it or in one of its
    modules (not ``Any`` or a class it imports from a library to use)."""
    prefix = package.__name__
    return sorted(
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and not isinstance(value, (ModuleType, __future__._Feature))
        and (getattr(value, "__module__", None) or "").partition(".")[0] in ("service", "cli")
        and (
            getattr(value, "__module__", "") == prefix
            or getattr(value, "__module__", "").startswith(prefix + ".")
            or not callable(value)
        )
    )


@pytest.mark.parametrize("name", PACKAGES)
def test_a_package_exports_exactly_its_public_names(name: str) -> None:
    package = importlib.import_module(name)
    exported = getattr(package, "__all__", None)
    assert exported is not None, f"{name}/__init__.py names no __all__"
    missing = [member for member in exported if not hasattr(package, member)]
    assert missing == [], f"{name}: __all__ names what the package does not have"
    unlisted = sorted(set(_own_public_names(package)) - set(exported))
    assert unlisted == [], (
        f"{name}: public names of its own that __all__ does not list (export them on purpose, "
        "or make them private)"
    )


@pytest.mark.parametrize("name", MODULES)
def test_a_module_exports_only_what_it_has(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", [])
    assert len(set(exported)) == len(exported), f"{name}: __all__ repeats a name"
    missing = [member for member in exported if not hasattr(module, member)]
    assert missing == [], f"{name}: __all__ names what it does not have"


def test_the_walk_found_the_house() -> None:
    assert {"service.api", "service.app", "service.verification", "service.store"} <= set(PACKAGES)
    assert "service.errors" in MODULES and "cli.main" in MODULES
