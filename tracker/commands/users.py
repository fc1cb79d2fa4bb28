"""`tracker users add NAME`: an analyst account for the dashboard's review buttons.

The password is asked for twice on the terminal (never an argument, which would sit in the
shell history and the process list) or read from standard input with --password-stdin.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

users_app = typer.Typer(help="Analyst accounts for the dashboard.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    name: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an analyst who may sign in to the dashboard and review events."""
    from tracker.app import add_analyst
    from tracker.commands.common import get_settings

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = get_settings()
    try:
        added = add_analyst(settings, name, password)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if not added:
        typer.echo(f"error: an analyst named {name!r} exists already", err=True)
        raise typer.Exit(1)
    typer.echo(f"analyst {name!r} added")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
