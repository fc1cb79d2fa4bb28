"""The one-line summary `tracker run` logs when ready (tracker.core.startup, App.ready_facts)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.conftest import FakeClock, make_settings
from tracker import __version__
from tracker.app import App
from tracker.core.startup import ReadyFacts, languages, ready_line


def _facts(**kw: object) -> ReadyFacts:
    base: dict[str, object] = {
        "version": "1.2.3",
        "database": "sqlite:///t.db",
        "web": "http://127.0.0.1:8080",
        "feed_languages": ["en", None, "en", "ar"],
        "notifier": "telegram",
        "destinations": ["ops"],
        "agreements_in_force": ["sochi-2018", "moscow-2020"],
        "today": "2021-01-01",
    }
    base.update(kw)
    return ReadyFacts(**base)  # type: ignore[arg-type]


def test_ready_line_names_everything_an_operator_checks() -> None:
    line = ready_line(_facts())
    assert line == (
        "tracker 1.2.3 ready; database sqlite:///t.db; web http://127.0.0.1:8080; "
        "4 feeds (en 2, ar 1, unknown 1); alerts: telegram to 1 destination(s): ops; "
        "agreements in force on 2021-01-01: sochi-2018, moscow-2020"
    )


def test_ready_line_without_web_feeds_destinations_or_agreements() -> None:
    line = ready_line(_facts(web=None, feed_languages=[], destinations=[], agreements_in_force=[]))
    assert "web off; 0 feeds; alerts: telegram to no destination;" in line
    assert line.endswith("agreements in force on 2021-01-01: none")


def test_long_lists_are_cut() -> None:
    names = [f"chat{i}" for i in range(8)]
    assert "chat4 and 3 more;" in ready_line(_facts(destinations=names))
    assert languages(["en"] * 2 + ["ar"] * 2 + ["tr"]) == "ar 2, en 2, tr 1"


def test_ready_facts_mask_the_password_and_read_the_database(postgres_url: str) -> None:
    url = postgres_url.replace("postgres@", "postgres:s3cret-pw@")  # trust auth ignores it
    settings = make_settings(
        url,
        feeds=[
            {"url": "http://127.0.0.1:9/a", "language": "en"},
            {"url": "http://127.0.0.1:9/b", "language": "ar"},
            {"url": "http://127.0.0.1:9/c", "language": "en"},
        ],
        web={"enabled": True, "host": "0.0.0.0", "port": 9999,
             "api_tokens": ["startup-test-token-0123456789"]},
        telegram={"destinations": [{"chat_id": -100, "name": "ops room"}]},
    )
    app = App(settings, clock=FakeClock(datetime(2021, 1, 1, 12, tzinfo=UTC)))
    try:
        app.upgrade_db()
        app.sync_feeds()
        app.sync_destinations()
        line = ready_line(app.ready_facts())
    finally:
        asyncio.run(app.aclose())
    assert "s3cret-pw" not in line and "postgres:***@127.0.0.1" in line
    assert f"tracker {__version__} ready" in line and "web http://0.0.0.0:9999" in line
    assert "3 feeds (en 2, ar 1)" in line
    assert "alerts: console to 1 destination(s): ops room" in line
    # On 1 January 2021 the Sochi memorandum and the Moscow protocol were both in force.
    in_force = line.split("agreements in force on 2021-01-01: ")[1].split(", ")
    assert {"sochi-2018", "moscow-2020"} <= set(in_force) and "astana-2017" not in in_force
