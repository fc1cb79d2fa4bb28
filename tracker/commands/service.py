"""`tracker version`, `check-config`, `run`, `poll` and `reclassify`: the service itself.

Each command loads settings, asks the composition root (tracker.app) for an App and calls
it. Heavy modules are imported inside the commands, so that `tracker version` stays quick.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Annotated, Any

import typer

from tracker import __version__
from tracker.commands.common import (
    build_app,
    database_errors,
    echo,
    fail,
    get_settings,
    mask,
    setup_logging,
    state,
)


class TickFailed(Exception):
    """The tick of `tracker poll` failed (and logged why): the command must not go on to
    print "0 errors" and exit 0."""


def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def check_config() -> None:
    """Validate the settings and print them as JSON (the Telegram token is masked)."""
    settings = get_settings()
    data = settings.model_dump(mode="json")
    typer.echo(json.dumps(mask(data), indent=2))
    typer.echo("configuration OK", err=True)


def run() -> None:
    """Run the service: migrate, poll feeds on schedule, serve the status endpoint."""
    settings = get_settings()
    setup_logging(settings)
    # Importing and wiring everything takes seconds: say so before it starts.
    logging.getLogger("tracker").info(
        "tracker %s starting: loading modules, then the database and the parser workers",
        __version__,
    )
    tracker_app = build_app(settings)
    with database_errors(settings):
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


def poll() -> None:
    """One pass over the feeds that are due, then exit."""
    from tracker.progress import progress_bar

    settings = get_settings()
    setup_logging(settings)

    async def once() -> Any:
        tracker_app = build_app(settings)
        try:
            await asyncio.to_thread(tracker_app.upgrade_db)
            await asyncio.to_thread(tracker_app.check_writable)
            await asyncio.to_thread(tracker_app.sync_feeds)
            with progress_bar("polling feeds") as on_progress:
                pass_report = await tracker_app.tick(on_progress, last=True)
            if tracker_app.tick_error is not None:  # logged by the tick; not "0 errors"
                raise TickFailed() from tracker_app.tick_error
            await tracker_app.finish_articles()  # article pages come in after the feeds
            return pass_report
        finally:
            await tracker_app.aclose()

    try:
        with database_errors(settings):
            report = asyncio.run(once())
    except TickFailed as failed:
        cause = failed.__cause__
        first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        raise fail(f"poll failed: {type(cause).__name__}: {first_line}", 1) from None
    lines = []  # one write, not a flushed write per feed (1,000 feeds: 1,000 flushes)
    for feed in report.feeds:
        detail = feed.error or feed.warning or ""
        lines.append(f"{feed.outcome:13} {len(feed.new_item_ids):4} new  {feed.url}  {detail}")
    if lines:
        echo("\n".join(line.rstrip() for line in lines))
    summary = f"{len(report.feeds)} feeds polled, {len(report.new_item_ids)} new items"
    typer.echo(f"{summary}, {report.errors} errors")
    state.closed_cleanly = True  # the App is closed (engine, parser workers, clients)


def reclassify(
    since: Annotated[
        str, typer.Option("--since", help="Items first seen on or after this date (YYYY-MM-DD).")
    ],
) -> None:
    """Apply the current rules and registries to stored items again."""
    from datetime import UTC, datetime

    from tracker.progress import progress_bar

    settings = get_settings()
    setup_logging(settings)
    try:
        day = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise fail(f"--since: expected YYYY-MM-DD, got {since!r}") from None
    tracker_app = build_app(settings)
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


def register(app: typer.Typer) -> None:
    """Add `version`, `check-config`, `run`, `poll` and `reclassify` to the main app."""
    app.command()(version)
    app.command("check-config")(check_config)
    app.command()(run)
    app.command()(poll)
    app.command()(reclassify)
