"""The outbox and its delivery against the fake Bot API, through the real python-telegram-bot.

Incidents are stored with `FeedStore.save_classifications` (the path classification takes),
so the outbox rows come from the same transaction as in production.
"""

from __future__ import annotations

import asyncio
import io
import itertools
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from tests.conftest import FakeClock, make_settings
from tests.support.alert_harness import (
    ANALYSTS,
    CRITICAL_ONLY,
    DEFAULT_DESTINATIONS,
    PUBLIC,
    Harness,
    async_test,
    incident,
    other_act,
    sent_texts,
    tg_settings,
    updates_until,
)
from tests.support.fake_telegram import FakeTelegram
from tracker.adapters.notify.console import ConsoleNotifier
from tracker.app import App
from tracker.services.alert_bot import UPDATES_LEASE

# -- one alert per destination, never twice -------------------------------------------------


@async_test
async def test_violation_is_sent_once_to_each_matching_destination(
    harness: Harness, fake_tg: FakeTelegram
) -> None:
    harness.add_item(incident())
    await harness.deliver()
    sends = fake_tg.calls_to("sendMessage", ok=True)
    assert sorted(int(c.params["chat_id"]) for c in sends) == [ANALYSTS, PUBLIC]
    assert all(c.params["parse_mode"] == "HTML" for c in sends)
    public = fake_tg.sent_to(PUBLIC)[0]
    assert "<b>Kafranbel</b>, Idlib governorate" in public.text
    assert "sochi-2018 (art. 2)" in public.text and "5 killed" in public.text
    assert (
        "https://www.openstreetmap.org/?mlat=35.61390&amp;mlon=36.56110#map=11/35.61390/36.56110"
        in public.text
    )
    assert 'href="https://news.example/1?a=1&amp;b=&lt;2&gt;"' in public.text
    assert public.reply_markup is None
    analysts = fake_tg.sent_to(ANALYSTS)[0]
    buttons = analysts.reply_markup["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Confirm", "Not a violation"]
    rows = {r.destination_id: r for r in harness.rows()}
    assert {r.status for r in rows.values()} == {"sent"}
    assert sorted(r.message_ids[0] for r in rows.values()) == [1, 1]

    await harness.deliver()  # nothing left to do
    assert len(fake_tg.calls_to("sendMessage")) == 2
    assert harness.app.status()["alerts"]["sent"] == 2


@async_test
async def test_reclassification_neither_resends_nor_edits_when_nothing_changed(
    harness: Harness, fake_tg: FakeTelegram
) -> None:
    item_id = harness.add_item(incident())
    await harness.deliver()
    harness.classify(item_id, incident())  # deletes and re-inserts the incident rows
    await harness.deliver()
    assert len(fake_tg.calls_to("sendMessage")) == 2
    assert fake_tg.calls_to("editMessageText") == []
    assert all(not r.edit_pending for r in harness.rows())


@async_test
async def test_higher_toll_edits_the_sent_message(harness: Harness, fake_tg: FakeTelegram) -> None:
    item_id = harness.add_item(incident())
    await harness.deliver()
    harness.classify(item_id, incident(fatalities=9, fatalities_low=9, fatalities_high=9))
    await harness.deliver()
    assert len(fake_tg.calls_to("sendMessage")) == 2
    edits = fake_tg.calls_to("editMessageText", ok=True)
    assert sorted(int(c.params["chat_id"]) for c in edits) == [ANALYSTS, PUBLIC]
    assert "9 killed" in fake_tg.sent_to(PUBLIC)[0].text
    # the analysts' buttons survive the edit
    assert fake_tg.sent_to(ANALYSTS)[0].reply_markup["inline_keyboard"]


@async_test
async def test_second_source_edits_instead_of_sending(
    harness: Harness, fake_tg: FakeTelegram
) -> None:
    harness.add_item(incident(), title="Regime shelling kills five in Kafranbel")
    await harness.deliver()
    harness.clock.advance(3600)
    harness.add_item(  # an independent report (its own words) of the same act
        incident(
            fatalities=7,
            fatalities_low=7,
            fatalities_high=7,
            evidence=["Seven people died when regime artillery pounded Kafranbel on Sunday."],
        ),
        title="Seven dead in Kafr Nabl shelling",
        site="other-outlet.example",  # an independent outlet: one site is one source
    )
    await harness.deliver()
    assert len(fake_tg.calls_to("sendMessage")) == 2
    edits = fake_tg.calls_to("editMessageText", ok=True)
    assert sorted(int(c.params["chat_id"]) for c in edits) == [ANALYSTS, PUBLIC]
    text = fake_tg.sent_to(PUBLIC)[0].text
    assert "Sources (2)" in text and "Seven dead in Kafr Nabl shelling" in text
    # the event's toll: no figure repeated, so the lower median, and the range of reports
    assert "5 killed (5–7)" in text
    (event,) = harness.app.event_store.list_events()
    assert event.source_count == 2 and event.fatalities_high == 7


@async_test
async def test_syndicated_copy_a_day_later_joins_the_event(
    harness: Harness, fake_tg: FakeTelegram
) -> None:
    harness.add_item(incident(), title="Regime shelling kills five in Kafranbel")
    await harness.deliver()
    harness.add_item(incident(date="2019-06-10"), title="Copy of the wire story")
    await harness.deliver()
    assert len(fake_tg.calls_to("sendMessage")) == 2
    assert "Sources (2)" in fake_tg.sent_to(PUBLIC)[0].text
    assert {r.event_id for r in harness.rows()} == {harness.app.event_store.list_events()[0].id}


@async_test
async def test_different_place_is_a_new_alert(harness: Harness, fake_tg: FakeTelegram) -> None:
    harness.add_item(incident())
    other = incident()
    other["location"] = {
        "name": "Ariha",
        "admin1": "Idlib",
        "lat": 35.81,
        "lon": 36.61,
        "precision": 1,
    }
    harness.add_item(other)
    await harness.deliver()
    assert len(fake_tg.sent_to(PUBLIC)) == 2


@async_test
async def test_a_split_edits_the_sent_alert_and_announces_the_new_event(
    harness: Harness, fake_tg: FakeTelegram
) -> None:
    rebels = [{"name": "Hayat Tahrir al-Sham", "side": "opposition", "role": "attacker"}]
    harness.add_item(
        incident(actors=[], date_precision=2, evidence=["Army guns shelled Kafranbel"])
    )
    harness.add_item(incident(actors=rebels, evidence=["Rebel rockets fell on Kafranbel"]))
    await harness.deliver()
    (first,) = harness.app.event_store.list_events()  # attacker unknown in one: merged for now
    assert len(fake_tg.sent_to(PUBLIC)) == 1 and "Sources (2)" in fake_tg.sent_to(PUBLIC)[0].text

    harness.add_item(incident(evidence=["Army guns shelled Kafranbel at dawn"]))
    await harness.deliver()
    events = harness.app.event_store.list_events()
    (new,) = [e for e in events if e.id != first.id]
    assert new.split_from == first.id
    kept = harness.app.event_store.get_event(first.id or 0)
    assert kept is not None and kept.revision == first.revision + 1
    edits = fake_tg.calls_to("editMessageText", ok=True)
    assert sorted(int(c.params["chat_id"]) for c in edits) == [ANALYSTS, PUBLIC]
    old_text, new_text = (m.text for m in fake_tg.sent_to(PUBLIC))
    assert f"Split: reports of a different act moved to incident {new.id}" in old_text
    assert "Sources (1)" in old_text
    assert f"Split from incident {first.id}" in new_text and "Sources (2)" in new_text
    assert len(fake_tg.calls_to("sendMessage")) == 4  # one new alert per chat, no re-send


@async_test
async def test_a_merge_edits_the_absorbed_alert_to_point_at_the_event(
    harness: Harness, fake_tg: FakeTelegram
) -> None:
    elsewhere = incident(evidence=["Shells hit Ariha."])
    elsewhere["location"] = {
        "name": "Ariha",
        "admin1": "Idlib",
        "lat": 35.81,
        "lon": 36.61,
        "precision": 1,
    }
    moved = harness.add_item(elsewhere)
    harness.add_item(incident())
    await harness.deliver()
    assert len(fake_tg.sent_to(PUBLIC)) == 2
    ariha, kafranbel = (r for r in harness.rows() if r.destination_id == 2)
    harness.classify(moved, incident())  # the first item was about Kafranbel after all
    await harness.deliver()
    assert len(fake_tg.calls_to("sendMessage")) == 4
    (active,) = harness.app.event_store.list_events()
    (gone_id,) = {ariha.event_id, kafranbel.event_id} - {active.id}
    retired = harness.app.event_store.get_event(gone_id)
    assert retired is not None and retired.status == "merged"
    assert retired.merged_into == active.id
    texts = {
        row.event_id: fake_tg.sent_to(PUBLIC)[n].text for n, row in enumerate((ariha, kafranbel))
    }
    assert f"Merged into incident {active.id}" in texts[gone_id]
    assert "Sources (2)" in texts[active.id] and "Merged" not in texts[active.id]
    analysts = {
        row.event_id: fake_tg.sent_to(ANALYSTS)[n] for n, row in enumerate((ariha, kafranbel))
    }
    assert analysts[gone_id].reply_markup is None  # decided on the event it went into
    assert analysts[active.id].reply_markup["inline_keyboard"]


@async_test
async def test_filters_and_backlog(harness: Harness, fake_tg: FakeTelegram) -> None:
    harness.add_item(incident(violation=False))  # violations_only by default
    harness.add_item(other_act("2019-06-20", severity="critical"), eligible=False)  # too old
    await harness.deliver()
    assert fake_tg.calls_to("sendMessage") == []
    harness.add_item(other_act("2019-07-01", severity="critical"))
    await harness.deliver()
    assert len(fake_tg.sent_to(CRITICAL_ONLY)) == 1


# -- failures -------------------------------------------------------------------------------


@async_test
async def test_retry_after_waits_what_telegram_says(
    harness: Harness, fake_tg: FakeTelegram
) -> None:
    fake_tg.fail("sendMessage", "retry_after", chat_id=PUBLIC, retry_after=30)
    harness.add_item(incident())
    await harness.deliver()
    row = next(r for r in harness.rows() if r.status == "pending")
    assert row.attempts == 0 and row.next_attempt_at == harness.clock() + timedelta(seconds=30)
    harness.clock.advance(29)
    harness.app.alerts._paused_until.clear()  # the pause is in memory; the row says the same
    await harness.deliver()
    assert sent_texts(fake_tg, PUBLIC) == []
    harness.clock.advance(1)
    await harness.deliver()
    assert len(sent_texts(fake_tg, PUBLIC)) == 1
    assert len(fake_tg.calls_to("sendMessage", ok=False)) == 1


@async_test
async def test_5xx_retries_with_backoff_then_dies(harness: Harness, fake_tg: FakeTelegram) -> None:
    fake_tg.fail("sendMessage", "bad_gateway", chat_id=PUBLIC, times=None)
    harness.add_item(incident())
    await harness.deliver()
    delays = []
    for _ in range(3):
        row = next(r for r in harness.rows() if r.destination_id == 2)
        if row.status == "dead":
            break
        delays.append((row.next_attempt_at - harness.clock()).total_seconds())
        harness.clock.advance(delays[-1])
        await harness.deliver()
    assert delays == [1.0, 2.0]
    row = next(r for r in harness.rows() if r.destination_id == 2)
    assert row.status == "dead" and row.attempts == 3 and "Bad Gateway" in (row.last_error or "")
    assert harness.app.status()["alerts"]["dead"] == 1
    assert len(sent_texts(fake_tg, ANALYSTS)) == 1  # other chats are unaffected


@async_test
async def test_stall_past_timeout_is_retried(harness: Harness, fake_tg: FakeTelegram) -> None:
    fake_tg.fail("sendMessage", "stall", chat_id=PUBLIC, stall=2.5)
    harness.add_item(incident())
    await harness.deliver()
    row = next(r for r in harness.rows() if r.destination_id == 2)
    assert row.status == "pending" and row.attempts == 1 and "TimedOut" in (row.last_error or "")
    harness.clock.advance(1)
    await harness.deliver()
    # the stalled request may have been stored by the server: that is the documented window
    assert harness.rows()[1].status == "sent"


@pytest.mark.parametrize("kind", ["forbidden", "chat_not_found"])
@async_test
async def test_refusing_chat_is_deactivated_after_three_failures(
    harness: Harness, fake_tg: FakeTelegram, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake_tg.fail("sendMessage", kind, chat_id=PUBLIC, times=None)
    harness.add_item(incident())
    for _ in range(3):
        await harness.deliver()
        harness.clock.advance(600)
    dest = harness.app.alert_store.destination(PUBLIC)
    assert dest is not None and not dest.active and dest.consecutive_failures == 3
    assert "deactivated" in caplog.text
    assert [r.status for r in harness.rows() if r.destination_id == 2] == ["dead"]
    harness.add_item(other_act("2019-08-01"))
    await harness.deliver()
    assert len(fake_tg.calls_to("sendMessage", ok=False)) == 3  # no more tries


@async_test
async def test_unparseable_html_is_resent_as_plain_text(
    harness: Harness, fake_tg: FakeTelegram
) -> None:
    fake_tg.fail("sendMessage", "parse", chat_id=PUBLIC)
    harness.add_item(incident())
    await harness.deliver()
    sent = fake_tg.sent_to(PUBLIC)
    assert len(sent) == 1 and sent[0].parse_mode is None
    assert "<b>" not in sent[0].text and "Kafranbel, Idlib governorate" in sent[0].text
    row = next(r for r in harness.rows() if r.destination_id == 2)
    assert row.status == "sent" and row.plain


@async_test
async def test_migrated_group_follows_to_the_new_chat(
    harness: Harness, fake_tg: FakeTelegram
) -> None:
    fake_tg.fail("sendMessage", "migrate", chat_id=ANALYSTS, migrate_to=-1009)
    harness.add_item(incident())
    await harness.deliver()
    assert len(fake_tg.sent_to(-1009)) == 1 and fake_tg.sent_to(ANALYSTS) == []
    dest = harness.app.alert_store.destination(-1009)
    assert dest is not None and dest.name == "analysts"
    assert harness.app.alert_store.destination(ANALYSTS) is None


@async_test
async def test_long_alert_is_split_on_paragraphs(harness: Harness, fake_tg: FakeTelegram) -> None:
    first = harness.add_item(incident(), title="T" * 180)
    for n in range(40):
        harness.add_item(incident(), title=f"Report {n} " + "x" * 150)
    del first
    await harness.deliver()
    parts = fake_tg.sent_to(ANALYSTS)
    assert len(parts) >= 2 and all(len(p.text) <= 4096 for p in parts)
    assert parts[-1].reply_markup and not parts[0].reply_markup
    assert "Sources (41)" in "".join(p.text for p in parts)


@async_test
async def test_two_senders_never_take_the_same_row(harness: Harness) -> None:
    harness.add_item(incident())
    store = harness.app.alert_store
    first = store.claim(harness.clock(), 60, per_chat=5)
    second = store.claim(harness.clock(), 60, per_chat=5)
    assert len(first) == 2 and second == []
    harness.clock.advance(61)  # an expired lease (the sender died) is taken over
    assert len(store.claim(harness.clock(), 60, per_chat=5)) == 2


# -- review, commands, digests --------------------------------------------------------------


@async_test
async def test_review_buttons_record_once_and_edit(harness: Harness, fake_tg: FakeTelegram) -> None:
    harness.add_item(incident())
    await harness.deliver()
    message = fake_tg.sent_to(ANALYSTS)[0]
    data = message.reply_markup["inline_keyboard"][0][0]["callback_data"]
    fake_tg.push_press(ANALYSTS, message.message_id, data, username="ana")
    await updates_until(
        harness, fake_tg, lambda: len(fake_tg.calls_to("answerCallbackQuery")) == 1
    )
    assert fake_tg.calls_to("answerCallbackQuery")[0].params["text"] == "Recorded: confirmed."
    assert fake_tg.calls_to("setMyCommands") and fake_tg.calls_to("deleteWebhook")
    await harness.deliver()
    assert (
        "Confirmed" in fake_tg.sent_to(ANALYSTS)[0].text
        and "@ana" in fake_tg.sent_to(ANALYSTS)[0].text
    )
    assert "Confirmed" in fake_tg.sent_to(PUBLIC)[0].text
    edits = len(fake_tg.calls_to("editMessageText"))

    dismiss = message.reply_markup["inline_keyboard"][0][1]["callback_data"]
    fake_tg.push_press(ANALYSTS, message.message_id, dismiss, username="bob")
    await updates_until(
        harness, fake_tg, lambda: len(fake_tg.calls_to("answerCallbackQuery")) == 2
    )
    answer = fake_tg.calls_to("answerCallbackQuery")[1].params["text"]
    assert answer.startswith("Already confirmed by @ana")
    await harness.deliver()
    assert len(fake_tg.calls_to("editMessageText")) == edits


@async_test
async def test_dismissal_leaves_counts_digests_and_pending_alerts(
    build: Callable[..., Harness], fake_tg: FakeTelegram
) -> None:
    h = build(
        tg_settings(
            fake_tg,
            [
                {"chat_id": ANALYSTS, "name": "analysts", "review": True},
                {"chat_id": PUBLIC, "name": "digest", "mode": "digest"},
            ],
        )
    )
    h.add_item(incident())
    h.add_item(other_act("2019-07-01", fatalities=2, fatalities_low=2, fatalities_high=2))
    await h.deliver()
    assert h.app.repo.incident_counts(h.clock() - timedelta(days=1))["violations"] == 2
    first = fake_tg.sent_to(ANALYSTS)[0]
    fake_tg.push_press(
        ANALYSTS, first.message_id, first.reply_markup["inline_keyboard"][0][1]["callback_data"]
    )
    await updates_until(h, fake_tg, lambda: bool(fake_tg.calls_to("answerCallbackQuery")))
    await h.deliver()
    assert "Not a violation" in fake_tg.sent_to(ANALYSTS)[0].text
    assert h.app.repo.incident_counts(h.clock() - timedelta(days=1))["violations"] == 1
    totals = h.app.status()["totals"]
    assert (totals["events"], totals["event_violations"]) == (2, 1)
    assert (totals["events_confirmed"], totals["events_dismissed"]) == (0, 1)
    assert "Not a violation" not in fake_tg.sent_to(ANALYSTS)[1].text

    assert [r.destination_id for r in h.rows()] == [1, 1]  # the digest-only chat: no alerts
    assert h.rows()[0].status == "sent" and h.rows()[1].status == "sent"

    # the digest (tracker.services.digest) counts events and knows the decision
    assert await h.app.send_digests(date(2024, 5, 1)) == 1
    texts = sent_texts(fake_tg, PUBLIC)
    assert texts[0].startswith("<b>Ceasefire digest: 2024-05-01</b>")
    assert "<b>1</b> violation(s) among 2 incident(s)" in texts[0]
    dismissed = h.app.event_store.get_event(h.rows()[0].event_id)
    assert dismissed is not None and dismissed.review_status == "dismissed"
    assert f"<code>#{dismissed.id}</code> dismissed by" in "".join(texts)
    assert len(fake_tg.calls_to("sendPhoto", ok=True)) == 1
    assert await h.app.send_digests(date(2024, 5, 1)) == 0
    h.app.engine.dispose()


@async_test
async def test_commands(build: Callable[..., Harness], fake_tg: FakeTelegram) -> None:
    h = build(tg_settings(fake_tg, DEFAULT_DESTINATIONS, allowed_chat_ids=[555, PUBLIC]))
    h.add_item(incident())

    def replies(chat: int) -> list[str]:
        return sent_texts(fake_tg, chat)

    script = [
        (555, "/start"),
        (555, '/subscribe zones=idlib-deescalation min_severity=high include="shelled the town"'),
        (555, "/filters"),
        (666, "/subscribe"),
        (555, "/subscribe mode=sometimes"),
        (PUBLIC, "/unsubscribe"),
        (555, "/latest 3"),
        (555, "/status"),
        (555, "/unsubscribe"),
    ]
    for chat, text in script:
        fake_tg.push_command(chat, text)
    await updates_until(
        h,
        fake_tg,
        lambda: len(replies(555)) >= 7 and len(replies(666)) == 1 and len(replies(PUBLIC)) == 1,
    )
    out = replies(555)
    assert "/subscribe" in out[0]
    assert out[1].startswith("Subscribed.") and "zones=idlib-deescalation" in out[1]
    assert "include='shelled the town'" in out[2] and "min_severity=high" in out[2]
    assert "mode must be one of" in out[3]
    assert "Latest 1 violation(s)" in out[4] and "Kafranbel" in out[4]
    assert out[5].startswith("tracker ") and "alerts:" in out[5]
    assert out[6].startswith("Unsubscribed")
    assert "may not use this bot" in replies(666)[0]
    assert "configuration" in replies(PUBLIC)[0]
    assert h.app.alert_store.destination(666) is None
    dest = h.app.alert_store.destination(555)
    assert dest is not None and dest.source == "bot" and not dest.active


@async_test
async def test_subscribed_chat_gets_matching_alerts(
    build: Callable[..., Harness], fake_tg: FakeTelegram
) -> None:
    h = build(tg_settings(fake_tg, []))
    fake_tg.push_command(555, "/subscribe include=kafranbel")
    fake_tg.push_command(556, "/subscribe include=aleppo")
    await updates_until(h, fake_tg, lambda: len(fake_tg.calls_to("sendMessage")) == 2)
    h.add_item(incident())
    await h.deliver()
    assert len(sent_texts(fake_tg, 555)) == 2 and len(sent_texts(fake_tg, 556)) == 1


@async_test
async def test_per_chat_pacing(build: Callable[..., Harness], fake_tg: FakeTelegram) -> None:
    h = build(tg_settings(fake_tg, [{"chat_id": PUBLIC}], per_chat_interval_seconds=0.3))
    for day in range(1, 4):
        h.add_item(other_act(f"2019-06-{day * 5:02d}"))
    await h.deliver()
    calls = fake_tg.calls_to("sendMessage")
    assert len(calls) == 3
    assert all(b.at - a.at >= 0.29 for a, b in itertools.pairwise(calls))


@async_test
async def test_console_notifier_without_token(build: Callable[..., Harness]) -> None:
    out = io.StringIO()
    h = build({}, notifier=ConsoleNotifier(out))
    assert [d.chat_id for d in h.app.alert_store.list_destinations()] == [0]
    h.add_item(incident())
    await h.deliver()
    text = out.getvalue()
    assert (
        "alert to chat 0" in text and "Kafranbel, Idlib governorate" in text and "<b>" not in text
    )
    assert h.app.status()["alerts"]["notifier"] == "console"


def test_postgres_outbox(postgres_url: str, clock: FakeClock) -> None:
    settings = make_settings(
        postgres_url, telegram={"destinations": [{"chat_id": -100123456789012}]}
    )
    out = io.StringIO()
    app = App(
        settings, clock=clock, fetcher=object(), parser=object(), notifier=ConsoleNotifier(out)
    )  # type: ignore[arg-type]
    try:
        h = Harness(app, clock)
        item_id = h.add_item(incident())
        h.classify(item_id, incident())
        asyncio.run(h.deliver())
        rows = h.rows()
        assert len(rows) == 1 and rows[0].status == "sent" and rows[0].chat_id == -100123456789012
        assert out.getvalue().count("alert to chat") == 1
    finally:
        app.engine.dispose()


async def _eventually(done: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await asyncio.sleep(0.05)
    assert done()


@async_test
async def test_one_instance_polls_the_bot_and_hands_over_on_stop(
    build: Callable[..., Harness], fake_tg: FakeTelegram
) -> None:
    settings = tg_settings(fake_tg, DEFAULT_DESTINATIONS, long_poll_seconds=1)
    instances = [build(settings), build(settings)]  # two services on one database
    stops = [asyncio.Event(), asyncio.Event()]
    tasks = [
        asyncio.create_task(h.app.alerts.run_updates(stop))
        for h, stop in zip(instances, stops, strict=True)
    ]
    try:
        fake_tg.push_command(555, "/help")
        await _eventually(lambda: len(fake_tg.sent_to(555)) == 1)
        await asyncio.sleep(2.5)  # long enough for the other instance to poll, were it to
        assert len(fake_tg.sent_to(555)) == 1
        assert fake_tg.conflicts == 0
        flags = [h.app.status()["alerts"]["bot_updates"]["this_instance"] for h in instances]
        assert sorted(flags) == [False, True]
        holder = flags.index(True)

        stops[holder].set()
        await tasks[holder]
        fake_tg.push_command(555, "/filters")
        await _eventually(lambda: len(fake_tg.sent_to(555)) == 2)
        assert instances[1 - holder].app.status()["alerts"]["bot_updates"]["this_instance"]
        await asyncio.sleep(1.5)
        texts = [m.text for m in fake_tg.sent_to(555)]
        assert len(texts) == 2  # /help was not answered again by the new holder
        assert texts[1] == "This chat has no subscription."
    finally:
        for stop in stops:
            stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


@async_test
async def test_bot_updates_wait_out_a_crashed_holder_and_resume_from_its_cursor(
    build: Callable[..., Harness], fake_tg: FakeTelegram
) -> None:
    h = build(tg_settings(fake_tg, DEFAULT_DESTINATIONS, long_poll_seconds=1))
    handled = fake_tg.push_command(555, "/help")  # answered by the instance that crashed
    assert h.app.leases.acquire(UPDATES_LEASE, "crashed", h.clock(), 60) == (True, None)
    assert h.app.leases.save_cursor(UPDATES_LEASE, "crashed", handled + 1)
    fake_tg.push_command(555, "/filters")
    stop = asyncio.Event()
    task = asyncio.create_task(h.app.alerts.run_updates(stop))
    try:
        await asyncio.sleep(2.0)
        assert not fake_tg.calls_to("getUpdates")  # the crashed holder's lease still runs
        assert h.app.status()["alerts"]["bot_updates"]["holder"] == "crashed"
        h.clock.advance(61)
        await _eventually(lambda: len(fake_tg.sent_to(555)) == 1)
        assert int(fake_tg.calls_to("getUpdates")[0].params["offset"]) == handled + 1
        assert fake_tg.sent_to(555)[0].text == "This chat has no subscription."
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)
    lease = h.app.leases.get(UPDATES_LEASE)
    assert lease is not None and lease.holder != "crashed" and lease.cursor == handled + 2
