"""Webhook destinations through the real outbox: an App on a SQLite file, incidents stored the
way classification stores them, and a real receiver on 127.0.0.1 that checks signatures.
Same rows, retries, backoff and dead rows as Telegram; an update POST when the event changes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock, make_settings
from tests.support.alert_harness import incident
from tests.support.db_reads import outbox_rows
from tests.support.webhook_receiver import WebhookReceiver, webhook_receiver
from tracker.app import App
from tracker.core.feeds import NewItem

SECRET = "hook-secret-for-tests"
class Site:
    """An App whose only destination is the receiver's webhook; items are added by hand."""

    def __init__(
        self, tmp_path: Path, clock: FakeClock, receiver: WebhookReceiver, token: str = "1:unused"
    ) -> None:
        """`token` "": no Telegram, so the console destination is there too."""
        from tracker.adapters.storage.feeds import FeedSpec

        hook = {
            "name": "siem",
            "channel": "webhook",
            "address": receiver.url,
            "secret_env": "TRACKER_TEST_HOOK_SECRET",
        }
        settings = make_settings(
            f"sqlite:///{tmp_path / 't.db'}",
            telegram={
                "token": token,
                "max_attempts": 3,
                "retry_base_seconds": 10.0,
                "retry_max_seconds": 60.0,
            },
            alerts={"destinations": [hook]},
        )
        self.app = App(settings, clock=clock, fetcher=object(), parser=object())  # type: ignore[arg-type]
        self.clock = clock
        self.app.upgrade_db()
        self.app.sync_destinations()
        self.app.repo.sync_feeds([FeedSpec("https://news.example/feed", "Example")], clock())
        self.feed_id = self.app.repo.list_feeds()[0].id
        self.n = 0

    def add_item(self, *incidents: dict[str, Any]) -> int:
        self.n += 1
        now = self.clock()
        item = NewItem(
            entry_key=f"k{self.n}",
            guid=f"k{self.n}",
            url=f"https://news.example/{self.n}",
            title="Shelling",
            summary="s",
            text="s",
            content_hash=f"{self.n:064d}",
            language="en",
            published_at=now,
            published_source="published",
            first_seen_at=now,
            alert_eligible=True,
        )
        assert self.feed_id is not None
        (item_id,) = self.app.repo.store_items(self.feed_id, [item])
        self.classify(item_id, *incidents)
        return item_id

    def classify(self, item_id: int, *incidents: dict[str, Any]) -> None:
        self.app.repo.save_classifications([(item_id, list(incidents))], self.clock())

    def deliver(self) -> int:
        [webhooks] = self.app.channel_senders

        async def once() -> int:
            return await asyncio.wait_for(webhooks.deliver_once(), timeout=15)

        return asyncio.run(once())

    def rows(self) -> list[Any]:
        dests = {d.id: d for d in self.app.alert_store.list_destinations()}
        return [
            r for r in outbox_rows(self.app.engine) if dests[r.destination_id].channel == "webhook"
        ]

    def close(self) -> None:
        for channel in self.app.channel_senders:
            asyncio.run(channel.sender.close())
        self.app.engine.dispose()


@pytest.fixture
def site_for(tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("TRACKER_TEST_HOOK_SECRET", SECRET)
    sites: list[Site] = []

    def build(receiver: WebhookReceiver, token: str = "1:unused") -> Site:
        sites.append(Site(tmp_path, clock, receiver, token))
        return sites[-1]

    yield build
    for site in sites:
        site.close()


def test_alert_is_posted_signed_once_then_updated_with_its_revision(site_for: Any) -> None:
    with webhook_receiver(SECRET) as receiver:
        site = site_for(receiver)
        item_id = site.add_item(incident())
        assert site.deliver() == 1
        assert site.deliver() == 0  # sent: nothing twice
        site.classify(item_id, incident(fatalities=9, fatalities_low=9, fatalities_high=9))
        site.deliver()

    first, update = receiver.received
    assert first.signature_ok and update.signature_ok
    created, updated = first.json(), update.json()
    assert created["type"] == "event.created"
    event = created["event"]
    assert event["toll"]["best"] == 5 and created["revision"] == event["revision"]
    assert event["links"]["self"].endswith(f"/api/v1/events/{event['id']}")
    assert updated["type"] == "event.updated"
    assert updated["event"]["id"] == event["id"] and updated["event"]["toll"]["best"] == 9
    assert updated["revision"] > created["revision"]
    [row] = site.rows()
    assert row.status == "sent" and not row.edit_pending


def test_reclassification_that_changes_nothing_posts_nothing(site_for: Any) -> None:
    with webhook_receiver(SECRET) as receiver:
        site = site_for(receiver)
        item_id = site.add_item(incident())
        site.deliver()
        site.classify(item_id, incident())  # deletes and re-inserts the incident rows
        site.deliver()
    assert [r.json()["type"] for r in receiver.received] == ["event.created"]


def test_a_500_is_retried_after_backoff_then_sent(site_for: Any, clock: FakeClock) -> None:
    with webhook_receiver(SECRET, [500]) as receiver:
        site = site_for(receiver)
        site.add_item(incident())
        site.deliver()
        [row] = site.rows()
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error.startswith("HTTP 500")
        assert site.deliver() == 0  # backing off
        clock.advance(11)
        site.deliver()
    assert [r.status for r in receiver.received] == [500, 200]
    [row] = site.rows()
    assert row.status == "sent"


def test_a_4xx_is_dead_at_once(site_for: Any, clock: FakeClock) -> None:
    with webhook_receiver(SECRET, [404]) as receiver:
        site = site_for(receiver)
        site.add_item(incident())
        site.deliver()
        clock.advance(3600)
        assert site.deliver() == 0
    assert [r.status for r in receiver.received] == [404]
    [row] = site.rows()
    assert row.status == "dead" and row.last_error.startswith("HTTP 404")


def test_a_receiver_down_for_good_ends_dead_after_max_attempts(
    site_for: Any, clock: FakeClock
) -> None:
    with webhook_receiver(SECRET, [503, 503, 503, 503]) as receiver:
        site = site_for(receiver)
        site.add_item(incident())
        for _ in range(4):
            site.deliver()
            clock.advance(120)
    assert [r.status for r in receiver.received] == [503, 503, 503]  # max_attempts = 3
    [row] = site.rows()
    assert row.status == "dead"


def test_the_chat_sender_leaves_webhook_rows_to_the_webhook_sender(
    site_for: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """One outbox, one sender per channel: the console delivers its own row only."""
    with webhook_receiver(SECRET) as receiver:
        site = site_for(receiver, token="")
        site.add_item(incident())
        asyncio.run(site.app.alerts.deliver_once())
        assert capsys.readouterr().out.count("--- alert to chat 0") == 1
        [row] = site.rows()
        assert row.status == "pending" and receiver.received == []
        site.deliver()
    [row] = site.rows()
    assert row.status == "sent" and len(receiver.received) == 1


def test_the_loop_delivers_and_stops_when_told(site_for: Any) -> None:
    with webhook_receiver(SECRET) as receiver:
        site = site_for(receiver)
        site.add_item(incident())
        [webhooks] = site.app.channel_senders

        async def main() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(webhooks.run(stop))
            for _ in range(500):
                if receiver.received:
                    break
                await asyncio.sleep(0.01)
            stop.set()
            await asyncio.wait_for(task, timeout=5)  # a bound on a hang, not a timing

        asyncio.run(main())
    assert len(receiver.received) == 1
