"""Rows <-> domain. One :class:`Repository` wraps one session (one transaction).

The use cases in ``service.issuance`` receive a repository and never touch SQLAlchemy.
Every query that reads a provider's records is scoped by ``issuer_id``, so one provider can
never see another's: a foreign id simply is not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select
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
)


def new_id() -> str:
    return str(uuid.uuid4())


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
        """Insert many credentials in one statement (executemany), within the transaction."""
        if not credentials:
            return
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
        )
        result = cast(CursorResult[Any], self.session.execute(statement))
        return result.rowcount == 1

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


__all__ = ["NewCredential", "Repository", "new_id"]
