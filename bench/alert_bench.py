"""Alert benchmark against the fake Bot API on 127.0.0.1 (python-telegram-bot over HTTP).

1. Latency: 200 new items, 10 per poll, each matching one of 10 chats. Measured from the
   moment the poll's feed request reaches the local feed server to the moment the
   sendMessage for that item reaches the fake Bot API; p50 and p99. Polls are 1.1 s apart so
   the one-message-per-second-per-chat limit never adds a wait (the goal excludes those).
   A deterministic stand-in classifier turns "item N" into one violation, so the figure is
   the pipeline's (store, classify, outbox, delivery), not the classifier's.
2. Burst: 500 alerts to 10 chats (50 incidents each matching every chat), with one 429
   retry_after on the way. Checks from the server's own record: no loss, no duplicate,
   at most one message per second per chat, at most 30 per second overall, at most 20 per
   minute per group chat (two of the ten chats are groups).
3. Fan-out: 1 incident to 120 chats, which only the overall 30 messages/s limit can slow.

Writes bench/results/alerts.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.fake_telegram import FakeTelegram
from tests.support.feedserver import FeedServer, Reply, Request, rss
from tracker.app import App, feed_spec
from tracker.core.feeds import NewItem
from tracker.core.incident import ItemInput
from tracker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

TOKEN = "1:BENCH"


class Clock:
    """Real time, pushed forward by hand so the one feed is due at every poll."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class _Incident:
    def __init__(self, n: int) -> None:
        self.n = n

    def to_dict(self) -> dict[str, Any]:
        day = date(2019, 1, 1) + timedelta(days=3 * self.n)  # days apart: never merged
        return {
            "violation": True,
            "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack",
            "date": day.isoformat(),
            "date_precision": 1,
            "location": {
                "name": "Kafranbel",
                "admin1": "Idlib",
                "lat": 35.61,
                "lon": 36.56,
                "precision": 1,
            },
            "fatalities": 2,
            "fatalities_low": 2,
            "fatalities_high": 2,
            "injured": None,
            "actors": [
                {"name": "Syrian government forces", "side": "government", "role": "attacker"}
            ],
            "agreements": ["sochi-2018"],
            "zones": ["idlib-deescalation"],
            "severity": "high",
            "confidence": 0.7,
            "reasons": ["sochi-2018 art. 2: no attacks."],
            "evidence": [f"Shelling reported in item {self.n}."],
        }


class StandIn:
    def classify(self, item: ItemInput) -> Sequence[_Incident]:
        m = re.search(r"item (\d+)", item.title)
        return [_Incident(int(m.group(1)))] if m else []


def _settings(db: Path, fake: FakeTelegram, chats: Sequence[int], **dest: Any) -> Settings:
    return Settings(
        database={"url": f"sqlite:///{db}"},
        feeds=[],
        web={"enabled": False},
        polling={
            "fetch_articles": False,
            "timeout_seconds": 5,
            "allowed_networks": ["127.0.0.1/32"],
        },
        alerts={"backlog_hours": 0},
        telegram={
            "token": TOKEN,
            "api_base_url": fake.base_url,
            "commands": False,
            "delivery_interval_seconds": 0.5,
            "destinations": [{"chat_id": c, **dest.get(str(c), {})} for c in chats],
        },
    )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def latency(tmp: Path, items: int = 200, per_poll: int = 10) -> dict[str, Any]:
    fake = FakeTelegram(TOKEN).start()
    feeds = FeedServer().start()
    chats = [1000 + i for i in range(per_poll)]
    dest = {str(c): {"include_keywords": [f"chat {c}:"]} for c in chats}
    clock = Clock()
    app = App(
        _settings(tmp / "latency.db", fake, chats, **dest),
        clock=clock,
        classifier_factory=StandIn,
    )
    served: list[dict[str, str]] = []
    polled_at: dict[int, float] = {}

    def handler(req: Request) -> Reply:
        now = time.monotonic()
        for entry in served:
            polled_at.setdefault(int(entry["guid"]), now)
        return Reply(200, rss(served), {"Content-Type": "application/rss+xml"})

    url = feeds.route("/feed", handler)
    app.upgrade_db()
    app.repo.sync_feeds([feed_spec(url, "bench")], clock())
    app.sync_destinations()
    stop = asyncio.Event()
    await app.parser.start()  # type: ignore[attr-defined]
    app.classification.classifier  # noqa: B018  (build it before measuring)
    delivery = asyncio.create_task(app.alerts.run_delivery(stop))
    try:
        for start in range(0, items, per_poll):
            for n in range(start, start + per_poll):
                chat = chats[n % per_poll]
                served.append(
                    {
                        "title": f"Shelling for chat {chat}: item {n}",
                        "guid": str(n),
                        "link": f"http://news.example/{n}",
                        "pubDate": "Mon, 10 Jun 2019 09:00:00 +0000",
                    }
                )
            clock.offset += timedelta(seconds=400)
            await app.tick()
            deadline = time.monotonic() + 20
            while len(fake.calls_to("sendMessage", ok=True)) < start + per_poll:
                if time.monotonic() > deadline:
                    raise RuntimeError("alerts did not arrive")
                await asyncio.sleep(0.01)
            await asyncio.sleep(1.1)  # keep clear of the per-chat limit
    finally:
        stop.set()
        await delivery
        await app.aclose()
        feeds.stop()
    lat = []
    for call in fake.calls_to("sendMessage", ok=True):
        m = re.search(r"item (\d+)", call.params["text"])
        assert m is not None
        lat.append(call.at - polled_at[int(m.group(1))])
    fake.stop()
    return {
        "items": len(lat),
        "p50_seconds": round(_pct(lat, 0.5), 4),
        "p99_seconds": round(_pct(lat, 0.99), 4),
        "max_seconds": round(max(lat), 4),
        "mean_seconds": round(statistics.mean(lat), 4),
    }


def _store_incidents(app: App, count: int, now: datetime) -> None:
    feed = app.repo.list_feeds()[0]
    assert feed.id is not None
    for n in range(count):
        item = NewItem(
            entry_key=str(n),
            guid=str(n),
            url=f"http://news.example/{n}",
            title=f"Shelling, item {n}",
            summary="s",
            text="s",
            content_hash=f"{n:064d}",
            language="en",
            published_at=now,
            published_source="published",
            first_seen_at=now,
            alert_eligible=True,
        )
        (item_id,) = app.repo.store_items(feed.id, [item])
        app.repo.save_classifications([(item_id, [_Incident(n).to_dict()])], now)


async def burst(
    tmp: Path, name: str, chats: list[int], incidents: int, timeout: float
) -> dict[str, Any]:
    fake = FakeTelegram(TOKEN).start()
    fake.fail("sendMessage", "retry_after", chat_id=chats[0], retry_after=2)
    clock = Clock()
    app = App(_settings(tmp / f"{name}.db", fake, chats), clock=clock, classifier_factory=StandIn)
    app.upgrade_db()
    app.repo.sync_feeds([feed_spec("http://news.example/feed", "bench")], clock())
    app.sync_destinations()
    _store_incidents(app, incidents, clock())
    expected = incidents * len(chats)
    stop = asyncio.Event()
    started = time.monotonic()
    delivery = asyncio.create_task(app.alerts.run_delivery(stop))
    try:
        while app.alert_store.outbox_counts()["sent"] < expected:
            if time.monotonic() - started > timeout:
                break
            await asyncio.sleep(0.2)
        wall = time.monotonic() - started
    finally:
        stop.set()
        await delivery
        counts = app.alert_store.outbox_counts()
        await app.aclose()
        fake.stop()
    ok = fake.calls_to("sendMessage", ok=True)
    per_chat: dict[int, list[float]] = defaultdict(list)
    for call in ok:
        per_chat[int(call.params["chat_id"])].append(call.at)
    texts = [
        (int(c.params["chat_id"]), re.search(r"item (\d+)", c.params["text"]).group(1)) for c in ok
    ]  # type: ignore[union-attr]
    attempts = sorted(c.at for c in fake.calls_to("sendMessage"))
    max_per_second = max(sum(1 for t in attempts if a <= t < a + 1.0) for a in attempts)
    min_gap = min(
        (b - a for times in per_chat.values() for a, b in itertools.pairwise(times)),
        default=None,
    )
    group_max_minute = max(
        (
            max(sum(1 for t in times if a <= t < a + 60.0) for a in times)
            for chat, times in per_chat.items()
            if chat < 0
        ),
        default=0,
    )
    return {
        "alerts_expected": expected,
        "delivered": len(ok),
        "duplicates": len(texts) - len(set(texts)),
        "lost": expected - len(set(texts)),
        "dead": counts["dead"],
        "retry_after_answers": len(fake.calls_to("sendMessage", ok=False)),
        "wall_seconds": round(wall, 2),
        "max_messages_in_any_second": max_per_second,
        "min_gap_same_chat_seconds": round(min_gap, 3) if min_gap is not None else None,
        "max_messages_per_minute_in_a_group": group_max_minute,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--skip-groups", action="store_true", help="no group chats (faster)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        results: dict[str, Any] = {"latency": asyncio.run(latency(path, args.items))}
        print("latency:", json.dumps(results["latency"]))
        groups = [] if args.skip_groups else [-2001, -2002]
        chats = groups + [3000 + i for i in range(10 - len(groups))]
        results["burst_500_to_10_chats"] = asyncio.run(burst(path, "burst", chats, 50, 400))
        print("burst:", json.dumps(results["burst_500_to_10_chats"]))
        fan = [5000 + i for i in range(120)]
        results["fanout_1_to_120_chats"] = asyncio.run(burst(path, "fanout", fan, 1, 120))
        print("fan-out:", json.dumps(results["fanout_1_to_120_chats"]))
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "alerts.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
