"""Outcome indicators for a provider (or the operator, across providers), measured without
exposing a learner.

Each indicator is one table of months x a breakdown the provider owns (its modules, its
programmes, the change of status) or the verifier's country, counted by SQL aggregates in
:mod:`service.store.repositories.outcomes` and passed through disclosure control
(:mod:`service.app.disclosure`) before anything leaves this module: a caller never sees an
exact count. No indicator is broken down by anything about the learner; the store holds no
personal field to break it down by.

Across providers (the operator's view) the breakdown is the provider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.app.disclosure import CountTable, DisclosurePolicy, PublishedTable, protect_period
from service.app.outcomes_medians import PublishedMedians, publish_medians
from service.errors import InputError
from service.store.repositories import Repositories
from service.store.repositories.outcomes import Counts, OutcomesRepository

#: The longest period one report covers (the tables stay readable, the queries bounded).
MAX_MONTHS = 60

#: Indicator ids, in report order, with the English title (pages translate them).
INDICATORS: dict[str, str] = {
    "credentialsIssued": "Credentials issued (module completions by module)",
    "qualificationsAttained": "Qualifications attained",
    "recognitions": "Recognitions of prior learning",
    "statusChanges": "Revocations and suspensions",
    "progression": "Learners progressing",
    "employerVerifications": "Public verifications (employer engagement)",
}

#: The breakdown label of counts that belong to no module, programme or known country.
OTHER = "other"

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    """Whole months ``first``..``last`` (``YYYY-MM``, inclusive), UTC."""

    first: str
    last: str

    @classmethod
    def parse(cls, first: str, last: str) -> Period:
        """Raises :class:`InputError` naming what is wrong with either month."""
        for name, value in (("from", first), ("to", last)):
            if not _MONTH.match(value):
                raise InputError(
                    f"'{name}' must be a month as YYYY-MM (e.g. 2025-01); got {value!r}."
                )
        if last < first:
            raise InputError(f"'to' ({last}) is before 'from' ({first}).")
        period = cls(first, last)
        if len(period.months) > MAX_MONTHS:
            raise InputError(
                f"A report covers at most {MAX_MONTHS} months; ask for a shorter period."
            )
        return period

    @property
    def months(self) -> list[str]:
        year, month = int(self.first[:4]), int(self.first[5:])
        out = []
        while (label := f"{year:04d}-{month:02d}") <= self.last:
            out.append(label)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    @property
    def frame(self) -> Period:
        """The whole calendar years the period lies in: the tables its figures come from
        (:func:`service.app.disclosure.protect_period`)."""
        return Period(f"{self.first[:4]}-01", f"{self.last[:4]}-12")

    @property
    def start(self) -> datetime:
        return datetime(int(self.first[:4]), int(self.first[5:]), 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the last month."""
        year, month = int(self.last[:4]), int(self.last[5:])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return datetime(year, month, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    #: What the columns are: "module", "programme", "status", "country", "provider", "total".
    breakdown: str
    table: PublishedTable


@dataclass(frozen=True)
class OutcomesReport:
    """Published indicators: every figure has passed disclosure control."""

    scope: str  # the provider's slug, or "operator"
    scope_name: str
    issuer_did: str | None
    period: Period
    policy: DisclosurePolicy
    indicators: tuple[Indicator, ...]
    #: Median days from a learner's first module credential of a programme to its award.
    time_to_qualification: PublishedMedians
    generated_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": None if self.issuer_did is None else self.scope,
            "providerName": self.scope_name,
            "issuer": self.issuer_did,
            "from": self.period.first,
            "to": self.period.last,
            "generatedAt": self.generated_at.isoformat().replace("+00:00", "Z"),
            "disclosureControl": {
                "minimumCount": self.policy.min_count,
                "roundingBase": self.policy.rounding_base,
                "note": (
                    "Figures below the minimum count are withheld (null), with further figures "
                    "withheld so none can be worked out from the totals; every figure shown is "
                    "rounded to the base independently, so totals need not add up."
                ),
            },
            "indicators": [
                {
                    "id": ind.id,
                    "title": ind.title,
                    "breakdown": ind.breakdown,
                    "months": list(ind.table.rows),
                    "columns": list(ind.table.columns),
                    "cells": [list(line) for line in ind.table.cells],
                    "monthTotals": list(ind.table.row_totals),
                    "columnTotals": list(ind.table.column_totals),
                    "total": ind.table.total,
                    "withheld": ind.table.withheld,
                }
                for ind in self.indicators
            ],
            "timeToQualification": self.time_to_qualification.to_json(),
        }


def _table(
    counts: Counts, months: list[str], labels: dict[str, str], *, fixed: tuple[str, ...] = ()
) -> CountTable:
    """A count table over ``months`` whose columns are the keys found (and ``fixed`` ones),
    shown by their label; keys without a label (a deleted module) fold into ``other``."""
    merged: dict[tuple[str, str], int] = {}
    for (month, key), n in counts.items():
        label = labels.get(key, OTHER) if key else OTHER
        merged[(month, label)] = merged.get((month, label), 0) + n
    columns = sorted({label for _, label in merged} | set(fixed))
    if OTHER in columns:  # last, after the named ones
        columns = [c for c in columns if c != OTHER] + [OTHER]
    return CountTable.build(months, columns, merged)


def _label(data: dict[str, Any], fallback: str) -> str:
    code = data.get("code")
    if isinstance(code, str) and code:
        return code
    names = data.get("name")
    if isinstance(names, dict) and names:
        name = names.get(data.get("defaultLanguage", "en")) or next(iter(names.values()))
        if isinstance(name, str):
            return name
    return fallback


def provider_outcomes(
    repo: Repositories,
    *,
    issuer_slug: str,
    period: Period,
    policy: DisclosurePolicy,
    now: datetime,
) -> OutcomesReport:
    """One provider's indicators over ``period`` (raises NotFoundError for an unknown slug;
    callers check the caller may see it)."""
    issuer = repo.providers.issuer_by_slug(issuer_slug)
    modules = {row.id: _label(row.data, row.id[:8]) for row in repo.catalogue.modules(issuer.id)}
    programmes = {
        row.id: _label(row.data, row.id[:8]) for row in repo.catalogue.programmes(issuer.id)
    }
    indicators = _indicators(
        repo.outcomes,
        issuer_id=issuer.id,
        period=period,
        policy=policy,
        labels={"module": modules, "programme": programmes},
    )
    medians = repo.outcomes.time_to_qualification(
        issuer_id=issuer.id, start=period.start, end=period.end
    )
    return OutcomesReport(
        scope=issuer.slug,
        scope_name=issuer.name,
        issuer_did=issuer.did,
        period=period,
        policy=policy,
        indicators=indicators,
        time_to_qualification=publish_medians(
            medians, months=period.months, labels=programmes, policy=policy
        ),
        generated_at=now,
    )


def operator_outcomes(
    repo: Repositories, *, period: Period, policy: DisclosurePolicy, now: datetime
) -> OutcomesReport:
    """Every provider's indicators side by side (columns: providers by slug)."""
    providers = {row.id: row.slug for row in repo.providers.issuers()}
    indicators = _indicators(
        repo.outcomes,
        issuer_id=None,
        period=period,
        policy=policy,
        labels={"module": providers, "programme": providers},
    )
    medians = repo.outcomes.time_to_qualification(
        issuer_id=None, start=period.start, end=period.end
    )
    return OutcomesReport(
        scope="operator",
        scope_name="All providers",
        issuer_did=None,
        period=period,
        policy=policy,
        indicators=indicators,
        time_to_qualification=publish_medians(
            medians, months=period.months, labels=providers, policy=policy
        ),
        generated_at=now,
    )


def _indicators(
    store: OutcomesRepository,
    *,
    issuer_id: str | None,
    period: Period,
    policy: DisclosurePolicy,
    labels: dict[str, dict[str, str]],
) -> tuple[Indicator, ...]:
    # Counted over whole calendar years, published for the period's months only.
    frame = period.frame
    months = frame.months
    start, end = frame.start, frame.end
    by_provider = issuer_id is None
    identity = {k: k for k in ("revocation", "suspension", "recognized", "progressed")}
    if by_provider:
        identity = labels["module"]  # provider ids -> slugs, for every indicator
    engagement = store.engagement(issuer_id=issuer_id, start=frame.first, end=frame.last)
    if by_provider:
        # Across providers the operator sees the monthly sum (no country).
        engagement = _total_per_month(engagement)
    plan: list[tuple[str, str, Counts, dict[str, str], tuple[str, ...]]] = [
        (
            "credentialsIssued",
            "provider" if by_provider else "module",
            store.credentials_issued(issuer_id=issuer_id, start=start, end=end),
            labels["module"],
            (),
        ),
        (
            "qualificationsAttained",
            "provider" if by_provider else "programme",
            store.qualifications(issuer_id=issuer_id, start=start, end=end),
            labels["programme"],
            (),
        ),
        (
            "recognitions",
            "provider" if by_provider else "total",
            store.recognitions(issuer_id=issuer_id, start=start, end=end),
            identity,
            () if by_provider else ("recognized",),
        ),
        (
            "statusChanges",
            "status",
            store.status_changes(issuer_id=issuer_id, start=start, end=end),
            {k: k for k in ("revocation", "suspension")},
            ("revocation", "suspension"),
        ),
        (
            "progression",
            "provider" if by_provider else "total",
            store.progression(issuer_id=issuer_id, start=start, end=end),
            identity,
            () if by_provider else ("progressed",),
        ),
        (
            "employerVerifications",
            "total" if by_provider else "country",
            engagement,
            {key: key for _, key in engagement},
            (),
        ),
    ]
    return tuple(
        Indicator(
            id=name,
            title=INDICATORS[name],
            breakdown=breakdown,
            table=protect_period(
                _table(counts, months, names, fixed=fixed),
                period_rows=period.months,
                policy=policy,
            ),
        )
        for name, breakdown, counts, names, fixed in plan
    )


def _total_per_month(counts: Counts) -> Counts:
    totals: Counts = {}
    for (month, _), n in counts.items():
        totals[(month, "all")] = totals.get((month, "all"), 0) + n
    return totals


__all__ = [
    "INDICATORS",
    "MAX_MONTHS",
    "Indicator",
    "OutcomesReport",
    "Period",
    "operator_outcomes",
    "provider_outcomes",
]
