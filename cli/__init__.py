"""The ``tessera`` command (``cli.main:run``): a thin Typer layer that imports each command's
module when it is used, so ``tessera --help`` and ``tessera verify`` start fast."""

__all__: list[str] = []
