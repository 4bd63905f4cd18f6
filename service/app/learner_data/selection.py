"""Which learner: a selection within one provider, and the records it finds.

A learner is named by a wallet link (what the learner holds), a learner reference or credential
ids (what the provider holds). What is found includes the qualifications and transcripts
awarded to their wallet links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.errors import ValidationFailed
from service.store.records import Credential, Issuer, WalletLink
from service.store.repositories import LearnerDataRepository


@dataclass(frozen=True)
class Selection:
    """Which learner, within one provider: exactly one of the three."""

    wallet_link_id: str | None = None
    learner_ref: str | None = None
    credential_ids: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        wallet_link_id: str | None = None,
        learner_ref: str | None = None,
        credential_ids: Sequence[str] = (),
    ) -> Selection:
        """A checked selection; :class:`ValidationFailed` unless exactly one is given."""
        given = [wallet_link_id is not None, learner_ref is not None, bool(credential_ids)]
        if sum(given) != 1:
            raise ValidationFailed(
                "Name the learner by exactly one of walletLinkId, learnerRef or credentialIds."
            )
        if learner_ref is not None and not learner_ref.strip():
            raise ValidationFailed("learnerRef is empty.")
        if len(credential_ids) > 1000:
            raise ValidationFailed("At most 1,000 credentialIds at once.")
        ids = tuple(dict.fromkeys(c.rstrip("/").rsplit("/", 1)[-1] for c in credential_ids))
        return cls(
            wallet_link_id=wallet_link_id,
            learner_ref=learner_ref.strip() if learner_ref is not None else None,
            credential_ids=ids,
        )


@dataclass(frozen=True)
class Found:
    """A learner's records at one provider."""

    credentials: list[Credential]
    links: list[WalletLink]


def find(data: LearnerDataRepository, issuer: Issuer, selection: Selection) -> Found:
    """The selected records, with the qualifications and transcripts awarded to their links."""
    found = _selected(data, issuer, selection)
    extra = data.qualification_credentials(issuer.id, [link.id for link in found.links])
    by_id = {c.id: c for c in [*found.credentials, *extra]}
    return Found(sorted(by_id.values(), key=lambda c: (c.issued_at, c.id)), found.links)


def _selected(data: LearnerDataRepository, issuer: Issuer, selection: Selection) -> Found:
    if selection.wallet_link_id is not None:
        links = data.links(issuer.id, [selection.wallet_link_id])
        return Found(data.credentials_in_links(issuer.id, [selection.wallet_link_id]), links)
    if selection.learner_ref is not None:
        credentials = data.credentials_of_ref(issuer.id, selection.learner_ref)
        link_ids = {c.wallet_link_id for c in credentials if c.wallet_link_id}
        by_link = {link.id: link for link in data.links_of_ref(issuer.id, selection.learner_ref)}
        by_link.update({link.id: link for link in data.links(issuer.id, link_ids)})
        more = data.credentials_in_links(issuer.id, set(by_link) - link_ids)
        by_id = {c.id: c for c in [*credentials, *more]}
        return Found(
            sorted(by_id.values(), key=lambda c: (c.issued_at, c.id)), list(by_link.values())
        )
    credentials = data.credentials_in_ids(issuer.id, selection.credential_ids)
    link_ids = {c.wallet_link_id for c in credentials if c.wallet_link_id}
    return Found(credentials, data.links(issuer.id, link_ids))


__all__ = ["Found", "Selection", "find"]
