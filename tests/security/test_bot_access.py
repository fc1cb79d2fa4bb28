"""Replayed attacks on who may ask the bot (issue 13, items 3 and 7), through the real
python-telegram-bot against the fake Bot API and a real SQLite file.

- With `telegram.allowed_chat_ids = [111]`, chat 555 got answers to `/latest 20`, `/status`
  and `/filters`, and a chat that had subscribed before the list was set kept receiving.
- Anyone in a review chat could decide any event with forged callback data, and an oversized
  id raised OverflowError so the press was never answered.
"""


from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from tests.support.alert_harness import (
    ANALYSTS,
    Harness,
    async_test,
    incident,
    other_act,
    tg_settings,
    updates_until,
)
from tests.support.fake_telegram import FakeTelegram
from tracker.core.alerts import Filters

OPS, STRANGER, CONFIGURED = 111, 555, 222
REFUSAL = "may not use this bot"


def sent_texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text for m in fake.sent_to(chat_id)]


def _answers(fake: FakeTelegram) -> list[str]:
    return [c.params.get("text", "") for c in fake.calls_to("answerCallbackQuery")]


# -- item 3: every command and every button checks the list ----------------------------------


@async_test
async def test_a_chat_outside_the_list_gets_no_answer_but_a_refusal(
    build: Callable[..., Harness], fake_tg: FakeTelegram
) -> None:
    configured = [{"chat_id": OPS, "name": "ops"}, {"chat_id": CONFIGURED, "name": "c"}]
    h = build(tg_settings(fake_tg, configured, allowed_chat_ids=[OPS]))
    h.add_item(incident())
    await h.deliver()
    assert len(sent_texts(fake_tg, OPS)) == 1
    commands = ["/latest 20", "/status", "/filters", "/start", "/help", "/subscribe", "/nope"]
    for text in commands:
        fake_tg.push_command(STRANGER, text)
    fake_tg.push_press(STRANGER, 1, "rv:1:c")
    fake_tg.push_command(OPS, "/latest 20")
    fake_tg.push_command(CONFIGURED, "/filters")  # a configured chat outside the list
    await updates_until(
        h,
        fake_tg,
        lambda: (
            len(sent_texts(fake_tg, STRANGER)) == len(commands)
            and len(sent_texts(fake_tg, OPS)) == 2
            and len(sent_texts(fake_tg, CONFIGURED)) == 2
            and len(_answers(fake_tg)) == 1
        ),
    )
    replies = sent_texts(fake_tg, STRANGER)
    assert all(REFUSAL in r and str(STRANGER) in r for r in replies), replies
    assert not any("Kafranbel" in r or "alerts:" in r or "tracker " in r for r in replies)
    assert _answers(fake_tg) == ["This chat may not use this bot."]
    assert h.app.alert_store.destination(STRANGER) is None
    assert h.app.event_store.get_event(1).review_status is None  # type: ignore[union-attr]
    assert "Kafranbel" in sent_texts(fake_tg, OPS)[1]  # an admitted chat is answered as before
    assert "min_severity=low" in sent_texts(fake_tg, CONFIGURED)[1]


@async_test
async def test_a_stored_subscription_outside_the_list_stops_and_resumes(
    build: Callable[..., Harness], fake_tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    ops = [{"chat_id": OPS, "name": "ops"}, {"chat_id": CONFIGURED, "name": "configured"}]
    # Subscribed while the list was empty; an alert for it is already queued.
    first = build(tg_settings(fake_tg, ops))
    first.app.alert_store.subscribe(STRANGER, "stranger", Filters(mode="both"), first.clock())
    first.add_item(incident())
    day = first.clock().date()

    # The operator sets the list: the chat gets nothing, is kept, and the log says so once.
    second = build(tg_settings(fake_tg, ops, allowed_chat_ids=[OPS]))
    second._n = 100
    with caplog.at_level(logging.WARNING, logger="tracker.services.alerts"):
        second.add_item(other_act("2019-07-01"))
        await second.deliver()
        await second.app.alerts.log_excluded()
        assert await second.app.send_digests(day) == 0
        await second.app.alerts.log_excluded()
    assert sent_texts(fake_tg, STRANGER) == []
    assert len(sent_texts(fake_tg, OPS)) == 2
    assert len(sent_texts(fake_tg, CONFIGURED)) == 2  # configured chats are always allowed
    said = [r.getMessage() for r in caplog.records if str(STRANGER) in r.getMessage()]
    assert len(said) == 1 and "allowed_chat_ids" in said[0], said
    dest = second.app.alert_store.destination(STRANGER)
    assert dest is not None and dest.active

    # Admitted again: the alert queued before resumes, new ones come, the digest too.
    third = build(tg_settings(fake_tg, ops, allowed_chat_ids=[OPS, STRANGER]))
    third._n = 200
    third.add_item(other_act("2019-08-01"))
    await third.deliver()
    got = sent_texts(fake_tg, STRANGER)
    assert len(got) == 2, got
    assert "2019-06-09" in got[0] and "2019-08-01" in got[1]
    assert not any("2019-07-01" in text for text in got)  # queued nowhere while excluded
    assert await third.app.send_digests(day) == 1
    assert any("Ceasefire digest" in t for t in sent_texts(fake_tg, STRANGER))


# -- item 7: review buttons ----------------------------------------------------------------


def _review_harness(build: Callable[..., Harness], fake: FakeTelegram) -> Harness:
    return build(tg_settings(fake, [{"chat_id": ANALYSTS, "name": "analysts", "review": True}]))


@async_test
async def test_forged_button_data_cannot_decide_another_event(
    build: Callable[..., Harness], fake_tg: FakeTelegram
) -> None:
    h = _review_harness(build, fake_tg)
    h.add_item(incident())
    h.add_item(other_act("2019-07-01"))
    await h.deliver()
    first, second = fake_tg.sent_to(ANALYSTS)
    ids = sorted({r.event_id for r in h.rows()})
    assert len(ids) == 2
    data = second.reply_markup["inline_keyboard"][0][1]["callback_data"]
    assert data == f"rv:{ids[1]}:d"
    # A press on the first event's message that names the second event.
    fake_tg.push_press(ANALYSTS, first.message_id, data)
    fake_tg.push_press(ANALYSTS, 999, f"rv:{ids[0]}:c")  # a message the bot never sent
    await updates_until(h, fake_tg, lambda: len(_answers(fake_tg)) == 2)
    assert all("does not belong" in a for a in _answers(fake_tg)), _answers(fake_tg)
    for event_id in ids:
        assert h.app.event_store.get_event(event_id).review_status is None  # type: ignore[union-attr]

    # The genuine press on the right message still works (stopping the poller above may
    # replay the last press it handled, which is refused again).
    fake_tg.push_press(ANALYSTS, second.message_id, data)
    await updates_until(h, fake_tg, lambda: "Recorded: not a violation." in _answers(fake_tg))
    assert h.app.event_store.get_event(ids[1]).review_status == "dismissed"  # type: ignore[union-attr]
    assert h.app.event_store.get_event(ids[0]).review_status is None  # type: ignore[union-attr]


BAD_DATA = [
    "rv:99999999999999999999999999:c",  # OverflowError in the database driver
    "rv:" + "9" * 70 + ":c",  # longer than Telegram's 64 bytes
    "rv:0:c",
    "rv:-1:c",
    "rv:\u0661:c",  # an Arabic-Indic digit, which int() would accept
    "rv:1:x",
    "xx:1:c",
    "",
    "\x00\xff garbage",
]


@async_test
async def test_bad_button_data_is_answered_and_decides_nothing(
    build: Callable[..., Harness], fake_tg: FakeTelegram
) -> None:
    h = _review_harness(build, fake_tg)
    h.add_item(incident())
    await h.deliver()
    message = fake_tg.sent_to(ANALYSTS)[0]
    for data in BAD_DATA:
        fake_tg.push_press(ANALYSTS, message.message_id, data)
    await updates_until(h, fake_tg, lambda: len(_answers(fake_tg)) >= len(BAD_DATA))
    assert _answers(fake_tg) == ["Unknown button."] * len(BAD_DATA)
    assert h.app.event_store.get_event(1).review_status is None  # type: ignore[union-attr]


@async_test
async def test_a_press_is_answered_even_when_the_database_fails(
    build: Callable[..., Harness], fake_tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = _review_harness(build, fake_tg)
    h.add_item(incident())
    await h.deliver()
    message = fake_tg.sent_to(ANALYSTS)[0]
    data = message.reply_markup["inline_keyboard"][0][0]["callback_data"]

    def down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("UPDATE events", {}, Exception("database is locked"))

    monkeypatch.setattr(h.app.alert_store, "decide", down)
    fake_tg.push_press(ANALYSTS, message.message_id, data)
    await updates_until(h, fake_tg, lambda: len(_answers(fake_tg)) == 1)
    assert "could not be recorded" in _answers(fake_tg)[0]


@async_test
async def test_a_press_without_its_message_is_answered(
    build: Callable[..., Harness], fake_tg: FakeTelegram
) -> None:
    """Presses on inline messages (or messages Telegram no longer sends) carry no message:
    they used to be dropped, leaving the button spinning."""
    h = _review_harness(build, fake_tg)
    user = {"id": 7, "is_bot": False, "first_name": "ana", "username": "ana"}
    fake_tg._push(
        lambda uid: {
            "callback_query": {
                "id": f"cb{uid}",
                "from": user,
                "chat_instance": "1",
                "inline_message_id": "AAAA",
                "data": "rv:1:c",
            }
        }
    )
    await updates_until(h, fake_tg, lambda: len(_answers(fake_tg)) == 1)
    assert _answers(fake_tg) == ["This button can no longer be used."]
