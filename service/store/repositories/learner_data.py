"""What the service holds about one learner, erasing it, and forgetting old records on schedule.

A learner is found by one of their wallet links, by the provider's learner reference, or by
credential ids, always within one provider (``issuer_id``). Erasing deletes the credential
records (the stored documents with the name), the wallet links (token hashes, learner
references) and clears the internal reason of their status entries; the status entries
themselves stay, detached (``credential_id`` NULL), so an index is never handed out again and a
revoked bit stays published.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select, update

from service.store.models import (
    AuditRow,
    Base,
    CredentialOfferRow,
    CredentialRow,
    ExternalCredentialRow,
    JobChunkRow,
    JobRow,
    QualificationRow,
    QualificationSourceRow,
    RplCaseRow,
    StatusEntryRow,
    StatusListRow,
    WalletLinkRow,
)
from service.store.records import (
    AuditEvent,
    Credential,
    ExternalCredential,
    RplCase,
    WalletLink,
    record,
)
from service.store.repositories._base import SessionRepository
from service.store.repositories.outcomes import OutcomesRepository


@dataclass(frozen=True)
class StatusFact:
    """One status entry of a credential: its purpose, whether set, and when it last changed."""

    credential_id: str
    purpose: str
    is_set: bool
    changed_at: datetime


@dataclass(frozen=True)
class Erased:
    """Counts of what one erasure removed (no ids, no names)."""

    credentials: int
    wallet_links: int
    status_entries_detached: int


R = TypeVar("R")


class LearnerDataRepository(SessionRepository):
    """Learner data in the caller's transaction (``session``)."""

    # -- finding a learner's records ------------------------------------------------------

    def credentials_in_links(self, issuer_id: str, link_ids: Collection[str]) -> list[Credential]:
        if not link_ids:
            return []
        return self._records(
            Credential,
            select(CredentialRow)
            .where(
                CredentialRow.issuer_id == issuer_id,
                CredentialRow.wallet_link_id.in_(sorted(link_ids)),
            )
            .order_by(CredentialRow.issued_at, CredentialRow.id),
        )

    def credentials_in_ids(self, issuer_id: str, ids: Collection[str]) -> list[Credential]:
        if not ids:
            return []
        return self._records(
            Credential,
            select(CredentialRow)
            .where(CredentialRow.issuer_id == issuer_id, CredentialRow.id.in_(sorted(ids)))
            .order_by(CredentialRow.issued_at, CredentialRow.id),
        )

    def qualification_credentials(
        self, issuer_id: str, link_ids: Collection[str]
    ) -> list[Credential]:
        """The qualification and transcript credentials awarded to these wallet links."""
        if not link_ids:
            return []
        made = select(QualificationRow.credential_id, QualificationRow.clr_id).where(
            QualificationRow.wallet_link_id.in_(sorted(link_ids))
        )
        ids = {str(i) for row in self._session.execute(made).all() for i in row}
        return self.credentials_in_ids(issuer_id, ids)

    def credentials_of_ref(self, issuer_id: str, learner_ref: str) -> list[Credential]:
        return self._records(
            Credential,
            select(CredentialRow)
            .where(CredentialRow.issuer_id == issuer_id, CredentialRow.learner_ref == learner_ref)
            .order_by(CredentialRow.issued_at, CredentialRow.id),
        )

    def links_of_ref(self, issuer_id: str, learner_ref: str) -> list[WalletLink]:
        return self._records(
            WalletLink,
            select(WalletLinkRow)
            .where(WalletLinkRow.issuer_id == issuer_id, WalletLinkRow.learner_ref == learner_ref)
            .order_by(WalletLinkRow.created_at, WalletLinkRow.id),
        )

    def links(self, issuer_id: str, link_ids: Collection[str]) -> list[WalletLink]:
        if not link_ids:
            return []
        return self._records(
            WalletLink,
            select(WalletLinkRow)
            .where(WalletLinkRow.issuer_id == issuer_id, WalletLinkRow.id.in_(sorted(link_ids)))
            .order_by(WalletLinkRow.created_at, WalletLinkRow.id),
        )

    def status_facts(self, credential_ids: Collection[str]) -> list[StatusFact]:
        if not credential_ids:
            return []
        rows = self._session.execute(
            select(
                StatusEntryRow.credential_id,
                StatusListRow.purpose,
                StatusEntryRow.is_set,
                StatusEntryRow.updated_at,
            )
            .join(StatusListRow, StatusListRow.id == StatusEntryRow.list_id)
            .where(StatusEntryRow.credential_id.in_(sorted(credential_ids)))
        ).all()
        return [StatusFact(str(r[0]), r[1], bool(r[2]), r[3]) for r in rows]

    def added_credentials(self, link_ids: Collection[str]) -> list[ExternalCredential]:
        """Credentials from other providers that the learner added to these wallet links."""
        if not link_ids:
            return []
        return self._records(
            ExternalCredential,
            select(ExternalCredentialRow)
            .where(ExternalCredentialRow.wallet_link_id.in_(sorted(link_ids)))
            .order_by(ExternalCredentialRow.created_at, ExternalCredentialRow.id),
        )

    def rpl_cases(self, issuer_id: str, credential_ids: Sequence[str]) -> list[RplCase]:
        """The learner's recognition-of-prior-learning cases (see :meth:`erase`)."""
        ids = self._rpl_cases_of(issuer_id, self._in_chunks_rows(list(credential_ids)))
        if not ids:
            return []
        return self._records(RplCase, select(RplCaseRow).where(RplCaseRow.id.in_(ids)))

    def audit_events_about(self, issuer_id: str, subjects: Collection[str]) -> list[AuditEvent]:
        """The provider's audit events whose subject is one of these record ids, oldest first."""
        if not subjects:
            return []
        return self._records(
            AuditEvent,
            select(AuditRow)
            .where(AuditRow.issuer_id == issuer_id, AuditRow.subject.in_(sorted(subjects)))
            .order_by(AuditRow.id),
        )

    def _records(self, cls: type[R], query: Select[Any]) -> list[R]:
        return [record(cls, row) for row in self._session.scalars(query)]

    # -- erasing --------------------------------------------------------------------------

    def erase(
        self, issuer_id: str, *, credential_ids: Collection[str], link_ids: Collection[str]
    ) -> Erased:
        """Delete these credential records and wallet links (the provider's own), and what
        hangs on them: qualifications awarded on them, pending wallet offers (with the
        holder's DID), credentials from elsewhere that the learner added to the link. Status
        entries are detached and their internal reasons cleared. A link that still holds
        another credential is kept."""
        owned = set(
            self._in_chunks(
                sorted(credential_ids),
                lambda chunk: select(CredentialRow.id).where(
                    CredentialRow.issuer_id == issuer_id, CredentialRow.id.in_(chunk)
                ),
            )
        )
        candidates = self._in_chunks(
            sorted(link_ids),
            lambda chunk: select(WalletLinkRow.id).where(
                WalletLinkRow.issuer_id == issuer_id, WalletLinkRow.id.in_(chunk)
            ),
        )
        held = self._session.execute(
            select(CredentialRow.wallet_link_id, CredentialRow.id).where(
                CredentialRow.wallet_link_id.in_(candidates)
            )
        ).all()
        still_used = {str(link) for link, credential in held if credential not in owned}
        links = [link for link in candidates if link not in still_used]
        ids = sorted(owned)
        who = self._in_chunks_rows(ids)
        qualifications = sorted(
            {
                *self._in_chunks(
                    ids,
                    lambda chunk: select(QualificationRow.id).where(
                        QualificationRow.credential_id.in_(chunk)
                        | QualificationRow.clr_id.in_(chunk)
                    ),
                ),
                *self._in_chunks(
                    links,
                    lambda chunk: select(QualificationRow.id).where(
                        QualificationRow.wallet_link_id.in_(chunk)
                    ),
                ),
            }
        )
        self._delete(
            QualificationSourceRow, QualificationSourceRow.qualification_id, qualifications
        )
        self._delete(QualificationRow, QualificationRow.id, qualifications)
        self._delete(CredentialOfferRow, CredentialOfferRow.credential_id, ids)
        self._delete(ExternalCredentialRow, ExternalCredentialRow.wallet_link_id, links)
        detached = 0
        for start in range(0, len(ids), 500):
            detached += len(
                self._session.execute(
                    update(StatusEntryRow)
                    .where(StatusEntryRow.credential_id.in_(ids[start : start + 500]))
                    .values(credential_id=None, reason=None)
                    .returning(StatusEntryRow.id)
                    .execution_options(synchronize_session=False)
                ).all()
            )
        self._scrub_job_rows(issuer_id, who)
        self._delete(RplCaseRow, RplCaseRow.id, self._rpl_cases_of(issuer_id, who))
        emptied = self._in_chunks(
            ids,
            lambda chunk: select(CredentialRow.wallet_link_id).where(
                CredentialRow.id.in_(chunk), CredentialRow.wallet_link_id.is_not(None)
            ),
        )
        erased = self._delete(CredentialRow, CredentialRow.id, ids)
        gone = self._delete(WalletLinkRow, WalletLinkRow.id, links)
        # What the erased held no longer counts as progression (a link is gone or emptier).
        OutcomesRepository(self._session).refresh_progression(
            issuer_id, {*links, *(link for link in emptied if link)}
        )
        self._session.expire_all()
        return Erased(credentials=erased, wallet_links=gone, status_entries_detached=detached)

    def _in_chunks_rows(self, ids: Sequence[str]) -> set[tuple[str, str | None]]:
        """``(name, learner ref)`` of these credential records."""
        found: set[tuple[str, str | None]] = set()
        for start in range(0, len(ids), 500):
            rows = self._session.execute(
                select(CredentialRow.learner_name, CredentialRow.learner_ref).where(
                    CredentialRow.id.in_(list(ids[start : start + 500]))
                )
            ).all()
            found |= {(str(r[0]), r[1]) for r in rows}
        return found

    def _rpl_cases_of(self, issuer_id: str, who: set[tuple[str, str | None]]) -> list[str]:
        """The provider's recognition-of-prior-learning cases of this learner: by learner id,
        or by name where the case has no learner id."""
        if not who:
            return []
        names = {_norm(name) for name, _ in who}
        refs = {ref for _, ref in who if ref}
        rows = self._session.execute(
            select(RplCaseRow.id, RplCaseRow.learner_name, RplCaseRow.learner_ref).where(
                RplCaseRow.issuer_id == issuer_id
            )
        ).all()
        return [
            str(r[0])
            for r in rows
            if (r[2] is not None and r[2] in refs) or (r[2] is None and _norm(str(r[1])) in names)
        ]

    def _scrub_job_rows(self, issuer_id: str, who: set[tuple[str, str | None]]) -> None:
        """Blank this learner's rows in the provider's finished cohort jobs (the uploaded
        rows a job keeps: name, learner id). Queued slices are left to issue."""
        if not who:
            return
        names = {_norm(name) for name, _ in who}
        refs = {ref for _, ref in who if ref}
        chunks = self._session.scalars(
            select(JobChunkRow)
            .join(JobRow, JobRow.id == JobChunkRow.job_id)
            .where(JobRow.issuer_id == issuer_id, JobChunkRow.state != "queued")
        ).all()
        for chunk in chunks:
            rows = list((chunk.rows or {}).get("rows", []))
            kept = [
                {"erased": True}
                if isinstance(row, dict)
                and (
                    _norm(str(row.get("learnerName", ""))) in names
                    or (row.get("learnerId") is not None and row.get("learnerId") in refs)
                )
                else row
                for row in rows
            ]
            if kept != rows:
                chunk.rows = {"rows": kept}
        self._session.flush()

    def _in_chunks(
        self, values: Sequence[str], query: Callable[[list[str]], Select[Any]]
    ) -> list[str]:
        found: list[str] = []
        for start in range(0, len(values), 500):
            found.extend(self._session.scalars(query(list(values[start : start + 500]))))
        return found

    def _delete(self, table: type[Base], column: Any, values: Sequence[Any]) -> int:
        """Delete the rows of ``table`` whose ``column`` is one of ``values``; how many."""
        gone = 0
        for start in range(0, len(values), 500):
            result = self._session.execute(
                delete(table)
                .where(column.in_(list(values[start : start + 500])))
                .execution_options(synchronize_session=False)
            )
            gone += int(getattr(result, "rowcount", 0) or 0)
        return gone


def _norm(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


__all__ = ["Erased", "LearnerDataRepository", "StatusFact"]
