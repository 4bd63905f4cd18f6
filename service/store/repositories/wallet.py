"""Learner wallet links: a secret link (stored as a hash) that shows a learner their
credentials."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update

from service.errors import NotFoundError
from service.store.models import CredentialRow, WalletLinkRow
from service.store.records import Credential, WalletLink, record
from service.store.repositories._base import SessionRepository, new_id
from service.store.repositories.outcomes import OutcomesRepository


@dataclass(frozen=True)
class NewLink:
    """A link to insert with a cohort's (its id and token hash chosen by the caller)."""

    id: str
    token_hash: str
    learner_ref: str | None
    language: str | None


class WalletRepository(SessionRepository):
    """Wallet links and the credentials put in them."""

    def add_wallet_link(
        self,
        *,
        issuer_id: str,
        token_hash: str,
        learner_ref: str | None,
        language: str | None,
        now: datetime,
    ) -> WalletLink:
        row = WalletLinkRow(
            id=new_id(),
            issuer_id=issuer_id,
            token_hash=token_hash,
            learner_ref=learner_ref,
            language=language,
            created_at=now,
            revoked_at=None,
        )
        self._session.add(row)
        self._session.flush()
        return record(WalletLink, row)

    def add_wallet_links(self, *, issuer_id: str, links: Sequence[NewLink], now: datetime) -> None:
        """Insert many new links in one statement (a cohort's); ids and hashes are set."""
        if not links:
            return
        self._session.execute(
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

    def _row(self, issuer_id: str, link_id: str) -> WalletLinkRow:
        row = self._session.get(WalletLinkRow, link_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No wallet link {link_id!r}.")
        return row

    def wallet_link(self, issuer_id: str, link_id: str) -> WalletLink:
        """The provider's own link; anyone else's is not found."""
        return record(WalletLink, self._row(issuer_id, link_id))

    def set_token_hash(self, issuer_id: str, link_id: str, token_hash: str) -> WalletLink:
        """Give the link a new token (the old address stops working when this commits)."""
        row = self._row(issuer_id, link_id)
        row.token_hash = token_hash
        self._session.flush()
        return record(WalletLink, row)

    def revoke_wallet_link(
        self, issuer_id: str, link_id: str, *, now: datetime
    ) -> tuple[WalletLink, bool]:
        """Revoke the link; the bool says whether it changed (False: it was revoked)."""
        row = self._row(issuer_id, link_id)
        changed = row.revoked_at is None
        if changed:
            row.revoked_at = now
            self._session.flush()
        return record(WalletLink, row), changed

    def wallet_link_by_token_hash(self, token_hash: str) -> WalletLink | None:
        row = self._session.scalar(
            select(WalletLinkRow).where(WalletLinkRow.token_hash == token_hash)
        )
        return None if row is None else record(WalletLink, row)

    def wallet_links(
        self, issuer_id: str, *, learner_ref: str | None, limit: int, offset: int
    ) -> list[WalletLink]:
        """Newest first, optionally one learner's."""
        query = select(WalletLinkRow).where(WalletLinkRow.issuer_id == issuer_id)
        if learner_ref is not None:
            query = query.where(WalletLinkRow.learner_ref == learner_ref)
        rows = self._session.scalars(
            query.order_by(WalletLinkRow.created_at.desc(), WalletLinkRow.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return [record(WalletLink, row) for row in rows]

    def live_wallet_links_of(
        self, issuer_id: str, learner_refs: Collection[str]
    ) -> list[tuple[str, str, str]]:
        """``(link id, learner ref, learner name of one of its credentials)`` for the live
        links of these learners."""
        found: list[tuple[str, str, str]] = []
        refs = sorted(set(learner_refs))
        for start in range(0, len(refs), 500):
            rows = self._session.execute(
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
        self._session.flush()
        outcomes = OutcomesRepository(self._session)
        moved = outcomes.forget_progression(
            issuer_id, set(assignments.values()), leaving=assignments.keys()
        )
        # On the connection, an executemany UPDATE is plain Core (one statement, any
        # WHERE), not the ORM's bulk-update-by-primary-key.
        self._session.connection().execute(
            update(CredentialRow)
            .where(
                CredentialRow.issuer_id == issuer_id,
                CredentialRow.id == bindparam("credential_id"),
            )
            .values(wallet_link_id=bindparam("link_id")),
            [{"credential_id": c, "link_id": link} for c, link in assignments.items()],
        )
        outcomes.mark_progression(issuer_id, moved)
        self._session.expire_all()

    def wallet_credentials(self, link_id: str) -> list[Credential]:
        """The link's credentials, oldest first."""
        rows = self._session.scalars(
            select(CredentialRow)
            .where(CredentialRow.wallet_link_id == link_id)
            .order_by(CredentialRow.issued_at, CredentialRow.id)
        ).all()
        return [record(Credential, row) for row in rows]


__all__ = ["WalletRepository"]
