"""The alert content is channel-neutral; each chat channel words it (Telegram's HTML and
plain fallback, the console), and only channels that take commands have bot methods."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from tracker.adapters.notify.console import ConsoleNotifier
from tracker.adapters.notify.telegram_text import TELEGRAM_TEXT, render_alert
from tracker.core.alerts import Review, Source, alert_content, event_view
from tracker.core.channels import CONSOLE_CAPABILITIES
from tracker.services.alert_delivery import as_bot

CONTRACT: dict[str, Any] = {
    "violation": True,
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Air/drone strike",
    "date": "2020-03-10",
    "date_precision": 3,
    "location": {"name": "Sarmin", "admin1": "Idlib", "lat": 35.9, "lon": 36.72},
    "fatalities": 3,
    "fatalities_low": 2,
    "fatalities_high": 4,
    "injured": 1,
    "actors": [{"name": "Russia", "side": "government", "role": "attacker"}],
    "agreements": ["moscow-2020"],
    "zones": ["idlib-deescalation"],
    "severity": "high",
    "reasons": ["moscow-2020 art. 1: strike inside the zone"],
    "evidence": ["  Jets   struck <Sarmin> & its market  "],
}
SOURCE = Source("Strike on <b>Sarmin</b>", "https://news.example/1", "Example")


def _view(**changes: Any) -> Any:
    return event_view(17, {**CONTRACT, **changes}, [SOURCE])


def test_content_holds_plain_facts_and_leaves_markup_to_the_channel() -> None:
    c = alert_content(_view(), "https://tracker.example")
    assert (c.event_id, c.severity, c.violation) == (17, "high", True)
    assert (c.place_name, c.admin1) == ("Sarmin", "Idlib")
    assert c.when == "the week of 2020-03-10 (date precision 3, not exact)"
    assert c.terms == ("moscow-2020 (art. 1)", "zone idlib-deescalation")
    assert c.toll == "3 killed (2–4), 1 injured"
    assert c.actors == ("Russia (government, attacker)",)
    assert c.evidence == "Jets struck <Sarmin> & its market"  # folded, not escaped
    assert c.sources == (("Strike on <b>Sarmin</b>", "https://news.example/1"),)
    assert c.page_url == "https://tracker.example/events/17"
    assert c.data_url == "https://tracker.example/api/v1/events/17"
    assert c.map_url is not None and "mlat=35.90000" in c.map_url
    assert c.reviewable and c.review is None and c.notes == ""
    bare = alert_content(_view(location=None, evidence=[]))
    assert bare.map_url is None and bare.page_url is None and bare.evidence is None


def test_telegram_escapes_what_the_content_keeps_raw() -> None:
    html_text = render_alert(_view()).chunks[0]
    assert "Strike on &lt;b&gt;Sarmin&lt;/b&gt;" in html_text
    assert "<b>Sarmin</b>" in html_text  # the place, bold by Telegram's own markup
    assert "<i>“Jets struck &lt;Sarmin&gt; &amp; its market”</i>" in html_text
    plain = render_alert(_view(), as_html=False).chunks[0]
    assert "“Jets struck <Sarmin> & its market”" in plain and "<i>" not in plain


def test_review_buttons_carry_data_the_same_format_reads_back() -> None:
    message = render_alert(_view(), review=True)
    decisions = [TELEGRAM_TEXT.parse_review_data(b.data) for b in message.buttons]
    assert decisions == [(17, "confirmed"), (17, "dismissed")]
    decided = event_view(
        17,
        CONTRACT,
        [SOURCE],
        review=Review("confirmed", "@ana", datetime(2020, 3, 11, tzinfo=UTC)),
    )
    assert "✅ Confirmed" in render_alert(decided).chunks[0]


def test_console_prints_the_plain_wording_and_has_no_bot_methods() -> None:
    out = io.StringIO()
    console = ConsoleNotifier(out)
    message = console.text.render_alert(_view(), as_html=console.supports_html)
    assert message.chunks == render_alert(_view(), as_html=False).chunks
    asyncio.run(console.send(0, message.chunks[0], html=False))
    assert "Jets struck <Sarmin> & its market" in out.getvalue()
    assert console.capabilities == CONSOLE_CAPABILITIES and not console.capabilities.commands
    for method in ("prepare_updates", "get_updates", "answer_callback"):
        assert not hasattr(console, method)
    with pytest.raises(TypeError, match="console channel takes no commands"):
        as_bot(console)
