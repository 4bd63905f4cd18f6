"""The token endpoint (OID4VCI §6: a pre-authorized code, and transaction code, for an access
token) and the nonce endpoint (§7)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from service.app.oid4vci.common import PRE_AUTHORIZED_GRANT, Outcome, new_secret, secret_hash
from service.errors import OAuthError
from service.store import Repositories
from service.store.records import Issuer

TOKEN_LIFETIME = timedelta(minutes=5)
NONCE_LIFETIME = timedelta(minutes=5)
TX_CODE_MAX_FAILURES = 5


def exchange_code(
    repo: Repositories, *, issuer: Issuer, form: Mapping[str, str], now: datetime
) -> Outcome[dict[str, Any]]:
    """The token endpoint (§6): a pre-authorized code (and transaction code) for an access
    token. A wrong transaction code is counted (commit, then raise the outcome's error)."""
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        raise OAuthError(
            "unsupported_grant_type", "Only the pre-authorized code grant is supported."
        )
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is missing.")
    store = repo.openid
    row = store.offer_by_code(secret_hash(code))
    if (
        row is None
        or row.issuer_id != issuer.id
        or row.issued_at is not None
        or row.code_expires_at is None
        or row.code_expires_at <= now
    ):
        raise OAuthError(
            "invalid_grant",
            "The pre-authorized code is unknown, used or expired: scan the offer again.",
        )
    if row.tx_code_hash is not None:
        given = form.get("tx_code")
        if not given:
            raise OAuthError("invalid_request", "This offer needs the transaction code (tx_code).")
        if not hmac.compare_digest(secret_hash(given), row.tx_code_hash):
            failures = store.count_tx_code_failure(row.id, burn_at=TX_CODE_MAX_FAILURES)
            left = TX_CODE_MAX_FAILURES - failures
            return Outcome(
                error=OAuthError(
                    "invalid_grant",
                    f"Wrong transaction code ({left} tries left)."
                    if left > 0
                    else "Wrong transaction code too often: ask for a new offer.",
                )
            )
    token = new_secret()
    if not store.redeem_code(
        secret_hash(code),
        token_hash=secret_hash(token),
        token_expires_at=now + TOKEN_LIFETIME,
        now=now,
    ):
        raise OAuthError("invalid_grant", "The pre-authorized code was used already.")
    return Outcome(
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        }
    )


def new_nonce(repo: Repositories, *, now: datetime) -> dict[str, Any]:
    """The nonce endpoint (§7): a fresh single-use ``c_nonce``."""
    nonce = new_secret()
    repo.openid.add_nonce(secret_hash(nonce), expires_at=now + NONCE_LIFETIME, now=now)
    return {"c_nonce": nonce}


__all__ = ["NONCE_LIFETIME", "TOKEN_LIFETIME", "TX_CODE_MAX_FAILURES", "exchange_code", "new_nonce"]
