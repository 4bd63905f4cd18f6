"""Verification: what was handed in (intake), the checks (checks, dates) run in order
(pipeline), offline QR summaries (offline), presentations, status lists (own, saved or
fetched), the trust registry, and the public verifier's composition (public, with its
directory, memo and counters). Every route (API, page, CLI) reaches the same verdict through
:mod:`.pipeline`.
"""
