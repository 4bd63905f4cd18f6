"""Issuing module credentials: one award or a cohort, all or nothing.

Collaborators come in as arguments (a factory of :class:`Repositories` transactions, a
batch signer, the time), so the HTTP routes and the CLI run exactly this code and tests can
swap any piece. Every row is validated and every credential built and signed before
anything is written, and the write (credentials, wallet links, idempotency record, audit
events) is one transaction. Providers, keys, API keys and the catalogue are in
:mod:`service.app.providers`, :mod:`service.app.access` and :mod:`service.app.catalogue`;
the W3C VC-API issue path in :mod:`service.app.vcapi_issuing`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.app.idempotency import claim, replay, replay_winner, request_hash
from service.app.signing import BatchSigner
from service.app.status_lists import Reservation, reserve_entries
from service.app.wallet import IssuedLink, WalletAward, link_awards
from service.credentials import (
    Award,
    IssuerProfile,
    build_achievement,
    build_credential,
    credential_status,
    validate,
)
from service.credentials.award_check import plainly_valid
from service.dates import format_utc
from service.errors import ValidationFailed
from service.proofs import DEFAULT_CRYPTOSUITE, Canonicalizer
from service.store.records import Issuer, Module
from service.store.repositories import NewCredential, Repositories, new_id, new_public_id

MAX_BATCH = 10_000


Transactions = Callable[[], AbstractContextManager[Repositories]]
"""Opens a repository in a new transaction (committed when the block ends without error)."""


@dataclass(frozen=True)
class IssueSetup:
    """What issuing needs besides the repository."""

    base_url: str
    signer: BatchSigner
    canonicalizer: Canonicalizer


def issuer_profile(issuer: Issuer) -> IssuerProfile:
    return IssuerProfile(id=issuer.did, name=issuer.name, url=issuer.url)


def _module_achievement(setup: IssueSetup, issuer: Issuer, module: Module) -> dict[str, Any]:
    base = setup.base_url.rstrip("/")
    return build_achievement(
        module.data, achievement_id=f"{base}/issuers/{issuer.slug}/modules/{module.id}"
    )


@dataclass(frozen=True)
class Issued:
    """Signed credentials and, per credential uuid, the learner's wallet link (if any)."""

    credentials: list[dict[str, Any]]
    wallet_links: Mapping[str, IssuedLink]

    def links_json(self) -> list[dict[str, Any]]:
        return [{"credentialId": cid, **link.to_json()} for cid, link in self.wallet_links.items()]


def prepare_rows(
    awards: Sequence[Mapping[str, Any]], module_id: str
) -> list[tuple[str, Mapping[str, Any]]]:
    """Validate every award row; all errors at once, with row numbers, or (uuid, award) pairs."""
    if not awards:
        raise ValidationFailed("No awards to issue.")
    if len(awards) > MAX_BATCH:
        raise ValidationFailed(
            f"A batch holds at most {MAX_BATCH} awards; split this one ({len(awards)})."
        )
    errors: list[dict[str, str]] = []
    prepared: list[tuple[str, Mapping[str, Any]]] = []
    for index, award in enumerate(awards, start=1):
        try:
            if not plainly_valid(award):  # the fast path for the usual row (award_check)
                validate("award", award, what=f"award in row {index}")
        except ValidationFailed as exc:
            errors.extend({"row": str(index), **e} for e in exc.errors)
            continue
        if award.get("moduleId") not in (None, module_id):
            errors.append(
                {
                    "row": str(index),
                    "path": "$.moduleId",
                    "message": "differs from the batch's module",
                }
            )
            continue
        prepared.append((new_public_id(), award))
    if errors and len(awards) == 1:
        raise ValidationFailed(
            "The award is not valid: " + "; ".join(f"{e['path']}: {e['message']}" for e in errors),
            [{k: v for k, v in e.items() if k != "row"} for e in errors],
        )
    if errors:
        rows = sorted({e["row"] for e in errors}, key=int)
        raise ValidationFailed(
            f"{len(rows)} of {len(awards)} rows have errors (rows {', '.join(rows[:20])}"
            f"{'…' if len(rows) > 20 else ''}); nothing was issued. Fix them and send the batch again.",
            errors,
        )
    return prepared


@dataclass(frozen=True)
class Slice:
    """Rows ready to sign: the provider, module and key read, each row given its credential
    id, and their status entries reserved (see :func:`issue_awards` for the steps)."""

    issuer: Issuer
    module: Module
    key_name: str
    rows: list[tuple[str, Mapping[str, Any]]]
    reservations: list[Reservation]


def reserve_slice(
    repo: Repositories,
    setup: IssueSetup,
    *,
    issuer: Issuer,
    module: Module,
    rows: list[tuple[str, Mapping[str, Any]]],
    now: datetime,
) -> Slice:
    """Read the active key and reserve the rows' status entries (in the caller's short
    transaction; the reserved indices are burned if the slice is never stored)."""
    key_name = repo.providers.active_key(issuer.id).key_name
    reservations = reserve_entries(
        repo,
        issuer=issuer,
        credential_ids=[cid for cid, _ in rows],
        base_url=setup.base_url,
        now=now,
    )
    return Slice(issuer, module, key_name, rows, reservations)


def sign_slice(setup: IssueSetup, piece: Slice, *, now: datetime) -> list[NewCredential]:
    """Build and sign the slice's credentials (call outside any transaction)."""
    achievement = _module_achievement(setup, piece.issuer, piece.module)
    profile = issuer_profile(piece.issuer)
    valid_from = format_utc(now)
    base = setup.base_url.rstrip("/")
    unsigned = []
    for (credential_id, award), reservation in zip(piece.rows, piece.reservations, strict=True):
        document = build_credential(
            credential_id=f"{base}/credentials/{credential_id}",
            issuer=profile,
            achievement=achievement,
            award=Award(
                learner_name=award["learnerName"].strip(),
                completed_on=award["completedOn"],
                result=award.get("result"),
                learner_did=award.get("learnerDid"),
            ),
            valid_from=valid_from,
        )
        document["credentialStatus"] = credential_status(reservation.entries)
        unsigned.append(document)
    signed = setup.signer.sign_all(
        piece.key_name, unsigned, created=now, cryptosuite=DEFAULT_CRYPTOSUITE
    )
    return [
        NewCredential(
            id=cid,
            module_id=piece.module.id,
            learner_name=award["learnerName"].strip(),
            learner_ref=award.get("learnerId"),
            document=doc,
        )
        for (cid, award), doc in zip(piece.rows, signed, strict=True)
    ]


def store_slice(
    repo: Repositories,
    setup: IssueSetup,
    piece: Slice,
    new: Sequence[NewCredential],
    *,
    actor: str,
    now: datetime,
) -> Mapping[str, IssuedLink]:
    """Store the signed credentials, their audit events and wallet links (in the caller's
    transaction, after it claimed any idempotency key)."""
    issuer = piece.issuer
    batch_id = new_id() if len(new) > 1 else None
    repo.credentials.add_credentials(
        issuer_id=issuer.id, credentials=new, batch_id=batch_id, now=now
    )
    repo.audit.record_many(
        actor=actor,
        action="credential.issue",
        now=now,
        issuer_id=issuer.id,
        subjects=[c.id for c in new],
    )
    return link_awards(
        repo,
        issuer=issuer,
        base_url=setup.base_url,
        actor=actor,
        now=now,
        awards=[
            WalletAward(c.id, c.learner_name, c.learner_ref, award.get("language"))
            for c, (_, award) in zip(new, piece.rows, strict=True)
        ],
    )


def issue_awards(
    repositories: Transactions,
    setup: IssueSetup,
    *,
    issuer_id: str,
    module_id: str,
    awards: Sequence[Mapping[str, Any]],
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
    idempotency_body: Any = None,
) -> Issued:
    """Issue one credential per award, all or nothing.

    Row errors -> :class:`ValidationFailed` whose ``errors`` carry 1-based ``row`` numbers,
    and nothing is written. The work runs in four steps so that no database transaction is
    open while a cohort is signed: (1) read the provider, module and key; (2) reserve status
    list entries in a short transaction of their own; (3) build and sign, outside any
    transaction; (4) store credentials, wallet links, the idempotency record and the audit
    events in one transaction.
    """
    body_hash = request_hash(
        idempotency_body if idempotency_body is not None else [module_id, list(awards)]
    )
    with repositories() as repo:
        issuer = repo.providers.issuer(issuer_id)
        replayed = replay(repo, issuer, idempotency_key, body_hash)
        if replayed is not None:
            return Issued(replayed, {})
        module = repo.catalogue.module(issuer.id, module_id)
    prepared = prepare_rows(awards, module_id)
    with repositories() as repo:
        piece = reserve_slice(repo, setup, issuer=issuer, module=module, rows=prepared, now=now)
    new = sign_slice(setup, piece, now=now)
    with repositories() as repo:
        if idempotency_key and not claim(
            repo, issuer, idempotency_key, body_hash, [c.id for c in new], now
        ):
            return Issued(replay_winner(repo, issuer, idempotency_key, body_hash), {})
        links = store_slice(repo, setup, piece, new, actor=actor, now=now)
    return Issued([c.document for c in new], links)


__all__ = [
    "MAX_BATCH",
    "IssueSetup",
    "Issued",
    "Slice",
    "Transactions",
    "issue_awards",
    "issuer_profile",
    "prepare_rows",
    "reserve_slice",
    "sign_slice",
    "store_slice",
]
