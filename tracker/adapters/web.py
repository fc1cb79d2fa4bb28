"""HTTP status endpoints (FastAPI). The app reads everything through a StatusSource, so it
knows nothing of the database or the scheduler."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse


class StatusSource(Protocol):
    def ready(self) -> tuple[bool, str]: ...

    def status(self) -> dict[str, Any]: ...

    def metrics(self) -> tuple[bytes, str]: ...


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

    return app
