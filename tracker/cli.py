"""The `tracker` command: the typer app and the list of commands. The commands themselves
live in tracker/commands/ and ask the composition root (tracker.app) for what they use;
nothing heavy is imported before a command runs, and `tracker version` answers before typer
itself is imported (typer and click are most of a quick command's start-up)."""

import sys
from functools import cache
from typing import TYPE_CHECKING

from tracker import __version__

if TYPE_CHECKING:
    from typing import Any


def _plain_flags() -> None:
    """typer prints a type column for every option, `<bool>` for on/off flags, which reads
    as if the flag took a value. A flag takes none: show nothing there."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "plain_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: "Any") -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.plain_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


@cache
def build_app() -> "Any":
    """The typer app with every command (built once, on first use)."""
    from pathlib import Path
    from typing import Annotated

    import typer

    from tracker.commands import (
        agreements,
        classify,
        digest,
        export,
        feeds,
        incidents,
        service,
        users,
    )
    from tracker.commands.common import state

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
    return app


def __getattr__(name: str) -> "Any":
    """`tracker.cli.app` (tests, CliRunner) is built when first asked for."""
    if name == "app":
        return build_app()
    raise AttributeError(f"module 'tracker.cli' has no attribute {name!r}")


def main() -> None:
    if sys.argv[1:] == ["version"]:
        # The one command with nothing to parse or load answers before typer is imported.
        sys.stdout.write(f"{__version__}\n")
        return
    try:
        build_app()()
    except SystemExit as done:
        _leave(done)
        raise
    except Exception as exc:  # a database no command wrapped: still one line
        if "tracker.adapters.storage.db" not in sys.modules:
            raise  # no database was opened: it cannot be the database
        from tracker.app import database_unusable

        message = database_unusable(exc)
        if message is None:
            raise
        sys.stderr.write(f"{message}\n")
        sys.exit(1)


def _leave(done: SystemExit) -> None:
    """A command that ended well after closing what it opened (`state.closed_cleanly`)
    exits at once: output flushed, logging shut down, no interpreter teardown."""
    from tracker.commands.common import state

    if done.code not in (None, 0) or not state.closed_cleanly:
        return
    import logging
    import os

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
