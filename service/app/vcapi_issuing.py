"""W3C VC-API issue: sign a client's own VC 2.0 credential in the calling provider's name.

The client's credential is checked first (each problem with a message saying what to do),
then completed (id, issuer, validFrom, a status entry) and signed, in the same four steps as
:func:`service.app.issuing.issue_awards`, so no transaction is open while signing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.app.idempotency import claim, replay, replay_winner, request_hash
from service.app.issuing import IssueSetup, Transactions
from service.app.status_lists import reserve_entries
from service.contexts import CREDENTIALS_V2
from service.credentials import credential_status, validate
from service.credentials.schemas import find_sensitive
from service.dates import format_utc
from service.errors import ValidationFailed
from service.proofs import DEFAULT_CRYPTOSUITE
from service.store.records import Issuer
from service.store.repositories import NewCredential, new_public_id

#: Terms whose every object must say what kind of thing it is (VC Data Model 2.0 §4.5).
TYPED_TERMS = ("credentialStatus", "credentialSchema", "termsOfUse", "evidence", "refreshService")
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _problem(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": message}


def _vcapi_problems(credential: Mapping[str, Any], issuer_did: str) -> list[dict[str, str]]:
    """What is wrong with a client's credential, each with a message saying what to do.

    Shape errors the schema reports too are explained here in plain words first."""
    problems: list[dict[str, str]] = []
    if "proof" in credential:
        problems.append(_problem("$.credential.proof", "set by the server: remove the proof"))
    issuer = credential.get("issuer")
    named = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if "issuer" in credential and named != issuer_did:
        problems.append(
            _problem(
                "$.credential.issuer",
                f"the issuer must be the caller's own DID {issuer_did} (a string, or an object "
                f"whose id is it), not {named!r}: a provider signs only in its own name",
            )
        )
    client_id = credential.get("id")
    if "id" in credential and not _is_absolute(client_id):
        problems.append(
            _problem(
                "$.credential.id",
                f"{client_id!r} is not an absolute URL: use e.g. urn:uuid:… or https://…, "
                "or leave id out and the server sets one",
            )
        )
    subjects = credential.get("credentialSubject")
    for index, subject in enumerate(subjects if isinstance(subjects, list) else [subjects]):
        if isinstance(subject, Mapping) and not subject:
            where = "$.credential.credentialSubject" + (
                f"[{index}]" if isinstance(subjects, list) else ""
            )
            problems.append(_problem(where, "is empty: a subject must make at least one claim"))
    for term in TYPED_TERMS:
        value = credential.get(term)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, Mapping) and "type" not in item:
                where = f"$.credential.{term}" + (f"[{index}]" if isinstance(value, list) else "")
                problems.append(
                    _problem(where, f"has no type: every {term} object must name its type")
                )
    problems.extend(_related_resource_problems(credential.get("relatedResource")))
    schemas = credential.get("credentialSchema")
    for index, schema in enumerate(schemas if isinstance(schemas, list) else [schemas]):
        if isinstance(schema, Mapping) and not _is_absolute(schema.get("id")):
            where = "$.credential.credentialSchema" + (
                f"[{index}]" if isinstance(schemas, list) else ""
            )
            problems.append(_problem(where, "needs an id: the URL of the schema file"))
    return problems


def _is_absolute(value: Any) -> bool:
    return isinstance(value, str) and bool(_ABSOLUTE_URI.match(value))


def _related_resource_problems(value: Any) -> list[dict[str, str]]:
    """VC 2.0 §5.3: objects with a unique absolute ``id`` and a ``digestSRI`` or
    ``digestMultibase``. (The digest itself is not checked: issuing fetches nothing.)"""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    problems: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = "$.credential.relatedResource" + (f"[{index}]" if isinstance(value, list) else "")
        if not isinstance(item, Mapping):
            problems.append(
                _problem(where, "must be an object with id and digestSRI or digestMultibase")
            )
            continue
        resource = item.get("id")
        if not isinstance(resource, str) or not _is_absolute(resource):
            problems.append(_problem(where, "needs an id: the resource's absolute URL"))
        elif resource in seen:
            problems.append(_problem(where, f"lists {resource} a second time: ids must be unique"))
        else:
            seen.add(resource)
        if not isinstance(item.get("digestSRI"), str) and not isinstance(
            item.get("digestMultibase"), str
        ):
            problems.append(
                _problem(where, "needs a digestSRI or digestMultibase of the resource's bytes")
            )
    return problems


def _datetime(credential: Mapping[str, Any], field: str) -> datetime | None:
    """The client's ``field`` as a datetime; the schema has checked its lexical form."""
    value = credential.get(field)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("z", "Z"))
    except ValueError:
        raise ValidationFailed(
            f"{field} {value!r} is not a real date and time (or lies outside the years "
            "0001-9999): use e.g. 2026-09-01T00:00:00Z.",
            [_problem(f"$.credential.{field}", "not a date and time")],
        ) from None


def _validity(credential: Mapping[str, Any], now: datetime) -> tuple[str, str | None]:
    """(validFrom, validUntil) of the credential: the client's, or validFrom = now."""
    start = _datetime(credential, "validFrom")
    until = _datetime(credential, "validUntil")
    valid_from = credential.get("validFrom") or format_utc(now)
    valid_until = credential.get("validUntil")
    if until is not None and until < (start or now):
        raise ValidationFailed(
            f"validUntil ({valid_until}) is before validFrom ({valid_from}): a credential "
            "cannot expire before it becomes valid.",
            [_problem("$.credential.validUntil", "before validFrom")],
        )
    return valid_from, valid_until


def _vcapi_issuer(client: Mapping[str, Any], issuer: Issuer) -> Any:
    """The client's issuer (already checked to be the caller), or the caller's DID; an Open
    Badge without one gets the provider's profile, as Open Badges 3.0 requires."""
    if "issuer" in client:
        return client["issuer"]
    if "OpenBadgeCredential" in client["type"]:
        return {"id": issuer.did, "type": ["Profile"], "name": issuer.name}
    return issuer.did


def _record_id(repositories: Transactions, client_id: str | None) -> str:
    """The record id: the client's ``urn:uuid:`` when it is one and free, else a new one."""
    if client_id and client_id.lower().startswith("urn:uuid:"):
        try:
            candidate = str(uuid.UUID(client_id[len("urn:uuid:") :]))
        except ValueError:
            return new_public_id()
        with repositories() as repo:
            if not repo.credentials.credential_exists(candidate):
                return candidate
    return new_public_id()


def issue_vcapi(
    repositories: Transactions,
    setup: IssueSetup,
    *,
    issuer_id: str,
    request: Mapping[str, Any],
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """W3C VC-API issue: sign the client's VC 2.0 credential in the caller's name.

    The client may set ``issuer`` (the caller's own DID, or an object with it as ``id`` and
    more fields such as ``name``), ``id`` (an absolute URL; a ``urn:uuid:`` id is also the
    credential's record id when free, so ``/credentials/status`` finds it),
    ``validFrom`` / ``validUntil``, inline ``@context`` objects, any term its contexts define,
    and its own ``credentialStatus`` (signed as given). The server fills in what is missing:
    ``id``, ``issuer``, ``validFrom`` and, unless the client gave one, a Bitstring Status List
    revocation entry; then adds the proof (``options.cryptosuite``). Refused with
    :class:`ValidationFailed` (422): an issuer that is not the caller, a ``proof``, an empty
    subject, typed terms without ``type``, anything canonicalization would drop, personal data.
    Same four steps as :func:`issue_awards`."""
    credential = request.get("credential") if isinstance(request, Mapping) else None
    if isinstance(credential, Mapping):
        with repositories() as repo:
            caller_did = repo.providers.issuer(issuer_id).did
        problems = _vcapi_problems(credential, caller_did)
        if problems:
            summary = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:3])
            raise ValidationFailed(f"The credential cannot be issued: {summary}.", problems)
    validate("vcapi-issue", request, what="issue request")
    if request["credential"]["@context"][0] != CREDENTIALS_V2:
        raise ValidationFailed(
            f"Tessera issues VC Data Model 2.0 credentials: the first @context must be "
            f"{CREDENTIALS_V2}.",
            [{"path": "$.credential['@context'][0]", "message": f"must be {CREDENTIALS_V2}"}],
        )
    body_hash = request_hash(request)
    with repositories() as repo:
        issuer = repo.providers.issuer(issuer_id)
        replayed = replay(repo, issuer, idempotency_key, body_hash)
        if replayed:
            return replayed[0]
        key_name = repo.providers.active_key(issuer.id).key_name
    client = request["credential"]
    client_id = client.get("id")
    credential_id = _record_id(repositories, client_id)
    valid_from, valid_until = _validity(client, now)
    document: dict[str, Any] = {
        "@context": list(client["@context"]),
        "id": client_id or f"{setup.base_url.rstrip('/')}/credentials/{credential_id}",
        **{k: v for k, v in client.items() if k not in ("@context", "id")},
        "issuer": _vcapi_issuer(client, issuer),
        "validFrom": valid_from,
    }
    if valid_until is not None:
        document["validUntil"] = valid_until
    sensitive = find_sensitive(document)
    if sensitive:
        raise ValidationFailed(sensitive[0]["message"], sensitive)
    options = request.get("options", {})
    cryptosuite = options.get("cryptosuite", DEFAULT_CRYPTOSUITE)
    # Check the document before reserving anything: a refused request burns no index.
    setup.canonicalizer.canonicalize(document)
    if "credentialStatus" not in client:
        with repositories() as repo:
            [reservation] = reserve_entries(
                repo,
                issuer=issuer,
                credential_ids=[credential_id],
                base_url=setup.base_url,
                now=now,
            )
        document["credentialStatus"] = credential_status(reservation.entries)
    signed = setup.signer.sign_all(key_name, [document], created=now, cryptosuite=cryptosuite)[0]
    subject = document.get("credentialSubject", {})
    learner = subject.get("name") if isinstance(subject, Mapping) else None
    with repositories() as repo:
        if idempotency_key and not claim(
            repo, issuer, idempotency_key, body_hash, [credential_id], now
        ):
            return replay_winner(repo, issuer, idempotency_key, body_hash)[0]
        repo.credentials.add_credentials(
            issuer_id=issuer.id,
            credentials=[
                NewCredential(
                    id=credential_id,
                    module_id=None,
                    learner_name=str(learner or ""),
                    learner_ref=None,
                    document=signed,
                )
            ],
            batch_id=None,
            now=now,
        )
        repo.audit.record(
            actor=actor,
            action="credential.issue",
            now=now,
            issuer_id=issuer.id,
            subject=credential_id,
        )
    return signed


__all__ = ["TYPED_TERMS", "issue_vcapi"]
