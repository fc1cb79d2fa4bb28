"""Digest storage: what digests read (merged events by arrival time, each with its first
report, its feed and the analyst's decision) and the digest runs that make each digest go
out once.

A digest counts events (one act reported by five outlets counts once), each recorded when
its first report came in. Rows become the core's plain records here, so the digest core
never sees an ORM object.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from tracker.adapters.storage.models import (
    AlertDestination,
    DigestRun,
    EventRow,
    Feed,
    IncidentRow,
    Item,
)
from tracker.core.digest import DecisionRecord, FeedRecord, IncidentRecord, failing_feeds

ACTIVE = "active"


class DigestStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def incidents_recorded(self, start: datetime, end: datetime) -> list[IncidentRecord]:
        """Active events whose first report's item was first seen in [start, end), oldest
        first, each with that first report as its source."""
        first_seen = func.min(col(Item.first_seen_at))
        arrived = (
            select(col(IncidentRow.event_id))
            .join(Item, col(Item.id) == col(IncidentRow.item_id))
            .where(col(IncidentRow.event_id).is_not(None))
            .group_by(col(IncidentRow.event_id))
            .having(first_seen >= start, first_seen < end)
        )
        return self._records(arrived)

    def incidents_dated(self, start: date, end: date) -> list[IncidentRecord]:
        """Active events dated in [start, end) however late they were reported (a digest by
        event date), oldest arrival first, each with its first report as its source."""
        dated = select(col(EventRow.id)).where(
            col(EventRow.event_date).is_not(None),
            col(EventRow.event_date) >= start,
            col(EventRow.event_date) < end,
        )
        return self._records(dated)

    def _records(self, event_ids: Any) -> list[IncidentRecord]:
        """The active events among `event_ids` (a subquery) as digest records."""
        reports = (
            select(
                col(IncidentRow.event_id),
                col(Item.id),
                col(Item.first_seen_at),
                col(Item.title),
                col(Item.url),
                col(Feed.name),
                col(Feed.url),
            )
            .join(Item, col(Item.id) == col(IncidentRow.item_id))
            .join(Feed, col(Feed.id) == col(Item.feed_id))
            .where(col(IncidentRow.event_id).in_(event_ids))
            .order_by(col(Item.first_seen_at), col(Item.id), col(IncidentRow.seq))
        )
        with Session(self.engine) as session:
            first: dict[int, tuple[Any, ...]] = {}
            for event_id, *rest in session.execute(reports).all():
                first.setdefault(int(event_id), tuple(rest))
            if not first:
                return []
            # By id alone, status checked here: with "AND status = 'active'" SQLite read
            # every active event through ix_events_status_date.
            events = session.execute(
                select(EventRow).where(col(EventRow.id).in_(list(first)))
            ).scalars()
            records = [_record(e, *first[int(e.id or 0)]) for e in events if e.status == ACTIVE]
        return sorted(records, key=lambda r: (r.recorded_at, r.id))

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

    def fingerprint(self) -> tuple[Any, ...]:
        """Cheap values that change whenever anything a digest shows changes: events (a new
        one, a revision, a retirement, an analyst's decision), incidents (a new report) and
        feeds (a rename, a state change, a failing feed's error). Two aggregate queries and
        the feeds list, far cheaper than building a digest; the rendered-digest cache is
        keyed on it."""
        with Session(self.engine) as session:
            events = session.execute(
                select(
                    func.count(col(EventRow.id)),
                    func.max(col(EventRow.id)),
                    func.coalesce(func.sum(col(EventRow.revision)), 0),
                    func.max(col(EventRow.updated_at)),
                    func.max(col(EventRow.reviewed_at)),
                    func.count(col(EventRow.review_status)),
                )
            ).one()
            incidents = session.execute(
                select(func.count(col(IncidentRow.id)), func.max(col(IncidentRow.id)))
            ).one()
        feeds = self.feeds()
        return (
            tuple(events),
            tuple(incidents),
            tuple((f.name, f.url, f.state, f.enabled) for f in feeds),
            failing_feeds(feeds),
        )

    def decisions(self, start: datetime, end: datetime) -> list[DecisionRecord]:
        """Analyst decisions (review buttons, stored on events) taken in [start, end)."""
        query = (
            select(EventRow)
            .where(
                col(EventRow.reviewed_at).is_not(None),
                col(EventRow.reviewed_at) >= start,
                col(EventRow.reviewed_at) < end,
            )
            .order_by(col(EventRow.reviewed_at))
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


class DigestRunStore:
    """Digest runs: one row per (period, destination), inserted before anything is sent."""

    def __init__(self, engine: Engine, allowed_chat_ids: Iterable[int] = ()) -> None:
        self.engine = engine
        self.allowed_chat_ids = frozenset(allowed_chat_ids)

    def digest_destinations(self) -> list[tuple[int, int]]:
        """(destination id, chat id) of the active destinations whose mode is digest or both,
        without subscriptions outside `allowed_chat_ids` when that list is not empty (kept,
        and sent to again once the list admits them; configured chats are always allowed)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(AlertDestination)
                .where(col(AlertDestination.active).is_(True))
                .order_by(col(AlertDestination.id))
            ).scalars()
            return [
                (int(d.id or 0), d.chat_id)
                for d in rows
                # Digests go to chats only (Telegram, console); other channels get alerts.
                if d.chat_id is not None
                and (d.filters or {}).get("mode", "immediate") in ("digest", "both")
                and (
                    not self.allowed_chat_ids
                    or d.chat_id in self.allowed_chat_ids
                    or d.source == "config"
                )
            ]

    def start_run(
        self, kind: str, start: date, destination_id: int, chat_id: int, now: datetime
    ) -> int | None:
        """Record the run; None when it is already recorded (sent, being sent, or failed after
        part of it went out) by this or another process: that is what keeps a digest from
        going out twice. A run Telegram refused before any of it was delivered ("unsent")
        is taken again, with a compare-and-set so only one sender gets it."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(DigestRun)
            .values(
                period_kind=kind,
                period_start=start,
                destination_id=destination_id,
                status="sending",
                chat_id=chat_id,
                message_ids=[],
                created_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=["period_kind", "period_start", "destination_id"]
            )
            .returning(col(DigestRun.id))
        )
        with Session(self.engine) as session:
            run_id = session.execute(stmt).scalar()
            if run_id is None:
                retry = (
                    update(DigestRun)
                    .where(
                        col(DigestRun.period_kind) == kind,
                        col(DigestRun.period_start) == start,
                        col(DigestRun.destination_id) == destination_id,
                        col(DigestRun.status) == "unsent",
                    )
                    .values(status="sending", chat_id=chat_id, created_at=now)
                    .returning(col(DigestRun.id))
                )
                run_id = session.execute(retry).scalar()
            session.commit()
            return int(run_id) if run_id is not None else None

    def finish_run(
        self,
        run_id: int,
        status: str,
        chat_id: int,
        message_ids: Sequence[int],
        error: str | None,
        now: datetime,
    ) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(DigestRun)
                .where(col(DigestRun.id) == run_id)
                .values(
                    status=status,
                    chat_id=chat_id,
                    message_ids=list(message_ids),
                    last_error=(error or None) and str(error)[:2000],
                    sent_at=now if status == "sent" else None,
                )
            )
            session.commit()

    def runs(self) -> list[DigestRun]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.execute(select(DigestRun).order_by(col(DigestRun.id))).scalars())


def _record(
    row: EventRow,
    item_id: int,
    first_seen_at: datetime,
    title: str,
    item_url: str | None,
    feed_name: str | None,
    feed_url: str,
) -> IncidentRecord:
    actors: tuple[dict[str, Any], ...] = tuple(a for a in row.actors or [] if isinstance(a, dict))
    return IncidentRecord(
        id=int(row.id or 0),
        item_id=int(item_id),
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
        review_status=row.review_status,
        decision=next((r for r in row.reasons or [] if isinstance(r, str)
                       and r.lower().startswith(("violation", "not a violation"))), ""),
    )
