"""Credential factories shared by the tests and the benchmarks: one place for test data."""

from __future__ import annotations

import copy
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
    """An Open Badges 3.0 OpenBadgeCredential for a completed welding module.

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
