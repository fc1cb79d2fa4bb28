"""APScheduler wiring: one coalesced tick job; feed due-ness itself lives in the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler


def build_scheduler(tick: Callable[[], Awaitable[None]], tick_seconds: int) -> AsyncIOScheduler:
    """The tick runs at start-up, then every `tick_seconds`; a slow tick is never doubled."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        seconds=tick_seconds,
        id="tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=max(1, tick_seconds),
        next_run_time=datetime.now(UTC),
    )
    return scheduler
