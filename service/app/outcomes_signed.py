"""A provider's outcomes report as a verifiable credential signed by its DID, so a funder can
check that the figures are the provider's and unaltered.

The figures travel as the report's CSV (:func:`service.app.outcomes_formats.to_csv`, already
under disclosure control); the credential binds its exact bytes with a VC 2.0
``relatedResource`` digest (``digestSRI``, sha384), so the credential stays small, uses only
terms the VC 2.0 context defines, and any change to a figure breaks the match. It is issued
through the same VC-API path as any other credential (schema checks, a status entry, the
provider's active key): verify it anywhere, then compare the CSV's sha384 with the digest.

Publishing is idempotent with an ``Idempotency-Key`` (:mod:`service.app.idempotency`, as
for awards): the key records the request, which holds the CSV's digest, so a retry while the
figures are unchanged gets the credential signed the first time and signs nothing again.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from service.app.idempotency import request_hash
from service.app.issuing import IssueSetup, Transactions
from service.app.outcomes import OutcomesReport
from service.app.outcomes_formats import to_csv
from service.app.vcapi_issuing import issue_vcapi
from service.errors import ConflictError

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"


def digest_sri(data: bytes) -> str:
    """Subresource Integrity digest (sha384), the form VC 2.0 §5.3 ``digestSRI`` takes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def sign_report(
    repositories: Transactions,
    setup: IssueSetup,
    *,
    issuer_id: str,
    report: OutcomesReport,
    report_url: str,
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> tuple[dict[str, Any], str]:
    """The signed credential and the CSV it vouches for (``report_url``: where the CSV is
    served, the resource's id). With ``idempotency_key``, a retry answers the credential
    signed the first time; :class:`ConflictError` when the figures changed since then."""
    csv_text = to_csv(report)
    policy = report.policy
    credential = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "name": f"Outcomes of {report.scope_name}, {report.period.first} to {report.period.last}",
        "description": (
            f"Outcome indicators of {report.scope_name} for {report.period.first} to "
            f"{report.period.last}, in the CSV named in relatedResource (its sha384 digest is "
            f"signed here). Counts below {policy.min_count} are withheld with further counts "
            f"so none can be worked out from the totals; counts are rounded to a multiple of "
            f"{policy.rounding_base}."
        ),
        "credentialSubject": {"id": report.issuer_did},
        "relatedResource": [
            {
                "id": report_url,
                "mediaType": "text/csv",
                "digestSRI": digest_sri(csv_text.encode()),
            }
        ],
    }
    request = {"credential": credential}
    if idempotency_key:
        with repositories() as repo:
            previous = repo.credentials.idempotent_result(issuer_id, idempotency_key)
        if previous is not None and previous.request_hash != request_hash(request):
            raise ConflictError(
                "This Idempotency-Key was used for another request (a report for another "
                "period, figures that changed since, or an issue request): send a new "
                "Idempotency-Key to publish this report."
            )
    signed = issue_vcapi(
        repositories,
        setup,
        issuer_id=issuer_id,
        request=request,
        actor=actor,
        now=now,
        idempotency_key=idempotency_key,
    )
    return signed, csv_text


__all__ = ["digest_sri", "sign_report"]
