"""/status.html: the status in people's terms, from the same document as /status. Real feed
server, real SQLite file, real parser workers: one feed that works, one that fails (404) and
one not polled yet show with their state, last success and last error; the scheduler, the
alert queue and the agreements in force are there; an unreachable database gives 503 with
the reason; the page loads nothing (no script, no outside request)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FakeClock, make_settings
from tests.support.feedserver import FeedServer, Reply, rss
from tracker import __version__
from tracker.adapters.feeds.parse import ParserPool
from tracker.adapters.web import SourceUnavailable, create_web_app
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


def _row(page: str, url: str) -> str:
    rows = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if url in unescape(r)]
    assert len(rows) == 1, f"no single row for {url}"
    return unescape(re.sub(r"\s+", " ", rows[0]))


def test_status_page_shows_feeds_scheduler_queue_and_agreements(
    feed_server: FeedServer, sqlite_url: str, clock: FakeClock, pool: ParserPool
) -> None:
    good = feed_server.route(
        "/good", Reply(200, rss([{"title": "t", "guid": "1"}]), {"Content-Type": "text/xml"})
    )
    wrong = feed_server.route("/wrong", Reply(404, b"no such feed"))
    feeds = [{"url": good, "name": "Good outlet"}, {"url": wrong, "name": "Broken outlet"}]
    first = _app(sqlite_url, clock, pool, feeds)

    async def once() -> None:
        try:
            await first.tick()
        finally:
            await first.aclose()

    asyncio.run(once())
    later = feed_server.route("/later", Reply(200, rss([]), {"Content-Type": "text/xml"}))
    app = _app(sqlite_url, clock, pool, [*feeds, {"url": later, "interval_seconds": 3600}])
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            r = client.get("/status.html")
            doc = client.get("/status").json()
    finally:
        asyncio.run(app.aclose())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    by_url = {f["url"]: f for f in doc["feeds"]}
    ok_row = _row(page, good)
    assert "Good outlet" in ok_row and "working" in ok_row
    assert by_url[good]["last_success"] and by_url[good]["last_success"] in ok_row
    assert "none" in ok_row  # no error
    bad_row = _row(page, wrong)
    assert "failing (never worked yet)" in bad_row and "never" in bad_row
    assert by_url[wrong]["last_error"] and by_url[wrong]["last_error"] in bad_row
    assert "(HTTP 404)" in bad_row and "1 error in a row" in bad_row
    assert "not checked yet" in _row(page, later)
    assert "1 working of 3 enabled" in page
    # the scheduler (not started in this test), the alert queue, agreements, totals
    assert re.search(r'id="scheduler">.*stopped', page, re.S)
    assert "Waiting to be sent: <strong>0</strong>" in page
    assert f"Sent through: {doc['alerts']['notifier']}" in page
    assert 'id="agreements"' in page and 'id="totals"' in page
    for a in doc["agreements_in_force"]:
        assert a["id"] in page
    assert f"Version {__version__}" in page
    # nothing loaded from anywhere: no script, no stylesheet link, no image
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_status_page_names_agreements_in_force_and_a_running_scheduler(tmp_path: Path) -> None:
    """With the reference data loaded, today's agreements are listed by name."""
    app = App(make_settings(f"sqlite:///{tmp_path / 's.db'}"), clock=FakeClock())
    app.upgrade_db()
    app.scheduler_running = True
    app.agreements_in_force = lambda: [  # type: ignore[method-assign]
        {"id": "moscow-2020", "name": "Moscow protocol", "since": "2020-03-06"}
    ]
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            page = client.get("/status.html").text
    finally:
        asyncio.run(app.aclose())
    assert "Moscow protocol <small>(moscow-2020, since 2020-03-06)</small>" in page
    assert re.search(r'id="scheduler">.*running', page, re.S)


def test_status_page_says_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = App(make_settings(f"sqlite:///{tmp_path / 'u.db'}"), clock=FakeClock())

    def down() -> dict:
        raise SourceUnavailable("database unreachable: OperationalError")

    app.status = down  # type: ignore[method-assign]
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            r = client.get("/status.html")
    finally:
        asyncio.run(app.aclose())
    assert r.status_code == 503
    assert "unavailable</span> database unreachable: OperationalError" in r.text
