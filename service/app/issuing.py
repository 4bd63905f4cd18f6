"""Use cases for training providers: providers and keys, API keys, catalogue, issuing.

Collaborators come in as arguments (a :class:`Repository` bound to one transaction, a key
store, a batch signer, the time), so the HTTP routes and the CLI run exactly this code and
tests can swap any piece. Issuing is all-or-nothing: every row is validated and every
credential built and signed before anything is written, and the write (credentials,
idempotency record, audit events) is one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.app.signing import BatchSigner
from service.app.status_lists import reserve_entries
from service.app.wallet import IssuedLink, WalletAward, link_awards
from service.contexts import CREDENTIALS_V2
from service.credentials import (
    Award,
    IssuerProfile,
    build_achievement,
    build_credential,
    credential_status,
    validate,
)
from service.credentials.completion import check_completion
from service.credentials.schemas import find_sensitive
from service.dates import format_utc
from service.dids import controller_document, did_web_of
from service.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from service.keys import KeyInfo, KeyStore
from service.proofs import DEFAULT_CRYPTOSUITE, Canonicalizer
from service.store.models import ApiKeyRow, IssuerRow, ModuleRow
from service.store.repositories import NewCredential, Repository, new_id, new_public_id

SCOPES = ("issue", "revoke", "admin", "outcomes")
DID_METHODS = ("web", "key")
MAX_BATCH = 10_000


# -- providers, keys, API keys ------------------------------------------------------------


def slugify(name: str) -> str:
    """A URL-safe provider slug from a name (ASCII letters, digits and dashes)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:48]
    return slug or "provider"


def issuer_did(base_url: str, slug: str) -> str:
    """``did:web:HOST:issuers:SLUG``, published at ``{base_url}/issuers/SLUG/did.json``."""
    return f"did:web:{did_web_of(base_url)}:issuers:{slug}"


@dataclass(frozen=True)
class NewApiKey:
    """A freshly minted API key: ``token`` is shown once and never stored."""

    id: str
    token: str
    scopes: tuple[str, ...]


def _hash_secret(secret: str) -> str:
    # API secrets are 256-bit random, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    repo: Repository,
    *,
    issuer: IssuerRow,
    label: str,
    scopes: Sequence[str],
    actor: str,
    now: datetime,
) -> NewApiKey:
    """Mint an API key for ``issuer`` with ``scopes``; only its hash is stored."""
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ValidationFailed(
            f"Scopes must be a non-empty subset of {', '.join(SCOPES)}; got {list(scopes)}."
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = repo.add_api_key(
        issuer_id=issuer.id,
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        label=label[:100],
        scopes=" ".join(sorted(set(scopes))),
        now=now,
    )
    repo.audit(
        actor=actor,
        action="api_key.create",
        now=now,
        issuer_id=issuer.id,
        subject=row.id,
        detail=f"scopes={row.scopes}",
    )
    return NewApiKey(id=row.id, token=f"tsk_{prefix}_{secret}", scopes=tuple(row.scopes.split()))


def authenticate(repo: Repository, token: str | None) -> ApiKeyRow:
    """The live API key behind a bearer token, compared in constant time."""
    if not token:
        raise AuthenticationError("Send an API key: `Authorization: Bearer tsk_…`.")
    match = re.fullmatch(r"tsk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})", token.strip())
    row = repo.api_key_by_prefix(match.group(1)) if match else None
    expected = row.secret_hash if row is not None else _hash_secret("no such key")
    presented = _hash_secret(match.group(2)) if match else _hash_secret("")
    if not hmac.compare_digest(expected, presented) or row is None or row.revoked_at is not None:
        raise AuthenticationError("The API key is unknown or revoked.")
    return row


def require_scope(key: ApiKeyRow, scope: str) -> None:
    if scope not in key.scopes.split():
        raise PermissionDeniedError(f"This API key lacks the {scope!r} scope.")


def revoke_api_key(
    repo: Repository, *, issuer: IssuerRow, key_id: str, actor: str, now: datetime
) -> None:
    row = repo.api_key(issuer.id, key_id)
    if row.revoked_at is None:
        row.revoked_at = now
        repo.audit(
            actor=actor, action="api_key.revoke", now=now, issuer_id=issuer.id, subject=key_id
        )


def _new_signing_key(
    repo: Repository, keys: KeyStore, issuer: IssuerRow, *, actor: str, now: datetime
) -> str:
    if not issuer.did.startswith("did:web:"):
        raise ValidationFailed(
            f"Provider {issuer.slug!r} is identified by its key ({issuer.did}), so its key "
            "cannot change: create a did:web provider to have rotatable keys."
        )
    existing = len(repo.issuer_keys(issuer.id))
    key_name = f"{issuer.slug}-{existing + 1}"[:63]
    info = keys.generate(
        key_name, did_web=issuer.did.removeprefix("did:web:"), dev=keys_are_dev(keys)
    )
    _record_signing_key(repo, issuer, key_name, info, actor=actor, now=now)
    return info.verification_method


def _record_signing_key(
    repo: Repository, issuer: IssuerRow, key_name: str, info: KeyInfo, *, actor: str, now: datetime
) -> None:
    repo.add_issuer_key(
        issuer_id=issuer.id,
        key_name=key_name,
        verification_method=info.verification_method,
        public_key_multibase=info.public_key_multibase,
        now=now,
    )
    repo.audit(
        actor=actor,
        action="key.create",
        now=now,
        issuer_id=issuer.id,
        subject=info.verification_method,
    )


def keys_are_dev(keys: KeyStore) -> bool:
    """Without a passphrase the store can only hold development keys."""
    return not keys.has_passphrase


def create_issuer(
    repo: Repository,
    keys: KeyStore,
    *,
    name: str,
    url: str | None,
    slug: str | None,
    base_url: str,
    actor: str,
    now: datetime,
    suspension: bool = False,
    did_method: str = "web",
) -> tuple[IssuerRow, NewApiKey]:
    """Register a provider: an identity, a signing key, and a first admin API key.

    ``did_method`` ``"web"`` (default) gives it ``did:web`` under the service's origin, with a
    DID document the service publishes and keys it can rotate; ``"key"`` gives a provider
    without a domain of its own a ``did:key``, which *is* its one key (so it cannot rotate).
    ``suspension`` gives its credentials a second status entry, so they can be suspended."""
    if not name.strip():
        raise ValidationFailed("A provider needs a name.")
    if did_method not in DID_METHODS:
        raise ValidationFailed(
            f"DID method {did_method!r} is not offered: choose {' or '.join(DID_METHODS)}."
        )
    slug = slug or slugify(name)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,47}", slug):
        raise ValidationFailed(f"Slug {slug!r} must be 1-48 lower-case letters, digits or dashes.")
    did_key: tuple[str, KeyInfo] | None = None  # (key name, key) of a did:key provider
    if did_method == "key":
        try:
            repo.issuer_by_slug(slug)
        except NotFoundError:
            pass
        else:
            raise ConflictError(f"A provider with the slug {slug!r} already exists.")
        # The key comes first: a did:key is derived from it.
        did_key = (f"{slug}-1", keys.generate(f"{slug}-1", dev=keys_are_dev(keys)))
        did = did_key[1].controller
    else:
        did = issuer_did(base_url, slug)
    issuer = repo.add_issuer(slug=slug, name=name.strip(), url=url, did=did, now=now)
    issuer.suspension_enabled = suspension
    repo.audit(
        actor=actor, action="issuer.create", now=now, issuer_id=issuer.id, subject=issuer.did
    )
    if did_key is None:
        _new_signing_key(repo, keys, issuer, actor=actor, now=now)
    else:
        _record_signing_key(repo, issuer, *did_key, actor=actor, now=now)
    api_key = create_api_key(
        repo, issuer=issuer, label="first key", scopes=SCOPES, actor=actor, now=now
    )
    return issuer, api_key


def rotate_key(
    repo: Repository, keys: KeyStore, *, issuer: IssuerRow, actor: str, now: datetime
) -> str:
    """Make a new key the signing key. Old keys stay in the DID document, so old credentials verify."""
    return _new_signing_key(repo, keys, issuer, actor=actor, now=now)


def did_document(repo: Repository, issuer: IssuerRow) -> dict[str, Any]:
    """The provider's DID document: every key it ever had, all usable for assertions (so
    what a rotated key signed still verifies); a key declared compromised carries its
    ``revoked`` time, and proofs it made from then on fail."""
    rows = repo.issuer_keys(issuer.id)
    keys = [(k.verification_method, k.public_key_multibase) for k in rows]
    revoked = {k.verification_method: k.compromised_at for k in rows if k.compromised_at}
    return controller_document(issuer.did, keys, revoked=revoked)


def revoke_key(
    repo: Repository,
    keys: KeyStore,
    *,
    issuer: IssuerRow,
    verification_method: str | None,
    since: datetime,
    actor: str,
    now: datetime,
) -> tuple[str, str | None]:
    """Declare one of the provider's keys compromised from ``since`` (default key: the active
    one). Signatures it made before ``since`` keep verifying; later ones fail everywhere the
    DID document is read. When it is the signing key, a new key takes over first.

    Returns (the revoked verification method, the new signing key's or None)."""
    rows = repo.issuer_keys(issuer.id)
    if verification_method is None:
        row = next((k for k in rows if k.active), None)
    else:
        row = next(
            (k for k in rows if verification_method in (k.verification_method, k.key_name)), None
        )
    if row is None:
        known = ", ".join(k.verification_method for k in rows)
        raise NotFoundError(
            f"Provider {issuer.slug!r} has no key {verification_method!r}; its keys: {known}."
        )
    if since > now:
        raise ValidationFailed(
            "A key is declared compromised from a moment that has come: --since is in the future."
        )
    if row.compromised_at is not None and row.compromised_at <= since:
        raise ConflictError(
            f"{row.verification_method} is already revoked since {row.compromised_at:%Y-%m-%d %H:%M}."
        )
    replacement = _new_signing_key(repo, keys, issuer, actor=actor, now=now) if row.active else None
    row.compromised_at = since
    repo.audit(
        actor=actor,
        action="key.revoke",
        now=now,
        issuer_id=issuer.id,
        subject=row.verification_method,
        detail=f"compromised since {since.isoformat()}",
    )
    return row.verification_method, replacement


# -- catalogue ----------------------------------------------------------------------------


def create_programme(
    repo: Repository, *, issuer: IssuerRow, data: Mapping[str, Any], actor: str, now: datetime
) -> Any:
    validate("programme", data, what="programme")
    if "completion" in data:
        check_completion(data["completion"], local_modules=[m.id for m in repo.modules(issuer.id)])
    row = repo.add_programme(issuer_id=issuer.id, data=dict(data), now=now)
    repo.audit(actor=actor, action="programme.create", now=now, issuer_id=issuer.id, subject=row.id)
    return row


def create_module(
    repo: Repository, *, issuer: IssuerRow, data: Mapping[str, Any], actor: str, now: datetime
) -> ModuleRow:
    validate("module", data, what="module")
    if data["defaultLanguage"] not in data["name"]:
        raise ValidationFailed(
            f"The module's name has no text in its defaultLanguage {data['defaultLanguage']!r}.",
            [{"path": "$.name", "message": f"add a {data['defaultLanguage']!r} entry"}],
        )
    programme_id = data.get("programmeId")
    if programme_id:
        repo.programme(issuer.id, programme_id)
    row = repo.add_module(issuer_id=issuer.id, programme_id=programme_id, data=dict(data), now=now)
    repo.audit(actor=actor, action="module.create", now=now, issuer_id=issuer.id, subject=row.id)
    return row


# -- issuing ------------------------------------------------------------------------------


Repositories = Callable[[], AbstractContextManager[Repository]]
"""Opens a repository in a new transaction (committed when the block ends without error)."""


@dataclass(frozen=True)
class IssueSetup:
    """What issuing needs besides the repository."""

    base_url: str
    signer: BatchSigner
    canonicalizer: Canonicalizer


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _replay(
    repo: Repository, issuer: IssuerRow, idempotency_key: str | None, body_hash: str
) -> list[dict[str, Any]] | None:
    if not idempotency_key:
        return None
    previous = repo.idempotent_result(issuer.id, idempotency_key)
    if previous is None:
        return None
    if previous.request_hash != body_hash:
        raise ValidationFailed(
            "This Idempotency-Key was already used with a different request body. Use a new key "
            "for a new request."
        )
    rows = repo.credentials_by_ids(issuer.id, previous.credential_ids["ids"])
    return [r.document for r in rows]


def _claim(
    repo: Repository,
    issuer: IssuerRow,
    idempotency_key: str,
    body_hash: str,
    credential_ids: list[str],
    now: datetime,
) -> bool:
    """Record the key before any other write; False when a concurrent request won it."""
    return repo.remember_idempotent(
        issuer_id=issuer.id,
        key=idempotency_key,
        request_hash=body_hash,
        credential_ids=credential_ids,
        now=now,
    )


def _replay_winner(
    repo: Repository, issuer: IssuerRow, idempotency_key: str, body_hash: str
) -> list[dict[str, Any]]:
    """The committed result of the request that claimed ``idempotency_key`` first."""
    replayed = _replay(repo, issuer, idempotency_key, body_hash)
    if not replayed:
        raise ConflictError(
            "Another request with this Idempotency-Key is still being processed; retry shortly."
        )
    return replayed


def _profile(issuer: IssuerRow) -> IssuerProfile:
    return IssuerProfile(id=issuer.did, name=issuer.name, url=issuer.url)


def _module_achievement(setup: IssueSetup, issuer: IssuerRow, module: ModuleRow) -> dict[str, Any]:
    base = setup.base_url.rstrip("/")
    return build_achievement(
        module.data, achievement_id=f"{base}/issuers/{issuer.slug}/modules/{module.id}"
    )


@dataclass(frozen=True)
class Issued:
    """Signed credentials and, per credential uuid, the learner's wallet link (if any)."""

    credentials: list[dict[str, Any]]
    wallet_links: Mapping[str, IssuedLink]

    def links_json(self) -> list[dict[str, Any]]:
        return [{"credentialId": cid, **link.to_json()} for cid, link in self.wallet_links.items()]


def _prepare_rows(
    awards: Sequence[Mapping[str, Any]], module_id: str
) -> list[tuple[str, Mapping[str, Any]]]:
    """Validate every award row; all errors at once, with row numbers, or (uuid, award) pairs."""
    if not awards:
        raise ValidationFailed("No awards to issue.")
    if len(awards) > MAX_BATCH:
        raise ValidationFailed(
            f"A batch holds at most {MAX_BATCH} awards; split this one ({len(awards)})."
        )
    errors: list[dict[str, str]] = []
    prepared: list[tuple[str, Mapping[str, Any]]] = []
    for index, award in enumerate(awards, start=1):
        try:
            validate("award", award, what=f"award in row {index}")
        except ValidationFailed as exc:
            errors.extend({"row": str(index), **e} for e in exc.errors)
            continue
        if award.get("moduleId") not in (None, module_id):
            errors.append(
                {
                    "row": str(index),
                    "path": "$.moduleId",
                    "message": "differs from the batch's module",
                }
            )
            continue
        prepared.append((new_public_id(), award))
    if errors and len(awards) == 1:
        raise ValidationFailed(
            "The award is not valid: " + "; ".join(f"{e['path']}: {e['message']}" for e in errors),
            [{k: v for k, v in e.items() if k != "row"} for e in errors],
        )
    if errors:
        rows = sorted({e["row"] for e in errors}, key=int)
        raise ValidationFailed(
            f"{len(rows)} of {len(awards)} rows have errors (rows {', '.join(rows[:20])}"
            f"{'…' if len(rows) > 20 else ''}); nothing was issued. Fix them and send the batch again.",
            errors,
        )
    return prepared


def issue_awards(
    repositories: Repositories,
    setup: IssueSetup,
    *,
    issuer_id: str,
    module_id: str,
    awards: Sequence[Mapping[str, Any]],
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
    idempotency_body: Any = None,
) -> Issued:
    """Issue one credential per award, all or nothing.

    Row errors -> :class:`ValidationFailed` whose ``errors`` carry 1-based ``row`` numbers,
    and nothing is written. The work runs in four steps so that no database transaction is
    open while a cohort is signed: (1) read the provider, module and key; (2) reserve status
    list entries in a short transaction of their own; (3) build and sign, outside any
    transaction; (4) store credentials, wallet links, the idempotency record and the audit
    events in one transaction.
    """
    body_hash = request_hash(
        idempotency_body if idempotency_body is not None else [module_id, list(awards)]
    )
    with repositories() as repo:
        issuer = repo.issuer(issuer_id)
        replayed = _replay(repo, issuer, idempotency_key, body_hash)
        if replayed is not None:
            return Issued(replayed, {})
        module = repo.module(issuer.id, module_id)
        key_name = repo.active_key(issuer.id).key_name
    prepared = _prepare_rows(awards, module_id)
    with repositories() as repo:
        reservations = reserve_entries(
            repo,
            issuer=issuer,
            credential_ids=[cid for cid, _ in prepared],
            base_url=setup.base_url,
            now=now,
        )
    achievement = _module_achievement(setup, issuer, module)
    profile = _profile(issuer)
    valid_from = format_utc(now)
    base = setup.base_url.rstrip("/")
    unsigned = []
    for (credential_id, award), reservation in zip(prepared, reservations, strict=True):
        document = build_credential(
            credential_id=f"{base}/credentials/{credential_id}",
            issuer=profile,
            achievement=achievement,
            award=Award(
                learner_name=award["learnerName"].strip(),
                completed_on=award["completedOn"],
                result=award.get("result"),
                learner_did=award.get("learnerDid"),
            ),
            valid_from=valid_from,
        )
        document["credentialStatus"] = credential_status(reservation.entries)
        unsigned.append(document)
    signed = setup.signer.sign_all(key_name, unsigned, created=now, cryptosuite=DEFAULT_CRYPTOSUITE)
    new = [
        NewCredential(
            id=cid,
            module_id=module.id,
            learner_name=award["learnerName"].strip(),
            learner_ref=award.get("learnerId"),
            document=doc,
        )
        for (cid, award), doc in zip(prepared, signed, strict=True)
    ]
    with repositories() as repo:
        if idempotency_key and not _claim(
            repo, issuer, idempotency_key, body_hash, [c.id for c in new], now
        ):
            return Issued(_replay_winner(repo, issuer, idempotency_key, body_hash), {})
        batch_id = new_id() if len(new) > 1 else None
        repo.add_credentials(issuer_id=issuer.id, credentials=new, batch_id=batch_id, now=now)
        repo.audit_many(
            actor=actor,
            action="credential.issue",
            now=now,
            issuer_id=issuer.id,
            subjects=[c.id for c in new],
        )
        links = link_awards(
            repo,
            issuer=issuer,
            base_url=setup.base_url,
            actor=actor,
            now=now,
            awards=[
                WalletAward(c.id, c.learner_name, c.learner_ref, award.get("language"))
                for c, (_, award) in zip(new, prepared, strict=True)
            ],
        )
    return Issued(signed, links)


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


def _vcapi_issuer(client: Mapping[str, Any], issuer: IssuerRow) -> Any:
    """The client's issuer (already checked to be the caller), or the caller's DID; an Open
    Badge without one gets the provider's profile, as Open Badges 3.0 requires."""
    if "issuer" in client:
        return client["issuer"]
    if "OpenBadgeCredential" in client["type"]:
        return {"id": issuer.did, "type": ["Profile"], "name": issuer.name}
    return issuer.did


def _record_id(repositories: Repositories, client_id: str | None) -> str:
    """The record id: the client's ``urn:uuid:`` when it is one and free, else a new one."""
    if client_id and client_id.lower().startswith("urn:uuid:"):
        try:
            candidate = str(uuid.UUID(client_id[len("urn:uuid:") :]))
        except ValueError:
            return new_public_id()
        with repositories() as repo:
            if not repo.credential_exists(candidate):
                return candidate
    return new_public_id()


def issue_vcapi(
    repositories: Repositories,
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
            caller_did = repo.issuer(issuer_id).did
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
        issuer = repo.issuer(issuer_id)
        replayed = _replay(repo, issuer, idempotency_key, body_hash)
        if replayed:
            return replayed[0]
        key_name = repo.active_key(issuer.id).key_name
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
        if idempotency_key and not _claim(
            repo, issuer, idempotency_key, body_hash, [credential_id], now
        ):
            return _replay_winner(repo, issuer, idempotency_key, body_hash)[0]
        repo.add_credentials(
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
        repo.audit(
            actor=actor,
            action="credential.issue",
            now=now,
            issuer_id=issuer.id,
            subject=credential_id,
        )
    return signed


__all__ = [
    "DID_METHODS",
    "MAX_BATCH",
    "SCOPES",
    "IssueSetup",
    "Issued",
    "NewApiKey",
    "Repositories",
    "authenticate",
    "create_api_key",
    "create_issuer",
    "create_module",
    "create_programme",
    "did_document",
    "issue_awards",
    "issue_vcapi",
    "issuer_did",
    "require_scope",
    "revoke_api_key",
    "rotate_key",
    "slugify",
]
