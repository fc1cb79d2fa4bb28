"""Alerts as pure functions: which chat wants which event, what the message says, and how
the outcome of a send is described.

An alert is about one merged event (tracker.core.merge decides which reports are one act);
nothing here merges reports again: the view is the event's merged values plus its sources.

Nothing here talks to Telegram or the database, so every rule (filters, escaping, the
4096-character limit, what counts as a material change) is testable without either.
Outside text (titles, evidence, place and actor names, URLs) is escaped everywhere; message
lengths are counted on the HTML source, which is never shorter than what Telegram counts.
"""

from __future__ import annotations

import hashlib
import html
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tracker.core.sanitize import neutralised, web_url

MAX_MESSAGE_CHARS = 4096
SEVERITIES = ("low", "medium", "high", "critical")
MODES = ("immediate", "digest", "both")
SEVERITY_MARK = {"low": "⚪", "medium": "🟡", "high": "🟠", "critical": "🔴"}
PRECISION_TEXT = {
    2: "within a few days of",
    3: "the week of",
    4: "the month of",
    5: "the year of",
}
REVIEW_CONFIRM = "c"
REVIEW_DISMISS = "d"
CONFIRMED = "confirmed"
DISMISSED = "dismissed"
# Cut before escaping so that no single line can come near the message limit.
MAX_TITLE_CHARS = 200
MAX_EVIDENCE_CHARS = 1000
ACTIVE, MERGED, GONE = "active", "merged", "gone"


# -- incidents as alerts see them ---------------------------------------------------------


@dataclass(frozen=True)
class Source:
    title: str
    url: str | None = None
    feed: str | None = None


@dataclass(frozen=True)
class Review:
    """An analyst's decision; `by` is the Telegram user as shown to people."""

    status: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Report:
    """One incident read from one item (an IncidentRow's contract plus its item)."""

    violation: bool
    event_type: str
    sub_event_type: str
    event_date: date | None
    date_precision: int
    place_name: str | None
    admin1: str | None
    lat: float | None
    lon: float | None
    fatalities: int | None
    fatalities_low: int | None
    fatalities_high: int | None
    injured: int | None
    actors: tuple[tuple[str, str, str | None], ...]
    agreements: tuple[str, ...]
    zones: tuple[str, ...]
    severity: str
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]
    source: Source

    @classmethod
    def from_contract(cls, data: Mapping[str, Any], source: Source) -> Report:
        """Build from the classifier's JSON contract (what `IncidentRow.to_contract` gives)."""
        loc = data.get("location") or {}
        day = data.get("date")
        return cls(
            violation=bool(data.get("violation")),
            event_type=str(data.get("event_type") or ""),
            sub_event_type=str(data.get("sub_event_type") or ""),
            event_date=date.fromisoformat(day) if isinstance(day, str) else day,
            date_precision=int(data.get("date_precision") or 1),
            place_name=loc.get("name"),
            admin1=loc.get("admin1") or None,
            lat=loc.get("lat"),
            lon=loc.get("lon"),
            fatalities=data.get("fatalities"),
            fatalities_low=data.get("fatalities_low"),
            fatalities_high=data.get("fatalities_high"),
            injured=data.get("injured"),
            actors=tuple(
                (str(a.get("name", "")), str(a.get("side", "")), a.get("role"))
                for a in data.get("actors") or []
            ),
            agreements=tuple(data.get("agreements") or ()),
            zones=tuple(data.get("zones") or ()),
            severity=str(data.get("severity") or "low"),
            reasons=tuple(data.get("reasons") or ()),
            evidence=tuple(data.get("evidence") or ()),
            source=source,
        )


@dataclass(frozen=True)
class AlertView:
    """One event as alerted: its merged values (`primary`) and the sources of its reports.

    `status` is the event's (active, merged or gone); `merged_into`, `split_from` and
    `split_into` say what a later recomputation did to it, so a sent message can say so.
    """

    event_id: int
    primary: Report
    violation: bool
    severity: str
    fatalities: int | None
    fatalities_low: int | None
    fatalities_high: int | None
    injured: int | None
    actors: tuple[tuple[str, str, str | None], ...]
    agreements: tuple[str, ...]
    zones: tuple[str, ...]
    reasons: tuple[str, ...]
    sources: tuple[Source, ...]
    review: Review | None = None
    status: str = ACTIVE
    merged_into: int | None = None
    split_from: int | None = None
    split_into: tuple[int, ...] = ()
    source_count: int = 0

    @property
    def dismissed(self) -> bool:
        return self.review is not None and self.review.status == DISMISSED

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


def event_view(
    event_id: int,
    merged: Mapping[str, Any],
    sources: Sequence[Source],
    *,
    review: Review | None = None,
    status: str = ACTIVE,
    merged_into: int | None = None,
    split_from: int | None = None,
    split_into: Sequence[int] = (),
    source_count: int | None = None,
) -> AlertView:
    """The alert view of a stored event: `merged` is its merged incident in the classifier's
    JSON contract, `sources` its reports' items (syndicated copies included), earliest first.

    This is where stored outside text leaves for rendering, so bidi overrides and zero-width
    characters are removed here (`neutralised`), once, for every format.
    """
    merged, sources, review = (
        neutralised(dict(merged)),
        neutralised(list(sources)),
        neutralised(review),
    )
    unique: dict[str, Source] = {}
    for source in sources:
        unique.setdefault(source.url or source.title, source)
    listed = tuple(unique.values())
    primary = Report.from_contract(merged, listed[0] if listed else Source(""))
    return AlertView(
        event_id=event_id,
        primary=primary,
        violation=primary.violation,
        severity=primary.severity,
        fatalities=primary.fatalities,
        fatalities_low=primary.fatalities_low,
        fatalities_high=primary.fatalities_high,
        injured=primary.injured,
        actors=primary.actors,
        agreements=primary.agreements,
        zones=primary.zones,
        reasons=primary.reasons,
        sources=listed,
        review=review,
        status=status,
        merged_into=merged_into,
        split_from=split_from,
        split_into=tuple(sorted(split_into)),
        source_count=len(listed) if source_count is None else source_count,
    )


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


# -- filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What one destination wants. Empty lists match everything."""

    agreements: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    min_severity: str = "low"
    violations_only: bool = True
    actors: tuple[str, ...] = ()
    include_keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    mode: str = "immediate"
    review: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Filters:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("agreements", "zones", "actors", "include_keywords", "exclude_keywords"):
            if key in known:
                known[key] = tuple(str(v) for v in known[key])
        return cls(**known)

    def to_mapping(self) -> dict[str, Any]:
        return {
            "agreements": list(self.agreements),
            "zones": list(self.zones),
            "min_severity": self.min_severity,
            "violations_only": self.violations_only,
            "actors": list(self.actors),
            "include_keywords": list(self.include_keywords),
            "exclude_keywords": list(self.exclude_keywords),
            "mode": self.mode,
            "review": self.review,
        }

    @property
    def kinds(self) -> tuple[str, ...]:
        """Outbox kinds this destination gets: an immediate message, a digest line, or both."""
        if self.mode == "both":
            return ("immediate", "digest")
        return (self.mode,)


def _haystack(view: AlertView) -> str:
    p = view.primary
    parts = [
        p.event_type,
        p.sub_event_type,
        p.place_name or "",
        p.admin1 or "",
        *(s.title for s in view.sources),
        *p.evidence,
        *(a[0] for a in view.actors),
    ]
    return "\n".join(parts).casefold()


def matches(filters: Filters, view: AlertView) -> bool:
    """Does this event go to a destination with these filters?"""
    if view.dismissed or not view.active:
        return False
    if filters.violations_only and not view.violation:
        return False
    if severity_rank(view.severity) < severity_rank(filters.min_severity):
        return False
    if filters.agreements and not set(filters.agreements) & set(view.agreements):
        return False
    if filters.zones and not set(filters.zones) & set(view.zones):
        return False
    if filters.actors:
        names = [f"{name} {side}".casefold() for name, side, _ in view.actors]
        if not any(want.casefold() in n for want in filters.actors for n in names):
            return False
    text = _haystack(view)
    if filters.include_keywords and not any(k.casefold() in text for k in filters.include_keywords):
        return False
    return not any(k.casefold() in text for k in filters.exclude_keywords)


_LIST_KEYS = {
    "agreements": "agreements",
    "zones": "zones",
    "actors": "actors",
    "include": "include_keywords",
    "include_keywords": "include_keywords",
    "exclude": "exclude_keywords",
    "exclude_keywords": "exclude_keywords",
}


def parse_filter_args(args: str) -> Filters:
    """`/subscribe` arguments: `key=value` words, lists comma-separated, quotes allowed.

    e.g. `zones=idlib-deescalation min_severity=high include="air strike",shelling`.
    Raises ValueError with a message meant for the person who typed it.
    """
    try:
        words = shlex.split(args)
    except ValueError as exc:
        raise ValueError(f"could not read the arguments: {exc}") from exc
    values: dict[str, Any] = {}
    for word in words:
        key, sep, value = word.partition("=")
        key = key.strip().lower()
        if not sep:
            raise ValueError(f"expected key=value, got {word!r}")
        if key in _LIST_KEYS:
            values[_LIST_KEYS[key]] = tuple(v.strip() for v in value.split(",") if v.strip())
        elif key == "min_severity":
            if value not in SEVERITIES:
                raise ValueError("min_severity must be one of " + ", ".join(SEVERITIES))
            values[key] = value
        elif key == "violations_only":
            if value.lower() not in ("true", "false", "yes", "no", "1", "0"):
                raise ValueError("violations_only must be true or false")
            values[key] = value.lower() in ("true", "yes", "1")
        elif key == "mode":
            if value not in MODES:
                raise ValueError("mode must be one of " + ", ".join(MODES))
            values[key] = value
        else:
            raise ValueError(f"unknown filter {key!r}")
    return Filters(**values)


def describe_filters(filters: Filters) -> str:
    """Filters in the `/subscribe` syntax, so a person can copy, change and resend them."""

    def listed(values: Sequence[str]) -> str:
        return ",".join(shlex.quote(v) if " " in v else v for v in values) or "(any)"

    return "\n".join(
        [
            f"agreements={listed(filters.agreements)}",
            f"zones={listed(filters.zones)}",
            f"min_severity={filters.min_severity}",
            f"violations_only={'true' if filters.violations_only else 'false'}",
            f"actors={listed(filters.actors)}",
            f"include={listed(filters.include_keywords)}",
            f"exclude={listed(filters.exclude_keywords)}",
            f"mode={filters.mode}",
        ]
        + (["review=true"] if filters.review else [])
    )


# -- the message ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    text: str
    data: str


@dataclass(frozen=True)
class Message:
    """What to send: one or more chunks (each at most 4096 chars) and buttons on the last."""

    chunks: tuple[str, ...]
    html: bool = True
    buttons: tuple[Button, ...] = ()

    def fingerprint(self) -> str:
        """Equal fingerprints mean nothing material changed, so no edit is needed."""
        h = hashlib.sha256()
        for part in (*self.chunks, *(f"{b.text}\x00{b.data}" for b in self.buttons)):
            h.update(part.encode("utf-8"))
            h.update(b"\x1f")
        return h.hexdigest()


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


def _cut(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def map_url(lat: float, lon: float, zoom: int = 11) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}"
        f"#map={zoom}/{lat:.5f}/{lon:.5f}"
    )


def event_links(event_id: int, public_url: str, m: _Markup) -> str:
    """The event's page and its API document on this service's public address."""
    page = m.link("event page", f"{public_url}/events/{event_id}")
    return f"🔎 {page} · {m.link('data', f'{public_url}/api/v1/events/{event_id}')}"


def date_text(day: date | None, precision: int) -> str:
    if day is None:
        return "date unknown"
    if precision <= 1:
        return day.isoformat()
    words = PRECISION_TEXT.get(precision, "around")
    return f"{words} {day.isoformat()} (date precision {precision}, not exact)"


def toll_text(view: AlertView) -> str | None:
    parts = []
    if view.fatalities is not None:
        low, high = view.fatalities_low, view.fatalities_high
        spread = f" ({low}–{high})" if low is not None and high is not None and low != high else ""
        parts.append(f"{view.fatalities} killed{spread}")
    if view.injured:
        parts.append(f"{view.injured} injured")
    return ", ".join(parts) or None


def articles(view: AlertView) -> list[str]:
    """Agreements with the article(s) the classifier cited, from its reasons."""
    out = []
    for agreement in view.agreements:
        cited = []
        for reason in view.reasons:
            m = re.match(rf"{re.escape(agreement)}\s+(art\.\s*[^:]+):", reason)
            if m and m.group(1) not in cited:
                cited.append(m.group(1))
        out.append(f"{agreement} ({', '.join(cited)})" if cited else agreement)
    return out


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


def chat_allowed(allowed: frozenset[int], chat_id: int) -> bool:
    """`telegram.allowed_chat_ids`: an empty list admits every chat."""
    return not allowed or chat_id in allowed


def _paragraphs(view: AlertView, m: _Markup, public_url: str = "") -> list[str]:
    p = view.primary
    head = f"{SEVERITY_MARK.get(view.severity, '')} {m.bold(view.severity.upper())}".strip()
    kind = "violation" if view.violation else "incident (not a violation)"
    what = f"{head} · {m.text(kind)}\n{m.bold(p.event_type)}"
    if p.sub_event_type and p.sub_event_type != p.event_type:
        what += f" — {m.text(p.sub_event_type)}"
    place = m.bold(p.place_name) if p.place_name else m.text("place unknown")
    if p.admin1:
        place += m.text(f", {p.admin1} governorate")
    facts = [f"📍 {place}", f"📅 {m.text(date_text(p.event_date, p.date_precision))}"]
    if view.agreements or view.zones:
        terms = articles(view) + [f"zone {z}" for z in view.zones]
        facts.append(f"⚖️ {m.text('; '.join(terms))}")
    toll = toll_text(view)
    if toll:
        facts.append(f"☠️ {m.text(toll)}")
    if view.actors:
        named = [f"{n} ({', '.join(x for x in (s, r) if x)})" for n, s, r in view.actors]
        facts.append(f"👥 {m.text('; '.join(named))}")
    paragraphs = [what]
    notes = _merge_notes(view)
    if notes:
        paragraphs.append(m.bold(notes))
    paragraphs.append("\n".join(facts))
    if p.evidence:
        paragraphs.append(m.italic("“" + _cut(p.evidence[0], MAX_EVIDENCE_CHARS) + "”"))
    if view.sources:
        lines = [f"🔗 Sources ({len(view.sources)}):"]
        for s in view.sources:
            label = _cut(s.title or s.feed or "source", MAX_TITLE_CHARS)
            lines.append("• " + m.link(label, s.url))
        paragraphs.append("\n".join(lines))
    tail = []
    if p.lat is not None and p.lon is not None:
        tail.append("🗺 " + m.link("map", map_url(p.lat, p.lon)))
    tail.append(f"🆔 incident {m.code(view.event_id)}")
    if public_url:
        tail.append(event_links(view.event_id, public_url, m))
    paragraphs.append("\n".join(tail))
    if view.review is not None:
        r = view.review
        verdict = "✅ Confirmed" if r.status == CONFIRMED else "❌ Not a violation"
        when = r.at.strftime("%Y-%m-%d %H:%M UTC")
        paragraphs.append(f"{m.bold(verdict)} {m.text(f'by {r.by} at {when}')}")
    return paragraphs


def _merge_notes(view: AlertView) -> str:
    """What recomputing the events did to this one since it was first announced."""
    notes = []
    if view.status == MERGED and view.merged_into is not None:
        notes.append(
            f"↪️ Merged into incident {view.merged_into}: its reports describe the same act."
        )
    elif view.status == GONE:
        notes.append("🚫 Withdrawn: its reports no longer describe this incident.")
    if view.split_from is not None:
        notes.append(
            f"✂️ Split from incident {view.split_from}: first taken for the same act, "
            "a later report showed they are different."
        )
    if view.split_into:
        others = ", ".join(str(i) for i in view.split_into)
        notes.append(
            f"✂️ Split: reports of a different act moved to incident {others}; "
            "this message now covers the rest."
        )
    return "\n".join(notes)


def render_alert(
    view: AlertView, *, as_html: bool = True, review: bool = False, public_url: str = ""
) -> Message:
    """The alert message; `review` adds the analysts' buttons, `public_url` (`[web]
    public_url`) links to the event's page and API document."""
    text = "\n\n".join(_paragraphs(view, _Markup(as_html), public_url))
    # an event merged into another or withdrawn is decided there, not here: no buttons
    buttons = review_buttons(view.event_id) if review and view.active else ()
    return Message(tuple(split_message(text)), as_html, buttons)


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split on paragraph boundaries, then on lines; a line longer than `limit` (which the
    renderer never produces) is cut hard as a last resort."""
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

COMMANDS = (
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


# -- delivery outcomes ----------------------------------------------------------------------


class Outcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    RETRY_AFTER = "retry_after"
    MIGRATED = "migrated"
    FORBIDDEN = "forbidden"
    PARSE_ERROR = "parse_error"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class SendResult:
    """A notifier's answer, independent of the library that produced it."""

    outcome: Outcome
    message_id: int | None = None
    retry_after: float = 0.0
    new_chat_id: int | None = None
    error: str = ""


@dataclass(frozen=True)
class BotUpdate:
    """A command or a button press received from the bot API."""

    update_id: int
    chat_id: int
    user: str
    text: str = ""
    callback_id: str | None = None
    callback_data: str | None = None
    message_id: int | None = None


# -- outbox records as the delivery service sees them ----------------------------------------


@dataclass(frozen=True)
class DestinationSpec:
    """A configured destination. `channel` is tracker.core.channels' name for it; on chat
    channels (Telegram, console) the address is `chat_id` in decimal, on the others it is
    `address` and `chat_id` is None."""

    chat_id: int | None
    name: str
    filters: Filters
    channel: str = "telegram"
    address: str = ""

    def key(self) -> tuple[str, str]:
        """(channel, address): what identifies a destination on every channel."""
        if self.chat_id is not None:
            return (self.channel, str(int(self.chat_id)))
        return (self.channel, self.address)


# Each running instance renews the lease named this + its id (its heartbeat); claims of an
# instance whose heartbeat ran out are taken over by a live one.
INSTANCE_LEASE_PREFIX = "instance:"


@dataclass(frozen=True)
class Job:
    """One claimed outbox row: send it (or edit what was sent)."""

    row_id: int
    event_id: int
    destination_id: int
    chat_id: int
    kind: str
    edit: bool
    attempts: int
    review: bool
    message_ids: tuple[int, ...]
    content_hash: str | None
    plain: bool
    # An earlier attempt went out and its outcome was never recorded (the sender died or was
    # stopped between sending and recording): the message may already be in the chat.
    uncertain: bool = False
    # The destination's channel and address (tracker.core.channels); `chat_id` is 0 on
    # channels without chats.
    channel: str = "telegram"
    address: str = ""


@dataclass(frozen=True)
class Decision:
    """The outcome of a review button press: `applied` is False for a repeated press."""

    applied: bool
    review: Review


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff after the `attempt`-th failure (1-based)."""
    return min(cap, base * 2 ** max(0, attempt - 1))
