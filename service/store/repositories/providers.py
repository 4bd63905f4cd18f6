"""Providers (issuers) and their signing keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.errors import ConflictError, NotFoundError
from service.store.models import IssuerKeyRow, IssuerRow
from service.store.records import Issuer, IssuerKey, record
from service.store.repositories._base import SessionRepository, new_id


class ProviderRepository(SessionRepository):
    """Issuers and their keys. A provider has exactly one active (signing) key at a time;
    retired keys stay so that what they signed still verifies."""

    def add_issuer(
        self,
        *,
        slug: str,
        name: str,
        url: str | None,
        did: str,
        suspension_enabled: bool = False,
        now: datetime,
    ) -> Issuer:
        """:class:`ConflictError` if the slug is taken."""
        row = IssuerRow(
            id=new_id(),
            slug=slug,
            name=name,
            url=url,
            did=did,
            suspension_enabled=suspension_enabled,
            created_at=now,
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError:
            raise ConflictError(f"A provider with the slug {slug!r} already exists.") from None
        return record(Issuer, row)

    def issuer_by_slug(self, slug: str) -> Issuer:
        row = self._session.scalar(select(IssuerRow).where(IssuerRow.slug == slug))
        if row is None:
            raise NotFoundError(f"No provider {slug!r}.")
        return record(Issuer, row)

    def issuer(self, issuer_id: str) -> Issuer:
        row = self._session.get(IssuerRow, issuer_id)
        if row is None:
            raise NotFoundError(f"No provider with id {issuer_id!r}.")
        return record(Issuer, row)

    def issuer_by_did(self, did: str) -> Issuer | None:
        row = self._session.scalar(select(IssuerRow).where(IssuerRow.did == did))
        return None if row is None else record(Issuer, row)

    def issuers(self) -> list[Issuer]:
        rows = self._session.scalars(select(IssuerRow).order_by(IssuerRow.slug)).all()
        return [record(Issuer, row) for row in rows]

    def add_issuer_key(
        self,
        *,
        issuer_id: str,
        key_name: str,
        verification_method: str,
        public_key_multibase: str,
        now: datetime,
    ) -> IssuerKey:
        """Add a key and make it the only active (signing) one; older keys stay published."""
        for old in self._key_rows(issuer_id):
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
        self._session.add(row)
        self._session.flush()
        return record(IssuerKey, row)

    def _key_rows(self, issuer_id: str) -> Sequence[IssuerKeyRow]:
        return self._session.scalars(
            select(IssuerKeyRow)
            .where(IssuerKeyRow.issuer_id == issuer_id)
            .order_by(IssuerKeyRow.created_at)
        ).all()

    def issuer_keys(self, issuer_id: str) -> list[IssuerKey]:
        """Every key the provider ever had, oldest first."""
        return [record(IssuerKey, row) for row in self._key_rows(issuer_id)]

    def mark_key_compromised(self, key_id: str, *, since: datetime) -> IssuerKey:
        """Declare the key compromised from ``since`` (proofs it made from then on fail)."""
        row = self._session.get(IssuerKeyRow, key_id)
        if row is None:
            raise NotFoundError(f"No key {key_id!r}.")
        row.compromised_at = since
        self._session.flush()
        return record(IssuerKey, row)

    def active_key(self, issuer_id: str) -> IssuerKey:
        """:class:`NotFoundError` (saying what to do) when the provider has none."""
        for row in self.issuer_keys(issuer_id):
            if row.active:
                return row
        raise NotFoundError("The provider has no active signing key; run `tessera keys rotate`.")


__all__ = ["ProviderRepository"]
