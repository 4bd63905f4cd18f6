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
    │   │   └── StrictJsonError         JSON that I-JSON refuses (duplicate member, NaN, lone surrogate)
    │   │       └── NotJsonError        not JSON at all (a syntax error)
    │   ├── ContextError                a JSON-LD context problem
    │   │   ├── UntrustedContextError   URL not in the pinned store / not allowed
    │   │   └── ContextIntegrityError   bytes do not match the pinned sha256
    │   ├── CanonicalizationError       RDFC would drop, relativize or cannot finish
    │   │   └── CanonicalizationLimitError   hostile input: work or size bound hit
    │   │       └── BlankNodeLimitError      too many or too entangled blank nodes
    │   ├── UnsupportedProofError       unknown proof type or cryptosuite
    │   ├── StatusListError             a status list or entry that cannot be used (spec code)
    │   ├── UnreadableInput             an upload or pasted text that holds no credential (code)
    │   ├── ValidationFailed            a request breaks its JSON Schema (carries every error)
    │   └── ConflictError               the request contradicts stored state (idempotency, revoked)
    ├── NotFoundError                   no such record *for this caller*
    │   ├── WalletNotFound              no live wallet has this token
    │   ├── WalletLinkRevoked           the provider revoked this wallet link (410 Gone)
    │   ├── OfferGone                   a credential offer that was used or expired (410 Gone)
    │   └── PresentationRequestNotFound  no such OpenID4VP request (the /verify page answers a page)
    ├── OAuthError                      OAuth 2.0 / OID4VCI endpoint error (``error`` code, RFC 6749 body)
    ├── AuthenticationError             no or unknown API key
    ├── PermissionDeniedError           the API key lacks the scope
    ├── PayloadTooLarge                 a public request over its byte limit (413)
    ├── RateLimited                     too many verifications from one address (429, retry_after)
    ├── VerifierBusy                    the public verifier is at capacity (503, retry_after)
    ├── FetchError                      a remote document could not be fetched under the rules
    ├── KeyStoreError                   local key store problems
    │   ├── KeyNotFoundError
    │   ├── KeyExistsError
    │   ├── PassphraseRequiredError
    │   └── WrongPassphraseError
    ├── DidResolutionError              a DID or verification method cannot be resolved
    └── InvalidSignature                an Ed25519 signature does not verify

Every class is defined here, so the tree above is the whole of it; the HTTP status of each
is chosen in one place, ``service/api/problems.py``.

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


class StrictJsonError(MalformedDocumentError):
    """The input is not I-JSON; the message says where and what (``PARSING_ERROR``)."""


class NotJsonError(StrictJsonError):
    """The input is not JSON at all (a syntax error), as opposed to JSON that I-JSON refuses."""


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


#: The Bitstring Status List specification's own error type names (§3.6); it cites
#: MALFORMED_VALUE_ERROR and RANGE_ERROR from the VC Data Model.
STATUS_LIST = "https://www.w3.org/ns/credentials/status-list#"


class StatusListError(InputError):
    """A status list or entry that cannot be used; ``code`` is the spec's error type name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        base = VC_DM if code in ("MALFORMED_VALUE_ERROR", "RANGE_ERROR") else STATUS_LIST
        self.problem_type = base + code
        self.title = code.replace("_", " ").title()


class UnreadableInput(InputError):
    """An upload or pasted text that holds no credential; ``code`` names why (the pages have a
    sentence for each in every language)."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or f"Unreadable input ({code}).")
        self.code = code


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


class WalletNotFound(NotFoundError):
    """No live wallet has this token (HTTP 404)."""

    title = "Wallet not found"


class WalletLinkRevoked(NotFoundError):
    """The link existed and the provider revoked it (HTTP 410 Gone)."""

    title = "Wallet link revoked"


class OfferGone(NotFoundError):
    problem_type = TESSERA + "offer-gone"
    title = "Credential offer used or expired"


class PresentationRequestNotFound(NotFoundError):
    title = "No such presentation request"


class OAuthError(TesseraError):
    """An error of an OAuth 2.0 endpoint (token, credential): answered as RFC 6749 §5.2 /
    OID4VCI §8.3.1 JSON, ``{"error": code, "error_description": message}``, with ``status``."""

    problem_type = TESSERA + "oauth"
    title = "OAuth error"

    def __init__(self, error: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error = error
        self.status = status


class AuthenticationError(TesseraError):
    problem_type = TESSERA + "unauthenticated"
    title = "Authentication required"


class PermissionDeniedError(TesseraError):
    problem_type = TESSERA + "forbidden"
    title = "Permission denied"


class PayloadTooLarge(TesseraError):
    problem_type = TESSERA + "payload-too-large"
    title = "Request too large"

    def __init__(self, limit: int, advice: str | None = None) -> None:
        advice = advice or "A credential is a few kilobytes; send the credential alone."
        super().__init__(f"The request is larger than {limit} bytes. {advice}")
        self.limit = limit


class RateLimited(TesseraError):
    problem_type = TESSERA + "rate-limited"
    title = "Too many verifications"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(
            f"Too many verifications from this address; try again in {self.retry_after} s."
        )


class VerifierBusy(TesseraError):
    problem_type = TESSERA + "busy"
    title = "Verifier busy"

    def __init__(self, retry_after: int = 1) -> None:
        self.retry_after = retry_after
        super().__init__(f"The verifier is busy; try again in {retry_after} s.")


class FetchError(TesseraError):
    """A document could not be fetched under the rules; the message names the URL and why."""

    problem_type = TESSERA + "fetch"
    title = "Remote document could not be fetched"


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
    "DATA_INTEGRITY",
    "STATUS_LIST",
    "TESSERA",
    "VC_DM",
    "AuthenticationError",
    "BlankNodeLimitError",
    "CanonicalizationError",
    "CanonicalizationLimitError",
    "ConfigurationError",
    "ConflictError",
    "ContextError",
    "ContextIntegrityError",
    "DidResolutionError",
    "FetchError",
    "InputError",
    "InvalidSignature",
    "KeyExistsError",
    "KeyNotFoundError",
    "KeyStoreError",
    "MalformedDocumentError",
    "NotFoundError",
    "NotJsonError",
    "OAuthError",
    "OfferGone",
    "PassphraseRequiredError",
    "PayloadTooLarge",
    "PermissionDeniedError",
    "PresentationRequestNotFound",
    "RateLimited",
    "StatusListError",
    "StrictJsonError",
    "TesseraError",
    "UnreadableInput",
    "UnsupportedProofError",
    "UntrustedContextError",
    "ValidationFailed",
    "VerifierBusy",
    "WalletLinkRevoked",
    "WalletNotFound",
    "WrongPassphraseError",
]
