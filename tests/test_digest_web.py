"""GET /digests/YYYY-MM-DD through the real App and FastAPI's TestClient."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_settings
from tests.support import digest_data as data
from tests.support.browser import QUIET_CHROMIUM_FLAGS
from tracker import __version__
from tracker.adapters.web import create_web_app
from tracker.app import App


@pytest.fixture
def client(sqlite_url: str, clock) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app = App(make_settings(sqlite_url), clock=clock)
    data.fill(app.engine)
    try:
        with TestClient(create_web_app(app, __version__)) as c:
            yield c
    finally:
        asyncio.run(app.aclose())


def test_html_is_the_default(client: TestClient) -> None:
    r = client.get("/digests/2024-05-10")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Ceasefire digest: 2024-05-10</h1>" in r.text
    assert "data:image/png;base64," in r.text


def test_json_and_markdown(client: TestClient) -> None:
    doc = client.get("/digests/2024-05-10", params={"format": "json"}).json()
    assert (doc["violations"], doc["incidents"], doc["fatalities"]) == (3, 4, 9)
    md = client.get("/digests/2024-05-10", params={"format": "md"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Ceasefire digest: 2024-05-10")


def test_week_and_png(client: TestClient) -> None:
    doc = client.get("/digests/2024-05-10", params={"format": "json", "period": "week"}).json()
    assert doc["period_start"] == "2024-05-06T00:00:00+03:00"
    assert doc["violations"] == 8
    png = client.get("/digests/2024-05-10", params={"format": "png"})
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_empty_day_and_bad_requests(client: TestClient) -> None:
    r = client.get("/digests/2024-05-20")
    assert r.status_code == 200
    assert "No violations were recorded on this day." in r.text
    assert client.get("/digests/not-a-date").status_code == 422
    assert client.get("/digests/2024-05-10", params={"format": "pdf"}).status_code == 422


def test_source_without_digests_answers_404() -> None:
    class StatusOnly:
        def ready(self) -> tuple[bool, str]:
            return True, "ok"

        def status(self) -> dict[str, object]:
            return {}

        def metrics(self) -> tuple[bytes, str]:
            return b"", "text/plain"

    with TestClient(create_web_app(StatusOnly(), __version__)) as c:
        assert c.get("/digests/2024-05-10").status_code == 404


CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


@pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (/usr/bin/chromium)"
)
def test_html_renders_in_headless_chromium(client: TestClient, tmp_path: Path) -> None:
    import subprocess

    page = tmp_path / "digest.html"
    page.write_bytes(client.get("/digests/2024-05-10").content)
    shot = Path("tests/artifacts/digest.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.unlink(missing_ok=True)  # a picture left by an earlier run must not pass for this one
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            *QUIET_CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot.resolve()}",
            "--window-size=1280,2000",
            page.as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The page really rendered: a blank screenshot would be one colour throughout.
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50
