"""Replayed hostile feed text in outputs (issue 13, items 8 and 9).

- Links with `javascript:`, `data:`, `tg:` or `ftp:` schemes were rendered as links in alerts
  and `/latest` (digests already filtered them).
- Terminal escape sequences (`\\x1b[...`, OSC 8 links) from feed text were printed raw by the
  console notifier and the CLI; bidi overrides and zero-width characters passed into alerts
  and digests.
"""


from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from tests.support.alert_harness import (
    PUBLIC,
    Harness,
    async_test,
    incident,
    tg_settings,
    updates_until,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.feedserver import FeedServer, Reply, rss
from tracker.adapters.digest_render import render_html, render_markdown, render_telegram
from tracker.adapters.notify.console import ConsoleNotifier
from tracker.adapters.notify.telegram_text import render_alert, render_list
from tracker.cli import app
from tracker.core.alerts import Source, event_view
from tracker.core.digest import FeedRecord, IncidentRecord, build_digest, period_of
from tracker.core.feeds import NewItem
from tracker.core.sanitize import neutralise, terminal_safe, web_url

HOSTILE_URLS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "tg://resolve?domain=phisher",
    "ftp://files.example/evil",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "http:/no-host",
    "https://evil.example/\x1b[2J",
]
# Right-to-left override, isolates, marks, zero-width space / joiners, word joiner, BOM.
INVISIBLE = "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u200c\u200d\u2060\ufeff"
ESCAPES = [
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x1b[31;1m",  # colour
    "\x1b]8;;https://evil.example\x1b\\",  # OSC 8 hyperlink, ST-terminated
    "\x1b]8;;\x07",  # OSC 8 end, BEL-terminated
    "\x1b]0;pwned title\x07",  # window title
    "\x9b31m",  # 8-bit CSI
    "\x9d8;;https://evil.example\x9c",  # 8-bit OSC
    "\x1bP+q544e\x1b\\",  # DCS
    "\x07\x08\x7f\x00",  # bell, backspace, DEL, NUL
]


def _no_invisible(text: str) -> bool:
    return not any(c in text for c in INVISIBLE)


def _no_escapes(text: str) -> bool:
    return not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)


# -- the helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_only_http_links_are_web_links(url: str) -> None:
    assert not web_url(url)


def test_web_links_stay_links() -> None:
    assert web_url("https://www.syriahr.com/en/1/?a=1&b=2") and web_url("HTTP://x.example")


@pytest.mark.parametrize("escape", ESCAPES)
def test_terminal_safe_strips_escape_sequences(escape: str) -> None:
    cleaned = terminal_safe(f"Shelling{escape} on Ariha\n\tkilled 3")
    assert _no_escapes(cleaned.replace("\n", "").replace("\t", ""))
    assert cleaned.startswith("Shelling") and cleaned.endswith(" on Ariha\n\tkilled 3")
    assert "evil.example" not in cleaned and "pwned" not in cleaned


def test_neutralise_removes_bidi_and_zero_width_only() -> None:
    text = "قصف على أريحا — shelling, 3 killed 👍"
    assert neutralise(text) == text
    assert neutralise(f"exe{INVISIBLE}.txt") == "exe.txt"


# -- alerts and /latest: links --------------------------------------------------------------


def _view(urls: list[str], **changes: Any) -> Any:
    sources = [Source(f"title {i}", url, "feed") for i, url in enumerate(urls)]
    return event_view(7, incident(**changes), sources)


@pytest.mark.parametrize("as_html", [True, False])
def test_alert_and_latest_render_only_http_links(as_html: bool) -> None:
    urls = [*HOSTILE_URLS, "https://news.example/ok"]
    view = _view(urls)
    alert = "\n".join(render_alert(view, as_html=as_html).chunks)
    lines = "\n".join(render_list("Latest", [_view([u]) for u in urls], as_html=as_html).chunks)
    for text in (alert, lines):
        for bad in ("javascript", "JavaScript", "data:", "tg://", "ftp://", "vbscript", "evil"):
            assert bad not in text, (bad, text)
    if as_html:
        assert alert.count("<a href=") == 2  # the good source and the map
        assert '<a href="https://news.example/ok">title 10</a>' in alert
        assert "title 0" in alert  # a dropped link keeps its label, as text
        assert '<a href="https://news.example/ok">#7</a>' in lines
    else:
        assert "title 10: https://news.example/ok" in alert


# -- alerts through the Bot API: links, bidi and zero-width -----------------------------------


def _store_item(h: Harness, url: str, title: str, *incidents: dict[str, Any]) -> None:
    h._n += 1
    now = h.clock()
    item = NewItem(
        entry_key=f"hostile{h._n}",
        guid=f"hostile{h._n}",
        url=url,
        title=title,
        summary="s",
        text="s",
        content_hash=f"{h._n:064d}",
        language="en",
        published_at=now,
        published_source="published",
        first_seen_at=now,
        alert_eligible=True,
    )
    (item_id,) = h.app.repo.store_items(h.feed_id, [item])
    h.classify(item_id, *incidents)


HOSTILE_INCIDENT = incident(
    location={"name": "Kafr\u202enabel\u200b", "admin1": "Id\u2066lib", "lat": 35.6, "lon": 36.5},
    evidence=["Government forces \u202eshelled\u202c the town, killing five.\u200d"],
    actors=[
        {"name": "Syrian \u2067government\u2069 forces", "side": "government", "role": "attacker"}
    ],
)


@async_test
async def test_alert_and_latest_over_the_bot_api_are_clean(
    build: Callable[..., Harness], fake_tg: FakeTelegram
) -> None:
    h = build(tg_settings(fake_tg, [{"chat_id": PUBLIC, "name": "public"}]))
    _store_item(h, "javascript:alert(1)", "Exe\u202egnp.scr \u2014 shelling", HOSTILE_INCIDENT)
    await h.deliver()
    (alert,) = [m.text for m in fake_tg.sent_to(PUBLIC)]
    assert "javascript" not in alert and _no_invisible(alert)
    assert "Kafrnabel" in alert and "Exegnp.scr" in alert and "Idlib" in alert

    fake_tg.push_command(PUBLIC, "/latest 5")
    await updates_until(h, fake_tg, lambda: len(fake_tg.sent_to(PUBLIC)) == 2)
    latest = fake_tg.sent_to(PUBLIC)[1].text
    assert "Kafrnabel" in latest and "javascript" not in latest and _no_invisible(latest)
    assert "<a " not in latest  # the only source link was not http(s)


# -- the console notifier ---------------------------------------------------------------------


@async_test
async def test_console_notifier_prints_no_escape_sequences(
    build: Callable[..., Harness],
) -> None:
    out = io.StringIO()
    h = build({}, notifier=ConsoleNotifier(out))
    title = "".join(f"part{i}{e}" for i, e in enumerate(ESCAPES))
    hostile = incident(
        evidence=["Shelled\x1b]8;;https://evil.example\x1b\\ here\x1b]8;;\x1b\\ \u202eok"],
        location={"name": "Kafr\x1b[2Jnabel", "admin1": "Idlib", "lat": 35.6, "lon": 36.5},
    )
    _store_item(h, "https://news.example/1\x1b[2J", title, hostile)
    await h.deliver()
    text = out.getvalue()
    assert "alert to chat 0" in text and "Kafrnabel" in text
    assert _no_escapes(text.replace("\n", "").replace("\t", "")) and _no_invisible(text)
    assert "evil.example" not in text and "pwned" not in text
    assert "part0part1" in text  # the text itself is kept


# -- digests ------------------------------------------------------------------------------


def test_digests_carry_no_bidi_or_zero_width_and_no_foreign_links() -> None:
    tz = ZoneInfo("Asia/Damascus")
    at = datetime(2024, 5, 1, 9, tzinfo=UTC)
    records = [
        IncidentRecord(
            id=i,
            item_id=i,
            recorded_at=at,
            violation=True,
            event_type="Explosions/Remote violence",
            place_name=f"Ari\u202eha{i}",
            admin1="Id\u200blib",
            actors=({"name": "x", "side": "gov\u2066ernment", "role": "attacker"},),
            source_title=f"Title\u2067 {i}\u200d",
            source_url=url,
            feed_name="Feed\u202e",
        )
        for i, url in enumerate(HOSTILE_URLS, start=1)
    ]
    feeds = [FeedRecord("Bad\u202efeed", "https://f.example/rss", "degraded", True, 3, "x\u200by")]
    digest = build_digest(period_of(date(2024, 5, 1), "day", tz), records, feeds, top_limit=20)
    outputs = {
        "telegram": "\n".join(render_telegram(digest)),
        "md": render_markdown(digest),
        "html": render_html(digest),
        "json": json.dumps(digest.to_json(), ensure_ascii=False),
    }
    for name, out in outputs.items():
        assert _no_invisible(out), name
        assert "Ariha1" in out and "Badfeed" in out, name
    for name in ("telegram", "md", "html"):
        out = outputs[name]
        assert not re.search(r"(href=\"|\]\(<)(javascript|data|tg|ftp|vbscript|//)", out, re.I)


# -- CLI commands that print feed text ----------------------------------------------------------


runner = CliRunner()


def test_digest_and_incidents_commands_print_no_escapes(
    build: Callable[..., Harness], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = build({}, notifier=ConsoleNotifier(io.StringIO()))
    hostile = incident(
        sub_event_type="Shelling\x1b]0;pwned\x07",
        location={"name": "Kafr\x1b[2J\u202enabel", "admin1": "Idlib", "lat": 35.6, "lon": 36.5},
    )
    _store_item(h, "https://news.example/1", "Title\x1b[31m red\u200b", hostile)
    day = h.clock().astimezone(ZoneInfo("Asia/Damascus")).date().isoformat()
    h.app.engine.dispose()
    monkeypatch.setenv("TRACKER_DATABASE__URL", f"sqlite:///{tmp_path / 't.db'}")
    monkeypatch.setenv("TRACKER_FEEDS", "[]")
    digest = runner.invoke(app, ["digest", "--date", day, "--format", "md"])
    # (Markdown escapes the "[" of "ESC [": what is left of the sequence is plain text)
    assert "Kafr" in digest.output and "Title" in digest.output, digest.output
    assert _no_escapes(digest.output.replace("\n", "")) and _no_invisible(digest.output)
    for args in (
        ["incidents", "list"],
        ["incidents", "list", "--json"],
        ["incidents", "show", "1"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        out = result.output
        # JSON keeps the data, with control characters written as \u escapes
        assert ("Kafr\\u001b[2Jnabel" if "--json" in args else "Kafrnabel") in out, (args, out)
        assert _no_escapes(out.replace("\n", "").replace("\t", "")), (args, out)
        assert _no_invisible(out), args
        assert "--json" in args or "pwned" not in out, args


def test_feeds_check_prints_no_escapes(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route(
        "/f",
        Reply(
            200,
            rss(
                [
                    {
                        "title": "Strike\x1b]8;;https://evil.example\x1b\\ on Ariha\u202e",
                        "guid": "1",
                        "link": "http://example.org/1\x1b[2J",
                    }
                ],
                title="Feed\x1b[2J\x9b31m",
            ),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text("feeds = []\n[polling]\ntimeout_seconds = 5\nfetch_articles = false\n"
                   'allowed_networks = ["127.0.0.1/32"]\n')
    result = runner.invoke(app, ["--config", str(cfg), "feeds", "check", url])
    out = result.output
    assert result.exit_code == 0, out
    assert "Strike" in out and "on Ariha" in out
    assert _no_escapes(out.replace("\n", "").replace("\t", "")) and _no_invisible(out)
    assert "evil.example" not in out


def test_text_log_lines_carry_no_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    from tests.conftest import make_settings
    from tracker.commands.common import setup_logging as _setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        _setup_logging(make_settings(f"sqlite:///{tmp_path / 'l.db'}"))
        logging.getLogger("tracker.test").warning("feed title %s", "Strike\x1b]0;pwned\x07\u202e!")
    finally:
        root.handlers[:], root.level = saved
    err = capsys.readouterr().err
    assert "feed title Strike!" in err and _no_invisible(err)
    assert _no_escapes(err.replace("\n", ""))
