"""Tables. Feed state lives here (not in memory) so that restarts and several instances agree
on what is due and what was already stored."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel, col

from tracker.adapters.storage.types import UTCDateTime

# session.info key: ids of the events whose incidents a transaction replaced (reclassified
# items); the event store recomputes them in the same transaction.
REPLACED_EVENTS = "tracker.replaced_events"


class Feed(SQLModel, table=True):
    __tablename__ = "feeds"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2048, unique=True)
    name: str | None = Field(default=None, max_length=300)
    language: str | None = Field(default=None, max_length=16)
    interval_seconds: int | None = None
    enabled: bool = Field(default=True)
    source: str = Field(default="config", max_length=16)
    state: str = Field(default="ok", max_length=16)
    etag: str | None = Field(default=None, max_length=1024)
    last_modified: str | None = Field(default=None, max_length=256)
    # SHA-256 of the last body parsed and stored: the same bytes again are not parsed again.
    body_digest: str | None = Field(default=None, max_length=64)
    next_check_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    last_status: int | None = None
    consecutive_errors: int = Field(default=0)
    total_errors: int = Field(default=0)
    items_count: int = Field(default=0)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Item(SQLModel, table=True):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("feed_id", "entry_key", name="uq_items_feed_entry"),
        Index("ix_items_first_seen_at", "first_seen_at"),
        Index("ix_items_content_hash", "content_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(
        sa_column=Column(Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False)
    )
    entry_key: str = Field(max_length=512)
    guid: str | None = Field(default=None, sa_type=Text)
    url: str | None = Field(default=None, sa_type=Text)
    title: str = Field(default="", sa_type=Text)
    summary: str = Field(default="", sa_type=Text)
    text: str = Field(default="", sa_type=Text)
    text_source: str = Field(default="feed", max_length=16)
    article_fetched: bool = Field(default=False)
    content_hash: str = Field(max_length=64)
    language: str | None = Field(default=None, max_length=16)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_source: str = Field(default="published", max_length=16)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    alert_eligible: bool = Field(default=True)
    classified_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class ContractColumns(SQLModel):
    """The classifier's JSON contract, flattened: the columns an incident (one report) and an
    event (its reports merged) share. `contract_of` turns them back into the contract."""

    violation: bool = False
    event_type: str = Field(max_length=64)
    sub_event_type: str = Field(max_length=64)
    event_date: date | None = None
    date_precision: int = 1
    place_name: str | None = Field(default=None, max_length=200)
    admin1: str | None = Field(default=None, max_length=100)
    lat: float | None = None
    lon: float | None = None
    location_precision: int | None = None
    fatalities: int | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    injured: int | None = None
    actors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    agreements: list[str] = Field(default_factory=list, sa_type=JSON)
    zones: list[str] = Field(default_factory=list, sa_type=JSON)
    severity: str = Field(default="low", max_length=16)
    confidence: float = 0.0
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    evidence: list[str] = Field(default_factory=list, sa_type=JSON)


class IncidentRow(ContractColumns, table=True):
    """One incident read from one item (the classifier's JSON contract, flattened).

    `seq` orders the incidents of an item; (item_id, seq) is unique so that reclassifying an
    item replaces its incidents instead of adding to them.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("item_id", "seq", name="uq_incidents_item_seq"),
        Index("ix_incidents_violation_date", "violation", "event_date"),
        # Merge candidates: one index range per act kind, date precision class and dates.
        Index("ix_incidents_candidates", "event_type", "date_precision", "event_date"),
        Index("ix_incidents_kind_date", "event_type", "event_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    seq: int = 0
    # place_name.casefold() (tracker.core.candidates.place_key): "the same place" for the
    # merge candidates query; NULL on rows stored before it existed (never filtered by place).
    place_key: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # The merged event this report belongs to (tracker.services.events keeps it up to date).
    event_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("events.id", ondelete="SET NULL", name="fk_incidents_event_id"),
            nullable=True,
            index=True,
        ),
    )

    # True once merge_traces holds this report's trace (tracker.core.increment): the events
    # it was eligible for when placed. Reports without one are merged by clustering their
    # neighbourhood again, which writes it.
    merge_traced: bool = Field(
        default=False, sa_column_kwargs={"server_default": false(), "nullable": False}
    )

    def to_contract(self) -> dict[str, Any]:
        """Back to the `tracker classify` JSON shape."""
        return contract_of(self)


class IncidentToken(SQLModel, table=True):
    """Syndication tokens of an incident (tracker.core.candidates.copy_tokens): two copies of
    one article share at least one, so the merge step finds copies dated apart by index."""

    __tablename__ = "incident_tokens"

    incident_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("incidents.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    token: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # The incident's copy sketch and shingle count (tracker.core.candidates.copy_sketch), on
    # every token row: the candidate query drops most reports that share a token but cannot
    # be copies without reading them. NULL on rows stored before 0015 (never filtered).
    sketch: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    shingles: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))

    # Covering: the token lookup reads the sketch and incident id from the index alone.
    __table_args__ = (
        Index("ix_incident_tokens_covering", "token", "shingles", "sketch", "incident_id"),
    )


class MergeTrace(SQLModel, table=True):
    """An event a report was eligible for (every report of it before this one compatible)
    when clustering placed it: with the report's own event, what decides whether new
    reports can change its place (tracker.core.increment). Indexed by event, to find the
    reports an event's growth may concern."""

    __tablename__ = "merge_traces"

    incident_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("incidents.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    event_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))

    __table_args__ = (Index("ix_merge_traces_event", "event_id"),)


class ShingleRank(SQLModel, table=True):
    """The fixed order of evidence shingles for syndication tokens: a shingle keeps the rank
    it got when first seen (later shingles rank higher and head the prefixes)."""

    __tablename__ = "shingle_ranks"
    # The next rank is max(rank) + 1, asked once per batch with new shingles: without this
    # index, a read of every shingle ever seen (a cost growing with history).
    __table_args__ = (Index("ix_shingle_ranks_rank", "rank"),)

    token: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    rank: int = Field(sa_column=Column(BigInteger, nullable=False))


class AlertDestination(SQLModel, table=True):
    """A place that receives alerts, from configuration (`source` config) or /subscribe (bot).

    `channel` and `address` say where, channel-neutrally (tracker.core.channels): for
    Telegram the address is the chat id in decimal, kept equal to `chat_id`, which the
    Telegram delivery still reads."""

    __tablename__ = "alert_destinations"
    __table_args__ = (
        Index("uq_alert_destinations_channel_address", "channel", "address", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Telegram's chat (and the console's stand-in 0); None on channels without chats.
    chat_id: int | None = Field(sa_column=Column(BigInteger, nullable=True, unique=True))
    channel: str = Field(default="telegram", max_length=16)
    address: str = Field(default="", max_length=2000)
    name: str = Field(default="", max_length=200)
    source: str = Field(default="config", max_length=16)
    active: bool = Field(default=True)
    filters: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    consecutive_failures: int = Field(default=0)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class OutboxRow(SQLModel, table=True):
    """One alert to deliver: (event, destination, kind) is unique, so nothing is sent twice.

    Keyed on the merged event (events.id), not on a report: five reports of one act are one
    alert, and reclassifying an item keeps its event (and so its alert).

    `status` is pending, sent, dead or skipped. `next_attempt_at` is both the retry time and
    the lease a sender takes before sending (compare-and-set), which keeps two instances
    from sending the same row.
    """

    __tablename__ = "alert_outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "destination_id", "kind", name="uq_alert_outbox_key"),
        Index("ix_alert_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=Column(Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    )
    destination_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("alert_destinations.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    kind: str = Field(default="immediate", max_length=16)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    edit_pending: bool = Field(default=False)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    message_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    content_hash: str | None = Field(default=None, max_length=64)
    plain: bool = Field(default=False)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The instance holding the row while it is in flight (its heartbeat is the lease
    # `instance:<id>` in `leases`), cleared when the row is given back; a live instance takes
    # over the claims of one whose heartbeat has run out.
    claimed_by: str | None = Field(default=None, max_length=200)
    # Set just before a message goes to Telegram and cleared with the outcome: a row found
    # with it set had an attempt whose outcome nobody recorded (a crash mid-send).
    attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EventRow(ContractColumns, table=True):
    """One hostile act merged from all its reports (incidents rows) across feeds.

    Values follow the classifier's contract. `report_keys` are the content-derived keys of its
    reports (so a recomputation can tell which stored event a new cluster continues, even after
    the reports' rows were replaced by a reclassification). `revision` grows whenever members
    or merged values change; `split_from` names the event a wrong merge was carved out of and
    `status` is active, merged (its reports now belong to `merged_into`) or gone: what an alert
    already sent for the event must be edited to say.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_status_date", "status", "event_date"),
        # Keyset pages of the read API (migration 0007_api): newest first, oldest first,
        # by last change.
        Index("ix_events_date_id", "event_date", "id"),
        Index("ix_events_updated_id", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default="active", max_length=16)
    revision: int = 1
    split_from: int | None = Field(default=None, index=True)
    merged_into: int | None = None
    source_count: int = 0
    report_count: int = 0
    report_keys: list[str] = Field(default_factory=list, sa_type=JSON)
    merge_reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    # An analyst's decision (review buttons): "confirmed" or "dismissed"; a dismissed event
    # leaves violation counts, digests and alerts not yet sent.
    review_status: str | None = Field(default=None, max_length=16)
    reviewed_by: str | None = Field(default=None, max_length=200)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)

    def to_contract(self) -> dict[str, Any]:
        """The event's merged values in the `tracker classify` JSON shape."""
        return contract_of(self)


# Newest first (the read API's default order), undated events last. SQLite sorts NULL first
# and cannot say NULLS LAST in an index, but DESC puts them last anyway (migration 0007_api).
Index(
    "ix_events_date_desc",
    col(EventRow.event_date).desc().nulls_last(),
    col(EventRow.id).desc(),
)


class DigestRun(SQLModel, table=True):
    """One digest for one destination and one period, recorded before it is sent.

    (kind, period_start, destination) is unique, so a job firing twice, a restart or a
    second instance finds the run already there and sends nothing. `status` is sending,
    sent, failed (refused after part of it was delivered) or unsent (refused before
    anything was delivered: the next run may take it again); `message_ids` are the Telegram
    messages delivered.
    """

    __tablename__ = "digest_runs"
    __table_args__ = (
        UniqueConstraint(
            "period_kind", "period_start", "destination_id", name="uq_digest_runs_period_dest"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_kind: str = Field(max_length=8)
    period_start: date
    destination_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("alert_destinations.id", ondelete="CASCADE"), nullable=False
        )
    )
    status: str = Field(default="sending", max_length=16)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    message_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Lease(SQLModel, table=True):
    """A job that only one instance may do at a time, who holds it, and how far it got.

    The bot's long polling is such a job: Telegram refuses a second concurrent getUpdates
    (409 Conflict), and two pollers with their own offsets would answer the same command
    twice. The holder renews `expires_at` while it works; another instance takes over once
    it has passed. `cursor` is the job's progress (the next update id), so the new holder
    goes on where the old one stopped instead of replaying or skipping updates.
    """

    __tablename__ = "leases"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    cursor: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


def contract_of(row: ContractColumns) -> dict[str, Any]:
    """An incident or event row in the `tracker classify` JSON shape (both store the same
    flattened columns)."""
    location = None
    if row.place_name is not None and row.lat is not None and row.lon is not None:
        location = {
            "name": row.place_name,
            "admin1": row.admin1 or "",
            "lat": row.lat,
            "lon": row.lon,
            "precision": row.location_precision,
        }
    return {
        "violation": row.violation,
        "event_type": row.event_type,
        "sub_event_type": row.sub_event_type,
        "date": row.event_date.isoformat() if row.event_date else None,
        "date_precision": row.date_precision,
        "location": location,
        "fatalities": row.fatalities,
        "fatalities_low": row.fatalities_low,
        "fatalities_high": row.fatalities_high,
        "injured": row.injured,
        "actors": row.actors,
        "agreements": row.agreements,
        "zones": row.zones,
        "severity": row.severity,
        "confidence": row.confidence,
        "reasons": row.reasons,
        "evidence": row.evidence,
    }


class Analyst(SQLModel, table=True):
    """An analyst who may sign in to the dashboard and review events (`tracker users add`).
    Only an argon2 hash of the password is stored."""

    __tablename__ = "analysts"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored, so a copy of
    the database signs no one in; `csrf` is the token every form of the session must echo."""

    __tablename__ = "web_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    analyst: str = Field(max_length=64)
    csrf: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)
