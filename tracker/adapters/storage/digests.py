"""Reads for digests: incidents by arrival time with their item, feed and analyst decision.

Rows become the core's plain records here, so the digest core never sees an ORM object.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, select
from sqlmodel import Session, col

from tracker.adapters.storage.models import AlertIncident, AlertReport, Feed, IncidentRow, Item
from tracker.core.digest import DecisionRecord, FeedRecord, IncidentRecord


class DigestStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def incidents_recorded(self, start: datetime, end: datetime) -> list[IncidentRecord]:
        """Incidents whose item was first seen in [start, end), oldest first."""
        query = (
            select(
                IncidentRow,
                col(Item.first_seen_at),
                col(Item.title),
                col(Item.url),
                col(Feed.name),
                col(Feed.url),
                col(AlertIncident.review_status),
            )
            .join(Item, col(Item.id) == col(IncidentRow.item_id))
            .join(Feed, col(Feed.id) == col(Item.feed_id))
            .outerjoin(
                AlertReport,
                and_(
                    col(AlertReport.item_id) == col(IncidentRow.item_id),
                    col(AlertReport.seq) == col(IncidentRow.seq),
                ),
            )
            .outerjoin(AlertIncident, col(AlertIncident.id) == col(AlertReport.incident_id))
            .where(col(Item.first_seen_at) >= start, col(Item.first_seen_at) < end)
            .order_by(col(Item.first_seen_at), col(IncidentRow.id))
        )
        with Session(self.engine) as session:
            return [_record(*row) for row in session.execute(query).all()]

    def feeds(self) -> list[FeedRecord]:
        with Session(self.engine) as session:
            rows = session.execute(select(Feed).order_by(col(Feed.id))).scalars().all()
            return [
                FeedRecord(
                    name=f.name or f.url,
                    url=f.url,
                    state=f.state,
                    enabled=f.enabled,
                    consecutive_errors=f.consecutive_errors,
                    last_error=f.last_error,
                    last_error_at=f.last_error_at,
                    last_success_at=f.last_success_at,
                )
                for f in rows
            ]

    def decisions(self, start: datetime, end: datetime) -> list[DecisionRecord]:
        """Analyst decisions (review buttons) taken in [start, end)."""
        query = (
            select(AlertIncident)
            .where(
                col(AlertIncident.reviewed_at).is_not(None),
                col(AlertIncident.reviewed_at) >= start,
                col(AlertIncident.reviewed_at) < end,
            )
            .order_by(col(AlertIncident.reviewed_at))
        )
        with Session(self.engine) as session:
            return [
                DecisionRecord(
                    incident_id=int(a.id or 0),
                    status=a.review_status or "",
                    by=a.reviewed_by or "",
                    at=a.reviewed_at,
                    event_type=a.event_type,
                    place_name=a.place_name,
                )
                for a in session.execute(query).scalars()
                if a.reviewed_at is not None
            ]


def _record(
    row: IncidentRow,
    first_seen_at: datetime,
    title: str,
    item_url: str | None,
    feed_name: str | None,
    feed_url: str,
    review_status: str | None,
) -> IncidentRecord:
    actors: tuple[dict[str, Any], ...] = tuple(a for a in row.actors or [] if isinstance(a, dict))
    return IncidentRecord(
        id=int(row.id or 0),
        item_id=row.item_id,
        recorded_at=first_seen_at,
        violation=row.violation,
        event_type=row.event_type,
        sub_event_type=row.sub_event_type,
        event_date=row.event_date,
        date_precision=row.date_precision,
        place_name=row.place_name,
        admin1=row.admin1,
        lat=row.lat,
        lon=row.lon,
        fatalities=row.fatalities,
        injured=row.injured,
        actors=actors,
        agreements=tuple(row.agreements or ()),
        zones=tuple(row.zones or ()),
        severity=row.severity,
        confidence=row.confidence,
        source_title=title,
        source_url=item_url,
        feed_name=feed_name or feed_url,
        review_status=review_status,
    )
