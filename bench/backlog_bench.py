"""Fresh first under a backlog (issue 20): while a 20,000-item backlog drains, how long does a
fresh violation report take from the poll that sees it to its alert?

1. A cold pass stores 1,000 local feeds x 20 entries (the poll bench's stories, published in
   May 2021, first seen from mid-June 2021: all backlog, never alerted). Their feeds are then
   disabled, so later polls fetch only the fresh feed; the backlog drains in the background
   (the `tracker run` loop, `classifier.backlog_batch` items a batch).
2. Then, every `--spacing` seconds, one fresh violation report (a government shelling of an
   Idlib town, a week after the previous one, so each is its own event) appears in a
   separate feed and one poll runs. The app's clock jumps to the report's publication day
   for that round (so it is fresh) and runs in real time inside the round.
3. Latency per report: from the moment the feed server answers the request that carries the
   report (the poll that sees it) to the moment its sendMessage reaches the fake Bot API on
   127.0.0.1 (real classifier, real merge, real outbox and delivery loop). Also from the
   start of the poll. p50, p99 (nearest rank) and max over the reports that arrived while the
   backlog was not empty; the backlog left at each report is recorded.

    uv run python -m bench.backlog_bench [--reports 50] [--feeds 1000] [--spacing 5]
                                          [--database URL] [--backlog-batch N]

Writes bench/results/backlog.json.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import json
import math
import os
import re
import signal
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.fault_bench import COUNTS, TEMPLATES, TOWNS
from bench.poll_bench import _feed
from tests.support.fake_telegram import FakeTelegram
from tests.support.feedserver import FeedServer, Reply, Request, rss
from tracker.app import App
from tracker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "5:BACKLOG"
CHAT = 5150
FIRST_MONDAY = date(2021, 6, 14)  # after every backlog story (May 2021)
STORY = re.compile(r"fresh-(\d+)")


class Clock:
    """The report's publication time plus the real seconds since its round began."""

    def __init__(self, start: datetime) -> None:
        self.base = start
        self.since = time.monotonic()

    def jump(self, to: datetime) -> None:
        self.base, self.since = to, time.monotonic()

    def __call__(self) -> datetime:
        return self.base + timedelta(seconds=time.monotonic() - self.since)


def published(n: int) -> datetime:
    monday = FIRST_MONDAY + timedelta(weeks=n)
    return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=UTC)


def fresh_story(n: int) -> dict[str, str]:
    """A shelling on the Sunday before publication: one week apart, so never one event, and
    no two with the same wording (town, template and toll vary independently: 288 texts)."""
    town = TOWNS[n % len(TOWNS)]
    template = TEMPLATES[(n // len(TOWNS)) % len(TEMPLATES)]
    count = COUNTS[(n // (len(TOWNS) * len(TEMPLATES))) % len(COUNTS)]
    text = template.format(town=town, k=count, K=count.capitalize())
    return {
        "title": f"Shelling kills {count} in {town} (fresh-{n})",
        "guid": f"fresh-{n}",
        "link": f"http://fresh.example/fresh-{n}",
        "description": text,
        "pubDate": format_datetime(published(n)),
    }


def _pct(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    fake = FakeTelegram(TOKEN).start()
    server = FeedServer().start()
    backlog_urls = [
        server.route(f"/old/{i}", Reply(200, _feed(i, args.entries, args.feeds),
                                        {"Content-Type": "application/rss+xml"}))
        for i in range(args.feeds)
    ]
    released: list[dict[str, str]] = []
    served_at: dict[int, float] = {}

    def fresh(req: Request) -> Reply:
        now = time.monotonic()
        for entry in released:
            served_at.setdefault(int(entry["guid"].split("-")[1]), now)
        return Reply(200, rss(released), {"Content-Type": "application/rss+xml"})

    fresh_url = server.route("/fresh", fresh)
    db_url = args.database or f"sqlite:///{tmp}/backlog.db"
    settings = Settings(
        database={"url": db_url},
        polling={
            "max_concurrency": 50, "max_per_host": 50, "fetch_articles": False,
            "timeout_seconds": 60, "allowed_networks": ["127.0.0.1/32"],
        },
        classifier={"backlog_batch": args.backlog_batch},
        feeds=[{"url": u} for u in [*backlog_urls, fresh_url]],
        web={"enabled": False},
        telegram={
            "token": TOKEN, "api_base_url": fake.base_url, "commands": False,
            "delivery_interval_seconds": 0.5,
        },
        alerts={"destinations": [
            {"name": "bench", "channel": "telegram", "address": str(CHAT)}]},
    )
    clock = Clock(published(0) - timedelta(days=1))
    app = App(settings, clock=clock)
    app.upgrade_db()
    app.sync_feeds()
    app.sync_destinations()
    stop = asyncio.Event()
    app._background_drain = True  # as `tracker run` does: the backlog drains in a loop
    drain = asyncio.create_task(app._backlog_loop(stop))
    delivery = asyncio.create_task(app.alerts.run_delivery(stop))
    rounds: list[dict[str, Any]] = []
    try:
        app.classification.classifier  # noqa: B018 - built before timing
        t0 = time.monotonic()
        cold = await app.tick()
        cold_seconds = time.monotonic() - t0
        backlog0 = app.repo.backlog()[0]
        print(f"cold pass: {len(cold.feeds)} feeds, {len(cold.new_item_ids)} new items in "
              f"{cold_seconds:.1f} s; backlog {backlog0}", flush=True)
        for url in backlog_urls:
            app.repo.disable_feed(url)
        for n in range(args.reports):
            round_start = time.monotonic()
            released.append(fresh_story(n))
            clock.jump(published(n) + timedelta(minutes=5))
            before = await asyncio.to_thread(lambda: app.repo.backlog()[0])
            poll_start = time.monotonic()
            await app.tick()
            deadline = time.monotonic() + args.timeout
            arrived = None
            while time.monotonic() < deadline:
                got = [c for c in fake.calls_to("sendMessage", ok=True)
                       if f"fresh-{n})" in c.params.get("text", "")]
                if got:
                    arrived = got[0].at
                    break
                await asyncio.sleep(0.02)
            row = {
                "report": n,
                "backlog_before": before,
                "from_fetch": None if arrived is None else round(arrived - served_at[n], 3),
                "from_poll": None if arrived is None else round(arrived - poll_start, 3),
            }
            rounds.append(row)
            print(json.dumps(row), flush=True)
            await asyncio.sleep(max(0.0, args.spacing - (time.monotonic() - round_start)))
        left = app.repo.backlog()[0]
    finally:
        stop.set()
        drain.cancel()  # the rest of the backlog is not measured
        await asyncio.gather(drain, delivery, return_exceptions=True)
        await app.aclose()
        server.stop()
        fake.stop()
    during = [r for r in rounds if r["backlog_before"] > 0]
    lat = [r["from_fetch"] for r in during if r["from_fetch"] is not None]
    lat_poll = [r["from_poll"] for r in during if r["from_poll"] is not None]
    missing = sum(1 for r in during if r["from_fetch"] is None)
    summary: dict[str, Any] = {
        "database": db_url.split(":")[0],
        "backlog_items": backlog0,
        "backlog_batch": args.backlog_batch,
        "cold_pass_seconds": round(cold_seconds, 1),
        "reports": len(rounds),
        "reports_during_backlog": len(during),
        "backlog_left_at_end": left,
        "not_alerted_within_timeout": missing,
        "sent_twice": len(fake.calls_to("sendMessage", ok=True))
        - len({c.params.get("text") for c in fake.calls_to("sendMessage", ok=True)}),
        "load_average": os.getloadavg(),
    }
    if lat:
        summary.update({
            "from_fetch_p50": round(statistics.median(lat), 3),
            "from_fetch_p99": round(_pct(lat, 0.99), 3),
            "from_fetch_max": round(max(lat), 3),
            "from_poll_p50": round(statistics.median(lat_poll), 3),
            "from_poll_p99": round(_pct(lat_poll, 0.99), 3),
        })
    summary["rounds"] = rounds
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=50)
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--entries", type=int, default=20)
    ap.add_argument("--spacing", type=float, default=5.0, help="seconds between fresh reports")
    ap.add_argument("--timeout", type=float, default=120.0, help="give up on one alert after")
    ap.add_argument("--backlog-batch", type=int, default=200)
    ap.add_argument("--database", default=None, help="an empty database URL (default SQLite)")
    args = ap.parse_args()
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` prints every thread's stack
    with tempfile.TemporaryDirectory() as tmp:
        out = asyncio.run(run(args, Path(tmp)))
    brief = {k: v for k, v in out.items() if k != "rounds"}
    print(json.dumps(brief, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "backlog.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
