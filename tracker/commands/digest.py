"""`tracker digest`: render the digest of any period from stored data (and send it).

Settings and the App come from tracker.commands.common and the composition root, imported
when the command runs so that registering the command stays cheap.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from tracker.core.sanitize import terminal_safe

if TYPE_CHECKING:
    from tracker.core.digest import Basis
    from tracker.services.digest import Format, PeriodKind


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value!r}") from exc


def register(app: typer.Typer) -> None:
    """Add the `digest` command to the main app."""

    @app.command("digest")
    def digest_cmd(
        day: Annotated[str, typer.Option("--date", help="A day of the period, YYYY-MM-DD.")],
        period: Annotated[
            str | None, typer.Option(help="day or week (default: [digest] period).")
        ] = None,
        fmt: Annotated[
            str, typer.Option("--format", help="md, html, json, telegram or png.")
        ] = "md",
        output: Annotated[
            str | None, typer.Option("--output", "-o", help="Write to this file.")
        ] = None,
        send: Annotated[bool, typer.Option("--send", help="Also send it to Telegram.")] = False,
        by: Annotated[
            str,
            typer.Option(
                "--by",
                help="Count events by the time they were first recorded (recorded, as the "
                "scheduled digest does) or by their event date (event, e.g. after a backfill).",
            ),
        ] = "recorded",
    ) -> None:
        """Render the digest of the day (or week) containing --date from stored data."""
        from tracker.commands.common import build_app, get_settings
        from tracker.core.digest import BASES, DIGEST_FORMATS

        when = parse_day(day)
        kind = _choice(period, ("day", "week"), "--period")
        chosen = _choice(fmt, DIGEST_FORMATS, "--format") or "md"
        basis = cast("Basis", _choice(by, BASES, "--by"))
        if send and basis != "recorded":
            # Sent digests are recorded once per period by arrival; another basis would
            # either be refused as already sent or count the same events twice.
            raise typer.BadParameter(
                "--send sends the digest by recorded time only", param_hint="--by"
            )
        settings = get_settings()
        _check_range(when, cast("PeriodKind", kind or settings.digest.period), settings)
        tracker_app = build_app(settings)
        sent: int | None = None
        try:
            tracker_app.upgrade_db()
            body, _ = tracker_app.digest(
                when, cast("Format", chosen), cast("PeriodKind", kind), basis
            )
            if send:  # the scheduled job's path: once per (period, destination)
                tracker_app.sync_destinations()
                sent = asyncio.run(
                    _send_and_close(tracker_app, when, cast("PeriodKind | None", kind))
                )
        finally:
            if sent is None:
                asyncio.run(tracker_app.aclose())
        _write(body, output, chosen)
        if sent is not None:
            typer.echo(f"digest sent to {sent} destination(s)", err=True)


def _check_range(day: date, kind: PeriodKind, settings: Any) -> None:
    """A day too close to year 1 or 9999 for its digest window: one line and exit code 2,
    before anything is opened."""
    from zoneinfo import ZoneInfo

    from tracker.core.digest import PeriodOutOfRange, checked_period

    try:
        checked_period(day, kind, ZoneInfo(settings.digest.timezone))
    except PeriodOutOfRange as exc:
        typer.echo(f"--date: {exc}", err=True)
        raise typer.Exit(2) from None


async def _send_and_close(tracker_app: Any, day: date, kind: PeriodKind | None) -> int:
    """Send and close the notifier in one event loop (its HTTP client belongs to it)."""
    try:
        return int(await tracker_app.send_digests(day, kind))
    finally:
        await tracker_app.aclose()


def _choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"must be one of {', '.join(allowed)}", param_hint=name)
    return value


def _write(body: bytes, output: str | None, fmt: str) -> None:
    if output:
        with open(output, "wb") as fh:
            fh.write(body)
        return
    if fmt == "png":
        raise typer.BadParameter("a PNG needs --output FILE", param_hint="--format")
    # On a terminal, feed text must not carry escape sequences (a file keeps the bytes).
    sys.stdout.write(terminal_safe(body.decode("utf-8")))
    if not body.endswith(b"\n"):
        sys.stdout.write("\n")
