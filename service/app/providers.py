"""Providers (issuers): registering one, its DID and DID document, signing keys, rotation
and declaring a key compromised.

A did:web provider's keys live in the key store and are listed, all of them, in the DID
document the service publishes, so what a retired key signed still verifies; a did:key
provider *is* its one key. Every change is audited in the caller's transaction.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from service.app.access import SCOPES, NewApiKey, create_api_key
from service.dids import controller_document, did_web_of
from service.errors import ConflictError, NotFoundError, ValidationFailed
from service.keys import KeyInfo, KeyStore
from service.store.records import Issuer
from service.store.repositories import Repositories

DID_METHODS = ("web", "key")


def slugify(name: str) -> str:
    """A URL-safe provider slug from a name (ASCII letters, digits and dashes)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:48]
    return slug or "provider"


def issuer_did(base_url: str, slug: str) -> str:
    """``did:web:HOST:issuers:SLUG``, published at ``{base_url}/issuers/SLUG/did.json``."""
    return f"did:web:{did_web_of(base_url)}:issuers:{slug}"


def _new_signing_key(
    repo: Repositories, keys: KeyStore, issuer: Issuer, *, actor: str, now: datetime
) -> str:
    if not issuer.did.startswith("did:web:"):
        raise ValidationFailed(
            f"Provider {issuer.slug!r} is identified by its key ({issuer.did}), so its key "
            "cannot change: create a did:web provider to have rotatable keys."
        )
    existing = len(repo.providers.issuer_keys(issuer.id))
    key_name = f"{issuer.slug}-{existing + 1}"[:63]
    info = keys.generate(
        key_name, did_web=issuer.did.removeprefix("did:web:"), dev=keys_are_dev(keys)
    )
    _record_signing_key(repo, issuer, key_name, info, actor=actor, now=now)
    return info.verification_method


def _record_signing_key(
    repo: Repositories,
    issuer: Issuer,
    key_name: str,
    info: KeyInfo,
    *,
    actor: str,
    now: datetime,
) -> None:
    repo.providers.add_issuer_key(
        issuer_id=issuer.id,
        key_name=key_name,
        verification_method=info.verification_method,
        public_key_multibase=info.public_key_multibase,
        now=now,
    )
    repo.audit.record(
        actor=actor,
        action="key.create",
        now=now,
        issuer_id=issuer.id,
        subject=info.verification_method,
    )


def keys_are_dev(keys: KeyStore) -> bool:
    """Without a passphrase the store can only hold development keys."""
    return not keys.has_passphrase


def create_issuer(
    repo: Repositories,
    keys: KeyStore,
    *,
    name: str,
    url: str | None,
    slug: str | None,
    base_url: str,
    actor: str,
    now: datetime,
    suspension: bool = False,
    did_method: str = "web",
) -> tuple[Issuer, NewApiKey]:
    """Register a provider: an identity, a signing key, and a first admin API key.

    ``did_method`` ``"web"`` (default) gives it ``did:web`` under the service's origin, with a
    DID document the service publishes and keys it can rotate; ``"key"`` gives a provider
    without a domain of its own a ``did:key``, which *is* its one key (so it cannot rotate).
    ``suspension`` gives its credentials a second status entry, so they can be suspended."""
    if not name.strip():
        raise ValidationFailed("A provider needs a name.")
    if did_method not in DID_METHODS:
        raise ValidationFailed(
            f"DID method {did_method!r} is not offered: choose {' or '.join(DID_METHODS)}."
        )
    slug = slug or slugify(name)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,47}", slug):
        raise ValidationFailed(f"Slug {slug!r} must be 1-48 lower-case letters, digits or dashes.")
    did_key: tuple[str, KeyInfo] | None = None  # (key name, key) of a did:key provider
    if did_method == "key":
        try:
            repo.providers.issuer_by_slug(slug)
        except NotFoundError:
            pass
        else:
            raise ConflictError(f"A provider with the slug {slug!r} already exists.")
        # The key comes first: a did:key is derived from it.
        did_key = (f"{slug}-1", keys.generate(f"{slug}-1", dev=keys_are_dev(keys)))
        did = did_key[1].controller
    else:
        did = issuer_did(base_url, slug)
    issuer = repo.providers.add_issuer(
        slug=slug, name=name.strip(), url=url, did=did, suspension_enabled=suspension, now=now
    )
    repo.audit.record(
        actor=actor, action="issuer.create", now=now, issuer_id=issuer.id, subject=issuer.did
    )
    if did_key is None:
        _new_signing_key(repo, keys, issuer, actor=actor, now=now)
    else:
        _record_signing_key(repo, issuer, *did_key, actor=actor, now=now)
    api_key = create_api_key(
        repo, issuer=issuer, label="first key", scopes=SCOPES, actor=actor, now=now
    )
    return issuer, api_key


def rotate_key(
    repo: Repositories, keys: KeyStore, *, issuer: Issuer, actor: str, now: datetime
) -> str:
    """Make a new key the signing key. Old keys stay in the DID document, so old credentials verify."""
    return _new_signing_key(repo, keys, issuer, actor=actor, now=now)


def did_document(repo: Repositories, issuer: Issuer) -> dict[str, Any]:
    """The provider's DID document: every key it ever had, all usable for assertions (so
    what a rotated key signed still verifies); a key declared compromised carries its
    ``revoked`` time, and proofs it made from then on fail."""
    rows = repo.providers.issuer_keys(issuer.id)
    keys = [(k.verification_method, k.public_key_multibase) for k in rows]
    revoked = {k.verification_method: k.compromised_at for k in rows if k.compromised_at}
    return controller_document(issuer.did, keys, revoked=revoked)


def revoke_key(
    repo: Repositories,
    keys: KeyStore,
    *,
    issuer: Issuer,
    verification_method: str | None,
    since: datetime,
    actor: str,
    now: datetime,
) -> tuple[str, str | None]:
    """Declare one of the provider's keys compromised from ``since`` (default key: the active
    one). Signatures it made before ``since`` keep verifying; later ones fail everywhere the
    DID document is read. When it is the signing key, a new key takes over first.

    Returns (the revoked verification method, the new signing key's or None)."""
    rows = repo.providers.issuer_keys(issuer.id)
    if verification_method is None:
        row = next((k for k in rows if k.active), None)
    else:
        row = next(
            (k for k in rows if verification_method in (k.verification_method, k.key_name)), None
        )
    if row is None:
        known = ", ".join(k.verification_method for k in rows)
        raise NotFoundError(
            f"Provider {issuer.slug!r} has no key {verification_method!r}; its keys: {known}."
        )
    if since > now:
        raise ValidationFailed(
            "A key is declared compromised from a moment that has come: --since is in the future."
        )
    if row.compromised_at is not None and row.compromised_at <= since:
        raise ConflictError(
            f"{row.verification_method} is already revoked since {row.compromised_at:%Y-%m-%d %H:%M}."
        )
    replacement = _new_signing_key(repo, keys, issuer, actor=actor, now=now) if row.active else None
    row = repo.providers.mark_key_compromised(row.id, since=since)
    repo.audit.record(
        actor=actor,
        action="key.revoke",
        now=now,
        issuer_id=issuer.id,
        subject=row.verification_method,
        detail=f"compromised since {since.isoformat()}",
    )
    return row.verification_method, replacement


__all__ = [
    "DID_METHODS",
    "create_issuer",
    "did_document",
    "issuer_did",
    "keys_are_dev",
    "revoke_key",
    "rotate_key",
    "slugify",
]
