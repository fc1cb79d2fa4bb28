"""What Telegram messages look like: the alert content (tracker.core.alerts.AlertContent)
in Telegram's HTML, cut to its 4,096-character messages, the bot's commands and the review
buttons' callback data. The same calls give plain text (Telegram's fallback when it refuses
the HTML, and the console, which prints what the plain fallback would show).

Outside text (titles, evidence, place and actor names, URLs) is escaped everywhere; message
lengths are counted on the HTML source, which is never shorter than what Telegram counts.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from tracker.core.alerts import (
    CONFIRMED,
    DISMISSED,
    AlertContent,
    AlertView,
    Button,
    Message,
    alert_content,
    toll_text,
)
from tracker.core.bidi import Direction, direction, has_rtl, isolate, line_mark
from tracker.core.labels import DEFAULT_LANGUAGE, Labels
from tracker.core.sanitize import web_url

MAX_MESSAGE_CHARS = 4096
SEVERITY_MARK = {"low": "⚪", "medium": "🟡", "high": "🟠", "critical": "🔴"}
REVIEW_CONFIRM = "c"
REVIEW_DISMISS = "d"


class _Markup:
    """HTML or plain text with the same calls, so the plain fallback says the same things."""

    def __init__(self, as_html: bool) -> None:
        self.html = as_html

    def text(self, value: object) -> str:
        return html.escape(str(value), quote=False) if self.html else str(value)

    def bold(self, value: object) -> str:
        return f"<b>{self.text(value)}</b>" if self.html else str(value)

    def italic(self, value: object) -> str:
        return f"<i>{self.text(value)}</i>" if self.html else str(value)

    def link(self, label: str, url: str | None) -> str:
        """A link only for http(s) URLs (`web_url`); any other scheme (javascript:, data:,
        tg:, ftp:) is dropped and the label shown as text."""
        if not web_url(url):
            return self.text(label)
        assert url is not None
        if not self.html:
            return f"{label}: {url}"
        return f'<a href="{html.escape(url, quote=True)}">{self.text(label)}</a>'

    def code(self, value: object) -> str:
        return f"<code>{self.text(value)}</code>" if self.html else str(value)


# -- the message split ------------------------------------------------------------------------


def units(text: str) -> int:
    """The length Telegram counts: UTF-16 code units. A letter of Arabic (or any text in the
    Basic Multilingual Plane) is one, an emoji or another character beyond it two, so a
    count of Python characters would let a message with many of those run over."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split on paragraph (blank-line) boundaries, then on lines, so that no chunk is longer
    than `limit` UTF-16 units (`units`). Renderers keep every tag inside one line, so a cut
    never leaves a tag open; a line longer than `limit` (which they never produce) is cut
    hard as a last resort, between characters and never inside one letter's combining
    marks. The one splitter for alerts, replies and digests."""
    chunks: list[str] = []
    current = ""
    for para in text.split("\n\n"):
        pieces = [para] if units(para) <= limit else _split_lines(para, limit)
        for piece in pieces:
            joined = f"{current}\n\n{piece}" if current else piece
            if units(joined) <= limit:
                current = joined
            else:
                chunks.append(current)
                current = piece
    if current or not chunks:
        chunks.append(current)
    return chunks


def _split_lines(para: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for line in para.split("\n"):
        while units(line) > limit:
            out.extend([current] if current else [])
            current = ""
            head = _head(line, limit)
            out.append(head)
            line = line[len(head) :]
        joined = f"{current}\n{line}" if current else line
        if units(joined) <= limit:
            current = joined
        else:
            out.append(current)
            current = line
    if current:
        out.append(current)
    return out


def _head(line: str, limit: int) -> str:
    """The longest start of `line` within `limit` units that does not end before a
    combining mark (an Arabic vowel sign stays with its letter)."""
    end, used = 0, 0
    for ch in line:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > limit:
            break
        used += size
        end += 1
    while 0 < end < len(line) and unicodedata.combining(line[end]):
        end -= 1
    return line[:end] or line[:1]


# -- review buttons -----------------------------------------------------------------------------


def review_buttons(event_id: int, labels: Labels | None = None) -> tuple[Button, ...]:
    words = labels or labels_for()
    return (
        Button(words.get("alert.confirm_button"), f"rv:{event_id}:{REVIEW_CONFIRM}"),
        Button(words.get("alert.dismiss_button"), f"rv:{event_id}:{REVIEW_DISMISS}"),
    )


# Telegram's callback data is at most 64 bytes; ids fit a signed 64-bit column.
MAX_CALLBACK_DATA = 64
_REVIEW_DATA = re.compile(r"rv:([1-9][0-9]{0,17}):([cd])", re.ASCII)


def parse_review_data(data: str | None) -> tuple[int, str] | None:
    """`rv:<incident>:<c|d>` from a button press, or None for anything else: garbage, another
    prefix, a zero, non-ASCII digits or an id too large for the database (which would
    otherwise raise OverflowError and leave the press unanswered)."""
    if not data or len(data) > MAX_CALLBACK_DATA:
        return None
    m = _REVIEW_DATA.fullmatch(data)
    if not m:
        return None
    return int(m.group(1)), CONFIRMED if m.group(2) == REVIEW_CONFIRM else DISMISSED


# -- alerts ---------------------------------------------------------------------------------


def labels_for(language: str = DEFAULT_LANGUAGE) -> Labels:
    """A destination's labels (package data, read once per language and process)."""
    from tracker.reference import load_labels

    return load_labels(language)


class _Words:
    """The labels of one message and the isolation of its values: a value whose direction
    differs from the message's (Arabic in an English alert, English in an Arabic one) is
    wrapped in a bidi isolate, so that it keeps its own order and moves nothing around it.
    English values in an English alert are left exactly as they were."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.base: Direction = labels.direction

    def value(self, text: str) -> str:
        return isolate(text, self.base)

    def label(self, key: str, **values: object) -> str:
        return self.labels.fill(f"alert.{key}", **values) if values else self.labels.get(
            f"alert.{key}"
        )

    def fact(self, icon: str, key: str, value: str) -> str:
        """`icon label: value`, or `icon value` where the language has no label for it."""
        label = self.labels.get(f"alert.{key}")
        return f"{icon} {label}: {value}" if label else f"{icon} {value}"

    def when(self, c: AlertContent) -> str:
        if c.event_date is None:
            return self.label("date_unknown")
        day = self.value(c.event_date.isoformat())
        if c.date_precision <= 1:
            return day
        key = f"precision_{c.date_precision}"
        approx = self.label(key if f"alert.{key}" in self.labels.texts else "precision_other")
        note = self.label("precision_note", precision=c.date_precision)
        return f"{approx} {day} ({note})"

    def toll(self, c: AlertContent) -> str | None:
        parts = []
        if c.fatalities is not None:
            low, high = c.fatalities_low, c.fatalities_high
            ranged = low is not None and high is not None and low != high
            spread = f" ({low}–{high})" if ranged else ""
            parts.append(self.label("killed", n=c.fatalities) + spread)
        if c.injured:
            parts.append(self.label("injured", n=c.injured))
        return ", ".join(parts) or None


def _evidence(evidence: str, m: _Markup) -> str:
    """The quoted evidence line, in the direction of its own script: an Arabic sentence opens
    with RLM (its line runs right to left in every client) and sits in an RLI isolate inside
    the quotes, so a trailing number or Latin name cannot carry the quotes away."""
    if not has_rtl(evidence):
        return m.italic("“" + evidence + "”")
    own = direction(evidence)
    return line_mark(own) + m.italic("“" + isolate(evidence, own) + "”")


def _paragraphs(c: AlertContent, m: _Markup, labels: Labels) -> list[str]:
    w = _Words(labels)
    severity = m.bold(w.value(c.severity.upper()))
    head = f"{SEVERITY_MARK.get(c.severity, '')} {severity}".strip()
    kind = w.label("violation" if c.violation else "not_violation")
    what = f"{head} · {m.text(kind)}\n{m.bold(w.value(c.event_type))}"
    if c.sub_event_type and c.sub_event_type != c.event_type:
        what += f" — {m.text(w.value(c.sub_event_type))}"
    place = m.bold(w.value(c.place_name)) if c.place_name else m.text(w.label("place_unknown"))
    if c.admin1:
        place += m.text(", " + w.label("governorate", admin1=w.value(c.admin1)))
    facts = [w.fact("📍", "place", place), w.fact("📅", "date", m.text(w.when(c)))]
    terms = [w.value(t) for t in c.agreement_terms]
    terms += [w.label("zone", zone=w.value(z)) for z in c.zones]
    if terms:
        facts.append(w.fact("⚖️", "agreements", m.text("; ".join(terms))))
    toll = w.toll(c)
    if toll:
        facts.append(w.fact("☠️", "toll", m.text(toll)))
    if c.actors:
        actors = "; ".join(w.value(a) for a in c.actors)
        facts.append(w.fact("👥", "actors", m.text(actors)))
    paragraphs = [what]
    if c.notes:
        paragraphs.append(m.bold(c.notes))
    paragraphs.append("\n".join(facts))
    if c.evidence is not None:
        paragraphs.append(_evidence(c.evidence, m))
    if c.sources:
        lines = [f"🔗 {m.text(w.label('sources', count=len(c.sources)))}"]
        lines += ["• " + m.link(w.value(label), url) for label, url in c.sources]
        paragraphs.append("\n".join(lines))
    tail = []
    if c.map_url is not None:
        tail.append("🗺 " + m.link(w.label("map"), c.map_url))
    tail.append(f"🆔 {m.text(w.label('incident'))} {m.code(c.event_id)}")
    if c.page_url is not None and c.data_url is not None:
        page, data = m.link(w.label("event_page"), c.page_url), m.link(w.label("data"), c.data_url)
        tail.append(f"🔎 {page} · {data}")
    paragraphs.append("\n".join(tail))
    if c.review is not None:
        r = c.review
        verdict = "✅ " + w.label("confirmed") if r.status == CONFIRMED else "❌ " + w.label(
            "dismissed"
        )
        when = r.at.strftime("%Y-%m-%d %H:%M UTC")
        paragraphs.append(
            f"{m.bold(verdict)} {m.text(w.label('reviewed', by=w.value(r.by), when=when))}"
        )
    if labels.rtl:
        # every line of a right-to-left message runs right to left, whatever it opens with
        mark = line_mark("rtl")
        paragraphs = [
            "\n".join(line if line.startswith(mark) else mark + line for line in p.split("\n"))
            for p in paragraphs
        ]
    return paragraphs


def render_alert(
    view: AlertView,
    *,
    as_html: bool = True,
    review: bool = False,
    public_url: str = "",
    language: str = DEFAULT_LANGUAGE,
) -> Message:
    """The alert message; `review` adds the analysts' buttons, `public_url` (`[web]
    public_url`) links to the event's page and API document, `language` picks the labels
    (tracker/data/labels/<language>.toml; the values stay as they are)."""
    content = alert_content(view, public_url)
    labels = labels_for(language)
    text = "\n\n".join(_paragraphs(content, _Markup(as_html), labels))
    # an event merged into another or withdrawn is decided there, not here: no buttons
    buttons = (
        review_buttons(content.event_id, labels) if review and content.reviewable else ()
    )
    return Message(tuple(split_message(text)), as_html, buttons)


def summary_line(view: AlertView, m: _Markup) -> str:
    """One event in one line, for /latest."""
    p = view.primary
    where = isolate(p.place_name) if p.place_name else "place unknown"
    if p.admin1:
        where += f", {isolate(p.admin1)}"
    parts = [
        SEVERITY_MARK.get(view.severity, "•"),
        m.bold(f"{p.event_date.isoformat() if p.event_date else '?'}"),
        m.text(f"{p.sub_event_type or p.event_type} — {where}"),
    ]
    toll = toll_text(view)
    if toll:
        parts.append(m.text(f"({toll})"))
    first = view.sources[0] if view.sources else None
    ref = f"#{view.event_id}"
    parts.append(m.link(ref, first.url if first else None))
    if len(view.sources) > 1:
        parts.append(m.text(f"[{len(view.sources)} sources]"))
    return " ".join(parts)


def render_list(title: str, views: Sequence[AlertView], *, as_html: bool = True) -> Message:
    """The answer to /latest: a heading and one line per event."""
    m = _Markup(as_html)
    lines = [m.bold(title)]
    lines += [summary_line(v, m) for v in views] or [m.text("nothing to report")]
    return Message(tuple(split_message("\n".join(lines))), as_html)


def render_status(status: Mapping[str, Any]) -> str:
    """The service's health in one plain message (for the /status command)."""
    totals = status.get("totals", {})
    tick = status.get("last_tick", {})
    alerts = status.get("alerts", {})
    lines = [
        f"tracker {status.get('version', '?')}, up {int(status.get('uptime_seconds') or 0)} s",
        f"feeds: {totals.get('feeds_ok', 0)} ok, {totals.get('feeds_degraded', 0)} degraded, "
        f"{totals.get('feeds_gone', 0)} gone; last poll {tick.get('at') or 'not yet'}",
        f"items {totals.get('items', 0)}, incidents {totals.get('incidents', 0)}, violations "
        f"{totals.get('violations', 0)} ({totals.get('violations_last_24h', 0)} in 24 h)",
        f"alerts: {alerts.get('pending', 0)} pending, {alerts.get('sent', 0)} sent, "
        f"{alerts.get('dead', 0)} dead",
    ]
    if "agreements_in_force" in status:
        ids = [str(a.get("id")) for a in status["agreements_in_force"]]
        lines.append("agreements in force: " + (", ".join(ids) or "none"))
    return html.escape("\n".join(lines), quote=False)


# -- bot commands -------------------------------------------------------------------------

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "what this bot does"),
    ("help", "commands and filter syntax"),
    ("subscribe", "get alerts here, e.g. /subscribe min_severity=high"),
    ("unsubscribe", "stop alerts here"),
    ("filters", "show this chat's filters"),
    ("status", "the tracker's health"),
    ("latest", "the latest violations, e.g. /latest 5"),
)


def parse_command(text: str) -> tuple[str, str] | None:
    """`/cmd@bot args` -> ("cmd", "args"); None when the text is not a command."""
    m = re.match(r"^/([A-Za-z0-9_]+)(?:@\S+)?(?:\s+(.*))?$", (text or "").strip(), re.S)
    if not m:
        return None
    return m.group(1).lower(), (m.group(2) or "").strip()


def help_text() -> str:
    lines = ["Ceasefire-violation alerts for north-west Syria.", ""]
    lines += [f"/{name} — {what}" for name, what in COMMANDS]
    lines += [
        "",
        "Filters for /subscribe (all optional, key=value, lists comma-separated):",
        "agreements=sochi-2018,moscow-2020  zones=idlib-deescalation",
        "min_severity=low|medium|high|critical  violations_only=true|false",
        'actors=government  include="air strike",shelling  exclude=training',
        "mode=immediate|digest|both",
    ]
    return html.escape("\n".join(lines), quote=False)


class TelegramText:
    """This module as the delivery service's `ChatFormat` (tracker.core.alerts)."""

    commands = COMMANDS

    def render_alert(
        self,
        view: AlertView,
        *,
        as_html: bool = True,
        review: bool = False,
        public_url: str = "",
        language: str = DEFAULT_LANGUAGE,
    ) -> Message:
        return render_alert(
            view, as_html=as_html, review=review, public_url=public_url, language=language
        )

    def render_list(
        self, title: str, views: Sequence[AlertView], *, as_html: bool = True
    ) -> Message:
        return render_list(title, views, as_html=as_html)

    def render_status(self, status: Mapping[str, Any]) -> str:
        return render_status(status)

    def help_text(self) -> str:
        return help_text()

    def parse_command(self, text: str) -> tuple[str, str] | None:
        return parse_command(text)

    def split(self, text: str) -> list[str]:
        return split_message(text)

    def parse_review_data(self, data: str | None) -> tuple[int, str] | None:
        return parse_review_data(data)


TELEGRAM_TEXT = TelegramText()
