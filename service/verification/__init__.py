"""Verification: what was handed in (intake), the checks (checks, dates) run in order
(pipeline), offline QR summaries (offline), presentations, status lists (own, saved or
fetched), the trust registry, and the public verifier's composition (public, with its
directory, memo and counters). Every route (API, page, CLI) reaches the same verdict through
:mod:`.pipeline`.
"""

# Nothing is re-exported: each part is imported from its module, so that `tessera verify`
# loads only what it uses (tests/cli/test_cli_startup.py).
__all__: list[str] = []
