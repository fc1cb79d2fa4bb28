"""HTTP status endpoints (FastAPI). The app reads everything through a StatusSource, so it
knows nothing of the database or the scheduler."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Protocol

from fastapi import FastAPI, HTTPException, Query, Response
from fastapi.responses import JSONResponse


class StatusSource(Protocol):
    def ready(self) -> tuple[bool, str]: ...

    def status(self) -> dict[str, Any]: ...

    def metrics(self) -> tuple[bytes, str]: ...


class DigestSource(Protocol):
    """Optional: a source that can render digests serves GET /digests/YYYY-MM-DD."""

    def digest(self, day: date, fmt: Any, period: Any = None) -> tuple[bytes, str]: ...


def create_web_app(source: StatusSource, version: str) -> FastAPI:
    app = FastAPI(title="tracker", version=version, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness: the process answers. Deliberately touches nothing else."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        ok, detail = source.ready()
        return JSONResponse({"ready": ok, "detail": detail}, status_code=200 if ok else 503)

    @app.get("/status")
    def status() -> dict[str, Any]:
        return source.status()

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = source.metrics()
        return Response(content=body, media_type=content_type)

    @app.get("/digests/{day}")
    def digest(
        day: date,
        format: Literal["html", "json", "md", "png", "telegram"] = "html",
        period: Literal["day", "week"] | None = Query(None),
    ) -> Response:
        """The digest of the day (or of the week containing it), rendered from stored data."""
        render = getattr(source, "digest", None)
        if render is None:
            raise HTTPException(404, "digests are not available here")
        body, content_type = render(day, format, period)
        return Response(content=body, media_type=content_type)

    if hasattr(source, "data_api"):  # the read API (/api/v1), when the source offers it
        from tracker.adapters.web_api import add_api

        add_api(app, source)  # type: ignore[arg-type]
    return app
