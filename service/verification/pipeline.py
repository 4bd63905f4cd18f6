"""The verification pipeline: a credential in, a :class:`VerificationResult` out, never a traceback.

Checks run in a fixed order and each yields ``passed``, ``failed`` or ``unknown``:

``parse``     the input is a JSON object of a bounded size and shape, and looks like a VC
``context``   ``@context`` starts with VC 2.0 (or VC 1.1, for credentials already in
              circulation) and every entry is a pinned, trusted URL
``proof``     every Data Integrity proof verifies (eddsa-rdfc-2022, eddsa-jcs-2022, Ed25519Signature2020)
``issuer``    each proof's key is controlled by the credential's issuer, as an assertionMethod
``validity``  validFrom / validUntil (VC 1.1: issuanceDate / expirationDate) / proof
              ``created`` against ``now`` with a clock skew
``status``    revocation / suspension (a :class:`StatusChecker` supplies it); passed when the
              credential has no ``credentialStatus``, unknown (a ``STATUS_RETRIEVAL_ERROR``)
              when the list could not be had
``trust``     the issuer is recognized (a :class:`TrustChecker` supplies it; else unknown)

``verified`` is true only when no check failed and ``proof``, ``issuer``, ``validity`` and
``status`` passed (fail closed: a status nobody could check is not a pass). Time is an
argument (``now``); nothing here reads the clock, the network or a database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from service.contexts import CREDENTIALS_V1, CREDENTIALS_V2, ContextStore
from service.dids import Resolver
from service.errors import (
    VC_DM,
    CanonicalizationError,
    DidResolutionError,
    InputError,
    InvalidSignature,
    StrictJsonError,
    TesseraError,
    UnsupportedProofError,
)
from service.proofs.canonical import DEFAULT_LIMITS, Limits, check_structure
from service.proofs.data_integrity import Cryptosuite, VerifiedProof, proofs_of, verify_proof
from service.strict_json import loads_strict

Status = Literal["passed", "failed", "unknown"]
CHECK_IDS = ("parse", "context", "proof", "issuer", "validity", "status", "trust")
REQUIRED_TO_PASS = ("proof", "issuer", "validity", "status")
#: Checks a caller may skip (VC-API ``options.checks`` lists the ones to run); ``parse`` and
#: ``context`` always run: nothing else means anything without them.
SKIPPABLE = ("proof", "issuer", "validity", "status", "trust")
#: Bitstring Status List §3.6: the status list could not be retrieved (or was not at hand).
STATUS_RETRIEVAL_ERROR = "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR"


@dataclass(frozen=True)
class Check:
    """One line of the verdict: which check, its outcome, and a sentence a person can read."""

    check: str
    status: Status
    detail: str
    problem_type: str | None = None

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status, "detail": self.detail}


@dataclass(frozen=True)
class VerificationResult:
    """The whole verdict. Render it as it is (JSON, HTML, terminal); do not re-derive it.

    ``skipped`` names the checks the caller asked not to run (VC-API ``options.checks``).
    """

    verified: bool
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None = None
    issuer: str | None = None
    skipped: tuple[str, ...] = ()

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.check == check_id)

    @property
    def problem_details(self) -> list[dict[str, str]]:
        """VC-API ``problemDetails``: one entry per failed check, and a
        ``STATUS_RETRIEVAL_ERROR`` when the status could not be checked (which alone keeps
        ``verified`` false)."""
        details = [
            {
                "type": c.problem_type or VC_DM + "MALFORMED_VALUE_ERROR",
                "title": f"{c.check} check failed",
                "detail": c.detail,
            }
            for c in self.checks
            if c.status == "failed"
        ]
        status = self.check("status")
        if status.status == "unknown" and status.problem_type == STATUS_RETRIEVAL_ERROR:
            details.append(
                {
                    "type": STATUS_RETRIEVAL_ERROR,
                    "title": "status could not be checked",
                    "detail": status.detail,
                }
            )
        return details

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verified": self.verified,
            "checks": [c.to_json() for c in self.checks],
            "problemDetails": self.problem_details,
        }
        if self.skipped:
            out["skippedChecks"] = list(self.skipped)
        return out


def verdict_is_verified(checks: Mapping[str, Check], skipped: Sequence[str] = ()) -> bool:
    """The one rule for ``verified``: no check failed, and proof, issuer, validity and status
    passed (unless the caller skipped them). Trust may be unknown: it colours the page, not
    the answer."""
    return all(c.status != "failed" for c in checks.values()) and all(
        checks[c].status == "passed" for c in REQUIRED_TO_PASS if c not in skipped
    )


StatusChecker = Callable[[Mapping[str, Any], datetime], Check]
TrustChecker = Callable[[str, datetime | None, datetime], Check]


@dataclass(frozen=True)
class Verifier:
    """The collaborators and policy a verification runs with.

    ``status`` and ``trust`` are optional: without them those checks are ``unknown``.
    """

    contexts: ContextStore
    suites: Sequence[Cryptosuite]
    resolver: Resolver
    limits: Limits = DEFAULT_LIMITS
    max_bytes: int = 256 * 1024
    clock_skew: timedelta = timedelta(minutes=5)
    allow_inline_contexts: bool = False
    status: StatusChecker | None = None
    trust: TrustChecker | None = None


def verify_credential(
    credential: bytes | str | Mapping[str, Any],
    *,
    verifier: Verifier,
    now: datetime,
    skip: Sequence[str] = (),
) -> VerificationResult:
    """Run every check on ``credential`` at time ``now`` and return the verdict.

    ``skip`` names checks from :data:`SKIPPABLE` not to run; they are reported ``unknown`` and
    listed in ``result.skipped``, and ``verified`` no longer waits for them.
    """
    skipped = tuple(c for c in SKIPPABLE if c in skip)
    checks: dict[str, Check] = {}
    document = _parse(credential, verifier, checks)
    if document is not None:
        _check_contexts(document, verifier, checks)
    verified_proofs: list[VerifiedProof] = []
    if document is not None and _passed_check(checks, "context"):
        verified_proofs = _check_proofs(document, verifier, checks)
    if document is not None:
        _check_issuer(document, verified_proofs, checks)
        _check_validity(document, verifier, now, checks)
        checks["status"] = _status(document, verifier, now, checks.get("proof"))
        issuer_id = issuer_of(document)
        checks["trust"] = (
            verifier.trust(issuer_id, _valid_from(document), now)
            if verifier.trust is not None and issuer_id and _passed_check(checks, "issuer")
            else _unknown("trust", "Whether a registry recognizes this issuer was not checked.")
        )
    for check_id in CHECK_IDS:
        checks.setdefault(check_id, _unknown(check_id, "Not checked: an earlier check failed."))
    for check_id in skipped:
        checks[check_id] = _unknown(check_id, "Skipped: the caller asked not to run this check.")
    return VerificationResult(
        verified=verdict_is_verified(checks, skipped),
        checks=tuple(checks[c] for c in CHECK_IDS),
        credential=document,
        issuer=issuer_of(document) if document is not None else None,
        skipped=skipped,
    )


def _status(
    document: Mapping[str, Any], verifier: Verifier, now: datetime, proof: Check | None
) -> Check:
    """The status check: passed when there is nothing to check, else the checker's answer;
    without a checker, ``unknown`` with a ``STATUS_RETRIEVAL_ERROR`` (fail closed)."""
    if document.get("credentialStatus") in (None, []):
        return _passed("status", "The credential has no status entry: it cannot be revoked.")
    if proof is None or proof.status != "passed":
        return _unknown("status", "Not checked: the signature was not verified.")
    if verifier.status is None:
        return Check(
            "status",
            "unknown",
            "The credential has a revocation status, and no status list was at hand to check it.",
            STATUS_RETRIEVAL_ERROR,
        )
    return verifier.status(document, now)


# -- individual checks ------------------------------------------------------------------


def _passed_check(checks: Mapping[str, Check], check_id: str) -> bool:
    """Whether ``check_id`` ran and passed (an earlier failure may have skipped it)."""
    found = checks.get(check_id)
    return found is not None and found.status == "passed"


def _passed(check: str, detail: str) -> Check:
    return Check(check, "passed", detail)


def _failed(check: str, detail: str, problem_type: str | None = None) -> Check:
    return Check(check, "failed", detail, problem_type)


def _unknown(check: str, detail: str) -> Check:
    return Check(check, "unknown", detail)


def _parse(
    raw: bytes | str | Mapping[str, Any], verifier: Verifier, checks: dict[str, Check]
) -> dict[str, Any] | None:
    parse_error = VC_DM + "PARSING_ERROR"
    if isinstance(raw, (bytes, str)):
        size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
        if size > verifier.max_bytes:
            checks["parse"] = _failed(
                "parse",
                f"The input is {size} bytes; the limit is {verifier.max_bytes}. A credential is "
                "rarely more than a few kilobytes.",
                parse_error,
            )
            return None
        try:
            document = loads_strict(raw)
        except StrictJsonError as exc:
            checks["parse"] = _failed("parse", str(exc), parse_error)
            return None
        except RecursionError:
            checks["parse"] = _failed(
                "parse", "The input is nested too deeply to read.", parse_error
            )
            return None
    else:
        document = raw
    if not isinstance(document, Mapping):
        checks["parse"] = _failed("parse", "The input is JSON, but not a JSON object.", parse_error)
        return None
    try:
        check_structure(document, verifier.limits)
    except TesseraError as exc:
        checks["parse"] = _failed("parse", str(exc), exc.problem_type)
        return None
    if not isinstance(raw, (bytes, str)):
        # An already-parsed document gets the same size bound as raw input (after the
        # structure check, so serializing it is bounded too).
        try:
            size = len(json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        except (TypeError, ValueError):  # NaN/Infinity, lone surrogates, non-JSON objects
            checks["parse"] = _failed(
                "parse", "The input holds values that are not JSON.", parse_error
            )
            return None
        if size > verifier.max_bytes:
            checks["parse"] = _failed(
                "parse",
                f"The input is {size} bytes; the limit is {verifier.max_bytes}. A credential is "
                "rarely more than a few kilobytes.",
                parse_error,
            )
            return None
    missing = [k for k in ("@context", "type", "issuer", "credentialSubject") if k not in document]
    types = document.get("type")
    type_list = types if isinstance(types, list) else [types]
    if missing:
        checks["parse"] = _failed(
            "parse",
            "This is not a verifiable credential: it has no " + ", ".join(missing) + ".",
            VC_DM + "MALFORMED_VALUE_ERROR",
        )
        return None
    if "VerifiableCredential" not in type_list:
        checks["parse"] = _failed(
            "parse",
            "The type list does not include 'VerifiableCredential'.",
            VC_DM + "MALFORMED_VALUE_ERROR",
        )
        return None
    if not issuer_of(document):
        checks["parse"] = _failed(
            "parse",
            "The issuer must be a URL or an object with an 'id' URL.",
            VC_DM + "MALFORMED_VALUE_ERROR",
        )
        return None
    subject_problem = _subject_problem(document.get("credentialSubject"))
    if subject_problem is not None:
        checks["parse"] = _failed("parse", subject_problem, VC_DM + "MALFORMED_VALUE_ERROR")
        return None
    checks["parse"] = _passed("parse", "The credential is well-formed JSON.")
    return dict(document)


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


def _check_contexts(
    document: Mapping[str, Any], verifier: Verifier, checks: dict[str, Check]
) -> None:
    contexts = document.get("@context")
    items = contexts if isinstance(contexts, list) else [contexts]
    # The VC 2.0 rule is about the credential's own first context, not a proof's.
    first = items[0] if items else None
    # Contexts embedded anywhere below the top (a proof's, or a nested object's) change the
    # meaning of terms just as much, so they get the same rules.
    for extra in _embedded_contexts(document):
        items = [*items, *(extra if isinstance(extra, list) else [extra])]
    problem = VC_DM + "MALFORMED_VALUE_ERROR"
    if first not in (CREDENTIALS_V2, CREDENTIALS_V1):
        checks["context"] = _failed(
            "context",
            f"The first @context must be {CREDENTIALS_V2} (VC Data Model 2.0) or "
            f"{CREDENTIALS_V1} (VC Data Model 1.1); it is {first!r}.",
            problem,
        )
        return
    for item in items:
        if isinstance(item, str):
            if not verifier.contexts.is_trusted(item):
                checks["context"] = _failed(
                    "context",
                    f"The context {item} is not on this verifier's list of trusted contexts, so "
                    "the meaning of the credential's terms cannot be fixed.",
                    problem,
                )
                return
            if not verifier.contexts.is_installed(item):
                checks["context"] = _unknown(
                    "context",
                    f"The trusted context {item} is not installed here: run `tessera contexts install`.",
                )
                return
        elif isinstance(item, Mapping):
            if not verifier.allow_inline_contexts:
                checks["context"] = _failed(
                    "context",
                    "The credential defines terms in an inline @context object; only published, "
                    "pinned context URLs are accepted.",
                    problem,
                )
                return
        else:
            checks["context"] = _failed(
                "context", f"@context entry {item!r} is not a URL.", problem
            )
            return
    checks["context"] = _passed("context", "Every context is a pinned, trusted document.")


def context_check(document: Mapping[str, Any], verifier: Verifier) -> Check:
    """The ``context`` check on its own, for documents other than credentials (presentations)."""
    checks: dict[str, Check] = {}
    _check_contexts(document, verifier, checks)
    return checks["context"]


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


def _safe_proofs(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    try:
        return proofs_of(document)
    except InputError:
        return []


def _check_proofs(
    document: Mapping[str, Any], verifier: Verifier, checks: dict[str, Check]
) -> list[VerifiedProof]:
    try:
        proofs = proofs_of(document)
    except InputError as exc:
        checks["proof"] = _failed("proof", str(exc), exc.problem_type)
        return []
    if not proofs:
        checks["proof"] = _failed(
            "proof",
            "The credential carries no proof: it was never signed.",
            VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR",
        )
        return []
    verified: list[VerifiedProof] = []
    for proof in proofs:
        try:
            verified.append(
                verify_proof(document, proof, suites=verifier.suites, resolver=verifier.resolver)
            )
        except InvalidSignature as exc:
            checks["proof"] = _failed(
                "proof",
                "The signature does not match the content: the credential was changed after it "
                f"was signed, or signed with another key. ({exc})",
                exc.problem_type,
            )
            return []
        except DidResolutionError as exc:
            checks["proof"] = _unknown("proof", f"The signing key could not be found: {exc}")
            return []
        except (CanonicalizationError, UnsupportedProofError, InputError) as exc:
            checks["proof"] = _failed("proof", str(exc), exc.problem_type)
            return []
    suites = sorted({v.suite for v in verified})
    checks["proof"] = _passed(
        "proof",
        f"{len(verified)} signature(s) verified ({', '.join(suites)}); the content is unchanged.",
    )
    return verified


def party_of(document: Mapping[str, Any], field: str) -> str | None:
    """The id (an absolute URI) of the party ``field`` names (``issuer``, ``holder``), whether
    its value is a string or an object with an ``id``; None when there is no usable id."""
    party = document.get(field)
    if isinstance(party, Mapping):
        party = party.get("id")
    return party if isinstance(party, str) and ":" in party else None


def issuer_of(document: Mapping[str, Any]) -> str | None:
    """The issuer's id, whether ``issuer`` is a string or an object."""
    return party_of(document, "issuer")


def _check_issuer(
    document: Mapping[str, Any], verified: list[VerifiedProof], checks: dict[str, Check]
) -> None:
    if not verified:
        checks["issuer"] = _unknown("issuer", "Not checked: no signature was verified.")
        return
    issuer = issuer_of(document)
    for proof in verified:
        method = proof.method
        if method.controller != issuer:
            checks["issuer"] = _failed(
                "issuer",
                f"The credential names {issuer} as issuer, but it was signed with a key controlled "
                f"by {method.controller}.",
                VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR",
            )
            return
        if "assertionMethod" not in method.relationships:
            checks["issuer"] = _failed(
                "issuer",
                f"The key {method.id} is not authorized by {issuer} to issue credentials "
                "(it is not listed under assertionMethod).",
                VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR",
            )
            return
        if method.revoked is not None:
            created = parse_datetime(proof.proof.get("created"), require_offset=True)
            if created is None or created >= method.revoked:
                when = f"made {human_datetime(created)}" if created else "with no creation date"
                checks["issuer"] = _failed(
                    "issuer",
                    f"The key {method.id} was declared compromised from "
                    f"{human_datetime(method.revoked)}, and this signature was {when}: anyone may "
                    "have made it. Ask the provider to issue the credential again.",
                    VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR",
                )
                return
    checks["issuer"] = _passed(
        "issuer", f"Signed by {issuer} with a key it authorizes for issuing."
    )


_DATETIME = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", re.IGNORECASE
)


def parse_datetime(value: Any, *, require_offset: bool = False) -> datetime | None:
    """An XML Schema dateTime as an aware datetime (UTC if no offset); None if not one, or
    (``require_offset``) if it names no offset: VC 2.0 dates are ``dateTimeStamp``s."""
    if not isinstance(value, str) or not (match := _DATETIME.match(value)):
        return None
    if require_offset and match.group(2) is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_vc11(document: Mapping[str, Any]) -> bool:
    """Whether ``document`` is a VC Data Model 1.1 credential (its first context is v1)."""
    contexts = document.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return first == CREDENTIALS_V1


def validity_fields(document: Mapping[str, Any]) -> tuple[str, str]:
    """The names of the start and end of the validity period: ``validFrom``/``validUntil``
    in VC 2.0, ``issuanceDate``/``expirationDate`` in VC 1.1 (§4.7 of the 1.1 model)."""
    return ("issuanceDate", "expirationDate") if is_vc11(document) else ("validFrom", "validUntil")


def _valid_from(document: Mapping[str, Any]) -> datetime | None:
    return parse_datetime(document.get(validity_fields(document)[0]))


def _check_validity(
    document: Mapping[str, Any], verifier: Verifier, now: datetime, checks: dict[str, Check]
) -> None:
    skew = verifier.clock_skew
    problem = VC_DM + "RANGE_ERROR"
    start_name, end_name = validity_fields(document)
    if start_name == "issuanceDate" and "issuanceDate" not in document:
        checks["validity"] = _failed(
            "validity",
            "A VC 1.1 credential must state its issuanceDate; this one does not.",
            VC_DM + "MALFORMED_VALUE_ERROR",
        )
        return
    fields = {start_name: document.get(start_name), end_name: document.get(end_name)}
    parsed: dict[str, datetime] = {}
    for name, raw in fields.items():
        if raw is None:
            continue
        moment = parse_datetime(raw, require_offset=True)
        if moment is None:
            checks["validity"] = _failed(
                "validity",
                f"{name} {raw!r} is not a date-time with a time-zone offset, like "
                "2025-01-31T00:00:00Z (a time without an offset means different moments in "
                "different places).",
                VC_DM + "MALFORMED_VALUE_ERROR",
            )
            return
        parsed[name] = moment
    start, end = parsed.get(start_name), parsed.get(end_name)
    if start and end and end < start:
        checks["validity"] = _failed("validity", f"{end_name} is before {start_name}.", problem)
        return
    if start and start > now + skew:
        checks["validity"] = _failed(
            "validity",
            f"The credential is not valid yet: it becomes valid on {human_datetime(start)}.",
            problem,
        )
        return
    if end and end < now - skew:
        checks["validity"] = _failed(
            "validity", f"The credential expired on {human_datetime(end)}.", problem
        )
        return
    for proof in _safe_proofs(document):
        created_raw = proof.get("created")
        if created_raw is None:
            continue
        created = parse_datetime(created_raw, require_offset=True)
        if created is None:
            checks["validity"] = _failed(
                "validity",
                f"The proof's created date {created_raw!r} is not a date-time with a time-zone "
                "offset (like 2025-01-31T00:00:00Z).",
                VC_DM + "MALFORMED_VALUE_ERROR",
            )
            return
        if created > now + skew:
            checks["validity"] = _failed(
                "validity",
                f"The signature claims to be made in the future ({human_datetime(created)}).",
                problem,
            )
            return
        expires = parse_datetime(proof.get("expires"))
        if expires and expires < now - skew:
            checks["validity"] = _failed(
                "validity", f"The signature expired on {human_datetime(expires)}.", problem
            )
            return
    if start and end:
        detail = f"Valid from {human_datetime(start)} until {human_datetime(end)}."
    elif start:
        detail = f"Valid since {human_datetime(start)}, with no end date."
    else:
        detail = "The credential states no validity period."
    checks["validity"] = _passed("validity", detail)


def human_datetime(moment: datetime) -> str:
    """``moment`` as a check's detail states it, to the minute in UTC (``2025-01-31 09:30
    UTC``): every route to a verdict words dates alike."""
    try:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        return moment.isoformat()


__all__ = [
    "CHECK_IDS",
    "REQUIRED_TO_PASS",
    "SKIPPABLE",
    "STATUS_RETRIEVAL_ERROR",
    "Check",
    "StatusChecker",
    "TrustChecker",
    "VerificationResult",
    "Verifier",
    "context_check",
    "human_datetime",
    "is_vc11",
    "issuer_of",
    "parse_datetime",
    "party_of",
    "validity_fields",
    "verdict_is_verified",
    "verify_credential",
]
