"""One exception tree: every error the service raises on purpose is defined in
``service/errors.py``, drawn in its docstring, and has one HTTP status in ``service/api/problems.py``."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import service
from service import errors
from service.api.problems import STATUS_BY_ERROR, retry_headers, status_for


def _service_modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages(service.__path__, "service.")
        # migrations run as Alembic scripts, not as importable modules
        if ".migrations." not in info.name
    ]


def _all_error_classes() -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for name in _service_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__.startswith("service")
            ):
                found.add(value)
    return found


def test_every_service_exception_is_defined_in_errors() -> None:
    outside = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _all_error_classes()
        if cls.__module__ != "service.errors"
    )
    assert outside == [], "define these in service/errors.py and draw them in its tree"


def test_every_error_derives_from_tessera_error() -> None:
    strays = [
        cls.__name__ for cls in _all_error_classes() if not issubclass(cls, errors.TesseraError)
    ]
    assert strays == []


def test_the_docstring_draws_the_whole_tree_with_its_real_parents() -> None:
    doc = errors.__doc__ or ""
    lines = [line for line in doc.splitlines() if re.search(r"(├──|└──|^\s+TesseraError)", line)]
    drawn: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in lines:
        name = re.search(r"(\w+)", line.split("──")[-1]).group(1)  # type: ignore[union-attr]
        depth = line.find("──") if "──" in line else 0
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            drawn[name] = stack[-1][1]
        stack.append((depth, name))
    classes = {
        name: value
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.TesseraError)
    }
    assert set(drawn) | {"TesseraError"} == set(classes)
    for name, parent in drawn.items():
        assert classes[name].__bases__ == (classes[parent],), name


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ValidationFailed("x"), 422),
        (errors.NotJsonError("x"), 422),
        (errors.UnreadableInput("empty"), 422),
        (errors.StatusListError("RANGE_ERROR", "x"), 422),
        (errors.ConflictError("x"), 409),
        (errors.NotFoundError("x"), 404),
        (errors.WalletNotFound("x"), 404),
        (errors.WalletLinkRevoked("x"), 410),
        (errors.AuthenticationError("x"), 401),
        (errors.PermissionDeniedError("x"), 403),
        (errors.PayloadTooLarge(10), 413),
        (errors.RateLimited(2.5), 429),
        (errors.VerifierBusy(), 503),
        (errors.FetchError("x"), 502),
        (errors.WrongPassphraseError("x"), 503),
        (errors.ConfigurationError("x"), 503),
        (errors.TesseraError("x"), 500),
    ],
)
def test_one_status_per_error(error: errors.TesseraError, status: int) -> None:
    assert status_for(error) == status


def test_a_subclass_comes_before_its_parent_in_the_map() -> None:
    for i, (cls, _status) in enumerate(STATUS_BY_ERROR):
        for parent, _ in STATUS_BY_ERROR[:i]:
            assert not issubclass(cls, parent), f"{cls.__name__} is shadowed by {parent.__name__}"


def test_waiting_errors_say_how_long() -> None:
    assert retry_headers(errors.RateLimited(2.1)) == {"Retry-After": "3"}
    assert retry_headers(errors.VerifierBusy(4)) == {"Retry-After": "4"}
    assert retry_headers(errors.PayloadTooLarge(10)) == {}
