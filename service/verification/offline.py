"""Offline verification of a Tessera offline QR (``TSR1:``, :mod:`service.export.offline_qr`):
the checks of :func:`service.verification.pipeline.verify_credential`, in the same order and the
same :class:`~service.verification.pipeline.VerificationResult` shape, with no network. The
issuer's keys come from an :class:`IssuerKeys` (:class:`SavedKeys`: did:key computed, other DID
documents saved beforehand; the public verifier's directory on the server).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from service.dates import format_utc
from service.dids import VerificationMethod, did_key_document, method_from_document
from service.errors import VC_DM, DidResolutionError, InputError, InvalidSignature, TesseraError
from service.export.offline_qr import OfflinePayload, decode_offline, matches_credential
from service.keys import verify_signature
from service.verification.checks import (
    STATUS_RETRIEVAL_ERROR,
    Check,
    Status,
    StatusChecker,
    TrustChecker,
)
from service.verification.pipeline import (
    CHECK_IDS,
    SKIPPABLE,
    VerificationResult,
    verdict_is_verified,
)

#: At most this many of an issuer's keys are tried (a DID document lists a handful).
MAX_KEYS_TRIED = 32


class IssuerKeys(Protocol):
    """The keys an issuer authorizes to issue (its DID document's ``assertionMethod``)."""

    def assertion_methods(self, issuer: str) -> Sequence[VerificationMethod]: ...


class SavedKeys:
    """Issuer keys with no network: computed for did:key, read from saved DID documents (a
    trust list, ``did.json`` files) for anything else."""

    def __init__(self, documents: Iterable[Mapping[str, Any]] = ()) -> None:
        self._documents: dict[str, Mapping[str, Any]] = {}
        for document in documents:
            self.add(document)

    def add(self, document: Mapping[str, Any]) -> None:
        if not isinstance(document.get("id"), str):
            raise InputError("A DID document needs an 'id'.")
        self._documents[str(document["id"])] = document

    def assertion_methods(self, issuer: str) -> list[VerificationMethod]:
        if issuer.startswith("did:key:"):
            multikey = issuer.removeprefix("did:key:")
            try:
                document: Mapping[str, Any] = did_key_document(multikey)
            except InputError as exc:
                raise DidResolutionError(
                    f"{issuer!r} is not a valid Ed25519 did:key: {exc}"
                ) from exc
        else:
            found = self._documents.get(issuer)
            if found is None:
                raise DidResolutionError(
                    f"The DID document of {issuer} is not saved here. Save it once (from its "
                    "did.json, or the trust list) to check this provider's QR codes offline."
                )
            document = found
        references = document.get("assertionMethod") or []
        ids = [
            r if isinstance(r, str) else r.get("id")
            for r in references
            if isinstance(r, (str, Mapping))
        ]
        methods = []
        for ref in ids[:MAX_KEYS_TRIED]:
            if not isinstance(ref, str):
                continue
            absolute = f"{issuer}{ref}" if ref.startswith("#") else ref
            try:
                methods.append(method_from_document(document, absolute))
            except DidResolutionError:
                continue  # a key type Tessera cannot use; the others may still verify
        return methods


def _check(check: str, status: Status, detail: str, problem: str | None = None) -> Check:
    return Check(check, status, detail, problem)


def verify_offline(
    text: str,
    *,
    keys: IssuerKeys,
    now: datetime,
    clock_skew: timedelta = timedelta(minutes=5),
    status: StatusChecker | None = None,
    trust: TrustChecker | None = None,
    credential: Mapping[str, Any] | None = None,
    skip: Sequence[str] = (),
) -> VerificationResult:
    """Check an offline QR with no network: the checks of
    :func:`service.verification.pipeline.verify_credential`, in the same shape (``skip`` too).

    ``keys`` supplies the issuer's keys (:class:`SavedKeys`). ``status`` may check a status
    list the verifier has cached; without it the status check is ``unknown`` and says where
    the list is. ``credential``, when the verifier also holds the full credential, is checked
    against the QR's digest. ``result.credential`` is :meth:`OfflinePayload.to_json`.
    """
    checks: dict[str, Check] = {}
    try:
        payload = decode_offline(text)
    except TesseraError as exc:
        checks["parse"] = _check("parse", "failed", str(exc), VC_DM + "PARSING_ERROR")
        ordered = tuple(
            checks.get(c) or _check(c, "unknown", "Not checked: the QR could not be read.")
            for c in CHECK_IDS
        )
        return VerificationResult(verified=False, checks=ordered)
    checks["parse"] = _check(
        "parse", "passed", "A Tessera offline QR (format 1): every field could be read."
    )
    checks["context"] = _check(
        "context",
        "passed",
        "The offline format fixes the meaning of every field; no JSON-LD contexts are involved.",
    )
    checks["proof"], method = _check_signature(payload, keys, credential)
    checks["issuer"] = _check_issuer(payload, method)
    checks["validity"] = _check_validity(payload, now, clock_skew)
    checks["status"] = _check_status(payload, status, checks["proof"], now)
    checks["trust"] = (
        trust(payload.issuer, payload.valid_from, now)
        if trust is not None and checks["issuer"].status == "passed"
        else _check(
            "trust", "unknown", "Whether a registry recognizes this issuer was not checked."
        )
    )
    skipped = tuple(c for c in SKIPPABLE if c in skip)
    for check_id in skipped:
        checks[check_id] = _check(
            check_id, "unknown", "Skipped: the caller asked not to run this check."
        )
    return VerificationResult(
        verified=verdict_is_verified(checks, skipped),
        checks=tuple(checks[c] for c in CHECK_IDS),
        credential=payload.to_json(),
        issuer=payload.issuer,
        skipped=skipped,
    )


def _check_signature(
    payload: OfflinePayload, keys: IssuerKeys, credential: Mapping[str, Any] | None
) -> tuple[Check, VerificationMethod | None]:
    security = VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR"
    try:
        methods = list(keys.assertion_methods(payload.issuer))[:MAX_KEYS_TRIED]
    except DidResolutionError as exc:
        return _check("proof", "unknown", f"The issuer's keys are not known here: {exc}"), None
    if not methods:
        return (
            _check(
                "proof",
                "unknown",
                f"The DID document of {payload.issuer} lists no key for issuing.",
            ),
            None,
        )
    method = None
    for candidate in methods:
        try:
            verify_signature(
                public_key=candidate.public_key,
                data=payload.signed_data,
                signature=payload.signature,
            )
        except InvalidSignature:
            continue
        method = candidate
        break
    if method is None:
        return (
            _check(
                "proof",
                "failed",
                "The signature does not match the QR's content with any of the issuer's keys: "
                "the QR was changed after it was signed, or someone else signed it.",
                security,
            ),
            None,
        )
    if credential is not None and not matches_credential(payload, credential):
        return (
            _check(
                "proof",
                "failed",
                "The QR's signature is genuine, but it was made for a different credential "
                "file than the one given (their SHA-256 digests differ).",
                security,
            ),
            method,
        )
    bound = " and it matches the credential file" if credential is not None else ""
    return (
        _check(
            "proof",
            "passed",
            f"The Ed25519 signature verified with {method.id}{bound}; the QR is unchanged.",
        ),
        method,
    )


def _check_issuer(payload: OfflinePayload, method: VerificationMethod | None) -> Check:
    security = VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR"
    if method is None:
        return _check("issuer", "unknown", "Not checked: no signature was verified.")
    if method.controller != payload.issuer:
        return _check(
            "issuer",
            "failed",
            f"The QR names {payload.issuer} as issuer, but was signed with a key controlled by "
            f"{method.controller}.",
            security,
        )
    if "assertionMethod" not in method.relationships:
        return _check(
            "issuer",
            "failed",
            f"The key {method.id} is not authorized by {payload.issuer} to issue credentials.",
            security,
        )
    if method.revoked is not None:
        # The QR carries no signing time, so nothing shows it was made before the compromise.
        return _check(
            "issuer",
            "failed",
            f"The key {method.id} that signed this QR was declared compromised; an offline QR "
            "does not say when it was signed, so anyone may have made it. Check the full "
            "credential (its link QR or file) instead.",
            security,
        )
    return _check(
        "issuer", "passed", f"Signed by {payload.issuer} with a key it authorizes for issuing."
    )


def _check_validity(payload: OfflinePayload, now: datetime, skew: timedelta) -> Check:
    problem = VC_DM + "RANGE_ERROR"
    start, end = payload.valid_from, payload.valid_until
    if start and end and end < start:
        return _check("validity", "failed", "validUntil is before validFrom.", problem)
    if start and start > now + skew:
        return _check(
            "validity",
            "failed",
            f"The credential is not valid yet: it becomes valid on {format_utc(start, 'minute')}.",
            problem,
        )
    if end and end < now - skew:
        return _check(
            "validity", "failed", f"The credential expired on {format_utc(end, 'minute')}.", problem
        )
    if start and end:
        return _check(
            "validity",
            "passed",
            f"Valid from {format_utc(start, 'minute')} until {format_utc(end, 'minute')}.",
        )
    if start:
        return _check(
            "validity", "passed", f"Valid since {format_utc(start, 'minute')}, with no end date."
        )
    return _check("validity", "passed", "The credential states no validity period.")


def _check_status(
    payload: OfflinePayload, status: StatusChecker | None, proof: Check, now: datetime
) -> Check:
    if not payload.status:
        return _check(
            "status", "passed", "The credential has no status entry: it cannot be revoked."
        )
    if proof.status != "passed":
        return _check("status", "unknown", "Not checked: the signature was not verified.")
    if status is not None:
        return status(payload.status_document(), now)
    where = "; ".join(f"{s.purpose}: {s.list_credential}, entry {s.index}" for s in payload.status)
    return _check(
        "status",
        "unknown",
        f"Revocation cannot be checked without a network or a saved status list ({where}).",
        STATUS_RETRIEVAL_ERROR,
    )


__all__ = ["MAX_KEYS_TRIED", "IssuerKeys", "SavedKeys", "verify_offline"]
