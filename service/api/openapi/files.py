"""The operations that answer in another media type than ``application/json`` (DID documents,
status lists, contexts, wallet files) or not in JSON at all (QR images, PDFs)."""

from __future__ import annotations

from typing import Any

#: The media type each operation answers in when it is not ``application/json``.
MEDIA_TYPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("get", "/issuers/{issuer}/did.json"): ("application/did+json",),
    ("get", "/status/{list_id}"): ("application/vc+ld+json",),
    ("get", "/contexts/tessera/v1"): ("application/ld+json",),
    ("get", "/wallet/{token}/credentials.json"): ("application/vp",),
    ("get", "/wallet/{token}/{code}/credential.json"): ("application/vc",),
}

_BINARY = {"type": "string", "format": "binary"}
#: Answers that are not JSON: (method, path) -> {media type: (schema, description)}.
FILE_ANSWERS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("get", "/wallet/{token}/{code}/verify-qr.{image}"): {
        "image/png": {"schema": _BINARY},
        "image/svg+xml": {"schema": {"type": "string"}},
    },
    ("get", "/wallet/{token}/{code}/offline-qr.{image}"): {
        "image/png": {"schema": _BINARY},
        "image/svg+xml": {"schema": {"type": "string"}},
    },
    ("get", "/wallet/{token}/{code}/certificate.pdf"): {"application/pdf": {"schema": _BINARY}},
}


__all__ = ["FILE_ANSWERS", "MEDIA_TYPES"]
