"""Analyst review in a real browser (issue 16): headless Chromium driven by Playwright, against
`tracker run` as a subprocess (the real App, its uvicorn on 127.0.0.1 and its alert loop
sending to the fake Telegram Bot API through python-telegram-bot).

The database is seeded before the service starts: the read-API test events (not alerted:
their feeds are turned off) and one violation stored through the classification path, so
that the service's alert loop sends it to the analysts' chat first. Then an analyst signs in
through the form, a forged CSRF token is refused, "Not a violation" is clicked, and the page,
the API and the edited Telegram message all show the decision. A visitor sees no buttons and
cannot post. Screenshots are kept in tests/artifacts/review-*.png (not checked in).
HTTP-level checks of the same rules: tests/test_dashboard.py, tests/test_alerts_e2e.py."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import update
from sqlmodel import Session, select
from typer.testing import CliRunner

from tests.support import api_data
from tests.support.alert_harness import VIOLATION
from tests.support.browser import QUIET_CHROMIUM_FLAGS
from tests.support.fake_telegram import FakeTelegram
from tests.support.feedserver import FeedServer, Reply, rss
from tests.support.service_run import E2E_TOKEN, free_port, start_service, stop_service, wait_for
from tracker.adapters.storage.models import Feed, IncidentRow
from tracker.app import App
from tracker.cli import app as cli
from tracker.core.feeds import NewItem
from tracker.settings import load_settings

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless Chromium is not installed (/usr/bin/chromium)"
)

CHROMIUM_ARGS = list(QUIET_CHROMIUM_FLAGS)
ARTIFACTS = Path(__file__).parent / "artifacts"
ANALYSTS = -100999
NAME, PASSWORD = "amal", "correct horse battery"


@dataclass
class Service:
    base: str
    fake: FakeTelegram
    alerted: int  # the event whose alert the service sent
    seeded: dict[str, int]  # the read-API test events, by name
    log: Path

    def api(self, event_id: int) -> dict[str, Any]:
        r = httpx.get(f"{self.base}/api/v1/events/{event_id}", timeout=10)
        assert r.status_code == 200, r.text
        doc: dict[str, Any] = r.json()
        return doc

    def edits(self) -> list[Any]:
        return [
            c
            for c in self.fake.calls_to("editMessageText", ok=True)
            if int(c.params["chat_id"]) == ANALYSTS
        ]

    def sends(self) -> list[Any]:
        return [
            c
            for c in self.fake.calls_to("sendMessage", ok=True)
            if int(c.params["chat_id"]) == ANALYSTS
        ]


def _config(tmp: Path, feed_url: str, fake: FakeTelegram, port: int) -> Path:
    cfg = tmp / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp / "t.db"}"\n'
        "[polling]\ntick_seconds = 1\ntimeout_seconds = 5\nfetch_articles = false\n"
        'allowed_networks = ["127.0.0.1/32"]\n'
        "[classifier]\nenabled = false\n"  # the events are seeded; the feed is empty
        f'[web]\nhost = "127.0.0.1"\nport = {port}\n'
        f'[telegram]\ntoken = "{E2E_TOKEN}"\napi_base_url = "{fake.base_url}"\n'
        "timeout_seconds = 2.0\nretry_base_seconds = 0.2\nretry_max_seconds = 1.0\n"
        "max_attempts = 1000\nper_chat_interval_seconds = 0.2\nlong_poll_seconds = 1\n"
        f'[[telegram.destinations]]\nchat_id = {ANALYSTS}\nname = "analysts"\nreview = true\n'
        f'[[feeds]]\nurl = "{feed_url}"\nname = "Local"\n'
    )
    return cfg


def _seed(cfg: Path, feed_url: str) -> tuple[int, dict[str, int]]:
    """The read-API events, then one violation stored the way classification stores it
    (which queues its alert); returns that violation's event id and the others' ids."""
    app = App(load_settings(cfg), fetcher=object(), parser=object())  # type: ignore[arg-type]
    try:
        seeded = api_data.fill(app.engine)  # migrates first
        with Session(app.engine) as session:  # their feeds are not polled (no network here)
            session.exec(update(Feed).values(enabled=False))
            session.commit()
        app.sync_feeds()
        app.sync_destinations()
        feed = next(f for f in app.repo.list_feeds() if f.url == feed_url)
        assert feed.id is not None
        now = datetime.now(UTC)
        item = NewItem(
            entry_key="kafranbel-1",
            guid="kafranbel-1",
            url="https://news.example/kafranbel",
            title="Regime shelling kills five in Kafranbel",
            summary=VIOLATION["evidence"][0],
            text=VIOLATION["evidence"][0],
            content_hash="k" * 64,
            language="en",
            published_at=now,
            published_source="published",
            first_seen_at=now,
            alert_eligible=True,
        )
        (item_id,) = app.repo.store_items(feed.id, [item])
        app.repo.save_classifications([(item_id, [VIOLATION])], now)
        with Session(app.engine) as session:
            row = session.exec(select(IncidentRow).where(IncidentRow.item_id == item_id)).one()
        assert row.event_id is not None
        return row.event_id, seeded
    finally:
        asyncio.run(app.aclose())


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    fake = FakeTelegram(E2E_TOKEN).start()
    feeds = FeedServer().start()
    with tempfile.TemporaryDirectory(prefix="review-browser-") as name:
        tmp = Path(name)
        feed_url = feeds.route(
            "/feed", Reply(200, rss([]), {"Content-Type": "application/rss+xml"})
        )
        port = free_port()
        cfg = _config(tmp, feed_url, fake, port)
        alerted, seeded = _seed(cfg, feed_url)
        added = CliRunner().invoke(
            cli, ["--config", str(cfg), "users", "add", NAME, "--password-stdin"], PASSWORD + "\n"
        )
        assert added.exit_code == 0, added.output
        log = tmp / "log.txt"
        proc = start_service(cfg, tmp, log)
        svc = Service(f"http://127.0.0.1:{port}", fake, alerted, seeded, log)
        try:
            wait_for(
                lambda: httpx.get(f"{svc.base}/api/v1/events", timeout=5).status_code == 200,
                timeout=60,
                what="the web server",
            )
            wait_for(svc.sends, timeout=60, what="the analysts' alert for the seeded violation")
            yield svc
        finally:
            code = stop_service(proc)
            fake.stop()
            feeds.stop()
            assert code == 0, log.read_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context each test: no cookies, no session."""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def _screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)  # a picture left by an earlier run must not pass for this one
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    return shot


def _is_review_post(response: Any) -> bool:
    return response.request.method == "POST" and response.url.endswith("/review")


def test_an_analyst_dismisses_an_alerted_event_in_the_browser(service: Service, page: Page) -> None:
    event = service.alerted
    assert len(service.sends()) == 1  # sent by the service's alert loop before any review
    (alert,) = service.fake.sent_to(ANALYSTS)
    assert "Kafranbel" in alert.text and alert.reply_markup  # with the review buttons
    message_id = alert.message_id
    assert service.api(event)["review_status"] is None
    assert service.edits() == []

    # Sign in through the form, from the event page's link (back to the event after).
    page.goto(f"{service.base}/events/{event}")
    assert "Kafranbel" in page.inner_text("h1")
    page.get_by_role("link", name="Analyst sign-in").click()
    page.wait_for_url(f"{service.base}/signin?next=/events/{event}")
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{service.base}/events/{event}")
    assert f"signed in as {NAME}" in page.inner_text("#review")
    cookie = next(c for c in page.context.cookies() if c["name"] == "tracker_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # the page's scripts cannot read it
    _screenshot(page, "review-signed-in.png")

    # A forged CSRF token in the form: refused, nothing recorded, nothing edited.
    csrf = page.locator("#review input[name=csrf]")
    real = csrf.input_value()
    csrf.evaluate("(el, v) => { el.value = v }", "forged-" + real[::-1])
    with page.expect_response(_is_review_post) as refused:
        page.get_by_role("button", name="Not a violation").click()
    assert refused.value.status == 403
    page.wait_for_load_state()
    assert "forged or expired form" in page.content()
    _screenshot(page, "review-forged-csrf.png")
    assert service.api(event)["review_status"] is None and service.edits() == []

    # The real form: the decision is recorded and shown.
    page.goto(f"{service.base}/events/{event}")
    with page.expect_response(_is_review_post) as posted:
        page.get_by_role("button", name="Not a violation").click()
    assert posted.value.status == 303
    page.wait_for_url(f"{service.base}/events/{event}")
    assert page.inner_text("#decision") == "dismissed by an analyst (not a violation)"
    assert page.get_by_role("button", name="Not a violation").count() == 0  # decided once
    assert page.get_by_role("button", name="Confirm").count() == 0
    _screenshot(page, "review-dismissed.png")
    assert service.api(event)["review_status"] == "dismissed"

    # The alert loop, woken by the review, edits the message it sent for this event.
    (edit,) = wait_for(service.edits, timeout=30, what="the edit of the sent alert")
    assert int(edit.params["message_id"]) == message_id
    assert "Not a violation" in edit.params["text"] and f"by {NAME}" in edit.params["text"]
    sent = service.fake.messages[(ANALYSTS, message_id)]
    assert sent.edits == [edit.params["text"]] and "Kafranbel" in sent.text
    assert len(service.sends()) == 1  # edited, never sent again


def test_a_visitor_sees_no_buttons_and_cannot_post(service: Service, page: Page) -> None:
    event = service.seeded["sarmin"]
    page.goto(f"{service.base}/events/{event}")
    assert "Sarmin" in page.inner_text("h1")
    assert page.locator("button").count() == 0 and page.locator("form").count() == 0
    assert page.get_by_role("link", name="Analyst sign-in").is_visible()
    assert page.inner_text("#decision") == "not reviewed yet"
    _screenshot(page, "review-visitor.png")

    # A POST from the page itself (same origin, so not stopped by the Origin check).
    status = page.evaluate(
        """async (url) => {
            const r = await fetch(url, {
                method: "POST",
                headers: {"Content-Type": "application/x-www-form-urlencoded"},
                body: "status=dismissed&csrf=forged",
            });
            return r.status;
        }""",
        f"/events/{event}/review",
    )
    assert status == 403

    # A form the visitor builds with a made-up token, submitted like the analysts' form.
    page.evaluate(
        """(action) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            for (const [name, value] of [["csrf", "forged"], ["status", "confirmed"]]) {
                const input = document.createElement("input");
                input.type = "hidden";
                input.name = name;
                input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
        }""",
        f"/events/{event}/review",
    )
    with page.expect_response(_is_review_post) as refused:
        page.locator("form").evaluate("(form) => form.submit()")
    assert refused.value.status == 403
    assert service.api(event)["review_status"] is None
