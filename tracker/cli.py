"""The `tracker` command: the typer app and the list of commands. The commands themselves
live in tracker/commands/ and ask the composition root (tracker.app) for what they use;
nothing heavy is imported before a command runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tracker import __version__
from tracker.commands import agreements, classify, digest, export, feeds, incidents, service, users
from tracker.commands.common import state


def _plain_flags() -> None:
    """typer prints a type column for every option, `<bool>` for on/off flags, which reads
    as if the flag took a value. A flag takes none: show nothing there."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "plain_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.plain_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_plain_flags()

app = typer.Typer(
    name="tracker",
    help="Ceasefire-violation tracker: polls news feeds, finds violations, alerts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="TOML settings file (default: $TRACKER_CONFIG)."),
    ] = None,
) -> None:
    state.config_path = config


# Every command, in the order `tracker --help` lists them.
for module in (service, feeds, classify, incidents, agreements, digest, export, users):
    module.register(app)


def main() -> None:
    if sys.argv[1:] == ["version"]:
        # typer builds a pydantic validator for every option it processes, even --help's;
        # the one command with nothing to parse or load answers before all that.
        typer.echo(__version__)
        return
    try:
        app()
    except Exception as exc:  # a database no command wrapped: still one line
        if "tracker.adapters.storage.db" not in sys.modules:
            raise  # no database was opened: it cannot be the database
        from tracker.app import database_unusable

        message = database_unusable(exc)
        if message is None:
            raise
        typer.echo(message, err=True)
        sys.exit(1)
