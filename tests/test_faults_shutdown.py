"""Item 18: SIGTERM while a message is being sent stops `tracker run` within 5 s (Docker's
default grace period is 10 s), even though the Bot API takes far longer to answer."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_telegram import FakeTelegram
from tests.support.feedserver import FeedServer, Reply, rss
from tests.support.service_run import E2E_TOKEN as TOKEN
from tests.support.service_run import HOSTILE, free_port, start_service, wait_for


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()

def test_sigterm_while_sending_exits_within_five_seconds(
    feed_server: FeedServer,
    fake_tg: FakeTelegram,
    tmp_path: Path,
) -> None:
    feed = feed_server.route(
        "/feed", Reply(200, rss([HOSTILE]), {"Content-Type": "application/rss+xml"})
    )
    fake_tg.fail("sendMessage", "stall", times=None, stall=30.0)  # answers after 30 s
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "t.db"}"\n'
        "[polling]\ntick_seconds = 1\ntimeout_seconds = 5\nfetch_articles = false\n"
        'allowed_networks = ["127.0.0.1/32"]\n'
        f'[web]\nhost = "127.0.0.1"\nport = {free_port()}\n'
        "[alerts]\nbacklog_hours = 0\n"
        # the default request timeout (10 s): waiting for it is what made stopping slow
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{fake_tg.base_url}"\n'
        "long_poll_seconds = 1\n"
        "[[telegram.destinations]]\nchat_id = 4242\n"
        f'[[feeds]]\nurl = "{feed}"\nname = "Local"\n'
    )
    log = tmp_path / "log.txt"
    proc = start_service(cfg, tmp_path, log)
    try:
        wait_for(lambda: fake_tg.calls_to("sendMessage"), timeout=90, what="a send under way")
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = proc.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, log.read_text()
    assert took < 5.0, f"stopping took {took:.1f} s\n{log.read_text()}"
    assert "tracker stopped" in log.read_text()
