"""Qualification credentials and CLR 2.0 transcripts built from module credentials. Pure.

A qualification is an Open Badges 3.0 ``OpenBadgeCredential`` for the programme's
achievement. Each module credential it rests on is named twice, in the terms verifiers read:

* ``evidence``: an OB ``Evidence`` per module credential (its ``id``, the module's name, who
  issued it, when it was completed, and whether it was taught, recognized through assessment
  of prior learning, or presented from another provider);
* ``relatedResource`` (VC 2.0 §5.3 "Integrity of Related Resources"): the same ``id`` with its
  ``digestMultibase``, so the qualification pins the exact module credentials.

The digest is ``u`` + base64url (no padding) of the SHA-256 of the credential's RFC 8785
(JCS) canonical JSON, proof included: the same value whatever formatting the bytes were
served in. The transcript is a CLR 2.0 ``ClrCredential`` whose subject bundles the module
credentials and the qualification as they were signed, lists their achievements, and
associates each module's achievement with the programme's (``isChildOf``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import rfc8785

from service.contexts import CREDENTIALS_V2, OPEN_BADGES_V3
from service.credentials.openbadges import CONTEXTS, IssuerProfile

CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_CONTEXTS = [CREDENTIALS_V2, CLR_V2, OPEN_BADGES_V3]
#: ``Evidence.genre`` of each way a module can have been achieved.
TAUGHT = "Module credential"
RECOGNIZED = "Recognition of prior learning"
EXTERNAL = "Module credential from a recognized provider"


def digest_multibase(document: Mapping[str, Any]) -> str:
    """``u`` + base64url-nopad(SHA-256(JCS(document))): a VC 2.0 ``digestMultibase``."""
    digest = hashlib.sha256(bytes(rfc8785.dumps(dict(document)))).digest()
    return "u" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Component:
    """One module credential a qualification rests on."""

    document: Mapping[str, Any]  # the signed credential
    genre: str  # TAUGHT, RECOGNIZED or EXTERNAL

    @property
    def id(self) -> str:
        return str(self.document["id"])

    @property
    def achievement(self) -> Mapping[str, Any]:
        subject = self.document.get("credentialSubject")
        found = subject.get("achievement") if isinstance(subject, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    @property
    def issuer_name(self) -> str:
        issuer = self.document.get("issuer")
        if isinstance(issuer, Mapping):
            return str(issuer.get("name") or issuer.get("id"))
        return str(issuer)

    @property
    def completed_on(self) -> str:
        subject = self.document.get("credentialSubject")
        end = subject.get("activityEndDate") if isinstance(subject, Mapping) else None
        return str(end or self.document.get("validFrom", ""))[:10]


def evidence(components: Sequence[Component]) -> list[dict[str, Any]]:
    """OB ``Evidence`` entries naming each module credential, with its digest."""
    return [
        {
            "id": c.id,
            "type": ["Evidence"],
            "name": str(c.achievement.get("name") or c.document.get("name") or c.id),
            "description": f"{c.genre}: issued by {c.issuer_name}, completed {c.completed_on}.",
            "genre": c.genre,
            "digestMultibase": digest_multibase(c.document),
        }
        for c in components
    ]


def build_qualification(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    achievement: Mapping[str, Any],
    learner_name: str,
    components: Sequence[Component],
    valid_from: str,
) -> dict[str, Any]:
    """An unsigned qualification ``OpenBadgeCredential``; the caller adds status and proof."""
    last = max((c.completed_on for c in components), default=valid_from[:10])
    issuer_json: dict[str, Any] = {"id": issuer.id, "type": ["Profile"], "name": issuer.name}
    if issuer.url:
        issuer_json["url"] = issuer.url
    return {
        "@context": list(CONTEXTS),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": issuer_json,
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": learner_name,
            "identifier": [_identity(learner_name)],
            "achievement": dict(achievement),
            "activityEndDate": f"{last}T00:00:00Z",
        },
        "evidence": evidence(components),
        "relatedResource": [
            {"id": c.id, "digestMultibase": digest_multibase(c.document)} for c in components
        ],
    }


def _identity(learner_name: str) -> dict[str, Any]:
    return {
        "type": "IdentityObject",
        "identityHash": learner_name,
        "identityType": "name",
        "hashed": False,
    }


def build_clr(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    name: str,
    learner_name: str,
    qualification: Mapping[str, Any],
    components: Sequence[Component],
    valid_from: str,
) -> dict[str, Any]:
    """An unsigned CLR 2.0 ``ClrCredential``: the signed module credentials and the signed
    qualification, their achievements, and each module's ``isChildOf`` the programme."""
    programme = qualification["credentialSubject"]["achievement"]
    # The list names each achievement once; its language editions stay in the credentials
    # (CLR's ``Related`` is an id and a language tag only, where OB 3.0.3's has the text).
    achievements: list[dict[str, Any]] = [_without_editions(programme)]
    seen = {programme["id"]}
    for component in components:
        achievement = component.achievement
        if achievement.get("id") and achievement["id"] not in seen:
            seen.add(achievement["id"])
            achievements.append(_without_editions(achievement))
    return {
        "@context": list(CLR_CONTEXTS),
        "id": credential_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": name,
        "issuer": {"id": issuer.id, "type": ["Profile"], "name": issuer.name},
        "validFrom": valid_from,
        "credentialSubject": {
            "type": ["ClrSubject"],
            "name": learner_name,
            "verifiableCredential": [dict(c.document) for c in components] + [dict(qualification)],
            "achievement": achievements,
            "association": [
                {
                    "type": "Association",
                    "associationType": "isChildOf",
                    "sourceId": a["id"],
                    "targetId": programme["id"],
                }
                for a in achievements[1:]
            ],
        },
    }


def _without_editions(achievement: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in achievement.items() if k != "related"}


__all__ = [
    "CLR_CONTEXTS",
    "CLR_V2",
    "EXTERNAL",
    "RECOGNIZED",
    "TAUGHT",
    "Component",
    "build_clr",
    "build_qualification",
    "digest_multibase",
    "evidence",
]
