"""did:key and did:web: build DID documents and resolve verification methods. Nothing else.

Resolution is offline. did:key documents are computed from the key itself
(did:key Method §3.1.1). Any other controller (did:web, an https issuer profile) is looked up
in a mapping of controller documents that the caller supplies (the service's own issuers,
a saved trust registry, a test fixture). Fetching did:web over the network is a separate,
explicit step, never a side effect of verifying.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from service.dates import format_utc
from service.encoding import b58decode, b64url_decode
from service.errors import DidResolutionError, InputError
from service.keys import decode_public_multikey, encode_public_multikey

DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
)

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved public key, who controls it, and what its controller lets it do."""

    id: str
    controller: str
    public_key: bytes
    relationships: frozenset[str] = field(default_factory=frozenset)
    #: When the controller declared the key compromised (Controlled Identifiers §2.2.1
    #: ``revoked``): proofs created at or after it do not verify.
    revoked: datetime | None = None


class Resolver(Protocol):
    """Resolves a verification method id (``did:…#…`` or an https URL with a fragment)."""

    def resolve(self, verification_method: str) -> VerificationMethod: ...


def did_key_document(public_key_multibase: str) -> JsonObject:
    """The DID document of ``did:key:<multikey>`` (one Multikey in every relationship)."""
    decode_public_multikey(public_key_multibase)  # validates
    did = f"did:key:{public_key_multibase}"
    vm_id = f"{did}#{public_key_multibase}"
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": public_key_multibase,
            }
        ],
        **{rel: [vm_id] for rel in RELATIONSHIPS},
    }


def controller_document(
    controller: str,
    keys: list[tuple[str, str]],
    *,
    assertion: list[str] | None = None,
    revoked: Mapping[str, datetime] | None = None,
) -> JsonObject:
    """A DID (or controller) document for ``controller`` listing ``keys`` as Multikeys.

    ``keys`` is a list of ``(verification method id, publicKeyMultibase)``. Every key is
    listed under ``verificationMethod``, so old signatures keep verifying after a rotation;
    ``assertion`` names the ones allowed to issue credentials (default: all of them).
    ``revoked`` maps a method id to the moment it was compromised, published as the method's
    ``revoked`` (proofs made from then on fail; older ones still verify).
    """
    methods: list[JsonObject] = [
        {"id": vm_id, "type": "Multikey", "controller": controller, "publicKeyMultibase": mk}
        for vm_id, mk in keys
    ]
    for method in methods:
        moment = (revoked or {}).get(method["id"])
        if moment is not None:
            method["revoked"] = format_utc(moment)
    ids = [vm_id for vm_id, _ in keys]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": controller,
        "verificationMethod": methods,
        "authentication": ids,
        "assertionMethod": assertion if assertion is not None else ids,
    }


def did_web_host(did: str) -> str | None:
    """The host (``:port`` included) a did:web identifier is served from, percent-decoded as
    did:web §3.2 says (``did:web:localhost%3A8000:issuers:x`` -> ``localhost:8000``); None for
    any other DID. The one reading of it: the document's URL, the hosts a status list may come
    from and the offline QR's short URLs all use this."""
    if not did.startswith("did:web:"):
        return None
    return unquote(did.removeprefix("did:web:").split(":")[0])


def did_web_of(base_url: str) -> str:
    """The did:web method-specific id of an http(s) origin and path (the reverse of
    :func:`did_web_host` and :func:`did_web_url`): ``https://example.org:8443/a`` ->
    ``example.org%3A8443:a``."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "localhost").lower()
    if parts.port:
        host += f"%3A{parts.port}"
    segments = [s for s in parts.path.split("/") if s]
    return ":".join([host, *segments])


def did_web_url(did: str) -> str:
    """The https URL of a did:web document (did:web §3.2 Read)."""
    host = did_web_host(did)
    if host is None:
        raise InputError(f"{did!r} is not a did:web identifier.")
    path = did.removeprefix("did:web:").split(":")[1:]
    if path:
        return f"https://{host}/{'/'.join(unquote(p) for p in path)}/did.json"
    return f"https://{host}/.well-known/did.json"


def _split(verification_method: str) -> str:
    controller, hash_, fragment = verification_method.partition("#")
    if not hash_ or not fragment:
        raise DidResolutionError(
            f"Verification method {verification_method!r} has no fragment (expected CONTROLLER#KEY)."
        )
    return controller


def _public_key(method: Mapping[str, Any]) -> bytes:
    """Raw Ed25519 key from a Multikey, Ed25519VerificationKey2020/2018 or OKP JWK method."""
    try:
        if "publicKeyMultibase" in method:
            return decode_public_multikey(method["publicKeyMultibase"])
        if "publicKeyBase58" in method:
            raw = b58decode(method["publicKeyBase58"])
            if len(raw) == 32:
                return raw
        jwk = method.get("publicKeyJwk")
        if isinstance(jwk, Mapping) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            raw = b64url_decode(str(jwk.get("x", "")))
            if len(raw) == 32:
                return raw
    except InputError as exc:
        raise DidResolutionError(f"Verification method {method.get('id')!r}: {exc}") from exc
    raise DidResolutionError(
        f"Verification method {method.get('id')!r} holds no Ed25519 public key Tessera can read "
        "(expected publicKeyMultibase z6Mk…, publicKeyBase58, or an OKP Ed25519 JWK)."
    )


def method_from_document(
    document: Mapping[str, Any], verification_method: str
) -> VerificationMethod:
    """Find ``verification_method`` in a controller document, with its relationships."""
    doc_id = document.get("id")

    def absolute(ref: str) -> str:
        return f"{doc_id}{ref}" if ref.startswith("#") else ref

    found: Mapping[str, Any] | None = None
    for entry in document.get("verificationMethod", []) or []:
        if isinstance(entry, Mapping) and absolute(str(entry.get("id", ""))) == verification_method:
            found = entry
    relationships = set()
    for rel in RELATIONSHIPS:
        for ref in document.get(rel, []) or []:
            if isinstance(ref, str) and absolute(ref) == verification_method:
                relationships.add(rel)
            elif (
                isinstance(ref, Mapping) and absolute(str(ref.get("id", ""))) == verification_method
            ):
                relationships.add(rel)
                found = found or ref
    if found is None:
        raise DidResolutionError(
            f"{verification_method!r} is not listed in the document of {doc_id!r}."
        )
    controller = str(found.get("controller", doc_id))
    return VerificationMethod(
        id=verification_method,
        controller=controller,
        public_key=_public_key(found),
        relationships=frozenset(relationships),
        revoked=_revoked(found, verification_method),
    )


def _revoked(method: Mapping[str, Any], verification_method: str) -> datetime | None:
    """The method's ``revoked`` time; a value that is not a date-time with an offset counts as
    revoked since ever (a key its controller tried to withdraw must never pass by accident)."""
    raw = method.get("revoked")
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z")) if isinstance(raw, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        return datetime.min.replace(tzinfo=UTC)
    return moment


class StaticResolver:
    """Resolves did:key by computation and everything else from supplied controller documents."""

    def __init__(self, documents: Mapping[str, JsonObject] | None = None) -> None:
        self._documents = dict(documents or {})

    def add(self, document: JsonObject) -> None:
        self._documents[str(document["id"])] = document

    def resolve(self, verification_method: str) -> VerificationMethod:
        controller = _split(verification_method)
        if controller.startswith("did:key:"):
            multikey = controller.removeprefix("did:key:")
            if not multikey.startswith("z6Mk"):
                raise DidResolutionError(
                    f"{controller!r} is not an Ed25519 did:key (those start with did:key:z6Mk)."
                )
            try:
                document = did_key_document(multikey)
            except InputError as exc:
                raise DidResolutionError(f"{controller!r} is not a valid did:key: {exc}") from exc
            return method_from_document(document, verification_method)
        known = self._documents.get(controller)
        if known is None:
            raise DidResolutionError(
                f"Cannot resolve {controller!r} offline: its DID document is not known here. "
                "Add the issuer to the trust registry, or verify online."
            )
        return method_from_document(known, verification_method)


__all__ = [
    "DID_V1",
    "Resolver",
    "StaticResolver",
    "VerificationMethod",
    "controller_document",
    "did_key_document",
    "did_web_host",
    "did_web_of",
    "did_web_url",
    "encode_public_multikey",
    "method_from_document",
]
