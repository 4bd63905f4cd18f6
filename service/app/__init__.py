"""Use cases: one module per job a provider, learner or operator does (providers, access,
catalogue, issuing, status lists, wallet, signing). Collaborators (repositories, key store,
signer, the time) come in as arguments, so the HTTP routes and the CLI run the same code.
"""

# Nothing is re-exported: each use case is imported from its module, so that importing one
# (the CLI's `tessera verify` imports a few) does not load the database layer for all.
__all__: list[str] = []
