"""Tessera: verifiable, portable training credentials.

The package is layered (imports point down; ``pyproject.toml``'s import contracts hold it):
``api`` (HTTP) -> ``app`` (use cases) and ``verification`` -> ``export``, ``credentials``,
``status``, ``proofs`` -> the base modules (``errors``, ``config``, ``contexts``, ``keys``,
``dids``, ``encoding``, ``dates``, ``i18n``, ``strict_json``). ``store`` holds the database
behind the repositories. Each layer is imported from its own modules: importing ``service``
loads nothing.
"""

__all__: list[str] = []
