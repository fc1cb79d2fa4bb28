"""The email channel against a real SMTP server on 127.0.0.1 (aiosmtpd): one message per
event with a text and an HTML part, login when configured, SMTP failures as outcomes the
outbox can act on, and one mail per event through the real outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import FakeClock, make_settings
from tests.support.alert_harness import VIOLATION
from tests.support.db_reads import outbox_rows
from tests.support.smtp_server import Mailbox, smtp_server
from tracker.adapters.notify.email import EmailNotifier, SmtpConfig
from tracker.app import App
from tracker.core.alerts import Outcome, SendResult
from tracker.core.feeds import NewItem

T = TypeVar("T")
EVENT: dict[str, Any] = {
    "id": 7,
    "revision": 2,
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "date": "2019-06-09",
    "location": {"name": "Kafranbel", "admin1": "Idlib"},
    "fatalities": 5,
    "fatalities_low": 4,
    "fatalities_high": 6,
    "severity": "high",
    "agreements": ["sochi-2018"],
    "source_count": 2,
    "reasons": ["<script>alert(1)</script> shelled the town"],
    "links": {"self": "https://tracker.example/api/v1/events/7"},
}


def _run(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout=15)

    return asyncio.run(bounded())


def _send(box: Mailbox, to: str = "desk@example.org", **smtp: Any) -> SendResult:
    config = SmtpConfig("127.0.0.1", box.port, "tracker@example.org", timeout_seconds=5, **smtp)
    return _run(EmailNotifier(config).deliver(to, EVENT, update=False))


def test_one_message_with_text_and_html() -> None:
    with smtp_server() as box:
        result = _send(box, to="desk@example.org, duty@example.org")
    assert result.outcome is Outcome.OK
    [msg] = box.messages
    assert box.recipients == [["desk@example.org", "duty@example.org"]]
    assert msg["From"] == "tracker@example.org"
    assert msg["Subject"] == ("[HIGH] Explosions/Remote violence in Kafranbel, Idlib (2019-06-09)")
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert "Toll: 5 killed (4-6)" in plain and "https://tracker.example/api/v1/events/7" in plain
    markup = html.get_content()
    assert "&lt;script&gt;" in markup and "<script>" not in markup  # feed text stays text
    assert '<a href="https://tracker.example/api/v1/events/7">' in markup


# A local test server may take a login in clear; a real one should not (hence the warning).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_when_configured() -> None:
    with smtp_server(login=("tracker", "pw-for-tests")) as box:
        ok = _send(box, username="tracker", password="pw-for-tests")
        refused = _send(box, username="tracker", password="wrong")
        anonymous = _send(box)
    assert ok.outcome is Outcome.OK
    assert refused.outcome is Outcome.PERMANENT and "535" in refused.error
    assert anonymous.outcome is Outcome.PERMANENT  # 530: authentication required
    assert len(box.messages) == 1


def test_starttls_is_not_skipped_when_asked_for() -> None:
    """A server that does not offer STARTTLS gets nothing in clear when it is required."""
    with smtp_server() as box:
        result = _send(box, starttls=True)
    assert result.outcome is not Outcome.OK
    assert box.messages == []


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [("451 4.3.0 try again later", Outcome.TRANSIENT), ("554 5.7.1 rejected", Outcome.PERMANENT)],
)
def test_smtp_failures_say_whether_to_retry(answer: str, outcome: Outcome) -> None:
    with smtp_server(failures=[answer]) as box:
        result = _send(box)
    assert result.outcome is outcome and answer[:3] in result.error


def test_an_unreachable_server_is_retried() -> None:
    with smtp_server() as box:
        port = box.port
    config = SmtpConfig("127.0.0.1", port, "tracker@example.org", timeout_seconds=5)
    result = _run(EmailNotifier(config).deliver("desk@example.org", EVENT, update=False))
    assert result.outcome is Outcome.TRANSIENT


# -- through the outbox ----------------------------------------------------------------------

@pytest.fixture
def mail_app(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[App, Mailbox]]:
    from tracker.adapters.storage.feeds import FeedSpec

    with smtp_server() as box:
        settings = make_settings(
            f"sqlite:///{tmp_path / 't.db'}",
            telegram={"token": "1:unused", "retry_base_seconds": 10.0},
            alerts={
                "destinations": [
                    {"name": "desk", "channel": "email", "address": "desk@example.org"}
                ]
            },
            email={
                "host": "127.0.0.1",
                "port": box.port,
                "sender": "tracker@example.org",
                "starttls": False,
                "timeout_seconds": 5,
            },
        )
        app = App(settings, clock=clock, fetcher=object(), parser=object())  # type: ignore[arg-type]
        app.upgrade_db()
        app.sync_destinations()
        app.repo.sync_feeds([FeedSpec("https://news.example/feed", "Example")], clock())
        yield app, box
        app.engine.dispose()


def _add(app: App, clock: FakeClock, n: int, incident: dict[str, Any]) -> int:
    feed_id = app.repo.list_feeds()[0].id
    assert feed_id is not None
    item = NewItem(
        entry_key=f"k{n}",
        guid=f"k{n}",
        url=f"https://news.example/{n}",
        title="Shelling",
        summary="s",
        text="s",
        content_hash=f"{n:064d}",
        language="en",
        published_at=clock(),
        published_source="published",
        first_seen_at=clock(),
        alert_eligible=True,
    )
    (item_id,) = app.repo.store_items(feed_id, [item])
    app.repo.save_classifications([(item_id, [incident])], clock())
    return item_id


def test_one_mail_per_event_through_the_outbox(
    mail_app: tuple[App, Mailbox], clock: FakeClock
) -> None:
    app, box = mail_app
    [mail] = app.channel_senders
    item_id = _add(app, clock, 1, VIOLATION)
    _run(mail.deliver_once())
    worse = {**VIOLATION, "fatalities": 9, "fatalities_low": 9, "fatalities_high": 9}
    app.repo.save_classifications([(item_id, [worse])], clock())
    _run(mail.deliver_once())  # the event changed: no second mail
    assert len(box.messages) == 1 and box.recipients == [["desk@example.org"]]
    [row] = outbox_rows(app.engine)
    assert row.status == "sent" and not row.edit_pending


def test_email_destinations_need_a_server() -> None:
    from pydantic import ValidationError

    from tracker.settings import Settings

    with pytest.raises(ValidationError, match=r"email\.host and email\.sender"):
        Settings.model_validate(
            {
                "alerts": {
                    "destinations": [
                        {"name": "desk", "channel": "email", "address": "desk@example.org"}
                    ]
                }
            }
        )
