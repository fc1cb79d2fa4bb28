"""APScheduler wiring: one coalesced tick job (feed due-ness itself lives in the database)
and, when asked, the digest job at a local time of day."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger


@dataclass(frozen=True)
class DigestJob:
    """Run `send` at `time` (HH:MM) in `timezone` every day, or every Monday for weekly
    digests (the job itself works out which period is complete)."""

    send: Callable[[], Awaitable[None]]
    time: str
    timezone: str
    period: str = "day"


def digest_trigger(job: DigestJob) -> CronTrigger:
    hour, minute = (int(part) for part in job.time.split(":"))
    day_of_week = "mon" if job.period == "week" else "*"
    return CronTrigger(hour=hour, minute=minute, day_of_week=day_of_week, timezone=job.timezone)


def build_scheduler(
    tick: Callable[[], Awaitable[None]], tick_seconds: int, digest: DigestJob | None = None
) -> AsyncIOScheduler:
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
    if digest is not None:
        # A late start (a busy loop, a suspended host) still sends within the hour; the
        # digest runs table keeps a second firing, here or elsewhere, from sending again.
        scheduler.add_job(
            digest.send,
            digest_trigger(digest),
            id="digest",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
    return scheduler
