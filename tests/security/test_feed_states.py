"""Issue 13, item 13: a feed that has never once succeeded was shown "ok" in /status and
/metrics (the stored state only counts consecutive errors). It is now "failing", a feed not
polled yet is "pending", and `tracker_feeds{state=...}` counts them so, from /metrics alone
(the gauge used to change only when /status was read). Real feed server, real SQLite file,
real parser workers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import FakeClock, make_settings
from tests.support.feedserver import FeedServer, Reply, rss
from tracker import __version__
from tracker.adapters.feeds.parse import ParserPool
from tracker.adapters.web import create_web_app
from tracker.app import App


@pytest.fixture
def pool() -> Iterator[ParserPool]:
    p = ParserPool(workers=1, timeout_seconds=10)
    yield p
    p.close()


def _app(sqlite_url: str, clock: FakeClock, pool: ParserPool, feeds: list[dict]) -> App:
    app = App(make_settings(sqlite_url, feeds=feeds), clock=clock, parser=pool)
    app.upgrade_db()
    app.sync_feeds()
    return app


def _poll(app: App) -> None:
    async def once() -> None:
        try:
            await app.tick()
        finally:
            await app.aclose()

    asyncio.run(once())


def _feed_gauge(client: TestClient) -> dict[str, float]:
    text = client.get("/metrics").text
    family = {f.name: f for f in text_string_to_metric_families(text)}["tracker_feeds"]
    return {s.labels["state"]: s.value for s in family.samples}


def test_never_succeeded_is_failing_and_not_polled_is_pending(
    feed_server: FeedServer, sqlite_url: str, clock: FakeClock, pool: ParserPool
) -> None:
    good = feed_server.route(
        "/good", Reply(200, rss([{"title": "t", "guid": "1"}]), {"Content-Type": "text/xml"})
    )
    wrong = feed_server.route("/wrong", Reply(404, b"no such feed"))
    feeds = [{"url": good}, {"url": wrong}]
    _poll(_app(sqlite_url, clock, pool, feeds))  # one fetch each: good works, wrong fails

    # a third feed, added after the poll and not due yet: never polled
    later = feed_server.route("/later", Reply(200, rss([]), {"Content-Type": "text/xml"}))
    app = _app(sqlite_url, clock, pool, [*feeds, {"url": later, "interval_seconds": 3600}])
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            # /metrics first: the gauge must not wait for /status to be read
            assert _feed_gauge(client) == {
                "ok": 1.0,
                "degraded": 0.0,
                "gone": 0.0,
                "failing": 1.0,
                "pending": 1.0,
            }
            status = client.get("/status").json()
    finally:
        asyncio.run(app.aclose())
    states = {f["url"]: f["state"] for f in status["feeds"]}
    assert states == {good: "ok", wrong: "failing", later: "pending"}
    totals = status["totals"]
    assert (totals["feeds_ok"], totals["feeds_failing"], totals["feeds_pending"]) == (1, 1, 1)


def test_a_feed_that_once_worked_is_ok_after_one_error_again(
    feed_server: FeedServer, sqlite_url: str, clock: FakeClock, pool: ParserPool
) -> None:
    """Failing means never succeeded: one error after a success keeps the old meaning."""
    replies = [Reply(200, rss([{"title": "t", "guid": "1"}]), {"Content-Type": "text/xml"})]
    url = feed_server.route("/flaky", lambda _req: replies[-1])
    _poll(_app(sqlite_url, clock, pool, [{"url": url}]))
    replies.append(Reply(503, b"down"))
    clock.advance(timedelta(hours=1).total_seconds())
    app = _app(sqlite_url, clock, pool, [{"url": url}])
    _poll(app)
    feed = app.status()["feeds"][0]
    assert (feed["state"], feed["consecutive_errors"]) == ("ok", 1)
