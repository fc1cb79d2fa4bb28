"""Leases on real databases: one holder at a time, takeover after expiry, saved progress."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from tracker.adapters.storage import db
from tracker.adapters.storage.leases import LeaseStore

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("postgres_url"))


def _store(url: str) -> LeaseStore:
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    return LeaseStore(engine)


def test_one_holder_renewal_expiry_and_cursor(url: str) -> None:
    a, b = _store(url), _store(url)  # two instances: two engines on one database
    try:
        assert a.acquire("job", "a", T0, 60) == (True, None)
        assert b.acquire("job", "b", T0 + timedelta(seconds=30), 60) == (False, None)
        assert a.save_cursor("job", "a", 41)
        assert a.acquire("job", "a", T0 + timedelta(seconds=50), 60) == (True, 41)  # renewed
        # still held at 100 s (renewed at 50 s for 60 s), free at 111 s
        assert b.acquire("job", "b", T0 + timedelta(seconds=100), 60)[0] is False
        assert b.acquire("job", "b", T0 + timedelta(seconds=111), 60) == (True, 41)
        assert not a.save_cursor("job", "a", 99)  # a lost it: its progress is not taken
        assert b.save_cursor("job", "b", 42)
        b.release("job", "b")
        assert a.acquire("job", "a", T0 + timedelta(seconds=112), 60) == (True, 42)
        lease = a.get("job")
        assert lease is not None and lease.holder == "a"
    finally:
        a.engine.dispose()
        b.engine.dispose()


def test_racing_instances_never_both_win(url: str) -> None:
    stores = [_store(url) for _ in range(6)]

    def race(
        i: int, store: LeaseStore, at: datetime, barrier: threading.Barrier, wins: list[str]
    ) -> None:
        barrier.wait()
        if store.acquire("job", f"i{i}", at, 60)[0]:
            wins.append(f"i{i}")

    try:
        for round_ in range(5):
            now = T0 + timedelta(minutes=10 * round_)  # every earlier lease has expired
            barrier = threading.Barrier(len(stores))
            wins: list[str] = []
            threads = [
                threading.Thread(target=race, args=(i, s, now, barrier, wins))
                for i, s in enumerate(stores)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(wins) == 1, wins
            lease = stores[0].get("job")
            assert lease is not None and lease.holder == wins[0]
    finally:
        for store in stores:
            store.engine.dispose()
