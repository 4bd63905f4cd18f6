"""Idempotent issuing: an ``Idempotency-Key`` and the hash of its request body.

A key's first request records the ids it issued; a retry with the same body gets those
credentials back, a different body with the same key is refused, and of two requests racing
with one key the loser answers with the winner's result.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from service.errors import ConflictError, ValidationFailed
from service.store.records import Issuer
from service.store.repositories import Repositories


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def replay(
    repo: Repositories, issuer: Issuer, idempotency_key: str | None, body_hash: str
) -> list[dict[str, Any]] | None:
    if not idempotency_key:
        return None
    previous = repo.credentials.idempotent_result(issuer.id, idempotency_key)
    if previous is None:
        return None
    if previous.request_hash != body_hash:
        raise ValidationFailed(
            "This Idempotency-Key was already used with a different request body. Use a new key "
            "for a new request."
        )
    rows = repo.credentials.credentials_by_ids(issuer.id, previous.credential_ids["ids"])
    return [r.document for r in rows]


def claim(
    repo: Repositories,
    issuer: Issuer,
    idempotency_key: str,
    body_hash: str,
    credential_ids: list[str],
    now: datetime,
) -> bool:
    """Record the key before any other write; False when a concurrent request won it."""
    return repo.credentials.remember_idempotent(
        issuer_id=issuer.id,
        key=idempotency_key,
        request_hash=body_hash,
        credential_ids=credential_ids,
        now=now,
    )


def replay_winner(
    repo: Repositories, issuer: Issuer, idempotency_key: str, body_hash: str
) -> list[dict[str, Any]]:
    """The committed result of the request that claimed ``idempotency_key`` first."""
    replayed = replay(repo, issuer, idempotency_key, body_hash)
    if not replayed:
        raise ConflictError(
            "Another request with this Idempotency-Key is still being processed; retry shortly."
        )
    return replayed


__all__ = ["claim", "replay", "replay_winner", "request_hash"]
