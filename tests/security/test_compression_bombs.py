"""Compression bombs (issue 13, item 1): a few KB of `Content-Encoding: gzip, gzip` over a
GiB of zeros once took the main process to 4.2 GB. The body is now decoded layer by layer in
bounded pieces and refused at max_body_bytes of decoded output; feeds and article pages go
through the same path. The bombs are generated while they are sent, never held."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FakeClock, make_settings
from tests.support.feedserver import FeedServer, Reply, rss
from tests.support.hostile import PeakRss, gzip_bomb
from tracker.adapters.feeds.parse import ParserPool
from tracker.app import App

MAX_BODY = 2_000_000  # make_settings' max_body_bytes


@pytest.fixture(scope="module")
def pool() -> Iterator[ParserPool]:
    p = ParserPool(workers=1, timeout_seconds=10)
    yield p
    p.close()


def bomb() -> Reply:
    """27 KB of `gzip, gzip` over 1 GiB of zeros, in one piece."""
    return Reply(
        200, gzip_bomb(), {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip, gzip"}
    )


def new_app(tmp_path: Path, pool: ParserPool, feeds: list[str], **polling: object) -> App:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'bomb.db'}", feeds=[{"url": u} for u in feeds], polling=polling
    )
    app = App(settings, clock=FakeClock(), parser=pool)
    app.upgrade_db()
    app.sync_feeds()
    return app


async def tick_watching_the_loop(app: App) -> tuple[object, float]:
    """One tick, plus the longest the event loop was kept from a 20 ms timer meanwhile (what
    /healthz would have waited)."""
    worst = 0.0
    done = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal worst
        while not done.is_set():
            before = time.monotonic()
            await asyncio.sleep(0.02)
            worst = max(worst, time.monotonic() - before - 0.02)

    beat = asyncio.create_task(heartbeat())
    try:
        report = await app.tick()
        await app.finish_articles()
    finally:
        done.set()
        await beat
        await app.aclose()
    return report, worst


def errors_of_kind(app: App, kind: str) -> float:
    value = app.prom.registry.get_sample_value("tracker_poll_errors_total", {"kind": kind})
    return value or 0.0


def test_double_gzip_bomb_is_refused_in_bounded_memory(
    feed_server: FeedServer, tmp_path: Path, pool: ParserPool
) -> None:
    url = feed_server.route("/bomb", bomb())
    app = new_app(tmp_path, pool, [url], timeout_seconds=20)
    with PeakRss() as rss_probe:
        report, worst_lag = asyncio.run(tick_watching_the_loop(app))
    # The decoded body is capped at 2 MB: far below the GiB the server offered.
    assert rss_probe.growth < 150 * 2**20, f"RSS grew {rss_probe.growth / 2**20:.0f} MiB"
    assert worst_lag < 1.0, f"event loop blocked {worst_lag:.2f} s"
    feed = report.feeds[0]  # type: ignore[attr-defined]
    assert feed.outcome == "error"
    assert f"larger than max_body_bytes ({MAX_BODY} bytes)" in feed.error
    assert errors_of_kind(app, "too_large") == 1  # counted, under its own kind


@pytest.mark.parametrize(
    ("codings", "layers", "expected"),
    [
        ("gzip, gzip, gzip", 3, "refused 3 content codings"),
        ("br", 1, "refused unsupported content coding 'br'"),
        ("gzip, compress", 2, "refused unsupported content coding 'compress'"),
    ],
)
def test_too_many_or_unknown_codings_are_refused(
    feed_server: FeedServer,
    tmp_path: Path,
    pool: ParserPool,
    codings: str,
    layers: int,
    expected: str,
) -> None:
    body = rss([{"title": "t", "guid": "g"}])
    for _ in range(layers):
        body = gzip.compress(body)  # the header decides; the body need not be a bomb
    url = feed_server.route("/coded", Reply(200, body, {"Content-Encoding": codings}))
    app = new_app(tmp_path, pool, [url])
    report, _ = asyncio.run(tick_watching_the_loop(app))
    feed = report.feeds[0]  # type: ignore[attr-defined]
    assert feed.outcome == "error" and expected in feed.error
    assert errors_of_kind(app, "encoding") == 1


def test_identity_and_two_layers_of_a_real_feed_still_read(
    feed_server: FeedServer, tmp_path: Path, pool: ParserPool
) -> None:
    body = rss([{"title": "Shelling on Kafranbel", "guid": "g1"}])
    deflated = zlib.compress(gzip.compress(body))  # gzip first, then deflate (zlib-wrapped)
    url = feed_server.route(
        "/layered",
        Reply(200, deflated, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip, deflate"}),
    )
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = raw_deflate.compress(body) + raw_deflate.flush()
    url2 = feed_server.route(
        "/raw-deflate",
        Reply(200, raw, {"Content-Type": "application/rss+xml", "Content-Encoding": "identity, deflate"}),
    )
    app = new_app(tmp_path, pool, [url, url2])
    report, _ = asyncio.run(tick_watching_the_loop(app))
    assert [(f.outcome, len(f.new_item_ids)) for f in report.feeds] == [("ok", 1), ("ok", 1)]  # type: ignore[attr-defined]


def test_article_page_bomb_is_refused_the_same_way(
    feed_server: FeedServer, tmp_path: Path, pool: ParserPool
) -> None:
    feed_server.route("/story", bomb())
    url = feed_server.route(
        "/feed",
        Reply(
            200,
            rss([{"title": "Shelling", "guid": "s1", "link": feed_server.url("/story"), "description": "Short."}]),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    app = new_app(tmp_path, pool, [url], fetch_articles=True)
    with PeakRss() as rss_probe:
        report, worst_lag = asyncio.run(tick_watching_the_loop(app))
    assert report.feeds[0].outcome == "ok"  # type: ignore[attr-defined]
    item = app.repo.items_by_ids(report.new_item_ids)[0]  # type: ignore[attr-defined]
    assert item.article_fetched and item.text_source == "feed" and item.text == "Short."
    assert errors_of_kind(app, "article_too_large") == 1
    assert rss_probe.growth < 150 * 2**20, f"RSS grew {rss_probe.growth / 2**20:.0f} MiB"
    assert worst_lag < 1.0
