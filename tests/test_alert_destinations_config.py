"""`[[alerts.destinations]]` names every channel (telegram, console, webhook, email); the old
`[[telegram.destinations]]` still loads, with a deprecation warning, into the same
destinations."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import FakeClock, make_settings
from tracker.app import App
from tracker.settings import Settings

FILTERS = {"min_severity": "high", "review": True, "zones": ["idlib-deescalation"]}


def _app(tmp_path: Path, clock: FakeClock, **settings: Any) -> App:
    config = make_settings(f"sqlite:///{tmp_path / 't.db'}", **settings)
    return App(config, clock=clock, fetcher=object(), parser=object())  # type: ignore[arg-type]


def test_old_and_new_tables_configure_the_same_chat(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="tracker.settings"):
        old = _app(
            tmp_path,
            clock,
            telegram={
                "token": "1:x",
                "destinations": [{"chat_id": -1001, "name": "desk", **FILTERS}],
            },
        )
    assert "[[telegram.destinations]] is deprecated" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tracker.settings"):
        new = _app(
            tmp_path,
            clock,
            telegram={"token": "1:x"},
            alerts={
                "destinations": [
                    {"name": "desk", "channel": "telegram", "address": " -1001", **FILTERS}
                ]
            },
        )
    assert "deprecated" not in caplog.text
    assert old.destination_specs() == new.destination_specs()
    [spec] = new.destination_specs()
    assert (spec.chat_id, spec.channel, spec.key()) == (-1001, "telegram", ("telegram", "-1001"))
    assert spec.filters.min_severity == "high" and spec.filters.review

    new.upgrade_db()
    new.sync_destinations()
    [dest] = new.alert_store.list_destinations()
    assert (dest.chat_id, dest.channel, dest.address, dest.source) == (
        -1001,
        "telegram",
        "-1001",
        "config",
    )
    for app in (old, new):
        app.engine.dispose()


def test_configured_console_keeps_its_filters(tmp_path: Path, clock: FakeClock) -> None:
    app = _app(
        tmp_path,
        clock,
        alerts={"destinations": [{"name": "screen", "channel": "console", "min_severity": "high"}]},
    )
    [spec] = app.destination_specs()
    assert (spec.chat_id, spec.channel, spec.name) == (0, "console", "screen")
    assert spec.filters.min_severity == "high"
    app.engine.dispose()


def test_all_channels_side_by_side(tmp_path: Path, clock: FakeClock) -> None:
    app = _app(
        tmp_path,
        clock,
        telegram={"token": "1:x"},
        email={"host": "127.0.0.1", "sender": "t@example.org", "starttls": False},
        alerts={
            "destinations": [
                {"name": "desk", "channel": "telegram", "address": "42"},
                {
                    "name": "siem",
                    "channel": "webhook",
                    "address": "https://h.example/x",
                    "secret": "k",
                },
                {"name": "mail", "channel": "email", "address": "a@example.org"},
            ]
        },
    )
    assert [s.key() for s in app.destination_specs()] == [
        ("telegram", "42"),
        ("webhook", "https://h.example/x"),
        ("email", "a@example.org"),
    ]
    assert sorted(c.sender.name for c in app.channel_senders) == ["email", "webhook"]
    app.engine.dispose()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {
                "alerts": {
                    "destinations": [{"name": "d", "channel": "telegram", "address": "@desk"}]
                }
            },
            "numeric chat id",
        ),
        (
            {
                "telegram": {"token": "1:x"},
                "alerts": {"destinations": [{"name": "d", "channel": "console"}]},
            },
            "only without telegram.token",
        ),
        (
            {"alerts": {"destinations": [{"name": "d", "channel": "sms", "address": "1"}]}},
            "channel",
        ),
    ],
)
def test_bad_destinations_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings.model_validate(settings)
