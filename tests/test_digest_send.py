"""The digest send path: the scheduled job, `tracker digest --send`, once per (period,
destination) through the fake Telegram Bot API, whatever fires twice."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from tests.conftest import FakeClock, make_settings
from tests.support import digest_data as data
from tests.support.fake_telegram import FakeTelegram
from tracker.adapters.notify.console import ConsoleNotifier
from tracker.adapters.scheduler import DigestJob, build_scheduler, digest_trigger
from tracker.adapters.storage import db
from tracker.adapters.storage.digests import DigestRunStore
from tracker.app import App

TOKEN = "123:DIGEST"
DIGEST_ONLY, BOTH, IMMEDIATE = -2001, 2002, 2003
TZ = ZoneInfo("Asia/Damascus")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# 08:00 local on 2024-05-11: the digest due then covers 2024-05-10 (data.DAY).
SEND_AT = datetime(2024, 5, 11, 5, 0, tzinfo=UTC)
DESTINATIONS = [
    {"chat_id": DIGEST_ONLY, "name": "digest", "mode": "digest"},
    {"chat_id": BOTH, "name": "both", "mode": "both"},
    {"chat_id": IMMEDIATE, "name": "immediate"},
]


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()


def telegram(fake: FakeTelegram) -> dict[str, Any]:
    return {
        "token": TOKEN,
        "api_base_url": fake.base_url,
        "timeout_seconds": 2.0,
        "destinations": DESTINATIONS,
    }


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'digest.db'}"
    engine = db.create_db_engine(url)
    data.fill(engine)
    engine.dispose()
    return url


def build(url: str, fake: FakeTelegram, notifier: Any = None) -> App:
    settings = make_settings(url, telegram=telegram(fake))
    app = App(
        settings,
        clock=FakeClock(SEND_AT),
        fetcher=object(),  # type: ignore[arg-type]
        parser=object(),  # type: ignore[arg-type]
        notifier=notifier,
    )
    app.upgrade_db()
    app.sync_destinations()
    return app


def run_apps(*apps: App, body: Any) -> Any:
    async def main() -> Any:
        try:
            return await body()
        finally:
            for app in apps:
                await app.notifier.close()
                app.engine.dispose()

    return asyncio.run(main())


def test_job_firing_twice_and_a_second_instance_send_once_per_destination(
    db_url: str, fake_tg: FakeTelegram
) -> None:
    first, second = build(db_url, fake_tg), build(db_url, fake_tg)

    async def body() -> list[int]:
        together = await asyncio.gather(first._scheduled_digest(), first._scheduled_digest())
        assert together == [None, None]
        return [
            await first.send_digests(),  # the job fires once more
            await second.send_digests(),  # another instance, same database
            await second.send_digests(data.DAY),  # `tracker digest --date D --send`'s path
        ]

    assert run_apps(first, second, body=body) == [0, 0, 0]
    texts = {chat: [m.text for m in fake_tg.sent_to(chat)] for chat in (DIGEST_ONLY, BOTH)}
    photos = fake_tg.calls_to("sendPhoto", ok=True)
    assert sorted(int(c.params["chat_id"]) for c in photos) == sorted([DIGEST_ONLY, BOTH])
    assert all(c.params["photo"].startswith(PNG_SIGNATURE) for c in photos)
    assert fake_tg.sent_to(IMMEDIATE) == []
    messages = [c for c in fake_tg.calls_to("sendMessage") if int(c.params["chat_id"]) == BOTH]
    assert texts[DIGEST_ONLY] == texts[BOTH] and len(messages) == len(texts[BOTH]) - 1
    assert texts[BOTH][0].startswith("<b>Ceasefire digest: 2024-05-10</b>")
    # the 2024-05-10 numbers of tests/support/digest_data.py: one event per known incident
    assert "<b>3</b> violation(s) among 4 incident(s); 9 killed, 2 injured." in texts[BOTH][0]
    assert all(len(t) <= 4096 for t in texts[BOTH])
    runs = DigestRunStore(first.engine).runs()
    assert [(r.period_kind, r.period_start, r.status) for r in runs] == [
        ("day", data.DAY, "sent"),
        ("day", data.DAY, "sent"),
    ]
    assert all(len(r.message_ids) == len(texts[BOTH]) for r in runs)


def test_a_refused_digest_is_retried_only_while_nothing_was_delivered(
    db_url: str, fake_tg: FakeTelegram
) -> None:
    fake_tg.fail("sendMessage", "forbidden", chat_id=DIGEST_ONLY, times=2)
    fake_tg.fail("sendPhoto", "forbidden", chat_id=BOTH, times=None)
    app = build(db_url, fake_tg)

    async def body() -> list[int]:
        return [await app.send_digests() for _ in range(4)]

    # refused twice (nothing delivered: retried), then sent; BOTH got its text, not the chart
    assert run_apps(app, body=body) == [0, 0, 1, 0]
    assert len(fake_tg.calls_to("sendMessage", ok=False)) == 2
    assert [int(c.params["chat_id"]) for c in fake_tg.calls_to("sendPhoto", ok=True)] == [
        DIGEST_ONLY
    ]
    assert len(fake_tg.calls_to("sendPhoto", ok=False)) == 1  # partly delivered: not retried
    sent, failed = DigestRunStore(app.engine).runs()
    assert sent.status == "sent" and sent.sent_at == SEND_AT
    assert failed.status == "failed" and "chart" in (failed.last_error or "")
    assert len(failed.message_ids) == len(fake_tg.sent_to(BOTH))  # the text parts


def test_weekly_digest_covers_the_previous_week(db_url: str, fake_tg: FakeTelegram) -> None:
    settings = make_settings(db_url, telegram=telegram(fake_tg), digest={"period": "week"})
    monday = datetime(2024, 5, 13, 5, 0, tzinfo=UTC)
    app = App(settings, clock=FakeClock(monday), fetcher=object(), parser=object())  # type: ignore[arg-type]
    app.sync_destinations()

    async def body() -> int:
        return await app.send_digests()

    assert run_apps(app, body=body) == 2
    first = fake_tg.sent_to(BOTH)[0].text
    assert first.startswith("<b>Ceasefire digest: 2024-05-06 to 2024-05-12</b>")
    (run, _) = DigestRunStore(app.engine).runs()
    assert (run.period_kind, run.period_start) == ("week", date(2024, 5, 6))


def test_console_notifier_prints_the_digest_and_the_chart(db_url: str) -> None:
    out = io.StringIO()
    settings = make_settings(db_url, telegram={"destinations": [DESTINATIONS[0]]})
    app = App(
        settings,
        clock=FakeClock(SEND_AT),
        fetcher=object(),  # type: ignore[arg-type]
        parser=object(),  # type: ignore[arg-type]
        notifier=ConsoleNotifier(out),
    )
    app.sync_destinations()

    async def body() -> int:
        return await app.send_digests()

    assert run_apps(app, body=body) == 1
    text = out.getvalue()
    assert f"alert to chat {DIGEST_ONLY}" in text and "2024-05-10" in text
    assert f"photo to chat {DIGEST_ONLY}" in text and "[PNG image" in text


def test_scheduler_fires_at_the_local_time_of_day() -> None:
    async def send() -> None:
        return None

    daily = digest_trigger(DigestJob(send, "08:00", "Asia/Damascus"))
    after = datetime(2024, 5, 10, 6, 0, tzinfo=UTC)  # 09:00 local: today's run is past
    assert daily.get_next_fire_time(None, after) == datetime(2024, 5, 11, 8, 0, tzinfo=TZ)
    weekly = digest_trigger(DigestJob(send, "07:30", "Asia/Damascus", "week"))
    assert weekly.get_next_fire_time(None, after) == datetime(2024, 5, 13, 7, 30, tzinfo=TZ)

    async def body() -> list[str]:
        scheduler = build_scheduler(send, 15, DigestJob(send, "08:00", "Asia/Damascus"))
        return [job.id for job in scheduler.get_jobs()]

    assert asyncio.run(body()) == ["tick", "digest"]


def test_cli_send_goes_once(db_url: str, fake_tg: FakeTelegram, tmp_path: Path) -> None:
    from tracker.cli import app as cli_app

    cfg = tmp_path / "c.toml"
    lines = [
        "feeds = []",
        "[database]",
        f'url = "{db_url}"',
        "[telegram]",
        f'token = "{TOKEN}"',
        f'api_base_url = "{fake_tg.base_url}"',
        "[[telegram.destinations]]",
        f"chat_id = {DIGEST_ONLY}",
        'mode = "digest"',
    ]
    cfg.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    args = ["--config", str(cfg), "digest", "--date", "2024-05-10", "--format", "json", "--send"]
    first = runner.invoke(cli_app, args)
    assert first.exit_code == 0, first.output
    assert "digest sent to 1 destination(s)" in first.output
    again = runner.invoke(cli_app, args)
    assert again.exit_code == 0, again.output
    assert "digest sent to 0 destination(s)" in again.output
    assert len(fake_tg.calls_to("sendPhoto", ok=True)) == 1
    assert fake_tg.sent_to(DIGEST_ONLY)[0].text.startswith("<b>Ceasefire digest: 2024-05-10")
