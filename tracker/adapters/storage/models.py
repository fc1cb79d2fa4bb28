"""Tables. Feed state lives here (not in memory) so that restarts and several instances agree
on what is due and what was already stored."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.adapters.storage.types import UTCDateTime


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


class IncidentRow(SQLModel, table=True):
    """One incident read from one item (the classifier's JSON contract, flattened).

    `seq` orders the incidents of an item; (item_id, seq) is unique so that reclassifying an
    item replaces its incidents instead of adding to them.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("item_id", "seq", name="uq_incidents_item_seq"),
        Index("ix_incidents_violation_date", "violation", "event_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    seq: int = 0
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
    created_at: datetime = Field(sa_type=UTCDateTime)

    def to_contract(self) -> dict[str, Any]:
        """Back to the `tracker classify` JSON shape."""
        location = None
        if self.place_name is not None and self.lat is not None and self.lon is not None:
            location = {
                "name": self.place_name,
                "admin1": self.admin1 or "",
                "lat": self.lat,
                "lon": self.lon,
                "precision": self.location_precision,
            }
        return {
            "violation": self.violation,
            "event_type": self.event_type,
            "sub_event_type": self.sub_event_type,
            "date": self.event_date.isoformat() if self.event_date else None,
            "date_precision": self.date_precision,
            "location": location,
            "fatalities": self.fatalities,
            "fatalities_low": self.fatalities_low,
            "fatalities_high": self.fatalities_high,
            "injured": self.injured,
            "actors": self.actors,
            "agreements": self.agreements,
            "zones": self.zones,
            "severity": self.severity,
            "confidence": self.confidence,
            "reasons": self.reasons,
            "evidence": self.evidence,
        }
