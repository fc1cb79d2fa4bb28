"""A NUL byte once blocked a feed forever on PostgreSQL (issue 13, item 5): `text` refuses
\\x00, the insert failed, the batch rolled back and every later poll failed the same way.
Feed text is now cleaned where it enters, and a row the database still refuses is skipped
alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import Session, select

from tests.conftest import FakeClock, make_settings
from tests.support.feedserver import FeedServer, Reply, Request, rss
from tracker.adapters.feeds.parse import ParserPool
from tracker.adapters.storage.models import Feed, Item
from tracker.app import App
from tracker.core.feeds import ParsedEntry, build_new_item

pytestmark = pytest.mark.postgres

BAD_ITEMS = [
    {"title": "NUL\x00in the title", "guid": "t", "description": "plain"},
    {"title": "summary", "guid": "s", "description": "NUL\x00here, &#0; &#xD800; &#x1b;[31m red"},
    {"title": "link", "guid": "l", "link": "http://example.org/a\x00b", "description": "x"},
    {"title": "NUL\x00 without a guid", "link": "http://example.org/n\x00", "description": "y"},
    {"title": "A good item", "guid": "g", "description": "Shelling on Kafranbel."},
]


@pytest.fixture(scope="module")
def pool() -> Iterator[ParserPool]:
    p = ParserPool(workers=1, timeout_seconds=10)
    yield p
    p.close()


def poll(db_url: str, clock: FakeClock, pool: ParserPool, url: str) -> Any:
    app = App(make_settings(db_url, feeds=[{"url": url}]), clock=clock, parser=pool)
    app.upgrade_db()
    app.sync_feeds()

    async def go() -> Any:
        try:
            return await app.tick()
        finally:
            await app.aclose()

    return app, asyncio.run(go())


def test_nul_bytes_never_block_a_feed_on_postgresql(
    feed_server: FeedServer, postgres_url: str, clock: FakeClock, pool: ParserPool
) -> None:
    items = list(BAD_ITEMS)

    def feed(_req: Request) -> Reply:
        return Reply(200, rss(items), {"Content-Type": "application/rss+xml"})

    url = feed_server.route("/feed", feed)
    app, report = poll(postgres_url, clock, pool, url)
    assert report.feeds[0].outcome == "ok", report.feeds[0].error
    assert len(report.feeds[0].new_item_ids) == len(BAD_ITEMS)  # every item, the bad ones too
    with Session(app.engine) as s:
        stored = {i.title: i for i in s.exec(select(Item))}
    assert set(stored) == {
        "NULin the title", "summary", "link", "NUL without a guid", "A good item"
    }
    assert stored["summary"].summary == "NULhere, [31m red"
    assert stored["link"].url == "http://example.org/ab"
    for item in stored.values():
        for value in (item.title, item.summary, item.text, item.url or "", item.guid or ""):
            assert "\x00" not in value and "\x1b" not in value

    # The next poll is fine too: one more bad item and one more good one arrive.
    items.append({"title": "later\x00", "guid": "later", "description": "\x00"})
    items.append({"title": "later good", "guid": "later2", "description": "ok"})
    clock.advance(301)
    app, report = poll(postgres_url, clock, pool, url)
    assert report.feeds[0].outcome == "ok" and len(report.feeds[0].new_item_ids) == 2
    with Session(app.engine) as s:
        row = s.exec(select(Feed).where(Feed.url == url)).one()
    assert row.state == "ok" and row.consecutive_errors == 0 and row.total_errors == 0
    assert row.items_count == len(BAD_ITEMS) + 2


def test_a_row_the_database_refuses_is_skipped_alone(postgres_url: str, clock: FakeClock) -> None:
    """What cleaning cannot foresee (here a language code wider than its column, which
    PostgreSQL refuses) costs that item only, not the feed's batch."""
    from tracker.adapters.storage import db
    from tracker.adapters.storage.feeds import FeedSpec, FeedStore

    engine = db.create_db_engine(postgres_url)
    db.upgrade(engine)
    repo = FeedStore(engine)
    repo.sync_feeds([FeedSpec("http://example.org/feed")], clock.now)
    feed_id = repo.list_feeds()[0].id
    assert feed_id is not None

    def item(guid: str) -> Any:
        entry = ParsedEntry(guid, None, f"title {guid}", "summary", "", None, "en")
        return build_new_item(entry, clock.now, None, None)

    good, bad, also_good = item("a"), replace(item("b"), language="x" * 40), item("c")
    ids = repo.store_items(feed_id, [good, bad, also_good])
    assert len(ids) == 2
    assert sorted(i.guid or "" for i in repo.items_by_ids(ids)) == ["a", "c"]
    assert repo.list_feeds()[0].items_count == 2
    engine.dispose()
