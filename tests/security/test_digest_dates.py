"""Replayed attack (issue 13, item 10): digests of dates at the ends of the calendar.

`GET /digests/0001-01-01` and `/digests/9999-12-31` used to raise OverflowError (HTTP 500)
while computing the comparison window; `tracker digest --date ...` printed a traceback. A
date whose period or comparison window cannot be computed is now refused with 422 and a
reason (web) or one line and exit code 2 (command line), and the days just inside the range
still render in every format."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import make_settings
from tracker import __version__
from tracker.adapters.web import create_web_app
from tracker.app import App
from tracker.cli import app as cli_app
from tracker.core.digest import DIGEST_FORMATS, PeriodOutOfRange, checked_period


@pytest.fixture
def web(sqlite_url: str) -> Iterator[TestClient]:
    tracker_app = App(make_settings(sqlite_url))
    tracker_app.upgrade_db()
    try:
        with TestClient(create_web_app(tracker_app, __version__)) as client:
            yield client
    finally:
        asyncio.run(tracker_app.aclose())


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02", "9999-12-31"])
@pytest.mark.parametrize("period", ["day", "week"])
def test_dates_at_the_ends_of_the_calendar_are_refused_with_422(
    web: TestClient, day: str, period: str
) -> None:
    for fmt in ("json", "html"):
        r = web.get(f"/digests/{day}", params={"format": fmt, "period": period})
        assert r.status_code == 422, r.text
        assert "out of range" in r.json()["detail"]
        assert day in r.json()["detail"]


def _edges(kind: str, tz: ZoneInfo) -> tuple[date, date]:
    """The first and the last day the core accepts for `kind`."""
    accepted = []
    for day in [date.min + timedelta(days=k) for k in range(80)] + [
        date.max - timedelta(days=k) for k in range(40)
    ]:
        try:
            checked_period(day, kind, tz)  # type: ignore[arg-type]
        except PeriodOutOfRange:
            continue
        accepted.append(day)
    return min(accepted), max(accepted)


@pytest.mark.parametrize("period", ["day", "week"])
def test_the_days_just_inside_the_range_render_in_every_format(
    web: TestClient, period: str
) -> None:
    """The check refuses no more than it must: its edge days (found from the core) render,
    so nothing the renderers compute past the window overflows either."""
    first, last = _edges(period, ZoneInfo(make_settings("sqlite://").digest.timezone))
    assert first < date(1, 3, 1) and last > date(9999, 11, 1)
    for day in (first, last):
        for fmt in DIGEST_FORMATS:
            r = web.get(f"/digests/{day.isoformat()}", params={"format": fmt, "period": period})
            assert r.status_code == 200, (day, fmt, r.text[:200])
    before = (first - timedelta(days=1)).isoformat()
    assert web.get(f"/digests/{before}", params={"period": period}).status_code == 422


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_cli_refuses_with_one_line_and_exit_2(tmp_path: Path, day: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'feeds = []\n[database]\nurl = "sqlite:///{tmp_path / "d.db"}"\n')
    result = CliRunner().invoke(cli_app, ["--config", str(cfg), "digest", "--date", day])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "out of range" in lines[0] and day in lines[0], result.output
