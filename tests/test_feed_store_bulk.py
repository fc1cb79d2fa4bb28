"""The feed store's bulk paths on SQLite and PostgreSQL: configured feeds synced in a few
queries, a claim batch taken with one update per lease length, a batch's successful fetches
recorded in one transaction; and a feed whose handling fails after its fetch succeeded keeps
the failure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from tests.conftest import FakeClock, make_settings
from tests.support.feedserver import FeedServer, Reply, rss, static_feed
from tracker.adapters.storage import db
from tracker.adapters.storage.feeds import FeedSpec, FeedStore
from tracker.adapters.storage.models import Feed
from tracker.app import App
from tracker.core.feeds import FeedState, FeedSuccess

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bulk.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    yield FeedStore(engine)
    engine.dispose()


def rows(store: FeedStore) -> dict[str, Feed]:
    return {f.url: f for f in store.list_feeds()}


def test_sync_inserts_refreshes_and_leaves_disabled_feeds_off(store: FeedStore) -> None:
    store.sync_feeds(
        [FeedSpec("https://a.example/rss", "A", 600, "ar"), FeedSpec("https://b.example/rss")],
        NOW,
    )
    first = rows(store)
    assert set(first) == {"https://a.example/rss", "https://b.example/rss"}
    a = first["https://a.example/rss"]
    assert (a.name, a.interval_seconds, a.language, a.source) == ("A", 600, "ar", "config")
    assert a.next_check_at == NOW and a.created_at == NOW and a.enabled
    assert store.disable_feed("https://b.example/rss")

    later = NOW + timedelta(hours=1)
    store.sync_feeds(
        [
            FeedSpec("https://a.example/rss", None, None, None),  # name, language kept
            FeedSpec("https://b.example/rss", "B"),
            FeedSpec("https://c.example/rss", "C", 900),
            FeedSpec("https://c.example/rss", None, 1200, "en"),  # listed twice: refreshes
        ],
        later,
    )
    second = rows(store)
    a, b, c = (second[f"https://{k}.example/rss"] for k in "abc")
    assert (a.name, a.interval_seconds, a.language, a.id) == ("A", None, "ar", first[a.url].id)
    assert a.next_check_at == NOW  # a known feed's schedule is not touched
    assert (b.name, b.enabled) == ("B", False)  # still off: configuration does not re-enable
    assert (c.name, c.interval_seconds, c.language) == ("C", 1200, "en")
    assert c.next_check_at == later and c.created_at == later


def test_claim_takes_each_due_feed_once_with_its_own_lease(store: FeedStore) -> None:
    store.sync_feeds(
        [
            FeedSpec("https://a.example/rss", "A", 600, "ar"),
            FeedSpec("https://b.example/rss"),
            FeedSpec("https://gone.example/rss"),
            FeedSpec("https://later.example/rss"),
        ],
        NOW,
    )
    with Session(store.engine) as session:
        session.execute(
            update(Feed)
            .where(col(Feed.url) == "https://gone.example/rss")
            .values(state=FeedState.GONE.value, etag='"g"', consecutive_errors=3)
        )
        session.execute(
            update(Feed)
            .where(col(Feed.url) == "https://later.example/rss")
            .values(next_check_at=NOW + timedelta(minutes=1))
        )
        session.commit()
    claimed = {ref.url: ref for ref in store.claim_due(NOW, 300)}
    assert set(claimed) == {"https://a.example/rss", "https://b.example/rss",
                            "https://gone.example/rss"}
    a, gone = claimed["https://a.example/rss"], claimed["https://gone.example/rss"]
    assert (a.name, a.language, a.interval_seconds, a.state) == ("A", "ar", 600, "ok")
    assert (gone.etag, gone.consecutive_errors, gone.state) == ('"g"', 3, "gone")
    assert store.claim_due(NOW, 300) == []
    stored = rows(store)
    assert stored["https://a.example/rss"].next_check_at == NOW + timedelta(seconds=600)
    assert stored["https://b.example/rss"].next_check_at == NOW + timedelta(seconds=300)
    assert stored["https://gone.example/rss"].next_check_at == NOW + timedelta(days=1)
    assert stored["https://b.example/rss"].last_checked_at == NOW
    assert stored["https://later.example/rss"].last_checked_at is None


def test_successes_are_recorded_together(store: FeedStore) -> None:
    store.sync_feeds([FeedSpec(f"https://{k}.example/rss") for k in "ab"], NOW)
    by_url = rows(store)
    a, b = by_url["https://a.example/rss"], by_url["https://b.example/rss"]
    assert a.id is not None and b.id is not None
    store.record_failure(a.id, NOW, "boom", 500, NOW, FeedState.DEGRADED, 6)
    store.record_success(b.id, NOW, 200, '"old"', "Mon", NOW, True)
    then = NOW + timedelta(minutes=5)
    store.record_successes(
        [
            FeedSuccess(a.id, then, 200, '"new"', "Tue", then + timedelta(seconds=300), True),
            FeedSuccess(b.id, then, 304, None, None, then + timedelta(seconds=300), False),
        ]
    )
    after = rows(store)
    a, b = after["https://a.example/rss"], after["https://b.example/rss"]
    assert (a.etag, a.last_modified, a.last_status, a.state) == ('"new"', "Tue", 200, "ok")
    assert (a.consecutive_errors, a.total_errors, a.last_error) == (0, 1, "boom")
    assert (b.etag, b.last_modified, b.last_status) == ('"old"', "Mon", 304)  # 304: kept
    assert a.last_success_at == then and b.next_check_at == then + timedelta(seconds=300)


def test_a_failure_after_the_fetch_succeeded_is_what_stays(
    feed_server: FeedServer, tmp_path: Any
) -> None:
    """A feed whose items were stored but whose handling then failed (here: looking up
    which items need their article page) is recorded as failed, not as a success."""
    broken = rss([{"title": "t", "guid": "g", "link": "http://example.org/broken"}])
    fine = rss([{"title": "t", "guid": "g", "link": "http://example.org/fine"}])
    url = feed_server.route("/feed", static_feed(broken, etag='"v1"'))
    ok = feed_server.route("/ok", static_feed(fine, etag='"v2"'))
    settings = make_settings(f"sqlite:///{tmp_path / 'f.db'}", feeds=[{"url": url}, {"url": ok}])
    settings.polling.fetch_articles = True
    app = App(settings, clock=FakeClock(NOW))
    app.upgrade_db()
    app.sync_feeds()
    items_by_ids = app.repo.items_by_ids

    def failing_lookup(ids: Any) -> Any:
        items = items_by_ids(ids)
        if any(item.url == "http://example.org/broken" for item in items):
            raise RuntimeError("lookup failed")
        return []

    app.repo.items_by_ids = failing_lookup  # type: ignore[method-assign]

    async def run() -> Any:
        try:
            return await app.tick()
        finally:
            await app.aclose()

    report = asyncio.run(run())
    outcomes = {f.url: f.outcome for f in report.feeds}
    assert outcomes == {url: "error", ok: "ok"}
    with Session(app.engine) as session:
        feeds = {f.url: f for f in session.exec(select(Feed))}
    assert feeds[url].consecutive_errors == 1 and "lookup failed" in (feeds[url].last_error or "")
    assert feeds[url].last_success_at is None and feeds[url].etag is None
    assert feeds[ok].consecutive_errors == 0 and feeds[ok].etag == '"v2"'


class CountingParser:
    """The real parser pool, counting the bodies it is given."""

    def __init__(self, pool: Any) -> None:
        self.pool, self.bodies = pool, 0

    async def parse_feed(self, body: bytes, *args: Any) -> Any:
        self.bodies += 1
        return await self.pool.parse_feed(body, *args)

    async def extract_article(self, body: bytes, url: str) -> str:
        return str(await self.pool.extract_article(body, url))


def test_the_same_body_again_is_not_parsed_again(feed_server: FeedServer, tmp_path: Any) -> None:
    from tracker.adapters.feeds.parse import ParserPool

    bodies = {"/f": rss([{"title": "one", "guid": "1"}]), "/bad": b"<html>not a feed</html>"}
    feed = feed_server.route("/f", lambda _req: Reply(200, bodies["/f"], {"Content-Type": "text/xml"}))
    bad = feed_server.route("/bad", Reply(200, bodies["/bad"], {"Content-Type": "text/html"}))
    settings = make_settings(f"sqlite:///{tmp_path / 's.db'}", feeds=[{"url": feed}, {"url": bad}])
    settings.polling.fetch_articles = False
    pool = ParserPool(workers=1, timeout_seconds=20)
    parser = CountingParser(pool)
    clock = FakeClock(NOW)

    def poll() -> dict[str, tuple[str, int]]:
        app = App(settings, clock=clock, parser=parser)
        app.upgrade_db()
        app.sync_feeds()

        async def run() -> Any:
            try:
                return await app.tick()
            finally:
                await app.aclose()

        report = asyncio.run(run())
        clock.advance(3600)
        return {f.url: (f.outcome, len(f.new_item_ids)) for f in report.feeds}

    try:
        assert poll() == {feed: ("ok", 1), bad: ("error", 0)}
        assert parser.bodies == 2
        assert poll() == {feed: ("ok", 0), bad: ("error", 0)}  # same bytes: not parsed
        assert parser.bodies == 3  # only the body that was not a feed, again
        bodies["/f"] = rss([{"title": "one", "guid": "1"}, {"title": "two", "guid": "2"}])
        assert poll() == {feed: ("ok", 1), bad: ("error", 0)}
        assert parser.bodies == 5
    finally:
        pool.close()
