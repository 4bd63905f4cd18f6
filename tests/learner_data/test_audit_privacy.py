"""The audit log holds who, what and when, never personal data: every event type the code can
write is listed here with what its subject and detail hold (a new one fails until it is
reviewed and added), and a learner's life at a provider (issue, revoke with a reason naming
them, wallet link renewed and withdrawn, offers, export, erasure request and erasure,
retention) leaves no name, learner reference, address or wallet token in it."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import Provider, award_data
from sqlalchemy import select

from service.app.retention import RetentionPolicy, run_retention
from service.app.wallet import token_hash
from service.store import Database, Repositories
from service.store.models import AuditRow

SERVICE = Path(__file__).resolve().parents[2] / "service"

#: Every audit event type, and what its subject and detail hold. None of it is personal data:
#: random record ids, DIDs and key ids of providers, counts and fixed words.
AUDIT_EVENTS = {
    "issuer.create": "subject: the provider's DID",
    "key.create": "subject: key name; detail: none",
    "key.revoke": "subject: key name; detail: since when it is compromised",
    "api_key.create": "subject: key id; detail: its scopes",
    "api_key.revoke": "subject: key id",
    "operator_key.create": "subject: key id; detail: its scopes",
    "operator_key.revoke": "subject: key id",
    "session.sign_in": "actor: the API key id; nothing else (never the session token)",
    "programme.create": "subject: programme id",
    "module.create": "subject: module id",
    "credential.issue": "subject: credential record id (random)",
    "credential.revoke": "subject: credential record id (the reason is never audited)",
    "credential.suspend": "subject: credential record id",
    "credential.unsuspend": "subject: credential record id",
    "wallet_link.create": "subject: wallet link id (never the token)",
    "wallet_link.renew": "subject: wallet link id",
    "wallet_link.revoke": "subject: wallet link id",
    "qualification.award": "subject: qualification id; detail: programme id and version",
    "qualification.flag": "subject: qualification id",
    "credential_offer.create": "subject: offer id",
    "credential_offer.deliver": "subject: offer id; detail: bound or unbound",
    "job.create": "subject: job id",
    "external_credential.accept": "subject: sha256 of the other provider's credential id "
    "(the id may be a URL naming the learner); detail: its DID",
    "rpl.assessor.add": "subject: assessor id (the assessor's name is not audited)",
    "rpl.case.open": "subject: case id",
    "rpl.evidence.add": "subject: evidence id; detail: the method's fixed name",
    "rpl.case.decide": "subject: case id; detail: counts",
    "trust.add": "detail: the recognized provider's DID",
    "trust.remove": "detail: the provider's DID",
    "trust.import": "detail: counts",
    "learner.export": "nothing but who and when",
    "learner.erasure_request": "subject: erasure request id",
    "learner.erase": "subject: erasure request id; detail: counts",
    "retention.run": "detail: counts",
}


def _audited_actions() -> set[str]:
    """The action of every audit call in the service's code: ``repo.audit.record(...)`` /
    ``.record_many(...)``, or ``AuditRepository(session).record(...)`` inside the store."""
    found: set[str] = set()
    for path in SERVICE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("record", "record_many")
                and _is_audit_log(node.func.value)
            ):
                continue
            action = next((k.value for k in node.keywords if k.arg == "action"), None)
            if isinstance(action, ast.Constant):
                found.add(str(action.value))
            elif isinstance(action, ast.JoinedStr):  # credential.{revoke,suspend,unsuspend}
                found |= {"credential.revoke", "credential.suspend", "credential.unsuspend"}
            else:
                raise AssertionError(f"{path}: an audit action that is not a literal")
    return found


def _is_audit_log(target: ast.expr) -> bool:
    """``<bundle>.audit`` or ``AuditRepository(...)``."""
    if isinstance(target, ast.Attribute):
        return target.attr == "audit"
    return (
        isinstance(target, ast.Call)
        and isinstance(target.func, ast.Name)
        and target.func.id == "AuditRepository"
    )


def test_every_audit_event_type_is_reviewed() -> None:
    assert _audited_actions() == set(AUDIT_EVENTS)


NAME = "Yusra Mbeki-Lindqvist"
REF = "LRN-55301-ZZ"
ADDRESS = "Hafenstrasse 17, Hamburg"


def test_no_name_reference_address_or_token_enters_the_audit_log(
    client: Any, db: Database, provider: Provider, module: dict[str, Any]
) -> None:
    refused = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(NAME), "address": ADDRESS},
        headers=provider.headers,
    )
    assert refused.status_code == 422  # an address has no field to go in
    made = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(NAME, learnerId=REF)},
        headers=provider.headers,
    ).json()
    second = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(NAME, learnerId=REF)},
        headers=provider.headers,
    ).json()
    first_token = made["walletUrl"].rsplit("/", 1)[1]
    record = made["verifiableCredential"]["id"].rsplit("/", 1)[1]
    other = second["verifiableCredential"]["id"].rsplit("/", 1)[1]
    slug, headers = provider.slug, provider.headers
    revoked = client.post(
        f"/issuers/{slug}/credentials/{other}/revoke",
        json={"reason": f"{NAME} ({REF}) moved to {ADDRESS}"},
        headers=headers,
    )
    assert revoked.status_code == 200
    links = client.get(f"/issuers/{slug}/wallet-links", headers=headers).json()
    renewed = client.post(f"/issuers/{slug}/wallet-links/{links[0]['id']}/renew", headers=headers)
    token = renewed.json()["url"].rsplit("/", 1)[1]
    offer = client.post(
        f"/issuers/{slug}/credential-offers", json={"credentialIds": [record]}, headers=headers
    )
    assert offer.status_code == 201, offer.text
    assert (
        client.post(
            f"/issuers/{slug}/learners/export", json={"learnerRef": REF}, headers=headers
        ).status_code
        == 200
    )
    asked = client.post(f"/wallet/{token}/erasure", data={"confirm": "yes"})
    assert asked.status_code == 200
    (request,) = client.get(f"/issuers/{slug}/erasure-requests", headers=headers).json()
    assert (
        client.post(
            f"/issuers/{slug}/erasure-requests/{request['id']}/confirm", headers=headers
        ).status_code
        == 200
    )
    run_retention(
        lambda: _repository(db),
        policy=RetentionPolicy(1, 1, 1, 0),
        now=datetime.now(UTC) + timedelta(days=2),
    )

    with db.transaction() as session:
        events = session.scalars(select(AuditRow)).all()
    actions = {e.action for e in events}
    assert {
        "credential.issue",
        "credential.revoke",
        "wallet_link.create",
        "wallet_link.renew",
        "credential_offer.create",
        "learner.export",
        "learner.erasure_request",
        "learner.erase",
        "retention.run",
    } <= actions
    secrets = [NAME, "Mbeki", REF, ADDRESS, "Hafenstrasse", first_token, token]
    secrets += [h for h in (token_hash(first_token), token_hash(token)) if h]
    text = "\n".join(
        f"{e.actor} {e.issuer_id} {e.action} {e.subject} {e.detail}".casefold() for e in events
    )
    assert [s for s in secrets if s.casefold() in text] == []


def _repository(db: Database) -> Any:
    from contextlib import contextmanager

    @contextmanager
    def opened() -> Any:
        with db.transaction() as session:
            yield Repositories(session)

    return opened()
