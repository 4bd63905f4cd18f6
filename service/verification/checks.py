"""The credential checks, one function each: a document (and what the check needs) in, a
:class:`Check` out. :mod:`service.verification.pipeline` runs them in order.

The signature checks (``proof``, ``issuer``) are in :mod:`service.verification.signature`.
Each check returns ``passed``, ``failed`` or ``unknown`` with a sentence a person can read, and
never raises for bad input. Nothing here reads the clock, the network or a database: time is
an argument (``now``) and collaborators (context store, suites, resolver, status checker) are
passed in. Dates are read and worded by :mod:`service.dates`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from service.contexts import CREDENTIALS_V1, CREDENTIALS_V2, ContextStore
from service.dates import format_utc, parse_datetime, validity_fields
from service.errors import (
    VC_DM,
    InputError,
    StrictJsonError,
    TesseraError,
)
from service.parties import issuer_of
from service.proofs.data_integrity import proofs_of
from service.proofs.limits import Limits, check_structure
from service.strict_json import loads_strict

Status = Literal["passed", "failed", "unknown"]
#: Bitstring Status List §3.6: the status list could not be retrieved (or was not at hand).
STATUS_RETRIEVAL_ERROR = "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR"
_MALFORMED = VC_DM + "MALFORMED_VALUE_ERROR"
_PARSING = VC_DM + "PARSING_ERROR"


@dataclass(frozen=True)
class Check:
    """One line of the verdict: which check, its outcome, and a sentence a person can read."""

    check: str
    status: Status
    detail: str
    problem_type: str | None = None

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status, "detail": self.detail}


StatusChecker = Callable[[Mapping[str, Any], datetime], Check]
TrustChecker = Callable[[str, datetime | None, datetime], Check]


def passed(check: str, detail: str) -> Check:
    return Check(check, "passed", detail)


def failed(check: str, detail: str, problem_type: str | None = None) -> Check:
    return Check(check, "failed", detail, problem_type)


def unknown(check: str, detail: str) -> Check:
    return Check(check, "unknown", detail)


# -- parse ------------------------------------------------------------------------------


def _too_big(size: int, max_bytes: int) -> Check:
    return failed(
        "parse",
        f"The input is {size} bytes; the limit is {max_bytes}. A credential is "
        "rarely more than a few kilobytes.",
        _PARSING,
    )


def check_parse(
    raw: bytes | str | Mapping[str, Any], *, max_bytes: int, limits: Limits
) -> tuple[Check, dict[str, Any] | None]:
    """The ``parse`` check: ``raw`` is a JSON object of bounded size and shape that looks
    like a VC. Returns the check and, when it passed, the document."""
    if isinstance(raw, (bytes, str)):
        size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
        if size > max_bytes:
            return _too_big(size, max_bytes), None
        try:
            document = loads_strict(raw)
        except StrictJsonError as exc:
            return failed("parse", str(exc), _PARSING), None
        except RecursionError:
            return failed("parse", "The input is nested too deeply to read.", _PARSING), None
    else:
        document = raw
    if not isinstance(document, Mapping):
        return failed("parse", "The input is JSON, but not a JSON object.", _PARSING), None
    try:
        check_structure(document, limits)
    except TesseraError as exc:
        return failed("parse", str(exc), exc.problem_type), None
    if not isinstance(raw, (bytes, str)):
        # An already-parsed document gets the same size bound as raw input (after the
        # structure check, so serializing it is bounded too).
        try:
            size = len(json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        except (TypeError, ValueError):  # NaN/Infinity, lone surrogates, non-JSON objects
            return failed("parse", "The input holds values that are not JSON.", _PARSING), None
        if size > max_bytes:
            return _too_big(size, max_bytes), None
    missing = [k for k in ("@context", "type", "issuer", "credentialSubject") if k not in document]
    types = document.get("type")
    type_list = types if isinstance(types, list) else [types]
    if missing:
        return failed(
            "parse",
            "This is not a verifiable credential: it has no " + ", ".join(missing) + ".",
            _MALFORMED,
        ), None
    if "VerifiableCredential" not in type_list:
        return failed(
            "parse", "The type list does not include 'VerifiableCredential'.", _MALFORMED
        ), None
    if not issuer_of(document):
        return failed(
            "parse", "The issuer must be a URL or an object with an 'id' URL.", _MALFORMED
        ), None
    subject_problem = _subject_problem(document.get("credentialSubject"))
    if subject_problem is not None:
        return failed("parse", subject_problem, _MALFORMED), None
    return passed("parse", "The credential is well-formed JSON."), dict(document)


def _subject_problem(subject: Any) -> str | None:
    """Why ``credentialSubject`` is unusable (VC 2.0 §4.8: one or more objects, each stating
    something), or None."""
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects:
        return "credentialSubject is an empty list: the credential states nothing about anyone."
    for item in subjects:
        if not isinstance(item, Mapping):
            return "credentialSubject must be an object (or a list of objects)."
        if not item:
            return "credentialSubject is empty: the credential states nothing about anyone."
    return None


# -- context ----------------------------------------------------------------------------


def check_contexts(
    document: Mapping[str, Any], *, contexts: ContextStore, allow_inline: bool
) -> Check:
    """The ``context`` check: the first ``@context`` is VC 2.0 (or 1.1) and every context, at
    the top or embedded below it, is a pinned, trusted and installed URL (inline objects only
    when ``allow_inline``). Used for presentations too."""
    top = document.get("@context")
    items = top if isinstance(top, list) else [top]
    # The VC 2.0 rule is about the credential's own first context, not a proof's.
    first = items[0] if items else None
    # Contexts embedded anywhere below the top (a proof's, or a nested object's) change the
    # meaning of terms just as much, so they get the same rules.
    for extra in _embedded_contexts(document):
        items = [*items, *(extra if isinstance(extra, list) else [extra])]
    if first not in (CREDENTIALS_V2, CREDENTIALS_V1):
        return failed(
            "context",
            f"The first @context must be {CREDENTIALS_V2} (VC Data Model 2.0) or "
            f"{CREDENTIALS_V1} (VC Data Model 1.1); it is {first!r}.",
            _MALFORMED,
        )
    for item in items:
        if isinstance(item, str):
            if not contexts.is_trusted(item):
                return failed(
                    "context",
                    f"The context {item} is not on this verifier's list of trusted contexts, so "
                    "the meaning of the credential's terms cannot be fixed.",
                    _MALFORMED,
                )
            if not contexts.is_installed(item):
                return unknown(
                    "context",
                    f"The trusted context {item} is not installed here: run `tessera contexts install`.",
                )
        elif isinstance(item, Mapping):
            if not allow_inline:
                return failed(
                    "context",
                    "The credential defines terms in an inline @context object; only published, "
                    "pinned context URLs are accepted.",
                    _MALFORMED,
                )
        else:
            return failed("context", f"@context entry {item!r} is not a URL.", _MALFORMED)
    return passed("context", "Every context is a pinned, trusted document.")


def _embedded_contexts(document: Mapping[str, Any]) -> list[Any]:
    """The ``@context`` values of every object below the top level (iterative; the
    structure is already bounded by the parse check)."""
    found: list[Any] = []
    stack: list[Any] = [v for k, v in document.items() if k != "@context"]
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            if "@context" in value:
                found.append(value["@context"])
            stack.extend(v for k, v in value.items() if k != "@context")
        elif isinstance(value, list):
            stack.extend(value)
    return found


# -- proof ------------------------------------------------------------------------------


def _safe_proofs(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    try:
        return proofs_of(document)
    except InputError:
        return []


# -- validity ---------------------------------------------------------------------------


def check_validity(document: Mapping[str, Any], *, now: datetime, clock_skew: timedelta) -> Check:
    """The ``validity`` check: the validity period and each proof's ``created``/``expires``
    against ``now``, allowing ``clock_skew`` either way."""
    problem = VC_DM + "RANGE_ERROR"
    start_name, end_name = validity_fields(document)
    if start_name == "issuanceDate" and "issuanceDate" not in document:
        return failed(
            "validity",
            "A VC 1.1 credential must state its issuanceDate; this one does not.",
            _MALFORMED,
        )
    fields = {start_name: document.get(start_name), end_name: document.get(end_name)}
    parsed: dict[str, datetime] = {}
    for name, raw in fields.items():
        if raw is None:
            continue
        moment = parse_datetime(raw, require_offset=True)
        if moment is None:
            return failed(
                "validity",
                f"{name} {raw!r} is not a date-time with a time-zone offset, like "
                "2025-01-31T00:00:00Z (a time without an offset means different moments in "
                "different places).",
                _MALFORMED,
            )
        parsed[name] = moment
    start, end = parsed.get(start_name), parsed.get(end_name)
    if start and end and end < start:
        return failed("validity", f"{end_name} is before {start_name}.", problem)
    if start and start > now + clock_skew:
        return failed(
            "validity",
            f"The credential is not valid yet: it becomes valid on {format_utc(start, 'minute')}.",
            problem,
        )
    if end and end < now - clock_skew:
        return failed(
            "validity", f"The credential expired on {format_utc(end, 'minute')}.", problem
        )
    for proof in _safe_proofs(document):
        created_raw = proof.get("created")
        if created_raw is None:
            continue
        created = parse_datetime(created_raw, require_offset=True)
        if created is None:
            return failed(
                "validity",
                f"The proof's created date {created_raw!r} is not a date-time with a time-zone "
                "offset (like 2025-01-31T00:00:00Z).",
                _MALFORMED,
            )
        if created > now + clock_skew:
            return failed(
                "validity",
                f"The signature claims to be made in the future ({format_utc(created, 'minute')}).",
                problem,
            )
        expires = parse_datetime(proof.get("expires"))
        if expires and expires < now - clock_skew:
            return failed(
                "validity", f"The signature expired on {format_utc(expires, 'minute')}.", problem
            )
    if start and end:
        detail = f"Valid from {format_utc(start, 'minute')} until {format_utc(end, 'minute')}."
    elif start:
        detail = f"Valid since {format_utc(start, 'minute')}, with no end date."
    else:
        detail = "The credential states no validity period."
    return passed("validity", detail)


# -- status -----------------------------------------------------------------------------


def check_status(
    document: Mapping[str, Any],
    *,
    checker: StatusChecker | None,
    now: datetime,
    proof: Check | None,
) -> Check:
    """The ``status`` check: passed when there is nothing to check, else the checker's answer;
    without a checker, ``unknown`` with a ``STATUS_RETRIEVAL_ERROR`` (fail closed)."""
    if document.get("credentialStatus") in (None, []):
        return passed("status", "The credential has no status entry: it cannot be revoked.")
    if proof is None or proof.status != "passed":
        return unknown("status", "Not checked: the signature was not verified.")
    if checker is None:
        return Check(
            "status",
            "unknown",
            "The credential has a revocation status, and no status list was at hand to check it.",
            STATUS_RETRIEVAL_ERROR,
        )
    return checker(document, now)


__all__ = [
    "STATUS_RETRIEVAL_ERROR",
    "Check",
    "Status",
    "StatusChecker",
    "TrustChecker",
    "check_contexts",
    "check_parse",
    "check_status",
    "check_validity",
    "failed",
    "passed",
    "unknown",
]
