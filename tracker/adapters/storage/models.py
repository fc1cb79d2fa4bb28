"""Tables. Feed state lives here (not in memory) so that restarts and several instances agree
on what is due and what was already stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
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
