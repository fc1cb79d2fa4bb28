"""Feed items become stored incidents: the real poller, the real classifier, a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from sqlmodel import Session, select

from tests.conftest import FakeClock, make_settings
from tests.support.feedserver import FeedServer, Reply
from tracker.adapters.storage.models import IncidentRow, Item
from tracker.app import App

SEEDS = Path(__file__).parent / "data" / "seeds"
PUBLISHED = {
    "000": "2020-09-02",
    "001": "2019-03-04",
    "002": "2023-07-08",
    "003": "2018-09-01",
    "004": "2020-02-01",
}


def _seed_feed() -> bytes:
    items = []
    for path in sorted(SEEDS.glob("*.txt")):
        title, _, body = path.read_text(encoding="utf-8").strip().partition("\n")
        day = datetime.fromisoformat(PUBLISHED[path.name[:3]]).replace(hour=9, tzinfo=UTC)
        items.append(
            f"<item><title>{escape(title.strip())}</title><guid>seed-{path.name[:3]}</guid>"
            f"<link>http://news.example/{path.name[:3]}</link>"
            f"<description>{escape(body.strip())}</description>"
            f"<pubDate>{format_datetime(day)}</pubDate></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>seeds</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


@pytest.fixture
def seed_url(feed_server: FeedServer) -> str:
    if not SEEDS.is_dir():
        pytest.skip("tests/data/seeds is missing")
    return feed_server.route(
        "/seeds", Reply(200, _seed_feed(), {"Content-Type": "application/rss+xml"})
    )


def _app(db_url: str, clock: FakeClock, url: str, classify: bool) -> App:
    settings = make_settings(db_url, feeds=[{"url": url}], classifier={"enabled": classify})
    app = App(settings, clock=clock)
    app.upgrade_db()
    app.sync_feeds()
    return app


async def _tick(app: App) -> Any:
    try:
        return await app.tick()
    finally:
        await app.aclose()


def _incidents_by_item(app: App) -> dict[str, list[IncidentRow]]:
    with Session(app.engine) as s:
        items = {i.id: "seed-" + (i.url or "").rsplit("/", 1)[-1] for i in s.exec(select(Item))}
        out: dict[str, list[IncidentRow]] = {g: [] for g in items.values()}
        for row in s.exec(select(IncidentRow).order_by(IncidentRow.item_id, IncidentRow.seq)):
            out[items[row.item_id]].append(row)
        return out


def test_new_items_are_classified_and_counted(
    sqlite_url: str, clock: FakeClock, seed_url: str
) -> None:
    app = _app(sqlite_url, clock, seed_url, classify=True)
    asyncio.run(_tick(app))
    incidents = _incidents_by_item(app)
    assert set(incidents) == {f"seed-{k}" for k in PUBLISHED}

    masasna = [r for r in incidents["seed-001"] if r.violation]
    assert len(masasna) == 1
    assert masasna[0].place_name == "Masasna" and masasna[0].agreements == ["sochi-2018"]
    assert masasna[0].event_date is not None and masasna[0].event_date.isoformat() == "2019-03-03"
    assert masasna[0].fatalities == 26 and masasna[0].reasons and masasna[0].evidence
    assert not any(r.violation for r in incidents["seed-003"])
    kabani = [r for r in incidents["seed-002"] if r.violation]
    assert kabani and kabani[0].agreements == ["sochi-2018", "moscow-2020"]

    status = app.status()["totals"]
    violations = sum(r.violation for rows in incidents.values() for r in rows)
    assert status["violations"] == violations >= 3
    assert status["incidents"] == sum(len(rows) for rows in incidents.values())
    assert status["items_awaiting_classification"] == 0


def test_catch_up_and_reclassify_never_duplicate(
    sqlite_url: str, clock: FakeClock, seed_url: str
) -> None:
    # Items stored while classification was off (as after a crash between store and classify)
    app = _app(sqlite_url, clock, seed_url, classify=False)
    asyncio.run(_tick(app))
    assert app.status()["totals"]["items_awaiting_classification"] == 5

    clock.advance(301)
    app = _app(sqlite_url, clock, seed_url, classify=True)
    asyncio.run(_tick(app))  # nothing new in the feed; the catch-up classifies the backlog
    first = _incidents_by_item(app)
    assert app.status()["totals"]["items_awaiting_classification"] == 0
    assert any(r.violation for r in first["seed-001"])

    stats = app.classification.reclassify_since(datetime(2000, 1, 1, tzinfo=UTC))
    asyncio.run(app.aclose())
    assert stats.items == 5 and stats.failed == 0
    again = _incidents_by_item(app)
    assert {k: [r.to_contract() for r in v] for k, v in again.items()} == {
        k: [r.to_contract() for r in v] for k, v in first.items()
    }
