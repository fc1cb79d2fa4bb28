"""Replayed leaks of secrets into outputs (issue 13, item 4).

`tracker check-config` printed the password inside the database URL and a bad URL echoed it
in the error; feed URLs with user:password, `/status`, `tracker poll`, the digests'
failing-feeds lines and the logs showed credentials too; at DEBUG python-telegram-bot and
httpx log the Bot API URL, which holds the bot token.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from tests.conftest import make_settings
from tests.support.fake_telegram import FakeTelegram
from tests.support.feedserver import FeedServer, Reply, rss
from tracker.adapters.digest_render import render_html, render_markdown, render_telegram
from tracker.adapters.notify.telegram import TelegramNotifier
from tracker.app import App
from tracker.cli import app
from tracker.commands.common import setup_logging as _setup_logging
from tracker.core.digest import FeedRecord, build_digest, period_of
from tracker.core.sanitize import mask_secrets, mask_url

SECRET = "S3cretPW"
TOKEN = "987654:AAFsecretTokenPart_x-1"
runner = CliRunner()


def _all_output(result: Any) -> str:
    """stdout and stderr (Click's runner mixes them into `output`)."""
    return str(result.output)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`tracker poll` installs a handler on the runner's stream; put the root logger back."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    levels = {n: logging.getLogger(n).level for n in ("httpx", "httpcore", "alembic")}
    yield
    root.handlers[:], root.level = saved
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(body)
    return path


# -- the helper ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            f"postgresql+psycopg://tracker:{SECRET}@db:5432/tracker",
            "postgresql+psycopg://tracker:***@db:5432/tracker",
        ),
        (f"https://user:{SECRET}@feeds.example/rss", "https://user:***@feeds.example/rss"),
        (f"http://user:p@ss{SECRET}@proxy:3128", "http://user:***@proxy:3128"),
        (f"https://{SECRET}@feeds.example/rss", "https://***@feeds.example/rss"),
        ("https://feeds.example/rss?a=b@c", "https://feeds.example/rss?a=b@c"),
        (f"https://api.telegram.org/bot{TOKEN}/getMe", "https://api.telegram.org/bot***/getMe"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_mask_secrets_in_free_text() -> None:
    text = f"fetch of http://a:{SECRET}@h/x failed; retried via socks5://b:{SECRET}@p:1080"
    assert SECRET not in mask_secrets(text)
    assert mask_secrets(f"token {TOKEN} leaked", [TOKEN]) == "token *** leaked"


# -- check-config and settings errors --------------------------------------------------------


def test_check_config_masks_every_url(tmp_path: Path) -> None:
    cfg = _config(
        tmp_path,
        f'[database]\nurl = "postgresql+psycopg://tracker:{SECRET}@db.internal:5432/t"\n'
        f'[[feeds]]\nurl = "https://reader:{SECRET}@feeds.example/rss"\n'
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "https://u:{SECRET}@tg.example/bot"\n',
    )
    result = runner.invoke(app, ["--config", str(cfg), "check-config"])
    assert result.exit_code == 0, _all_output(result)
    out = _all_output(result)
    assert SECRET not in out and TOKEN not in out
    data = json.loads(result.stdout)
    assert data["database"]["url"] == "postgresql+psycopg://tracker:***@db.internal:5432/t"
    assert data["feeds"][0]["url"] == "https://reader:***@feeds.example/rss"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://tracker:{SECRET}@db:notaport/t",  # parses, then fails later
        f"mysql://tracker:{SECRET}@db/t",  # refused by the scheme check
    ],
)
def test_a_bad_database_url_is_refused_without_its_password(tmp_path: Path, url: str) -> None:
    cfg = _config(tmp_path, f'[database]\nurl = "{url}"\n')
    result = runner.invoke(app, ["--config", str(cfg), "check-config"])
    out = _all_output(result)
    assert result.exit_code == 2 and "database.url" in out, out
    assert SECRET not in out and "tracker:***@db" in out
    assert len(out.strip().splitlines()) == 1


def test_a_bad_feed_url_in_the_environment_is_not_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_FEEDS", json.dumps([{"url": f"ftp://u:{SECRET}@h/rss"}]))
    cfg = _config(tmp_path, f'[database]\nurl = "sqlite:///{tmp_path / "x.db"}"\n')
    result = runner.invoke(app, ["--config", str(cfg), "check-config"])
    out = _all_output(result)
    assert result.exit_code == 2 and "feeds.0.url" in out and SECRET not in out, out


# -- tracker poll, /status, logs -------------------------------------------------------------


@pytest.fixture
def served(feed_server: FeedServer) -> Iterator[tuple[str, str]]:
    good = feed_server.route(
        "/good",
        Reply(
            200,
            rss([{"title": "Shelling on Ariha", "guid": "1", "link": "http://example.org/1"}]),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    bad = feed_server.route("/bad", Reply(500, b"no", {"Content-Type": "text/plain"}))
    yield (
        good.replace("http://", f"http://reader:{SECRET}@"),
        bad.replace("http://", f"http://reader:{SECRET}@"),
    )


def test_poll_output_logs_and_status_mask_feed_credentials(
    tmp_path: Path, served: tuple[str, str]
) -> None:
    good, bad = served
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    cfg = _config(
        tmp_path,
        f'[database]\nurl = "{db_url}"\n[polling]\ntimeout_seconds = 5\nfetch_articles = false\n'
        f'allowed_networks = ["127.0.0.1/32"]\n'
        f'[classifier]\nenabled = false\n[logging]\nlevel = "DEBUG"\n'
        f'[[feeds]]\nurl = "{good}"\n[[feeds]]\nurl = "{bad}"\n',
    )
    result = runner.invoke(app, ["--config", str(cfg), "poll"])
    out = _all_output(result)
    assert "2 feeds polled, 1 new items, 1 errors" in out, out
    assert SECRET not in out and "reader:***@127.0.0.1" in out

    status_app = App(make_settings(db_url), fetcher=object(), parser=object())  # type: ignore[arg-type]
    try:
        status = json.dumps(status_app.status())
    finally:
        asyncio.run(status_app.aclose())
    assert SECRET not in status and "reader:***@127.0.0.1" in status


def test_log_lines_mask_urls_and_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'l.db'}", telegram={"token": TOKEN})
    _setup_logging(settings)
    log = logging.getLogger("tracker.test")
    log.warning("cannot reach postgresql+psycopg://t:%s@db/t with token %s", SECRET, TOKEN)
    try:
        raise ConnectionError(f"proxy http://u:{SECRET}@proxy:3128 refused")
    except ConnectionError:
        log.exception("fetch failed")
    err = capsys.readouterr().err
    assert "cannot reach postgresql+psycopg://t:***@db/t with token ***" in err
    assert "ConnectionError: proxy http://u:***@proxy:3128 refused" in err
    assert SECRET not in err and TOKEN not in err


def test_the_bot_token_never_reaches_a_log_record_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeTelegram(TOKEN).start()

    async def talk() -> None:
        notifier = TelegramNotifier(TOKEN, fake.base_url, 2.0, 0)
        try:
            assert (await notifier.send(42, "hello", html=False)).message_id == 1
            await notifier.get_updates(None, 0)
        finally:
            await notifier.close()

    try:
        caplog.set_level(logging.DEBUG)
        for name in ("httpx", "httpcore", "telegram"):
            caplog.set_level(logging.DEBUG, logger=name)
        asyncio.run(talk())
    finally:
        fake.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if TOKEN in m or "AAFsecret" in m]
    # the loggers still say what they did, with the token masked
    requests = [m for m in messages if "HTTP Request" in m and "sendMessage" in m]
    assert requests and "/bot***/sendMessage" in requests[0], messages
    assert any("Bot API URL" in m and "bot***" in m for m in messages)


# -- digests -------------------------------------------------------------------------------


def test_digest_failing_feed_lines_mask_credentials() -> None:
    tz = ZoneInfo("Asia/Damascus")
    feed = FeedRecord(
        name="",
        url=f"https://reader:{SECRET}@feeds.example/rss",
        state="degraded",
        consecutive_errors=7,
        last_error=f"ConnectError: http://reader:{SECRET}@feeds.example/rss refused",
        last_error_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    digest = build_digest(period_of(date(2024, 5, 1), "day", tz), [], [feed])
    outputs = [
        "\n".join(render_telegram(digest)),
        render_markdown(digest),
        render_html(digest),
        json.dumps(digest.to_json()),
    ]
    for out in outputs:
        assert SECRET not in out
        assert "reader:***@feeds.example" in out.replace("\\*", "*")  # Markdown escapes *
