"""Learner wallet links: a private, revocable link per learner that lists their credentials.

A link is ``{base_url}/wallet/{token}``. The token is 160 random bits written as 32 Crockford
Base32 characters (case-insensitive, no look-alike letters, so it survives being read out or
typed from paper). Only its SHA-256 is stored: a database leak reveals no working link. A
provider can renew a link (new token, same credentials: for a lost phone or a leaked link)
and revoke it; a revoked link answers "gone" and shows nothing.

Each award gets a link (:func:`link_awards`, called by issuing). Awards for the same learner
(the same provider ``learnerId`` *and* the same name) share one live link, so a learner's
wallet grows with each module and the bundle holds all of them. The token is returned once,
when the link is made; a credential that joins an existing link returns no token, because
the learner already has it.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.contexts import CREDENTIALS_V2
from service.errors import (
    ConflictError,
    MalformedDocumentError,
    NotFoundError,
    ValidationFailed,
    WalletLinkRevoked,
    WalletNotFound,
)
from service.export.binary import crockford_decode, crockford_encode
from service.i18n import supported
from service.store import Repositories
from service.store.records import Credential, Issuer, WalletLink
from service.store.repositories import NewLink, new_id

TOKEN_BITS = 160
TOKEN_LENGTH = TOKEN_BITS // 5  # 32 characters


# -- tokens -----------------------------------------------------------------------------


def new_token() -> str:
    """A fresh wallet token: 160 bits from the OS CSPRNG, lower-case Crockford Base32."""
    return crockford_encode(secrets.randbits(TOKEN_BITS), TOKEN_LENGTH).lower()


def token_hash(token: str) -> str | None:
    """SHA-256 (hex) of the token's canonical form, or None if it cannot be a token."""
    cleaned = token.strip().replace("-", "")
    if len(cleaned) != TOKEN_LENGTH:
        return None
    try:
        number = crockford_decode(cleaned)
    except MalformedDocumentError:
        return None
    canonical = crockford_encode(number, TOKEN_LENGTH)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def wallet_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/wallet/{token}"


def _language(language: str | None) -> str | None:
    if not language:
        return None
    return supported(language) or language[:20]  # fa-AF -> prs: Dari, not Iranian Persian


def _same_name(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return norm(a) == norm(b)


# -- links for awards -------------------------------------------------------------------


@dataclass(frozen=True)
class WalletAward:
    """One freshly issued credential, as issuing knows it."""

    credential_id: str
    learner_name: str
    learner_ref: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class IssuedLink:
    """A credential's wallet link. ``token``/``url`` are set only when the link was made now
    (shown once); otherwise the credential joined a link the learner already holds."""

    link_id: str
    token: str | None
    url: str | None

    def to_json(self) -> dict[str, Any]:
        return {"walletLinkId": self.link_id, "walletUrl": self.url}


def _create(
    repo: Repositories,
    *,
    issuer: Issuer,
    learner_ref: str | None,
    language: str | None,
    actor: str,
    now: datetime,
) -> tuple[WalletLink, str]:
    token = new_token()
    row = repo.wallet.add_wallet_link(
        issuer_id=issuer.id,
        token_hash=_hash_of_new(token),
        learner_ref=learner_ref,
        language=_language(language),
        now=now,
    )
    repo.audit.record(
        actor=actor, action="wallet_link.create", now=now, issuer_id=issuer.id, subject=row.id
    )
    return row, token


def _hash_of_new(token: str) -> str:
    digest = token_hash(token)
    if digest is None:  # pragma: no cover - new_token() always makes a valid token
        raise RuntimeError("a freshly made wallet token did not parse")
    return digest


def link_awards(
    repo: Repositories,
    *,
    issuer: Issuer,
    awards: Sequence[WalletAward],
    base_url: str,
    actor: str,
    now: datetime,
) -> dict[str, IssuedLink]:
    """Give every award a wallet link (credential id -> link), in the issuing transaction,
    after the credentials are stored. A few statements for a whole cohort.

    Awards with the same ``learner_ref`` and the same name share a link: the one that
    learner already has at this provider (live, and holding only credentials in that name),
    or one made now.
    """
    refs = {a.learner_ref.strip() for a in awards if a.learner_ref and a.learner_ref.strip()}
    names_of: dict[str, list[str]] = {}
    ref_of: dict[str, str] = {}
    for live_id, live_ref, name in (
        repo.wallet.live_wallet_links_of(issuer.id, refs) if refs else []
    ):
        names_of.setdefault(live_id, []).append(name)
        ref_of[live_id] = live_ref
    existing: dict[str, str] = {}  # learner ref -> live link id (the oldest that fits)
    for live_id, names in names_of.items():
        if ref_of[live_id] not in existing and all(_same_name(n, names[0]) for n in names):
            existing[ref_of[live_id]] = live_id
    new_rows: list[NewLink] = []
    tokens: dict[str, str] = {}  # new link id -> token
    by_learner: dict[tuple[str, str], str] = {}  # (ref, name) -> link id, this batch
    links: dict[str, IssuedLink] = {}
    assignments: dict[str, str] = {}
    for award in awards:
        ref = award.learner_ref.strip() if award.learner_ref else ""
        name = " ".join(unicodedata.normalize("NFKC", award.learner_name).casefold().split())
        link_id = by_learner.get((ref, name)) if ref else None
        if link_id is None and ref in existing:
            candidate = existing[ref]
            if _same_name(names_of[candidate][0], award.learner_name):
                link_id = candidate
        if link_id is None:
            token = new_token()
            row = NewLink(
                id=new_id(),
                token_hash=_hash_of_new(token),
                learner_ref=ref or None,
                language=_language(award.language),
            )
            new_rows.append(row)
            link_id = row.id
            tokens[link_id] = token
        if ref:
            by_learner[(ref, name)] = link_id
        token_now = tokens.get(link_id)
        assignments[award.credential_id] = link_id
        links[award.credential_id] = IssuedLink(
            link_id=link_id,
            token=token_now,
            url=wallet_url(base_url, token_now) if token_now else None,
        )
    repo.wallet.add_wallet_links(issuer_id=issuer.id, links=new_rows, now=now)
    if new_rows:
        repo.audit.record_many(
            actor=actor,
            action="wallet_link.create",
            now=now,
            issuer_id=issuer.id,
            subjects=[r.id for r in new_rows],
        )
    repo.wallet.attach_to_wallet_links(issuer.id, assignments)
    return links


# -- the provider's operations ----------------------------------------------------------


@dataclass(frozen=True)
class NewWalletLink:
    """A link made or renewed now: the token is shown this once."""

    row: WalletLink
    token: str
    url: str


def create_wallet_link(
    repo: Repositories,
    *,
    issuer: Issuer,
    credential_ids: Sequence[str],
    language: str | None,
    learner_ref: str | None,
    base_url: str,
    actor: str,
    now: datetime,
) -> NewWalletLink:
    """A new link holding ``credential_ids`` (the provider's own, in no live link yet)."""
    if not credential_ids or len(credential_ids) > 500:
        raise ValidationFailed("Send 1 to 500 credentialIds for the new wallet link.")
    rows = repo.credentials.credentials_by_ids(issuer.id, list(dict.fromkeys(credential_ids)))
    found = {r.id for r in rows}
    missing = [c for c in credential_ids if c not in found]
    if missing:
        raise NotFoundError(f"No credential {missing[0]!r} for this provider.")
    for row in rows:
        if row.wallet_link_id is not None:
            current = repo.wallet.wallet_link(issuer.id, row.wallet_link_id)
            if current.revoked_at is None:
                raise ConflictError(
                    f"Credential {row.id} is already in the live wallet link {current.id}: "
                    "renew that link to give the learner a new address."
                )
    link, token = _create(
        repo, issuer=issuer, learner_ref=learner_ref, language=language, actor=actor, now=now
    )
    repo.wallet.attach_to_wallet_links(issuer.id, {r.id: link.id for r in rows})
    return NewWalletLink(row=link, token=token, url=wallet_url(base_url, token))


def renew_wallet_link(
    repo: Repositories, *, issuer: Issuer, link_id: str, base_url: str, actor: str, now: datetime
) -> NewWalletLink:
    """A new token for the same link: the old address stops working at once."""
    row = repo.wallet.wallet_link(issuer.id, link_id)
    if row.revoked_at is not None:
        raise ConflictError("This wallet link is revoked; create a new one for its credentials.")
    token = new_token()
    row = repo.wallet.set_token_hash(issuer.id, row.id, _hash_of_new(token))
    repo.audit.record(
        actor=actor, action="wallet_link.renew", now=now, issuer_id=issuer.id, subject=row.id
    )
    return NewWalletLink(row=row, token=token, url=wallet_url(base_url, token))


def revoke_wallet_link(
    repo: Repositories, *, issuer: Issuer, link_id: str, actor: str, now: datetime
) -> WalletLink:
    """Revoke a link (idempotent). Its credentials stay valid and can get a new link."""
    row, revoked = repo.wallet.revoke_wallet_link(issuer.id, link_id, now=now)
    if revoked:
        repo.audit.record(
            actor=actor, action="wallet_link.revoke", now=now, issuer_id=issuer.id, subject=row.id
        )
    return row


def describe(repo: Repositories, row: WalletLink) -> dict[str, Any]:
    """A link as the provider's API shows it: never the token or its hash."""
    return {
        "id": row.id,
        "learnerRef": row.learner_ref,
        "language": row.language,
        "credentialIds": [c.id for c in repo.wallet.wallet_credentials(row.id)],
        "createdAt": row.created_at.isoformat(),
        "revokedAt": row.revoked_at.isoformat() if row.revoked_at else None,
    }


# -- the learner's side -----------------------------------------------------------------


@dataclass(frozen=True)
class Wallet:
    """An open wallet: the link, its provider and its credentials (oldest first)."""

    link: WalletLink
    issuer: Issuer
    credentials: tuple[Credential, ...]
    #: module id -> the module's catalogue data, for the credentials' modules
    modules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def credential(self, credential_id: str) -> Credential:
        for row in self.credentials:
            if row.id == credential_id:
                return row
        raise NotFoundError("No such credential in this wallet.")

    def catalogue(self, row: Credential) -> Mapping[str, Any] | None:
        """The catalogue entry (module data) ``row`` was issued from, if any."""
        return self.modules.get(row.module_id) if row.module_id else None


def catalogue_entry(repo: Repositories, row: Credential) -> Mapping[str, Any] | None:
    """The module data a stored credential was issued from (None for VC-API credentials).

    Modules are never edited once defined, so this is what the provider stated when it
    issued; pages read from it what Open Badges has no term for (learning hours)."""
    if not row.module_id:
        return None
    return dict(repo.catalogue.module(row.issuer_id, row.module_id).data)


def open_wallet(repo: Repositories, token: str) -> Wallet:
    """The wallet behind ``token``. Unknown -> :class:`WalletNotFound`; revoked ->
    :class:`WalletLinkRevoked`."""
    digest = token_hash(token)
    row = repo.wallet.wallet_link_by_token_hash(digest) if digest else None
    if row is None:
        raise WalletNotFound("No wallet at this address.")
    if row.revoked_at is not None:
        raise WalletLinkRevoked("This wallet link was revoked by the provider.")
    credentials = tuple(repo.wallet.wallet_credentials(row.id))
    modules: dict[str, Mapping[str, Any]] = {}
    for credential in credentials:  # one read per module, however many credentials share it
        if credential.module_id and credential.module_id not in modules:
            entry = catalogue_entry(repo, credential)
            if entry is not None:
                modules[credential.module_id] = entry
    return Wallet(
        link=row,
        issuer=repo.providers.issuer(row.issuer_id),
        credentials=credentials,
        modules=modules,
    )


def presentation(credentials: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """An unsigned W3C ``VerifiablePresentation`` holding ``credentials``: the bundle file.

    Wallets that import files (the Learner Credential Wallet, for one) read a presentation's
    ``verifiableCredential`` list; each credential keeps its own proof, so the bundle needs no
    signature of its own (VC Data Model 2.0 §4.13 allows a presentation without one).
    """
    return {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [dict(c) for c in credentials],
    }


__all__ = [
    "TOKEN_BITS",
    "IssuedLink",
    "NewWalletLink",
    "Wallet",
    "WalletAward",
    "create_wallet_link",
    "describe",
    "link_awards",
    "new_token",
    "open_wallet",
    "presentation",
    "renew_wallet_link",
    "revoke_wallet_link",
    "token_hash",
    "wallet_url",
]
