"""API keys: how a provider's clients are let in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from service.errors import NotFoundError
from service.store.models import ApiKeyRow
from service.store.records import ApiKey, record
from service.store.repositories._base import SessionRepository, new_id


class AccessRepository(SessionRepository):
    """API keys, stored as a public prefix and a hash of the secret (never the secret)."""

    def add_api_key(
        self,
        *,
        issuer_id: str,
        prefix: str,
        secret_hash: str,
        label: str,
        scopes: str,
        now: datetime,
    ) -> ApiKey:
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
        self._session.add(row)
        self._session.flush()
        return record(ApiKey, row)

    def api_key_by_prefix(self, prefix: str) -> ApiKey | None:
        row = self._session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
        return None if row is None else record(ApiKey, row)

    def api_keys(self, issuer_id: str) -> list[ApiKey]:
        rows = self._session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.issuer_id == issuer_id).order_by(ApiKeyRow.created_at)
        ).all()
        return [record(ApiKey, row) for row in rows]

    def _row(self, issuer_id: str, key_id: str) -> ApiKeyRow:
        row = self._session.get(ApiKeyRow, key_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No API key {key_id!r}.")
        return row

    def api_key(self, issuer_id: str, key_id: str) -> ApiKey:
        """The provider's own key; another provider's is simply not found."""
        return record(ApiKey, self._row(issuer_id, key_id))

    def revoke_api_key(self, issuer_id: str, key_id: str, *, now: datetime) -> bool:
        """Revoke the provider's key; False when it was revoked already (nothing changes)."""
        row = self._row(issuer_id, key_id)
        if row.revoked_at is not None:
            return False
        row.revoked_at = now
        self._session.flush()
        return True


__all__ = ["AccessRepository"]
