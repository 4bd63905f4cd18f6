"""Issued credentials and the idempotency records of the requests that issued them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from service.errors import ConflictError, NotFoundError
from service.store.models import CredentialRow, IdempotencyRow
from service.store.records import Credential, IdempotencyRecord, record
from service.store.repositories._base import SessionRepository, upsert_insert


@dataclass(frozen=True)
class NewCredential:
    """A signed credential ready to store."""

    id: str
    module_id: str | None
    learner_name: str
    learner_ref: str | None
    document: dict[str, Any]


class CredentialRepository(SessionRepository):
    """Credentials as issued (the signed JSON). Reads by a provider are scoped by
    ``issuer_id``; only :meth:`public_credential` reads by id alone, for the public link."""

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
            self._session.execute(
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
        except IntegrityError:
            raise ConflictError(
                "A credential with this id was recorded a moment ago by another request: "
                "send the request again with a new id."
            ) from None

    def _row(self, issuer_id: str, credential_id: str) -> CredentialRow:
        row = self._session.get(CredentialRow, credential_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No credential {credential_id!r}.")
        return row

    def credential(self, issuer_id: str, credential_id: str) -> Credential:
        """The provider's own credential; anyone else's is not found."""
        return record(Credential, self._row(issuer_id, credential_id))

    def credential_by_document_id(self, issuer_id: str, document_id: str) -> Credential:
        """The provider's credential whose signed document has this ``id`` (a VC-API client
        may choose any absolute URL); the newest if it issued that id more than once."""
        row = self._session.scalars(
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
        return record(Credential, row)

    def credential_exists(self, credential_id: str) -> bool:
        """Whether any provider has a credential record with this id."""
        return self._session.get(CredentialRow, credential_id) is not None

    def credentials(self, issuer_id: str, *, limit: int, offset: int) -> list[Credential]:
        """Newest first."""
        rows = self._session.scalars(
            select(CredentialRow)
            .where(CredentialRow.issuer_id == issuer_id)
            .order_by(CredentialRow.issued_at.desc(), CredentialRow.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return [record(Credential, row) for row in rows]

    def credentials_by_ids(self, issuer_id: str, ids: Sequence[str]) -> list[Credential]:
        """The provider's credentials among ``ids``, in the order asked; others left out."""
        rows = self._session.scalars(
            select(CredentialRow).where(
                CredentialRow.issuer_id == issuer_id, CredentialRow.id.in_(ids)
            )
        ).all()
        by_id = {r.id: r for r in rows}
        return [record(Credential, by_id[i]) for i in ids if i in by_id]

    def public_credential(self, credential_id: str) -> Credential | None:
        """A credential by id alone, for the public verification link (whoever holds the
        link may see the credential; ids are random UUIDs)."""
        row = self._session.get(CredentialRow, credential_id)
        return None if row is None else record(Credential, row)

    # -- idempotency -----------------------------------------------------------------------

    def idempotent_result(self, issuer_id: str, key: str) -> IdempotencyRecord | None:
        row = self._session.scalar(
            select(IdempotencyRow).where(
                IdempotencyRow.issuer_id == issuer_id, IdempotencyRow.key == key
            )
        )
        return None if row is None else record(IdempotencyRecord, row)

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
        statement = (
            upsert_insert(self._session)(IdempotencyRow)
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
        return self._session.execute(statement).first() is not None


__all__ = ["CredentialRepository", "NewCredential"]
