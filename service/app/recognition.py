"""Module credentials from other providers, presented by the learner, counted toward a
provider's programmes.

A programme lists the providers it recognizes (``recognizedProviders``: DIDs) and names their
achievements (id URLs) in its completion rule. A learner presents such a credential to their
wallet at the provider (one credential, a list, or a Verifiable Presentation). Each one is
verified with the full pipeline (signature, issuer, validity, status, trust: the operator's
registry must recognize the issuer) before it counts; it must be issued in the learner's name
and by a provider and for an achievement a programme accepts. Accepted credentials are kept
in the wallet as presented, and :func:`service.app.pathways.qualify` runs at once.

A qualification names the external credentials it relied on. A revocation at the other
provider reaches Tessera when it re-verifies them (:func:`recheck`; a provider on this same
service flags at once through its status change), and flags the qualification for review.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.app.issuing import IssueSetup, Transactions
from service.app.pathways import Awarded, qualify
from service.app.wallet import open_wallet
from service.credentials.completion import modules_of
from service.errors import ValidationFailed
from service.verification.pipeline import VerificationResult

Verify = Callable[[Mapping[str, Any]], VerificationResult]
MAX_PRESENTED = 20


def audited_id(document_id: str) -> str:
    """How the audit log names a presented credential: the SHA-256 (hex) of its id. The id is
    chosen by the other provider and may be a URL with the learner's name in it; its hash still
    finds the event for anyone who holds the credential."""
    return hashlib.sha256(document_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """What became of one presented credential."""

    id: str | None
    accepted: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "accepted": self.accepted, "reason": self.reason}


def presented_credentials(body: Any) -> list[Mapping[str, Any]]:
    """The credentials in a request body: one credential, a list, or a presentation."""
    if isinstance(body, Mapping) and "verifiableCredential" in body:
        items = body["verifiableCredential"]
        items = items if isinstance(items, list) else [items]
    elif isinstance(body, list):
        items = body
    else:
        items = [body]
    if not items or not all(isinstance(i, Mapping) for i in items):
        raise ValidationFailed(
            "Send a credential (JSON object), a list of them, or a Verifiable Presentation "
            "whose verifiableCredential holds them."
        )
    if len(items) > MAX_PRESENTED:
        raise ValidationFailed(f"Present at most {MAX_PRESENTED} credentials at a time.")
    return list(items)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _subject(document: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = document.get("credentialSubject")
    return subject if isinstance(subject, Mapping) else {}


def _achievement_id(document: Mapping[str, Any]) -> str | None:
    achievement = _subject(document).get("achievement")
    value = achievement.get("id") if isinstance(achievement, Mapping) else None
    return value if isinstance(value, str) else None


def _failed(result: VerificationResult) -> str | None:
    """Why a verification result does not let a credential count, or None."""
    if not result.verified:
        failed = [c for c in result.checks if c.status != "passed"]
        first = failed[0] if failed else None
        return f"not verified ({first.check}: {first.detail})" if first else "not verified"
    trust = result.check("trust")
    if trust.status != "passed":
        return f"its issuer is not recognized by the trust registry ({trust.detail})"
    return None


def present(
    repositories: Transactions,
    setup: IssueSetup,
    *,
    token: str,
    credentials: Sequence[Mapping[str, Any]],
    verify: Verify,
    now: datetime,
) -> tuple[list[Outcome], list[Awarded]]:
    """Verify and keep the credentials a learner presents to their wallet; award what they
    complete. Verification runs outside any transaction."""
    with repositories() as repo:
        wallet = open_wallet(repo, token)
        issuer, link_id = wallet.issuer, wallet.link.id
        names = {_norm(c.learner_name) for c in wallet.credentials if c.learner_name}
        accepted_dids: set[str] = set()
        achievements: set[str] = set()
        for programme in repo.catalogue.programmes(issuer.id):
            completion = programme.data.get("completion")
            if completion and programme.data.get("recognizedProviders"):
                accepted_dids |= set(programme.data["recognizedProviders"])
                achievements |= {m for m in modules_of(completion["rule"]) if "://" in m}
    outcomes: list[Outcome] = []
    keep: list[tuple[Mapping[str, Any], str]] = []
    for document in credentials:
        document_id = document.get("id") if isinstance(document.get("id"), str) else None
        result = verify(document)
        reason = _failed(result)
        issuer_did = result.issuer or ""
        if reason is None and issuer_did == issuer.did:
            reason = "it is this provider's own credential: it is in the wallet already"
        if reason is None and issuer_did not in accepted_dids:
            reason = f"no programme of {issuer.name} accepts modules from {issuer_did}"
        if reason is None and _achievement_id(document) not in achievements:
            reason = "no programme of this provider counts this achievement"
        learner = _subject(document).get("name")
        if reason is None and (not isinstance(learner, str) or _norm(learner) not in names):
            reason = "it is issued in another name than the credentials in this wallet"
        if reason is None and document_id is None:
            reason = "it has no id, so a qualification could not name it"
        if reason is None:
            keep.append((document, issuer_did))
        outcomes.append(Outcome(document_id, reason is None, reason or "verified and counted"))
    if keep:
        with repositories() as repo:
            pathways = repo.pathways
            for document, issuer_did in keep:
                _row, new = pathways.add_external_credential(
                    issuer_id=issuer.id,
                    link_id=link_id,
                    document=dict(document),
                    issuer_did=issuer_did,
                    now=now,
                )
                if new:
                    repo.audit.record(
                        actor="learner",
                        action="external_credential.accept",
                        now=now,
                        issuer_id=issuer.id,
                        subject=audited_id(str(document["id"])),
                        detail=f"issuer={issuer_did}",
                    )
    awarded = qualify(
        repositories, setup, issuer_id=issuer.id, link_ids=[link_id], actor="learner", now=now
    )
    return outcomes, awarded


def recheck(
    repositories: Transactions, *, issuer_id: str, verify: Verify, actor: str, now: datetime
) -> dict[str, Any]:
    """Verify again every external credential the provider's qualifications relied on;
    flag for review each qualification resting on one that no longer verifies (revoked,
    suspended, expired, its issuer withdrawn from the registry)."""
    with repositories() as repo:
        documents = repo.pathways.relied_on_external(issuer_id)
    failing: dict[str, str] = {}
    for document_id, document in documents.items():
        reason = _failed(verify(document))
        if reason is not None:
            failing[document_id] = reason
    flagged: list[str] = []
    with repositories() as repo:
        pathways = repo.pathways
        for document_id, reason in failing.items():
            rows = pathways.flag_relying_on(
                [document_id],
                reason=f"relied-on credential {document_id} {reason}",
                actor=actor,
                now=now,
                issuer_id=issuer_id,
            )
            flagged.extend(r.id for r in rows)
    return {"checked": len(documents), "failing": sorted(failing), "flagged": sorted(flagged)}


__all__ = ["MAX_PRESENTED", "Outcome", "present", "presented_credentials", "recheck"]
