"""The events table: reports (incident rows) merged into one row per hostile act.

Recomputation is local: only the reports that could interact with the changed items (the
compatibility closure within a window of days) are clustered again, in one transaction, and
the result is reconciled with the stored events so that ids stay stable and splits and
absorptions are recorded for whoever announced the old event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, text, update
from sqlmodel import Session, col

from tracker.adapters.storage.models import EventRow, Feed, IncidentRow, Item
from tracker.core.merge import (
    EventChanges,
    MergedEvent,
    Placement,
    Report,
    compatibility_closure,
    date_span,
    incident_from_contract,
    merge_all,
    reconcile,
)

ACTIVE, MERGED, GONE = "active", "merged", "gone"
# Reports this many days either side of a changed report are candidates for its event:
# enough for month-precision dates, whose span is a month from their first day.
WINDOW_DAYS = 40
YEAR_WINDOW_DAYS = 370
# Serialises recomputation across instances on PostgreSQL (SQLite has one writer anyway).
_LOCK_ID = 0x45564E54


def report_key(item: Item, seq: int) -> str:
    """Content first (URL, else text hash), so that sorting by key never follows arrival."""
    return f"{item.url or 'hash:' + item.content_hash}#{seq}#{item.id}"


def to_report(row: IncidentRow, item: Item, outlet: str | None) -> Report:
    return Report(
        key=report_key(item, row.seq),
        incident=incident_from_contract(row.to_contract()),
        origin=f"item:{item.id}",
        url=item.url,
        title=item.title,
        content_hash=item.content_hash,
        outlet=outlet,
    )


def event_values(event: MergedEvent) -> dict[str, Any]:
    """The columns an event row takes from its merged incident."""
    inc = event.incident
    loc = inc.location
    return {
        "violation": inc.violation,
        "event_type": inc.event_type,
        "sub_event_type": inc.sub_event_type,
        "event_date": inc.date,
        "date_precision": inc.date_precision,
        "place_name": loc.name if loc else None,
        "admin1": loc.admin1 if loc else None,
        "lat": loc.lat if loc else None,
        "lon": loc.lon if loc else None,
        "location_precision": loc.precision if loc else None,
        "fatalities": inc.fatalities,
        "fatalities_low": inc.fatalities_low,
        "fatalities_high": inc.fatalities_high,
        "injured": inc.injured,
        "actors": [a.to_dict() for a in inc.actors],
        "agreements": list(inc.agreements),
        "zones": list(inc.zones),
        "severity": inc.severity,
        "confidence": inc.confidence,
        "reasons": list(inc.reasons),
        "evidence": list(inc.evidence),
        "source_count": event.source_count,
        "report_count": len(event.reports),
        "report_keys": sorted(event.keys),
        "merge_reasons": list(event.merge_reasons),
    }


def _row_id(key: str) -> tuple[int, int]:
    """(item id, seq) back from a report key."""
    _, seq, item_id = key.rsplit("#", 2)
    return int(item_id), int(seq)


# Called inside the transaction that recomputed events (session, the items, what changed,
# now): the alert outbox is written there, so events and alerts never disagree.
EventChangeHook = Callable[[Session, Sequence[int], EventChanges, datetime], None]


class EventStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.change_hooks: list[EventChangeHook] = []

    # -- reading -------------------------------------------------------------------------

    def _reports(self, session: Session, *conditions: Any) -> dict[str, tuple[Report, int | None]]:
        query = (
            select(IncidentRow, Item, col(Feed.name))
            .join(Item, col(Item.id) == col(IncidentRow.item_id))
            .join(Feed, col(Feed.id) == col(Item.feed_id))
            .where(*conditions)
        )
        found: dict[str, tuple[Report, int | None]] = {}
        for row, item, outlet in session.execute(query).all():
            report = to_report(row, item, outlet)
            found[report.key] = (report, row.event_id)
        return found

    def _window(self, session: Session, seeds: Iterable[Report]) -> dict[str, tuple[Report, Any]]:
        """Every report dated near the seeds, of the seeds' kinds."""
        spans = [s for s in (date_span(r.incident) for r in seeds) if s is not None]
        kinds = sorted({r.incident.event_type for r in seeds})
        if not spans or not kinds:
            return {}
        wide = any(r.incident.date_precision >= 5 for r in seeds)
        margin = timedelta(days=YEAR_WINDOW_DAYS if wide else WINDOW_DAYS)
        low = min(s[0] for s in spans) - margin
        high = max(s[1] for s in spans) + margin
        return self._reports(
            session,
            col(IncidentRow.event_type).in_(kinds),
            col(IncidentRow.event_date) >= low,
            col(IncidentRow.event_date) <= high,
        )

    def _events_near(self, session: Session, reports: Iterable[Report]) -> list[EventRow]:
        """Active events dated near the reports (one may hold a report since reclassified)."""
        days = [r.incident.date for r in reports if r.incident.date is not None]
        if not days:
            return []
        low = min(days) - timedelta(days=YEAR_WINDOW_DAYS)
        high = max(days) + timedelta(days=YEAR_WINDOW_DAYS)
        query = select(EventRow).where(
            col(EventRow.status) == ACTIVE,
            or_(
                col(EventRow.event_date).is_(None),
                and_(col(EventRow.event_date) >= low, col(EventRow.event_date) <= high),
            ),
        )
        return list(session.execute(query).scalars())

    def _scope(
        self, session: Session, item_ids: Sequence[int]
    ) -> tuple[list[Report], dict[int, EventRow]]:
        """The closed set of reports to cluster again and the stored events it touches."""
        seeds = {k: v[0] for k, v in self._reports(session, col(Item.id).in_(item_ids)).items()}
        origins = {f"#{i}" for i in item_ids}
        events: dict[int, EventRow] = {}
        closed: dict[str, Report] = {}
        pending = dict(seeds)
        for _ in range(10):  # the loop settles in two rounds in practice
            pool = self._window(session, pending.values())
            linked = {k: v[0] for k, v in pool.items()}
            for report in compatibility_closure(pending.values(), linked.values()):
                closed[report.key] = report
            touched = {pool[k][1] for k in closed if k in pool and pool[k][1] is not None}
            for event in self._events_near(session, closed.values()):
                if event.id in touched or any(
                    k.endswith(tuple(origins)) for k in event.report_keys
                ):
                    assert event.id is not None
                    events[event.id] = event
            extra = self._members(session, events, exclude=closed)
            if not extra:
                break
            pending = {**closed, **extra}
        return sorted(closed.values(), key=lambda r: r.key), events

    def _members(
        self, session: Session, events: dict[int, EventRow], exclude: dict[str, Report]
    ) -> dict[str, Report]:
        if not events:
            return {}
        rows = self._reports(session, col(IncidentRow.event_id).in_(list(events)))
        return {k: v[0] for k, v in rows.items() if k not in exclude}

    # -- writing -------------------------------------------------------------------------

    def recompute(self, item_ids: Sequence[int], now: datetime) -> EventChanges:
        """Cluster again what the items' incidents could belong to, and store the result (and
        whatever the change hooks write) in one transaction of its own."""
        if not item_ids:
            return EventChanges()
        with Session(self.engine) as session:
            changes = self.recompute_in(session, item_ids, now)
            session.commit()
            return changes

    def recompute_in(
        self, session: Session, item_ids: Sequence[int], now: datetime
    ) -> EventChanges:
        """`recompute` inside the caller's transaction (the classification hook): the
        incidents just stored, their events and the change hooks' rows commit together."""
        if not item_ids:
            return EventChanges()
        if self.engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        session.flush()
        reports, events = self._scope(session, item_ids)
        old = {eid: frozenset(e.report_keys) for eid, e in events.items()}
        plan = reconcile(old, merge_all(reports))
        changes = EventChanges(reports=len(reports))
        for placement in plan.placements:
            self._place(session, placement, events, now, changes)
        for event_id, heir in plan.retired.items():
            self._retire(session, events[event_id], heir, now)
            changes.retired.append(event_id)
        session.flush()
        for hook in self.change_hooks:
            hook(session, item_ids, changes, now)
        return changes

    def _place(
        self,
        session: Session,
        placement: Placement,
        events: dict[int, EventRow],
        now: datetime,
        changes: EventChanges,
    ) -> None:
        values = event_values(placement.event)
        if placement.event_id is None:
            row = EventRow(
                **values, split_from=placement.split_from, created_at=now, updated_at=now
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            changes.created.append(row.id)
            if placement.split_from is not None:
                changes.split.append((row.id, placement.split_from))
        else:
            row = events[placement.event_id]
            if any(getattr(row, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.revision += 1
                row.updated_at = now
                assert row.id is not None
                changes.updated.append(row.id)
        self._link(session, row.id, placement.event.keys)

    def _link(self, session: Session, event_id: int | None, keys: Iterable[str]) -> None:
        for item_id, seq in (_row_id(k) for k in keys):
            session.execute(
                update(IncidentRow)
                .where(col(IncidentRow.item_id) == item_id, col(IncidentRow.seq) == seq)
                .values(event_id=event_id)
            )

    def _retire(self, session: Session, row: EventRow, heir: int | None, now: datetime) -> None:
        """An event whose reports all went elsewhere (or vanished) stays, marked, for alerts."""
        row.status = MERGED if heir is not None else GONE
        row.merged_into = heir
        row.revision += 1
        row.updated_at = now
        row.report_keys = []
        row.report_count = 0
        row.source_count = 0

    # -- queries for the command line ---------------------------------------------------

    def unlinked_item_ids(self, limit: int = 10_000) -> list[int]:
        """Items with incidents in no event yet (events never computed, or a crash)."""
        with Session(self.engine) as session:
            query = (
                select(col(IncidentRow.item_id))
                .where(col(IncidentRow.event_id).is_(None))
                .group_by(col(IncidentRow.item_id))
                .order_by(col(IncidentRow.item_id))
                .limit(limit)
            )
            return [int(i) for i in session.execute(query).scalars()]

    def list_events(self, since: date | None = None) -> list[EventRow]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(EventRow).where(col(EventRow.status) == ACTIVE)
            if since is not None:
                query = query.where(col(EventRow.event_date) >= since)
            query = query.order_by(col(EventRow.event_date).desc(), col(EventRow.id))
            return list(session.execute(query).scalars())

    def get_event(self, event_id: int) -> EventRow | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(EventRow, event_id)

    def sources(self, event_ids: Sequence[int]) -> dict[int, list[str]]:
        """Report URLs per event, in report order."""
        found: dict[int, list[str]] = {i: [] for i in event_ids}
        if not event_ids:
            return found
        with Session(self.engine) as session:
            query = (
                select(col(IncidentRow.event_id), col(Item.url))
                .join(Item, col(Item.id) == col(IncidentRow.item_id))
                .where(col(IncidentRow.event_id).in_(list(event_ids)))
                .order_by(col(Item.url))
            )
            for event_id, url in session.execute(query).all():
                if url and url not in found[event_id]:
                    found[event_id].append(url)
        return found

    def reports_of(self, event_id: int) -> list[tuple[IncidentRow, Item, str | None]]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = (
                select(IncidentRow, Item, col(Feed.name))
                .join(Item, col(Item.id) == col(IncidentRow.item_id))
                .join(Feed, col(Feed.id) == col(Item.feed_id))
                .where(col(IncidentRow.event_id) == event_id)
                .order_by(col(Item.url), col(IncidentRow.seq))
            )
            return [(r, i, n) for r, i, n in session.execute(query).all()]

    def event_counts(self) -> dict[str, int]:
        """Totals of merged events for /status: what a user counts as "incidents".

        The per-report totals next to them count every report; these count each event once
        however many feeds reported it, and leave out events an analyst dismissed.
        """
        active = col(EventRow.status) == ACTIVE
        with Session(self.engine) as session:
            query = select(
                func.count(),
                func.count().filter(
                    col(EventRow.violation).is_(True),
                    or_(
                        col(EventRow.review_status).is_(None),
                        col(EventRow.review_status) != "dismissed",
                    ),
                ),
                func.count().filter(col(EventRow.review_status) == "confirmed"),
                func.count().filter(col(EventRow.review_status) == "dismissed"),
            ).where(active)
            total, violations, confirmed, dismissed = session.execute(query).one()
        return {
            "events": int(total),
            "event_violations": int(violations),
            "events_confirmed": int(confirmed),
            "events_dismissed": int(dismissed),
        }
