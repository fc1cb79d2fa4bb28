"""The feed fetcher keeps its connections: a warm round (every feed answering 304) must not
open a TCP connection per feed."""

from __future__ import annotations

import asyncio

from tests.support.feedserver import FeedServer, rss, static_feed
from tracker.adapters.feeds.http import Fetcher, build_client
from tracker.core.feeds import FetchOutcome
from tracker.core.netpolicy import parse_networks


def fetch_all(urls: list[tuple[str, str | None]]) -> list[FetchOutcome]:
    async def run() -> list[FetchOutcome]:
        client = build_client(5, "test", 4, parse_networks(["127.0.0.1/32"]))
        fetcher = Fetcher(client, 5, 1_000_000)
        try:
            return [(await fetcher.fetch(url, etag)).outcome for url, etag in urls]
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_304_answers_reuse_one_connection(feed_server: FeedServer) -> None:
    body = rss([{"title": "t", "guid": "g"}])
    urls = [feed_server.route(f"/f{i}", static_feed(body, etag=f'"v{i}"')) for i in range(3)]
    outcomes = fetch_all([(url, f'"v{i}"') for i, url in enumerate(urls)] * 2)
    assert outcomes == [FetchOutcome.NOT_MODIFIED] * 6
    assert len(feed_server.requests) == 6
    assert len({r.client for r in feed_server.requests}) == 1


def test_200_and_304_answers_share_the_connection(feed_server: FeedServer) -> None:
    body = rss([{"title": "t", "guid": "g"}])
    url = feed_server.route("/f", static_feed(body, etag='"v"'))
    outcomes = fetch_all([(url, None), (url, '"v"'), (url, None)])
    assert outcomes == [FetchOutcome.OK, FetchOutcome.NOT_MODIFIED, FetchOutcome.OK]
    assert len({r.client for r in feed_server.requests}) == 1


def test_httpcore_finds_sniffio() -> None:
    """httpcore asks sniffio which async library runs on every lock it creates; without the
    package each of those is a failed import that searches sys.path again."""
    import importlib.util

    from httpcore._synchronization import current_async_library

    assert importlib.util.find_spec("sniffio") is not None

    async def library() -> str:
        return current_async_library()

    assert asyncio.run(library()) == "asyncio"
