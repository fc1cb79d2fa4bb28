"""feedparser's own 2,248 test feeds, served through the local server and ingested by the real
poller: nothing may raise, hang or be lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import FakeClock, make_settings
from tests.support.feedserver import FeedServer, Reply
from tracker.app import App

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "feedparser-6.0.14" / "tests"
CONTENT_TYPES = {
    ".xml": "application/xml",
    ".rdf": "application/rdf+xml",
    ".gz": "application/x-gzip",
}


@pytest.mark.slow
def test_feedparser_corpus_is_ingested_without_failure(
    feed_server: FeedServer, sqlite_url: str, clock: FakeClock
) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"feedparser corpus not found at {CORPUS} (it lives in ../shared/corpora)")
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    assert len(files) > 2000
    urls = []
    for i, path in enumerate(files):
        ctype = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        urls.append(
            feed_server.route(f"/c/{i}", Reply(200, path.read_bytes(), {"Content-Type": ctype}))
        )
    settings = make_settings(
        sqlite_url,
        feeds=[{"url": u} for u in urls],
        polling={"max_concurrency": 32, "max_per_host": 32, "parse_timeout_seconds": 20},
    )
    app = App(settings, clock=clock)
    app.upgrade_db()
    app.sync_feeds()

    async def go():  # type: ignore[no-untyped-def]
        try:
            return await app.tick()
        finally:
            await app.aclose()

    report = asyncio.run(go())
    assert len(report.feeds) == len(files)  # every file finished, none dropped
    internal = [f for f in report.feeds if f.error and "internal error" in f.error]
    assert internal == []
    timeouts = [f for f in report.feeds if f.error and "longer than" in f.error]
    assert timeouts == []
    ok = [f for f in report.feeds if f.outcome == "ok"]
    errors = [f for f in report.feeds if f.outcome == "error"]
    assert len(ok) + len(errors) + sum(f.outcome == "not_modified" for f in report.feeds) == len(
        files
    )
    assert len(ok) > len(files) // 2
    assert app.status()["totals"]["feeds"] == len(files)
    print(
        f"corpus: {len(files)} files, {len(ok)} ok, {len(errors)} recorded errors, "
        f"{len(report.new_item_ids)} items"
    )
