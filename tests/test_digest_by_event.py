"""Digests by event date (`--by event`, `?by=event`) on a backfilled database: events of
October 2023 whose reports all came in on one day in May 2024."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import make_settings
from tests.support.digest_data import GOV, Known, fill
from tracker import __version__
from tracker.adapters.storage import db
from tracker.adapters.web import create_web_app
from tracker.app import App
from tracker.cli import app as cli_app

BACKFILLED_ON = datetime(2024, 5, 10, 9, tzinfo=UTC)
BACKFILL = [
    Known(BACKFILLED_ON, True, "shelling", date(2023, 10, 7), fatalities=4, actors=[GOV]),
    Known(BACKFILLED_ON, True, "airstrike", date(2023, 10, 7), place="Ariha", actors=[GOV]),
    Known(BACKFILLED_ON, False, "armed clash", date(2023, 10, 7), place="Azaz"),
    Known(BACKFILLED_ON, True, "shelling", date(2023, 10, 6), place="Saraqib"),
    Known(BACKFILLED_ON, True, "shelling", date(2023, 10, 5), place="Saraqib"),
    Known(BACKFILLED_ON, True, "shelling", date(2023, 10, 9), place="Saraqib"),
]
runner = CliRunner()


@pytest.fixture
def backfilled(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'backfill.db'}"
    engine = db.create_db_engine(url)
    fill(engine, BACKFILL)
    engine.dispose()
    return {"TRACKER_DATABASE__URL": url, "TRACKER_FEEDS": "[]"}


def _digest(env: dict[str, str], *args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(cli_app, ["digest", "--format", "json", *args], env=env)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_by_recorded_is_the_default_and_puts_the_backfill_on_its_arrival_day(
    backfilled: dict[str, str],
) -> None:
    old_day = _digest(backfilled, "--date", "2023-10-07")
    assert (old_day["counted_by"], old_day["incidents"]) == ("recorded", 0)
    arrival = _digest(backfilled, "--date", "2024-05-10")
    assert (arrival["incidents"], arrival["violations"], arrival["late_reports"]) == (6, 5, 6)


def test_by_event_counts_what_happened_that_day(backfilled: dict[str, str]) -> None:
    doc = _digest(backfilled, "--date", "2023-10-07", "--by", "event")
    assert doc["counted_by"] == "event"
    assert (doc["incidents"], doc["violations"], doc["fatalities"]) == (3, 2, 4)
    # Reported seven months later: every one is a late report, shown with its own date.
    assert doc["late_reports"] == 3
    assert {t["event_date"] for t in doc["top_incidents"]} == {"2023-10-07"}
    # The comparison and the chart count by event date too: 1 on 10-06, 1 on 10-05.
    assert doc["comparison"]["previous_periods"] == [1, 1, 0, 0, 0, 0, 0]
    daily = {d["date"]: d["violations"] for d in doc["daily"]}
    assert (daily["2023-10-07"], daily["2023-10-06"], daily["2023-10-05"]) == (2, 1, 1)
    week = _digest(backfilled, "--date", "2023-10-07", "--by", "event", "--period", "week")
    assert week["incidents"] == 5  # Monday 2023-10-02 to Sunday 10-08; the 9th is next week


def test_the_digest_says_how_it_counts(backfilled: dict[str, str]) -> None:
    by_event = runner.invoke(
        cli_app, ["digest", "--date", "2023-10-07", "--by", "event"], env=backfilled
    )
    assert by_event.exit_code == 0, by_event.output
    assert "Counted by event date: incidents dated from 2023-10-07 to 2023-10-07" in (
        by_event.stdout
    )
    assert "late report(s): first reported well after the event." in by_event.stdout
    by_arrival = runner.invoke(cli_app, ["digest", "--date", "2023-10-08"], env=backfilled)
    assert "Counted by date recorded: incidents first recorded from" in by_arrival.stdout
    assert "No violations were recorded on this day." in by_arrival.stdout
    telegram = runner.invoke(
        cli_app,
        ["digest", "--date", "2023-10-07", "--by", "event", "--format", "telegram"],
        env=backfilled,
    )
    assert "(Asia/Damascus), by event date" in telegram.stdout


def test_bad_basis_and_sending_by_event_are_refused(backfilled: dict[str, str]) -> None:
    bad = runner.invoke(cli_app, ["digest", "--date", "2023-10-07", "--by", "x"], env=backfilled)
    assert bad.exit_code == 2 and "must be one of recorded, event" in bad.output
    send = runner.invoke(
        cli_app, ["digest", "--date", "2023-10-07", "--by", "event", "--send"], env=backfilled
    )
    assert send.exit_code == 2 and "recorded time only" in send.output


@pytest.fixture
def client(backfilled: dict[str, str]) -> Iterator[TestClient]:
    app = App(make_settings(backfilled["TRACKER_DATABASE__URL"]))
    try:
        with TestClient(create_web_app(app, __version__)) as c:
            yield c
    finally:
        asyncio.run(app.aclose())


def test_web_by_parameter(client: TestClient) -> None:
    url = "/digests/2023-10-07"
    assert client.get(url, params={"format": "json"}).json()["incidents"] == 0
    doc = client.get(url, params={"format": "json", "by": "event"}).json()
    assert (doc["counted_by"], doc["incidents"]) == ("event", 3)
    page = client.get(url, params={"by": "event"})
    assert page.status_code == 200 and "Counted by event date" in page.text
    assert client.get(url, params={"by": "published"}).status_code == 422
