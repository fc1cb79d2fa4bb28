"""Arabic reports in alerts, through the real delivery paths: python-telegram-bot against the
fake Bot API on 127.0.0.1, the SMTP server (aiosmtpd), the webhook receiver and the console.
Incidents are built by hand with Arabic evidence (no Arabic classifier involved): the English
destination gets English labels with the Arabic sentence isolated right to left, the
destination with `language = "ar"` gets Arabic labels, and nothing is lost or garbled on the
way."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable
from html.parser import HTMLParser
from typing import Any, TypeVar

import pytest

from tests.support.alert_harness import (
    ANALYSTS,
    PUBLIC,
    async_test,
    build,  # noqa: F401 (fixture)
    fake_tg,  # noqa: F401 (fixture)
    incident,
    tg_settings,
)
from tests.support.alert_views import event
from tests.support.fake_telegram import FakeTelegram
from tests.support.smtp_server import smtp_server
from tests.support.webhook_receiver import webhook_receiver
from tracker.adapters.notify.console import ConsoleNotifier
from tracker.adapters.notify.email import EmailNotifier, SmtpConfig
from tracker.adapters.notify.telegram_text import (
    MAX_MESSAGE_CHARS,
    render_alert,
    split_message,
    units,
)
from tracker.core import bidi
from tracker.core.alerts import Outcome, Source

T = TypeVar("T")
EVIDENCE = "قصفت قوات النظام بلدة كفرنبل بريف إدلب الجنوبي، ما أدى إلى مقتل خمسة مدنيين بينهم طفلان."
TITLE = "مقتل خمسة مدنيين بقصف مدفعي على كفرنبل"


class _Tags(HTMLParser):
    """Counts opened and closed tags: Telegram refuses a message with one left open."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.balanced = False


def _well_formed(text: str) -> bool:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser.balanced and not parser.open


@async_test
async def test_english_and_arabic_chats_get_the_arabic_evidence_right(
    build: Any, fake_tg: FakeTelegram  # noqa: F811
) -> None:
    h = build(
        tg_settings(
            fake_tg,
            [
                {"chat_id": ANALYSTS, "name": "analysts", "review": True},
                {"chat_id": PUBLIC, "name": "public", "language": "ar"},
            ],
        )
    )
    h.add_item(incident(evidence=[EVIDENCE]), title=TITLE)
    await h.deliver()

    [english] = fake_tg.sent_to(ANALYSTS)
    [arabic] = fake_tg.sent_to(PUBLIC)
    for sent in (english, arabic):
        assert sent.parse_mode == "HTML"
        assert _well_formed(sent.text)
        # the sentence arrives as written, isolated right to left inside its quotes, on a
        # line that opens with RLM (so even a client without isolates lays it out RTL)
        quoted = f"{bidi.RLM}<i>“{bidi.RLI}{EVIDENCE}{bidi.PDI}”</i>"
        assert quoted in sent.text.split("\n\n")
        # the Arabic source title is isolated inside its link
        assert f">{bidi.RLI}{TITLE}{bidi.PDI}</a>" in sent.text

    # English labels and values exactly as an English alert has them
    assert "🟠 <b>HIGH</b> · violation\n" in english.text
    assert "📍 <b>Kafranbel</b>, Idlib governorate\n📅 2019-06-09" in english.text
    assert "Sources (1):" in english.text
    markup = english.reply_markup
    markup = json.loads(markup) if isinstance(markup, str) else markup
    assert markup["inline_keyboard"][0][0]["text"] == "Confirm"

    # Arabic labels, English values isolated left to right, every line right to left
    text = arabic.text
    for label in ("خرق لوقف إطلاق النار", "المكان", "التاريخ", "القتلى", "الاتفاق", "المصادر"):
        assert label in text, label
    assert f"📍 المكان: <b>{bidi.LRI}Kafranbel{bidi.PDI}</b>" in text
    assert "☠️ القتلى: 5 قتيلاً" in text
    assert f"⚖️ الاتفاق: {bidi.LRI}sochi-2018 (art. 2){bidi.PDI}" in text
    lines = [line for line in text.split("\n") if line]
    assert all(line.startswith(bidi.RLM) for line in lines)
    assert "violation" not in text.replace("Explosions/Remote violence", "")


def test_long_arabic_and_emoji_text_stays_within_telegram_units() -> None:
    """Telegram counts UTF-16 units: an emoji is two. Chunks measured in Python characters
    would let a message of many emoji run over the limit."""
    para = "😀" * 1500  # 1,500 characters, 3,000 units
    chunks = split_message(f"{para}\n\n{para}\n\n{para}")
    assert len(chunks) == 3  # two paragraphs together are 6,002 units, over 4,096
    assert all(units(c) <= MAX_MESSAGE_CHARS for c in chunks)
    # a line too long for one message is cut between letters, never before a vowel sign
    vowelled = "بِ" * 3000  # letter + kasra
    pieces = split_message(vowelled)
    assert "".join(pieces) == vowelled
    assert all(units(p) <= MAX_MESSAGE_CHARS and not p.startswith("\u0650") for p in pieces)


def test_full_length_arabic_alert_is_split_into_accepted_messages() -> None:
    sources = [Source(f"😀 {TITLE} {i}", f"https://x.example/{i}") for i in range(60)]
    view = event(sources=sources, evidence=[EVIDENCE * 20])
    for language in ("en", "ar"):
        message = render_alert(view, language=language, public_url="https://t.example")
        assert len(message.chunks) >= 2
        for chunk in message.chunks:
            assert units(chunk) <= MAX_MESSAGE_CHARS and _well_formed(chunk)
        # the evidence is cut (1,000 characters) but its isolate is closed in its line
        [line] = [c for c in "\n".join(message.chunks).split("\n") if bidi.RLI in c and "“" in c]
        assert line.count(bidi.RLI) == line.count(bidi.PDI) == 1


def _run(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout=15)

    return asyncio.run(bounded())


EVENT: dict[str, Any] = {
    "id": 9,
    "revision": 1,
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "date": "2019-06-09",
    "location": {"name": "Kafranbel", "admin1": "Idlib"},
    "fatalities": 5,
    "severity": "high",
    "agreements": ["sochi-2018"],
    "source_count": 1,
    "reasons": ["sochi-2018 art. 2"],
    "evidence": [EVIDENCE],
    "links": {"self": "https://tracker.example/api/v1/events/9"},
}


def test_email_in_arabic_is_utf8_with_rtl_evidence_and_english_stays_english() -> None:
    with smtp_server() as box:
        config = SmtpConfig("127.0.0.1", box.port, "tracker@example.org", timeout_seconds=5)
        notifier = EmailNotifier(config, languages={"ar@example.org": "ar"})
        results = [
            _run(notifier.deliver(to, EVENT, update=False))
            for to in ("ar@example.org", "en@example.org")
        ]
    assert [r.outcome for r in results] == [Outcome.OK, Outcome.OK]
    arabic, english = box.messages
    assert arabic["Subject"] == "[HIGH] Explosions/Remote violence في Kafranbel, Idlib (2019-06-09)"
    text, html = arabic.get_body(("plain",)), arabic.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    plain = text.get_content()
    assert f"النص: “{EVIDENCE}”" in plain and "القتلى: 5 قتيلاً" in plain
    markup = html.get_content()
    assert markup.startswith('<html dir="rtl" lang="ar">')
    assert f'<q dir="rtl" lang="ar">{EVIDENCE}</q>' in markup
    # the English mailbox: English labels, no evidence row, as before
    english_text = english.get_body(("plain",))
    assert english_text is not None
    assert english_text.get_content().startswith("Event: #9 (revision 1)\r\nWhat:")
    assert EVIDENCE not in english.as_string()
    assert english["Subject"] == "[HIGH] Explosions/Remote violence in Kafranbel, Idlib (2019-06-09)"


def test_webhook_sends_arabic_as_utf8_and_names_the_language() -> None:
    from tracker.adapters.feeds.http import BlockedAddress, build_client
    from tracker.adapters.notify.webhook import WebhookNotifier
    from tracker.core.netpolicy import parse_networks

    secret = "s3cret-for-tests"
    with webhook_receiver(secret) as receiver:
        urls = [f"{receiver.url}/ar", f"{receiver.url}/en"]

        async def go() -> list[Outcome]:
            client = build_client(5.0, "t", 2, allowed_networks=parse_networks(["127.0.0.1/32"]))
            notifier = WebhookNotifier(
                client,
                secrets=dict.fromkeys(urls, secret),
                refused=(BlockedAddress,),
                languages={urls[0]: "ar"},
            )
            try:
                return [(await notifier.deliver(u, EVENT, update=False)).outcome for u in urls]
            finally:
                await notifier.close()

        assert _run(go()) == [Outcome.OK, Outcome.OK]
    arabic, english = receiver.received
    assert arabic.signature_ok and english.signature_ok
    assert EVIDENCE.encode("utf-8") in arabic.body  # as written, not \\u escapes
    assert arabic.json()["language"] == "ar"
    assert arabic.json()["event"]["evidence"] == [EVIDENCE]
    assert "language" not in english.json()  # English payloads are as they were


@pytest.mark.parametrize("language", ["en", "ar"])
def test_console_prints_the_arabic_sentence_intact(language: str) -> None:
    out = io.StringIO()
    console = ConsoleNotifier(out)
    message = render_alert(event(evidence=[EVIDENCE]), as_html=False, language=language)
    _run(console.send(0, message.chunks[0], html=False))
    printed = out.getvalue()
    assert EVIDENCE in printed  # the letters as written; only the bidi marks are dropped
    assert not any(mark in printed for mark in (bidi.RLI, bidi.PDI, bidi.RLM))
    assert ("خرق لوقف إطلاق النار" in printed) == (language == "ar")
