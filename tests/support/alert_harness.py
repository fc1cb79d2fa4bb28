"""The alert-delivery harness: an App on a real SQLite file with one feed and the fake
Telegram Bot API, incidents added by hand through `FeedStore.save_classifications` (the
path classification takes). Fixtures `fake_tg`, `build` and `harness` are imported by the
test modules that use them."""

from __future__ import annotations

import asyncio
import copy
import functools
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock, make_settings
from tests.support.db_reads import outbox_rows
from tests.support.fake_telegram import FakeTelegram
from tracker.app import App
from tracker.core.feeds import NewItem

TOKEN = "123:TEST"
ANALYSTS, PUBLIC, CRITICAL_ONLY = -1001, 2002, 3003

VIOLATION: dict[str, Any] = {
    "violation": True,
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "date": "2019-06-09",
    "date_precision": 1,
    "location": {
        "name": "Kafranbel",
        "admin1": "Idlib",
        "lat": 35.6139,
        "lon": 36.5611,
        "precision": 1,
    },
    "fatalities": 5,
    "fatalities_low": 5,
    "fatalities_high": 5,
    "injured": None,
    "actors": [{"name": "Syrian government forces", "side": "government", "role": "attacker"}],
    "agreements": ["sochi-2018"],
    "zones": ["idlib-deescalation"],
    "severity": "high",
    "confidence": 0.65,
    "reasons": ["sochi-2018 art. 2: Russia takes all necessary steps to avoid attacks."],
    "evidence": ["Syrian government forces shelled the town of Kafranbel, killing five."],
}


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()


def incident(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VIOLATION)
    data.update(changes)
    return data


def other_act(day: str, **changes: Any) -> dict[str, Any]:
    """A different shelling of Kafranbel: another day, told in other words (the same words
    would make it a syndicated copy of the first report, hence the same event)."""
    return incident(
        date=day, evidence=[f"Artillery hit Kafranbel again on {day}, the monitor said."], **changes
    )


def tg_settings(
    fake: FakeTelegram, destinations: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "token": TOKEN,
        "api_base_url": fake.base_url,
        "timeout_seconds": 1.0,
        "retry_base_seconds": 1.0,
        "retry_max_seconds": 60.0,
        "per_chat_interval_seconds": 0.0,
        "max_attempts": 3,
        "destinations": destinations,
        **extra,
    }


DEFAULT_DESTINATIONS = [
    {"chat_id": ANALYSTS, "name": "analysts", "review": True},
    {"chat_id": PUBLIC, "name": "public"},
    {"chat_id": CRITICAL_ONLY, "name": "critical", "min_severity": "critical"},
]


_OPEN: list[Harness] = []


class Harness:
    """An App on a real SQLite file with one feed; items and incidents are added by hand."""

    def __init__(self, app: App, clock: FakeClock) -> None:
        self.app = app
        self.clock = clock
        self.app.upgrade_db()
        self.app.sync_destinations()
        self.app.repo.sync_feeds([_spec()], clock())
        feed = self.app.repo.list_feeds()[0]
        assert feed.id is not None
        self.feed_id = feed.id
        self._n = 0
        _OPEN.append(self)

    def add_item(
        self, *incidents: dict[str, Any], title: str = "Shelling", eligible: bool = True,
        site: str = "news.example",
    ) -> int:
        self._n += 1
        now = self.clock()
        item = NewItem(
            entry_key=f"k{self._n}",
            guid=f"k{self._n}",
            url=f"https://{site}/{self._n}?a=1&b=<2>",
            title=title,
            summary="s",
            text="s",
            content_hash=f"{self._n:064d}",
            language="en",
            published_at=now,
            published_source="published",
            first_seen_at=now,
            alert_eligible=eligible,
        )
        (item_id,) = self.app.repo.store_items(self.feed_id, [item])
        self.classify(item_id, *incidents)
        return item_id

    def classify(self, item_id: int, *incidents: dict[str, Any]) -> None:
        self.app.repo.save_classifications([(item_id, list(incidents))], self.clock())

    async def deliver(self) -> None:
        await self.app.alerts.deliver_once()

    def rows(self) -> list[Any]:
        return outbox_rows(self.app.engine)


def _spec() -> Any:
    from tracker.adapters.storage.feeds import FeedSpec

    return FeedSpec("https://news.example/feed", "Example News")


@pytest.fixture
def build(tmp_path: Path, clock: FakeClock) -> Iterator[Callable[..., Harness]]:
    apps: list[App] = []

    def _build(telegram: dict[str, Any], notifier: Any = None) -> Harness:
        settings = make_settings(f"sqlite:///{tmp_path / 't.db'}", telegram=telegram)
        app = App(settings, clock=clock, fetcher=object(), parser=object(), notifier=notifier)  # type: ignore[arg-type]
        apps.append(app)
        return Harness(app, clock)

    yield _build
    for app in apps:
        app.engine.dispose()


@pytest.fixture
def harness(build: Callable[..., Harness], fake_tg: FakeTelegram) -> Harness:
    return build(tg_settings(fake_tg, DEFAULT_DESTINATIONS))


def async_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run the test in one event loop and close the Telegram clients in that same loop."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def main() -> None:
            try:
                await fn(*args, **kwargs)
            finally:
                while _OPEN:
                    await _OPEN.pop().app.notifier.close()

        asyncio.run(main())

    return wrapper


def sent_texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text for m in fake.sent_to(chat_id)]


async def updates_until(harness: Harness, fake: FakeTelegram, done: Callable[[], bool]) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(harness.app.alerts.run_updates(stop))
    try:
        for _ in range(200):
            if done():
                break
            await asyncio.sleep(0.05)
        assert done()
    finally:
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
