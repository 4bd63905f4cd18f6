"""Credential factories shared by the tests and the benchmarks: one place for test data."""

from __future__ import annotations

import copy
import zlib
from collections.abc import Mapping
from typing import Any

from service.contexts import CREDENTIALS_V2, OPEN_BADGES_V3, TESSERA_V1

ISSUER_DID_KEY = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def small_credential(issuer: str = ISSUER_DID_KEY) -> dict[str, Any]:
    """A minimal VC 2.0 credential (only the credentials/v2 context)."""
    return {
        "@context": [CREDENTIALS_V2],
        "id": "urn:uuid:0b3c6d0e-6a0a-4c1e-9a55-5f1f6c3a2b10",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "urn:uuid:7d6f1a52-2a53-4f0e-8f3c-3f8e0c9d2b77",
            "name": "Amina Haddad",
        },
    }


def open_badge_credential(issuer: str = ISSUER_DID_KEY) -> dict[str, Any]:
    """An Open Badges 3.0 OpenBadgeCredential for a completed welding module, in the shape
    Tessera issued before it named only published contexts (still in circulation).

    Names in several languages, one Arabic with ``@direction: rtl``; EQF, ISCED-F and ESCO
    alignments; Tessera vocabulary for EQF level and hours.
    """
    return copy.deepcopy(
        {
            "@context": [CREDENTIALS_V2, OPEN_BADGES_V3, TESSERA_V1],
            "id": "urn:uuid:3f0d2a6e-9c1b-4f7a-8e5d-1a2b3c4d5e6f",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": "Welding Basics (MIG/MAG)",
            "issuer": {
                "id": issuer,
                "type": ["Profile"],
                "name": "Vocational Training Centre Hamburg",
                "url": "https://vtc-hamburg.example/",
            },
            "validFrom": "2025-03-01T00:00:00Z",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "name": {"@value": "ليلى حداد", "@language": "ar", "@direction": "rtl"},
                "achievement": {
                    "id": "https://vtc-hamburg.example/modules/weld-101",
                    "type": ["Achievement"],
                    "achievementType": "Certificate",
                    "name": "Welding Basics (MIG/MAG)",
                    "description": [
                        {
                            "@value": "Safe set-up and basic MIG/MAG fillet welds.",
                            "@language": "en",
                        },
                        {
                            "@value": "Sichere Einrichtung und einfache MIG/MAG-Kehlnähte.",
                            "@language": "de",
                        },
                        {
                            "@value": "الإعداد الآمن ولحامات الزاوية الأساسية بطريقة MIG/MAG.",
                            "@language": "ar",
                            "@direction": "rtl",
                        },
                        {
                            "@value": "Безпечне налаштування та базові кутові шви MIG/MAG.",
                            "@language": "uk",
                        },
                    ],
                    "criteria": {
                        "narrative": "Passed a practical test: three fillet welds inspected to ISO 5817 level C."
                    },
                    "alignment": [
                        {
                            "type": ["Alignment"],
                            "targetName": "EQF level 3",
                            "targetUrl": "https://europa.eu/europass/en/description-eight-eqf-levels",
                            "targetFramework": "European Qualifications Framework",
                            "targetCode": "3",
                        },
                        {
                            "type": ["Alignment"],
                            "targetName": "Welding and flame cutting",
                            "targetUrl": "http://data.europa.eu/esco/skill/3d9d5ea6-9f52-4b6f-a4a2-1f2f0c2a6f3d",
                            "targetFramework": "ESCO",
                            "targetType": "ext:ESCOSkill",
                        },
                    ],
                    "fieldOfStudy": "0715 Mechanics and metal trades",
                    "creditsAvailable": 2.0,
                    "eqfLevel": 3,
                    "learningHours": 40,
                    "iscedFieldCode": "0715",
                    "inLanguage": "de",
                },
            },
        }
    )


# -- hostile inputs -----------------------------------------------------------------------

POISON_PROPERTY = "https://example.org/vocab#link"


def blank_node_clique(size: int) -> list[dict[str, Any]]:
    """rdf-canon test074 ("poison"): blank nodes all linked to all (self-loops included),
    indistinguishable, so RDFC-1.0's Hash N-Degree Quads must try every permutation."""
    return [
        {"@id": f"_:b{i}", POISON_PROPERTY: [{"@id": f"_:b{j}"} for j in range(size)]}
        for i in range(size)
    ]


def poison_credential(size: int = 10) -> dict[str, Any]:
    """A credential (about 1.5 KB of JSON for ``size`` 10) whose subject carries a blank-node
    clique, with a proof that looks real: what an attacker sends to stall a verifier."""
    credential = small_credential()
    credential["credentialSubject"] = {
        "@id": "_:b0",
        POISON_PROPERTY: [{"@id": "_:b0"}],
        "@included": blank_node_clique(size),
    }
    credential["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-03-01T00:00:00Z",
        "verificationMethod": ISSUER_DID_KEY + "#" + ISSUER_DID_KEY.removeprefix("did:key:"),
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 60,
    }
    return credential


def pdf_bomb(inflated_bytes: int = 1 << 30) -> bytes:
    """A one-page PDF of about ``inflated_bytes / 1000`` bytes whose page content stream
    inflates (FlateDecode) to ``inflated_bytes`` of spaces: a decompression bomb. Built in
    well under a second: after a full flush, deflate writes identical bytes for identical
    megabytes, so one compressed megabyte is repeated."""
    megabyte = b" " * (1 << 20)
    count = max(2, inflated_bytes >> 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(megabyte) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(megabyte) + deflate.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(count):
        checksum = zlib.adler32(megabyte, checksum)
    stream = (
        b"\x78\xda"
        + first
        + repeated * (count - 1)
        + deflate.flush(zlib.Z_FINISH)
        + checksum.to_bytes(4, "big")
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def module_data(**overrides: Any) -> dict[str, Any]:
    """A welding module as a provider defines it: four languages (one right-to-left),
    outcomes, criteria, hours, credits, EQF, ISCED-F and ESCO."""
    data: dict[str, Any] = {
        "code": "WELD-101",
        "defaultLanguage": "de",
        "name": {
            "de": "Schweißen Grundlagen (MIG/MAG)",
            "en": "Welding basics (MIG/MAG)",
            "ar": "أساسيات اللحام",
            "uk": "Основи зварювання",
        },
        "description": {
            "de": "Sichere Einrichtung und einfache Kehlnähte.",
            "en": "Safe set-up and basic fillet welds.",
            "ar": "الإعداد الآمن ولحامات الزاوية الأساسية.",
        },
        "learningOutcomes": [
            {"de": "Richtet ein MIG/MAG-Gerät sicher ein", "en": "Sets up safely"}
        ],
        "assessmentCriteria": [
            {"de": "Drei Kehlnähte nach ISO 5817 C", "en": "Three fillet welds"}
        ],
        "hours": 40,
        "credits": 2,
        "eqfLevel": 3,
        "iscedField": "0715",
        "escoSkills": ["http://data.europa.eu/esco/skill/3d9d5ea6-9f52-4b6f-a4a2-1f2f0c2a6f3d"],
        "escoOccupations": [
            "http://data.europa.eu/esco/occupation/5f3ab3c7-1e1a-4f4b-9f5d-6c0c3e6f2b11"
        ],
        "achievementType": "Certificate",
    }
    data.update(overrides)
    return data


def status_entries(credential: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A credential's ``credentialStatus`` as a list: one entry is an object, several a list."""
    raw = credential.get("credentialStatus")
    if raw is None:
        return []
    return list(raw) if isinstance(raw, list) else [dict(raw)]


def published_open_badge_credential(
    issuer: str = ISSUER_DID_KEY, *, result: str | None = "Pass", **module: Any
) -> dict[str, Any]:
    """The shape Tessera issues today (published contexts only), built by the issuing code
    from :func:`module_data` (``module`` overrides its fields), unsigned, without status."""
    from service.credentials import Award, IssuerProfile, build_achievement, build_credential

    achievement = build_achievement(
        module_data(**module), achievement_id="https://vtc-hamburg.example/modules/weld-101"
    )
    return build_credential(
        credential_id="urn:uuid:7c1e4b2a-0d3f-4e6a-9b8c-2f1e0d9c8b7a",
        issuer=IssuerProfile(
            id=issuer, name="Vocational Training Centre Hamburg", url="https://vtc-hamburg.example/"
        ),
        achievement=achievement,
        award=Award(learner_name="Amina Haddad", completed_on="2025-06-30", result=result),
        valid_from="2025-07-01T00:00:00Z",
    )


# -- a holder's wallet (presentations) --------------------------------------------------------

HOLDER_SEED = bytes(range(32))  # test material, not a secret


def holder_js_key() -> dict[str, str]:
    """The holder's did:key as the reference JS harness's ``key`` (for ``signPresentation``)."""
    from service.keys import did_key_for, encode_secret_multikey, public_key_from_seed

    did, method = did_key_for(public_key_from_seed(HOLDER_SEED))
    return {
        "publicKeyMultibase": method.split("#", 1)[1],
        "secretKeyMultibase": encode_secret_multikey(HOLDER_SEED),
        "controller": did,
        "id": method,
    }


def presentation(*credentials: dict[str, Any], holder: str | None = None) -> dict[str, Any]:
    """An unsigned VC 2.0 VerifiablePresentation of ``credentials``."""
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "id": "urn:uuid:1d3c4f2a-5b6e-4d7f-8a9b-0c1d2e3f4a5b",
        "type": ["VerifiablePresentation"],
        "verifiableCredential": list(credentials),
    }
    if holder is not None:
        document["holder"] = holder
    return document
