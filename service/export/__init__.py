"""Wallet exports: the credential file, the verification QR, the offline-verifiable QR and
the printable certificate. Bytes in, bytes out: nothing here touches the database or the
network (``service.app.wallet`` and the routes do that).

- :mod:`service.export.qr`       short ids, verification links, QR symbols as PNG/SVG
- :mod:`service.export.offline_qr`  the offline QR payload (``TSR1:``): encode, decode (checked by
  :mod:`service.verification.offline`); :mod:`service.export.offline_payload` its claims
- :mod:`service.export.binary`   Base45, Crockford Base32, the strict CBOR subset
- :mod:`service.export.pdf`      the certificate (A4 / US Letter, any language, RTL); its fonts
  in :mod:`service.export.pdf_fonts`
- :mod:`service.credentials.view`  what a person reads off a credential, translated (used here)
"""

from service.export.offline_qr import (
    PREFIX,
    OfflinePayload,
    StatusReference,
    credential_digest,
    decode_offline,
    encode_offline,
    matches_credential,
)
from service.export.qr import (
    QrSymbol,
    credential_uuid,
    make_qr,
    png,
    qr_version,
    short_id,
    short_id_from_url,
    svg,
    uuid_from_short_id,
    verification_url,
)

__all__ = [
    "PREFIX",
    "OfflinePayload",
    "QrSymbol",
    "StatusReference",
    "credential_digest",
    "credential_uuid",
    "decode_offline",
    "encode_offline",
    "make_qr",
    "matches_credential",
    "png",
    "qr_version",
    "short_id",
    "short_id_from_url",
    "svg",
    "uuid_from_short_id",
    "verification_url",
]
