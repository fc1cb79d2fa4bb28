"""The fetcher's connection pool (tracker.adapters.feeds.pool): the limits of httpcore's pool
kept, connections reused only when they can be, against real local servers."""

from __future__ import annotations

import asyncio

import httpcore
import pytest

from tests.support.closing_server import closing_server
from tests.support.feedserver import FeedServer, Reply, rss, static_feed
from tracker.adapters.feeds.aio import AsyncioBackend
from tracker.adapters.feeds.http import Fetcher, build_client
from tracker.adapters.feeds.pool import LeanPool
from tracker.core.feeds import FetchOutcome
from tracker.core.netpolicy import parse_networks

BODY = rss([{"title": "t", "guid": "g"}])


def run_fetches(
    batches: list[list[str]], max_connections: int
) -> tuple[list[FetchOutcome], list[int]]:
    """Each batch fetched concurrently, batches one after the other; the outcomes and the
    pool's open connections after each batch."""

    async def run() -> tuple[list[FetchOutcome], list[int]]:
        client = build_client(5, "test", max_connections, parse_networks(["127.0.0.1/32"]))
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert isinstance(pool, LeanPool)
        fetcher = Fetcher(client, 5, 1_000_000)
        outcomes: list[FetchOutcome] = []
        open_after: list[int] = []
        try:
            for batch in batches:
                results = await asyncio.gather(*(fetcher.fetch(url) for url in batch))
                outcomes.extend(r.outcome for r in results)
                open_after.append(pool.open_connections)
        finally:
            await client.aclose()
        assert pool.open_connections == 0
        return outcomes, open_after

    return asyncio.run(run())


def test_never_more_connections_than_the_limit(feed_server: FeedServer) -> None:
    url = feed_server.route("/slow", Reply(200, BODY, delay=0.2))
    outcomes, open_after = run_fetches([[url] * 6], max_connections=2)
    assert outcomes == [FetchOutcome.OK] * 6
    assert len({r.client for r in feed_server.requests}) == 2
    assert open_after == [2]


def test_a_new_origin_closes_the_longest_idle_connection() -> None:
    servers = [FeedServer().start() for _ in range(3)]
    try:
        urls = [s.route("/f", static_feed(BODY)) for s in servers]
        outcomes, open_after = run_fetches([[u] for u in [*urls, urls[0]]], max_connections=2)
        assert outcomes == [FetchOutcome.OK] * 4
        assert open_after == [1, 2, 2, 2]
        # The first server's connection was the idle one closed for the third server: its
        # second request came on a new connection.
        first = [r.client for r in servers[0].requests]
        assert len(first) == 2 and first[0] != first[1]
    finally:
        for s in servers:
            s.stop()


def test_kept_connection_serves_the_next_request(feed_server: FeedServer) -> None:
    url = feed_server.route("/f", static_feed(BODY, etag='"v"'))
    outcomes, open_after = run_fetches([[url], [url], [url]], max_connections=4)
    assert outcomes == [FetchOutcome.OK] * 3
    assert open_after == [1, 1, 1]
    assert len({r.client for r in feed_server.requests}) == 1


def test_response_left_unread_closes_its_connection(feed_server: FeedServer) -> None:
    """An error answer's body is not read by the fetcher: that connection cannot carry
    another request, and the next one opens a new connection."""
    bad = feed_server.route("/bad", Reply(500, b"x" * 200_000))
    good = feed_server.route("/good", static_feed(BODY))
    outcomes, open_after = run_fetches([[bad], [good]], max_connections=4)
    assert outcomes == [FetchOutcome.ERROR, FetchOutcome.OK]
    assert open_after == [0, 1]
    assert len({r.client for r in feed_server.requests}) == 2


def request(port: int, timeout: float | None = None) -> httpcore.Request:
    return httpcore.Request(
        "GET",
        f"http://127.0.0.1:{port}/",
        headers=[(b"Host", f"127.0.0.1:{port}".encode())],
        extensions={"timeout": {"pool": timeout}} if timeout is not None else {},
    )


def test_connection_the_server_closed_is_not_reused() -> None:
    with closing_server(2) as (port, peers):

        async def run() -> list[bytes]:
            out = []
            async with LeanPool(AsyncioBackend(), 4) as pool:
                for _ in range(2):
                    response = await pool.handle_async_request(request(port))
                    out.append(await response.aread())
                    await response.aclose()
                    await asyncio.sleep(0.3)  # the close reaches the idle connection
            return out

        assert asyncio.run(run()) == [b"ok", b"ok"]
    assert len(set(peers)) == 2


def test_waiting_for_a_connection_ends_at_the_pool_timeout(feed_server: FeedServer) -> None:
    feed_server.route("/", Reply(200, b"ok", delay=1.0))
    port = feed_server.port

    async def run() -> bytes:
        async with LeanPool(AsyncioBackend(), 1) as pool:
            first = asyncio.create_task(pool.handle_async_request(request(port)))
            await asyncio.sleep(0.1)
            with pytest.raises(httpcore.PoolTimeout):
                await pool.handle_async_request(request(port, timeout=0.2))
            response = await first
            body = await response.aread()
            await response.aclose()
            # The slot the timed-out request waited for was not lost.
            again = await pool.handle_async_request(request(port, timeout=5))
            await again.aread()
            await again.aclose()
            return body

    assert asyncio.run(run()) == b"ok"


def test_other_schemes_are_refused() -> None:
    async def run() -> None:
        async with LeanPool(AsyncioBackend(), 1) as pool:
            await pool.handle_async_request(httpcore.Request("GET", "ftp://127.0.0.1/x"))

    with pytest.raises(httpcore.UnsupportedProtocol):
        asyncio.run(run())
