"""The `tracker` command. Each command loads settings, builds an App and calls it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from tracker import __version__
from tracker.core.sanitize import mask_secrets, terminal_safe
from tracker.progress import progress_bar
from tracker.settings import (
    ConfigError,
    Settings,
    error_message,
    load_settings,
    resolve_config_path,
)


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
feeds_app = typer.Typer(help="Manage the feeds that are polled.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
app.add_typer(db_app, name="db")


class _State:
    config_path: Path | None = None


_state = _State()


def _fail(message: str, code: int = 2) -> typer.Exit:
    _echo(message, err=True)
    return typer.Exit(code)


def get_settings() -> Settings:
    """Settings for the current command, or a clear one-line error and exit code 2."""
    try:
        return load_settings(resolve_config_path(_state.config_path))
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def _setup_logging(settings: Settings) -> None:
    from tracker.logs import setup_logging

    log = settings.logging
    setup_logging(log.level, log.json_format, log.library_level,
                  secrets=[settings.telegram.token])


def _build_app(settings: Settings) -> Any:
    from tracker.app import App

    with _database_errors(settings):
        return App(settings)


@contextlib.contextmanager
def _database_errors(settings: Settings) -> Iterator[None]:
    """A database that cannot be used at all (read-only, a path whose folder is a file)
    ends the command with one line and exit code 1; other errors keep their traceback."""
    from tracker.adapters.storage import db

    try:
        yield
    except typer.Exit:
        raise
    except db.DatabaseUnusable as exc:
        raise _fail(str(exc), 1) from None
    except Exception as exc:
        reason = db.unusable_reason(exc, settings.database.url)
        if reason is None:
            raise
        raise _fail(reason, 1) from None


class _TickFailed(Exception):
    """The tick of `tracker poll` failed (and logged why): the command must not go on to
    print "0 errors" and exit 0."""


@app.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="TOML settings file (default: $TRACKER_CONFIG)."),
    ] = None,
) -> None:
    _state.config_path = config


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command("check-config")
def check_config() -> None:
    """Validate the settings and print them as JSON (the Telegram token is masked)."""
    settings = get_settings()
    data = settings.model_dump(mode="json")
    typer.echo(json.dumps(_mask(data), indent=2))
    typer.echo("configuration OK", err=True)


_SECRET_KEYS = ("token", "password", "api_tokens", "secret")


def _mask(data: Any) -> Any:
    """Secret values masked: the token and passwords whole, credentials inside every URL
    (database, feeds, Bot API base) with `mask_secrets`."""
    if isinstance(data, dict):
        return {
            k: ("***" if k in _SECRET_KEYS and v else _mask(v)) for k, v in data.items()
        }
    if isinstance(data, list):
        return [_mask(v) for v in data]
    if isinstance(data, str):
        return mask_secrets(data)
    return data


def _echo(text: str, *, err: bool = False) -> None:
    """Print text that may carry feed content or URLs: credentials masked, and no escape
    sequences or bidi tricks reach the terminal."""
    typer.echo(terminal_safe(mask_secrets(text)), err=err)


@app.command()
def run() -> None:
    """Run the service: migrate, poll feeds on schedule, serve the status endpoint."""
    settings = get_settings()
    _setup_logging(settings)
    # Importing and wiring everything takes seconds: say so before it starts.
    logging.getLogger("tracker").info(
        "tracker %s starting: loading modules, then the database and the parser workers",
        __version__,
    )
    tracker_app = _build_app(settings)
    with _database_errors(settings):
        asyncio.run(tracker_app.run())
    _exit_at_once()


def _exit_at_once() -> None:
    """After a clean stop everything is closed and flushed; tearing down the heap (the
    classifier's registries) would still take the interpreter a second or two, which counts
    against a container's stop grace period. Leave without it."""
    import os

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@app.command()
def poll() -> None:
    """One pass over the feeds that are due, then exit."""
    settings = get_settings()
    _setup_logging(settings)

    async def once() -> Any:
        from tracker.adapters.storage import db

        tracker_app = _build_app(settings)
        try:
            await asyncio.to_thread(tracker_app.upgrade_db)
            await asyncio.to_thread(db.check_writable, tracker_app.engine)
            await asyncio.to_thread(tracker_app.sync_feeds)
            with progress_bar("polling feeds") as on_progress:
                pass_report = await tracker_app.tick(on_progress)
            if tracker_app.tick_error is not None:  # logged by the tick; not "0 errors"
                raise _TickFailed() from tracker_app.tick_error
            await tracker_app.finish_articles()  # article pages come in after the feeds
            return pass_report
        finally:
            await tracker_app.aclose()

    try:
        with _database_errors(settings):
            report = asyncio.run(once())
    except _TickFailed as failed:
        cause = failed.__cause__
        first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        raise _fail(f"poll failed: {type(cause).__name__}: {first_line}", 1) from None
    for feed in report.feeds:
        detail = feed.error or feed.warning or ""
        _echo(f"{feed.outcome:13} {len(feed.new_item_ids):4} new  {feed.url}  {detail}".rstrip())
    summary = f"{len(report.feeds)} feeds polled, {len(report.new_item_ids)} new items"
    typer.echo(f"{summary}, {report.errors} errors")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    settings = get_settings()
    _setup_logging(settings)
    from tracker.adapters.storage import db

    with _database_errors(settings):
        engine = db.create_db_engine(settings.database.url)
        try:
            db.upgrade(engine)
        finally:
            engine.dispose()
    typer.echo("database is up to date")


@app.command()
def reclassify(
    since: Annotated[
        str, typer.Option("--since", help="Items first seen on or after this date (YYYY-MM-DD).")
    ],
) -> None:
    """Apply the current rules and registries to stored items again."""
    from datetime import UTC, datetime

    settings = get_settings()
    _setup_logging(settings)
    try:
        day = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise _fail(f"--since: expected YYYY-MM-DD, got {since!r}") from None
    tracker_app = _build_app(settings)
    try:
        tracker_app.upgrade_db()
        with progress_bar("reclassifying items") as report:
            stats = tracker_app.classification.reclassify_since(day, report)
    finally:
        asyncio.run(tracker_app.aclose())
    typer.echo(
        f"reclassified {stats.items} items: {stats.incidents} incidents, "
        f"{stats.violations} violations, {stats.failed} failures"
    )
    if stats.failed:
        raise typer.Exit(1)


def _repo(settings: Settings) -> Any:
    from tracker.adapters.storage import db
    from tracker.adapters.storage.repository import Repository

    with _database_errors(settings):
        engine = db.create_db_engine(settings.database.url)
        db.upgrade(engine)
    return Repository(engine)


@feeds_app.command("list")
def feeds_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the feeds in the database (configured feeds are added on `run`/`poll`)."""
    settings = get_settings()
    from tracker.adapters.storage.repository import FeedSpec
    from tracker.app import utcnow

    repo = _repo(settings)
    repo.sync_feeds(
        [FeedSpec(f.url, f.name, f.interval_seconds, f.language) for f in settings.feeds], utcnow()
    )
    feeds = repo.list_feeds()
    if as_json:
        _echo(json.dumps([_mask(f.model_dump(mode="json")) for f in feeds], indent=2))
        return
    for f in feeds:
        flag = "" if f.enabled else " (disabled)"
        _echo(
            f"{f.id:4} {f.state:9} {f.items_count:6} items  {f.url}{flag}  {f.name or ''}".rstrip()
        )


@feeds_app.command("add")
def feeds_add(
    url: str,
    name: Annotated[str | None, typer.Option()] = None,
    interval: Annotated[int | None, typer.Option(help="Seconds between checks.")] = None,
    language: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a feed (or re-enable a removed one)."""
    from pydantic import ValidationError

    from tracker.adapters.storage.repository import FeedSpec
    from tracker.app import utcnow
    from tracker.settings import FeedSettings

    settings = get_settings()
    try:
        checked = FeedSettings(url=url, name=name, interval_seconds=interval, language=language)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(f"invalid feed: {first['loc'][0]}: {error_message(first)}") from None
    feed, created = _repo(settings).add_feed(
        FeedSpec(checked.url, checked.name, checked.interval_seconds, checked.language), utcnow()
    )
    _echo(f"{'added' if created else 'enabled'} feed {feed.id}: {feed.url}")


@feeds_app.command("remove")
def feeds_remove(url: str) -> None:
    """Stop polling a feed. Its stored items are kept."""
    settings = get_settings()
    if not _repo(settings).disable_feed(url):
        raise _fail(f"no such feed: {url}", 1)
    _echo(f"removed feed {url} (stored items kept)")


@feeds_app.command("check")
def feeds_check(url: str) -> None:
    """Fetch a feed once and print what would be stored. Touches no database."""
    settings = get_settings()
    _setup_logging(settings)
    from tracker.adapters.feeds.http import Fetcher, build_client
    from tracker.adapters.feeds.parse import parse_feed_bytes
    from tracker.app import utcnow
    from tracker.core.feeds import FetchOutcome, backlog_cutoff, build_new_item
    from tracker.core.netpolicy import parse_networks

    p = settings.polling

    async def fetch() -> Any:
        client = build_client(
            p.timeout_seconds, p.user_agent, 2, parse_networks(p.allowed_networks)
        )
        try:
            return await Fetcher(client, p.timeout_seconds, p.max_body_bytes).fetch(url)
        finally:
            await client.aclose()

    result = asyncio.run(fetch())
    if result.outcome is not FetchOutcome.OK or result.body is None:
        raise _fail(f"fetch failed: {result.error or result.outcome.value}", 1)
    parsed = parse_feed_bytes(
        result.body, result.headers, result.final_url or url, p.max_entries_per_feed
    )
    if not parsed.entries and (not parsed.is_feed or parsed.bozo):
        raise _fail(f"not a feed ({result.headers.get('content-type', '?')}): {parsed.bozo}", 1)
    now = utcnow()
    cutoff = backlog_cutoff(now, settings.alerts.backlog_hours)
    _echo(
        f"{parsed.title or url}: {len(parsed.entries)} entries"
        + (f" (warning: {parsed.bozo})" if parsed.bozo else "")
    )
    for entry in parsed.entries:
        item = build_new_item(entry, now, None, cutoff)
        when = item.published_at.isoformat() if item.published_at else "no date"
        alert = "" if item.alert_eligible else "  [backlog: not alerted]"
        _echo(f"- {when}  {item.title[:100]}\n  key={item.entry_key[:80]}  url={item.url}{alert}")


def _register_optional() -> None:
    """Commands from other parts of the package register themselves here."""
    try:
        from tracker.commands import classify, digest
    except ImportError:
        return
    classify.register(app)
    __import__("tracker.commands.incidents", fromlist=["register"]).register(app)
    __import__("tracker.commands.agreements", fromlist=["register"]).register(app)
    digest.register(app)
    __import__("tracker.commands.export", fromlist=["register"]).register(app)
    __import__("tracker.commands.users", fromlist=["register"]).register(app)


_register_optional()


def main() -> None:
    from tracker.adapters.storage.db import DatabaseUnusable

    try:
        app()
    except DatabaseUnusable as exc:  # any command not wrapped above: still one line
        typer.echo(str(exc), err=True)
        sys.exit(1)
