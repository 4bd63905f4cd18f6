"""OpenID for Verifiable Presentations 1.0 from the employer's /verify page.

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html

The page makes a request (:func:`create_request`): an unsigned authorization request by value
in an ``openid4vp://`` link / QR code, Client Identifier prefix ``redirect_uri`` (the
response URI itself), response mode ``direct_post``, a DCQL query for one Open Badges
credential in ``ldp_vc`` format, a fresh ``nonce`` and ``state``. The wallet posts its
``vp_token`` to the response URI; the presentation must be signed by its holder with
``challenge`` = the nonce and ``domain`` = the Client Identifier (OpenID4VP §B.1.3.2), so a
presentation made for another request or another verifier is refused. Each credential in it
must be bound to that holder (``credentialSubject.id``). The request takes one answer, within
:data:`REQUEST_LIFETIME`; the verdict is kept only until the request expires, for the
employer's page to show.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from service.errors import InputError, OAuthError, PresentationRequestNotFound
from service.store import Repositories
from service.store.records import PresentationRequest
from service.strict_json import loads_strict

REQUEST_LIFETIME = timedelta(minutes=10)
QUERY_ID = "open_badge"
SCHEME = "openid4vp://"
#: What the page asks for: one Open Badges 3.0 credential, Data Integrity secured.
DCQL_QUERY: dict[str, Any] = {
    "credentials": [
        {
            "id": QUERY_ID,
            "format": "ldp_vc",
            "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
        }
    ]
}
CLIENT_METADATA: dict[str, Any] = {
    "client_name": "Tessera",
    "vp_formats_supported": {
        "ldp_vc": {
            "proof_type_values": ["DataIntegrityProof"],
            "cryptosuite_values": ["eddsa-rdfc-2022", "eddsa-jcs-2022"],
        }
    },
}
MAX_RESPONSE_BYTES = 512 * 1024


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def response_uri(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/openid4vp/response"


def client_id(base_url: str) -> str:
    """This verifier's Client Identifier: the ``redirect_uri`` prefix and the response URI."""
    return f"redirect_uri:{response_uri(base_url)}"


def _link(base_url: str, *, state: str, nonce: str) -> str:
    params = {
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "client_id": client_id(base_url),
        "response_uri": response_uri(base_url),
        "nonce": nonce,
        "state": state,
        "dcql_query": json.dumps(DCQL_QUERY, separators=(",", ":")),
        "client_metadata": json.dumps(CLIENT_METADATA, separators=(",", ":")),
    }
    return f"{SCHEME}?{urlencode(params)}"


def create_request(repo: Repositories, *, now: datetime) -> str:
    """A new presentation request; returns its ``state``, which also names the employer's
    page (whoever sees that page sees the QR code, which holds the state anyway)."""
    state = secrets.token_urlsafe(32)
    request = PresentationRequest(
        id=str(uuid.uuid4()),
        state_hash=_hash(state),
        nonce=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + REQUEST_LIFETIME,
        answered_at=None,
        verdict=None,
    )
    repo.openid.add_presentation_request(request, now=now)
    return state


@dataclass(frozen=True)
class RequestView:
    """What the employer's page shows: the request link while waiting, or the verdict."""

    link: str
    expires_at: datetime
    expired: bool
    verdict: Mapping[str, Any] | None


def request_view(repo: Repositories, *, state: str, base_url: str, now: datetime) -> RequestView:
    row = repo.openid.presentation_request_by_state(_hash(state))
    if row is None:
        raise PresentationRequestNotFound(
            "No such presentation request: start a new one on the /verify page."
        )
    link = _link(base_url, state=state, nonce=row.nonce)
    return RequestView(link, row.expires_at, row.expires_at <= now, row.verdict)


@dataclass(frozen=True)
class Answer:
    """A wallet's answer to a live request, read but not yet verified."""

    request_id: str
    nonce: str
    presentation: Mapping[str, Any]


def read_response(repo: Repositories, *, form: Mapping[str, str], now: datetime) -> Answer:
    """The direct_post response (§8.2): its ``state`` names a live, unanswered request and its
    ``vp_token`` holds one presentation for our query."""
    state = form.get("state")
    row = repo.openid.presentation_request_by_state(_hash(state)) if state else None
    if row is None or row.expires_at <= now:
        raise OAuthError(
            "invalid_request", "Unknown or expired state: the employer should start a new request."
        )
    if row.answered_at is not None:
        raise OAuthError("invalid_request", "This request was answered already.")
    if "error" in form:
        raise OAuthError("invalid_request", "The wallet declined; nothing to verify.")
    raw = form.get("vp_token")
    if not raw:
        raise OAuthError("invalid_request", "vp_token is missing.")
    if len(raw.encode("utf-8")) > MAX_RESPONSE_BYTES:
        raise OAuthError("invalid_request", "vp_token is larger than 512 KiB.")
    try:
        token = loads_strict(raw)
    except InputError as error:
        raise OAuthError("invalid_request", f"vp_token is not JSON: {error}") from None
    entries = token.get(QUERY_ID) if isinstance(token, dict) else None
    if not (isinstance(entries, list) and len(entries) == 1 and isinstance(entries[0], dict)):
        raise OAuthError(
            "invalid_request", f'vp_token must be {{"{QUERY_ID}": [one presentation object]}}.'
        )
    return Answer(row.id, row.nonce, entries[0])


def _subject_ids(document: Mapping[str, Any] | None) -> list[Any]:
    if document is None:
        return [None]
    subjects = document.get("credentialSubject")
    items = subjects if isinstance(subjects, list) else [subjects]
    return [s.get("id") if isinstance(s, dict) else None for s in items]


def holder_bound(holder: str | None, credentials: Sequence[Mapping[str, Any] | None]) -> bool:
    """Every credential names the presentation's holder as its subject (and there is one)."""
    return (
        bool(holder)
        and bool(credentials)
        and all(subject == holder for c in credentials for subject in _subject_ids(c))
    )


def record_verdict(
    repo: Repositories, *, answer: Answer, verdict: dict[str, Any], now: datetime
) -> None:
    """Keep the verdict for the employer's page; a second answer is refused."""
    if not repo.openid.answer_presentation_request(answer.request_id, verdict=verdict, now=now):
        raise OAuthError("invalid_request", "This request was answered already.")


__all__ = [
    "DCQL_QUERY",
    "QUERY_ID",
    "REQUEST_LIFETIME",
    "Answer",
    "RequestView",
    "client_id",
    "create_request",
    "holder_bound",
    "read_response",
    "record_verdict",
    "request_view",
    "response_uri",
]
