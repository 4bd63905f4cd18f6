"""Outcome indicators as SQL aggregates: every figure is a ``GROUP BY`` month (and one more
key) computed by the database, PostgreSQL or SQLite; no credential row is loaded into
Python. Each query answers sparse counts ``{(month, key): n}`` ("YYYY-MM", UTC).

``issuer_id=None`` counts across every provider (the operator's view), keyed by provider.
Windows are ``start <= t < end``. Nothing here reads a learner's name or any personal field:
learners are told apart (for progression) only by their wallet link, inside the query.

:class:`OutcomesRepository` is ``repo.outcomes`` of a
:class:`~service.store.repositories.Repositories` bundle (one transaction).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Executable,
    Integer,
    String,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
    union,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from service.store.models import (
    CredentialRow,
    EngagementCountRow,
    ExternalCredentialRow,
    IssuerRow,
    ModuleRow,
    ProgressionMarkRow,
    QualificationRow,
    StatusEntryRow,
    StatusListRow,
)
from service.store.repositories._base import SessionRepository

Counts = dict[tuple[str, str], int]


def _last_month(end: datetime) -> str:
    """The month of the last instant before ``end`` (an exclusive bound)."""
    return (end - timedelta(microseconds=1)).strftime("%Y-%m")


#: ``{(month or None, key or None): (learners, median days)}``; ``None``: every month (or key).
Medians = dict[tuple[str | None, str | None], tuple[int, float]]


class OutcomesRepository(SessionRepository):
    """Aggregate queries for outcome indicators within one transaction."""

    @property
    def _postgres(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    def _month(self, column: Any) -> ColumnElement[Any]:
        """``column`` (a UTC timestamp) truncated to its month, in the database's dialect."""
        if self._postgres:
            # date_trunc is several times cheaper per row than to_char; the few groups are
            # formatted in Python (_counts).
            return func.date_trunc("month", func.timezone("UTC", column))
        # SQLite stores the UTC time as text (models.UTCDateTime); strftime reads it.
        return func.strftime("%Y-%m", column)

    def _counts(self, statement: Executable) -> Counts:
        counts: Counts = {}
        for month, key, n in self._session.execute(statement):
            label = month.strftime("%Y-%m") if isinstance(month, datetime) else str(month)
            counts[(label, key or "")] = counts.get((label, key or ""), 0) + int(n)
        return counts

    def _levels(self, issuer_id: str | None) -> ColumnElement[Any]:
        """Each credential's EQF level, from a ``CASE`` over the (few) modules: the JSON is
        read once per module here, not once per credential in the database."""
        query = select(ModuleRow.id, ModuleRow.data)
        if issuer_id:
            query = query.where(ModuleRow.issuer_id == issuer_id)
        levels = {
            module_id: data["eqfLevel"]
            for module_id, data in self._session.execute(query)
            if isinstance(data.get("eqfLevel"), int)
        }
        if not levels:
            return literal(None, Integer)
        return case(levels, value=CredentialRow.module_id, else_=None)

    def credentials_issued(
        self, *, issuer_id: str | None, start: datetime, end: datetime
    ) -> Counts:
        """Credentials issued per month and module (``""``: not for a module, e.g. a
        qualification or a VC-API credential); across providers, per provider id."""
        month = self._month(CredentialRow.issued_at).label("month")
        key = CredentialRow.module_id if issuer_id else CredentialRow.issuer_id
        window = and_(CredentialRow.issued_at >= start, CredentialRow.issued_at < end)
        if issuer_id:
            window = and_(CredentialRow.issuer_id == issuer_id, window)
        return self._counts(select(month, key, func.count()).where(window).group_by(month, key))

    def qualifications(self, *, issuer_id: str | None, start: datetime, end: datetime) -> Counts:
        """Qualifications attained per month and programme (across providers: per provider)."""
        month = self._month(QualificationRow.created_at).label("month")
        key = QualificationRow.programme_id if issuer_id else QualificationRow.issuer_id
        window = and_(QualificationRow.created_at >= start, QualificationRow.created_at < end)
        if issuer_id:
            window = and_(QualificationRow.issuer_id == issuer_id, window)
        return self._counts(select(month, key, func.count()).where(window).group_by(month, key))

    def status_changes(self, *, issuer_id: str | None, start: datetime, end: datetime) -> Counts:
        """Credentials revoked or suspended now, per month of that change and purpose
        (``revocation``, ``suspension``); a lifted suspension no longer counts."""
        month = self._month(StatusEntryRow.updated_at).label("month")
        window = and_(
            StatusEntryRow.is_set.is_(True),
            StatusEntryRow.credential_id.is_not(None),
            StatusEntryRow.updated_at >= start,
            StatusEntryRow.updated_at < end,
        )
        if issuer_id:
            window = and_(StatusListRow.issuer_id == issuer_id, window)
        return self._counts(
            select(month, StatusListRow.purpose, func.count())
            .join(StatusListRow, StatusListRow.id == StatusEntryRow.list_id)
            .where(window)
            .group_by(month, StatusListRow.purpose)
        )

    def recognitions(self, *, issuer_id: str | None, start: datetime, end: datetime) -> Counts:
        """Module credentials of other providers recognized toward a programme, per month."""
        month = self._month(ExternalCredentialRow.verified_at).label("month")
        key = literal("recognized") if issuer_id else ExternalCredentialRow.issuer_id
        window = and_(
            ExternalCredentialRow.verified_at >= start, ExternalCredentialRow.verified_at < end
        )
        if issuer_id:
            window = and_(ExternalCredentialRow.issuer_id == issuer_id, window)
        return self._counts(select(month, key, func.count()).where(window).group_by(month, key))

    def progression(self, *, issuer_id: str | None, start: datetime, end: datetime) -> Counts:
        """Learners who progressed in each month: earned a module credential at a higher EQF
        level than one they already held from the provider, or a qualification. Learners are
        their wallet links; each counts once a month (across providers: once per provider).
        Read from the marks :meth:`refresh_progression` keeps: one indexed count."""
        mark = ProgressionMarkRow
        first, last = start.strftime("%Y-%m"), _last_month(end)
        key = literal("progressed") if issuer_id else mark.issuer_id
        scope = [mark.month >= first, mark.month <= last]
        if issuer_id:
            scope.append(mark.issuer_id == issuer_id)
        return self._counts(
            select(mark.month, key, func.count()).where(*scope).group_by(mark.month, key)
        )

    def refresh_progression(self, issuer_id: str, link_ids: Collection[str]) -> None:
        """Derive again the progression marks of these learners (wallet links) of the
        provider from what they hold now. Called in the transaction that changes what a link
        holds (credentials put in it, a qualification awarded, an erasure), so the marks
        always agree with the credentials."""
        self.mark_progression(issuer_id, self.forget_progression(issuer_id, link_ids))

    def forget_progression(
        self, issuer_id: str, link_ids: Collection[str], *, leaving: Collection[str] = ()
    ) -> set[str]:
        """Delete the marks of these links and of the links that the credentials ``leaving``
        are in now (before they move); answers all of them, to pass to
        :meth:`mark_progression` once the move is done. (A link that loses a credential can
        only lose marks, so the links that had none need no new look.)"""
        links, moving = sorted(set(link_ids)), sorted(set(leaving))
        affected = set(links)
        for start in range(0, max(len(links), len(moving)), 500):
            held = select(CredentialRow.wallet_link_id).where(
                CredentialRow.issuer_id == issuer_id,
                CredentialRow.id.in_(moving[start : start + 500]),
            )
            mark = ProgressionMarkRow
            gone = self._session.execute(
                delete(mark)
                .where(
                    mark.issuer_id == issuer_id,
                    mark.wallet_link_id.in_(links[start : start + 500])
                    | mark.wallet_link_id.in_(held.scalar_subquery()),
                )
                .returning(mark.wallet_link_id)
                .execution_options(synchronize_session=False)
            )
            affected.update(gone.scalars())
        return affected

    def mark_progression(self, issuer_id: str, link_ids: Collection[str]) -> None:
        """Add the marks of these links (whose marks :meth:`forget_progression` deleted)."""
        ids = sorted(set(link_ids))
        for start in range(0, len(ids), 500):
            self._session.execute(
                insert(ProgressionMarkRow).from_select(
                    ["issuer_id", "wallet_link_id", "month"],
                    self._progression_events(issuer_id, ids[start : start + 500]),
                )
            )

    def _progression_events(self, issuer_id: str, link_ids: list[str]) -> CompoundSelect[Any]:
        """``(provider, learner, month)`` once each: a module credential at a higher EQF level
        than the lowest the learner held before it, or a qualification."""
        eqf = self._levels(issuer_id)
        earlier = func.min(eqf).over(
            partition_by=CredentialRow.wallet_link_id,
            order_by=CredentialRow.issued_at,
            rows=(None, -1),
        )
        history = (
            select(
                CredentialRow.wallet_link_id.label("learner"),
                CredentialRow.issued_at.label("at"),
                eqf.label("eqf"),
                earlier.label("earlier"),
            )
            .where(
                CredentialRow.issuer_id == issuer_id,
                CredentialRow.wallet_link_id.in_(link_ids),
                CredentialRow.module_id.is_not(None),
            )
            .subquery()
        )
        higher = select(
            literal(issuer_id, String), history.c.learner, self._month_label(history.c.at)
        ).where(history.c.eqf > history.c.earlier)
        attained = select(
            QualificationRow.issuer_id,
            QualificationRow.wallet_link_id,
            self._month_label(QualificationRow.created_at),
        ).where(
            QualificationRow.issuer_id == issuer_id,
            QualificationRow.wallet_link_id.in_(link_ids),
        )
        return union(higher, attained)

    def _month_label(self, column: Any) -> ColumnElement[Any]:
        """``YYYY-MM`` of a UTC timestamp, as text."""
        if self._postgres:
            return func.to_char(func.timezone("UTC", column), "YYYY-MM")
        return func.strftime("%Y-%m", column)

    def time_to_qualification(
        self, *, issuer_id: str | None, start: datetime, end: datetime
    ) -> Medians:
        """The median days from a learner's first module credential of a programme (the
        provider's own module of that programme, issued before the award) to the award of
        the programme's qualification, per month of the award and programme (across
        providers: per provider), per month, per programme and over the window, with the
        number of learners behind each median. The start is recorded with the award
        (:meth:`mark_started`); a qualification resting on recognized credentials only has
        none and is left out."""
        q = QualificationRow
        if self._postgres:
            days = func.extract("epoch", q.created_at - q.started_at) / 86400.0
        else:
            days = func.julianday(q.created_at) - func.julianday(q.started_at)
        scope = [q.created_at >= start, q.created_at < end]
        if issuer_id:
            scope.append(q.issuer_id == issuer_id)
        key = q.programme_id if issuer_id else q.issuer_id
        durations = (
            select(self._month(q.created_at).label("month"), key.label("key"), days.label("d"))
            .where(*scope)
            .subquery()
        )
        month, key_, d = durations.c.month, durations.c.key, durations.c.d
        if self._postgres:
            median = func.percentile_cont(0.5).within_group(d)
            statement: Executable = (
                # count(d) and percentile_cont skip the NULLs (no start).
                select(month, key_, func.count(d), median).group_by(
                    func.grouping_sets(tuple_(month, key_), month, key_, tuple_())
                )
            )
        else:
            statement = self._sqlite_medians(month, key_, d, d.is_not(None))
        medians: Medians = {}
        for at, group, n, value in self._session.execute(statement):
            if value is None:  # the empty grouping set () of no rows at all
                continue
            label = at.strftime("%Y-%m") if isinstance(at, datetime) else at
            medians[(label, group)] = (int(n), float(value))
        return medians

    def mark_started(self, qualification_id: str) -> None:
        """Record when the qualification's learner got their first module credential of its
        programme (the provider's own, issued before the award): what
        :meth:`time_to_qualification` measures from. Called in the transaction that stores
        the award, once its credentials are in the learner's link."""
        first = aliased(CredentialRow)
        q = QualificationRow
        started = (
            select(func.min(first.issued_at))
            .join(ModuleRow, ModuleRow.id == first.module_id)
            .where(
                first.issuer_id == q.issuer_id,
                first.wallet_link_id == q.wallet_link_id,
                ModuleRow.programme_id == q.programme_id,
                first.issued_at <= q.created_at,
            )
            .scalar_subquery()
        )
        self._session.execute(
            update(q)
            .where(q.id == qualification_id)
            .values(started_at=started)
            .execution_options(synchronize_session=False)
        )

    @staticmethod
    def _sqlite_medians(
        month: ColumnElement[Any], key: ColumnElement[Any], d: ColumnElement[Any], kept: Any
    ) -> Executable:
        """SQLite has no ``percentile_cont``: per group, number the durations in order and
        average the middle one (odd count) or two (even), the same definition."""
        none = literal(None, String)
        groups = union_all(
            *(
                select(m.label("month"), k.label("key"), d.label("d")).where(kept)
                for m, k in ((month, key), (month, none), (none, key), (none, none))
            )
        ).subquery()
        ranked = select(
            groups.c.month,
            groups.c.key,
            groups.c.d,
            func.row_number()
            .over(partition_by=(groups.c.month, groups.c.key), order_by=groups.c.d)
            .label("rn"),
            func.count().over(partition_by=(groups.c.month, groups.c.key)).label("n"),
        ).subquery()
        middle = ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
        return (
            select(ranked.c.month, ranked.c.key, func.max(ranked.c.n), func.avg(ranked.c.d))
            .where(middle)
            .group_by(ranked.c.month, ranked.c.key)
        )

    def engagement(self, *, issuer_id: str | None, start: str, end: str) -> Counts:
        """Public verifications of the provider's credentials per month (``start <= month <=
        end``, ``YYYY-MM``) and verifier country (``""``: unknown)."""
        row = EngagementCountRow
        scope = [row.month >= start, row.month <= end]
        if issuer_id:
            scope.append(row.issuer_id == issuer_id)
        total = func.sum(row.count).cast(Integer)
        return self._counts(
            select(row.month, row.country, total).where(*scope).group_by(row.month, row.country)
        )

    def add_engagement(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        """Add ``{(issuer_did, month, country): n}`` to the monthly sums (one upsert each);
        a DID that is not one of this service's providers is not counted."""
        dids = {did for did, _, _ in counts}
        if not dids:
            return
        ids = {
            did: issuer_id
            for did, issuer_id in self._session.execute(
                select(IssuerRow.did, IssuerRow.id).where(IssuerRow.did.in_(dids))
            )
        }
        dialect = self._session.get_bind().dialect.name
        insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for (did, month, country), n in sorted(counts.items()):
            if did not in ids:
                continue
            statement = insert_for(EngagementCountRow).values(
                issuer_id=ids[did], month=month, country=country, count=n
            )
            statement = statement.on_conflict_do_update(
                index_elements=["issuer_id", "month", "country"],
                set_={"count": EngagementCountRow.count + statement.excluded.count},
            )
            self._session.execute(statement)


__all__ = ["Counts", "Medians", "OutcomesRepository"]
