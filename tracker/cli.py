"""The `tracker` command. Each command loads settings, builds an App and calls it."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tracker import __version__
from tracker.settings import ConfigError, Settings, load_settings, resolve_config_path

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
    typer.echo(message, err=True)
    return typer.Exit(code)


def get_settings() -> Settings:
    """Settings for the current command, or a clear one-line error and exit code 2."""
    try:
        return load_settings(resolve_config_path(_state.config_path))
    except ConfigError as exc:
        raise _fail(str(exc)) from None


class _JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def _setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.logging.json_format:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.logging.level)
    # Library chatter below WARNING drowns the service's own lines.
    for noisy in ("alembic", "apscheduler.executors", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def _build_app(settings: Settings) -> Any:
    from tracker.app import App

    return App(settings)


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


def _mask(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: ("***" if k in ("token", "password") and v else _mask(v)) for k, v in data.items()
        }
    if isinstance(data, list):
        return [_mask(v) for v in data]
    return data


@app.command()
def run() -> None:
    """Run the service: migrate, poll feeds on schedule, serve the status endpoint."""
    settings = get_settings()
    _setup_logging(settings)
    tracker_app = _build_app(settings)
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
        tracker_app = _build_app(settings)
        try:
            await asyncio.to_thread(tracker_app.upgrade_db)
            await asyncio.to_thread(tracker_app.sync_feeds)
            return await tracker_app.tick()
        finally:
            await tracker_app.aclose()

    report = asyncio.run(once())
    for feed in report.feeds:
        detail = feed.error or feed.warning or ""
        typer.echo(
            f"{feed.outcome:13} {len(feed.new_item_ids):4} new  {feed.url}  {detail}".rstrip()
        )
    summary = f"{len(report.feeds)} feeds polled, {len(report.new_item_ids)} new items"
    typer.echo(f"{summary}, {report.errors} errors")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    settings = get_settings()
    _setup_logging(settings)
    from tracker.adapters.storage import db

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
        stats = tracker_app.classification.reclassify_since(day)
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
        typer.echo(json.dumps([f.model_dump(mode="json") for f in feeds], indent=2))
        return
    for f in feeds:
        flag = "" if f.enabled else " (disabled)"
        typer.echo(
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
        raise _fail(
            f"invalid feed: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}"
        ) from None
    feed, created = _repo(settings).add_feed(
        FeedSpec(checked.url, checked.name, checked.interval_seconds, checked.language), utcnow()
    )
    typer.echo(f"{'added' if created else 'enabled'} feed {feed.id}: {feed.url}")


@feeds_app.command("remove")
def feeds_remove(url: str) -> None:
    """Stop polling a feed. Its stored items are kept."""
    settings = get_settings()
    if not _repo(settings).disable_feed(url):
        raise _fail(f"no such feed: {url}", 1)
    typer.echo(f"removed feed {url} (stored items kept)")


@feeds_app.command("check")
def feeds_check(url: str) -> None:
    """Fetch a feed once and print what would be stored. Touches no database."""
    settings = get_settings()
    _setup_logging(settings)
    from tracker.adapters.feeds.http import Fetcher, build_client
    from tracker.adapters.feeds.parse import parse_feed_bytes
    from tracker.app import utcnow
    from tracker.core.feeds import FetchOutcome, backlog_cutoff, build_new_item

    p = settings.polling

    async def fetch() -> Any:
        client = build_client(p.timeout_seconds, p.user_agent, 2)
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
    typer.echo(
        f"{parsed.title or url}: {len(parsed.entries)} entries"
        + (f" (warning: {parsed.bozo})" if parsed.bozo else "")
    )
    for entry in parsed.entries:
        item = build_new_item(entry, now, None, cutoff)
        when = item.published_at.isoformat() if item.published_at else "no date"
        alert = "" if item.alert_eligible else "  [backlog: not alerted]"
        typer.echo(
            f"- {when}  {item.title[:100]}\n  key={item.entry_key[:80]}  url={item.url}{alert}"
        )


def _register_optional() -> None:
    """Commands from other parts of the package register themselves here."""
    try:
        from tracker.commands import classify, digest
    except ImportError:
        return
    classify.register(app)
    __import__("tracker.commands.incidents", fromlist=["register"]).register(app)
    digest.register(app)


_register_optional()


def main() -> None:
    app()
