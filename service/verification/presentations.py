"""Verifiable Presentations: a holder's envelope around credentials, verified as a whole.

A presentation (VC Data Model 2.0 §4.13, 1.1 §4.10) is checked in this order:

``parse``        a JSON object of bounded size and shape whose type includes
                 ``VerifiablePresentation``
``context``      the same pinned-context rules as a credential (:func:`service.verification.pipeline.context_check`)
``proof``        its Data Integrity proof(s), for the ``authentication`` purpose, by a key the
                 ``holder`` (when named) controls; bound to the verifier's ``challenge`` and
                 ``domain`` when the verifier gives them
``credentials``  every credential in ``verifiableCredential``, each with every credential check

A presentation without a proof is accepted only when the verifier asked for no challenge or
domain (VC-API: a proof is what binds a presentation to a request; without a request there is
nothing to bind, and the credentials carry their own proofs). ``verified`` is true only when
every check passed (or the proof was not required and is absent) and every credential verified.
Time is an argument; nothing here reads the clock, the network or a database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.errors import (
    VC_DM,
    CanonicalizationError,
    DidResolutionError,
    InputError,
    InvalidSignature,
    NotJsonError,
    StrictJsonError,
    TesseraError,
    UnsupportedProofError,
)
from service.parties import party_of
from service.proofs.data_integrity import proofs_of, verify_proof
from service.proofs.limits import check_structure
from service.strict_json import loads_strict
from service.verification.pipeline import (
    Check,
    VerificationResult,
    Verifier,
    context_check,
    verify_credential,
)

PRESENTATION_CHECKS = ("parse", "context", "proof", "credentials")
#: A presentation shows a few credentials; a hundred is abuse of the public verifier, not a wallet.
MAX_CREDENTIALS = 20
_MALFORMED = VC_DM + "MALFORMED_VALUE_ERROR"
_PARSING = VC_DM + "PARSING_ERROR"
_CRYPTO = VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR"


@dataclass(frozen=True)
class PresentationResult:
    """The verdict on a presentation and on each credential in it (in order)."""

    verified: bool
    checks: tuple[Check, ...]
    credentials: tuple[VerificationResult, ...] = ()
    holder: str | None = None
    #: the presentation itself holds up (parsed, contexts, proof or no proof needed)
    presentation_verified: bool = False

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.check == check_id)

    @property
    def problem_details(self) -> list[dict[str, str]]:
        """VC-API ``problemDetails`` for the presentation's own failed checks."""
        return [
            {
                "type": c.problem_type or _MALFORMED,
                "title": f"presentation {c.check} check failed",
                "detail": c.detail,
            }
            for c in self.checks
            if c.status == "failed" and c.check != "credentials"
        ]

    def to_json(self) -> dict[str, Any]:
        """The VC-API answer: the presentation's checks and each credential's result."""
        return {
            "verified": self.verified,
            "presentationResult": {
                "verified": self.presentation_verified,
                "checks": [c.to_json() for c in self.checks],
                "problemDetails": self.problem_details,
            },
            "credentialResults": [r.to_json() for r in self.credentials],
            "problemDetails": self.problem_details
            + [p for r in self.credentials for p in r.problem_details],
        }


def verify_presentation(
    presentation: bytes | str | Mapping[str, Any],
    *,
    verifier: Verifier,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
) -> PresentationResult:
    """Verify ``presentation`` and every credential in it at time ``now``.

    ``challenge`` and ``domain`` are what the verifier asked the holder to sign; when either
    is given, the presentation must carry a proof that states it.
    """
    checks: dict[str, Check] = {}
    document = _parse(presentation, verifier, checks)
    credentials: list[VerificationResult] = []
    holder = party_of(document, "holder") if document is not None else None
    if document is not None:
        checks["context"] = context_check(document, verifier)
        if checks["context"].status == "passed":
            checks["proof"] = _check_proof(
                document, verifier, holder=holder, challenge=challenge, domain=domain
            )
        checks["credentials"], credentials = _check_credentials(document, verifier, now)
    for check_id in PRESENTATION_CHECKS:
        checks.setdefault(
            check_id, Check(check_id, "unknown", "Not checked: an earlier check failed.")
        )
    ordered = tuple(checks[c] for c in PRESENTATION_CHECKS)
    presentation_verified = (
        checks["parse"].status == "passed"
        and checks["context"].status == "passed"
        and (checks["proof"].status == "passed" or _unsigned(checks["proof"]))
    )
    return PresentationResult(
        verified=presentation_verified and checks["credentials"].status == "passed",
        checks=ordered,
        credentials=tuple(credentials),
        holder=holder,
        presentation_verified=presentation_verified,
    )


_UNSIGNED = (
    "The presentation is not signed by its holder; no challenge was asked, so none is needed."
)


def _unsigned(check: Check) -> bool:
    return check.status == "unknown" and check.detail == _UNSIGNED


def _parse(
    raw: bytes | str | Mapping[str, Any], verifier: Verifier, checks: dict[str, Check]
) -> dict[str, Any] | None:
    def fail(detail: str, problem: str = _PARSING) -> None:
        checks["parse"] = Check("parse", "failed", detail, problem)

    if isinstance(raw, (bytes, str)):
        size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
        if size > verifier.max_bytes:
            fail(f"The presentation is {size} bytes; the limit is {verifier.max_bytes}.")
            return None
        try:
            document = loads_strict(raw)
        except NotJsonError:
            fail("The presentation is not valid JSON.")
            return None
        except StrictJsonError as exc:  # JSON, but not I-JSON: duplicate members, NaN, ...
            fail(str(exc))
            return None
        except RecursionError:
            fail("The presentation is nested too deeply to read.")
            return None
    else:
        document = raw
    if not isinstance(document, Mapping):
        fail("The presentation is JSON, but not a JSON object.")
        return None
    try:
        check_structure(document, verifier.limits)
        size = len(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    except TesseraError as exc:
        checks["parse"] = Check("parse", "failed", str(exc), exc.problem_type)
        return None
    except (TypeError, ValueError):
        fail("The presentation holds values that are not JSON.")
        return None
    if size > verifier.max_bytes:
        fail(f"The presentation is {size} bytes; the limit is {verifier.max_bytes}.")
        return None
    types = document.get("type")
    type_list = types if isinstance(types, list) else [types]
    if "@context" not in document or "VerifiablePresentation" not in type_list:
        fail(
            "This is not a verifiable presentation: it needs an @context and a type list that "
            "includes 'VerifiablePresentation'.",
            _MALFORMED,
        )
        return None
    if "holder" in document and party_of(document, "holder") is None:
        fail("The holder must be a URL or an object with an 'id' URL.", _MALFORMED)
        return None
    checks["parse"] = Check("parse", "passed", "The presentation is well-formed JSON.")
    return dict(document)


def _check_proof(
    document: Mapping[str, Any],
    verifier: Verifier,
    *,
    holder: str | None,
    challenge: str | None,
    domain: str | None,
) -> Check:
    try:
        proofs = proofs_of(document)
    except InputError as exc:
        return Check("proof", "failed", str(exc), exc.problem_type)
    if not proofs:
        if challenge is not None or domain is not None:
            return Check(
                "proof",
                "failed",
                "The presentation is not signed, but this verifier asked for a signed one "
                "(a challenge or domain was given): sign it with the holder's key.",
                _CRYPTO,
            )
        return Check("proof", "unknown", _UNSIGNED)
    for proof in proofs:
        try:
            verified = verify_proof(
                document,
                proof,
                suites=verifier.suites,
                resolver=verifier.resolver,
                purpose="authentication",
            )
        except InvalidSignature as exc:
            return Check(
                "proof",
                "failed",
                "The holder's signature does not match the presentation: it was changed after "
                f"it was signed, or signed with another key. ({exc})",
                exc.problem_type,
            )
        except DidResolutionError as exc:
            return Check("proof", "unknown", f"The holder's key could not be found: {exc}")
        except (CanonicalizationError, UnsupportedProofError, InputError) as exc:
            return Check("proof", "failed", str(exc), exc.problem_type)
        method = verified.method
        if holder is not None and method.controller != holder:
            return Check(
                "proof",
                "failed",
                f"The presentation names {holder} as holder, but it was signed with a key "
                f"controlled by {method.controller}.",
                _CRYPTO,
            )
        if "authentication" not in method.relationships:
            return Check(
                "proof",
                "failed",
                f"The key {method.id} is not authorized to authenticate its controller "
                "(it is not listed under authentication).",
                _CRYPTO,
            )
        if challenge is not None and proof.get("challenge") != challenge:
            return Check(
                "proof",
                "failed",
                "The presentation was signed for another challenge: it may be a replay of an "
                "earlier presentation. Ask the holder to present again.",
                _CRYPTO,
            )
        stated = proof.get("domain")
        domains = stated if isinstance(stated, list) else [stated]
        if domain is not None and domain not in domains:
            return Check(
                "proof",
                "failed",
                f"The presentation was signed for another domain ({stated!r}), not {domain!r}.",
                _CRYPTO,
            )
    who = f" by {holder}" if holder else ""
    return Check("proof", "passed", f"Signed{who}; the presentation is unchanged.")


def _check_credentials(
    document: Mapping[str, Any], verifier: Verifier, now: datetime
) -> tuple[Check, list[VerificationResult]]:
    raw = document.get("verifiableCredential")
    items = [] if raw is None else raw if isinstance(raw, list) else [raw]
    if len(items) > MAX_CREDENTIALS:
        return (
            Check(
                "credentials",
                "failed",
                f"The presentation holds {len(items)} credentials; at most {MAX_CREDENTIALS} "
                "are verified at once.",
                _MALFORMED,
            ),
            [],
        )
    results = [verify_credential(item, verifier=verifier, now=now) for item in items]
    if not results:
        return Check("credentials", "passed", "The presentation holds no credentials."), []
    failed = sum(1 for r in results if not r.verified)
    if failed:
        return (
            Check(
                "credentials",
                "failed",
                f"{failed} of the {len(results)} credentials did not verify.",
                _MALFORMED,
            ),
            results,
        )
    return Check("credentials", "passed", f"All {len(results)} credentials verified."), results


def is_presentation(value: Any) -> bool:
    """Whether ``value`` is a JSON object typed ``VerifiablePresentation`` (how every route,
    the page and the CLI, tells a presentation from a credential)."""
    types = value.get("type") if isinstance(value, dict) else None
    return "VerifiablePresentation" in (types if isinstance(types, list) else [types])


__all__ = [
    "MAX_CREDENTIALS",
    "PRESENTATION_CHECKS",
    "PresentationResult",
    "is_presentation",
    "verify_presentation",
]
