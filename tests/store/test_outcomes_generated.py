"""Outcome aggregates against a brute-force count, on both databases: random learners earn
random module credentials (some before the year, some never put in a wallet link, some put
in a link only later) and qualifications; every figure the SQL computes must equal what a
plain Python loop over the same rows says."""

from __future__ import annotations

import importlib.util
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Provider
from sqlalchemy import delete, update

import service.store
from service.app.catalogue import create_module, create_programme
from service.store import Database, Repositories
from service.store.models import ProgressionMarkRow, QualificationRow
from service.store.repositories import NewCredential, new_id
from service.store.repositories.pathways import NewQualification

NOW = datetime(2026, 1, 15, tzinfo=UTC)
START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Issued:
    id: str
    module: str
    level: int
    programme: str | None
    link: str | None
    at: datetime


@dataclass(frozen=True)
class Awarded:
    programme: str
    link: str
    at: datetime


def _migration(name: str) -> Any:
    path = Path(service.store.__file__).parent / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _month(at: datetime) -> str:
    return at.strftime("%Y-%m")


def _when(rng: random.Random) -> datetime:
    """A time between November 2024 and December 2025 (so some history precedes the year)."""
    base = datetime(2024, 11, 1, tzinfo=UTC)
    return base + timedelta(seconds=rng.randrange(int(timedelta(days=425).total_seconds())))


def generate(
    db: Database, provider: Provider, rng: random.Random
) -> tuple[list[Issued], list[Awarded]]:
    issuer = provider.issuer
    issued: list[Issued] = []
    awarded: list[Awarded] = []
    with db.transaction() as session:
        repo = Repositories(session)
        programmes = [
            create_programme(
                repo,
                issuer=issuer,
                data={"defaultLanguage": "en", "name": {"en": f"P{p}"}},
                actor="test",
                now=NOW,
            ).id
            for p in range(2)
        ]
        modules: list[tuple[str, int, str | None]] = []
        for m in range(7):
            programme = programmes[m % 2] if m < 6 else None
            level = 2 + m % 3
            data = {"defaultLanguage": "en", "code": f"M{m}", "name": {"en": "M"}}
            data |= {"eqfLevel": level} | ({"programmeId": programme} if programme else {})
            module = create_module(repo, issuer=issuer, data=data, actor="test", now=NOW)
            modules.append((module.id, level, programme))
        links = [
            repo.wallet.add_wallet_link(
                issuer_id=issuer.id, token_hash=new_id(), learner_ref=None, language=None, now=NOW
            ).id
            for _ in range(30)
        ]
        for _ in range(150):
            module_id, level, programme = rng.choice(modules)
            link = rng.choice([*links, None])
            cid = new_id()
            at = _when(rng)
            repo.credentials.add_credentials(
                issuer_id=issuer.id,
                credentials=[NewCredential(cid, module_id, "L", None, {"id": cid})],
                batch_id=None,
                now=at,
            )
            issued.append(Issued(cid, module_id, level, programme, link, at))
        # Put credentials in their links in a random order, in several calls: what a
        # cohort upload, then a link made later for older credentials, look like.
        pending = [c for c in issued if c.link is not None]
        rng.shuffle(pending)
        while pending:
            chunk, pending = pending[:7], pending[7:]
            repo.wallet.attach_to_wallet_links(issuer.id, {c.id: c.link for c in chunk})  # type: ignore[misc]
        for link in rng.sample(links, 20):
            programme = rng.choice(programmes)
            at = _when(rng)
            qid, clr = new_id(), new_id()
            stored = repo.pathways.add_qualification(
                NewQualification(
                    id=qid,
                    issuer_id=issuer.id,
                    programme_id=programme,
                    programme_version=1,
                    wallet_link_id=link,
                    credential_id=qid,
                    clr_id=clr,
                    relied_on={"credentials": []},
                    sources=[],
                ),
                credentials=[
                    NewCredential(qid, None, "L", None, {"id": qid}),
                    NewCredential(clr, None, "L", None, {"id": clr}),
                ],
                now=at,
            )
            assert stored
            awarded.append(Awarded(programme, link, at))
    return issued, awarded


def brute_issued(issued: list[Issued], awarded: list[Awarded]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for c in issued:
        if START <= c.at < END:
            counts[(_month(c.at), c.module)] = counts.get((_month(c.at), c.module), 0) + 1
    for a in awarded:  # the qualification and its transcript are credentials too
        if START <= a.at < END:
            counts[(_month(a.at), "")] = counts.get((_month(a.at), ""), 0) + 2
    return counts


def brute_progression(issued: list[Issued], awarded: list[Awarded]) -> dict[tuple[str, str], int]:
    events: set[tuple[str, str]] = set()
    for c in issued:
        if c.link is None or not START <= c.at < END:
            continue
        before = [e.level for e in issued if e.link == c.link and e.at < c.at]
        if before and c.level > min(before):
            events.add((c.link, _month(c.at)))
    events |= {(a.link, _month(a.at)) for a in awarded if START <= a.at < END}
    counts: dict[tuple[str, str], int] = {}
    for _, month in events:
        counts[(month, "progressed")] = counts.get((month, "progressed"), 0) + 1
    return counts


def brute_medians(
    issued: list[Issued], awarded: list[Awarded]
) -> dict[tuple[str | None, str | None], tuple[int, float]]:
    groups: dict[tuple[str | None, str | None], list[float]] = {}
    for a in awarded:
        if not START <= a.at < END:
            continue
        starts = [
            c.at for c in issued if c.link == a.link and c.programme == a.programme and c.at <= a.at
        ]
        if not starts:
            continue
        days = (a.at - min(starts)).total_seconds() / 86400
        for key in ((_month(a.at), a.programme), (_month(a.at), None), (None, a.programme)):
            groups.setdefault(key, []).append(days)
        groups.setdefault((None, None), []).append(days)
    return {k: (len(v), statistics.median(v)) for k, v in groups.items()}


@pytest.mark.parametrize("seed", [1, 2])
def test_sql_aggregates_equal_a_brute_force_count(
    db: Database, make_provider: Callable[..., Provider], seed: int
) -> None:
    provider = make_provider()
    issued, awarded = generate(db, provider, random.Random(seed))
    with db.transaction() as session:
        store = Repositories(session).outcomes
        window = {"issuer_id": provider.issuer.id, "start": START, "end": END}
        assert store.credentials_issued(**window) == brute_issued(issued, awarded)  # type: ignore[arg-type]
        assert store.progression(**window) == brute_progression(issued, awarded)  # type: ignore[arg-type]
        medians = store.time_to_qualification(**window)  # type: ignore[arg-type]
    with db.transaction() as session:  # the migrations' backfills derive the same figures
        session.execute(delete(ProgressionMarkRow))
        _migration("0014_progression_marks.py").backfill(session.connection())
        session.execute(update(QualificationRow).values(started_at=None))
        _migration("0015_qualification_started_at.py").backfill(session.connection())
        store = Repositories(session).outcomes
        assert store.progression(**window) == brute_progression(issued, awarded)  # type: ignore[arg-type]
        backfilled = store.time_to_qualification(**window)  # type: ignore[arg-type]
    assert backfilled == medians
    expected = brute_medians(issued, awarded)
    assert expected  # the data has medians to compare
    assert medians.keys() == expected.keys()
    for key, (n, days) in expected.items():
        assert medians[key][0] == n
        assert medians[key][1] == pytest.approx(days, abs=1e-3)


def test_a_median_of_fewer_than_k_learners_is_withheld(
    db: Database, make_provider: Callable[..., Provider]
) -> None:
    from service.app.disclosure import DisclosurePolicy
    from service.app.outcomes import Period, provider_outcomes

    provider = make_provider()
    issued, awarded = generate(db, provider, random.Random(3))
    expected = brute_medians(issued, awarded)
    with db.transaction() as session:
        report = provider_outcomes(
            Repositories(session),
            issuer_slug=provider.slug,
            period=Period.parse("2025-01", "2025-12"),
            policy=DisclosurePolicy(min_count=5),
            now=NOW,
        )
    medians = report.time_to_qualification
    n, days = expected[(None, None)]
    assert n >= 5 and medians.overall == int(days + 0.5)  # enough learners: shown, whole days
    for month, line, shown in zip(medians.rows, medians.cells, medians.row_medians, strict=True):
        assert shown is None or expected[(month, None)][0] >= 5
        assert all(value is None for value in line)  # 20 awards over 12 months x 2: all small
    body = report.to_json()["timeToQualification"]
    assert body["unit"] == "days" and body["median"] == medians.overall
    from service.app.outcomes_formats import MEDIAN_DAYS, to_csv, to_sdmx_csv

    overall = f"{provider.slug},{MEDIAN_DAYS},_T,_T,{medians.overall},\r\n"
    assert overall in to_csv(report)
    assert f",{MEDIAN_DAYS},_T,2025-01/2025-12,{medians.overall},F," in to_sdmx_csv(report)
