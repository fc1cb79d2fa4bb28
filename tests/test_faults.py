"""Faults on real PostgreSQL with the fake Bot API over HTTP: database outages while the bot
is polled and while alerts are sent, a dead instance's claims, and how outages are logged.

A database outage is real: the per-test database refuses new connections
(ALLOW_CONNECTIONS false) and its open connections are terminated, then it is let back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import FakeClock, make_settings
from tests.support.alert_harness import (
    TOKEN,
    Harness,
    other_act,
    tg_settings,
)
from tests.support.db_reads import outbox_rows
from tests.support.fake_telegram import FakeTelegram
from tracker.app import App
from tracker.core.alerts import INSTANCE_LEASE_PREFIX
from tracker.services.alert_bot import AlertService

CHAT_A, CHAT_B = 2002, -1003
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()


def _db_name(url: str) -> str:
    name = make_url(url).database
    assert name
    return name


def block_db(url: str) -> None:
    """Take the database away: no new connections, the open ones terminated."""
    name = _db_name(url)
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )


def unblock_db(url: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{_db_name(url)}" ALLOW_CONNECTIONS true')


@pytest.fixture
def pg(postgres_url: str) -> Iterator[str]:
    """The per-test database, let back in whatever happens (it is dropped afterwards)."""
    yield postgres_url
    unblock_db(postgres_url)


async def eventually(done: Callable[[], Any], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        await asyncio.sleep(0.05)
    assert done()


def two_chats(fake: FakeTelegram, **extra: Any) -> dict[str, Any]:
    return tg_settings(
        fake, [{"chat_id": CHAT_A, "name": "a"}, {"chat_id": CHAT_B, "name": "b"}], **extra
    )


def pg_harness(url: str, telegram: dict[str, Any], clock: FakeClock | None = None) -> Harness:
    clock = clock or FakeClock()
    settings = make_settings(url, telegram=telegram)
    app = App(settings, clock=clock, fetcher=object(), parser=object())  # type: ignore[arg-type]
    return Harness(app, clock)


def alerts_per_event(fake: FakeTelegram, chat_id: int) -> dict[str, int]:
    """How many messages each incident got in the chat (every alert names its incident)."""
    counts: dict[str, int] = {}
    for message in fake.sent_to(chat_id):
        ref = message.text.split("incident ")[-1].split()[0]
        counts[ref] = counts.get(ref, 0) + 1
    return counts


# -- item 14: bot command polling survives a database outage --------------------------------


def test_command_polling_survives_a_database_outage(pg: str, fake_tg: FakeTelegram) -> None:
    settings = make_settings(pg, telegram=two_chats(fake_tg, long_poll_seconds=1))
    app = App(settings, fetcher=object(), parser=object())  # type: ignore[arg-type]

    async def main() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(app.run(stop))
        try:
            await eventually(lambda: fake_tg.calls_to("getUpdates"), 30)
            block_db(pg)
            await asyncio.sleep(3.0)  # the lease and the cursor cannot be read or written
            assert not app.ready()[0]
            unblock_db(pg)
            polls = len(fake_tg.calls_to("getUpdates"))
            fake_tg.push_command(555, "/subscribe min_severity=high")
            await eventually(
                lambda: any(m.text.startswith("Subscribed") for m in fake_tg.sent_to(555)), 30
            )
            assert len(fake_tg.calls_to("getUpdates")) > polls
            assert await asyncio.to_thread(app.ready) == (True, "database reachable")
        finally:
            stop.set()
            await asyncio.wait_for(running, 30)

    asyncio.run(main())


def test_an_update_handled_while_the_database_fails_is_not_handled_again(
    pg: str, fake_tg: FakeTelegram
) -> None:
    """The reply went out, then saving the update id failed: the id is kept and saved once
    the database is back, so the next getUpdates does not bring the same command again."""
    settings = make_settings(pg, telegram=two_chats(fake_tg, long_poll_seconds=1))
    app = App(settings, fetcher=object(), parser=object())  # type: ignore[arg-type]
    taken_away = threading.Event()

    def outage_on_reply(method: str, params: dict[str, Any]) -> None:
        first = not taken_away.is_set()
        if first and method == "sendMessage" and str(params.get("chat_id")) == "555":
            taken_away.set()
            block_db(pg)

    async def main() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(app.run(stop))
        try:
            await eventually(lambda: fake_tg.calls_to("getUpdates"), 30)
            fake_tg.on_request = outage_on_reply
            fake_tg.push_command(555, "/help")
            await eventually(taken_away.is_set, 10)
            await asyncio.sleep(2.0)
            unblock_db(pg)
            fake_tg.push_command(556, "/help")
            await eventually(lambda: fake_tg.sent_to(556), 30)
            await asyncio.sleep(1.5)  # time for a wrong second answer to show up
        finally:
            stop.set()
            await asyncio.wait_for(running, 30)

    asyncio.run(main())
    assert len(fake_tg.sent_to(555)) == 1


def test_a_task_that_dies_is_restarted_and_named_by_readyz(
    pg: str, fake_tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(pg, telegram=two_chats(fake_tg))
    app = App(settings, fetcher=object(), parser=object())  # type: ignore[arg-type]
    app.upgrade_db()
    runs: list[int] = []

    async def flaky(stop: asyncio.Event) -> None:
        """A loop with a bug that kills it on its first run."""
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("boom")
        await stop.wait()

    async def main() -> None:
        stop = asyncio.Event()
        task = app.supervisor.start("flaky", flaky, stop)
        await eventually(lambda: runs, 5)
        await asyncio.sleep(0.1)
        ok, detail = app.ready()
        assert not ok and "flaky" in detail and "RuntimeError: boom" in detail
        await eventually(lambda: len(runs) == 2, 5)  # restarted
        await asyncio.sleep(0.1)
        assert app.ready() == (True, "database reachable")
        stop.set()
        await asyncio.wait_for(task, 5)

    try:
        with caplog.at_level(logging.ERROR):
            asyncio.run(main())
    finally:
        app.engine.dispose()
    died = [r for r in caplog.records if "task flaky died" in r.getMessage()]
    assert len(died) == 1 and died[0].exc_info is not None


# -- item 15: no duplicate when the database fails mid-batch --------------------------------


def test_database_failing_mid_batch_sends_nothing_twice(pg: str, fake_tg: FakeTelegram) -> None:
    h = pg_harness(pg, two_chats(fake_tg))
    days = ["2019-06-09", "2019-06-12", "2019-06-15"]
    for day in days:
        h.add_item(other_act(day))
    taken_away = threading.Event()

    blocked_at: list[float] = []

    def outage_on_first_send(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and not taken_away.is_set():
            taken_away.set()
            block_db(pg)  # the message is delivered, recording it will fail
            # block_db takes a moment under load; a send whose attempt was recorded before it
            # took effect is legitimate: only sends arriving once the database is gone count
            blocked_at.append(time.monotonic())

    fake_tg.on_request = outage_on_first_send

    async def main() -> None:
        delivering = asyncio.create_task(h.deliver())
        await eventually(taken_away.is_set, 10)
        await asyncio.sleep(2.0)
        # the message that set the outage off, plus those that arrived after it began
        sent_during_outage = 1 + sum(
            1 for c in fake_tg.calls_to("sendMessage") if c.at > blocked_at[0])
        unblock_db(pg)
        await asyncio.wait_for(delivering, 30)
        # at most the message in flight in each chat went out while nothing could be recorded
        assert sent_during_outage <= 2
        for _ in range(4):  # later passes, long after any claim of the first has run out
            h.clock.advance(3600)
            await h.deliver()
        await h.app.notifier.close()

    try:
        asyncio.run(main())
        rows = h.rows()
    finally:
        h.app.engine.dispose()
    for chat in (CHAT_A, CHAT_B):
        counts = alerts_per_event(fake_tg, chat)
        assert len(counts) == len(days) and set(counts.values()) == {1}, (chat, counts)
    assert [r.status for r in rows] == ["sent"] * 6
    assert all(r.claimed_by is None and r.attempt_at is None for r in rows)


def test_outage_longer_than_a_claim_sends_nothing_twice_with_two_instances(
    pg: str, fake_tg: FakeTelegram
) -> None:
    """The database goes away while one instance is sending, for longer than its claims
    last; when it comes back the other instance must leave the claims of a live instance
    alone until it has recorded what it sent."""
    # timeout_seconds 0.5: claims last 2 * 5 * 0.5 + 5 = 10 s; the outage lasts 12 s
    quick = {"timeout_seconds": 0.5, "heartbeat_seconds": 0.5, "instance_expiry_seconds": 2.0}
    from tracker.app import utcnow

    first = pg_harness(pg, two_chats(fake_tg, **quick), utcnow)  # type: ignore[arg-type]
    days = ["2019-06-09", "2019-06-12", "2019-06-15"]
    for day in days:
        first.add_item(other_act(day))
    second = App(
        make_settings(pg, telegram=two_chats(fake_tg, **quick)), fetcher=object(), parser=object()
    )  # type: ignore[arg-type]
    assert first.app.alerts.config.lease_seconds == 10.0
    taken_away = threading.Event()

    def outage_on_first_send(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and not taken_away.is_set():
            taken_away.set()
            block_db(pg)

    async def main() -> None:
        stop = asyncio.Event()
        tasks = []
        for app in (first.app, second):
            tasks.append(asyncio.create_task(app.alerts.run_heartbeat(stop)))
        await asyncio.sleep(2.5)  # both heartbeats steady: either may take over the other
        fake_tg.on_request = outage_on_first_send
        for app in (first.app, second):
            tasks.append(asyncio.create_task(app.alerts.run_delivery(stop)))
        try:
            await eventually(taken_away.is_set, 10)
            await asyncio.sleep(12.0)
            unblock_db(pg)
            await eventually(lambda: len(fake_tg.calls_to("sendMessage", ok=True)) >= 6, 30)
            await asyncio.sleep(3.0)  # time for a wrong duplicate to show up
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for app in (first.app, second):
                await app.notifier.close()

    try:
        asyncio.run(main())
    finally:
        first.app.engine.dispose()
        second.engine.dispose()
    for chat in (CHAT_A, CHAT_B):
        counts = alerts_per_event(fake_tg, chat)
        assert len(counts) == len(days) and set(counts.values()) == {1}, (chat, counts)


# -- item 17: a dead instance's claims are taken over within 15 s ---------------------------


def test_live_instance_takes_over_a_dead_instances_claims(
    pg: str, fake_tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    quick = {"heartbeat_seconds": 0.5, "instance_expiry_seconds": 2.0}
    # timeout_seconds = 10 makes each claim last 105 s: the old way would wait that long
    dead = pg_harness(pg, two_chats(fake_tg, timeout_seconds=10.0, **quick), FakeClock())
    for day in ("2019-06-09", "2019-06-12"):
        dead.add_item(other_act(day))
    live_app = App(
        make_settings(pg, telegram=two_chats(fake_tg, **quick)), fetcher=object(), parser=object()
    )  # type: ignore[arg-type]
    dead_id = dead.app.alerts.instance
    dead_lease = INSTANCE_LEASE_PREFIX + dead_id

    def dead_heartbeat() -> None:
        dead.app.leases.acquire(dead_lease, dead_id, _utcnow(), 2.0)

    first: list[int] = []

    async def main() -> None:
        beating = True

        async def beat() -> None:  # the other instance's heartbeat, until it "dies"
            while beating:
                await asyncio.to_thread(dead_heartbeat)
                await asyncio.sleep(0.5)

        beater = asyncio.create_task(beat())
        await asyncio.sleep(0.2)
        claimed = dead.app.alert_store.claim(
            _utcnow(), dead.app.alerts.config.lease_seconds, per_chat=5, instance=dead_id
        )
        assert len(claimed) == 4 and dead.app.alerts.config.lease_seconds > 100
        # it had started sending the first one when it died: that outcome is unknown
        assert dead.app.alert_store.begin_attempt(claimed[0].row_id, dead_id, _utcnow())
        first.append(claimed[0].row_id)
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(live_app.alerts.run_heartbeat(stop)),
            asyncio.create_task(live_app.alerts.run_delivery(stop)),
        ]
        try:
            await asyncio.sleep(4.0)  # while its heartbeat goes on, its claims are its own
            assert fake_tg.calls_to("sendMessage") == []
            beating = False
            await beater
            died_at = time.monotonic()
            await eventually(lambda: len(fake_tg.calls_to("sendMessage", ok=True)) == 4, 15)
            assert time.monotonic() - died_at < 15
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await live_app.notifier.close()

    try:
        with caplog.at_level(logging.WARNING):
            asyncio.run(main())
        rows = outbox_rows(live_app.engine)
    finally:
        dead.app.engine.dispose()
        live_app.engine.dispose()
    assert [r.status for r in rows] == ["sent"] * 4
    unknown = [r for r in caplog.records if "never recorded" in r.getMessage()]
    assert len(unknown) == 1 and f"alert {first[0]} " in unknown[0].getMessage()


def _utcnow() -> Any:
    from tracker.app import utcnow

    return utcnow()


# -- item 19: an outage is logged once, then counted; a 429 is logged -----------------------


def test_delivery_outage_logs_one_traceback_then_counts(
    pg: str, fake_tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    h = pg_harness(pg, two_chats(fake_tg))
    alerts = h.app.alerts
    config = replace(alerts.config, delivery_interval_seconds=0.05, error_summary_seconds=0.5)
    service = AlertService(alerts.store, alerts.notifier, config, h.clock)

    async def main() -> None:
        stop = asyncio.Event()
        block_db(pg)
        loop = asyncio.create_task(service.run_delivery(stop))
        await asyncio.sleep(2.0)
        unblock_db(pg)
        await asyncio.sleep(1.0)
        stop.set()
        await asyncio.wait_for(loop, 10)
        await alerts.notifier.close()

    try:
        with caplog.at_level(logging.INFO, logger="tracker"):
            asyncio.run(main())
    finally:
        h.app.engine.dispose()
    mine = [r for r in caplog.records if r.name == "tracker.services.alerts"]
    tracebacks = [r for r in mine if r.exc_info is not None]
    assert len(tracebacks) == 1 and tracebacks[0].getMessage() == "alert delivery failed"
    summaries = [r.getMessage() for r in mine if "still failing" in r.getMessage()]
    assert summaries and all("errors in the last" in s for s in summaries)
    assert int(summaries[0].split("still failing: ")[1].split()[0]) >= 2
    assert any("alert delivery recovered after" in r.getMessage() for r in mine)


def test_tick_outage_logs_one_traceback(
    pg: str, fake_tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    h = pg_harness(pg, two_chats(fake_tg))

    async def main() -> None:
        block_db(pg)
        for _ in range(5):
            await h.app.tick()
        unblock_db(pg)
        await h.app.tick()

    try:
        with caplog.at_level(logging.INFO, logger="tracker"):
            asyncio.run(main())
    finally:
        h.app.engine.dispose()
    ticks = [r for r in caplog.records if r.name == "tracker.app"]
    assert len([r for r in ticks if r.exc_info is not None]) == 1
    assert any(r.getMessage() == "tick recovered after 5 error(s)" for r in ticks)


def test_retry_after_is_logged_with_the_wait(
    pg: str, fake_tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    h = pg_harness(pg, two_chats(fake_tg))
    h.add_item(other_act("2019-06-09"))
    fake_tg.fail("sendMessage", "retry_after", chat_id=CHAT_A, retry_after=7)

    async def main() -> None:
        await h.deliver()
        await h.app.notifier.close()

    try:
        with caplog.at_level(logging.WARNING, logger="tracker"):
            asyncio.run(main())
    finally:
        h.app.engine.dispose()
    waits = [r for r in caplog.records if "429" in r.getMessage()]
    assert len(waits) == 1 and waits[0].levelno == logging.WARNING
    assert f"chat {CHAT_A}" in waits[0].getMessage() and "wait 7 s" in waits[0].getMessage()


def test_without_a_bot_the_supervised_loops_stay_quiet(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With the console notifier there is nothing to poll: the bot loop waits for the stop
    instead of ending, which the supervisor would take for a crash and restart forever."""
    app = App(make_settings(sqlite_url), fetcher=object(), parser=object())  # type: ignore[arg-type]

    async def main() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(app.run(stop))
        await asyncio.sleep(2.5)
        assert await asyncio.to_thread(app.ready) == (True, "database reachable")
        stop.set()
        await asyncio.wait_for(running, 30)

    with caplog.at_level(logging.WARNING, logger="tracker"):
        asyncio.run(main())
    assert app.supervisor.restarts == {}
    assert not [r for r in caplog.records if r.name == "tracker.services.supervisor"]
