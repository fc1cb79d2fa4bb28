"""Fresh pass over history (issue 20): 500 new items (25 local feeds x 20 entries, classifier
on) polled over N stored items seeded directly in the database (one incident and one event
each, 150 per day back from today, so the density near the new items is the same whatever
N is). The pass should cost the same for every N.

    uv run python -m bench.history_bench --stored 5000 100000 1000000 [--database URL]

The fresh pass runs in a process of its own (the seeding does not count in its memory):
prints its seconds, CPU seconds, the peak RSS of that main process (VmHWM) and of the
largest parser worker (sampled from /proc while they live; workers are recycled) per N,
and writes bench/results/history.json. With --database the given (empty) database is used
and wiped between runs; by default a temporary SQLite file per run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bench.poll_bench import PLACES, _feed
from bench.rss import TreeSampler
from tests.support.feedserver import FeedServer, Reply
from tracker.adapters.storage import db
from tracker.adapters.storage.models import EventRow, Feed, IncidentRow, Item
from tracker.app import App
from tracker.core.candidates import place_key
from tracker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

NOW = datetime(2021, 6, 1, 10, tzinfo=UTC)
PER_DAY = 150
KINDS = [
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Battles", "Armed clash"),
]


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def seed(url: str, stored: int) -> None:
    """`stored` items with one incident and one event each, straight into the tables."""
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    rng = random.Random(stored)
    with engine.begin() as conn:
        feed_id = conn.execute(
            insert(Feed).values(url="http://history.example/rss", name="history", next_check_at=NOW, enabled=False,
                                created_at=NOW).returning(Feed.id)  # type: ignore[arg-type]
        ).scalar_one()
        chunk = 5000
        for start in range(0, stored, chunk):
            n = min(chunk, stored - start)
            items, incidents, events = [], [], []
            for k in range(start, start + n):
                day = (NOW - timedelta(days=1 + k // PER_DAY)).date()
                seen = NOW - timedelta(days=k // PER_DAY)
                place = PLACES[rng.randrange(len(PLACES))]
                lat, lon = 35.0 + rng.random() * 2, 36.0 + rng.random() * 2
                kind, sub = KINDS[rng.randrange(len(KINDS))]
                link = f"http://history.example/{k}"
                items.append({
                    "id": k + 1, "feed_id": feed_id, "entry_key": link, "guid": link, "url": link,
                    "title": f"{place}: report {k}", "summary": f"text {k}", "text": f"text {k}",
                    "content_hash": f"{k:064d}", "language": "en", "published_at": seen,
                    "published_source": "published", "first_seen_at": seen,
                    "classified_at": seen, "alert_eligible": False, "text_source": "feed",
                })
                values = {
                    "violation": True, "event_type": kind, "sub_event_type": sub,
                    "date_precision": 1, "place_name": place, "admin1": "Idlib", "lat": lat,
                    "lon": lon, "location_precision": 1, "fatalities": 1 + k % 7,
                    "fatalities_low": None, "fatalities_high": None, "injured": None,
                    "actors": [], "agreements": [], "zones": [], "severity": "medium",
                    "confidence": 0.5, "reasons": ["seeded"],
                    "evidence": [f"Shells hit {place} killing {1 + k % 7}, report {k}."],
                }
                events.append({
                    "id": k + 1, **values, "event_date": day, "source_count": 1,
                    "report_count": 1, "report_keys": [f"{link}#0#{k + 1}"],
                    "merge_reasons": [], "created_at": seen, "updated_at": seen,
                })
                incidents.append({
                    **values, "item_id": k + 1, "seq": 0, "event_date": day,
                    "place_key": place_key(place), "created_at": seen, "event_id": k + 1,
                })
            conn.execute(insert(Item), items)
            conn.execute(insert(EventRow), events)
            conn.execute(insert(IncidentRow), incidents)
        if engine.dialect.name == "postgresql":
            for table in ("items", "events", "incidents"):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                ))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def fresh_pass(url: str, feeds: int = 25, entries: int = 20) -> tuple[float, float, int]:
    server = FeedServer().start()
    urls = [
        server.route(f"/fresh/{i}", Reply(200, _feed(i, entries, feeds),
                                          {"Content-Type": "application/rss+xml"}))
        for i in range(feeds)
    ]
    settings = Settings(
        database={"url": url},
        polling={"max_concurrency": 25, "fetch_articles": False,
                 "allowed_networks": ["127.0.0.1/32"]},
        feeds=[{"url": u} for u in urls],
        web={"enabled": False},
    )
    app = App(settings, clock=lambda: NOW + timedelta(hours=1))
    app.sync_feeds()

    async def run() -> tuple[float, float, int]:
        try:
            assert app._pool is not None
            await app._pool.start()
            app.classification.classifier  # noqa: B018 - built before the clock starts
            cpu0, t0 = _cpu(), time.perf_counter()
            report = await app.tick()
            return time.perf_counter() - t0, _cpu() - cpu0, len(report.new_item_ids)
        finally:
            await app.aclose()

    try:
        return asyncio.run(run())
    finally:
        server.stop()


def measured_pass(url: str) -> dict[str, float]:
    """The fresh pass in a new process: (its figures, as JSON on the last line of stdout)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.history_bench", "--pass-only", url],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _pass_only(url: str) -> None:
    sampler = TreeSampler(os.getpid()).start()
    wall, cpu, new = fresh_pass(url)
    sampler.stop()
    print(json.dumps({
        "new_items": new, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
        "peak_rss_main_mb": round(sampler.peak_root, 1),
        "peak_rss_worker_mb": round(sampler.peak_child, 1),
    }))


def _wipe(url: str) -> None:
    engine = db.create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stored", type=int, nargs="+", default=[5000, 100_000, 1_000_000])
    ap.add_argument("--database", default=None, help="an empty PostgreSQL database URL")
    ap.add_argument("--pass-only", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pass_only:
        _pass_only(args.pass_only)
        return
    out: dict[str, object] = {"database": (args.database or "sqlite").split(":")[0], "runs": []}
    for stored in args.stored:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database or f"sqlite:///{tmp}/history.db"
            if args.database:
                _wipe(url)
            t0 = time.perf_counter()
            seed(url, stored)
            seeded = time.perf_counter() - t0
            run = measured_pass(url)
            print(f"stored {stored:>9,}: seeded in {seeded:.1f} s; fresh pass of "
                  f"{run['new_items']} new items {run['seconds']:.2f} s, CPU "
                  f"{run['cpu_seconds']:.2f} s (main process); peak RSS main "
                  f"{run['peak_rss_main_mb']:.0f} MB, largest parser worker "
                  f"{run['peak_rss_worker_mb']:.0f} MB; load {os.getloadavg()[0]:.1f}",
                  flush=True)
            out["runs"].append(  # type: ignore[attr-defined]
                {"stored": stored, **run, "load_average": os.getloadavg()}
            )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "history.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
