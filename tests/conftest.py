from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.feedserver import FeedServer
from tracker.settings import Settings

# The alert-delivery harness's fixtures (fake_tg, build, harness) for every test module.
pytest_plugins = ["tests.support.alert_harness"]

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class FakeClock:
    """A clock the test moves by hand, so 'due' and backoff are deterministic."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


def make_settings(db_url: str, **overrides: Any) -> Settings:
    polling = {
        "interval_seconds": 300,
        "timeout_seconds": 3,
        "parse_timeout_seconds": 10,
        "max_body_bytes": 2_000_000,
        "fetch_articles": False,
        # The test servers listen on 127.0.0.1, which the address guard refuses by default.
        "allowed_networks": ["127.0.0.1/32"],
    }
    polling.update(overrides.pop("polling", {}))
    data: dict[str, Any] = {
        "database": {"url": db_url},
        "polling": polling,
        "feeds": overrides.pop("feeds", []),
        "web": {"enabled": False},
        "classifier": {"enabled": False},
    }
    data.update(overrides)
    return Settings(**data)


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3
        ):
            return None
    except Exception as exc:  # the reason goes into the skip message
        return f"PostgreSQL not reachable on 127.0.0.1:5432 ({type(exc).__name__}: {exc})"


@pytest.fixture(scope="session")
def pg_skip_reason() -> str | None:
    return _pg_available()


@pytest.fixture
def postgres_url(pg_skip_reason: str | None) -> Iterator[str]:
    """A fresh, empty database per test, dropped afterwards."""
    if pg_skip_reason:
        pytest.skip(pg_skip_reason)
    with pg_database() as url:
        yield url


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for as long as the block runs (skips the test
    when the server is not there)."""
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    import psycopg

    name = "tracker_test_" + uuid.uuid4().hex[:12]
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
