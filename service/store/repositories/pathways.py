"""Pathways data: which credentials a learner holds toward a programme, the qualifications
awarded, what each one rests on, and module credentials presented from other providers.

:class:`PathwaysRepository` is ``repo.pathways`` of a
:class:`~service.store.repositories.Repositories` bundle (one transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from service.errors import NotFoundError
from service.store.models import (
    CredentialRow,
    ExternalCredentialRow,
    QualificationRow,
    QualificationSourceRow,
    StatusEntryRow,
)
from service.store.records import Credential, ExternalCredential, Qualification, record
from service.store.repositories._base import SessionRepository, new_id
from service.store.repositories.audit import AuditRepository
from service.store.repositories.credentials import CredentialRepository, NewCredential
from service.store.repositories.outcomes import OutcomesRepository
from service.store.repositories.wallet import WalletRepository


@dataclass(frozen=True)
class NewQualification:
    """A signed qualification and transcript ready to store (their credential rows are
    inserted by the caller in the same transaction)."""

    id: str
    issuer_id: str
    programme_id: str
    programme_version: int
    wallet_link_id: str
    credential_id: str
    clr_id: str
    relied_on: dict[str, Any]
    sources: Sequence[str]  # the document ids of the credentials it rests on


class PathwaysRepository(SessionRepository):
    """Data access for pathways within one transaction."""

    # -- what a learner holds --------------------------------------------------------------

    def module_credentials_of(self, link_ids: Iterable[str]) -> dict[str, list[Credential]]:
        """The live module credentials of many wallet links at once (a cohort): link id ->
        credentials neither revoked nor suspended, a few statements per 500 links."""
        ids = sorted(set(link_ids))
        out: dict[str, list[Credential]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            rows = self._session.scalars(
                select(CredentialRow)
                .where(
                    CredentialRow.wallet_link_id.in_(ids[start : start + 500]),
                    CredentialRow.module_id.is_not(None),
                )
                .order_by(CredentialRow.issued_at, CredentialRow.id)
            ).all()
            withdrawn: set[str] = set()
            for chunk in range(0, len(rows), 500):
                withdrawn |= self.withdrawn([r.id for r in rows[chunk : chunk + 500]])
            for row in rows:
                if row.id not in withdrawn and row.wallet_link_id is not None:
                    out[row.wallet_link_id].append(record(Credential, row))
        return out

    def external_credentials_of(
        self, link_ids: Iterable[str]
    ) -> dict[str, list[ExternalCredential]]:
        """Link id -> the other providers' credentials presented in that wallet, oldest first."""
        ids = sorted(set(link_ids))
        out: dict[str, list[ExternalCredential]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            rows = self._session.scalars(
                select(ExternalCredentialRow)
                .where(ExternalCredentialRow.wallet_link_id.in_(ids[start : start + 500]))
                .order_by(ExternalCredentialRow.created_at, ExternalCredentialRow.id)
            ).all()
            for row in rows:
                out[row.wallet_link_id].append(record(ExternalCredential, row))
        return out

    def links_holding(self, issuer_id: str, credential_ids: Iterable[str]) -> set[str]:
        """The wallet links that hold any of the provider's credential records ``credential_ids``."""
        ids = sorted(set(credential_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            found.update(
                link
                for link in self._session.scalars(
                    select(CredentialRow.wallet_link_id).where(
                        CredentialRow.issuer_id == issuer_id,
                        CredentialRow.id.in_(ids[start : start + 500]),
                    )
                ).all()
                if link is not None
            )
        return found

    def withdrawn(self, credential_ids: Sequence[str]) -> set[str]:
        """Which of these credential records have a revocation or suspension bit set."""
        if not credential_ids:
            return set()
        found = self._session.scalars(
            select(StatusEntryRow.credential_id).where(
                StatusEntryRow.credential_id.in_(credential_ids), StatusEntryRow.is_set
            )
        ).all()
        return {cid for cid in found if cid is not None}

    def add_external_credential(
        self,
        *,
        issuer_id: str,
        link_id: str,
        document: dict[str, Any],
        issuer_did: str,
        now: datetime,
    ) -> tuple[ExternalCredential, bool]:
        """Keep a verified external credential in a wallet; (row, False) if it is there already."""
        document_id = str(document["id"])
        existing = self._session.scalar(
            select(ExternalCredentialRow).where(
                ExternalCredentialRow.wallet_link_id == link_id,
                ExternalCredentialRow.document_id == document_id,
            )
        )
        if existing is not None:
            return record(ExternalCredential, existing), False
        row = ExternalCredentialRow(
            id=new_id(),
            issuer_id=issuer_id,
            wallet_link_id=link_id,
            document_id=document_id,
            issuer_did=issuer_did,
            document=document,
            verified_at=now,
            created_at=now,
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError:  # presented twice at once: the first one stays
            found = self._session.scalar(
                select(ExternalCredentialRow).where(
                    ExternalCredentialRow.wallet_link_id == link_id,
                    ExternalCredentialRow.document_id == document_id,
                )
            )
            if found is None:
                raise
            return record(ExternalCredential, found), False
        return record(ExternalCredential, row), True

    # -- qualifications --------------------------------------------------------------------

    def qualifications_of_links(self, link_ids: Iterable[str]) -> list[Qualification]:
        """Every qualification awarded to these wallet links."""
        ids = sorted(set(link_ids))
        found: list[Qualification] = []
        for start in range(0, len(ids), 500):
            found.extend(
                record(Qualification, row)
                for row in self._session.scalars(
                    select(QualificationRow).where(
                        QualificationRow.wallet_link_id.in_(ids[start : start + 500])
                    )
                ).all()
            )
        return found

    def qualification(self, issuer_id: str, qualification_id: str) -> Qualification | None:
        """The provider's qualification; None for an unknown one or another provider's."""
        row = self._session.get(QualificationRow, qualification_id)
        return (
            record(Qualification, row) if row is not None and row.issuer_id == issuer_id else None
        )

    def record_review(
        self, issuer_id: str, qualification_id: str, *, reason: str, lift_flag: bool
    ) -> Qualification:
        """Keep the provider's review decision on the qualification (``reason``, at most 1,000
        characters) and, with ``lift_flag``, clear its review flag."""
        values: dict[str, Any] = {"review_reason": reason[:1000]}
        if lift_flag:
            values["flagged_at"] = None
        self._session.execute(
            update(QualificationRow)
            .where(QualificationRow.id == qualification_id, QualificationRow.issuer_id == issuer_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        self._session.expire_all()
        found = self.qualification(issuer_id, qualification_id)
        if found is None:
            raise NotFoundError(f"No qualification {qualification_id!r}.")
        return found

    def qualifications(
        self, issuer_id: str, *, flagged: bool | None, limit: int, offset: int
    ) -> list[Qualification]:
        """The provider's qualifications, newest first; ``flagged`` True or False keeps only
        those awaiting review or only the others."""
        query = select(QualificationRow).where(QualificationRow.issuer_id == issuer_id)
        if flagged is not None:
            query = query.where(
                QualificationRow.flagged_at.is_not(None)
                if flagged
                else QualificationRow.flagged_at.is_(None)
            )
        rows = self._session.scalars(
            query.order_by(QualificationRow.created_at.desc(), QualificationRow.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return [record(Qualification, row) for row in rows]

    def add_qualification(
        self, new: NewQualification, *, credentials: Sequence[NewCredential], now: datetime
    ) -> bool:
        """Store the qualification's credentials (in the learner's wallet link) and the
        qualification, in a savepoint. False, with nothing written, when this learner already
        has one for this programme version: a concurrent request won, and the unique
        constraint decided which."""
        try:
            with self._session.begin_nested():
                CredentialRepository(self._session).add_credentials(
                    issuer_id=new.issuer_id, credentials=credentials, batch_id=None, now=now
                )
                WalletRepository(self._session).attach_to_wallet_links(
                    new.issuer_id, {c.id: new.wallet_link_id for c in credentials}
                )
                self._session.add(
                    QualificationRow(
                        id=new.id,
                        issuer_id=new.issuer_id,
                        programme_id=new.programme_id,
                        programme_version=new.programme_version,
                        wallet_link_id=new.wallet_link_id,
                        credential_id=new.credential_id,
                        clr_id=new.clr_id,
                        relied_on=new.relied_on,
                        flagged_at=None,
                        review_reason=None,
                        created_at=now,
                    )
                )
                self._session.flush()
                self._session.add_all(
                    QualificationSourceRow(qualification_id=new.id, document_id=source)
                    for source in sorted(set(new.sources))
                )
                self._session.flush()
                outcomes = OutcomesRepository(self._session)
                outcomes.refresh_progression(new.issuer_id, [new.wallet_link_id])
                outcomes.mark_started(new.id)
        except IntegrityError:
            winner = self._session.scalar(
                select(QualificationRow.id).where(
                    QualificationRow.programme_id == new.programme_id,
                    QualificationRow.programme_version == new.programme_version,
                    QualificationRow.wallet_link_id == new.wallet_link_id,
                )
            )
            if winner is not None:
                return False
            raise
        return True

    def relied_on_external(self, issuer_id: str) -> dict[str, dict[str, Any]]:
        """{document id: document} of the external credentials that the provider's
        qualifications not yet flagged rest on."""
        rows = self._session.execute(
            select(ExternalCredentialRow.document_id, ExternalCredentialRow.document)
            .join(
                QualificationSourceRow,
                QualificationSourceRow.document_id == ExternalCredentialRow.document_id,
            )
            .join(QualificationRow, QualificationRow.id == QualificationSourceRow.qualification_id)
            .where(
                QualificationRow.issuer_id == issuer_id,
                QualificationRow.flagged_at.is_(None),
                ExternalCredentialRow.wallet_link_id == QualificationRow.wallet_link_id,
            )
        ).all()
        return {str(r[0]): dict(r[1]) for r in rows}

    def flag_relying_on(
        self,
        document_ids: Iterable[str],
        *,
        reason: str,
        actor: str,
        now: datetime,
        issuer_id: str | None = None,
    ) -> list[Qualification]:
        """Flag, for the provider's review, every qualification (of ``issuer_id``, or of any
        provider) resting on one of these credentials (by document id), each audited;
        returns those newly flagged."""
        ids = sorted(set(document_ids))
        if not ids:
            return []
        query = (
            select(QualificationRow)
            .join(
                QualificationSourceRow,
                QualificationSourceRow.qualification_id == QualificationRow.id,
            )
            .where(
                QualificationSourceRow.document_id.in_(ids),
                QualificationRow.flagged_at.is_(None),
            )
        )
        if issuer_id is not None:
            query = query.where(QualificationRow.issuer_id == issuer_id)
        rows = self._session.scalars(query).unique().all()
        flagged = []
        for row in rows:
            # Conditional, so concurrent revocations flag (and audit) a qualification once.
            changed = self._session.execute(
                update(QualificationRow)
                .where(QualificationRow.id == row.id, QualificationRow.flagged_at.is_(None))
                .values(flagged_at=now, review_reason=reason[:1000])
                .returning(QualificationRow.id)
                .execution_options(synchronize_session=False)
            ).first()
            if changed is not None:
                flagged.append(
                    replace(record(Qualification, row), flagged_at=now, review_reason=reason[:1000])
                )
                AuditRepository(self._session).record(
                    actor=actor,
                    action="qualification.flag",
                    now=now,
                    issuer_id=row.issuer_id,
                    subject=row.id,
                    detail=reason[:200],
                )
        self._session.expire_all()
        return flagged


__all__ = ["NewQualification", "PathwaysRepository"]
