"""Recognition of prior learning (RPL): a provider's assessment workflow.

A case is opened for a learner against modules (or every module a programme's rule names),
optionally with credentials from abroad and how each maps onto local modules (full, partial,
none, and why). Assessors record evidence: the method (interview, skills demonstration, work
sample, document review, test), a description of what was seen and its digest, the date;
never a copy of a document (the schemas have no field for one, and identity or legal-status
details are refused by name). The decision names one or two assessors and the outcome per
module. Each recognized module becomes an RPL credential (``service.credentials.rpl``) signed
by the assessors' own keys, published under the provider's DID document: two assessors give
a Data Integrity proof set of two proofs. The credentials join the learner's wallet and count
toward qualifications (:func:`service.app.pathways.qualify` runs at once). Every step is
audited (ids only: no names, no evidence text).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.app.issuing import IssueSetup, Transactions
from service.app.pathways import Awarded, qualify, qualify_holders
from service.app.providers import keys_are_dev
from service.app.status_lists import reserve_entries
from service.app.wallet import WalletAward, link_awards
from service.credentials import IssuerProfile, build_achievement, credential_status, validate
from service.credentials.completion import modules_of
from service.credentials.rpl import build_rpl_credential
from service.dates import format_utc
from service.errors import ConflictError, ValidationFailed
from service.keys import KeyStore
from service.proofs import DEFAULT_CRYPTOSUITE
from service.store import Repositories
from service.store.records import Issuer, RplAssessor, RplCase
from service.store.repositories import NewCredential, new_public_id


def add_assessor(
    repo: Repositories, keys: KeyStore, *, issuer: Issuer, name: str, actor: str, now: datetime
) -> RplAssessor:
    """Register an assessor with a new key of their own under the provider's did:web DID."""
    validate("rpl-assessor", {"name": name}, what="assessor")
    if not issuer.did.startswith("did:web:"):
        raise ValidationFailed(
            f"Provider {issuer.slug!r} is a did:key ({issuer.did}), which is one key: assessors "
            "need keys of their own under a did:web provider's DID document."
        )
    rpl = repo.rpl
    key_name = f"{issuer.slug}-assessor-{len(rpl.assessors(issuer.id)) + 1}"[:63]
    info = keys.generate(
        key_name, did_web=issuer.did.removeprefix("did:web:"), dev=keys_are_dev(keys)
    )
    row = rpl.add_assessor(
        issuer_id=issuer.id,
        name=name.strip(),
        key_name=key_name,
        verification_method=info.verification_method,
        public_key_multibase=info.public_key_multibase,
        now=now,
    )
    repo.audit.record(
        actor=actor, action="rpl.assessor.add", now=now, issuer_id=issuer.id, subject=row.id
    )
    return row


def open_case(
    repo: Repositories, *, issuer: Issuer, data: Mapping[str, Any], actor: str, now: datetime
) -> RplCase:
    """Open a case (``schemas/rpl-case.schema.json``); modules must be the provider's own."""
    validate("rpl-case", data, what="RPL case")
    local = {m.id for m in repo.catalogue.modules(issuer.id)}
    if "programmeId" in data:
        completion = repo.catalogue.programme(issuer.id, data["programmeId"]).data.get("completion")
        if not completion:
            raise ValidationFailed("This programme has no completion rules to assess against.")
        scope = sorted(m for m in modules_of(completion["rule"]) if m in local)
    else:
        scope = list(data["moduleIds"])
    mapped = [m["moduleId"] for f in data.get("foreignCredentials", []) for m in f["mappings"]]
    unknown = sorted({m for m in [*scope, *mapped] if m not in local})
    if unknown:
        raise ValidationFailed(
            f"The provider has no module {unknown[0]!r}: assess against your own modules.",
            [{"path": "$.moduleIds", "message": f"unknown module {m}"} for m in unknown],
        )
    row = repo.rpl.add_case(
        issuer_id=issuer.id,
        learner_name=data["learnerName"].strip(),
        learner_ref=data.get("learnerId"),
        language=data.get("language"),
        record={
            "modules": scope,
            "programmeId": data.get("programmeId"),
            "foreignCredentials": list(data.get("foreignCredentials", [])),
            "evidence": [],
            "outcomes": [],
        },
        now=now,
    )
    repo.audit.record(
        actor=actor, action="rpl.case.open", now=now, issuer_id=issuer.id, subject=row.id
    )
    return row


def _open(repo: Repositories, issuer: Issuer, case_id: str) -> RplCase:
    row = repo.rpl.case(issuer.id, case_id, lock=True)
    if row.status != "open":
        raise ConflictError(f"RPL case {case_id} is {row.status}: open a new case to reassess.")
    return row


def add_evidence(
    repo: Repositories,
    *,
    issuer: Issuer,
    case_id: str,
    data: Mapping[str, Any],
    actor: str,
    now: datetime,
) -> RplCase:
    """Record what an assessment saw (``schemas/rpl-evidence.schema.json``)."""
    validate("rpl-evidence", data, what="evidence")
    row = _open(repo, issuer, case_id)
    outside = [m for m in data.get("moduleIds", []) if m not in row.record["modules"]]
    if outside:
        raise ValidationFailed(f"Module {outside[0]} is not assessed in this case.")
    row = repo.rpl.add_evidence(issuer.id, case_id, {**data, "recordedAt": now.isoformat()})
    repo.audit.record(
        actor=actor,
        action="rpl.evidence.add",
        now=now,
        issuer_id=issuer.id,
        subject=row.id,
        detail=f"method={data['method']}",
    )
    return row


def decide(
    repositories: Transactions,
    setup: IssueSetup,
    *,
    issuer_id: str,
    case_id: str,
    data: Mapping[str, Any],
    actor: str,
    now: datetime,
) -> tuple[RplCase, list[dict[str, Any]], list[Awarded]]:
    """Record the outcome per module, issue an RPL credential per recognized module signed by
    the assessors (two: a proof set), close the case and award what the learner completes.

    The same decision sent again for a case it closed answers as the first time, and awards
    what a first attempt left undone (its answer lost, or its process gone between storing
    the credentials and the qualifications); a different one is a conflict.

    Returns (the case, the signed RPL credentials, qualifications awarded)."""
    validate("rpl-decision", data, what="decision")
    replayed = _replayed(repositories, issuer_id, case_id, data)
    if replayed is not None:
        case, signed = replayed
        awarded = qualify_holders(
            repositories, setup, issuer_id=issuer_id, credentials=signed, actor=actor, now=now
        )
        return case, signed, awarded
    with repositories() as repo:
        issuer = repo.providers.issuer(issuer_id)
        case = _open(repo, issuer, case_id)
        rpl = repo.rpl
        assessors = [rpl.assessor(issuer.id, a) for a in data["assessorIds"]]
        outcomes = list(data["outcomes"])
        problems = _outcome_problems(case, outcomes)
        if problems:
            raise ValidationFailed(
                problems[0], [{"path": "$.outcomes", "message": p} for p in problems]
            )
        recognized = [o for o in outcomes if o["outcome"] == "recognized"]
        modules = {m.id: m for m in repo.catalogue.modules(issuer.id)}
        if recognized and not case.record["evidence"]:
            raise ValidationFailed(
                "Record the evidence first: a recognition rests on what was seen."
            )
        learner, learner_ref, language = case.learner_name, case.learner_ref, case.language
        evidence = list(case.record["evidence"])
    ids = [new_public_id() for _ in recognized]
    reservations = []
    if ids:
        with repositories() as repo:
            reservations = reserve_entries(
                repo, issuer=issuer, credential_ids=ids, base_url=setup.base_url, now=now
            )
    base = setup.base_url.rstrip("/")
    profile = IssuerProfile(id=issuer.did, name=issuer.name, url=issuer.url)
    unsigned = []
    for credential_id, outcome, reservation in zip(ids, recognized, reservations, strict=True):
        module = modules[outcome["moduleId"]]
        seen = [e for e in evidence if not e.get("moduleIds") or module.id in e["moduleIds"]]
        document = build_rpl_credential(
            credential_id=f"{base}/credentials/{credential_id}",
            issuer=profile,
            achievement=build_achievement(
                module.data, achievement_id=f"{base}/issuers/{issuer.slug}/modules/{module.id}"
            ),
            learner_name=learner,
            decided_on=data["decidedOn"],
            result=outcome.get("result"),
            reason=outcome["reason"],
            evidence=seen,
            assessors=[a.name for a in assessors],
            valid_from=format_utc(now),
        )
        document["credentialStatus"] = credential_status(reservation.entries)
        unsigned.append(document)
    signed = unsigned
    for assessor in assessors:  # each adds its proof over the unsecured document: a proof set
        signed = (
            setup.signer.sign_all(
                assessor.key_name, signed, created=now, cryptosuite=DEFAULT_CRYPTOSUITE
            )
            if signed
            else []
        )
    with repositories() as repo:
        _open(repo, issuer, case_id)  # still open, and locked: a concurrent decision lost
        repo.credentials.add_credentials(
            issuer_id=issuer.id,
            credentials=[
                NewCredential(cid, outcome["moduleId"], learner, learner_ref, document)
                for cid, outcome, document in zip(ids, recognized, signed, strict=True)
            ],
            batch_id=None,
            now=now,
        )
        links = link_awards(
            repo,
            issuer=issuer,
            base_url=setup.base_url,
            actor=actor,
            now=now,
            awards=[WalletAward(cid, learner, learner_ref, language) for cid in ids],
        )
        case = repo.rpl.close_case(
            issuer.id,
            case_id,
            outcomes=[{**o, "credentialId": _issued(o, recognized, signed)} for o in outcomes],
            assessor_ids=[a.id for a in assessors],
            decided_on=data["decidedOn"],
            now=now,
        )
        repo.audit.record(
            actor=actor,
            action="rpl.case.decide",
            now=now,
            issuer_id=issuer.id,
            subject=case.id,
            detail=f"recognized={len(recognized)} of {len(outcomes)}; assessors={len(assessors)}",
        )
        repo.audit.record_many(
            actor=actor, action="credential.issue", now=now, issuer_id=issuer.id, subjects=ids
        )
    awarded = qualify(
        repositories,
        setup,
        issuer_id=issuer.id,
        link_ids=[link.link_id for link in links.values()],
        actor=actor,
        now=now,
    )
    return case, signed, awarded


def _replayed(
    repositories: Transactions, issuer_id: str, case_id: str, data: Mapping[str, Any]
) -> tuple[RplCase, list[dict[str, Any]]] | None:
    """The case and its RPL credentials as stored, if this very decision closed it."""
    with repositories() as repo:
        case = repo.rpl.case(issuer_id, case_id, lock=False)
        record = case.record
        stored = [
            {k: v for k, v in o.items() if k != "credentialId"} for o in record.get("outcomes", [])
        ]
        same = (
            stored == list(data["outcomes"])
            and record.get("assessors") == list(data["assessorIds"])
            and record.get("decidedOn") == data["decidedOn"]
        )
        if case.status != "decided" or not same:
            return None
        # The ids this service gave: {base_url}/credentials/{record id}.
        ids = [
            str(o["credentialId"]).rsplit("/", 1)[-1]
            for o in record["outcomes"]
            if o.get("credentialId")
        ]
        return case, [c.document for c in repo.credentials.credentials_by_ids(issuer_id, ids)]


def _issued(
    outcome: Mapping[str, Any], recognized: list[dict[str, Any]], signed: list[dict[str, Any]]
) -> str | None:
    for candidate, document in zip(recognized, signed, strict=True):
        if candidate is outcome:
            return str(document["id"])
    return None


def _outcome_problems(case: RplCase, outcomes: list[dict[str, Any]]) -> list[str]:
    scope = set(case.record["modules"])
    named = [o["moduleId"] for o in outcomes]
    problems = [f"module {m} is not assessed in this case" for m in named if m not in scope]
    if len(set(named)) != len(named):
        problems.append("a module has two outcomes: give each module one")
    missing = sorted(scope - set(named))
    if missing:
        problems.append(f"no outcome for module {missing[0]}: decide every module of the case")
    return problems


def describe_case(row: RplCase) -> dict[str, Any]:
    """A case as the provider's API and CLI show it."""
    record = row.record
    return {
        "id": row.id,
        "status": row.status,
        "learnerName": row.learner_name,
        "learnerId": row.learner_ref,
        "modules": record["modules"],
        "programmeId": record.get("programmeId"),
        "foreignCredentials": record.get("foreignCredentials", []),
        "evidence": record.get("evidence", []),
        "outcomes": record.get("outcomes", []),
        "assessors": record.get("assessors", []),
        "openedAt": row.opened_at.isoformat(),
        "decidedAt": row.decided_at.isoformat() if row.decided_at else None,
    }


def list_cases(
    repo: Repositories, *, issuer: Issuer, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The provider's cases, newest first; ``status="open"``: the ones awaiting a decision."""
    if status not in (None, "open", "decided"):
        raise ValidationFailed(f"status {status!r}: use open or decided.")
    rows = repo.rpl.cases(issuer.id, status=status, limit=limit, offset=offset)
    return [describe_case(r) for r in rows]


def get_case(repo: Repositories, *, issuer: Issuer, case_id: str) -> dict[str, Any]:
    return describe_case(repo.rpl.case(issuer.id, case_id))


def describe_assessor(row: RplAssessor) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "verificationMethod": row.verification_method,
        "createdAt": row.created_at.isoformat(),
    }


__all__ = [
    "add_assessor",
    "add_evidence",
    "decide",
    "describe_assessor",
    "describe_case",
    "get_case",
    "list_cases",
    "open_case",
]
