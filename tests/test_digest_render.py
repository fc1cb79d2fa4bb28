"""Digest formats: Markdown, HTML, JSON, Telegram HTML (split and escaped) and the PNG."""

from __future__ import annotations

import json
import struct
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from tests.support import digest_data as data
from tracker.adapters.charts import HEIGHT_PX, WIDTH_PX, load_layers, render_png
from tracker.adapters.digest_render import DigestRenderer, render_telegram
from tracker.adapters.storage import db
from tracker.adapters.storage.digests import DigestStore
from tracker.cli import app as cli_app
from tracker.core.digest import IncidentRecord, build_digest, period_of
from tracker.services.digest import DigestConfig, DigestService

TZ = ZoneInfo("Asia/Damascus")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def layers():  # type: ignore[no-untyped-def]
    return load_layers()


@pytest.fixture
def service(tmp_path: Path, layers) -> DigestService:  # type: ignore[no-untyped-def]
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'digest.db'}")
    data.fill(engine)
    renderer = DigestRenderer(lambda d: render_png(d, layers))
    return DigestService(DigestStore(engine), renderer, DigestConfig(TZ))


def png_size(body: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    assert body[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", body[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", body[16:24])
    return width, height


def test_json_has_the_contract_keys(service: DigestService) -> None:
    body = service.render(service.build(data.DAY), "json").body
    doc = json.loads(body)
    for key in (
        "period_start",
        "period_end",
        "violations",
        "incidents",
        "fatalities",
        "by_agreement",
        "by_zone",
        "by_governorate",
        "by_event_type",
        "top_incidents",
        "feeds_failing",
    ):
        assert key in doc, key
    assert doc["period_start"] == "2024-05-10T00:00:00+03:00"
    assert doc["period_end"] == "2024-05-11T00:00:00+03:00"
    assert (doc["violations"], doc["incidents"], doc["fatalities"]) == (3, 4, 9)
    assert doc["by_zone"][0] == {"key": "idlib-dmz", "incidents": 2, "violations": 2}
    assert doc["top_incidents"][0]["severity"] == "critical"
    assert doc["top_incidents"][0]["source"]["url"].startswith("https://ok.example/")
    assert doc["feeds_failing"][0]["state"] == "degraded"
    assert doc["comparison"]["change_pct"] == 200.0


def test_markdown(service: DigestService) -> None:
    md = service.render(service.build(data.DAY), "md").body.decode()
    assert md.startswith("# Ceasefire digest: 2024-05-10")
    assert "**3 violation(s)** among 4 incident(s)" in md
    assert "+2 against the average of 1 over the previous 7 days (+200%)" in md
    assert "| idlib-dmz | 2 | 2 |" in md
    assert "*(late report)*" in md
    assert "Shelling on Sarmin \\<kills\\> three & more" in md  # outside text stays text
    assert "Bad \\<feed\\>: degraded, 6 consecutive error(s)" in md


def test_html_escapes_and_embeds_the_chart(service: DigestService) -> None:
    page = service.render(service.build(data.DAY), "html").body.decode()
    assert page.startswith("<!doctype html>")
    assert "Shelling on Sarmin &lt;kills&gt; three &amp; more" in page
    assert "<kills>" not in page
    assert 'href="https://ok.example/0?a=1&amp;b=2"' in page
    assert '<span class="late">late report</span>' in page
    assert '<img src="data:image/png;base64,' in page


def test_empty_day_renders_plainly(service: DigestService) -> None:
    d = service.build(data.EMPTY_DAY)
    md = service.render(d, "md").body.decode()
    assert "**No violations were recorded on this day.**" in md
    assert "1 of 2 feeds healthy." in md
    page = service.render(d, "html").body.decode()
    assert "No violations were recorded on this day." in page
    text = render_telegram(d)
    assert len(text) == 1
    assert "<b>No violations recorded on this day.</b>" in text[0]
    assert "Bad &lt;feed&gt;: degraded" in text[0]


def test_telegram_html_is_escaped(service: DigestService) -> None:
    parts = render_telegram(service.build(data.DAY))
    assert len(parts) == 1
    text = parts[0]
    assert '<a href="https://ok.example/0?a=1&amp;b=2">Shelling on Sarmin &lt;kills&gt;' in text
    assert "<i>late report</i>" in text
    assert "<code>#" in text


def _busy_digest(n: int):  # type: ignore[no-untyped-def]
    period = period_of(date(2024, 5, 10), "day", TZ)
    seen = datetime(2024, 5, 10, 9, tzinfo=UTC)
    records = [
        IncidentRecord(
            i,
            i,
            seen + timedelta(seconds=i),
            True,
            "shelling",
            admin1=f"governorate {i} <&>",
            zones=(f"zone-{i}",),
            source_title="T" * 300 + " <b>",
            source_url=f"https://x.example/{i}",
            severity="high",
        )
        for i in range(n)
    ]
    return build_digest(period, records, [], top_limit=100)


def test_telegram_split_under_the_limit() -> None:
    parts = render_telegram(_busy_digest(100))
    assert len(parts) >= 3
    assert all(0 < len(p) <= 4096 for p in parts)
    for part in parts:
        # Every message is well-formed on its own: no tag left open across a split.
        assert part.count("<b>") == part.count("</b>")
        assert part.count("<a ") == part.count("</a>")
        assert "T <b>" not in part  # the title's markup arrives escaped
    assert parts[0].startswith("<b>Ceasefire digest: 2024-05-10</b>")
    # Titles are cut to 200 characters before escaping, so no line nears the limit.
    assert sum(p.count("T" * 199 + "…</a>") for p in parts) == 100
    assert not any("T" * 200 in p for p in parts)
    assert sum(p.count("<code>#") for p in parts) == 100


def test_png_has_the_expected_size(service: DigestService, tmp_path: Path) -> None:
    body = service.render(service.build(data.DAY), "png").body
    assert png_size(body) == (WIDTH_PX, HEIGHT_PX)
    out = tmp_path / "digest.png"
    out.write_bytes(body)
    assert out.stat().st_size > 10_000  # a drawn picture, not a blank canvas


def test_png_of_an_empty_day(service: DigestService) -> None:
    body = service.render(service.build(data.EMPTY_DAY), "png").body
    assert png_size(body) == (1200, 600)


def test_cli_renders_json_from_stored_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = db.create_db_engine(url)
    data.fill(engine)
    engine.dispose()
    runner = CliRunner()
    env = {"TRACKER_DATABASE__URL": url, "TRACKER_FEEDS": "[]"}
    result = runner.invoke(cli_app, ["digest", "--date", "2024-05-10", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["violations"], doc["incidents"]) == (3, 4)
    png = tmp_path / "d.png"
    result = runner.invoke(
        cli_app, ["digest", "--date", "2024-05-10", "--format", "png", "-o", str(png)], env=env
    )
    assert result.exit_code == 0, result.output
    assert png_size(png.read_bytes()) == (1200, 600)
    result = runner.invoke(cli_app, ["digest", "--date", "10/05/2024"], env=env)
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output
