"""Pathways: modules that stack into qualifications, and the automatic award.

After module credentials are issued (one award, a cohort, an RPL outcome) or a learner
presents a recognized provider's module credential, :func:`qualify` looks at each learner
concerned (their wallet link at the provider: the same ``learnerId`` and name) and at every
programme of the provider that has completion rules. When the learner's live credentials
satisfy a programme (``service.credentials.completion``), it issues, in the provider's name:

* the qualification, an Open Badges 3.0 credential for the programme whose ``evidence`` and
  ``relatedResource`` name each module credential by id and ``digestMultibase``;
* a CLR 2.0 ``ClrCredential`` bundling the module credentials and the qualification.

One qualification per learner and programme version: the database's unique constraint
decides between concurrent requests, and the loser's signed documents are discarded
unstored. Revoked or suspended module credentials do not count; revoking one that a
qualification relied on flags the qualification for the provider's review
(``service.app.status_lists`` flags on every revocation or suspension; see also
``service.app.recognition.recheck``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from service.app.issuing import IssueSetup, Transactions
from service.app.status_lists import change_status, reserve_entries
from service.credentials import IssuerProfile, build_achievement, credential_status, validate
from service.credentials.completion import Held, evaluate
from service.credentials.qualification import (
    EXTERNAL,
    RECOGNIZED,
    TAUGHT,
    Component,
    build_clr,
    build_qualification,
    digest_multibase,
)
from service.dates import format_utc
from service.errors import ConflictError, NotFoundError
from service.proofs import DEFAULT_CRYPTOSUITE
from service.store import Repositories
from service.store.records import Issuer, Programme
from service.store.repositories import NewCredential, new_public_id
from service.store.repositories.pathways import NewQualification

#: Marks an RPL credential's achievement subject (see ``service.credentials.rpl``).
RPL_MARKER = "recognized through assessment of prior learning"


@dataclass(frozen=True)
class Awarded:
    """A qualification issued now: its record id and the two signed documents."""

    id: str
    programme_id: str
    wallet_link_id: str
    credential: dict[str, Any]
    clr: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "qualificationId": self.id,
            "programmeId": self.programme_id,
            "credentialId": self.credential["id"],
            "clrId": self.clr["id"],
        }


@dataclass(frozen=True)
class _Candidate:
    programme: Programme
    version: int
    link_id: str
    learner_name: str
    components: tuple[Component, ...]


def programme_version(programme: Programme) -> int:
    return int(programme.data.get("version", 1))


def _day(document: Mapping[str, Any]) -> date:
    subject = document.get("credentialSubject")
    end = subject.get("activityEndDate") if isinstance(subject, Mapping) else None
    text = str(end or document.get("validFrom", ""))[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return date.min


def _achievement(document: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = document.get("credentialSubject")
    found = subject.get("achievement") if isinstance(subject, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def is_rpl(document: Mapping[str, Any]) -> bool:
    """Whether a credential records recognition of prior learning rather than teaching."""
    subject = document.get("credentialSubject")
    narrative = subject.get("narrative") if isinstance(subject, Mapping) else None
    return isinstance(narrative, str) and RPL_MARKER in narrative.lower()


Holdings = tuple[list[Held], dict[str, Component], str]


def holdings(repo: Repositories, *, issuer: Issuer, link_id: str) -> Holdings:
    """What a learner holds toward the provider's programmes: (rule inputs, the component for
    each credential id, the learner's name). Only live credentials count: a revoked or
    suspended module does not."""
    return holdings_of(repo, issuer=issuer, link_ids=[link_id])[link_id]


def holdings_of(
    repo: Repositories, *, issuer: Issuer, link_ids: Iterable[str]
) -> dict[str, Holdings]:
    """:func:`holdings` for many learners at once (a cohort), in a few statements."""
    pathways = repo.pathways
    modules = {m.id: m.data for m in repo.catalogue.modules(issuer.id)}
    ids = sorted(set(link_ids))
    taught = pathways.module_credentials_of(ids)
    external = pathways.external_credentials_of(ids)
    out: dict[str, Holdings] = {}
    for link_id in ids:
        held: list[Held] = []
        components: dict[str, Component] = {}
        name = ""
        for row in taught[link_id]:
            data = modules.get(row.module_id or "", {})
            document = row.document
            held.append(
                Held(
                    ref=str(row.module_id),
                    credential_id=str(document["id"]),
                    completed_on=_day(document),
                    hours=float(data.get("hours") or 0),
                    credits=float(data.get("credits") or 0),
                )
            )
            components[str(document["id"])] = Component(
                document, RECOGNIZED if is_rpl(document) else TAUGHT
            )
            name = row.learner_name
        for other in external[link_id]:
            document = other.document
            achievement = _achievement(document)
            credits = achievement.get("creditsAvailable")
            held.append(
                Held(
                    ref=str(achievement.get("id", "")),
                    credential_id=other.document_id,
                    completed_on=_day(document),
                    credits=float(credits) if isinstance(credits, int | float) else 0.0,
                )
            )
            components[other.document_id] = Component(document, EXTERNAL)
        out[link_id] = (held, components, name)
    return out


@dataclass(frozen=True)
class Progress:
    """A learner's standing on one programme, as their wallet shows it."""

    names: Mapping[str, str]  # the programme's name by language
    default_language: str
    done: int
    needed: int
    awarded: bool
    flagged: bool

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get(self.default_language) or ""


def learner_progress(repo: Repositories, *, issuer: Issuer, link_id: str) -> list[Progress]:
    """Each of the provider's programmes the learner has started or completed: modules done
    toward the cheapest way to complete it, and whether the qualification was awarded (and
    is under review)."""
    held, _, _ = holdings(repo, issuer=issuer, link_id=link_id)
    awarded = {
        (q.programme_id, q.programme_version): q
        for q in repo.pathways.qualifications_of_links([link_id])
    }
    out = []
    for programme in repo.catalogue.programmes(issuer.id):
        completion = programme.data.get("completion")
        if not completion:
            continue
        verdict = evaluate(completion, held)
        qualification = awarded.get((programme.id, programme_version(programme)))
        if not verdict.done and qualification is None:
            continue
        out.append(
            Progress(
                names=programme.data["name"],
                default_language=programme.data["defaultLanguage"],
                done=verdict.needed if qualification is not None else verdict.done,
                needed=verdict.needed,
                awarded=qualification is not None,
                flagged=qualification is not None and qualification.flagged_at is not None,
            )
        )
    return out


def accepts_external(repo: Repositories, *, issuer: Issuer) -> bool:
    """Whether a programme of the provider counts modules from other providers."""
    return any(
        p.data.get("recognizedProviders") and p.data.get("completion")
        for p in repo.catalogue.programmes(issuer.id)
    )


def _candidates(repo: Repositories, issuer: Issuer, link_ids: Iterable[str]) -> list[_Candidate]:
    programmes = [p for p in repo.catalogue.programmes(issuer.id) if p.data.get("completion")]
    if not programmes:
        return []
    ids = sorted(set(link_ids))
    awarded = {
        (q.programme_id, q.programme_version, q.wallet_link_id)
        for q in repo.pathways.qualifications_of_links(ids)
    }
    out: list[_Candidate] = []
    for link_id, (held, components, name) in holdings_of(repo, issuer=issuer, link_ids=ids).items():
        if not held:
            continue
        for programme in programmes:
            version = programme_version(programme)
            if (programme.id, version, link_id) in awarded:
                continue
            verdict = evaluate(programme.data["completion"], held)
            if verdict.satisfied:
                chosen = tuple(components[h.credential_id] for h in verdict.counted)
                out.append(_Candidate(programme, version, link_id, name, chosen))
    return out


def programme_achievement(base_url: str, issuer: Issuer, programme: Programme) -> Any:
    data = {"achievementType": "Certificate", **programme.data}
    return build_achievement(
        data,
        achievement_id=f"{base_url.rstrip('/')}/issuers/{issuer.slug}/programmes/{programme.id}",
    )


def qualify(
    repositories: Transactions,
    setup: IssueSetup,
    *,
    issuer_id: str,
    link_ids: Iterable[str],
    actor: str,
    now: datetime,
) -> list[Awarded]:
    """Award every qualification the learners behind ``link_ids`` have newly earned.

    Same steps as issuing: read, reserve status entries, sign outside any transaction, then
    store each qualification with its two credentials in a savepoint of one transaction (a
    learner whose qualification a concurrent request stored first is skipped)."""
    with repositories() as repo:
        issuer = repo.providers.issuer(issuer_id)
        candidates = _candidates(repo, issuer, link_ids)
        if not candidates:
            return []
        key_name = repo.providers.active_key(issuer.id).key_name
    ids = [(new_public_id(), new_public_id()) for _ in candidates]
    with repositories() as repo:
        reservations = reserve_entries(
            repo,
            issuer=issuer,
            credential_ids=[i for pair in ids for i in pair],
            base_url=setup.base_url,
            now=now,
        )
    status = {r.credential_id: r.entries for r in reservations}
    base = setup.base_url.rstrip("/")
    profile = IssuerProfile(id=issuer.did, name=issuer.name, url=issuer.url)
    valid_from = format_utc(now)
    qualifications = []
    for candidate, (qid, _) in zip(candidates, ids, strict=True):
        document = build_qualification(
            credential_id=f"{base}/credentials/{qid}",
            issuer=profile,
            achievement=programme_achievement(setup.base_url, issuer, candidate.programme),
            learner_name=candidate.learner_name,
            components=candidate.components,
            valid_from=valid_from,
        )
        document["credentialStatus"] = credential_status(status[qid])
        qualifications.append(document)
    signed = setup.signer.sign_all(
        key_name, qualifications, created=now, cryptosuite=DEFAULT_CRYPTOSUITE
    )
    transcripts = []
    for candidate, (_, cid), qualification in zip(candidates, ids, signed, strict=True):
        clr = build_clr(
            credential_id=f"{base}/credentials/{cid}",
            issuer=profile,
            name=f"Transcript: {qualification['name']}",
            learner_name=candidate.learner_name,
            qualification=qualification,
            components=candidate.components,
            valid_from=valid_from,
        )
        clr["credentialStatus"] = credential_status(status[cid])
        transcripts.append(clr)
    signed_clrs = setup.signer.sign_all(
        key_name, transcripts, created=now, cryptosuite=DEFAULT_CRYPTOSUITE
    )
    awarded: list[Awarded] = []
    with repositories() as repo:
        pathways = repo.pathways
        for candidate, (qid, cid), document, clr in zip(
            candidates, ids, signed, signed_clrs, strict=True
        ):
            stored = pathways.add_qualification(
                _record(issuer, candidate, qid, cid),
                credentials=[
                    NewCredential(qid, None, candidate.learner_name, None, document),
                    NewCredential(cid, None, candidate.learner_name, None, clr),
                ],
                now=now,
            )
            if not stored:
                continue
            repo.audit.record(
                actor=actor,
                action="qualification.award",
                now=now,
                issuer_id=issuer.id,
                subject=qid,
                detail=f"programme={candidate.programme.id} v{candidate.version}",
            )
            awarded.append(Awarded(qid, candidate.programme.id, candidate.link_id, document, clr))
    return awarded


def _record(issuer: Issuer, candidate: _Candidate, qid: str, cid: str) -> NewQualification:
    relied_on = [
        {
            "id": c.id,
            "issuer": _issuer_id(c.document),
            "genre": c.genre,
            "digestMultibase": digest_multibase(c.document),
        }
        for c in candidate.components
    ]
    return NewQualification(
        id=qid,
        issuer_id=issuer.id,
        programme_id=candidate.programme.id,
        programme_version=candidate.version,
        wallet_link_id=candidate.link_id,
        credential_id=qid,
        clr_id=cid,
        relied_on={"credentials": relied_on},
        sources=[c.id for c in candidate.components],
    )


def _issuer_id(document: Mapping[str, Any]) -> str:
    issuer = document.get("issuer")
    return str(issuer.get("id") if isinstance(issuer, Mapping) else issuer)


def describe(row: Any) -> dict[str, Any]:
    """A qualification record as the provider's API shows it."""
    return {
        "id": row.id,
        "programmeId": row.programme_id,
        "programmeVersion": row.programme_version,
        "walletLinkId": row.wallet_link_id,
        "credentialId": row.credential_id,
        "clrId": row.clr_id,
        "reliedOn": row.relied_on["credentials"],
        "flaggedForReview": row.flagged_at is not None,
        "flaggedAt": row.flagged_at.isoformat() if row.flagged_at else None,
        "reviewReason": row.review_reason,
        "createdAt": row.created_at.isoformat(),
    }


def review_qualification(
    repo: Repositories,
    *,
    issuer: Issuer,
    qualification_id: str,
    data: Mapping[str, Any],
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """The provider decides on a flagged qualification (``schemas/qualification-review``):
    ``keep`` lifts the flag, ``revoke`` revokes the qualification and its transcript. Either
    way the decision and its reason stay on the record and in the audit log."""
    validate("qualification-review", data, what="review")
    row = repo.pathways.qualification(issuer.id, qualification_id)
    if row is None:
        raise NotFoundError(f"No qualification {qualification_id!r}.")
    if row.flagged_at is None:
        raise ConflictError("This qualification is not flagged for review.")
    decision, reason = data["decision"], data["reason"].strip()
    if decision == "revoke":
        for credential_id in (row.credential_id, row.clr_id):
            change_status(
                repo,
                issuer=issuer,
                credential_id=credential_id,
                action="revoke",
                reason=f"qualification review: {reason}",
                actor=actor,
                now=now,
            )
        row = repo.pathways.qualification(issuer.id, qualification_id) or row
        row.review_reason = f"revoked after review ({now:%Y-%m-%d}): {reason}"[:1000]
    else:
        row.review_reason = f"kept after review ({now:%Y-%m-%d}): {reason}"[:1000]
        row.flagged_at = None
    repo.audit.record(
        actor=actor,
        action=f"qualification.review.{decision}",
        now=now,
        issuer_id=issuer.id,
        subject=row.id,
    )
    return describe(row)


def list_qualifications(
    repo: Repositories, *, issuer: Issuer, flagged: bool | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The provider's qualifications, newest first (``flagged=True``: those awaiting review)."""
    rows = repo.pathways.qualifications(issuer.id, flagged=flagged, limit=limit, offset=offset)
    return [describe(r) for r in rows]


def get_qualification(repo: Repositories, *, issuer: Issuer, qualification_id: str) -> Any:
    row = repo.pathways.qualification(issuer.id, qualification_id)
    if row is None:
        raise NotFoundError(f"No qualification {qualification_id!r}.")
    return describe(row)


__all__ = [
    "RPL_MARKER",
    "Awarded",
    "Progress",
    "accepts_external",
    "describe",
    "get_qualification",
    "holdings",
    "is_rpl",
    "learner_progress",
    "list_qualifications",
    "programme_achievement",
    "programme_version",
    "qualify",
    "review_qualification",
]
