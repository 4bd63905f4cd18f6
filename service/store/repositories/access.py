"""API keys: how a provider's clients (and the operator's) are let in, and the browser
sessions a provider's key opens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from service.errors import NotFoundError
from service.store.models import ApiKeyRow, BrowserSessionRow, OperatorKeyRow
from service.store.records import ApiKey, BrowserSession, OperatorKey, record
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

    # -- browser sessions (the provider's outcomes page) -----------------------------------

    def add_session(
        self, *, token_hash: str, api_key_id: str, now: datetime, expires_at: datetime
    ) -> BrowserSession:
        """Record a signed-in browser; sessions already expired are deleted on the way."""
        self._session.execute(delete(BrowserSessionRow).where(BrowserSessionRow.expires_at <= now))
        row = BrowserSessionRow(
            id=token_hash, api_key_id=api_key_id, created_at=now, expires_at=expires_at
        )
        self._session.add(row)
        self._session.flush()
        return record(BrowserSession, row)

    def session_key(self, token_hash: str, *, now: datetime) -> ApiKey | None:
        """The live API key behind an unexpired session (None: unknown, expired, revoked)."""
        row = self._session.scalar(
            select(ApiKeyRow)
            .join(BrowserSessionRow, BrowserSessionRow.api_key_id == ApiKeyRow.id)
            .where(
                BrowserSessionRow.id == token_hash,
                BrowserSessionRow.expires_at > now,
                ApiKeyRow.revoked_at.is_(None),
            )
        )
        return None if row is None else record(ApiKey, row)

    def end_session(self, token_hash: str) -> None:
        self._session.execute(delete(BrowserSessionRow).where(BrowserSessionRow.id == token_hash))

    # -- the operator's keys ---------------------------------------------------------------

    def add_operator_key(
        self, *, prefix: str, secret_hash: str, label: str, scopes: str, now: datetime
    ) -> OperatorKey:
        row = OperatorKeyRow(
            id=new_id(),
            prefix=prefix,
            secret_hash=secret_hash,
            label=label,
            scopes=scopes,
            created_at=now,
            revoked_at=None,
        )
        self._session.add(row)
        self._session.flush()
        return record(OperatorKey, row)

    def operator_key_by_prefix(self, prefix: str) -> OperatorKey | None:
        row = self._session.scalar(select(OperatorKeyRow).where(OperatorKeyRow.prefix == prefix))
        return None if row is None else record(OperatorKey, row)

    def operator_keys(self) -> list[OperatorKey]:
        rows = self._session.scalars(select(OperatorKeyRow).order_by(OperatorKeyRow.created_at))
        return [record(OperatorKey, row) for row in rows]

    def revoke_operator_key(self, key_id: str, *, now: datetime) -> bool:
        """False when it was revoked already; NotFoundError when there is no such key."""
        row = self._session.get(OperatorKeyRow, key_id)
        if row is None:
            raise NotFoundError(f"No operator API key {key_id!r}.")
        if row.revoked_at is not None:
            return False
        row.revoked_at = now
        self._session.flush()
        return True


__all__ = ["AccessRepository"]
