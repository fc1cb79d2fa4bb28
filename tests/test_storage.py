"""Migrations on SQLite and PostgreSQL, and models and migrations agree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from tests.support.db_reads import count_items
from tracker.adapters.storage import db
from tracker.adapters.storage.feeds import FeedSpec, FeedStore
from tracker.core.feeds import NewItem


def _new_item(key: str, now: datetime) -> NewItem:
    return NewItem(
        entry_key=key,
        guid=key,
        url=None,
        title="t",
        summary="s",
        text="s",
        content_hash="h" * 64,
        language=None,
        published_at=now,
        published_source="published",
        first_seen_at=now,
        alert_eligible=True,
    )


def _check_engine(url: str) -> None:
    engine = db.create_db_engine(url)
    try:
        db.upgrade(engine)
        db.upgrade(engine)  # idempotent
        tables = set(inspect(engine).get_table_names())
        assert {"feeds", "items", "alembic_version"} <= tables
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
            )
        assert diff == [], f"models and migrations disagree: {diff}"

        repo = FeedStore(engine)
        now = datetime(2024, 1, 1, tzinfo=UTC)
        repo.sync_feeds([FeedSpec("https://a.example/feed", "A")], now)
        feed = repo.list_feeds()[0]
        assert feed.next_check_at == now and feed.next_check_at.tzinfo is not None
        assert feed.id is not None
        first = repo.store_items(
            feed.id, [_new_item("k1", now), _new_item("k2", now), _new_item("k1", now)]
        )
        again = repo.store_items(feed.id, [_new_item("k1", now), _new_item("k3", now)])
        assert len(first) == 2 and len(again) == 1
        assert count_items(engine) == 3
        assert repo.list_feeds()[0].items_count == 3
        claimed = repo.claim_due(now, 300)
        assert [c.url for c in claimed] == ["https://a.example/feed"]
        assert repo.claim_due(now, 300) == []
    finally:
        engine.dispose()


def test_sqlite_migrations_wal_and_foreign_keys(sqlite_url: str) -> None:
    _check_engine(sqlite_url)
    engine = db.create_db_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_migrations(postgres_url: str) -> None:
    _check_engine(postgres_url)


def test_downgrade_to_base_and_up_again(sqlite_url: str) -> None:
    from alembic import command

    engine = db.create_db_engine(sqlite_url)
    cfg = db.alembic_config(engine)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    assert "feeds" not in inspect(engine).get_table_names()
    command.upgrade(cfg, "head")
    assert "feeds" in inspect(engine).get_table_names()
    engine.dispose()
