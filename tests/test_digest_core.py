"""Digest numbers from known incidents: pure records, and a real SQLite database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.support import digest_data as data
from tracker.adapters.storage import db
from tracker.adapters.storage.digests import DigestStore
from tracker.core.digest import (
    DecisionRecord,
    FeedRecord,
    IncidentRecord,
    build_digest,
    compare,
    last_complete_period,
    load_window,
    period_of,
)
from tracker.services.digest import DigestConfig, DigestService

TZ = ZoneInfo("Asia/Damascus")


class NoRenderer:
    def markdown(self, d: object) -> str:
        raise AssertionError("not used")

    html = telegram = png = markdown


@pytest.fixture
def service(tmp_path: Path) -> DigestService:
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'digest.db'}")
    data.fill(engine)
    return DigestService(DigestStore(engine), NoRenderer(), DigestConfig(TZ))  # type: ignore[arg-type]


def _as_dict(counts: tuple) -> dict[str, tuple[int, int]]:
    return {c.key: (c.violations, c.incidents) for c in counts}


def test_day_digest_numbers_from_database(service: DigestService) -> None:
    d = service.build(data.DAY)
    assert (d.violations, d.incidents) == (3, 4)
    assert (d.fatalities, d.violation_fatalities, d.injured) == (9, 8, 2)
    assert d.late_reports == 2
    assert _as_dict(d.by_agreement) == {
        "sochi-2018": (2, 2),
        "moscow-2020": (1, 1),
        "astana-2017": (1, 1),
    }
    assert _as_dict(d.by_zone) == {"idlib-dmz": (2, 2), "idlib-deescalation": (1, 1)}
    assert _as_dict(d.by_governorate) == {"Idlib": (2, 2), "Hama": (1, 1), "Aleppo": (0, 1)}
    assert _as_dict(d.by_event_type) == {
        "shelling": (2, 2),
        "airstrike": (1, 1),
        "armed clash": (0, 1),
    }
    assert _as_dict(d.by_attacker_side) == {"government": (2, 2), "opposition": (1, 2)}


def test_seven_period_comparison(service: DigestService) -> None:
    c = service.build(data.DAY).comparison
    assert c.previous == (1, 2, 0, 1, 0, 3, 0)
    assert c.average == 1.0
    assert c.change == 2.0
    assert c.change_pct == 200.0


def test_top_incidents_order_sources_and_late_marks(service: DigestService) -> None:
    top = service.build(data.DAY).top_incidents
    assert [t.severity for t in top] == ["critical", "high", "medium", "low"]
    assert [t.violation for t in top] == [True, True, True, False]
    late = {t.source_title: t.late for t in top}
    assert late == {
        "Air strike on Ariha": False,
        "Shelling on Sarmin <kills> three & more": False,
        "Late shelling report": True,
        "Old clash": True,
    }
    assert all(t.source_url and t.source_url.startswith("https://ok.example/") for t in top)
    assert all(t.feed_name == "Good feed" for t in top)
    assert top[2].event_date == date(2024, 5, 1)


def test_failing_feeds_and_chart_series(service: DigestService) -> None:
    d = service.build(data.DAY)
    assert [f.name for f in d.feeds_failing] == ["Bad <feed>"]
    assert d.feeds_total == 2
    assert len(d.daily) == 30
    assert d.daily[-1].day == data.DAY
    by_day = {x.day: x.violations for x in d.daily}
    assert by_day[date(2024, 5, 10)] == 3
    assert by_day[date(2024, 5, 4)] == 3
    assert by_day[date(2024, 5, 2)] == 1  # outside the comparison, inside the chart
    assert sum(1 for p in d.points if p.violation) == 3


def test_empty_day_says_no_violations(service: DigestService) -> None:
    d = service.build(data.EMPTY_DAY)
    assert d.empty
    assert (d.violations, d.incidents, d.fatalities) == (0, 0, 0)
    assert d.comparison.previous == (0,) * 7
    assert d.comparison.change_pct is None
    assert d.by_zone == () and d.top_incidents == ()
    assert [f.name for f in d.feeds_failing] == ["Bad <feed>"]  # the health part stays


def test_the_next_day_gets_the_item_after_local_midnight(service: DigestService) -> None:
    d = service.build(data.DAY + timedelta(days=1))
    assert (d.violations, d.incidents) == (1, 1)
    assert d.comparison.previous[0] == 3


def test_week_digest(service: DigestService) -> None:
    d = service.build(data.DAY, "week")
    assert (d.period.start, d.period.end) == (date(2024, 5, 6), date(2024, 5, 13))
    # Mon 05-06 .. Sun 05-12: 05-06, two on 05-08, 05-09, three on 05-10, 05-11 (00:30).
    assert d.violations == 8
    assert d.comparison.previous[0] == 4  # 05-02 + three on 05-04
    assert len(d.comparison.previous) == 7


# -- pure -----------------------------------------------------------------------------


def _rec(n: int, seen: datetime, **kw: object) -> IncidentRecord:
    return IncidentRecord(n, n, seen, **{"violation": True, "event_type": "shelling", **kw})  # type: ignore[arg-type]


def test_dismissed_incidents_do_not_count_as_violations() -> None:
    period = period_of(date(2024, 5, 10), "day", TZ)
    seen = datetime(2024, 5, 10, 9, tzinfo=UTC)
    d = build_digest(period, [_rec(1, seen), _rec(2, seen, review_status="dismissed")], [])
    assert (d.violations, d.incidents) == (1, 2)


def test_decisions_of_the_period_only_and_skipped_when_unknown() -> None:
    period = period_of(date(2024, 5, 10), "day", TZ)
    inside = DecisionRecord(7, "confirmed", "@ana", datetime(2024, 5, 10, 6, tzinfo=UTC))
    before = DecisionRecord(8, "dismissed", "@bo", datetime(2024, 5, 9, 20, tzinfo=UTC))
    assert build_digest(period, [], [], [inside, before]).decisions == (inside,)
    assert build_digest(period, [], []).decisions is None


def test_compare_without_history() -> None:
    c = compare(4, [0, 0, 0, 0, 0, 0, 0])
    assert (c.average, c.change, c.change_pct) == (0.0, 4.0, None)
    assert compare(1, [2] * 7).change_pct == -50.0


def test_periods_and_windows() -> None:
    now = datetime(2024, 5, 13, 5, 0, tzinfo=UTC)  # 08:00 Monday in Damascus
    assert last_complete_period(now, "day", TZ).start == date(2024, 5, 12)
    week = last_complete_period(now, "week", TZ)
    assert (week.start, week.end) == (date(2024, 5, 6), date(2024, 5, 13))
    start, end = load_window(period_of(date(2024, 5, 10), "day", TZ))
    assert start.date() == date(2024, 4, 11) and end.date() == date(2024, 5, 11)
    start, _ = load_window(week)
    assert start.date() == date(2024, 3, 18)  # seven weeks back beats thirty days


def test_failing_feeds_are_enabled_and_unhealthy() -> None:
    feeds = [
        FeedRecord("a", "u1", "ok"),
        FeedRecord("b", "u2", "ok", consecutive_errors=1),
        FeedRecord("c", "u3", "gone", enabled=False),
        FeedRecord("d", "u4", "gone", consecutive_errors=3),
    ]
    d = build_digest(period_of(date(2024, 5, 10), "day", TZ), [], feeds)
    assert [f.name for f in d.feeds_failing] == ["d", "b"]
    assert d.feeds_total == 3


def test_digest_split_keeps_lines_whole() -> None:
    from tracker.adapters.notify.telegram_text import split_message

    lines = [f"<b>line {i}</b> " + "x" * 50 for i in range(300)]
    text = "\n".join(lines[:100]) + "\n\n" + "\n".join(lines[100:])
    parts = split_message(text, 4096)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert [line for p in parts for line in p.split("\n") if line] == lines


def test_digest_settings_validate_time_and_zone() -> None:
    from pydantic import ValidationError

    from tracker.settings import DigestSettings

    s = DigestSettings()
    assert (s.time, s.timezone, s.period) == ("08:00", "Asia/Damascus", "day")
    assert DigestSettings(time="7:30").time == "07:30"
    for bad in (
        {"time": "25:00"},
        {"time": "8h"},
        {"timezone": "Mars/Olympus"},
        {"period": "month"},
    ):
        with pytest.raises(ValidationError):
            DigestSettings(**bad)  # type: ignore[arg-type]


def test_database_errors_reach_the_caller(tmp_path: Path) -> None:
    """A failing decisions query is an error, not a digest without its decisions part: the
    events and feeds come from a filled database, the decisions from one with no tables."""
    from sqlalchemy.exc import OperationalError

    filled = db.create_db_engine(f"sqlite:///{tmp_path / 'digest.db'}")
    data.fill(filled)
    empty = db.create_db_engine(f"sqlite:///{tmp_path / 'empty.db'}")

    class DecisionsElsewhere(DigestStore):
        def decisions(self, start: datetime, end: datetime) -> list[DecisionRecord]:
            return DigestStore(empty).decisions(start, end)

    working = DigestService(DigestStore(filled), NoRenderer(), DigestConfig(TZ))  # type: ignore[arg-type]
    assert working.build(data.DAY).violations == 3
    service = DigestService(DecisionsElsewhere(filled), NoRenderer(), DigestConfig(TZ))  # type: ignore[arg-type]
    with pytest.raises(OperationalError, match="no such table"):
        service.build(data.DAY)


def test_one_registry_of_digest_formats() -> None:
    """The type the web route and the CLI accept lists exactly the formats with a media type."""
    from typing import get_args

    from tracker.core.digest import DIGEST_FORMATS, DIGEST_MEDIA_TYPES, DigestFormat

    assert list(get_args(DigestFormat)) == list(DIGEST_FORMATS) == list(DIGEST_MEDIA_TYPES)
    assert all("/" in DIGEST_MEDIA_TYPES[f] for f in DIGEST_FORMATS)
