"""Slow article pages (issue 13, item 6): five slow links once held a poll 104 s, with the
feed's slots and the tick lock, and delayed another feed's alert. Article pages are now
fetched after the feeds, in background batches with their own concurrency and deadline."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock, make_settings
from tests.support.db_reads import incidents_of_item
from tests.support.feedserver import FeedServer, Reply, Request, rss
from tracker.adapters.feeds.parse import ParserPool
from tracker.adapters.storage.feeds import FeedSpec
from tracker.app import App
from tracker.core.feeds import ParsedEntry, build_new_item

PAGE = (
    "<html><head><title>Story</title></head><body><article><h1>Story</h1>"
    + "".join(
        f"<p>Paragraph {i}: regime forces shelled the village of Kafr Nabudah in northern Hama "
        "countryside on Sunday, a monitor said, and rescuers reported damage to homes.</p>"
        for i in range(6)
    )
    + "</article></body></html>"
).encode()


@pytest.fixture(scope="module")
def pool() -> Iterator[ParserPool]:
    p = ParserPool(workers=1, timeout_seconds=10)
    yield p
    p.close()


@pytest.fixture
def held_page(feed_server: FeedServer) -> Iterator[tuple[str, threading.Event, threading.Event]]:
    """An article page that answers only when released (or after 20 s)."""
    entered, release = threading.Event(), threading.Event()

    def slow(_req: Request) -> Reply:
        entered.set()
        release.wait(20)
        return Reply(200, PAGE, {"Content-Type": "text/html"})

    yield feed_server.route("/story", slow), entered, release
    release.set()


def two_feeds(feed_server: FeedServer, story: str) -> tuple[str, str]:
    """Feed a's item has a short summary and its page is `story`; feed b's item has enough
    text of its own (no page to read)."""
    rss_type = {"Content-Type": "application/rss+xml"}
    short = [{"title": "Shelling", "guid": "a1", "link": story, "description": "Short."}]
    long_text = "Regime forces shelled Kafranbel in southern Idlib on Sunday, a monitor said. " * 5
    full = [{"title": "Kafranbel shelled", "guid": "b1", "description": long_text}]
    return (
        feed_server.route("/a", Reply(200, rss(short), rss_type)),
        feed_server.route("/b", Reply(200, rss(full), rss_type)),
    )


def new_app(tmp_path: Path, pool: ParserPool, feeds: list[str], **polling: Any) -> App:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'slow.db'}",
        feeds=[{"url": u} for u in feeds],
        # one feed at a time and a long fetch timeout: only the design keeps feed b waiting
        # less than the held page
        polling={"fetch_articles": True, "max_concurrency": 1, "timeout_seconds": 30, **polling},
        classifier={"enabled": True},
    )
    app = App(settings, clock=FakeClock(), parser=pool)
    app.upgrade_db()
    app.sync_feeds()
    return app


def item_of(app: App, report: Any, feed_url: str) -> Any:
    (feed,) = [f for f in report.feeds if f.url == feed_url]
    (item,) = app.repo.items_by_ids(feed.new_item_ids)
    return item


def test_a_held_article_page_delays_no_feed(
    feed_server: FeedServer, held_page: Any, tmp_path: Path, pool: ParserPool
) -> None:
    story, entered, release = held_page
    slow, fast = two_feeds(feed_server, story)
    app = new_app(tmp_path, pool, [slow, fast])

    async def scenario() -> None:
        try:
            tick = asyncio.create_task(app.tick())
            done, _ = await asyncio.wait({tick}, timeout=10)  # a bound on a hang only
            assert await asyncio.to_thread(entered.wait, 10), "the article page was never asked"
            assert tick in done and not release.is_set(), "the tick waited for the article page"
            report = tick.result()
            # Both feeds' items are stored; the fast feed's item is classified already, the
            # slow one's waits for its page.
            assert [f.outcome for f in report.feeds] == ["ok", "ok"]
            assert item_of(app, report, fast).classified_at is not None
            waiting = item_of(app, report, slow)
            assert waiting.classified_at is None and not waiting.article_fetched

            release.set()
            await app.finish_articles()
            item = item_of(app, report, slow)
            assert item.text_source == "article" and "Kafr Nabudah" in item.text
            assert item.classified_at is not None  # classified once its text was in
            assert incidents_of_item(app.engine, item.id)  # read from the article's text
        finally:
            release.set()
            await app.aclose()

    asyncio.run(scenario())


def test_pages_past_the_deadline_go_on_with_the_feed_text(
    feed_server: FeedServer, held_page: Any, tmp_path: Path, pool: ParserPool
) -> None:
    story, _entered, release = held_page
    slow, fast = two_feeds(feed_server, story)
    app = new_app(tmp_path, pool, [slow, fast], article_deadline_seconds=1)

    async def scenario() -> Any:
        try:
            report = await app.tick()
            await asyncio.wait_for(app.finish_articles(), 10)
            return report
        finally:
            release.set()
            await app.aclose()

    report = asyncio.run(scenario())
    item = item_of(app, report, slow)
    assert item.article_fetched and item.text_source == "feed" and item.text == "Short."
    assert item.classified_at is not None
    deadline = app.prom.registry.get_sample_value(
        "tracker_poll_errors_total", {"kind": "article_deadline"}
    )
    assert deadline == 1


def test_catch_up_leaves_items_waiting_for_their_page_alone(
    feed_server: FeedServer, tmp_path: Path, pool: ParserPool
) -> None:
    """Another tick's catch-up (or another instance's) must not classify an item on its
    short feed text while its page is still being fetched."""
    clock = FakeClock()
    settings = make_settings(
        f"sqlite:///{tmp_path / 'c.db'}",
        polling={"fetch_articles": True, "article_deadline_seconds": 30},
        classifier={"enabled": True},
    )
    app = App(settings, clock=clock)
    app.upgrade_db()
    feed_id = app.repo.add_feed(FeedSpec("http://example.org/f"), clock.now)[0].id
    assert feed_id is not None

    entry = ParsedEntry("g", "http://example.org/s", "Shelling", "Short.", "", None, "en")
    (item_id,) = app.repo.store_items(feed_id, [build_new_item(entry, clock.now, None, None)])

    async def catch_up() -> None:
        await app._classify_pending()

    asyncio.run(catch_up())
    assert app.repo.items_by_ids([item_id])[0].classified_at is None
    clock.advance(30 + 61)  # past the deadline (and a margin): now it is caught up
    asyncio.run(catch_up())
    assert app.repo.items_by_ids([item_id])[0].classified_at is not None
    asyncio.run(app.aclose())
