"""API keys: minting, authenticating a bearer token, scopes, revoking.

A provider's key is ``tsk_<prefix>_<secret>``, the operator's ``tso_<prefix>_<secret>``
(scope ``outcomes``: every provider's outcomes): the prefix finds the row, only a hash of the
secret is stored, and the comparison runs in constant time whether or not the prefix exists.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from service.errors import AuthenticationError, PermissionDeniedError, ValidationFailed
from service.store.records import ApiKey, Issuer, OperatorKey
from service.store.repositories import Repositories

SCOPES = ("issue", "revoke", "admin", "outcomes")
#: What an operator key may be for (more operator APIs may add theirs).
OPERATOR_SCOPES = ("outcomes",)


@dataclass(frozen=True)
class NewApiKey:
    """A freshly minted API key: ``token`` is shown once and never stored."""

    id: str
    token: str
    scopes: tuple[str, ...]


def _hash_secret(secret: str) -> str:
    # API secrets are 256-bit random, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    repo: Repositories,
    *,
    issuer: Issuer,
    label: str,
    scopes: Sequence[str],
    actor: str,
    now: datetime,
) -> NewApiKey:
    """Mint an API key for ``issuer`` with ``scopes``; only its hash is stored."""
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ValidationFailed(
            f"Scopes must be a non-empty subset of {', '.join(SCOPES)}; got {list(scopes)}."
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = repo.access.add_api_key(
        issuer_id=issuer.id,
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        label=label[:100],
        scopes=" ".join(sorted(set(scopes))),
        now=now,
    )
    repo.audit.record(
        actor=actor,
        action="api_key.create",
        now=now,
        issuer_id=issuer.id,
        subject=row.id,
        detail=f"scopes={row.scopes}",
    )
    return NewApiKey(id=row.id, token=f"tsk_{prefix}_{secret}", scopes=tuple(row.scopes.split()))


def authenticate(repo: Repositories, token: str | None) -> ApiKey:
    """The live API key behind a bearer token, compared in constant time."""
    if not token:
        raise AuthenticationError("Send an API key: `Authorization: Bearer tsk_…`.")
    match = re.fullmatch(r"tsk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})", token.strip())
    row = repo.access.api_key_by_prefix(match.group(1)) if match else None
    expected = row.secret_hash if row is not None else _hash_secret("no such key")
    presented = _hash_secret(match.group(2)) if match else _hash_secret("")
    if not hmac.compare_digest(expected, presented) or row is None or row.revoked_at is not None:
        raise AuthenticationError("The API key is unknown or revoked.")
    return row


def require_scope(key: ApiKey, scope: str) -> None:
    if scope not in key.scopes.split():
        raise PermissionDeniedError(f"This API key lacks the {scope!r} scope.")


def revoke_api_key(
    repo: Repositories, *, issuer: Issuer, key_id: str, actor: str, now: datetime
) -> None:
    """Revoke one of the provider's keys (idempotent: a second call changes and audits nothing)."""
    if repo.access.revoke_api_key(issuer.id, key_id, now=now):
        repo.audit.record(
            actor=actor, action="api_key.revoke", now=now, issuer_id=issuer.id, subject=key_id
        )


def create_operator_key(
    repo: Repositories, *, label: str, scopes: Sequence[str], actor: str, now: datetime
) -> NewApiKey:
    """Mint an operator API key (``tso_…``); only its hash is stored, the token shown once."""
    bad = [s for s in scopes if s not in OPERATOR_SCOPES]
    if bad or not scopes:
        raise ValidationFailed(
            f"Operator key scopes must be a non-empty subset of {', '.join(OPERATOR_SCOPES)}; "
            f"got {list(scopes)}."
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = repo.access.add_operator_key(
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        label=label[:100],
        scopes=" ".join(sorted(set(scopes))),
        now=now,
    )
    repo.audit.record(
        actor=actor, action="operator_key.create", now=now, subject=row.id, detail=row.scopes
    )
    return NewApiKey(id=row.id, token=f"tso_{prefix}_{secret}", scopes=tuple(row.scopes.split()))


def authenticate_operator(repo: Repositories, token: str | None, *, scope: str) -> OperatorKey:
    """The live operator key behind a bearer token, holding ``scope`` (constant time)."""
    match = re.fullmatch(r"tso_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})", (token or "").strip())
    row = repo.access.operator_key_by_prefix(match.group(1)) if match else None
    expected = row.secret_hash if row is not None else _hash_secret("no such key")
    presented = _hash_secret(match.group(2)) if match else _hash_secret("")
    if not hmac.compare_digest(expected, presented) or row is None or row.revoked_at is not None:
        raise AuthenticationError(
            "Send a live operator API key: `Authorization: Bearer tso_…` "
            "(`tessera outcomes keys create` makes one); this one is missing, unknown or revoked."
        )
    if scope not in row.scopes.split():
        raise PermissionDeniedError(f"This operator API key lacks the {scope!r} scope.")
    return row


def revoke_operator_key(repo: Repositories, *, key_id: str, actor: str, now: datetime) -> bool:
    """Revoke an operator key; False when it was revoked already (nothing changes)."""
    changed = repo.access.revoke_operator_key(key_id, now=now)
    if changed:
        repo.audit.record(actor=actor, action="operator_key.revoke", now=now, subject=key_id)
    return changed


__all__ = [
    "OPERATOR_SCOPES",
    "SCOPES",
    "NewApiKey",
    "authenticate",
    "authenticate_operator",
    "create_api_key",
    "create_operator_key",
    "require_scope",
    "revoke_api_key",
    "revoke_operator_key",
]
