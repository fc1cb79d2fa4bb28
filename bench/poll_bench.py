"""Poll benchmark: 1,000 feeds of 20 entries served from 127.0.0.1, one cold pass and one
warm pass (half the feeds answer 304 the second time, the rest re-serve the same entries).

Prints feeds per second, CPU seconds and peak RSS, and writes bench/results/poll.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.feedserver import FeedServer, Reply, rss, static_feed
from tracker.app import App
from tracker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self) -> None:
        self.now = BASE + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _hwm_mb(pid: int) -> float:
    """Peak RSS of a live process (parser workers are not our direct children)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# Places the gazetteer knows, inside and outside the Idlib zones, and story templates: each
# story is carried by STORY_COPIES feeds (syndication), 40% of stories report no hostile act,
# and stories spread over 30 days, so events have realistic sizes (a few reports each) and
# the merge step sees a busy but plausible window.
PLACES = [
    "Kafranbel", "Maarat al-Numan", "Saraqib", "Ariha", "Jisr al-Shughur", "Khan Shaykhun",
    "Kafr Nabudah", "Morek", "al-Lataminah", "Kabani", "Darkush", "Sarmin", "Binnish",
    "Taftanaz", "al-Atarib", "Daret Izza", "Qalaat al-Madiq", "Hish", "Kafr Takharim", "Dana",
    "al-Bab", "Azaz", "Afrin", "Manbij", "Jarabulus", "Tell Rifaat", "Masyaf", "Mhardeh",
]
ACTS = [
    "Government forces shelled {place} on {day}, killing {n} civilians, the Syrian Observatory "
    "for Human Rights said. Rescue workers said {m} people were wounded.",
    "Russian warplanes carried out air strikes on {place} on {day}, killing {n} people, "
    "according to local rescuers.",
    "Hayat Tahrir al-Sham fighters attacked army positions near {place} on {day}; {n} soldiers "
    "were killed in the clashes, a military source said.",
    "A car bomb exploded in {place} on {day}, killing {n} people, local sources said.",
]
QUIET = [
    "Turkish and Russian officials met in Ankara on {day} to discuss the situation around "
    "{place}, the foreign ministry said.",
    "A Turkish military convoy drove towards {place} on {day}, activists said; no clashes "
    "were reported.",
]
STORY_COPIES = 4
DAYS = 30
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
BASE = datetime(2021, 6, 1, 9, tzinfo=UTC)


def _story(k: int) -> dict[str, str]:
    """Story ``k``: title, text and publication time, the same for every feed carrying it."""
    published = BASE - timedelta(days=k % DAYS, minutes=k % 600)
    day = WEEKDAYS[(published - timedelta(days=1)).weekday()]
    place = PLACES[k % len(PLACES)]
    quiet = (k // 7) % 5 < 2
    template = QUIET[k % len(QUIET)] if quiet else ACTS[(k // len(PLACES)) % len(ACTS)]
    text = template.format(place=place, day=day, n=2 + k % 9, m=3 + k % 7)
    return {
        "title": f"{place}: {text.split(',')[0][:60]} (story {k})",
        "text": text,
        "pubDate": published.strftime("%a, %d %b %Y %H:%M:%S +0000"),
    }


def _feed(i: int, entries: int, feeds: int, fresh: bool = False) -> bytes:
    """Feed ``i``; with ``fresh`` its newest entry is a new story of its own, dated today."""
    stories = max(1, feeds * entries // STORY_COPIES)
    keys = [(i * entries + j) % stories for j in range(entries)]
    if fresh:
        keys = [stories + i * DAYS, *keys[1:]]  # k % DAYS == 0: published on BASE's day
    out = []
    for k in keys:
        story = _story(k)
        out.append(
            {
                "title": story["title"],
                "link": f"http://news{i % 50}.example/{i}/{k}?utm_source=rss",
                "guid": f"urn:{i}:{k}",
                "description": story["text"],
                "pubDate": story["pubDate"],
            }
        )
    return rss(out)


def _counts(db_url: str) -> dict[str, int]:
    """Rows the passes left: items, incidents, violations and merged events."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    queries = {
        "items": "SELECT count(*) FROM items",
        "incidents": "SELECT count(*) FROM incidents",
        "violations": "SELECT count(*) FROM incidents WHERE violation",
        "events": "SELECT count(*) FROM events",
    }
    with engine.connect() as conn:
        counts = {k: int(conn.execute(text(q)).scalar_one()) for k, q in queries.items()}
    engine.dispose()
    return counts


async def _pass(app: App) -> tuple[float, float, int, int]:
    cpu0, t0 = _cpu(), time.perf_counter()
    report = await app.tick()
    return time.perf_counter() - t0, _cpu() - cpu0, len(report.feeds), len(report.new_item_ids)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--entries", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--database", default=None, help="database URL (default: a temp SQLite file)")
    ap.add_argument("--cold-only", action="store_true", help="skip the warm and fresh passes")
    ap.add_argument("--backlog-batch", type=int, default=None, help="classifier.backlog_batch")
    ap.add_argument("--backlog-batch-seconds", type=float, default=None,
                    help="classifier.backlog_batch_seconds")
    args = ap.parse_args()

    server = FeedServer().start()
    urls = []
    for i in range(args.feeds):
        body = _feed(i, args.entries, args.feeds)
        if i % 2 == 0:
            urls.append(server.route(f"/feed/{i}", static_feed(body, etag=f'"v{i}"')))
        else:
            urls.append(
                server.route(
                    f"/feed/{i}", Reply(200, body, {"Content-Type": "application/rss+xml"})
                )
            )
    tmp = tempfile.TemporaryDirectory()
    db_url = args.database or f"sqlite:///{tmp.name}/bench.db"
    settings = Settings(
        database={"url": db_url},
        polling={
            "max_concurrency": args.concurrency,
            "max_per_host": args.concurrency,
            "fetch_articles": False,
            "timeout_seconds": 60,
            "allowed_networks": ["127.0.0.1/32"],  # the bench's feeds are local
        },
        feeds=[{"url": u} for u in urls],
        web={"enabled": False},
        classifier={
            k: v
            for k, v in (
                ("backlog_batch", args.backlog_batch),
                ("backlog_batch_seconds", args.backlog_batch_seconds),
            )
            if v is not None
        },
    )
    clock = Clock()
    app = App(settings, clock=clock)
    app.upgrade_db()
    app.sync_feeds()

    async def run() -> dict[str, object]:
        try:
            assert app._pool is not None
            await app._pool.start()
            cold = await _pass(app)
            if args.cold_only:
                return {"cold": cold}
            clock.now += timedelta(seconds=301)
            warm = await _pass(app)
            # Steady state: half the feeds publish one new story each over a full window.
            for i in range(1, args.feeds, 2):
                server.route(f"/feed/{i}", Reply(200, _feed(i, args.entries, args.feeds, True),
                                                 {"Content-Type": "application/rss+xml"}))
            clock.now += timedelta(seconds=301)
            fresh = await _pass(app)
            workers = list(getattr(app._pool._pool, "_processes", {}).values())
            peaks["workers"] = max((_hwm_mb(p.pid) for p in workers), default=0.0)
        finally:
            await app.aclose()
        return {"cold": cold, "warm": warm, "fresh": fresh}

    peaks: dict[str, float] = {}
    results = asyncio.run(run())
    server.stop()
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_kids = peaks.get("workers", 0.0)
    out: dict[str, object] = {
        "feeds": args.feeds,
        "entries_per_feed": args.entries,
        "database": db_url.split(":")[0],
    }
    for name, (wall, cpu, feeds, items) in results.items():  # type: ignore[misc]
        out[name] = {
            "seconds": round(wall, 2),
            "feeds_per_second": round(feeds / wall, 1),
            "cpu_seconds": round(cpu, 2),
            "feeds": feeds,
            "new_items": items,
        }
        print(
            f"{name:5} pass: {feeds} feeds in {wall:.2f} s = {feeds / wall:.0f} feeds/s, "
            f"CPU {cpu:.2f} s, {items} new items"
        )
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load average at the end: {out['load_average']}")
    out["stored"] = _counts(db_url)
    print(f"stored: {out['stored']}")
    out["peak_rss_mb"] = {"main": round(peak_self, 1), "largest_worker": round(peak_kids, 1)}
    print(f"peak RSS: main process {peak_self:.0f} MB, largest parser worker {peak_kids:.0f} MB")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "poll.json").write_text(json.dumps(out, indent=2))
    tmp.cleanup()


if __name__ == "__main__":
    main()
