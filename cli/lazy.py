"""Command groups that start fast: plain help, and sub-commands that import their module
only when they are used.

``tessera --help`` and ``tessera verify`` must start fast, and most commands pull in heavy
modules (the web service, the database layer, the PDF renderer). A :func:`lazy_group` knows
each lazy sub-command by name, the ``module:attribute`` that defines it and its one-line help:
help screens list it from that line, and the module is imported only when the command runs or
shows its own help. ``tests/cli/test_cli_startup.py`` checks the lines match the commands.
Every group is made by :func:`command_app`, whose help is Click's plain text: Typer's Rich
formatting imports Rich and markdown-it, about 0.1 s of CPU on every help screen.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup

# Click's classes are not named here: typer vendors its own copy of Click in recent releases
# (typer._click), so commands and contexts are typed as Any and built through typer.


def command_app(help: str | None = None, **options: Any) -> typer.Typer:
    """A Typer app with Tessera's defaults: plain help (no Rich), no shell completion (the
    README documents none), and no arguments shows the help."""
    options.setdefault("no_args_is_help", True)
    return typer.Typer(
        help=help,
        rich_markup_mode=None,
        add_completion=False,
        **options,
    )


def load_command(name: str, target: str) -> Any:
    """The Click command for ``target`` (``module:attribute``: a Typer app or a function)."""
    module_name, attribute = target.split(":")
    obj = getattr(importlib.import_module(module_name), attribute)
    wrapper = command_app(no_args_is_help=False)
    if isinstance(obj, typer.Typer):
        wrapper.add_typer(obj, name=name)
        group = typer.main.get_command(wrapper)
        assert isinstance(group, TyperGroup)
        command = group.commands[name]
    else:
        wrapper.command(name)(obj)
        command = typer.main.get_command(wrapper)
    return command


class _LazyGroup(TyperGroup):
    #: name -> (``module:attribute``, one-line help)
    lazy: ClassVar[dict[str, tuple[str, str]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        target, summary = self.lazy[cmd_name]
        if self._listing:  # a help screen only needs the name and the line
            return TyperCommand(cmd_name, help=summary, short_help=summary)
        command = load_command(cmd_name, target)
        self.add_command(command, cmd_name)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def lazy_group(commands: dict[str, tuple[str, str]]) -> type[TyperGroup]:
    """A Typer group class (``typer.Typer(cls=...)``) with these lazy sub-commands:
    name -> (``module:attribute``, one-line help)."""
    return type("LazyGroup", (_LazyGroup,), {"lazy": dict(commands)})


__all__ = ["command_app", "lazy_group", "load_command"]
