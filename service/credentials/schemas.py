"""Request validation against the JSON Schemas in ``schemas/`` (draft 2020-12).

Every error is reported at once, with its JSON path, so a provider can fix a request in one
go. Personal data that must never enter a credential (nationality, legal or asylum status,
date of birth, address, photo) gets its own explanation instead of a generic
"additional property" message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from service.contexts import SCHEMAS_DIR
from service.errors import ValidationFailed

#: Keys refused anywhere in a request, lower-cased and without separators.
SENSITIVE_KEYS = frozenset(
    {
        "nationality",
        "citizenship",
        "countryoforigin",
        "birthcountry",
        "placeofbirth",
        "birthplace",
        "dateofbirth",
        "birthdate",
        "dob",
        "age",
        "address",
        "streetaddress",
        "postaladdress",
        "homeaddress",
        "residence",
        "legalstatus",
        "asylumstatus",
        "immigrationstatus",
        "residencestatus",
        "refugeestatus",
        "visastatus",
        "visa",
        "passport",
        "passportnumber",
        "nationalid",
        "photo",
        "portrait",
        "picture",
        "gender",
        "sex",
        "religion",
        "ethnicity",
        "phone",
        "email",
        "telephone",
    }
)


@cache
def validator(name: str) -> Draft202012Validator:
    """The compiled validator for ``schemas/<name>.schema.json``."""
    schema = json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _path(parts: Any) -> str:
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def find_sensitive(value: Any, path: str = "$") -> list[dict[str, str]]:
    """Every key in ``value`` (recursively) that names personal data we never record."""
    found: list[dict[str, str]] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}"
            normal = "".join(ch for ch in str(key).lower() if ch.isalnum())
            if normal in SENSITIVE_KEYS:
                found.append(
                    {
                        "path": here,
                        "message": f"'{key}' is personal data that Tessera never records or puts "
                        "in a credential. A credential states the achievement, not the person's "
                        "story: remove this field.",
                    }
                )
            else:
                found.extend(find_sensitive(item, here))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(find_sensitive(item, f"{path}[{index}]"))
    return found


def validate(name: str, instance: Any, *, what: str) -> None:
    """Raise :class:`ValidationFailed` listing every problem of ``instance`` against schema ``name``."""
    errors = find_sensitive(instance)
    sensitive_paths = {e["path"] for e in errors}
    for error in sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = _path(error.absolute_path)
        if error.validator == "additionalProperties":
            extras = [k for k in error.instance if k not in error.schema.get("properties", {})]
            extras = [k for k in extras if f"{path}.{k}" not in sensitive_paths]
            if not extras:
                continue
            message = (
                f"unknown field(s) {', '.join(repr(k) for k in extras)}; allowed: "
                + ", ".join(sorted(error.schema.get("properties", {})))
            )
        elif error.validator == "pattern" and error.schema.get("description"):
            # A regular expression says nothing to a provider; the field's description does.
            message = f"{error.instance!r} does not fit. Expected: {error.schema['description']}"
        else:
            message = error.message
        errors.append({"path": path, "message": message})
    if errors:
        summary = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise ValidationFailed(f"The {what} is not valid: {summary}{more}", errors)


__all__ = ["SENSITIVE_KEYS", "find_sensitive", "validate", "validator"]
