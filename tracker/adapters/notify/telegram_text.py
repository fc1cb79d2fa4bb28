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


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split on paragraph (blank-line) boundaries, then on lines, so that no chunk is longer
    than `limit`. Renderers keep every tag inside one line, so a cut never leaves a tag
    open; a line longer than `limit` (which they never produce) is cut hard as a last
    resort. The one splitter for alerts, replies and digests."""
    chunks: list[str] = []
    current = ""
    for para in text.split("\n\n"):
        pieces = [para] if len(para) <= limit else _split_lines(para, limit)
        for piece in pieces:
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= limit:
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
        while len(line) > limit:
            out.extend([current] if current else [])
            current = ""
            out.append(line[:limit])
            line = line[limit:]
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= limit:
            current = joined
        else:
            out.append(current)
            current = line
    if current:
        out.append(current)
    return out


# -- review buttons -----------------------------------------------------------------------------


def review_buttons(event_id: int) -> tuple[Button, ...]:
    return (
        Button("Confirm", f"rv:{event_id}:{REVIEW_CONFIRM}"),
        Button("Not a violation", f"rv:{event_id}:{REVIEW_DISMISS}"),
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


def _paragraphs(c: AlertContent, m: _Markup) -> list[str]:
    head = f"{SEVERITY_MARK.get(c.severity, '')} {m.bold(c.severity.upper())}".strip()
    kind = "violation" if c.violation else "incident (not a violation)"
    what = f"{head} · {m.text(kind)}\n{m.bold(c.event_type)}"
    if c.sub_event_type and c.sub_event_type != c.event_type:
        what += f" — {m.text(c.sub_event_type)}"
    place = m.bold(c.place_name) if c.place_name else m.text("place unknown")
    if c.admin1:
        place += m.text(f", {c.admin1} governorate")
    facts = [f"📍 {place}", f"📅 {m.text(c.when)}"]
    if c.terms:
        facts.append(f"⚖️ {m.text('; '.join(c.terms))}")
    if c.toll:
        facts.append(f"☠️ {m.text(c.toll)}")
    if c.actors:
        facts.append(f"👥 {m.text('; '.join(c.actors))}")
    paragraphs = [what]
    if c.notes:
        paragraphs.append(m.bold(c.notes))
    paragraphs.append("\n".join(facts))
    if c.evidence is not None:
        paragraphs.append(m.italic("“" + c.evidence + "”"))
    if c.sources:
        lines = [f"🔗 Sources ({len(c.sources)}):"]
        lines += ["• " + m.link(label, url) for label, url in c.sources]
        paragraphs.append("\n".join(lines))
    tail = []
    if c.map_url is not None:
        tail.append("🗺 " + m.link("map", c.map_url))
    tail.append(f"🆔 incident {m.code(c.event_id)}")
    if c.page_url is not None and c.data_url is not None:
        tail.append(f"🔎 {m.link('event page', c.page_url)} · {m.link('data', c.data_url)}")
    paragraphs.append("\n".join(tail))
    if c.review is not None:
        r = c.review
        verdict = "✅ Confirmed" if r.status == CONFIRMED else "❌ Not a violation"
        when = r.at.strftime("%Y-%m-%d %H:%M UTC")
        paragraphs.append(f"{m.bold(verdict)} {m.text(f'by {r.by} at {when}')}")
    return paragraphs


def render_alert(
    view: AlertView, *, as_html: bool = True, review: bool = False, public_url: str = ""
) -> Message:
    """The alert message; `review` adds the analysts' buttons, `public_url` (`[web]
    public_url`) links to the event's page and API document."""
    content = alert_content(view, public_url)
    text = "\n\n".join(_paragraphs(content, _Markup(as_html)))
    # an event merged into another or withdrawn is decided there, not here: no buttons
    buttons = review_buttons(content.event_id) if review and content.reviewable else ()
    return Message(tuple(split_message(text)), as_html, buttons)


def summary_line(view: AlertView, m: _Markup) -> str:
    """One event in one line, for /latest."""
    p = view.primary
    where = p.place_name or "place unknown"
    if p.admin1:
        where += f", {p.admin1}"
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
        self, view: AlertView, *, as_html: bool = True, review: bool = False, public_url: str = ""
    ) -> Message:
        return render_alert(view, as_html=as_html, review=review, public_url=public_url)

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
