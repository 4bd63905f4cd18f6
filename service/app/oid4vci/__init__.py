"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow, ``ldp_vc``.

https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html

Each provider is a Credential Issuer and its own Authorization Server; its identifier is
``{base}/issuers/{slug}``. The flow, and what makes each step safe:

1. The provider (or the learner's wallet page) makes an **offer** for one stored credential.
   Its ``credential_offer_uri`` holds a random reference; every read of it mints a fresh
   **pre-authorized code** (:data:`CODE_LIFETIME`), so a printed or mailed offer still
   yields only short-lived codes. An offer may demand a 6-digit **transaction code** that the
   provider sends the learner another way; :data:`TX_CODE_MAX_FAILURES` wrong tries withdraw
   the code.
2. ``POST /token`` exchanges the code for an access token (:data:`TOKEN_LIFETIME`), once.
3. ``POST /nonce`` hands out a ``c_nonce`` (:data:`NONCE_LIFETIME`), usable once.
4. ``POST /credential`` with the token and, optionally, a ``jwt`` key proof (typ
   ``openid4vci-proof+jwt``, ``aud`` this issuer, a fresh ``iat`` and the nonce) signed by a
   did:key / did:jwk (Ed25519 or P-256): the credential is signed again with
   ``credentialSubject.id`` set to that DID (holder binding), keeping its id and status
   entries, so revoking the stored credential revokes the wallet's copy too. A revoked or
   suspended credential is refused. The offer is then spent.

Codes, tokens, references and nonces are stored as SHA-256 hashes only; each single-use
step is one conditional write (see :mod:`service.store.repositories.oid4vci`).

The package follows the flow: :mod:`.common` (identifiers, hashes, the step outcome),
:mod:`.metadata`, :mod:`.offers`, :mod:`.tokens` (token and nonce endpoints),
:mod:`.key_proofs` (holder binding) and :mod:`.credential` (the credential endpoint).
"""

from service.app.oid4vci.common import (
    CLR_CONFIGURATION,
    CODE_LIFETIME,
    GENERIC_CONFIGURATION,
    PRE_AUTHORIZED_GRANT,
    Outcome,
    configuration_id,
    issuer_identifier,
    secret_hash,
)
from service.app.oid4vci.credential import (
    CredentialGrant,
    bearer_token,
    bound_credential,
    check_credential_request,
    credential_request,
    deliver,
)
from service.app.oid4vci.key_proofs import PROOF_TYP
from service.app.oid4vci.metadata import authorization_server_metadata, issuer_metadata
from service.app.oid4vci.offers import (
    OFFER_LIFETIME,
    PRINTED_OFFER_LIFETIME,
    NewOffer,
    create_offers,
    read_offer,
)
from service.app.oid4vci.tokens import (
    NONCE_LIFETIME,
    TOKEN_LIFETIME,
    TX_CODE_MAX_FAILURES,
    exchange_code,
    new_nonce,
)

__all__ = [
    "CLR_CONFIGURATION",
    "CODE_LIFETIME",
    "GENERIC_CONFIGURATION",
    "NONCE_LIFETIME",
    "OFFER_LIFETIME",
    "PRE_AUTHORIZED_GRANT",
    "PRINTED_OFFER_LIFETIME",
    "PROOF_TYP",
    "TOKEN_LIFETIME",
    "TX_CODE_MAX_FAILURES",
    "CredentialGrant",
    "NewOffer",
    "Outcome",
    "authorization_server_metadata",
    "bearer_token",
    "bound_credential",
    "check_credential_request",
    "configuration_id",
    "create_offers",
    "credential_request",
    "deliver",
    "exchange_code",
    "issuer_identifier",
    "issuer_metadata",
    "new_nonce",
    "read_offer",
    "secret_hash",
]
