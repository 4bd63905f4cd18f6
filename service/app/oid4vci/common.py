"""What every step of the OID4VCI flow shares: identifiers, the stored form of secrets, the
configuration a credential is offered under, and a step's :class:`Outcome`."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from service.errors import OAuthError
from service.store.records import Credential

T = TypeVar("T")
#: How long a pre-authorized code lives (each read of an offer mints a new one).
CODE_LIFETIME = timedelta(minutes=10)
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: The configuration of credentials not made from a catalogue module (VC-API).
GENERIC_CONFIGURATION = "OpenBadgeCredential"
#: The configuration of a learner's CLR 2.0 transcript (issued with a qualification).
CLR_CONFIGURATION = "ClrCredential"
MODULE_PREFIX = "module-"


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A step's answer or its refusal. A refusal that changed state (a counted wrong
    transaction code, a used-up nonce) must be committed before it is raised, so the use case
    returns it and the caller raises it (:meth:`result`) after the transaction ends."""

    value: T | None = None
    error: OAuthError | None = None

    def result(self) -> T:
        if self.error is not None:
            raise self.error
        if self.value is None:  # pragma: no cover - every Outcome holds one of the two
            raise OAuthError("server_error", "No answer.", 500)
        return self.value


def secret_hash(value: str) -> str:
    """The stored form of a code, token, reference or nonce."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh random secret (256 bits, URL-safe): a reference, code, token or nonce."""
    return secrets.token_urlsafe(32)


def issuer_identifier(base_url: str, slug: str) -> str:
    """The provider's Credential Issuer Identifier (also its Authorization Server's issuer)."""
    return f"{base_url.rstrip('/')}/issuers/{slug}"


def configuration_id(row: Credential) -> str:
    """The configuration a stored credential is offered under: its module's, a CLR
    transcript's, or the generic Open Badge one (VC-API credentials, qualifications)."""
    if row.module_id:
        return f"{MODULE_PREFIX}{row.module_id}"
    types = row.document.get("type")
    if isinstance(types, list) and CLR_CONFIGURATION in types:
        return CLR_CONFIGURATION
    return GENERIC_CONFIGURATION


__all__ = [
    "CLR_CONFIGURATION",
    "CODE_LIFETIME",
    "GENERIC_CONFIGURATION",
    "MODULE_PREFIX",
    "PRE_AUTHORIZED_GRANT",
    "Outcome",
    "configuration_id",
    "issuer_identifier",
    "new_secret",
    "secret_hash",
]
