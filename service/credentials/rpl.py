"""RPL credentials: a module recognized through assessment of prior learning. Pure.

An Open Badges 3.0 ``OpenBadgeCredential`` for the module's own achievement (so it counts
toward qualifications like a taught module), distinguishable from one: its subject's
``narrative`` begins "Recognized through assessment of prior learning", and its ``evidence``
lists each assessment method used, with a description of what was seen and its digest
(``genre`` "Recognition of prior learning"), never a copy of any document. The proofs are
the assessors' own (one, or two as a Data Integrity proof set); the caller adds them.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from service.credentials.openbadges import Award, IssuerProfile, build_credential
from service.credentials.qualification import RECOGNIZED

NARRATIVE = "Recognized through assessment of prior learning (RPL), not taught by this provider."
METHOD_NAMES = {
    "interview": "Interview",
    "skills-demonstration": "Skills demonstration",
    "work-sample": "Work sample",
    "document-review": "Document review",
    "test": "Test",
}


def build_rpl_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    achievement: Mapping[str, Any],
    learner_name: str,
    decided_on: str,
    result: str | None,
    reason: str,
    evidence: Sequence[Mapping[str, Any]],
    assessors: Sequence[str],
    valid_from: str,
) -> dict[str, Any]:
    """An unsigned RPL credential; ``evidence`` items as recorded in the case (method,
    description, optional digestMultibase, assessedOn)."""
    document = build_credential(
        credential_id=credential_id,
        issuer=issuer,
        achievement=achievement,
        award=Award(learner_name=learner_name, completed_on=decided_on, result=result),
        valid_from=valid_from,
    )
    methods = sorted({METHOD_NAMES[e["method"]] for e in evidence})
    document["credentialSubject"]["narrative"] = (
        f"{NARRATIVE}\n\nMethods: {', '.join(methods) or 'none recorded'}. "
        f"Assessed by {' and '.join(assessors)}. Outcome: {reason}"
    )
    items = []
    for index, item in enumerate(evidence, start=1):
        entry: dict[str, Any] = {
            "id": f"{credential_id}#evidence-{index}",
            "type": ["Evidence"],
            "name": METHOD_NAMES[item["method"]],
            "description": f"{item['description']} (assessed {item['assessedOn']})",
            "genre": RECOGNIZED,
        }
        if item.get("digestMultibase"):
            entry["digestMultibase"] = item["digestMultibase"]
        items.append(entry)
    if items:
        document["evidence"] = items
    return document


def digest_of_bytes(data: bytes) -> str:
    """``u`` + base64url-nopad(SHA-256(data)): the digestMultibase of a file that was seen."""
    digest = hashlib.sha256(data).digest()
    return "u" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


__all__ = ["METHOD_NAMES", "NARRATIVE", "build_rpl_credential", "digest_of_bytes"]
