"""Tessera's one exception tree.

Every error Tessera raises on purpose derives from :class:`TesseraError`. Each carries a
human-readable message that says what is wrong *and what to do*, and a ``problem_type``: the
URI used as the ``type`` of an ``application/problem+json`` body or a VC-API ``problemDetails``
entry (the names come from VC Data Model 2.0 §7.1 and Data Integrity 1.0 §2.4).

::

    TesseraError
    ├── ConfigurationError              settings are missing or unsafe
    ├── InputError                      the caller sent something we cannot use
    │   ├── MalformedDocumentError      not JSON, too large, too deep, wrong shape
    │   ├── ContextError                a JSON-LD context problem
    │   │   ├── UntrustedContextError   URL not in the pinned store / not allowed
    │   │   └── ContextIntegrityError   bytes do not match the pinned sha256
    │   ├── CanonicalizationError       RDFC would drop, relativize or cannot finish
    │   │   └── CanonicalizationLimitError   hostile input: work or size bound hit
    │   │       └── BlankNodeLimitError      too many or too entangled blank nodes
    │   ├── UnsupportedProofError       unknown proof type or cryptosuite
    │   ├── ValidationFailed            a request breaks its JSON Schema (carries every error)
    │   └── ConflictError               the request contradicts stored state (idempotency, revoked)
    ├── NotFoundError                   no such record *for this caller*
    ├── AuthenticationError             no or unknown API key
    ├── PermissionDeniedError           the API key lacks the scope
    ├── KeyStoreError                   local key store problems
    │   ├── KeyNotFoundError
    │   ├── KeyExistsError
    │   ├── PassphraseRequiredError
    │   └── WrongPassphraseError
    ├── DidResolutionError              a DID or verification method cannot be resolved
    └── InvalidSignature                an Ed25519 signature does not verify

Crypto primitives raise :class:`InvalidSignature` rather than returning ``False`` (as
pyca/cryptography does); the verification pipeline turns it into a failed check.
No error message ever contains private key material.
"""

from __future__ import annotations

VC_DM = "https://www.w3.org/TR/vc-data-model#"
DATA_INTEGRITY = "https://w3id.org/security#"
TESSERA = "https://tessera.dev/problems/"


class TesseraError(Exception):
    """Base of every deliberate Tessera error. ``str(err)`` is the user-facing message."""

    problem_type: str = TESSERA + "error"
    title: str = "Tessera error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(TesseraError):
    problem_type = TESSERA + "configuration"
    title = "Configuration error"


class InputError(TesseraError):
    problem_type = VC_DM + "MALFORMED_VALUE_ERROR"
    title = "Malformed value"


class MalformedDocumentError(InputError):
    problem_type = VC_DM + "PARSING_ERROR"
    title = "Parsing error"


class ContextError(InputError):
    problem_type = VC_DM + "MALFORMED_VALUE_ERROR"
    title = "JSON-LD context error"


class UntrustedContextError(ContextError):
    title = "Untrusted JSON-LD context"

    def __init__(self, url: str, message: str | None = None) -> None:
        super().__init__(
            message
            or (
                f"JSON-LD context {url!r} is not in the trusted context store. "
                "Install the pinned contexts with `tessera contexts install`, or trust this one "
                "explicitly with `tessera contexts add URL FILE`."
            )
        )
        self.url = url


class ContextIntegrityError(ContextError):
    title = "Context integrity error"


class CanonicalizationError(InputError):
    problem_type = DATA_INTEGRITY + "PROOF_TRANSFORMATION_ERROR"
    title = "Canonicalization error"


class CanonicalizationLimitError(CanonicalizationError):
    title = "Canonicalization limit exceeded"


class BlankNodeLimitError(CanonicalizationLimitError):
    """Too many, or too entangled, blank nodes to canonicalize within the work budget."""

    title = "Too many blank nodes"


class UnsupportedProofError(InputError):
    problem_type = DATA_INTEGRITY + "PROOF_VERIFICATION_ERROR"
    title = "Unsupported proof"


class ValidationFailed(InputError):
    """A request that breaks its schema. ``errors`` lists ``{"path", "message"}`` for each problem."""

    title = "Request validation failed"

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class ConflictError(InputError):
    problem_type = TESSERA + "conflict"
    title = "Conflict"


class NotFoundError(TesseraError):
    problem_type = TESSERA + "not-found"
    title = "Not found"


class AuthenticationError(TesseraError):
    problem_type = TESSERA + "unauthenticated"
    title = "Authentication required"


class PermissionDeniedError(TesseraError):
    problem_type = TESSERA + "forbidden"
    title = "Permission denied"


class KeyStoreError(TesseraError):
    problem_type = TESSERA + "key-store"
    title = "Key store error"


class KeyNotFoundError(KeyStoreError):
    title = "Key not found"


class KeyExistsError(KeyStoreError):
    title = "Key already exists"


class PassphraseRequiredError(KeyStoreError):
    title = "Passphrase required"


class WrongPassphraseError(KeyStoreError):
    title = "Wrong passphrase"


class DidResolutionError(TesseraError):
    problem_type = DATA_INTEGRITY + "PROOF_VERIFICATION_ERROR"
    title = "Verification method could not be resolved"


class InvalidSignature(TesseraError):
    problem_type = VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR"
    title = "Invalid signature"

    def __init__(self, message: str = "The signature does not match the signed data.") -> None:
        super().__init__(message)


__all__ = [
    "AuthenticationError",
    "BlankNodeLimitError",
    "CanonicalizationError",
    "CanonicalizationLimitError",
    "ConfigurationError",
    "ConflictError",
    "ContextError",
    "ContextIntegrityError",
    "DidResolutionError",
    "InputError",
    "InvalidSignature",
    "KeyExistsError",
    "KeyNotFoundError",
    "KeyStoreError",
    "MalformedDocumentError",
    "NotFoundError",
    "PassphraseRequiredError",
    "PermissionDeniedError",
    "TesseraError",
    "UnsupportedProofError",
    "UntrustedContextError",
    "ValidationFailed",
    "WrongPassphraseError",
]
