"""The verifier's ``status`` check: fetch each referenced status list, verify it, read the bit.

Status lists come from a :class:`ListSource`: this service's own lists (no network), lists
saved in a folder (``tessera status fetch``, for offline verification), or HTTPS under strict
rules (:class:`HttpsLists`): only ``https``, only from the issuer's own did:web host or a host
the trust registry names, a short timeout, a size cap, bounded decompression, and a cache
that honours the list's ``validUntil``. When a list cannot be had, the check is ``unknown``
with a ``STATUS_RETRIEVAL_ERROR``, and the credential is not verified (fail closed).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from service.dates import parse_datetime, validity_fields
from service.dids import did_web_host
from service.errors import FetchError, StatusListError, TesseraError
from service.parties import issuer_of
from service.status.bitstring import bit_at, parse_entries, read_list_credential
from service.verification.pipeline import (
    STATUS_RETRIEVAL_ERROR,
    Check,
    VerificationResult,
    Verifier,
    verify_credential,
)
from service.verification.remote import (
    FETCH_TIMEOUT_SECONDS,
    MAX_RESPONSE_BYTES,
    HttpClient,
    LazyClient,
    check_url,
    fetch_json,
)

MAX_LIST_RESPONSE_BYTES = MAX_RESPONSE_BYTES


class ListSource(Protocol):
    """Returns the status list credential at a URL, or raises :class:`StatusListError`."""

    def get(self, url: str, *, issuer: str) -> dict[str, Any]: ...


def saved_list_path(directory: Path, url: str) -> Path:
    """Where ``tessera status fetch`` saves the list for ``url``."""
    return directory / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")


class DirectoryLists:
    """Lists saved in a folder for offline verification."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, url: str, *, issuer: str) -> dict[str, Any]:
        path = saved_list_path(self.directory, url)
        if not path.is_file():
            raise StatusListError(
                "STATUS_RETRIEVAL_ERROR",
                f"The status list {url} is not saved in {self.directory}; save it with "
                f"`tessera status fetch {url} --out {self.directory}` and verify again.",
            )
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            document = None
        if not isinstance(document, dict):
            raise StatusListError(
                "STATUS_RETRIEVAL_ERROR", f"The saved status list for {url} is not a JSON object."
            )
        return document


class NoLists:
    """No lists at all (verifying offline with no saved lists): every list is missing, and
    the error says how to fetch it."""

    def get(self, url: str, *, issuer: str) -> dict[str, Any]:
        raise StatusListError(
            "STATUS_RETRIEVAL_ERROR",
            f"The status list {url} was not fetched (offline). Save it with `tessera status "
            f"fetch {url} --out status-lists`, then verify with `--status-dir status-lists`.",
        )


class FunctionLists:
    """Lists produced in-process (the service's own), by a callable taking the URL."""

    def __init__(self, produce: Callable[[str], dict[str, Any] | None]) -> None:
        self._produce = produce

    def get(self, url: str, *, issuer: str) -> dict[str, Any]:
        document = self._produce(url)
        if document is None:
            raise StatusListError("STATUS_RETRIEVAL_ERROR", f"No status list at {url}.")
        return document


class HttpsLists:
    """Fetch lists over HTTPS by the rules of :func:`service.verification.remote.fetch_json`, from the
    issuer's own did:web host or a host the trust registry names for it, with a small cache
    honouring ``validUntil`` and the list's ``ttl``. ``client`` is injected (a test's, the
    CLI's with ``--ca-file``); by default a :class:`service.verification.remote.LazyClient`. ``hint`` is
    added to every failure (``{url}`` is the list's URL): what to do about it."""

    def __init__(
        self,
        *,
        allowed_hosts: Callable[[str], Sequence[str]] = lambda issuer: (),
        client: HttpClient | None = None,
        max_cache_seconds: float = 300.0,
        hint: str = "",
    ) -> None:
        self._hint = hint
        self._allowed_hosts = allowed_hosts
        self._client = client or LazyClient()
        self._max_cache = max_cache_seconds
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, url: str, *, issuer: str) -> dict[str, Any]:
        allowed = {h.lower() for h in self._allowed_hosts(issuer)}
        own = did_web_host(issuer)
        if own:
            allowed.add(own.lower())
        try:
            check_url(url, allowed_hosts=allowed, what="The status list")
        except FetchError as exc:
            # a list it may not fetch (plain http, a host nobody named) needs the hint most
            raise StatusListError(
                "STATUS_RETRIEVAL_ERROR", str(exc) + self._hint.format(url=url)
            ) from None
        with self._lock:
            cached = self._cache.get(url)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            document = fetch_json(
                url,
                client=self._client,
                allowed_hosts=allowed,
                what="The status list",
                max_bytes=MAX_LIST_RESPONSE_BYTES,
                seconds=FETCH_TIMEOUT_SECONDS,
            )
        except FetchError as exc:
            raise StatusListError(
                "STATUS_RETRIEVAL_ERROR", str(exc) + self._hint.format(url=url)
            ) from None
        ttl = self._max_cache
        until = parse_datetime(document.get("validUntil"))
        if until is not None:
            ttl = max(0.0, min(ttl, until.timestamp() - time.time()))
        subject = document.get("credentialSubject")
        list_ttl = subject.get("ttl") if isinstance(subject, dict) else None
        if isinstance(list_ttl, int | float) and not isinstance(list_ttl, bool):
            # the list's own time to live, in milliseconds (Bitstring Status List §2.2)
            ttl = max(0.0, min(ttl, list_ttl / 1000))
        with self._lock:
            self._cache[url] = (time.monotonic() + ttl, document)
        return document


class ChainedLists:
    """Try sources in order; the first that has the list wins."""

    def __init__(self, *sources: ListSource) -> None:
        self.sources = sources

    def get(self, url: str, *, issuer: str) -> dict[str, Any]:
        last: StatusListError | None = None
        for source in self.sources:
            try:
                return source.get(url, issuer=issuer)
            except StatusListError as exc:
                last = exc
        raise last or StatusListError("STATUS_RETRIEVAL_ERROR", f"No source for {url}.")


def _out_of_date(
    result: VerificationResult, document: Mapping[str, Any], now: datetime
) -> str | None:
    """``"expired"`` or ``"not valid yet"`` when a list is genuine (signature and issuer check
    out) and only its validity period excludes ``now``: a stale copy, not a forged one."""
    if result.check("proof").status != "passed" or result.check("issuer").status != "passed":
        return None
    if any(c.status == "failed" for c in result.checks if c.check != "validity"):
        return None
    start_name, end_name = validity_fields(document)
    until = parse_datetime(document.get(end_name))
    start = parse_datetime(document.get(start_name))
    if until is not None and until < now:
        return "expired"
    if start is not None and start > now:
        return "not valid yet"
    return None


@dataclass
class StatusChecker:
    """A :data:`service.verification.pipeline.StatusChecker`: checks every BitstringStatusListEntry (and
    legacy StatusList2021Entry).

    ``list_verifier`` verifies the status list credentials themselves (same resolver and
    policy as the credential, without a status check of its own).
    """

    lists: ListSource
    list_verifier: Verifier

    def __call__(self, credential: Mapping[str, Any], now: datetime) -> Check:
        try:
            entries = parse_entries(credential)
        except StatusListError as exc:
            return Check("status", "failed", str(exc), exc.problem_type)
        if not entries:
            return Check(
                "status", "passed", "The credential has no status entry: it cannot be revoked."
            )
        issuer = issuer_of(credential) or ""
        states: list[str] = []
        unknown: str | None = None  # a later entry may still show a revocation: keep going
        for entry in entries:
            try:
                document = self.lists.get(entry.list_url, issuer=issuer)
                result = verify_credential(document, verifier=self.list_verifier, now=now)
                outdated = None if result.verified else _out_of_date(result, document, now)
                if not result.verified and outdated is None:
                    failed = next(
                        (
                            c
                            for c in result.checks
                            if c.status != "passed"
                            and c.check in ("proof", "issuer", "validity", "context", "parse")
                        ),
                        None,
                    )
                    raise StatusListError(
                        "STATUS_VERIFICATION_ERROR",
                        "The status list's own signature or dates do not check out"
                        + (f": {failed.detail}" if failed else "."),
                    )
                if issuer_of(document) != issuer:
                    raise StatusListError(
                        "STATUS_VERIFICATION_ERROR",
                        "The status list was not issued by the credential's issuer.",
                    )
                if document.get("id", entry.list_url) != entry.list_url:
                    # Another genuine list of the same issuer (a mixed-up cache, a redirect)
                    # would answer for other credentials' indices.
                    raise StatusListError(
                        "STATUS_VERIFICATION_ERROR",
                        f"The status list served for {entry.list_url} is another list "
                        f"({document.get('id')!r}).",
                    )
                bits = read_list_credential(
                    document, purpose=entry.purpose, list_format=entry.format
                )
                is_set = bit_at(bits, entry.index)
                if outdated is not None:
                    if outdated == "expired" and entry.purpose == "revocation" and is_set:
                        # Revocation is permanent: an out-of-date list that shows it is right.
                        states.append(entry.purpose)
                    else:
                        unknown = unknown or (
                            f"The status list {entry.list_url} is {outdated}, so its answer "
                            "may have changed; fetch a current copy."
                        )
                    continue
                if is_set:
                    states.append(entry.purpose)
            except StatusListError as exc:
                if exc.code in ("STATUS_RETRIEVAL_ERROR",):
                    unknown = unknown or str(exc)
                    continue
                return Check("status", "failed", str(exc), exc.problem_type)
            except TesseraError as exc:
                unknown = unknown or str(exc)
        if "revocation" in states:
            return Check(
                "status",
                "failed",
                "The issuer has revoked this credential.",
                "https://www.w3.org/ns/credentials/status-list#REVOKED",
            )
        if "suspension" in states:
            return Check(
                "status",
                "failed",
                "The issuer has suspended this credential for now; it may be reinstated.",
                "https://www.w3.org/ns/credentials/status-list#SUSPENDED",
            )
        if unknown is not None:
            return Check(
                "status",
                "unknown",
                f"The status could not be checked: {unknown}",
                STATUS_RETRIEVAL_ERROR,
            )
        return Check(
            "status", "passed", "Not revoked" + (" or suspended." if len(entries) > 1 else ".")
        )


__all__ = [
    "ChainedLists",
    "DirectoryLists",
    "FunctionLists",
    "HttpsLists",
    "ListSource",
    "NoLists",
    "StatusChecker",
    "saved_list_path",
]
