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
argument (``now``); nothing here reads the clock, the network or a database. The checks
themselves are in :mod:`service.verification.checks` and
:mod:`service.verification.signature`; this module fixes their order and the
rule for ``verified``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service.contexts import ContextStore
from service.dates import valid_from
from service.dids import Resolver
from service.errors import VC_DM
from service.parties import issuer_of
from service.proofs.data_integrity import Cryptosuite, VerifiedProof
from service.proofs.limits import DEFAULT_LIMITS, Limits
from service.verification.checks import (
    STATUS_RETRIEVAL_ERROR,
    Check,
    Status,
    StatusChecker,
    TrustChecker,
    check_contexts,
    check_parse,
    check_status,
    check_validity,
    unknown,
)
from service.verification.signature import check_issuer, check_proofs

CHECK_IDS = ("parse", "context", "proof", "issuer", "validity", "status", "trust")
REQUIRED_TO_PASS = ("proof", "issuer", "validity", "status")
#: Checks a caller may skip (VC-API ``options.checks`` lists the ones to run); ``parse`` and
#: ``context`` always run: nothing else means anything without them.
SKIPPABLE = ("proof", "issuer", "validity", "status", "trust")
#: Checks that run only after another passed: when it did not, they were not reached
#: (``unknown``), which is not the same as failing.
DEPENDS_ON = {"issuer": "proof", "status": "proof", "trust": "issuer"}


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

    def not_reached(self, check_id: str) -> bool:
        """Whether ``check_id`` is unknown only because a check it depends on
        (:data:`DEPENDS_ON`) did not pass."""
        before = DEPENDS_ON.get(check_id)
        return (
            self.check(check_id).status == "unknown"
            and before is not None
            and self.check(before).status != "passed"
        )

    @property
    def suspended(self) -> bool:
        """True when the status check failed because of a suspension (not a revocation)."""
        status = self.check("status")
        return status.status == "failed" and (status.problem_type or "").endswith("#SUSPENDED")

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
    checks["parse"], document = check_parse(
        credential, max_bytes=verifier.max_bytes, limits=verifier.limits
    )
    if document is not None:
        checks["context"] = check_contexts(
            document, contexts=verifier.contexts, allow_inline=verifier.allow_inline_contexts
        )
        verified_proofs: list[VerifiedProof] = []
        if checks["context"].status == "passed":
            checks["proof"], verified_proofs = check_proofs(
                document, suites=verifier.suites, resolver=verifier.resolver
            )
        checks["issuer"] = check_issuer(document, verified_proofs)
        checks["validity"] = check_validity(document, now=now, clock_skew=verifier.clock_skew)
        checks["status"] = check_status(
            document, checker=verifier.status, now=now, proof=checks.get("proof")
        )
        issuer_id = issuer_of(document)
        checks["trust"] = (
            verifier.trust(issuer_id, valid_from(document), now)
            if verifier.trust is not None and issuer_id and checks["issuer"].status == "passed"
            else unknown("trust", "Whether a registry recognizes this issuer was not checked.")
        )
    for check_id in CHECK_IDS:
        checks.setdefault(check_id, unknown(check_id, "Not checked: an earlier check failed."))
    for check_id in skipped:
        checks[check_id] = unknown(check_id, "Skipped: the caller asked not to run this check.")
    return VerificationResult(
        verified=verdict_is_verified(checks, skipped),
        checks=tuple(checks[c] for c in CHECK_IDS),
        credential=document,
        issuer=issuer_of(document) if document is not None else None,
        skipped=skipped,
    )


def context_check(document: Mapping[str, Any], verifier: Verifier) -> Check:
    """The ``context`` check on its own, for documents other than credentials (presentations)."""
    return check_contexts(
        document, contexts=verifier.contexts, allow_inline=verifier.allow_inline_contexts
    )


__all__ = [
    "CHECK_IDS",
    "DEPENDS_ON",
    "REQUIRED_TO_PASS",
    "SKIPPABLE",
    "STATUS_RETRIEVAL_ERROR",
    "Check",
    "Status",
    "StatusChecker",
    "TrustChecker",
    "VerificationResult",
    "Verifier",
    "context_check",
    "verdict_is_verified",
    "verify_credential",
]
