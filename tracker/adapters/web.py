"""HTTP status endpoints (FastAPI). The app reads everything through a StatusSource, so it
knows nothing of the database or the scheduler."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any, Literal, Protocol

import anyio
from fastapi import FastAPI, HTTPException, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse

from tracker.core.digest import DigestFormat, PeriodOutOfRange

log = logging.getLogger(__name__)
# The status page loads nothing at all: inline style only.
STATUS_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


class SourceUnavailable(Exception):
    """Raised by a StatusSource when what it reads from (the database) cannot be reached:
    the endpoint answers 503 with this one-line reason instead of a 500 and a traceback."""


class OutageLog:
    """Logs an outage once, then at most one summary per `every_seconds` with the number of
    requests refused meanwhile, and one line when it ends: a database outage with a
    monitoring probe polling /status every second must not print a traceback per request."""

    def __init__(
        self,
        what: str,
        every_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.every_seconds = every_seconds
        self.clock = clock
        self.failures = 0
        self._unlogged = 0
        self._last_logged = 0.0
        self._lock = threading.Lock()

    def failed(self, reason: str) -> None:
        with self._lock:  # /status runs in worker threads
            self.failures += 1
            now = self.clock()
            if self.failures == 1:
                log.error("%s unavailable: %s", self.what, reason)
                self._last_logged = now
                return
            self._unlogged += 1
            if now - self._last_logged >= self.every_seconds:
                log.error(
                    "%s still unavailable: %d requests refused in the last %.0f s (%s)",
                    self.what,
                    self._unlogged,
                    now - self._last_logged,
                    reason,
                )
                self._unlogged, self._last_logged = 0, now

    def succeeded(self) -> None:
        with self._lock:
            if self.failures:
                log.warning(
                    "%s available again after %d refused requests", self.what, self.failures
                )
            self.failures = self._unlogged = 0


class StatusSource(Protocol):
    def ready(self) -> tuple[bool, str]: ...

    def status(self) -> dict[str, Any]: ...

    def metrics(self) -> tuple[bytes, str]: ...


class DigestSource(Protocol):
    """Optional: a source that can render digests serves GET /digests/YYYY-MM-DD."""

    def digest(
        self, day: date, fmt: Any, period: Any = None, by: Any = "recorded"
    ) -> tuple[bytes, str]: ...


def create_web_app(source: StatusSource, version: str, *, digest_concurrency: int = 2) -> FastAPI:
    """`digest_concurrency` bounds the digests rendered at once, in worker threads of their
    own, so that a burst of digest requests never takes the threads or the event loop that
    /healthz and /status need."""
    app = FastAPI(title="tracker", version=version, docs_url=None, redoc_url=None)
    digest_slots = anyio.CapacityLimiter(digest_concurrency)
    status_outage = OutageLog("status source")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers. Deliberately touches nothing else, and runs on
        the event loop itself (no worker thread to wait for behind slow requests)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        ok, detail = source.ready()
        return JSONResponse({"ready": ok, "detail": detail}, status_code=200 if ok else 503)

    @app.get("/status", response_model=None)
    def status() -> dict[str, Any] | JSONResponse:
        try:
            body = source.status()
        except SourceUnavailable as exc:
            status_outage.failed(str(exc))
            return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
        status_outage.succeeded()
        return body

    @app.get("/status.html", response_class=HTMLResponse)
    def status_page() -> HTMLResponse:
        """/status for people: feeds, scheduler, alert queue, agreements in force."""
        from tracker.adapters.web_status import render_status

        try:
            body = source.status()
        except SourceUnavailable as exc:
            status_outage.failed(str(exc))
            return HTMLResponse(
                render_status(None, str(exc)),
                status_code=503,
                headers={"Content-Security-Policy": STATUS_CSP},
            )
        status_outage.succeeded()
        return HTMLResponse(
            render_status(body),
            headers={"Content-Security-Policy": STATUS_CSP, "X-Content-Type-Options": "nosniff"},
        )

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = source.metrics()
        return Response(content=body, media_type=content_type)

    @app.get("/digests/{day}")
    async def digest(
        day: date,
        format: DigestFormat = "html",
        period: Literal["day", "week"] | None = Query(None),
        by: Literal["recorded", "event"] = Query("recorded"),
    ) -> Response:
        """The digest of the day (or of the week containing it), rendered from stored data in
        a worker thread, at most `digest_concurrency` at once; `by=event` counts events by
        their event date instead of their arrival. A day too close to the ends of the
        calendar for its comparison window is refused with 422 and the reason."""
        render = getattr(source, "digest", None)
        if render is None:
            raise HTTPException(404, "digests are not available here")
        try:
            body, content_type = await anyio.to_thread.run_sync(
                render, day, format, period, by, limiter=digest_slots
            )
        except PeriodOutOfRange as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        return Response(content=body, media_type=content_type)

    if hasattr(source, "data_api"):  # the read API (/api/v1), when the source offers it
        from tracker.adapters.web_api import add_api

        add_api(app, source)  # type: ignore[arg-type]
        from tracker.adapters.web_pages import add_pages

        add_pages(app, source)  # type: ignore[arg-type]
    return app
