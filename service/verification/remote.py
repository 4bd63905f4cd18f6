"""Fetching what a verifier may need from the network (status lists, did:web documents), by one
set of strict rules for the service and the CLI alike.

- only ``https``, and only from hosts the caller allows (the issuer's own did:web host, or a
  host the trust registry names for it);
- no redirects (a list or DID document served from elsewhere is not the issuer's);
- a size cap and a deadline on the whole body (httpx's timeout bounds each read only, so a
  server dripping a byte at a time would otherwise hold the verifier for ever);
- the JSON is read strictly (:func:`service.strict_json.loads_strict`).

The httpx client is injected: tests hand one that trusts a test CA, the CLI one built from
``--ca-file``; nothing replaces ``httpx.Client`` process-wide. httpx itself is imported when
a client is made: a CLI run that fetches nothing (a did:key credential with no status, or
``--offline``) never loads it, a tenth of its start-up (:class:`LazyClient`).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from service.dids import Resolver, VerificationMethod, did_web_url, method_from_document
from service.errors import DidResolutionError, FetchError, InputError, TesseraError
from service.strict_json import loads_strict

if TYPE_CHECKING:
    import httpx

MAX_RESPONSE_BYTES = 2 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 5.0


class HttpClient(Protocol):
    """What :func:`fetch_json` asks of a client: an ``httpx.Client`` or a :class:`LazyClient`."""

    def stream(self, method: str, url: str) -> AbstractContextManager[httpx.Response]: ...


def strict_client(
    *, ca_file: Path | None = None, timeout: float = FETCH_TIMEOUT_SECONDS
) -> httpx.Client:
    """An httpx client for :func:`fetch_json`: no redirects, a short timeout, and the system's
    certificate authorities (or only ``ca_file``'s, for a private CA or a test)."""
    import httpx

    verify: ssl.SSLContext | bool = True
    if ca_file is not None:
        verify = ssl.create_default_context(cafile=str(ca_file))
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        verify=verify,
        headers={"Accept": "application/vc+ld+json, application/did+json, application/json"},
    )


class LazyClient:
    """A :func:`strict_client` made on its first request (see the module docstring)."""

    def __init__(self, *, ca_file: Path | None = None) -> None:
        self._ca_file = ca_file
        self._client: httpx.Client | None = None

    def stream(self, method: str, url: str) -> AbstractContextManager[httpx.Response]:
        if self._client is None:
            self._client = strict_client(ca_file=self._ca_file)
        return self._client.stream(method, url)


def check_url(url: str, *, allowed_hosts: set[str], what: str) -> None:
    """Raise :class:`FetchError` unless ``url`` is https on one of ``allowed_hosts`` (check it
    before any cache, too: a cached answer is only for whom it may be fetched)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise FetchError(f"{what} {url} is fetched only over https.")
    host = (parts.netloc or "").lower()
    if host not in allowed_hosts:
        raise FetchError(
            f"{what} is at {host}, which is neither the issuer's own did:web host nor named for "
            "it in the trust registry, so it was not contacted."
        )


def fetch_json(
    url: str,
    *,
    client: HttpClient,
    allowed_hosts: set[str],
    what: str,
    max_bytes: int = MAX_RESPONSE_BYTES,
    seconds: float = FETCH_TIMEOUT_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """The JSON object at ``url`` (``what`` names it in messages, e.g. "The status list"), or
    :class:`FetchError` saying which rule it broke."""
    import httpx

    check_url(url, allowed_hosts=allowed_hosts, what=what)
    deadline = clock() + seconds
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                moved = " (a redirect; not followed)" if response.is_redirect else ""
                raise FetchError(f"{what} {url} answered HTTP {response.status_code}{moved}.")
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"{what} {url} is too large (over {max_bytes} bytes).")
                if clock() > deadline:
                    raise FetchError(f"{what} {url} took longer than {seconds:g} s to arrive.")
    except httpx.HTTPError as exc:
        raise FetchError(f"{what} {url} could not be fetched: {exc}.") from None
    try:
        document = loads_strict(body)
    except (TesseraError, RecursionError):
        raise FetchError(f"{what} {url} is not JSON (read strictly, as I-JSON).") from None
    if not isinstance(document, dict):
        raise FetchError(f"{what} {url} is not a JSON object.")
    return document


class DidWebResolver:
    """Resolves verification methods from the documents given first (saved ``did.json`` files,
    a trust registry), then, for did:web, from the issuer's own https host by the rules of
    :func:`fetch_json` (the document's ``id`` must be the DID asked for). Fetched documents
    are kept for the life of the resolver (one CLI run)."""

    def __init__(self, *, client: HttpClient, saved: Resolver) -> None:
        self._client = client
        self._saved = saved
        self._fetched: dict[str, dict[str, Any]] = {}

    def resolve(self, verification_method: str) -> VerificationMethod:
        controller = verification_method.partition("#")[0]
        try:
            return self._saved.resolve(verification_method)
        except DidResolutionError:
            if not controller.startswith("did:web:"):
                raise
        document = self._fetched.get(controller)
        if document is None:
            try:
                url = did_web_url(controller)
            except InputError as exc:
                raise DidResolutionError(str(exc)) from None
            try:
                document = fetch_json(
                    url,
                    client=self._client,
                    allowed_hosts={urlsplit(url).netloc.lower()},
                    what=f"The DID document of {controller}",
                )
            except FetchError as exc:
                raise DidResolutionError(
                    f"{exc} did:web is resolved over https only; without a network, or for "
                    "a service on plain http (a local development one), save the DID "
                    "document once and pass --did-document."
                ) from None
            if document.get("id") != controller:
                raise DidResolutionError(
                    f"The DID document at {url} is for {document.get('id')!r}, not {controller}."
                )
            self._fetched[controller] = document
        return method_from_document(document, verification_method)


__all__ = [
    "FETCH_TIMEOUT_SECONDS",
    "MAX_RESPONSE_BYTES",
    "DidWebResolver",
    "check_url",
    "fetch_json",
    "strict_client",
]
