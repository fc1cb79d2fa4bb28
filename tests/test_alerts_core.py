"""The pure alert rules (filters, split/merge notes) and Telegram's wording of them
(tracker.adapters.notify.telegram_text: message text, escaping, splitting, commands). (Which reports are one event is tracker.core.merge's, tested in test_merge_core.)"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.alert_views import FIRST, event, view
from tracker.adapters.notify.telegram_text import (
    MAX_MESSAGE_CHARS,
    parse_command,
    parse_review_data,
    render_alert,
    render_list,
    render_status,
    split_message,
)
from tracker.core.alerts import (
    Filters,
    Review,
    Source,
    date_text,
    describe_filters,
    map_url,
    matches,
    parse_filter_args,
    retry_delay,
)


def test_message_has_every_part_and_escapes_outside_text() -> None:
    source = Source('Ariha <b>"strike"</b> & more', "https://a.example/x?a=1&b=2", "Feed")
    text = render_alert(event([source])).chunks[0]
    assert text.startswith(
        "🟠 <b>HIGH</b> · violation\n<b>Explosions/Remote violence</b> — Air/drone strike"
    )
    assert "📍 <b>Ariha</b>, Idlib governorate" in text
    assert "📅 2020-03-10" in text
    assert "⚖️ moscow-2020 (art. 1); zone idlib-deescalation" in text
    assert "☠️ 3 killed (2–4), 6 injured" in text
    assert "👥 Russian forces (russia, attacker); civilians (civilians, target)" in text
    assert (
        "<i>“Russian warplanes struck Ariha, killing three &lt;civilians&gt; &amp; wounding six.”</i>"
        in text
    )
    assert "🔗 Sources (1):" in text
    assert (
        '<a href="https://a.example/x?a=1&amp;b=2">Ariha &lt;b&gt;"strike"&lt;/b&gt; &amp; more</a>'
        in text
    )
    assert (
        '<a href="https://www.openstreetmap.org/?mlat=35.81000&amp;mlon=36.61000#map=11/35.81000/36.61000">map</a>'
        in text
    )
    assert "🆔 incident <code>17</code>" in text
    # only our own tags remain once outside text is escaped
    assert set(re.findall(r"</?([a-z]+)", text)) == {"b", "i", "a", "code"}


def test_plain_rendering_has_no_markup() -> None:
    message = render_alert(view(), as_html=False, review=True)
    assert not message.html and "<b>" not in message.chunks[0]
    assert "three <civilians> & wounding" in message.chunks[0]
    assert "Strike on Ariha: https://a.example/1" in message.chunks[0]
    assert [b.text for b in message.buttons] == ["Confirm", "Not a violation"]


def test_not_exact_date_shows_its_precision() -> None:
    assert date_text(date(2020, 3, 1), 4) == "the month of 2020-03-01 (date precision 4, not exact)"
    assert date_text(date(2020, 3, 1), 1) == "2020-03-01"
    assert date_text(None, 1) == "date unknown"
    assert "the week of 2020-03-10" in render_alert(view(date_precision=3)).chunks[0]


def test_map_link_format() -> None:
    assert map_url(35.5, 36.25) == (
        "https://www.openstreetmap.org/?mlat=35.50000&mlon=36.25000#map=11/35.50000/36.25000"
    )


def test_review_decision_is_shown() -> None:
    decided = event(
        extra={"review": Review("dismissed", "@ana (7)", datetime(2024, 5, 1, 12, 30, tzinfo=UTC))}
    )
    text = render_alert(decided).chunks[0]
    assert "<b>❌ Not a violation</b> by @ana (7) at 2024-05-01 12:30 UTC" in text
    assert not matches(Filters(), decided)


@given(st.text(min_size=0, max_size=12000))
def test_split_never_exceeds_the_limit_and_loses_nothing(text: str) -> None:
    chunks = split_message(text, 500)
    assert all(len(c) <= 500 for c in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_split_prefers_paragraph_boundaries() -> None:
    paragraphs = [f"p{i} " + "x" * 1500 for i in range(6)]
    chunks = split_message("\n\n".join(paragraphs))
    assert len(chunks) == 3
    assert all(c.startswith("p") and len(c) <= MAX_MESSAGE_CHARS for c in chunks)


def test_many_sources_split_into_valid_messages() -> None:
    sources = [Source(f"Report {i} " + "<&>" * 80, f"https://a.example/{i}") for i in range(80)]
    message = render_alert(event(sources, event_id=1))
    assert len(message.chunks) > 1
    assert all(len(c) <= MAX_MESSAGE_CHARS for c in message.chunks)
    for chunk in message.chunks:  # no tag is cut in half
        assert chunk.count("<a ") == chunk.count("</a>")
    assert "Sources (80)" in message.chunks[0] or "Sources (80)" in message.chunks[1]


def test_view_shows_the_events_merged_values_and_each_source_once() -> None:
    copy = Source("Strike on Ariha (copy)", "https://a.example/1")
    second = Source("Second outlet", "https://b.example/2")
    merged = event([FIRST, copy, second], fatalities=5, fatalities_high=5, severity="critical")
    assert merged.fatalities == 5 and merged.severity == "critical"
    assert [s.url for s in merged.sources] == ["https://a.example/1", "https://b.example/2"]
    assert merged.primary.source == FIRST and merged.active
    text = render_alert(merged).chunks[0]
    assert "☠️ 5 killed (2–5), 6 injured" in text and "Sources (2)" in text


def test_split_and_merge_are_announced_and_change_the_fingerprint() -> None:
    plain = render_alert(view())
    carved = render_alert(event(extra={"split_into": [23, 21]}))
    assert "✂️ Split: reports of a different act moved to incident 21, 23" in carved.chunks[0]
    assert carved.fingerprint() != plain.fingerprint()
    new = render_alert(event(event_id=23, extra={"split_from": 17})).chunks[0]
    assert "✂️ Split from incident 17" in new
    merged = event(extra={"status": "merged", "merged_into": 9})
    assert "↪️ Merged into incident 9" in render_alert(merged).chunks[0]
    gone = event([], extra={"status": "gone"})
    text = render_alert(gone).chunks[0]
    assert "🚫 Withdrawn" in text and "Sources" not in text
    # an event that is no longer active is edited where it was sent, never sent anew, and
    # is reviewed where it went (no buttons)
    assert not matches(Filters(), merged) and not matches(Filters(), gone)
    assert render_alert(merged, review=True).buttons == ()
    assert len(render_alert(view(), review=True).buttons) == 2


def test_fingerprint_changes_only_with_content() -> None:
    assert render_alert(view()).fingerprint() == render_alert(view()).fingerprint()
    assert render_alert(view()).fingerprint() != render_alert(view(fatalities=4)).fingerprint()
    assert render_alert(view()).fingerprint() != render_alert(view(), review=True).fingerprint()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), True),
        (Filters(min_severity="critical"), False),
        (Filters(agreements=("moscow-2020", "x")), True),
        (Filters(agreements=("sochi-2018",)), False),
        (Filters(zones=("idlib-deescalation",)), True),
        (Filters(zones=("southern-zone",)), False),
        (Filters(actors=("russia",)), True),
        (Filters(actors=("Turkish",)), False),
        (Filters(include_keywords=("WARPLANES",)), True),
        (Filters(include_keywords=("car bomb",)), False),
        (Filters(exclude_keywords=("ariha",)), False),
    ],
)
def test_filters(filters: Filters, expected: bool) -> None:
    assert matches(filters, view()) is expected


def test_violations_only() -> None:
    assert not matches(Filters(), view(violation=False))
    assert matches(Filters(violations_only=False), view(violation=False))
    assert "incident (not a violation)" in render_alert(view(violation=False)).chunks[0]


def test_filter_arguments_round_trip() -> None:
    f = parse_filter_args(
        'zones=idlib-deescalation min_severity=high include="air strike",shelling '
        "violations_only=false mode=both actors=government"
    )
    assert f == Filters(
        zones=("idlib-deescalation",),
        min_severity="high",
        include_keywords=("air strike", "shelling"),
        violations_only=False,
        mode="both",
        actors=("government",),
    )
    assert f.kinds == ("immediate", "digest")
    again = parse_filter_args(" ".join(describe_filters(f).replace("(any)", "").split("\n")))
    assert again == f
    assert Filters.from_mapping(f.to_mapping()) == f


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("min_severity=huge", "min_severity must be one of"),
        ("mode=weekly", "mode must be one of"),
        ("colour=red", "unknown filter"),
        ("shelling", "expected key=value"),
        ('include="open', "could not read"),
        ("violations_only=maybe", "true or false"),
        ("review=true", "unknown filter"),  # analysts' chats come from the configuration
    ],
)
def test_bad_filter_arguments(args: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_filter_args(args)


def test_commands_and_buttons_parse() -> None:
    assert parse_command("/latest@tracker_bot 5") == ("latest", "5")
    assert parse_command("/Subscribe  zones=a") == ("subscribe", "zones=a")
    assert parse_command("hello") is None
    assert parse_review_data("rv:12:c") == (12, "confirmed")
    assert parse_review_data("rv:12:d") == (12, "dismissed")
    assert parse_review_data("rv:x:d") is None


def test_digest_list_and_status_text() -> None:
    msg = render_list("Digest", [view(), view(fatalities=None, injured=None)])
    lines = msg.chunks[0].split("\n")
    assert lines[0] == "<b>Digest</b>" and len(lines) == 3
    assert (
        "Air/drone strike — Ariha, Idlib" in lines[1]
        and '<a href="https://a.example/1">#17</a>' in lines[1]
    )
    assert "nothing to report" in render_list("Latest", []).chunks[0]
    text = render_status(
        {"version": "1", "uptime_seconds": 5, "totals": {"feeds_ok": 2}, "alerts": {"dead": 1}}
    )
    assert "feeds: 2 ok" in text and "1 dead" in html.unescape(text)


def test_retry_delay_grows_to_a_cap() -> None:
    assert [retry_delay(n, 2, 20) for n in range(1, 6)] == [2, 4, 8, 16, 20]
