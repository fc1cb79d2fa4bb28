"""Alerts as pure functions: which destination wants which event, what the alert says
(channel-neutral `AlertContent`; each channel's adapter renders it, Telegram's in
tracker.adapters.notify.telegram_text), and how the outcome of a send is described.

An alert is about one merged event (tracker.core.merge decides which reports are one act);
nothing here merges reports again: the view is the event's merged values plus its sources.

Nothing here talks to a channel or the database, so every rule (filters, what an alert
says, what counts as a material change) is testable without either. Markup, escaping,
message-length limits, bot commands and button data are each channel's own.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from tracker.core.incident import read_contract
from tracker.core.sanitize import neutralised

SEVERITIES = ("low", "medium", "high", "critical")
MODES = ("immediate", "digest", "both")
PRECISION_TEXT = {
    2: "within a few days of",
    3: "the week of",
    4: "the month of",
    5: "the year of",
}
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
class IncidentFacts:
    """The facts an alert shows about one incident: an event's merged values in the
    classifier's contract, with the source it is shown under."""

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
    def from_contract(cls, data: Mapping[str, Any], source: Source) -> IncidentFacts:
        """Build from the classifier's JSON contract (what `EventRow.to_contract` gives)."""
        c = read_contract(data)
        return cls(
            violation=c.violation,
            event_type=c.event_type,
            sub_event_type=c.sub_event_type,
            event_date=c.event_date,
            date_precision=c.date_precision,
            place_name=c.place_name,
            admin1=c.admin1 or None,
            lat=c.lat,
            lon=c.lon,
            fatalities=c.fatalities,
            fatalities_low=c.fatalities_low,
            fatalities_high=c.fatalities_high,
            injured=c.injured,
            actors=tuple(
                (str(a.get("name", "")), str(a.get("side", "")), a.get("role")) for a in c.actors
            ),
            agreements=c.agreements,
            zones=c.zones,
            severity=c.severity,
            reasons=c.reasons,
            evidence=c.evidence,
            source=source,
        )


@dataclass(frozen=True)
class AlertView:
    """One event as alerted: its merged values (`primary`) and the sources of its reports.

    `status` is the event's (active, merged or gone); `merged_into`, `split_from` and
    `split_into` say what a later recomputation did to it, so a sent message can say so.
    """

    event_id: int
    primary: IncidentFacts
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
    primary = IncidentFacts.from_contract(merged, listed[0] if listed else Source(""))
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
    """What to send to a chat: one or more chunks (each within the channel's length limit)
    and buttons on the last."""

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


def cut(value: str, limit: int) -> str:
    """One line of at most `limit` characters (whitespace runs folded, "…" where cut)."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def map_url(lat: float, lon: float, zoom: int = 11) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}"
        f"#map={zoom}/{lat:.5f}/{lon:.5f}"
    )


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


def chat_allowed(allowed: frozenset[int], chat_id: int) -> bool:
    """`telegram.allowed_chat_ids`: an empty list admits every chat."""
    return not allowed or chat_id in allowed


def merge_notes(view: AlertView) -> str:
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


@dataclass(frozen=True)
class AlertContent:
    """What an alert says, channel-neutral: plain-text fields that each channel renders in
    its own markup (Telegram HTML, the console's plain text). Outside text is already cut
    to its limits here; escaping is the renderer's, since only it knows its markup."""

    event_id: int
    severity: str
    violation: bool
    event_type: str
    sub_event_type: str
    place_name: str | None
    admin1: str | None
    when: str
    # agreements with their cited articles, then "zone <id>" for each zone
    terms: tuple[str, ...]
    toll: str | None
    # "name (side, role)" for each actor
    actors: tuple[str, ...]
    # what a recomputation did to the event (merged, withdrawn, split), or ""
    notes: str
    evidence: str | None
    # (label, url) of each source, earliest first
    sources: tuple[tuple[str, str | None], ...]
    map_url: str | None
    # the event's page and API document on this service (no public address: None)
    page_url: str | None
    data_url: str | None
    review: Review | None
    # review decisions can still be taken (an event merged or withdrawn is decided elsewhere)
    reviewable: bool
    # The raw values behind `when`, `terms` and `toll`, for renderers that word them in
    # another language (tracker.core.labels): the English phrases above stay as they were.
    event_date: date | None = None
    date_precision: int = 1
    agreement_terms: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    fatalities: int | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    injured: int | None = None


def alert_content(view: AlertView, public_url: str = "") -> AlertContent:
    """The content of the alert about `view`; `public_url` (`[web] public_url`) adds the
    event's page and API document."""
    p = view.primary
    return AlertContent(
        event_id=view.event_id,
        severity=view.severity,
        violation=view.violation,
        event_type=p.event_type,
        sub_event_type=p.sub_event_type,
        place_name=p.place_name,
        admin1=p.admin1,
        when=date_text(p.event_date, p.date_precision),
        terms=tuple(articles(view) + [f"zone {z}" for z in view.zones]),
        toll=toll_text(view),
        actors=tuple(f"{n} ({', '.join(x for x in (s, r) if x)})" for n, s, r in view.actors),
        notes=merge_notes(view),
        evidence=cut(p.evidence[0], MAX_EVIDENCE_CHARS) if p.evidence else None,
        sources=tuple(
            (cut(s.title or s.feed or "source", MAX_TITLE_CHARS), s.url) for s in view.sources
        ),
        map_url=map_url(p.lat, p.lon) if p.lat is not None and p.lon is not None else None,
        page_url=f"{public_url}/events/{view.event_id}" if public_url else None,
        data_url=f"{public_url}/api/v1/events/{view.event_id}" if public_url else None,
        review=view.review,
        reviewable=view.active,
        event_date=p.event_date,
        date_precision=p.date_precision,
        agreement_terms=tuple(articles(view)),
        zones=view.zones,
        fatalities=view.fatalities,
        fatalities_low=view.fatalities_low,
        fatalities_high=view.fatalities_high,
        injured=view.injured,
    )


class ChatFormat(Protocol):
    """How a chat channel words its messages: alerts, the /latest list, replies to commands,
    its message-length split and its button data. Each chat channel's adapter has one
    (tracker.adapters.notify.telegram_text); the delivery service only calls it."""

    commands: tuple[tuple[str, str], ...]

    def render_alert(
        self,
        view: AlertView,
        *,
        as_html: bool = True,
        review: bool = False,
        public_url: str = "",
        language: str = "en",
    ) -> Message: ...

    def render_list(
        self, title: str, views: Sequence[AlertView], *, as_html: bool = True
    ) -> Message: ...

    def render_status(self, status: Mapping[str, Any]) -> str: ...

    def help_text(self) -> str: ...

    def parse_command(self, text: str) -> tuple[str, str] | None: ...

    def split(self, text: str) -> list[str]: ...

    def parse_review_data(self, data: str | None) -> tuple[int, str] | None: ...


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
