"""A database upgraded to the released 0004 (alerts on their own incidents) moves on to the
event-keyed alerts of the current models without losing destinations, decisions or what was
already sent, on SQLite (a real file) and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from tracker.adapters.storage import db
from tracker.adapters.storage.alerts import AlertStore
from tracker.adapters.storage.models import AlertDestination, EventRow, IncidentRow, OutboxRow

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
REVIEWED_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
SENT_AT = datetime(2026, 11, 20, 8, 5, tzinfo=UTC)
CHAT = -1001234567890
DIGEST_CHAT = -1009876543210


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a fresh, empty database (a file for SQLite, a throwaway database for
    PostgreSQL, dropped by the `postgres_url` fixture)."""
    url_fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url = request.getfixturevalue(url_fixture)
    engine = db.create_db_engine(url)
    yield engine
    engine.dispose()


def _diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def _tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def _incident(item_id: int, seq: int, event_id: int | None, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "item_id": item_id,
        "seq": seq,
        "violation": True,
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "event_date": date(2026, 11, 19),
        "date_precision": 1,
        "place_name": "Kherson",
        "admin1": "Kherson Oblast",
        "lat": 46.6354,
        "lon": 32.6169,
        "location_precision": 1,
        "fatalities": 2,
        "fatalities_low": 2,
        "fatalities_high": 2,
        "injured": 5,
        "actors": [{"name": "Russian armed forces", "role": "attacker"}],
        "agreements": ["energy-truce-2026"],
        "zones": ["front-south"],
        "severity": "high",
        "confidence": 0.87,
        "reasons": ["shelling of a populated area"],
        "evidence": ["shelled the city overnight"],
        "created_at": T0,
        "event_id": event_id,
    }
    row.update(extra)
    return row


def _event(event_id: int, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": event_id,
        "status": "active",
        "revision": 1,
        "split_from": None,
        "merged_into": None,
        "violation": True,
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "event_date": date(2026, 11, 19),
        "date_precision": 1,
        "place_name": "Kherson",
        "admin1": "Kherson Oblast",
        "lat": 46.6354,
        "lon": 32.6169,
        "location_precision": 1,
        "fatalities": 2,
        "fatalities_low": 2,
        "fatalities_high": 2,
        "injured": 5,
        "actors": [{"name": "Russian armed forces", "role": "attacker"}],
        "agreements": ["energy-truce-2026"],
        "zones": ["front-south"],
        "severity": "high",
        "confidence": 0.87,
        "reasons": ["shelling of a populated area"],
        "evidence": ["shelled the city overnight"],
        "source_count": 2,
        "report_count": 2,
        "report_keys": [f"key-{event_id}-a", f"key-{event_id}-b"],
        "merge_reasons": ["same place and day"],
        "created_at": T0,
        "updated_at": T0,
    }
    row.update(extra)
    return row


def _outbox(incident_id: int, destination_id: int, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "incident_id": incident_id,
        "destination_id": destination_id,
        "kind": "immediate",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": T0,
        "edit_pending": False,
        "chat_id": None,
        "message_ids": [],
        "content_hash": None,
        "plain": False,
        "last_error": None,
        "created_at": T0,
        "sent_at": None,
    }
    row.update(extra)
    return row


def _fill_0004(engine: Engine) -> None:
    """What a released install holds: one act reported by two feeds (event 1), a second act
    from the same article (event 2), a report not grouped into any event, and the alert
    incidents, decisions and outbox rows the released alerting made of them.

    Alert incident ids (7..10) differ from event ids on purpose, so a mix-up shows.
    """
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        conn.execute(
            t["feeds"].insert(),
            [
                {
                    "id": feed_id,
                    "url": f"https://{name.lower()}.example/rss",
                    "name": name,
                    "language": "en",
                    "interval_seconds": 300,
                    "enabled": True,
                    "source": "config",
                    "state": "ok",
                    "next_check_at": T0,
                    "consecutive_errors": 0,
                    "total_errors": 0,
                    "items_count": 2,
                    "created_at": T0,
                }
                for feed_id, name in ((1, "Ukrinform"), (2, "Suspilne"))
            ],
        )
        conn.execute(
            t["items"].insert(),
            [
                {
                    "id": item_id,
                    "feed_id": feed_id,
                    "entry_key": f"entry-{item_id}",
                    "guid": f"guid-{item_id}",
                    "url": f"https://news.example/{item_id}",
                    "title": title,
                    "summary": title,
                    "text": title,
                    "text_source": "feed",
                    "article_fetched": False,
                    "content_hash": f"{item_id}" * 64,
                    "language": "en",
                    "published_at": T0,
                    "published_source": "published",
                    "first_seen_at": T0,
                    "alert_eligible": True,
                    "classified_at": T0,
                }
                for item_id, feed_id, title in (
                    (1, 1, "Kherson shelled overnight; drone strike on Beryslav"),
                    (2, 2, "Two killed as shells hit Kherson"),
                    (3, 2, "Explosions heard near Nikopol"),
                )
            ],
        )
        conn.execute(
            t["events"].insert(),
            [
                _event(1),
                _event(
                    2,
                    event_type="Explosions/Remote violence",
                    sub_event_type="Air/drone strike",
                    place_name="Beryslav",
                    source_count=1,
                    report_count=1,
                    report_keys=["key-2-a"],
                    merge_reasons=[],
                ),
            ],
        )
        conn.execute(
            t["incidents"].insert(),
            [
                _incident(1, 0, 1),
                _incident(2, 0, 1),
                _incident(2, 1, 1, fatalities=3),
                _incident(1, 1, 2, sub_event_type="Air/drone strike", place_name="Beryslav"),
                _incident(3, 0, None, place_name="Nikopol"),
            ],
        )
        conn.execute(
            t["alert_destinations"].insert(),
            [
                {
                    "id": 1,
                    "chat_id": CHAT,
                    "name": "South desk",
                    "source": "config",
                    "active": True,
                    "filters": {"mode": "immediate", "review": True, "zones": ["front-south"]},
                    "consecutive_failures": 0,
                    "last_error": None,
                    "next_digest_at": None,
                    "created_at": T0,
                    "updated_at": T0,
                },
                {
                    "id": 2,
                    "chat_id": DIGEST_CHAT,
                    "name": "Daily readers",
                    "source": "bot",
                    "active": True,
                    "filters": {"mode": "digest"},
                    "consecutive_failures": 1,
                    "last_error": "Too Many Requests",
                    "next_digest_at": T0 + timedelta(days=1),
                    "created_at": T0,
                    "updated_at": T0,
                },
            ],
        )
        conn.execute(
            t["alert_incidents"].insert(),
            [
                # 7: the Kherson shelling, confirmed by an analyst.
                {
                    "id": 7,
                    "event_type": "Explosions/Remote violence",
                    "event_date": date(2026, 11, 19),
                    "place_name": "Kherson",
                    "lat": 46.6354,
                    "lon": 32.6169,
                    "review_status": "confirmed",
                    "reviewed_by": "@analyst",
                    "reviewed_at": REVIEWED_AT,
                    "created_at": T0,
                },
                # 8: the Beryslav strike, not reviewed.
                {
                    "id": 8,
                    "event_type": "Explosions/Remote violence",
                    "event_date": date(2026, 11, 19),
                    "place_name": "Beryslav",
                    "lat": 46.84,
                    "lon": 33.43,
                    "review_status": None,
                    "reviewed_by": None,
                    "reviewed_at": None,
                    "created_at": T0,
                },
                # 9: Nikopol, whose report is in no event: nothing to carry it to.
                {
                    "id": 9,
                    "event_type": "Explosions/Remote violence",
                    "event_date": date(2026, 11, 19),
                    "place_name": "Nikopol",
                    "lat": 47.57,
                    "lon": 34.39,
                    "review_status": "dismissed",
                    "reviewed_by": "@analyst",
                    "reviewed_at": REVIEWED_AT,
                    "created_at": T0,
                },
                # 10: a second alert incident the old matching kept apart, now in event 1.
                {
                    "id": 10,
                    "event_type": "Explosions/Remote violence",
                    "event_date": date(2026, 11, 19),
                    "place_name": "Kherson",
                    "lat": 46.6354,
                    "lon": 32.6169,
                    "review_status": None,
                    "reviewed_by": None,
                    "reviewed_at": None,
                    "created_at": T0,
                },
            ],
        )
        conn.execute(
            t["alert_reports"].insert(),
            [
                {"id": 1, "item_id": 1, "seq": 0, "incident_id": 7},
                {"id": 2, "item_id": 2, "seq": 0, "incident_id": 7},
                {"id": 3, "item_id": 1, "seq": 1, "incident_id": 8},
                {"id": 4, "item_id": 3, "seq": 0, "incident_id": 9},
                {"id": 5, "item_id": 2, "seq": 1, "incident_id": 10},
            ],
        )
        conn.execute(
            t["alert_outbox"].insert(),
            [
                _outbox(
                    7,
                    1,
                    id=1,
                    status="sent",
                    chat_id=CHAT,
                    message_ids=[501, 502],
                    content_hash="c" * 64,
                    sent_at=SENT_AT,
                ),
                _outbox(8, 1, id=2),  # pending
                _outbox(
                    9, 1, id=3, status="sent", chat_id=CHAT, message_ids=[503], sent_at=SENT_AT
                ),
                _outbox(10, 1, id=4),  # pending, but event 1 was already sent to this chat
                _outbox(7, 2, id=5, kind="digest"),  # digest lines are not carried
            ],
        )


def _check_upgraded(engine: Engine) -> None:
    tables = _tables(engine)
    assert {"alert_incidents", "alert_reports"}.isdisjoint(tables)
    assert {"alert_outbox", "digest_runs", "events", "alert_destinations"} <= tables
    assert _diff(engine) == [], "models and migrations disagree after the upgrade"

    with Session(engine) as session:
        dests = list(session.exec(select(AlertDestination).order_by(col(AlertDestination.id))))
        assert [(d.id, d.chat_id, d.name, d.source) for d in dests] == [
            (1, CHAT, "South desk", "config"),
            (2, DIGEST_CHAT, "Daily readers", "bot"),
        ]
        assert dests[0].filters == {"mode": "immediate", "review": True, "zones": ["front-south"]}
        assert [(d.channel, d.address) for d in dests] == [
            ("telegram", str(CHAT)),
            ("telegram", str(DIGEST_CHAT)),
        ]
        assert dests[1].consecutive_failures == 1
        assert dests[1].last_error == "Too Many Requests"

        events = {e.id: e for e in session.exec(select(EventRow))}
        assert events[1].review_status == "confirmed"
        assert events[1].reviewed_by == "@analyst"
        assert events[1].reviewed_at == REVIEWED_AT
        assert events[2].review_status is None and events[2].reviewed_at is None

        rows = list(session.exec(select(OutboxRow).order_by(col(OutboxRow.event_id))))
        assert [(r.event_id, r.destination_id, r.kind, r.status) for r in rows] == [
            (1, 1, "immediate", "sent"),
            (2, 1, "immediate", "pending"),
        ]
        sent, pending = rows
        assert sent.chat_id == CHAT
        assert sent.message_ids == [501, 502]
        assert sent.sent_at == SENT_AT
        assert sent.content_hash == "c" * 64
        assert sent.edit_pending is True  # re-rendered with the event's id and buttons
        assert pending.message_ids == [] and pending.sent_at is None

    # The delivery loop edits the sent message and sends only the alert never sent.
    jobs = AlertStore(engine).claim(datetime.now(UTC) + timedelta(seconds=1), 60, per_chat=10)
    assert sorted((j.event_id, j.edit, j.message_ids) for j in jobs) == [
        (1, True, (501, 502)),
        (2, False, ()),
    ]
    assert all(j.chat_id == CHAT for j in jobs)


def test_released_0004_database_upgrades_to_head(engine: Engine) -> None:
    cfg = db.alembic_config(engine)
    command.upgrade(cfg, "0004")
    _fill_0004(engine)

    command.upgrade(cfg, "head")
    _check_upgraded(engine)

    # Going back keeps the 0004 data that still has a place there (reports' event links).
    command.downgrade(cfg, "0004")
    assert {"alert_incidents", "alert_reports"} <= _tables(engine)
    assert "next_digest_at" in _columns(engine, "alert_destinations")
    assert "review_status" not in _columns(engine, "events")
    with engine.connect() as conn:
        links = conn.execute(
            sa.text("SELECT item_id, seq, event_id FROM incidents ORDER BY item_id, seq")
        ).all()
        chats = conn.execute(sa.text("SELECT chat_id FROM alert_destinations ORDER BY id")).all()
    assert [tuple(r) for r in links] == [(1, 0, 1), (1, 1, 2), (2, 0, 1), (2, 1, 1), (3, 0, None)]
    assert [r[0] for r in chats] == [CHAT, DIGEST_CHAT]

    command.upgrade(cfg, "head")
    assert _diff(engine) == []
    with Session(engine) as session:
        assert len(list(session.exec(select(IncidentRow)))) == 5


def test_empty_database_downgrades_to_0004_and_upgrades_again(engine: Engine) -> None:
    cfg = db.alembic_config(engine)
    command.upgrade(cfg, "head")
    assert _diff(engine) == []

    command.downgrade(cfg, "0004")
    tables = _tables(engine)
    assert {"alert_incidents", "alert_reports", "alert_outbox", "events"} <= tables
    assert "digest_runs" not in tables
    assert "incident_id" in _columns(engine, "alert_outbox")
    assert "next_digest_at" in _columns(engine, "alert_destinations")

    command.upgrade(cfg, "head")
    assert _diff(engine) == []
    assert "event_id" in _columns(engine, "alert_outbox")
