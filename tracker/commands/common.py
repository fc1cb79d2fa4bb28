"""What every command shares: the settings of this run, one-line failures, safe printing,
logging set-up and the App from the composition root (tracker.app).

Nothing heavy is imported here: `tracker version` must start at once. The settings, the
composition root and whatever they pull in are imported when a command needs them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from tracker.app import App
    from tracker.settings import Settings


class _State:
    config_path: Path | None = None
    # Set by a command that has closed everything it opened: the console script then
    # leaves without tearing down the heap (a tenth of a second or more of a quick
    # command; see `tracker.cli.main`). CliRunner calls never look at it.
    closed_cleanly: bool = False


state = _State()


def fail(message: str, code: int = 2) -> typer.Exit:
    echo(message, err=True)
    return typer.Exit(code)


def get_settings() -> Settings:
    """Settings for the current command, or a clear one-line error and exit code 2."""
    from tracker.settings import ConfigError, load_settings, resolve_config_path

    try:
        return load_settings(resolve_config_path(state.config_path))
    except ConfigError as exc:
        raise fail(str(exc)) from None


def setup_logging(settings: Settings) -> None:
    from tracker.logs import setup_logging as setup

    log = settings.logging
    setup(log.level, log.json_format, log.library_level, secrets=[settings.telegram.token])


def build_app(settings: Settings) -> App:
    from tracker.app import App

    with database_errors(settings):
        return App(settings)


@contextlib.contextmanager
def database_errors(settings: Settings) -> Iterator[None]:
    """A database that cannot be used at all (read-only, a path whose folder is a file)
    ends the command with one line and exit code 1; other errors keep their traceback."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as exc:
        from tracker.app import database_unusable

        reason = database_unusable(exc, settings)
        if reason is None:
            raise
        raise fail(reason, 1) from None


SECRET_KEYS = ("token", "password", "api_tokens", "secret")


def mask(data: Any) -> Any:
    """Secret values masked: the token and passwords whole, credentials inside every URL
    (database, feeds, Bot API base) with `mask_secrets`."""
    from tracker.core.sanitize import mask_secrets

    if isinstance(data, dict):
        return {k: ("***" if k in SECRET_KEYS and v else mask(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [mask(v) for v in data]
    if isinstance(data, str):
        return mask_secrets(data)
    return data


def echo(text: str, *, err: bool = False) -> None:
    """Print text that may carry feed content or URLs: credentials masked, and no escape
    sequences or bidi tricks reach the terminal."""
    from tracker.core.sanitize import mask_secrets, terminal_safe

    typer.echo(terminal_safe(mask_secrets(text)), err=err)
