"""Typed, frozen records: what the repositories hand out above ``service.store``.

Use cases never hold an ORM row, so nothing changes in the database by assigning an
attribute: every write is an explicit repository call. JSON fields (``data``, ``document``)
are the stored values; treat them as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar


@dataclass(frozen=True)
class Issuer:
    """A training provider: its slug, name, public URL and DID."""

    id: str
    slug: str
    name: str
    url: str | None
    did: str
    suspension_enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class IssuerKey:
    """One of a provider's signing keys (``active``: the one that signs now)."""

    id: str
    issuer_id: str
    key_name: str
    verification_method: str
    public_key_multibase: str
    active: bool
    created_at: datetime
    retired_at: datetime | None
    compromised_at: datetime | None


@dataclass(frozen=True)
class ApiKey:
    """An API key as stored: its public prefix and the hash of its secret."""

    id: str
    issuer_id: str
    prefix: str
    secret_hash: str
    label: str
    scopes: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class BrowserSession:
    """A signed-in browser: ``id`` is the hash of its cookie's token."""

    id: str
    api_key_id: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class OperatorKey:
    """One of the operator's API keys as stored (prefix and hash of the secret)."""

    id: str
    prefix: str
    secret_hash: str
    label: str
    scopes: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Programme:
    id: str
    issuer_id: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Module:
    id: str
    issuer_id: str
    programme_id: str | None
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Credential:
    """An issued credential: the signed document as issued and who it was for."""

    id: str
    issuer_id: str
    module_id: str | None
    learner_name: str
    learner_ref: str | None
    batch_id: str | None
    wallet_link_id: str | None
    document: dict[str, Any]
    issued_at: datetime


@dataclass(frozen=True)
class IdempotencyRecord:
    """The result an ``Idempotency-Key`` is bound to (``credential_ids`` is ``{"ids": [...]}``)."""

    issuer_id: str
    key: str
    request_hash: str
    credential_ids: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class WalletLink:
    """A learner's wallet link (only the token's hash is kept)."""

    id: str
    issuer_id: str
    token_hash: str
    learner_ref: str | None
    language: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class TrustRecord:
    """A trust registry entry as stored."""

    id: str
    did: str
    name: str
    country: str | None
    accrediting_body: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    withdrawn_at: datetime | None
    did_document: dict[str, Any] | None
    created_at: datetime


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    issuer_id: str | None
    action: str
    subject: str | None
    detail: str | None


@dataclass(frozen=True)
class VerificationCount:
    day: str
    outcome: str
    count: int


@dataclass(frozen=True)
class Qualification:
    """A qualification awarded for one programme version; ``flagged_at`` is set when a
    credential it rests on was revoked, for the provider's review."""

    id: str
    issuer_id: str
    programme_id: str
    programme_version: int
    wallet_link_id: str
    credential_id: str
    clr_id: str
    relied_on: dict[str, Any]
    flagged_at: datetime | None
    review_reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class ExternalCredential:
    """Another provider's module credential a learner presented, kept as presented."""

    id: str
    issuer_id: str
    wallet_link_id: str
    document_id: str
    issuer_did: str
    document: dict[str, Any]
    verified_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class CredentialOffer:
    """An OID4VCI offer for one stored credential; only hashes of its secrets are kept, and
    ``issued_at`` ends it."""

    id: str
    issuer_id: str
    credential_id: str
    ref_hash: str
    code_hash: str | None
    code_expires_at: datetime | None
    tx_code_hash: str | None
    tx_code_failures: int
    token_hash: str | None
    token_expires_at: datetime | None
    holder_did: str | None
    created_at: datetime
    expires_at: datetime
    issued_at: datetime | None


@dataclass(frozen=True)
class PresentationRequest:
    """An employer's OpenID4VP request (only the hash of its ``state`` is kept) and, once a
    wallet answered, the verdict for the employer's page."""

    id: str
    state_hash: str
    nonce: str
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    verdict: dict[str, Any] | None


@dataclass(frozen=True)
class RplAssessor:
    """A recognition-of-prior-learning assessor and their own key (``key_name``)."""

    id: str
    issuer_id: str
    name: str
    key_name: str
    verification_method: str
    created_at: datetime


@dataclass(frozen=True)
class RplCase:
    """One learner's recognition-of-prior-learning case; ``record`` holds the scope
    (``modules``, ``programmeId``), ``foreignCredentials``, ``evidence``, and once decided
    the ``outcomes``, ``assessors`` and ``decidedOn``."""

    id: str
    issuer_id: str
    learner_name: str
    learner_ref: str | None
    language: str | None
    status: str
    record: dict[str, Any]
    opened_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class ErasureRequest:
    """A learner's erasure request (``requested_by`` "learner") or a provider's erasure
    ("provider"), kept as the record that it happened: random ids, times and counts only."""

    id: str
    issuer_id: str
    wallet_link_id: str | None
    requested_by: str
    requested_at: datetime
    erased_at: datetime | None
    credentials_erased: int | None


@dataclass(frozen=True)
class Job:
    """A background job (a large cohort); progress is derived from its slices."""

    id: str
    issuer_id: str
    kind: str
    module_id: str | None
    actor: str
    total_rows: int
    idempotency_key: str | None
    request_hash: str
    created_at: datetime
    state: str
    errors: dict[str, Any] | None


@dataclass(frozen=True)
class JobChunk:
    """One slice of a job's rows (``rows`` is ``{"rows": [...]}``)."""

    job_id: str
    position: int
    first_row: int
    row_count: int
    rows: dict[str, Any]
    state: str
    issued: int
    error: str | None
    attempts: int
    updated_at: datetime
    qualified: bool


@dataclass(frozen=True)
class StatusList:
    """A provider's list: ``size`` bits derived from its entries; ``version`` moves on
    every change."""

    id: str
    issuer_id: str
    purpose: str
    size: int
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Publication:
    """A list's current version against the one last published, and since when it has had
    a change not published yet (None: clean)."""

    version: int
    published_version: int | None
    published_until: datetime | None
    dirty_since: datetime | None


@dataclass(frozen=True)
class StatusEntry:
    """One allocated index; ``credential_id`` is None once the credential is erased."""

    id: int
    list_id: str
    position: int
    credential_id: str | None
    is_set: bool


R = TypeVar("R")


def record(cls: type[R], row: Any) -> R:
    """The record of type ``cls`` read from an ORM row (its same-named attributes)."""
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]


__all__ = [
    "ApiKey",
    "AuditEvent",
    "BrowserSession",
    "Credential",
    "CredentialOffer",
    "ErasureRequest",
    "ExternalCredential",
    "IdempotencyRecord",
    "Issuer",
    "IssuerKey",
    "Job",
    "JobChunk",
    "Module",
    "OperatorKey",
    "PresentationRequest",
    "Programme",
    "Publication",
    "Qualification",
    "RplAssessor",
    "RplCase",
    "StatusEntry",
    "StatusList",
    "TrustRecord",
    "VerificationCount",
    "WalletLink",
    "record",
]
