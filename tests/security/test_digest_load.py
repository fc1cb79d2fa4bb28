"""Replayed load (issue 13, item 12): many heavy digest requests at once.

300 HTML digests asked 50 at a time took `/healthz` to 6.2 s: the digest endpoint rendered
in the server's shared worker threads (40), which /healthz waited behind, and every request
rendered again. Digests now render in worker threads of their own, at most
`[web] digest_concurrency` at once, /healthz answers on the event loop, and a rendered
digest is cached until the data it shows changes. The server is a real uvicorn on
127.0.0.1 over a real SQLite file filled with the digest test data.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from tests.conftest import make_settings
from tests.support import digest_data as data
from tracker import __version__
from tracker.adapters.web import create_web_app
from tracker.app import App

CONCURRENCY = 2
REQUESTS = 50
DAYS = [data.DAY - timedelta(days=k) for k in range(5)]


class BuildCounter:
    """Counts the digests built (each render builds one) and the most built at once."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self.calls = 0
        self.running = 0
        self.max_running = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            return self._build(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def app(sqlite_url: str) -> Iterator[App]:
    tracker_app = App(make_settings(sqlite_url))
    data.fill(tracker_app.engine)
    try:
        yield tracker_app
    finally:
        asyncio.run(tracker_app.aclose())


def _count_builds(tracker_app: App) -> BuildCounter:
    service = tracker_app.digest_service()
    counter = BuildCounter(service.build)
    service.build = counter  # type: ignore[method-assign]
    return counter


@pytest.fixture
def server(app: App) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web = create_web_app(app, __version__, digest_concurrency=CONCURRENCY)
    config = uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=15)


async def _load(base: str) -> tuple[list[httpx.Response], list[float]]:
    """50 concurrent HTML digests (5 days, 10 requests each) while /healthz is probed."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=REQUESTS + 5)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                started = time.monotonic()
                r = await client.get("/healthz")
                assert r.status_code == 200
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(0.05)

        async def digests() -> list[httpx.Response]:
            try:
                return await asyncio.gather(
                    *(
                        client.get(f"/digests/{DAYS[i % len(DAYS)].isoformat()}")
                        for i in range(REQUESTS)
                    )
                )
            finally:
                done.set()

        prober = asyncio.create_task(probe())
        answers = await digests()
        await prober
    return answers, latencies


def test_healthz_answers_while_50_digests_render(app: App, server: str) -> None:
    builds = _count_builds(app)
    answers, latencies = asyncio.run(asyncio.wait_for(_load(server), timeout=120))
    assert [r.status_code for r in answers] == [200] * REQUESTS
    by_day: dict[str, set[bytes]] = {}
    for r in answers:
        by_day.setdefault(str(r.request.url), set()).add(r.content)
    assert all(len(bodies) == 1 for bodies in by_day.values())  # the same digest each time
    assert latencies, "/healthz was never probed"
    # generous for a shared CI machine: before the fix this took 11 s on the same test
    assert max(latencies) < 3.0, f"/healthz took {max(latencies):.2f} s"
    assert builds.max_running <= CONCURRENCY
    assert builds.calls == len(DAYS)  # each day rendered once, the rest from the cache


def test_cache_is_dropped_when_an_event_changes(app: App) -> None:
    builds = _count_builds(app)
    url = f"/digests/{data.DAY.isoformat()}"
    with TestClient(create_web_app(app, __version__)) as client:
        first = client.get(url, params={"format": "json"}).json()
        assert client.get(url, params={"format": "json"}).json() == first
        assert builds.calls == 1
        violation = next(t for t in first["top_incidents"] if t["violation"])
        now = datetime(2024, 5, 10, 12, tzinfo=UTC)
        assert app.alert_store.decide(violation["id"], "dismissed", "analyst", now) is not None
        after = client.get(url, params={"format": "json"}).json()
        assert builds.calls == 2
        assert after["violations"] == first["violations"] - 1
        # another format of the same day is its own entry; the json one is cached again
        client.get(url, params={"format": "md"})
        client.get(url, params={"format": "json"})
        assert builds.calls == 3
