"""Two instances on one PostgreSQL database share the feeds (issue 20, scale-out): each due
feed is claimed by exactly one of them per round, and feeds claimed by an instance that dies
before fetching them (SIGKILL) come due again after their interval: a delay, not a loss."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest

from tracker.adapters.storage import db
from tracker.adapters.storage.feeds import FeedSpec, FeedStore

NOW = datetime(2024, 1, 1, tzinfo=UTC)
FEEDS = 300


def _stores(url: str, count: int) -> list[FeedStore]:
    """One store per instance, each on its own engine (its own connection pool)."""
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    FeedStore(engine).sync_feeds(
        [FeedSpec(f"http://127.0.0.1:9/f/{i}", None, None, None) for i in range(FEEDS)], NOW
    )
    engine.dispose()
    return [FeedStore(db.create_db_engine(url)) for _ in range(count)]


def _claim_concurrently(stores: list[FeedStore], now: datetime, limit: int) -> list[list[str]]:
    """Every store claims in a loop (as ticks do) until a claim comes back empty."""
    claimed: list[list[str]] = [[] for _ in stores]
    start = threading.Barrier(len(stores))

    def work(k: int) -> None:
        start.wait()
        while batch := stores[k].claim_due(now, 300, limit=limit):
            claimed[k].extend(f.url for f in batch)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return claimed


@pytest.mark.postgres
@pytest.mark.parametrize("limit", [10_000, 7])
def test_each_due_feed_is_claimed_by_one_instance_once(postgres_url: str, limit: int) -> None:
    stores = _stores(postgres_url, 2)
    try:
        a, b = _claim_concurrently(stores, NOW, limit)
        assert len(a) + len(b) == FEEDS
        assert set(a).isdisjoint(b)
        assert len(set(a) | set(b)) == FEEDS
        # Within the round nothing is due any more, for either instance.
        assert stores[0].claim_due(NOW + timedelta(seconds=299), 300) == []
        assert stores[1].claim_due(NOW + timedelta(seconds=299), 300) == []
    finally:
        for s in stores:
            s.engine.dispose()


@pytest.mark.postgres
def test_feeds_of_an_instance_killed_before_fetching_come_due_after_their_interval(
    postgres_url: str,
) -> None:
    stores = _stores(postgres_url, 2)
    try:
        killed = stores[0].claim_due(NOW, 300)  # claimed, then the instance dies: no record
        assert len(killed) == FEEDS
        stores[0].engine.dispose()
        survivor = stores[1]
        assert survivor.claim_due(NOW + timedelta(seconds=120), 300) == []
        again = survivor.claim_due(NOW + timedelta(seconds=300), 300)
        assert sorted(f.url for f in again) == sorted(f.url for f in killed)
    finally:
        for s in stores:
            s.engine.dispose()


@pytest.mark.postgres
def test_two_instances_polling_at_once_fetch_each_feed_once_and_share_them(
    postgres_url: str,
) -> None:
    from tests.support.feedserver import FeedServer, rss, static_feed
    from tracker.app import App
    from tracker.settings import Settings

    server = FeedServer().start()
    urls = [
        server.route(f"/f/{i}", static_feed(rss([{"title": f"t{i}", "guid": f"g{i}"}])))
        for i in range(120)
    ]
    settings = Settings(
        database={"url": postgres_url},
        polling={"claim_batch": 10, "max_concurrency": 5, "max_per_host": 5,
                 "fetch_articles": False, "allowed_networks": ["127.0.0.1/32"]},
        classifier={"enabled": False},
        feeds=[{"url": u} for u in urls],
        web={"enabled": False},
    )
    apps = [App(settings, clock=lambda: NOW) for _ in range(2)]
    apps[0].upgrade_db()
    apps[0].sync_feeds()

    async def both() -> list[int]:
        try:
            reports = await asyncio.gather(*(app.tick() for app in apps))
            return [len(r.feeds) for r in reports]
        finally:
            for app in apps:
                await app.aclose()

    try:
        counts = asyncio.run(both())
    finally:
        server.stop()
    assert sum(counts) == 120
    assert all(counts), counts  # batches of 10: the second instance got some too
    assert sorted(server.hits.values()) == [1] * 120
