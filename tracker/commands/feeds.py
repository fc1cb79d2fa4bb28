"""`tracker feeds list|add|remove|check` and `tracker db upgrade`."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tracker.commands.common import (
    database_errors,
    echo,
    fail,
    get_settings,
    mask,
    setup_logging,
)

if TYPE_CHECKING:
    from tracker.settings import Settings

feeds_app = typer.Typer(help="Manage the feeds that are polled.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def _repo(settings: Settings) -> Any:
    """The feed store, migrated (a database that cannot be used: one line)."""
    from tracker.app import feed_store

    with database_errors(settings):
        return feed_store(settings)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from tracker.app import upgrade_database

    settings = get_settings()
    setup_logging(settings)
    with database_errors(settings):
        upgrade_database(settings)
    typer.echo("database is up to date")


@feeds_app.command("list")
def feeds_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the feeds in the database (configured feeds are added on `run`/`poll`)."""
    from tracker.app import configured_feed_specs, utcnow

    settings = get_settings()
    repo = _repo(settings)
    repo.sync_feeds(configured_feed_specs(settings), utcnow())
    feeds = repo.list_feeds()
    if as_json:
        echo(json.dumps([mask(f.model_dump(mode="json")) for f in feeds], indent=2))
        return
    for f in feeds:
        flag = "" if f.enabled else " (disabled)"
        line = f"{f.id:4} {f.state:9} {f.items_count:6} items  {f.url}{flag}  {f.name or ''}"
        echo(line.rstrip())


@feeds_app.command("add")
def feeds_add(
    url: str,
    name: Annotated[str | None, typer.Option()] = None,
    interval: Annotated[int | None, typer.Option(help="Seconds between checks.")] = None,
    language: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a feed (or re-enable a removed one)."""
    from pydantic import ValidationError

    from tracker.app import feed_spec, utcnow
    from tracker.settings import FeedSettings, error_message

    settings = get_settings()
    try:
        checked = FeedSettings(url=url, name=name, interval_seconds=interval, language=language)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"invalid feed: {first['loc'][0]}: {error_message(first)}") from None
    feed, created = _repo(settings).add_feed(
        feed_spec(checked.url, checked.name, checked.interval_seconds, checked.language), utcnow()
    )
    echo(f"{'added' if created else 'enabled'} feed {feed.id}: {feed.url}")


@feeds_app.command("remove")
def feeds_remove(url: str) -> None:
    """Stop polling a feed. Its stored items are kept."""
    settings = get_settings()
    if not _repo(settings).disable_feed(url):
        raise fail(f"no such feed: {url}", 1)
    echo(f"removed feed {url} (stored items kept)")


@feeds_app.command("check")
def feeds_check(url: str) -> None:
    """Fetch a feed once and print what would be stored. Touches no database."""
    from tracker.app import preview_feed, utcnow
    from tracker.core.feeds import backlog_cutoff, build_new_item

    settings = get_settings()
    setup_logging(settings)
    preview = asyncio.run(preview_feed(settings, url))
    if preview.error is not None:
        raise fail(f"fetch failed: {preview.error}", 1)
    entries = preview.entries or []
    if not entries and (not preview.is_feed or preview.bozo):
        raise fail(f"not a feed ({preview.content_type}): {preview.bozo}", 1)
    now = utcnow()
    cutoff = backlog_cutoff(now, settings.alerts.backlog_hours)
    echo(
        f"{preview.title or url}: {len(entries)} entries"
        + (f" (warning: {preview.bozo})" if preview.bozo else "")
    )
    for entry in entries:
        item = build_new_item(entry, now, None, cutoff)
        when = item.published_at.isoformat() if item.published_at else "no date"
        alert = "" if item.alert_eligible else "  [backlog: not alerted]"
        echo(f"- {when}  {item.title[:100]}\n  key={item.entry_key[:80]}  url={item.url}{alert}")


def register(app: typer.Typer) -> None:
    """Add the `feeds` and `db` groups to the main app."""
    app.add_typer(feeds_app, name="feeds")
    app.add_typer(db_app, name="db")
