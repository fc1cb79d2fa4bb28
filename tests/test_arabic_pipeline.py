"""Arabic and unsupported-language items through the real app: the real poller, the real
classifier, a real SQLite file and the app's own /metrics registry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session, select

from tests.conftest import FakeClock, make_settings
from tests.support.feedserver import FeedServer, Reply
from tracker.adapters.storage.models import IncidentRow, Item
from tracker.app import App

ARABIC = ("قصفت قوات النظام صباح اليوم بلدة كفرنبل في ريف إدلب الجنوبي بقذائف المدفعية، "
          "ما أدى إلى مقتل طفلين وإصابة ثلاثة مدنيين آخرين، بحسب الدفاع المدني.")
FRENCH = ("Les forces gouvernementales ont bombardé Kafranbel ce matin, tuant deux enfants, "
          "selon la défense civile.")


def _feed(guid: str, title: str, body: str) -> bytes:
    day = datetime(2019, 3, 12, 9, tzinfo=UTC)
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{escape(title)}</title><guid>{guid}</guid>"
        f"<link>http://news.example/{guid}</link><description>{escape(body)}</description>"
        f"<pubDate>{format_datetime(day)}</pubDate></item></channel></rss>"
    ).encode()


def _metric(app: App, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    body, _ = app.metrics()
    out: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == name:
                out[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def test_arabic_items_become_incidents_and_other_languages_are_counted(
    sqlite_url: str, clock: FakeClock, feed_server: FeedServer
) -> None:
    rss = {"Content-Type": "application/rss+xml"}
    ar_url = feed_server.route("/ar", Reply(200, _feed("ar-1", "قصف على كفرنبل", ARABIC), rss))
    fr_url = feed_server.route("/fr", Reply(200, _feed("fr-1", "Bombardement", FRENCH), rss))
    settings = make_settings(sqlite_url, classifier={"enabled": True},
                             feeds=[{"url": ar_url, "language": "ar"},
                                    {"url": fr_url, "language": "fr"}])
    app = App(settings, clock=clock)
    app.upgrade_db()
    app.sync_feeds()

    async def tick() -> None:
        try:
            await app.tick()
        finally:
            await app.aclose()

    asyncio.run(tick())
    with Session(app.engine) as s:
        items = {(i.url or "").rsplit("/", 1)[-1]: i.id for i in s.exec(select(Item))}
        rows = {g: [r for r in s.exec(select(IncidentRow).where(IncidentRow.item_id == i))]
                for g, i in items.items()}
    assert set(items) == {"ar-1", "fr-1"}  # both stored
    (inc,) = rows["ar-1"]
    assert inc.violation and inc.place_name == "Kafranbel" and inc.fatalities == 2
    assert inc.event_date is not None and inc.event_date.isoformat() == "2019-03-12"
    assert inc.evidence and inc.evidence[0] == ARABIC  # quoted as written
    assert rows["fr-1"] == []
    assert app.status()["totals"]["items_awaiting_classification"] == 0  # not left pending
    counted = _metric(app, "tracker_items_unclassified_total")
    assert counted == {(("language", "fr"), ("reason", "unsupported language")): 1.0}
