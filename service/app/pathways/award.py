"""The award use case: :func:`qualify` issues, in the provider's name, each qualification the
learners concerned have newly earned (an Open Badges 3.0 credential for the programme whose
``evidence`` and ``relatedResource`` name each module credential by id and
``digestMultibase``) with its CLR 2.0 ``ClrCredential`` transcript.

One qualification per learner and programme version: the database's unique constraint
decides between concurrent requests, and the loser's signed documents are discarded unstored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.app.issuing import IssueSetup, Transactions
from service.app.pathways.holdings import Candidate, candidates
from service.app.status_lists import reserve_entries
from service.credentials import IssuerProfile, build_achievement, credential_status
from service.credentials.qualification import build_clr, build_qualification, digest_multibase
from service.dates import format_utc
from service.proofs import DEFAULT_CRYPTOSUITE
from service.store.records import Issuer, Programme
from service.store.repositories import NewCredential, new_public_id
from service.store.repositories.pathways import NewQualification


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
        found = candidates(repo, issuer, link_ids)
        if not found:
            return []
        key_name = repo.providers.active_key(issuer.id).key_name
    ids = [(new_public_id(), new_public_id()) for _ in found]
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
    for candidate, (qid, _) in zip(found, ids, strict=True):
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
    for candidate, (_, cid), qualification in zip(found, ids, signed, strict=True):
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
            found, ids, signed, signed_clrs, strict=True
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


def qualify_holders(
    repositories: Transactions,
    setup: IssueSetup,
    *,
    issuer_id: str,
    credentials: Iterable[Mapping[str, Any]],
    actor: str,
    now: datetime,
) -> list[Awarded]:
    """:func:`qualify` for the learners holding these module credentials, as issued or as
    replayed under their Idempotency-Key.

    The learners are found through the stored credentials, not through the answer that
    issued them (a replay has no new wallet links): so when a process dies between a
    slice's commit and its award, the slice run again still awards every learner of it, and
    a learner awarded already gets nothing twice."""
    # Ids this service gave: {base_url}/credentials/{record id}.
    record_ids = [str(c.get("id", "")).rsplit("/", 1)[-1] for c in credentials]
    with repositories() as repo:
        links = repo.pathways.links_holding(issuer_id, record_ids)
    if not links:
        return []
    return qualify(repositories, setup, issuer_id=issuer_id, link_ids=links, actor=actor, now=now)


def _record(issuer: Issuer, candidate: Candidate, qid: str, cid: str) -> NewQualification:
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


__all__ = ["Awarded", "programme_achievement", "qualify", "qualify_holders"]
