"""Fresh first (issue 20): a new violation report is classified, merged and alerted before
the backlog (items published long before they were first seen) is drained; /status and
/metrics show the backlog. Real feed server on 127.0.0.1, real classifier, SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from tests.support.feedserver import FeedServer, Reply, rss
from tracker.adapters.storage.models import Item, OutboxRow
from tracker.app import App
from tracker.settings import Settings

NOW = datetime(2021, 6, 1, 10, 0, tzinfo=UTC)
PLACES = ["Kafranbel", "Saraqib", "Ariha", "Binnish", "Sarmin", "Taftanaz", "Morek", "Dana"]
BACKLOG_FEEDS, PER_FEED = 30, 20


def _rfc822(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _old_feed(i: int) -> bytes:
    entries = []
    for j in range(PER_FEED):
        place = PLACES[(i + j) % len(PLACES)]
        published = NOW - timedelta(days=20 + j % 10, minutes=i)
        entries.append(
            {
                "title": f"Shelling in {place} ({i}-{j})",
                "link": f"http://old{i}.example/{j}",
                "guid": f"old-{i}-{j}",
                "description": f"Government forces shelled {place} on Monday, killing {2 + j % 5}"
                " civilians, the Syrian Observatory for Human Rights said.",
                "pubDate": _rfc822(published),
            }
        )
    return rss(entries)


FRESH = {
    "title": "Regime shelling kills five in Kafranbel",
    "guid": "fresh-kafranbel",
    "link": "http://fresh.example/kafranbel",
    "description": "Syrian government forces shelled the town of Kafranbel in southern Idlib "
    "on Monday, killing five civilians, the Syrian Observatory for Human Rights said.",
    "pubDate": _rfc822(NOW - timedelta(hours=1)),
}


def _app(tmp_path: Path, server: FeedServer, fresh_at: int) -> App:
    urls = []
    for i in range(BACKLOG_FEEDS + 1):
        body = rss([FRESH]) if i == fresh_at else _old_feed(i)
        urls.append(
            server.route(f"/f/{i}", Reply(200, body, {"Content-Type": "application/rss+xml"}))
        )
    settings = Settings(
        database={"url": f"sqlite:///{tmp_path / 'fresh.db'}"},
        polling={
            "max_concurrency": 8,
            "fetch_articles": False,
            "allowed_networks": ["127.0.0.1/32"],
        },
        classifier={"backlog_batch": 100},
        feeds=[{"url": u} for u in urls],
        web={"enabled": False},
    )
    app = App(settings, clock=lambda: NOW)
    app.upgrade_db()
    app.sync_feeds()
    app.sync_destinations()
    return app


def test_fresh_violation_is_alerted_before_the_backlog_drains(tmp_path: Path) -> None:
    server = FeedServer().start()
    seen: list[tuple[int, int]] = []  # (outbox rows, unclassified items) at each recompute

    def record(session: Any, item_ids: Any, changes: Any, now: datetime) -> None:
        outbox = session.execute(select(func.count()).select_from(OutboxRow)).scalar_one()
        waiting = session.execute(
            select(func.count()).where(col(Item.classified_at).is_(None))
        ).scalar_one()
        seen.append((int(outbox), int(waiting)))

    app = _app(tmp_path, server, fresh_at=BACKLOG_FEEDS * 3 // 4)
    app.event_store.change_hooks.append(record)  # after the outbox hook: sees its rows
    backlog_items = BACKLOG_FEEDS * PER_FEED

    async def run() -> None:
        assert app._pool is not None
        await app._pool.start()
        try:
            await app.tick()
        finally:
            await app.aclose()

    try:
        asyncio.run(run())
    finally:
        server.stop()
    first_alert = next(i for i, (outbox, _) in enumerate(seen) if outbox > 0)
    # When the fresh report's alert was written, no backlog item had been classified yet.
    assert seen[first_alert][1] == backlog_items
    # The backlog drained afterwards, in bounded batches, within the same pass.
    assert seen[-1][1] == 0
    assert len(seen) - first_alert - 1 >= backlog_items // 100
    assert app.repo.backlog() == (0, None)


def test_status_and_metrics_show_the_backlog(tmp_path: Path) -> None:
    server = FeedServer().start()
    try:
        app = _app(tmp_path, server, fresh_at=0)
        asyncio.run(app.aclose())
        now = [NOW]
        off = app.settings.classifier.model_copy(update={"enabled": False})
        stored_only = App(app.settings.model_copy(update={"classifier": off}), clock=lambda: now[0])

        async def poll() -> None:
            assert stored_only._pool is not None
            await stored_only._pool.start()
            try:
                await stored_only.tick()
            finally:
                await stored_only.aclose()

        asyncio.run(poll())  # stored, not classified (the classifier is off)
        now[0] = NOW + timedelta(minutes=5)
        status = stored_only.status()
        assert status["backlog"]["items"] == BACKLOG_FEEDS * PER_FEED + 1
        assert status["backlog"]["oldest_seconds"] == 300.0  # first seen five minutes ago
        text = stored_only.metrics()[0].decode()
        assert f"tracker_backlog_items {float(BACKLOG_FEEDS * PER_FEED + 1)}" in text
        assert "tracker_backlog_oldest_seconds 300.0" in text
    finally:
        server.stop()


def _stored_backlog(tmp_path: Path, server: FeedServer, **classifier: Any) -> App:
    """Every feed stored with the classifier off; then an app with it on and the given
    classifier settings, its backlog handed over as `tracker run`'s poller would."""
    app = _app(tmp_path, server, fresh_at=-1)
    asyncio.run(app.aclose())
    off = app.settings.classifier.model_copy(update={"enabled": False})
    stored_only = App(app.settings.model_copy(update={"classifier": off}), clock=lambda: NOW)

    async def poll() -> None:
        try:
            await stored_only.tick()
        finally:
            await stored_only.aclose()

    asyncio.run(poll())
    on = app.settings.classifier.model_copy(update={"enabled": True, **classifier})
    draining = App(app.settings.model_copy(update={"classifier": on}), clock=lambda: NOW)
    draining._deferred.update(draining.repo.unclassified_item_ids(10_000))
    return draining


def _batch_sizes(app: App, batches: int) -> list[int]:
    sizes: list[int] = []
    app.event_store.change_hooks.append(lambda s, ids, c, n: sizes.append(len(ids)))

    async def drain() -> None:
        try:
            await app.drain_backlog(max_batches=batches)
        finally:
            await app.aclose()

    asyncio.run(drain())
    return sizes


def test_backlog_batches_shrink_when_they_take_longer_than_their_target(
    tmp_path: Path,
) -> None:
    server = FeedServer().start()
    try:
        # A target no batch can meet: each batch is half the last, as a fresh report
        # waiting behind slow batches needs; never below an eighth of backlog_batch.
        app = _stored_backlog(tmp_path, server, backlog_batch=80, backlog_batch_seconds=1e-9)
        before = app.repo.backlog()[0]
        assert _batch_sizes(app, 5) == [80, 40, 20, 10, 10]
        assert app.repo.backlog()[0] == before - 160
    finally:
        server.stop()


def test_backlog_batches_keep_their_size_with_no_target(tmp_path: Path) -> None:
    server = FeedServer().start()
    try:
        app = _stored_backlog(tmp_path, server, backlog_batch=80, backlog_batch_seconds=0)
        assert _batch_sizes(app, 3) == [80, 80, 80]
    finally:
        server.stop()


def test_no_backlog_batch_starts_while_a_poll_is_under_way(tmp_path: Path) -> None:
    """A poll pass under way holds the background drain back (its items may be fresh); the
    drain goes on as soon as the pass ends."""
    server = FeedServer().start()
    try:
        app = _stored_backlog(tmp_path, server, backlog_batch=20, backlog_batch_seconds=0)
        sizes: list[int] = []
        app.event_store.change_hooks.append(lambda s, ids, c, n: sizes.append(len(ids)))

        async def scenario() -> tuple[list[int], list[int]]:
            try:
                app._polling += 1  # as App.tick does around the pass
                drain = asyncio.create_task(app.drain_backlog(max_batches=2))
                await asyncio.sleep(0.5)
                during = list(sizes)
                app._polling -= 1
                await drain
                return during, list(sizes)
            finally:
                await app.aclose()

        during, after = asyncio.run(scenario())
        assert during == []
        assert after == [20, 20]
    finally:
        server.stop()
