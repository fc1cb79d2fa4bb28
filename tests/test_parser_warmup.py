"""The parser workers import article extraction (trafilatura) only when article pages are
read, and `tracker poll` (`tick(last=True)`) lets its workers go before the backlog is
classified."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.support.feedserver import FeedServer, Reply, rss
from tracker.adapters.feeds.parse import ParserPool
from tracker.app import App


def loaded(name: str) -> bool:
    return name in sys.modules


@pytest.mark.parametrize("articles", [False, True])
def test_warm_up_imports_article_extraction_only_when_pages_are_read(articles: bool) -> None:
    pool = ParserPool(workers=1, timeout_seconds=30, warm_articles=articles)

    async def run() -> tuple[bool, bool]:
        await pool.start()
        return await pool._run(loaded, "feedparser"), await pool._run(loaded, "trafilatura")

    try:
        assert asyncio.run(run()) == (True, articles)
    finally:
        pool.close()


@pytest.mark.parametrize("last", [False, True])
def test_the_last_tick_lets_the_parser_workers_go(
    last: bool, feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.route(
        "/f", Reply(200, rss([{"title": "t", "guid": "1"}]), {"Content-Type": "text/xml"})
    )
    settings = make_settings(f"sqlite:///{tmp_path / 'p.db'}", feeds=[{"url": url}])
    settings.polling.fetch_articles = False
    app = App(settings)
    app.upgrade_db()
    app.sync_feeds()
    assert app._pool is not None

    async def run() -> Any:
        try:
            report = await app.tick(last=last)
            return report, app._pool.started if app._pool else None
        finally:
            await app.aclose()

    report, started = asyncio.run(run())
    assert [(f.outcome, len(f.new_item_ids)) for f in report.feeds] == [("ok", 1)]
    assert started is (not last)
