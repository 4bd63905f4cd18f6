"""The five W3C / W3C-CCG suites and how each is pointed at Tessera.

Each suite finds implementations through ``vc-test-suite-implementations``, which reads a
``localConfig.cjs`` beside the suite's package.json (``settings.testAllImplementations: false``
runs only ours). :func:`local_config` writes that file from the run's endpoints; the tags and
environment variables are the ones each suite's README asks for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

IMPLEMENTATION = "Tessera"


@dataclass(frozen=True)
class Endpoints:
    """What one run of the service offers: base URL (https) and the two providers."""

    base_url: str
    web_did: str
    web_key: str
    key_did: str
    key_key: str


@dataclass(frozen=True)
class Suite:
    """One suite folder in ../shared/conformance, and how to configure it."""

    folder: str
    # "key": issue as the did:key provider (the eddsa suite resolves only did:key itself);
    # "web": as the did:web provider.
    identity: str
    issuer_tags: tuple[str, ...]
    verifier_tags: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    # A second issuer entry signing with eddsa-jcs-2022 and carrying these tags.
    jcs_issuer_tags: tuple[str, ...] = ()
    vp_verifier_tags: tuple[str, ...] = ()


SUITES: tuple[Suite, ...] = (
    Suite(
        folder="vc-di-eddsa-test-suite",
        identity="key",
        issuer_tags=("eddsa-rdfc-2022",),
        jcs_issuer_tags=("eddsa-jcs-2022",),
        verifier_tags=("eddsa-rdfc-2022", "eddsa-jcs-2022"),
        # Its JCS verifier tests get their input credential from the issuer of this name.
        env={"ISSUER_NAME_JCS": IMPLEMENTATION},
    ),
    Suite(
        folder="vc-api-issuer-test-suite",
        identity="web",
        issuer_tags=("vc-api", "eddsa-rdfc-2022"),
        verifier_tags=("vc-api",),
    ),
    Suite(
        folder="vc-api-verifier-test-suite",
        identity="web",
        issuer_tags=("vc-api", "eddsa-rdfc-2022"),
        verifier_tags=("vc-api",),
        # It issues its test credentials with the issuer of this name, then verifies them.
        env={"ISSUER_NAME": IMPLEMENTATION},
    ),
    Suite(
        folder="vc-data-model-2.0-test-suite",
        identity="web",
        issuer_tags=("vc2.0",),
        verifier_tags=("vc2.0",),
        vp_verifier_tags=("vc2.0",),
    ),
    Suite(
        folder="vc-bitstring-status-list-test-suite",
        identity="web",
        issuer_tags=("BitstringStatusList", "Revocation", "Suspension"),
        verifier_tags=("BitstringStatusList", "Revocation", "Suspension"),
        vp_verifier_tags=("BitstringStatusList",),
    ),
)


def local_config(suite: Suite, ep: Endpoints) -> str:
    """The suite's ``localConfig.cjs``: only Tessera, with bearer-token headers."""
    did, token = (ep.key_did, ep.key_key) if suite.identity == "key" else (ep.web_did, ep.web_key)
    headers = {"Authorization": f"Bearer {token}"}
    supports = {"vc": ["2.0"]}
    issuers = [
        {
            "id": did,
            "endpoint": f"{ep.base_url}/credentials/issue",
            "headers": headers,
            "options": {"cryptosuite": "eddsa-rdfc-2022"},
            "supports": supports,
            "tags": list(suite.issuer_tags),
        }
    ]
    if suite.jcs_issuer_tags:
        issuers.append(
            {
                **issuers[0],
                "options": {"cryptosuite": "eddsa-jcs-2022"},
                "tags": list(suite.jcs_issuer_tags),
            }
        )
    verifier = {
        "id": did,
        "endpoint": f"{ep.base_url}/credentials/verify",
        "headers": headers,
        "supports": supports,
        "tags": list(suite.verifier_tags),
    }
    implementation: dict[str, object] = {
        "name": IMPLEMENTATION,
        "implementation": IMPLEMENTATION,
        "issuers": issuers,
        "verifiers": [verifier],
        "setStatusLists": [
            {
                "id": did,
                "endpoint": f"{ep.base_url}/credentials/status",
                "headers": headers,
                "tags": list(suite.issuer_tags),
            }
        ],
    }
    if suite.vp_verifier_tags:
        implementation["vpVerifiers"] = [
            {
                **verifier,
                "endpoint": f"{ep.base_url}/presentations/verify",
                "tags": list(suite.vp_verifier_tags),
            }
        ]
    config = {
        "settings": {"enableInteropTests": False, "testAllImplementations": False},
        "implementations": [implementation],
    }
    return (
        "// Written by Tessera's conformance/run for this run only.\n"
        f"module.exports = {json.dumps(config, indent=2)};\n"
    )
