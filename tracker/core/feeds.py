"""Data types and pure rules of feed ingestion: what a fetch returns, what a parsed entry is,
how an entry gets a stable key, and when a feed is checked next.

Kept free of I/O so that the polling rules can be tested with tables and a fake clock.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


class FeedState(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    GONE = "gone"


class FetchOutcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"
    GONE = "gone"


@dataclass(frozen=True)
class FetchResult:
    """What one HTTP fetch of a feed produced. `error` is a person-readable line."""

    outcome: FetchOutcome
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    retry_after_seconds: float | None = None
    error: str | None = None
    duration_seconds: float = 0.0
    # What kind of failure, for the error counters: "blocked" (address policy), "too_large",
    # "encoding"; None for the rest (counted as "http" or "fetch").
    error_kind: str | None = None


@dataclass(frozen=True)
class ParsedEntry:
    guid: str | None
    link: str | None
    title: str
    summary: str
    content: str
    published: datetime | None
    language: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[ParsedEntry]
    title: str | None = None
    language: str | None = None
    bozo: str | None = None
    total_entries: int = 0
    is_feed: bool = True


TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref",
        "ref_src",
        "cmpid",
        "ocid",
        "_ga",
        "yclid",
        "spm",
        "guccounter",
        "ito",
        "xtor",
    }
)


def canonical_url(url: str | None) -> str | None:
    """Strip tracking parameters and the fragment so re-shared links compare equal."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), "")
    )


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def entry_key(entry: ParsedEntry) -> str:
    """A stable key per entry: the guid, else the canonical link, else a hash of the text.

    Long keys are hashed so that the unique index stays small and any feed's guid fits.
    """
    if entry.guid and entry.guid.strip():
        raw = "guid:" + entry.guid.strip()
    elif entry.link and entry.link.strip():
        raw = "link:" + (canonical_url(entry.link) or entry.link.strip())
    else:
        return "hash:" + _digest(entry.title.strip(), entry.summary.strip())
    return raw if len(raw) <= 400 else "sha256:" + _digest(raw)


def content_hash(title: str, text: str) -> str:
    """Hash of normalised text, used to recognise syndicated copies under other URLs."""
    norm = " ".join((title + " " + text).lower().split())
    return _digest(norm)


@dataclass(frozen=True)
class BackoffPolicy:
    """How long to wait after failures: exponential, capped, with jitter so that many feeds
    failing together do not all retry in the same second."""

    base_seconds: float
    max_seconds: float
    jitter: float = 0.2

    def delay(self, consecutive_errors: int, rand: float) -> float:
        """`rand` in [0, 1) is passed in so the rule stays deterministic under test."""
        if consecutive_errors <= 0:
            return self.base_seconds
        exponent = min(consecutive_errors - 1, 30)
        raw = min(self.base_seconds * math.pow(2, exponent), self.max_seconds)
        spread = raw * self.jitter
        return max(1.0, raw - spread + 2 * spread * rand)


def next_check_after_success(now: datetime, interval_seconds: float) -> datetime:
    return now + timedelta(seconds=interval_seconds)


def next_check_after_failure(
    now: datetime,
    policy: BackoffPolicy,
    consecutive_errors: int,
    rand: float,
    retry_after_seconds: float | None = None,
) -> datetime:
    """A server's Retry-After wins when it asks for more time than our own backoff."""
    delay = policy.delay(consecutive_errors, rand)
    if retry_after_seconds is not None:
        delay = max(delay, min(retry_after_seconds, policy.max_seconds * 4))
    return now + timedelta(seconds=delay)


def state_after_errors(consecutive_errors: int, degraded_after: int) -> FeedState:
    return FeedState.DEGRADED if consecutive_errors >= degraded_after else FeedState.OK


# States /status and /metrics show: the stored ones, plus two for feeds that never worked.
FAILING = "failing"  # polled, never once succeeded (a wrong URL, a dead site)
PENDING = "pending"  # added, not polled yet
SHOWN_STATES: tuple[str, ...] = ("ok", "degraded", "gone", FAILING, PENDING)


def shown_state(state: str, last_success_at: datetime | None, consecutive_errors: int) -> str:
    """What to call a feed in /status and /metrics. The stored state starts as "ok" and
    only counts errors, so a feed whose every fetch failed looked healthy until it was
    degraded; one that has never once succeeded is "failing" (whatever its error count),
    and one not polled yet is "pending". Gone stays gone."""
    if state == FeedState.GONE or last_success_at is not None:
        return state
    return FAILING if consecutive_errors > 0 else PENDING


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def backlog_cutoff(now: datetime, backlog_hours: float) -> datetime | None:
    """Items published before this are stored but never alerted; None turns the rule off."""
    if backlog_hours <= 0:
        return None
    return now - timedelta(hours=backlog_hours)


@dataclass(frozen=True)
class FeedRef:
    """A feed as the poller needs it, detached from any database session."""

    id: int
    url: str
    name: str | None
    language: str | None
    interval_seconds: int | None
    etag: str | None
    last_modified: str | None
    consecutive_errors: int
    state: str
    body_digest: str | None = None  # of the last body parsed and stored (`body_digest`)


def body_digest(body: bytes) -> str:
    """SHA-256 of a feed body as received (decoded from its content coding): a feed that
    sends the same bytes again has nothing new to parse."""
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class FeedSuccess:
    """A fetch that worked (200 or 304), to be recorded on its feed. Recorded in bulk at the
    end of a claim batch: the claim has already moved the feed's next check forward, so
    a record that is lost (the process stopped first) costs only the feed's status line."""

    feed_id: int
    now: datetime
    status: int | None
    etag: str | None
    last_modified: str | None
    next_check: datetime
    modified: bool
    body_digest: str | None = None  # set when a body was parsed and its entries stored


@dataclass(frozen=True)
class NewItem:
    """A row to insert; built from a parsed entry by `build_new_item`."""

    entry_key: str
    guid: str | None
    url: str | None
    title: str
    summary: str
    text: str
    content_hash: str
    language: str | None
    published_at: datetime | None
    published_source: str
    first_seen_at: datetime
    alert_eligible: bool


def build_new_item(
    entry: ParsedEntry, now: datetime, feed_language: str | None, cutoff: datetime | None
) -> NewItem:
    """Dates fall back published -> first seen; a story published before the backlog cutoff is
    kept for the record but will never be alerted."""
    published = entry.published
    source = "published" if published is not None else "first_seen"
    if published is not None and published > now + timedelta(days=1):
        # A date far in the future is a feed bug; do not let it outlive real news.
        published, source = None, "first_seen"
    text = entry.content if len(entry.content) > len(entry.summary) else entry.summary
    eligible = cutoff is None or published is None or published >= cutoff
    return NewItem(
        entry_key=entry_key(entry),
        guid=entry.guid,
        url=canonical_url(entry.link),
        title=entry.title,
        summary=entry.summary,
        text=text,
        content_hash=content_hash(entry.title, text),
        language=entry.language or feed_language,
        published_at=published,
        published_source=source,
        first_seen_at=now,
        alert_eligible=eligible,
    )
