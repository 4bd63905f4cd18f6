"""Rows <-> domain. One :class:`Repository` wraps one session (one transaction).

The use cases in ``service.app.issuing`` receive a repository and never touch SQLAlchemy.
Every query that reads a provider's records is scoped by ``issuer_id``, so one provider can
never see another's: a foreign id simply is not found.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import ConflictError, NotFoundError
from service.store.models import (
    ApiKeyRow,
    AuditRow,
    CredentialRow,
    IdempotencyRow,
    IssuerKeyRow,
    IssuerRow,
    ModuleRow,
    ProgrammeRow,
    TrustEntryRow,
    VerificationCountRow,
    WalletLinkRow,
)


def new_id() -> str:
    return str(uuid.uuid4())


def new_public_id() -> str:
    """An id that ends up in public links (a credential's ``/v/{code}`` and
    ``/credentials/{id}``): 128 random bits in UUID form. (A version-4 UUID fixes 6 of its
    bits, leaving 122; whoever holds the link may see the credential, so the link itself must
    not be guessable.)"""
    return str(uuid.UUID(bytes=secrets.token_bytes(16)))


@dataclass(frozen=True)
class NewCredential:
    """A signed credential ready to store."""

    id: str
    module_id: str | None
    learner_name: str
    learner_ref: str | None
    document: dict[str, Any]


class Repository:
    """Data access for one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- issuers and their keys ------------------------------------------------------------

    def add_issuer(
        self, *, slug: str, name: str, url: str | None, did: str, now: datetime
    ) -> IssuerRow:
        row = IssuerRow(id=new_id(), slug=slug, name=name, url=url, did=did, created_at=now)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:
            raise ConflictError(f"A provider with the slug {slug!r} already exists.") from None
        return row

    def issuer_by_slug(self, slug: str) -> IssuerRow:
        row = self.session.scalar(select(IssuerRow).where(IssuerRow.slug == slug))
        if row is None:
            raise NotFoundError(f"No provider {slug!r}.")
        return row

    def issuer(self, issuer_id: str) -> IssuerRow:
        row = self.session.get(IssuerRow, issuer_id)
        if row is None:
            raise NotFoundError(f"No provider with id {issuer_id!r}.")
        return row

    def issuers(self) -> Sequence[IssuerRow]:
        return self.session.scalars(select(IssuerRow).order_by(IssuerRow.slug)).all()

    def add_issuer_key(
        self,
        *,
        issuer_id: str,
        key_name: str,
        verification_method: str,
        public_key_multibase: str,
        now: datetime,
    ) -> IssuerKeyRow:
        """Add a key and make it the only active (signing) one; older keys stay published."""
        for old in self.issuer_keys(issuer_id):
            if old.active:
                old.active = False
                old.retired_at = now
        row = IssuerKeyRow(
            id=new_id(),
            issuer_id=issuer_id,
            key_name=key_name,
            verification_method=verification_method,
            public_key_multibase=public_key_multibase,
            active=True,
            created_at=now,
            retired_at=None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def issuer_keys(self, issuer_id: str) -> Sequence[IssuerKeyRow]:
        return self.session.scalars(
            select(IssuerKeyRow)
            .where(IssuerKeyRow.issuer_id == issuer_id)
            .order_by(IssuerKeyRow.created_at)
        ).all()

    def active_key(self, issuer_id: str) -> IssuerKeyRow:
        for row in self.issuer_keys(issuer_id):
            if row.active:
                return row
        raise NotFoundError("The provider has no active signing key; run `tessera keys rotate`.")

    # -- API keys --------------------------------------------------------------------------

    def add_api_key(
        self,
        *,
        issuer_id: str,
        prefix: str,
        secret_hash: str,
        label: str,
        scopes: str,
        now: datetime,
    ) -> ApiKeyRow:
        row = ApiKeyRow(
            id=new_id(),
            issuer_id=issuer_id,
            prefix=prefix,
            secret_hash=secret_hash,
            label=label,
            scopes=scopes,
            created_at=now,
            revoked_at=None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def api_key_by_prefix(self, prefix: str) -> ApiKeyRow | None:
        return self.session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))

    def api_keys(self, issuer_id: str) -> Sequence[ApiKeyRow]:
        return self.session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.issuer_id == issuer_id).order_by(ApiKeyRow.created_at)
        ).all()

    def api_key(self, issuer_id: str, key_id: str) -> ApiKeyRow:
        row = self.session.get(ApiKeyRow, key_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No API key {key_id!r}.")
        return row

    # -- catalogue -------------------------------------------------------------------------

    def add_programme(self, *, issuer_id: str, data: dict[str, Any], now: datetime) -> ProgrammeRow:
        row = ProgrammeRow(
            id=new_id(), issuer_id=issuer_id, data=data, created_at=now, updated_at=now
        )
        self.session.add(row)
        self.session.flush()
        return row

    def programme(self, issuer_id: str, programme_id: str) -> ProgrammeRow:
        row = self.session.get(ProgrammeRow, programme_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No programme {programme_id!r}.")
        return row

    def programmes(self, issuer_id: str) -> Sequence[ProgrammeRow]:
        return self.session.scalars(
            select(ProgrammeRow)
            .where(ProgrammeRow.issuer_id == issuer_id)
            .order_by(ProgrammeRow.created_at)
        ).all()

    def add_module(
        self, *, issuer_id: str, programme_id: str | None, data: dict[str, Any], now: datetime
    ) -> ModuleRow:
        row = ModuleRow(
            id=new_id(),
            issuer_id=issuer_id,
            programme_id=programme_id,
            data=data,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def module(self, issuer_id: str, module_id: str) -> ModuleRow:
        row = self.session.get(ModuleRow, module_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No module {module_id!r}.")
        return row

    def modules(self, issuer_id: str) -> Sequence[ModuleRow]:
        return self.session.scalars(
            select(ModuleRow).where(ModuleRow.issuer_id == issuer_id).order_by(ModuleRow.created_at)
        ).all()

    # -- credentials -----------------------------------------------------------------------

    def add_credentials(
        self,
        *,
        issuer_id: str,
        credentials: Sequence[NewCredential],
        batch_id: str | None,
        now: datetime,
    ) -> None:
        """Insert many credentials in one statement (executemany), within the transaction.

        :class:`ConflictError` if a record id is taken (a client-chosen ``urn:uuid`` id that
        another request claimed a moment earlier)."""
        if not credentials:
            return
        try:
            self._insert_credentials(issuer_id, credentials, batch_id, now)
        except IntegrityError:
            raise ConflictError(
                "A credential with this id was recorded a moment ago by another request: "
                "send the request again with a new id."
            ) from None

    def _insert_credentials(
        self,
        issuer_id: str,
        credentials: Sequence[NewCredential],
        batch_id: str | None,
        now: datetime,
    ) -> None:
        self.session.execute(
            insert(CredentialRow),
            [
                {
                    "id": c.id,
                    "issuer_id": issuer_id,
                    "module_id": c.module_id,
                    "learner_name": c.learner_name,
                    "learner_ref": c.learner_ref,
                    "batch_id": batch_id,
                    "document": c.document,
                    "issued_at": now,
                }
                for c in credentials
            ],
        )

    def credential(self, issuer_id: str, credential_id: str) -> CredentialRow:
        row = self.session.get(CredentialRow, credential_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No credential {credential_id!r}.")
        return row

    def credential_by_document_id(self, issuer_id: str, document_id: str) -> CredentialRow:
        """The provider's credential whose signed document has this ``id`` (a VC-API client
        may choose any absolute URL); the newest if it issued that id more than once."""
        row = self.session.scalars(
            select(CredentialRow)
            .where(
                CredentialRow.issuer_id == issuer_id,
                CredentialRow.document["id"].as_string() == document_id,
            )
            .order_by(CredentialRow.issued_at.desc())
            .limit(1)
        ).first()
        if row is None:
            raise NotFoundError(f"No credential {document_id!r}.")
        return row

    def credential_exists(self, credential_id: str) -> bool:
        """Whether any provider has a credential record with this id."""
        return self.session.get(CredentialRow, credential_id) is not None

    def credentials(self, issuer_id: str, *, limit: int, offset: int) -> Sequence[CredentialRow]:
        return self.session.scalars(
            select(CredentialRow)
            .where(CredentialRow.issuer_id == issuer_id)
            .order_by(CredentialRow.issued_at.desc(), CredentialRow.id)
            .limit(limit)
            .offset(offset)
        ).all()

    def credentials_by_ids(self, issuer_id: str, ids: Sequence[str]) -> list[CredentialRow]:
        rows = self.session.scalars(
            select(CredentialRow).where(
                CredentialRow.issuer_id == issuer_id, CredentialRow.id.in_(ids)
            )
        ).all()
        by_id = {r.id: r for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    # -- idempotency -----------------------------------------------------------------------

    def idempotent_result(self, issuer_id: str, key: str) -> IdempotencyRow | None:
        return self.session.scalar(
            select(IdempotencyRow).where(
                IdempotencyRow.issuer_id == issuer_id, IdempotencyRow.key == key
            )
        )

    def remember_idempotent(
        self,
        *,
        issuer_id: str,
        key: str,
        request_hash: str,
        credential_ids: list[str],
        now: datetime,
    ) -> bool:
        """Claim ``key`` for this request's result; False if another request holds it already.

        Two requests with one key can race past the replay check (a client retrying on a
        timeout, two service processes). ``ON CONFLICT DO NOTHING`` makes the loser wait for
        the winner's commit and then insert nothing, without an error that would abort this
        transaction, so the caller can answer with the winner's result instead.
        """
        dialect = self.session.get_bind().dialect.name
        insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert_for(IdempotencyRow)
            .values(
                issuer_id=issuer_id,
                key=key,
                request_hash=request_hash,
                credential_ids={"ids": credential_ids},
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["issuer_id", "key"])
            .returning(IdempotencyRow.id)
        )
        # RETURNING, not rowcount: psycopg reports -1 for this statement.
        return self.session.execute(statement).first() is not None

    # -- audit -----------------------------------------------------------------------------

    def audit(
        self,
        *,
        actor: str,
        action: str,
        now: datetime,
        issuer_id: str | None = None,
        subject: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Append one audit event: who, what, when; never credential content."""
        self.session.add(
            AuditRow(
                at=now,
                actor=actor,
                issuer_id=issuer_id,
                action=action,
                subject=subject,
                detail=detail,
            )
        )

    def audit_many(
        self, *, actor: str, action: str, now: datetime, issuer_id: str, subjects: Sequence[str]
    ) -> None:
        self.session.execute(
            insert(AuditRow),
            [
                {
                    "at": now,
                    "actor": actor,
                    "issuer_id": issuer_id,
                    "action": action,
                    "subject": s,
                    "detail": None,
                }
                for s in subjects
            ],
        )

    def audit_log(self, issuer_id: str | None = None, *, limit: int = 100) -> Sequence[AuditRow]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if issuer_id is not None:
            query = query.where(AuditRow.issuer_id == issuer_id)
        return self.session.scalars(query).all()

    # -- public verification: trust registry, credential lookup, aggregate counts ---------

    def trust_entries(self) -> Sequence[TrustEntryRow]:
        return self.session.scalars(select(TrustEntryRow).order_by(TrustEntryRow.name)).all()

    def put_trust_entry(
        self,
        *,
        did: str,
        name: str,
        country: str | None,
        accrediting_body: str | None,
        valid_from: datetime | None,
        valid_until: datetime | None,
        withdrawn_at: datetime | None,
        did_document: dict[str, Any] | None,
        now: datetime,
    ) -> bool:
        """Insert or replace (whole) the entry for ``did``; True when it is new."""
        row = self.session.scalar(select(TrustEntryRow).where(TrustEntryRow.did == did))
        created = row is None
        if row is None:
            row = TrustEntryRow(id=new_id(), did=did, created_at=now)
            self.session.add(row)
        row.name = name
        row.country = country
        row.accrediting_body = accrediting_body
        row.valid_from = valid_from
        row.valid_until = valid_until
        row.withdrawn_at = withdrawn_at
        row.did_document = did_document
        self.session.flush()
        return created

    def remove_trust_entry(self, did: str) -> bool:
        """Delete the registry entry for ``did``; False when there was none."""
        row = self.session.scalar(select(TrustEntryRow).where(TrustEntryRow.did == did))
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    def remove_trust_entries_except(self, keep: Collection[str]) -> int:
        """Delete every registry entry whose DID is not in ``keep``; how many went."""
        rows = self.session.scalars(select(TrustEntryRow)).all()
        gone = [r for r in rows if r.did not in keep]
        for row in gone:
            self.session.delete(row)
        self.session.flush()
        return len(gone)

    def issuer_by_did(self, did: str) -> IssuerRow | None:
        return self.session.scalar(select(IssuerRow).where(IssuerRow.did == did))

    def public_credential(self, credential_id: str) -> CredentialRow | None:
        """A credential by id alone, for the public verification link (whoever holds the
        link may see the credential; ids are random UUIDs)."""
        return self.session.get(CredentialRow, credential_id)

    def add_verification_counts(self, counts: Mapping[tuple[str, str], int]) -> None:
        """Add ``{(day, outcome): n}`` to the aggregate counters (one upsert per pair)."""
        dialect = self.session.get_bind().dialect.name
        insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for (day, outcome), n in sorted(counts.items()):
            statement = insert_for(VerificationCountRow).values(day=day, outcome=outcome, count=n)
            statement = statement.on_conflict_do_update(
                index_elements=["day", "outcome"],
                set_={"count": VerificationCountRow.count + statement.excluded.count},
            )
            self.session.execute(statement)

    def verification_counts(self) -> Sequence[VerificationCountRow]:
        return self.session.scalars(
            select(VerificationCountRow).order_by(
                VerificationCountRow.day, VerificationCountRow.outcome
            )
        ).all()

    # -- learner wallet links -----------------------------------------------------------------

    def add_wallet_link(
        self,
        *,
        issuer_id: str,
        token_hash: str,
        learner_ref: str | None,
        language: str | None,
        now: datetime,
    ) -> WalletLinkRow:
        row = WalletLinkRow(
            id=new_id(),
            issuer_id=issuer_id,
            token_hash=token_hash,
            learner_ref=learner_ref,
            language=language,
            created_at=now,
            revoked_at=None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def add_wallet_links(
        self, *, issuer_id: str, links: Sequence[WalletLinkRow], now: datetime
    ) -> None:
        """Insert many new links in one statement (a cohort's); ids and hashes are set."""
        if not links:
            return
        self.session.execute(
            insert(WalletLinkRow),
            [
                {
                    "id": link.id,
                    "issuer_id": issuer_id,
                    "token_hash": link.token_hash,
                    "learner_ref": link.learner_ref,
                    "language": link.language,
                    "created_at": now,
                    "revoked_at": None,
                }
                for link in links
            ],
        )

    def wallet_link(self, issuer_id: str, link_id: str) -> WalletLinkRow:
        row = self.session.get(WalletLinkRow, link_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No wallet link {link_id!r}.")
        return row

    def wallet_link_by_token_hash(self, token_hash: str) -> WalletLinkRow | None:
        return self.session.scalar(
            select(WalletLinkRow).where(WalletLinkRow.token_hash == token_hash)
        )

    def wallet_links(
        self, issuer_id: str, *, learner_ref: str | None, limit: int, offset: int
    ) -> Sequence[WalletLinkRow]:
        query = select(WalletLinkRow).where(WalletLinkRow.issuer_id == issuer_id)
        if learner_ref is not None:
            query = query.where(WalletLinkRow.learner_ref == learner_ref)
        return self.session.scalars(
            query.order_by(WalletLinkRow.created_at.desc(), WalletLinkRow.id)
            .limit(limit)
            .offset(offset)
        ).all()

    def live_wallet_links_of(
        self, issuer_id: str, learner_refs: Collection[str]
    ) -> list[tuple[str, str, str]]:
        """``(link id, learner ref, learner name of one of its credentials)`` for the live
        links of these learners."""
        found: list[tuple[str, str, str]] = []
        refs = sorted(set(learner_refs))
        for start in range(0, len(refs), 500):
            rows = self.session.execute(
                select(WalletLinkRow.id, WalletLinkRow.learner_ref, CredentialRow.learner_name)
                .join(CredentialRow, CredentialRow.wallet_link_id == WalletLinkRow.id)
                .where(
                    WalletLinkRow.issuer_id == issuer_id,
                    WalletLinkRow.revoked_at.is_(None),
                    WalletLinkRow.learner_ref.in_(refs[start : start + 500]),
                )
                .order_by(WalletLinkRow.created_at, WalletLinkRow.id)
            ).all()
            found.extend((r[0], r[1] or "", r[2]) for r in rows)
        return found

    def attach_to_wallet_links(self, issuer_id: str, assignments: Mapping[str, str]) -> None:
        """Put each credential (id -> link id) in its link; all are ``issuer_id``'s own."""
        if not assignments:
            return
        self.session.flush()
        # On the connection, an executemany UPDATE is plain Core (one statement, any
        # WHERE), not the ORM's bulk-update-by-primary-key.
        self.session.connection().execute(
            update(CredentialRow)
            .where(
                CredentialRow.issuer_id == issuer_id,
                CredentialRow.id == bindparam("credential_id"),
            )
            .values(wallet_link_id=bindparam("link_id")),
            [{"credential_id": c, "link_id": link} for c, link in assignments.items()],
        )
        self.session.expire_all()

    def wallet_credentials(self, link_id: str) -> Sequence[CredentialRow]:
        return self.session.scalars(
            select(CredentialRow)
            .where(CredentialRow.wallet_link_id == link_id)
            .order_by(CredentialRow.issued_at, CredentialRow.id)
        ).all()


__all__ = ["NewCredential", "Repository", "new_id", "new_public_id"]
