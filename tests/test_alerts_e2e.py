"""`tracker run` as a subprocess: the local feed server, the real classifier, and the fake
Bot API reached by python-telegram-bot over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_telegram import FakeTelegram
from tests.support.feedserver import FeedServer, Reply, rss
from tests.support.service_run import E2E_TOKEN as TOKEN
from tests.support.service_run import HOSTILE, free_port, start_service, stop_service, wait_for

ANALYSTS, PUBLIC, CRITICAL_ONLY = -100777, 4242, 5353

@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()


def _config(tmp_path: Path, feed_url: str, fake: FakeTelegram, web_port: int) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "t.db"}"\n'
        "[polling]\ntick_seconds = 1\ntimeout_seconds = 5\nfetch_articles = false\n"
        'allowed_networks = ["127.0.0.1/32"]\n'
        f'[web]\nhost = "127.0.0.1"\nport = {web_port}\n'
        # the item is from 2019: the backlog rule would keep it quiet
        "[alerts]\nbacklog_hours = 0\n"
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{fake.base_url}"\n'
        "timeout_seconds = 2.0\nretry_base_seconds = 0.2\nretry_max_seconds = 1.0\n"
        "max_attempts = 1000\nper_chat_interval_seconds = 0.2\nlong_poll_seconds = 1\n"
        f'[[telegram.destinations]]\nchat_id = {ANALYSTS}\nname = "analysts"\nreview = true\n'
        f'[[telegram.destinations]]\nchat_id = {PUBLIC}\nname = "public"\n'
        'zones = ["idlib-deescalation"]\n'
        f'[[telegram.destinations]]\nchat_id = {CRITICAL_ONLY}\nmin_severity = "critical"\n'
        f'[[feeds]]\nurl = "{feed_url}"\nname = "Local"\n'
    )
    return cfg


def _sends(fake: FakeTelegram, chat_id: int, ok: bool = True) -> list[Any]:
    return [c for c in fake.calls_to("sendMessage", ok=ok) if int(c.params["chat_id"]) == chat_id]


def _settle(check: Callable[[], bool], seconds: float) -> None:
    """Give a wrong duplicate the time to show up (the assertion is on counts, not times)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check()
        time.sleep(0.1)


def test_violation_alerts_commands_and_review(
    feed_server: FeedServer, fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    feed = feed_server.route(
        "/feed", Reply(200, rss([HOSTILE]), {"Content-Type": "application/rss+xml"})
    )
    port = free_port()
    proc = start_service(_config(tmp_path, feed, fake_tg, port), tmp_path, tmp_path / "log.txt")
    try:
        wait_for(
            lambda: _sends(fake_tg, ANALYSTS) and _sends(fake_tg, PUBLIC),
            timeout=60,
            what="one alert per matching destination",
        )
        _settle(
            lambda: len(_sends(fake_tg, ANALYSTS)) == 1 and len(_sends(fake_tg, PUBLIC)) == 1, 3
        )
        assert _sends(fake_tg, CRITICAL_ONLY) == []
        text = fake_tg.sent_to(PUBLIC)[0].text
        assert "Kafranbel" in text and "sochi-2018" in text and "openstreetmap.org" in text

        # a command and a button press, through getUpdates
        fake_tg.push_command(9001, "/subscribe min_severity=high")
        analysts_msg = fake_tg.sent_to(ANALYSTS)[0]
        confirm = analysts_msg.reply_markup["inline_keyboard"][0][0]["callback_data"]
        fake_tg.push_press(ANALYSTS, analysts_msg.message_id, confirm, username="ana")
        wait_for(lambda: fake_tg.sent_to(9001), timeout=30, what="/subscribe reply")
        assert fake_tg.sent_to(9001)[0].text.startswith("Subscribed.")
        wait_for(
            lambda: "Confirmed" in fake_tg.sent_to(ANALYSTS)[0].text,
            timeout=30,
            what="the alert edited to show the decision",
        )
        assert "@ana" in fake_tg.sent_to(ANALYSTS)[0].text
        status = httpx.get(f"http://127.0.0.1:{port}/status").json()
        assert status["alerts"]["sent"] == 2 and status["alerts"]["dead"] == 0
        assert status["alerts"]["notifier"] == "telegram"
    finally:
        code = stop_service(proc)
    assert code == 0, (tmp_path / "log.txt").read_text()
    assert len(_sends(fake_tg, ANALYSTS)) == 1 and len(_sends(fake_tg, PUBLIC)) == 1


def test_alert_survives_sigkill_during_outage(
    feed_server: FeedServer, fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    feed = feed_server.route(
        "/feed", Reply(200, rss([HOSTILE]), {"Content-Type": "application/rss+xml"})
    )
    fake_tg.fail("sendMessage", "bad_gateway", times=None)
    cfg = _config(tmp_path, feed, fake_tg, free_port())
    log = tmp_path / "log.txt"
    proc = start_service(cfg, tmp_path, log)
    try:
        wait_for(
            lambda: len(_sends(fake_tg, PUBLIC, ok=False)) >= 2,
            timeout=60,
            what="refused sends during the outage",
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _sends(fake_tg, PUBLIC) == []
    fake_tg.clear_failures()

    cfg_text = cfg.read_text().replace(f"port = {_port_of(cfg)}", f"port = {free_port()}")
    cfg.write_text(cfg_text)
    proc = start_service(cfg, tmp_path, log)
    try:
        wait_for(
            lambda: _sends(fake_tg, PUBLIC) and _sends(fake_tg, ANALYSTS),
            timeout=90,
            what="the alert after the restart",
        )
        _settle(
            lambda: len(_sends(fake_tg, PUBLIC)) == 1 and len(_sends(fake_tg, ANALYSTS)) == 1, 3
        )
    finally:
        code = stop_service(proc)
    assert code == 0, log.read_text()


def _port_of(cfg: Path) -> int:
    for line in cfg.read_text().splitlines():
        if line.startswith("port = "):
            return int(line.split("=")[1])
    raise AssertionError("no port in config")


def test_dashboard_review_edits_the_sent_alert(
    feed_server: FeedServer, fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    """An analyst signed in to the dashboard dismisses the event: the same decision as the
    Telegram button, so the sent alert is edited the same way and the API shows it."""
    import re

    feed = feed_server.route(
        "/feed", Reply(200, rss([HOSTILE]), {"Content-Type": "application/rss+xml"})
    )
    port = free_port()
    cfg = _config(tmp_path, feed, fake_tg, port)
    proc = start_service(cfg, tmp_path, tmp_path / "log.txt")
    try:
        wait_for(lambda: _sends(fake_tg, ANALYSTS), timeout=60, what="the analysts' alert")
        added = subprocess.run(
            [sys.executable, "-m", "tracker", "users", "add", "amal", "--password-stdin"],
            env={**os.environ, "TRACKER_CONFIG": str(cfg)},
            input="correct horse battery\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert added.returncode == 0, added.stderr
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10, follow_redirects=True) as web:
            event_id = web.get("/api/v1/events").json()["events"][0]["id"]
            signin = {"name": "amal", "password": "correct horse battery"}
            assert web.post("/signin", data=signin).status_code == 200  # redirected to /
            page = web.get(f"/events/{event_id}").text
            match = re.search(r'name="csrf" value="([^"]+)"', page)
            assert match, page
            r = web.post(
                f"/events/{event_id}/review", data={"status": "dismissed", "csrf": match[1]}
            )
            assert r.status_code == 200 and "dismissed by an analyst" in r.text
            assert web.get(f"/api/v1/events/{event_id}").json()["review_status"] == "dismissed"
        wait_for(
            lambda: "Not a violation" in fake_tg.sent_to(ANALYSTS)[0].text,
            timeout=30,
            what="the alert edited to show the dashboard's decision",
        )
        assert "by amal" in fake_tg.sent_to(ANALYSTS)[0].text
    finally:
        code = stop_service(proc)
    assert code == 0, (tmp_path / "log.txt").read_text()
    assert len(_sends(fake_tg, ANALYSTS)) == 1  # edited, never sent again
