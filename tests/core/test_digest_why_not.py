"""A digest says why the period's incidents are not violations (issue 14: with no
agreement in force for today's news, "no violations" alone left users guessing)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.support import digest_data as data
from tracker.adapters.digest_render import render_html, render_markdown, render_telegram
from tracker.adapters.storage import db
from tracker.adapters.storage.digests import DigestStore
from tracker.core.digest import IncidentRecord, build_digest, period_of, why_not_reason

TZ = ZoneInfo("Asia/Damascus")
DAY = date(2026, 3, 2)


def _record(n: int, violation: bool, decision: str) -> IncidentRecord:
    return IncidentRecord(id=n, item_id=n, recorded_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
                          violation=violation, event_type="Battles", decision=decision)


RECORDS = [
    _record(1, False, "not a violation: no covering agreement in force on 2026-03-02"),
    _record(2, False, "not a violation: no covering agreement in force on 2026-03-02"),
    _record(3, False, "not a violation: hostile act outside every agreement zone"),
    _record(4, False, "not a violation: intra-side fighting (government)"),
    _record(5, True, "violation: hostile act between opposing sides (a against b)"),
    _record(6, False, ""),
]


def test_reasons_are_counted_most_frequent_first() -> None:
    d = build_digest(period_of(DAY, "day", TZ), RECORDS, [])
    assert [(c.key, c.incidents) for c in d.why_not] == [
        ("no covering agreement in force on 2026-03-02", 2),
        ("hostile act outside every agreement zone", 1),
        ("intra-side fighting", 1),
        ("no reason recorded", 1),
    ]
    assert d.to_json()["why_not_violations"][0] == {
        "key": "no covering agreement in force on 2026-03-02", "incidents": 2, "violations": 0}


def test_every_format_shows_the_reasons() -> None:
    d = build_digest(period_of(DAY, "day", TZ), RECORDS[:4], [])
    assert d.empty
    md = render_markdown(d)
    assert "## Why the other incidents are not violations" in md
    assert "- no covering agreement in force on 2026-03-02: 2" in md
    assert "intra-side fighting</td>" in render_html(d)
    assert "outside every agreement zone: 1" in "".join(render_telegram(d))


def test_no_section_when_every_incident_is_a_violation() -> None:
    d = build_digest(period_of(DAY, "day", TZ), RECORDS[4:5], [])
    assert d.why_not == ()
    assert "Why the other incidents" not in render_markdown(d)


def test_the_reason_drops_details_in_parentheses() -> None:
    assert why_not_reason("not a violation: intra-side fighting (HTS)") == "intra-side fighting"
    assert why_not_reason("violation: x") == "no reason recorded"


def test_stored_events_carry_their_decision_into_the_digest(tmp_path: Path) -> None:
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'digest.db'}")
    data.fill(engine)
    store = DigestStore(engine)
    records = store.incidents_recorded(*_window())
    assert records and all(r.decision for r in records)
    d = build_digest(period_of(data.DAY, "day", TZ), records, [])
    assert sum(c.incidents for c in d.why_not) == d.incidents - d.violations


def _window() -> tuple[datetime, datetime]:
    from tracker.core.digest import load_window

    return load_window(period_of(data.DAY, "day", TZ))
