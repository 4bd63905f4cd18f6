"""The provider's API for learner wallet links (``/issuers/{issuer}/wallet-links``): make,
list, renew and revoke them. A link's URL is in the answer that makes it, once; the service
keeps a hash of its token. The learner's pages are :mod:`service.api.routes.wallet`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from service.api.deps import CallerDep, StateDep, issuer_for
from service.app.wallet import create_wallet_link, describe, renew_wallet_link, revoke_wallet_link
from service.errors import ValidationFailed

router = APIRouter(tags=["wallet"])


@router.post(
    "/issuers/{issuer}/wallet-links",
    status_code=201,
    summary="Make a wallet link for credentials that have none (the URL is shown once)",
)
def post_wallet_link(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    body: Annotated[
        dict[str, Any],
        Body(examples=[{"credentialIds": ["…"], "language": "ar", "learnerRef": "E-00042"}]),
    ],
) -> dict[str, Any]:
    """Creates the private wallet link for a learner's credentials. The link is in this answer only
    (the service keeps a hash)."""
    caller.require("issue")
    ids = body.get("credentialIds")
    language, learner_ref = body.get("language"), body.get("learnerRef")
    if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise ValidationFailed(
            "Send {'credentialIds': [...]} (and optionally language, learnerRef)."
        )
    if not isinstance(language, (str, type(None))) or not isinstance(
        learner_ref, (str, type(None))
    ):
        raise ValidationFailed("language and learnerRef must be strings.")
    with state.repository() as repo:
        made = create_wallet_link(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            credential_ids=ids,
            language=language,
            learner_ref=learner_ref,
            base_url=state.settings.base_url,
            actor=caller.actor,
            now=state.now(),
        )
        return {**describe(repo, made.row), "url": made.url}


@router.get("/issuers/{issuer}/wallet-links", summary="The provider's wallet links (never tokens)")
def list_wallet_links(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    learner_ref: Annotated[str | None, Query(alias="learnerRef", max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """The provider's wallet links: ids, credentials, language, creation and withdrawal; never the
    tokens."""
    with state.repository() as repo:
        owner = issuer_for(repo, caller, issuer)
        rows = repo.wallet.wallet_links(
            owner.id, learner_ref=learner_ref, limit=limit, offset=offset
        )
        return [describe(repo, row) for row in rows]


@router.get("/issuers/{issuer}/wallet-links/{link_id}", summary="One wallet link")
def get_wallet_link(
    issuer: str, link_id: str, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """One wallet link: its credentials, language and state (never its token)."""
    with state.repository() as repo:
        return describe(repo, repo.wallet.wallet_link(issuer_for(repo, caller, issuer).id, link_id))


@router.post(
    "/issuers/{issuer}/wallet-links/{link_id}/renew",
    summary="A new address for a wallet link (the old one stops working; shown once)",
)
def post_renew_wallet_link(
    issuer: str, link_id: str, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """Gives a wallet link a new token (the old one stops working) and returns the new link once."""
    caller.require("issue")
    with state.repository() as repo:
        made = renew_wallet_link(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            link_id=link_id,
            base_url=state.settings.base_url,
            actor=caller.actor,
            now=state.now(),
        )
        return {**describe(repo, made.row), "url": made.url}


@router.delete(
    "/issuers/{issuer}/wallet-links/{link_id}", status_code=204, summary="Revoke a wallet link"
)
def delete_wallet_link(issuer: str, link_id: str, state: StateDep, caller: CallerDep) -> None:
    """Withdraws a wallet link: its page answers 410 from now on. The credentials themselves stay
    valid."""
    caller.require("revoke")
    with state.repository() as repo:
        revoke_wallet_link(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            link_id=link_id,
            actor=caller.actor,
            now=state.now(),
        )


__all__ = ["router"]
