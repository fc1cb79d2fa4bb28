"""Destinations name their channel and address (migration 0009): stored Telegram chats are
filled in as channel "telegram" with the chat id as address (the console's stand-in chat 0
as channel "console"), nothing that hangs off a destination is lost on the way, and the
store keeps the address equal to the chat id from then on. SQLite (a real file) and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

from tracker.adapters.notify.console import ConsoleNotifier
from tracker.adapters.notify.telegram import TelegramNotifier
from tracker.adapters.storage import db
from tracker.adapters.storage.alerts import AlertStore
from tracker.core.alerts import DestinationSpec, Filters

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CHAT = -1001234567890
OTHER = 424242


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url_fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    engine = db.create_db_engine(request.getfixturevalue(url_fixture))
    yield engine
    engine.dispose()


def _destination(dest_id: int, chat_id: int, name: str) -> dict[str, object]:
    return {
        "id": dest_id,
        "chat_id": chat_id,
        "name": name,
        "source": "config",
        "active": True,
        "filters": {},
        "consecutive_failures": 0,
        "last_error": None,
        "created_at": T0,
        "updated_at": T0,
    }


def _fill_0007(engine: Engine) -> None:
    """Two Telegram chats and the console, and a digest run that depends on one of them
    (ON DELETE CASCADE: a table rebuild on SQLite would silently delete it)."""
    meta = sa.MetaData()
    meta.reflect(engine, only=["alert_destinations", "digest_runs"])
    with engine.begin() as conn:
        conn.execute(
            meta.tables["alert_destinations"].insert(),
            [
                _destination(1, CHAT, "South desk"),
                _destination(2, 0, "console"),
                _destination(3, OTHER, "Readers"),
            ],
        )
        conn.execute(
            meta.tables["digest_runs"].insert(),
            [
                {
                    "period_kind": "daily",
                    "period_start": date(2026, 11, 30),
                    "destination_id": 1,
                    "status": "sent",
                    "chat_id": CHAT,
                    "message_ids": [7],
                    "created_at": T0,
                }
            ],
        )


def _stored(engine: Engine) -> list[tuple[int, int, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, chat_id, channel, address FROM alert_destinations ORDER BY id")
        ).all()
    return [(int(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in rows]


def _digest_runs(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM digest_runs")).scalar_one())


def test_stored_destinations_get_their_channel_and_address(engine: Engine) -> None:
    cfg = db.alembic_config(engine)
    command.upgrade(cfg, "0007_faults")
    _fill_0007(engine)

    command.upgrade(cfg, "head")

    assert _stored(engine) == [
        (1, CHAT, "telegram", str(CHAT)),
        (2, 0, "console", "0"),
        (3, OTHER, "telegram", str(OTHER)),
    ]
    assert _digest_runs(engine) == 1  # nothing hanging off a destination was lost
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    assert list(diff) == [], "models and migrations disagree after the upgrade"

    command.downgrade(cfg, "0007_faults")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("alert_destinations")}
    assert {"channel", "address"}.isdisjoint(columns)
    assert _digest_runs(engine) == 1
    command.upgrade(cfg, "head")
    assert [r[:2] for r in _stored(engine)] == [(1, CHAT), (2, 0), (3, OTHER)]


def test_store_keeps_the_address_equal_to_the_chat(engine: Engine) -> None:
    db.upgrade(engine)
    store = AlertStore(engine)
    store.sync_destinations(
        [
            DestinationSpec(CHAT, "South desk", Filters()),
            DestinationSpec(0, "console", Filters(), "console"),
        ],
        T0,
    )
    assert store.subscribe(OTHER, "Readers", Filters(), T0) == "created"
    moved = store.destination(CHAT)
    assert moved is not None and moved.id is not None
    store.migrate_chat(moved.id, CHAT - 1, T0)  # a group became a supergroup

    assert [(c, ch, a) for _, c, ch, a in _stored(engine)] == [
        (CHAT - 1, "telegram", str(CHAT - 1)),
        (0, "console", "0"),
        (OTHER, "telegram", str(OTHER)),
    ]


def test_channels_declare_what_they_can_do() -> None:
    """Telegram edits, takes commands and review decisions; nobody can answer the console."""
    telegram = TelegramNotifier.capabilities
    console = ConsoleNotifier().capabilities
    assert (telegram.edit, telegram.commands, telegram.review) == (True, True, True)
    assert (console.edit, console.commands, console.review) == (True, False, False)
    assert (TelegramNotifier.name, ConsoleNotifier.name) == ("telegram", "console")
