"""`[web] public_url`: alerts and digests link to the event's page and API document."""

from __future__ import annotations

import asyncio
from datetime import date

from tests.conftest import FakeClock, make_settings
from tests.support import digest_data
from tests.support.alert_views import view
from tracker.adapters.notify.telegram_text import render_alert
from tracker.app import App

BASE = "https://tracker.example.org"


def test_alert_links_to_the_event_page_and_its_api_document() -> None:
    v = view()
    html_text = "\n".join(render_alert(v, public_url=BASE).chunks)
    assert f'<a href="{BASE}/events/{v.event_id}">event page</a>' in html_text
    assert f'<a href="{BASE}/api/v1/events/{v.event_id}">data</a>' in html_text
    plain = "\n".join(render_alert(v, as_html=False, public_url=BASE).chunks)
    assert f"event page: {BASE}/events/{v.event_id}" in plain
    assert f"data: {BASE}/api/v1/events/{v.event_id}" in plain


def test_no_public_url_no_links() -> None:
    text = "\n".join(render_alert(view()).chunks)
    assert "/events/" not in text and "event page" not in text


def test_the_app_passes_public_url_to_alerts_and_digests(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, web={"enabled": False, "public_url": BASE + "/"})
    app = App(settings, clock=FakeClock())
    try:
        assert app.alerts.config.public_url == BASE  # trailing slash dropped
        ids = digest_data.fill(app.engine)
        event_id = ids["Air strike on Ariha"]
        md = app.digest(date(2024, 5, 10), "md")[0].decode()
        assert f"**[#{event_id}](<{BASE}/events/{event_id}>)**" in md
        assert f"([data](<{BASE}/api/v1/events/{event_id}>))" in md
        page = app.digest(date(2024, 5, 10), "html")[0].decode()
        assert f'<a href="{BASE}/events/{event_id}">#{event_id}</a>' in page
        telegram = app.digest(date(2024, 5, 10), "telegram")[0].decode()
        assert f'<a href="{BASE}/api/v1/events/{event_id}">data</a>' in telegram
    finally:
        asyncio.run(app.aclose())


def test_digest_without_public_url_has_no_event_links(sqlite_url: str) -> None:
    app = App(make_settings(sqlite_url), clock=FakeClock())
    try:
        digest_data.fill(app.engine)
        md = app.digest(date(2024, 5, 10), "md")[0].decode()
        assert "/events/" not in md and "**#" in md
    finally:
        asyncio.run(app.aclose())
