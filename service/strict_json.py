"""Strict JSON reading for everything a verifier is handed: one reading, the one every other
reader would also see.

RFC 8259 leaves duplicate member names, ``NaN``/``Infinity`` and unpaired surrogates to the
implementation, and implementations disagree: Python keeps the last duplicate, other readers
the first, so a credential with two ``credentialSubject`` members can show one thing to the
verifier and another to a person. I-JSON (RFC 7493 §2) forbids all three, and so does this
reader; every input route (API, page upload, CLI) reads through :func:`loads_strict`.
"""

from __future__ import annotations

import json
from typing import Any

from service.errors import NotJsonError, StrictJsonError


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise StrictJsonError(
                f"The member {key!r} appears twice in one object; readers disagree on which one "
                "counts, so the input is refused. Send the file exactly as it was issued."
            )
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise StrictJsonError(f"{name} is not a JSON number; the input is refused.")


def _check_strings(value: Any) -> None:
    """Refuse unpaired surrogates (``"\\ud800"``), iteratively (the depth is bounded later)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts: list[str] = [item]
        elif isinstance(item, dict):
            texts = list(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise StrictJsonError(
                    "The input holds an unpaired UTF-16 surrogate (a broken \\uD800-\\uDFFF "
                    "escape), which is not text; the input is refused."
                ) from None


def loads_strict(raw: bytes | str) -> Any:
    """Parse ``raw`` as I-JSON: UTF-8 only, no duplicate member names, no ``NaN`` or
    ``Infinity``, no unpaired surrogates. Raises :class:`StrictJsonError` (a
    ``PARSING_ERROR``) naming the problem; ``RecursionError`` passes through for the caller's
    depth message."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StrictJsonError(
                f"The input is not UTF-8 text (byte {exc.start} is invalid); save the file as "
                "UTF-8 and send it again."
            ) from None
    else:
        text = raw
    text = text.removeprefix("\ufeff")
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise NotJsonError(
            f"The input is not valid JSON (line {exc.lineno}, column {exc.colno}): upload the "
            "credential's .json file."
        ) from None
    _check_strings(value)
    return value


__all__ = ["loads_strict"]
