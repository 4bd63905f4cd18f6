"""Browser sessions for a provider's pages (the outcomes page): a browser cannot send an
``Authorization`` header, so the provider pastes an API key once and gets a session.

The session token is 256 random bits, held by the browser in an HttpOnly cookie; the store
keeps only its sha256 and the API key it came from, so a revoked key ends its sessions and a
database reader cannot take one over. A session lasts :data:`SESSION_MINUTES` at most.
Forms that change something carry :func:`csrf_token`, derived from the session token, which
another site can neither read nor compute.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from service.app.access import authenticate
from service.errors import AuthenticationError, PermissionDeniedError
from service.store.records import ApiKey
from service.store.repositories import Repositories

#: The longest a signed-in browser stays signed in.
SESSION_MINUTES = 30


@dataclass(frozen=True)
class NewSession:
    """A session just opened: ``token`` goes into the cookie and is never stored."""

    token: str
    key: ApiKey
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(
    repo: Repositories, *, api_key: str, scopes: frozenset[str], now: datetime
) -> NewSession:
    """Open a session for the provider's ``api_key`` if it holds one of ``scopes``.

    Raises :class:`AuthenticationError` (unknown or revoked key) or
    :class:`PermissionDeniedError` (none of the scopes)."""
    key = authenticate(repo, api_key)
    if not scopes & set(key.scopes.split()):
        raise PermissionDeniedError(
            f"This API key lacks the scope this page needs ({' or '.join(sorted(scopes))})."
        )
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(minutes=SESSION_MINUTES)
    repo.access.add_session(
        token_hash=_hash(token), api_key_id=key.id, now=now, expires_at=expires_at
    )
    repo.audit.record(
        actor=f"api-key:{key.id}", action="session.sign_in", now=now, issuer_id=key.issuer_id
    )
    return NewSession(token=token, key=key, expires_at=expires_at)


def session_key(repo: Repositories, token: str | None, *, now: datetime) -> ApiKey:
    """The live API key behind a session token; :class:`AuthenticationError` when there is
    none (no cookie, expired, signed out, or its key revoked)."""
    key = repo.access.session_key(_hash(token), now=now) if token else None
    if key is None:
        raise AuthenticationError("Sign in with an API key: the session has ended or is missing.")
    return key


def sign_out(repo: Repositories, token: str | None) -> None:
    """End the session (nothing happens for an unknown token)."""
    if token:
        repo.access.end_session(_hash(token))


def csrf_token(token: str) -> str:
    """The form token of a session (HMAC of the session token: the same for its lifetime)."""
    return hmac.new(token.encode(), b"tessera-csrf", hashlib.sha256).hexdigest()


def csrf_matches(token: str | None, presented: str | None) -> bool:
    """Whether a form's ``presented`` token belongs to the session ``token`` (constant time)."""
    if not token or not presented:
        return False
    return hmac.compare_digest(csrf_token(token), presented)


__all__ = [
    "SESSION_MINUTES",
    "NewSession",
    "csrf_matches",
    "csrf_token",
    "session_key",
    "sign_in",
    "sign_out",
]
