"""PostgreSQL planner support: statistics refreshed as a cold pass fills the tables, no JIT.

The merge step's candidate queries got plans for empty tables while a cold pass filled them
(no statistics yet): `db.refresh_statistics` ANALYZEs a table once it has changed by more
rows than it held when last analysed.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from tracker.adapters.storage import db

pytestmark = pytest.mark.postgres


def _fill(url: str, rows: int) -> None:
    engine = db.create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO shingle_ranks (token, rank) SELECT n, n FROM generate_series(1, :n) n"),
            {"n": rows},
        )
    engine.dispose()  # the backend's change counts reach the statistics when it ends


def _refresh_until_stale(url: str, tables: tuple[str, ...]) -> list[str]:
    """The server takes the ended backend's counts in shortly after: a bounded wait."""
    engine = db.create_db_engine(url)
    try:
        for _ in range(50):
            with engine.begin() as conn:
                analysed = db.refresh_statistics(conn, tables)
            if analysed:
                return analysed
            time.sleep(0.1)
        return []
    finally:
        engine.dispose()


def test_a_table_grown_past_its_statistics_is_analysed_once(postgres_url: str) -> None:
    engine = db.create_db_engine(postgres_url)
    db.upgrade(engine)
    with engine.begin() as conn:
        assert db.refresh_statistics(conn, ("shingle_ranks",)) == []  # empty, unchanged
    _fill(postgres_url, 1500)
    assert _refresh_until_stale(postgres_url, ("shingle_ranks", "events")) == ["shingle_ranks"]
    with engine.begin() as conn:
        estimate = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'shingle_ranks'")
        ).scalar_one()
        assert estimate == 1500  # the planner now knows its size
        assert db.refresh_statistics(conn, ("shingle_ranks",)) == []  # and not again
    engine.dispose()


def test_small_changes_leave_the_statistics_alone(postgres_url: str) -> None:
    engine = db.create_db_engine(postgres_url)
    db.upgrade(engine)
    _fill(postgres_url, 400)
    counted = 0
    for _ in range(50):  # bounded wait for the ended backend's counts
        with engine.connect() as conn:
            counted = conn.execute(
                text("SELECT pg_stat_get_mod_since_analyze('shingle_ranks'::regclass)")
            ).scalar_one()
        if counted:
            break
        time.sleep(0.1)
    assert counted == 400
    with engine.begin() as conn:
        assert db.refresh_statistics(conn, ("shingle_ranks",)) == []  # under 1,000 of slack
    engine.dispose()


def test_connections_run_without_jit(postgres_url: str) -> None:
    engine = db.create_db_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar_one() == "off"
    engine.dispose()
