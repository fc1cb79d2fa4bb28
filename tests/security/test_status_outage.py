"""Issue 13, item 19 (the /status part): during a database outage `GET /status` answered
500 with a traceback per request. It now answers 503 with a JSON reason (naming no host
or credentials), logs the outage once, then at most a summary with a count per minute, and
one line when the database is back. The outage is real: the per-test PostgreSQL database
refuses connections (ALLOW_CONNECTIONS false and its backends terminated), or the URL
points at a port where nothing listens."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_settings
from tracker import __version__
from tracker.adapters.web import OutageLog, create_web_app
from tracker.app import App

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def _allow_connections(db_name: str, allowed: bool) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{db_name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (db_name,),
            )


@pytest.fixture
def pg_app(postgres_url: str) -> Iterator[App]:
    app = App(make_settings(postgres_url))
    app.upgrade_db()
    app.sync_feeds()
    try:
        yield app
    finally:
        _allow_connections(postgres_url.rsplit("/", 1)[1], True)
        asyncio.run(app.aclose())


def _outage_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tracker.adapters.web"]


def test_status_answers_503_during_an_outage_and_logs_it_once(
    pg_app: App, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    db_name = postgres_url.rsplit("/", 1)[1]
    with TestClient(create_web_app(pg_app, __version__), raise_server_exceptions=False) as client:
        assert client.get("/status").status_code == 200
        _allow_connections(db_name, False)
        caplog.set_level(logging.INFO)
        answers = [client.get("/status") for _ in range(5)]
        assert [r.status_code for r in answers] == [503] * 5
        body = answers[0].json()
        assert body["status"] == "unavailable"
        assert body["detail"].startswith("database unreachable: ")
        assert "127.0.0.1" not in body["detail"] and db_name not in body["detail"]
        assert client.get("/healthz").status_code == 200

        records = _outage_records(caplog)
        assert len(records) == 1 and records[0].levelno == logging.ERROR, records
        assert records[0].exc_info is None  # one line, no traceback
        assert not any(r.exc_info for r in caplog.records)

        _allow_connections(db_name, True)
        assert client.get("/status").status_code == 200
        back = _outage_records(caplog)[-1]
        assert back.levelno == logging.WARNING and "after 5 refused" in back.getMessage()


def test_status_answers_503_when_nothing_listens(sqlite_url: str) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = App(make_settings(f"postgresql+psycopg://postgres:secret@127.0.0.1:{port}/tracker"))
    try:
        with TestClient(create_web_app(app, __version__), raise_server_exceptions=False) as c:
            r = c.get("/status")
            assert r.status_code == 503, r.text
            assert "secret" not in r.text and str(port) not in r.text
    finally:
        asyncio.run(app.aclose())


def test_outage_log_summarises_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    outage = OutageLog("status source", every_seconds=60, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="tracker.adapters.web")
    for second in range(0, 125):  # a probe every second for two minutes
        now[0] = float(second)
        outage.failed("database unreachable: OperationalError")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "status source unavailable: database unreachable: OperationalError",
        "status source still unavailable: 60 requests refused in the last 60 s "
        "(database unreachable: OperationalError)",
        "status source still unavailable: 60 requests refused in the last 60 s "
        "(database unreachable: OperationalError)",
    ]
    outage.succeeded()
    assert caplog.records[-1].getMessage() == (
        "status source available again after 125 refused requests"
    )
