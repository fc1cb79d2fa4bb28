"""The alert tables: incidents as alerts know them, destinations, the outbox, review decisions.

Every state change of a delivery is a short transaction here, so that a crash between any
two steps leaves the outbox telling the truth: a row is `sent` only once Telegram returned
a message id, and a row being sent is leased (its next_attempt_at pushed forward with a
compare-and-set) so a second instance or a second loop iteration leaves it alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from tracker.adapters.storage.models import (
    AlertDestination,
    AlertIncident,
    AlertReport,
    Feed,
    IncidentRow,
    Item,
    OutboxRow,
)
from tracker.core.alerts import (
    DISMISSED,
    AlertView,
    Decision,
    DestinationSpec,
    DigestJob,
    EventKey,
    Filters,
    Job,
    Report,
    Review,
    Source,
    event_key,
    matches,
    merge_reports,
    same_event,
)

PENDING, SENT, DEAD, SKIPPED = "pending", "sent", "dead", "skipped"
IMMEDIATE, DIGEST = "immediate", "digest"


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


class AlertStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _insert(self, model: type) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(model)

    # -- destinations ------------------------------------------------------------------------

    def sync_destinations(self, specs: Iterable[DestinationSpec], now: datetime) -> None:
        """Make the configured destinations active with their filters; configured chats no
        longer in the configuration are deactivated (self-service ones stay as they are)."""
        wanted = {s.chat_id: s for s in specs}
        with Session(self.engine) as session:
            existing = {d.chat_id: d for d in session.execute(select(AlertDestination)).scalars()}
            for chat_id, spec in wanted.items():
                dest = existing.get(chat_id)
                if dest is None:
                    dest = AlertDestination(chat_id=chat_id, created_at=now, updated_at=now)
                    session.add(dest)
                dest.name = spec.name
                dest.source = "config"
                dest.active = True
                dest.consecutive_failures = 0
                dest.filters = spec.filters.to_mapping()
                dest.updated_at = now
            for chat_id, dest in existing.items():
                if dest.source == "config" and chat_id not in wanted and dest.active:
                    dest.active = False
                    dest.last_error = "removed from the configuration"
                    dest.updated_at = now
            session.commit()

    def destination(self, chat_id: int) -> AlertDestination | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return (
                session.execute(
                    select(AlertDestination).where(col(AlertDestination.chat_id) == chat_id)
                )
                .scalars()
                .first()
            )

    def list_destinations(self) -> list[AlertDestination]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(AlertDestination).order_by(col(AlertDestination.id))
            return list(session.execute(query).scalars())

    def subscribe(self, chat_id: int, name: str, filters: Filters, now: datetime) -> str:
        """Self-service subscription; returns "created", "updated" or "configured" (a chat
        set up in the configuration, which /subscribe does not override)."""
        with Session(self.engine) as session:
            dest = (
                session.execute(
                    select(AlertDestination).where(col(AlertDestination.chat_id) == chat_id)
                )
                .scalars()
                .first()
            )
            if dest is not None and dest.source == "config" and dest.active:
                return "configured"
            outcome = "updated" if dest is not None else "created"
            if dest is None:
                dest = AlertDestination(chat_id=chat_id, created_at=now, updated_at=now)
                session.add(dest)
            dest.name, dest.source, dest.active = name, "bot", True
            dest.filters = filters.to_mapping()
            dest.consecutive_failures, dest.last_error, dest.updated_at = 0, None, now
            session.commit()
            return outcome

    def unsubscribe(self, chat_id: int, now: datetime) -> bool:
        with Session(self.engine) as session:
            result = session.execute(
                update(AlertDestination)
                .where(
                    col(AlertDestination.chat_id) == chat_id,
                    col(AlertDestination.source) == "bot",
                    col(AlertDestination.active).is_(True),
                )
                .values(active=False, last_error="unsubscribed", updated_at=now)
            )
            session.commit()
            return bool(_rowcount(result))

    def record_destination_ok(self, destination_id: int) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(AlertDestination)
                .where(
                    col(AlertDestination.id) == destination_id,
                    col(AlertDestination.consecutive_failures) != 0,
                )
                .values(consecutive_failures=0)
            )
            session.commit()

    def record_destination_failure(
        self, destination_id: int, error: str, threshold: int, now: datetime
    ) -> bool:
        """Count a refusal (blocked, kicked, chat not found); True when it deactivated the
        destination, whose undelivered alerts are then marked dead."""
        with Session(self.engine) as session:
            dest = session.get(AlertDestination, destination_id)
            if dest is None:
                return False
            dest.consecutive_failures += 1
            dest.last_error = error[:2000]
            dest.updated_at = now
            deactivated = dest.active and dest.consecutive_failures >= threshold
            if deactivated:
                dest.active = False
                session.execute(
                    update(OutboxRow)
                    .where(
                        col(OutboxRow.destination_id) == destination_id,
                        col(OutboxRow.status) == PENDING,
                    )
                    .values(status=DEAD, last_error=f"destination deactivated: {error}"[:2000])
                )
            session.commit()
            return bool(deactivated)

    def migrate_chat(self, destination_id: int, new_chat_id: int, now: datetime) -> None:
        """A group became a supergroup: the destination follows it to the new chat id."""
        with Session(self.engine) as session:
            clash = (
                session.execute(
                    select(AlertDestination).where(col(AlertDestination.chat_id) == new_chat_id)
                )
                .scalars()
                .first()
            )
            dest = session.get(AlertDestination, destination_id)
            if dest is None:
                return
            if clash is not None and clash.id != destination_id:
                # The new chat is already a destination of its own; this one is obsolete.
                dest.active = False
                dest.last_error = f"migrated to {new_chat_id}, which is already a destination"
            else:
                dest.chat_id = new_chat_id
            dest.updated_at = now
            session.commit()

    # -- the outbox writer (inside the classification transaction) ---------------------------

    def write_outbox(self, session: Session, item_ids: list[int], now: datetime) -> None:
        """Link each stored incident to an alert incident and queue it for every destination
        whose filters it passes. Runs in the transaction that stored the incidents.

        Reclassifying an item keeps its (item, seq) links, so its incidents are not queued
        again; a queued-and-sent incident whose reports changed is flagged for an edit.
        """
        rows = session.execute(
            select(IncidentRow, Item, col(Feed.name))
            .join(Item, col(Item.id) == col(IncidentRow.item_id))
            .join(Feed, col(Feed.id) == col(Item.feed_id))
            .where(col(IncidentRow.item_id).in_(item_ids))
            .order_by(col(IncidentRow.item_id), col(IncidentRow.seq))
        ).all()
        touched: dict[int, bool] = {}
        for incident, item, feed_name in rows:
            report = _report(incident, item, feed_name)
            incident_id = self._link(session, incident.item_id, incident.seq, report, now)
            touched[incident_id] = touched.get(incident_id, False) or bool(item.alert_eligible)
        if not touched:
            return
        destinations = list(
            session.execute(
                select(AlertDestination).where(col(AlertDestination.active).is_(True))
            ).scalars()
        )
        session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.incident_id).in_(list(touched)),
                col(OutboxRow.status) == SENT,
                col(OutboxRow.kind) == IMMEDIATE,
            )
            .values(edit_pending=True, next_attempt_at=now)
        )
        for incident_id, eligible in touched.items():
            view = self._view(session, incident_id)
            if view is None or not eligible:
                continue
            self._queue(session, view, destinations, now)

    def _link(self, session: Session, item_id: int, seq: int, report: Report, now: datetime) -> int:
        link = (
            session.execute(
                select(AlertReport).where(
                    col(AlertReport.item_id) == item_id, col(AlertReport.seq) == seq
                )
            )
            .scalars()
            .first()
        )
        if link is not None:
            return link.incident_id
        incident_id = self._find_same(session, item_id, event_key(report))
        if incident_id is None:
            key = event_key(report)
            row = AlertIncident(
                event_type=key.event_type,
                event_date=key.event_date,
                place_name=key.place_name,
                lat=key.lat,
                lon=key.lon,
                created_at=now,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            incident_id = row.id
        session.add(AlertReport(item_id=item_id, seq=seq, incident_id=incident_id))
        session.flush()
        return incident_id

    def _find_same(self, session: Session, item_id: int, key: EventKey) -> int | None:
        """An existing incident this report describes too (never one from the same item:
        the classifier already kept that item's incidents apart)."""
        if key.event_date is None:
            return None
        window = (key.event_date - timedelta(days=1), key.event_date + timedelta(days=1))
        same_item = select(col(AlertReport.incident_id)).where(col(AlertReport.item_id) == item_id)
        candidates = session.execute(
            select(AlertIncident)
            .where(
                col(AlertIncident.event_type) == key.event_type,
                col(AlertIncident.event_date).between(*window),
                col(AlertIncident.id).not_in(same_item),
            )
            .order_by(col(AlertIncident.id))
        ).scalars()
        for cand in candidates:
            other = EventKey(cand.event_type, cand.event_date, cand.place_name, cand.lat, cand.lon)
            if same_event(other, key):
                return cand.id
        return None

    def _queue(
        self,
        session: Session,
        view: AlertView,
        destinations: Sequence[AlertDestination],
        now: datetime,
    ) -> None:
        values: list[dict[str, Any]] = []
        for dest in destinations:
            filters = Filters.from_mapping(dest.filters)
            if not matches(filters, view):
                continue
            for kind in filters.kinds:
                values.append(
                    {
                        "incident_id": view.incident_id,
                        "destination_id": dest.id,
                        "kind": kind,
                        "status": PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "edit_pending": False,
                        "message_ids": [],
                        "plain": False,
                        "created_at": now,
                    }
                )
        if values:
            stmt = self._insert(OutboxRow).on_conflict_do_nothing(
                index_elements=["incident_id", "destination_id", "kind"]
            )
            session.execute(stmt, values)

    def _view(self, session: Session, incident_id: int) -> AlertView | None:
        incident = session.get(AlertIncident, incident_id)
        if incident is None:
            return None
        rows = session.execute(
            select(IncidentRow, Item, col(Feed.name))
            .join(
                AlertReport,
                (col(AlertReport.item_id) == col(IncidentRow.item_id))
                & (col(AlertReport.seq) == col(IncidentRow.seq)),
            )
            .join(Item, col(Item.id) == col(IncidentRow.item_id))
            .join(Feed, col(Feed.id) == col(Item.feed_id))
            .where(col(AlertReport.incident_id) == incident_id)
            .order_by(col(Item.first_seen_at), col(Item.id), col(IncidentRow.seq))
        ).all()
        if not rows:
            return None
        review = None
        if incident.review_status and incident.reviewed_at is not None:
            review = Review(
                incident.review_status, incident.reviewed_by or "?", incident.reviewed_at
            )
        reports = [_report(inc, item, feed_name) for inc, item, feed_name in rows]
        return merge_reports(incident_id, reports, review)

    # -- reading -----------------------------------------------------------------------------

    def views(self, incident_ids: Iterable[int]) -> dict[int, AlertView]:
        with Session(self.engine) as session:
            out = {}
            for incident_id in dict.fromkeys(incident_ids):
                view = self._view(session, incident_id)
                if view is not None:
                    out[incident_id] = view
            return out

    def latest(self, limit: int) -> list[AlertView]:
        """The latest incidents that are violations and not dismissed, newest first."""
        with Session(self.engine) as session:
            ids = session.execute(
                select(col(AlertIncident.id))
                .where(
                    (col(AlertIncident.review_status).is_(None))
                    | (col(AlertIncident.review_status) != DISMISSED)
                )
                .order_by(col(AlertIncident.id).desc())
                .limit(limit * 5)
            ).scalars()
            out = []
            for incident_id in ids:
                view = self._view(session, incident_id)
                if view is not None and view.violation:
                    out.append(view)
                if len(out) >= limit:
                    break
            return out

    def outbox_counts(self) -> dict[str, int]:
        with Session(self.engine) as session:
            counts = dict(
                session.execute(
                    select(col(OutboxRow.status), func.count()).group_by(col(OutboxRow.status))
                ).all()
            )
            edits = session.execute(
                select(func.count()).where(col(OutboxRow.edit_pending).is_(True))
            ).scalar_one()
        return {
            "pending": int(counts.get(PENDING, 0)),
            "sent": int(counts.get(SENT, 0)),
            "dead": int(counts.get(DEAD, 0)),
            "skipped": int(counts.get(SKIPPED, 0)),
            "edits_pending": int(edits),
        }

    def outbox(self) -> list[OutboxRow]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.execute(select(OutboxRow).order_by(col(OutboxRow.id))).scalars())

    # -- delivery ----------------------------------------------------------------------------

    def claim(
        self,
        now: datetime,
        lease_seconds: float,
        *,
        per_chat: int,
        limit: int = 500,
        busy_chats: frozenset[int] = frozenset(),
    ) -> list[Job]:
        """Lease due immediate rows (new sends and pending edits), at most `per_chat` per
        chat, skipping chats this process is already sending to."""
        lease_until = now + timedelta(seconds=lease_seconds)
        due = (col(OutboxRow.status) == PENDING) | (
            (col(OutboxRow.status) == SENT) & col(OutboxRow.edit_pending).is_(True)
        )
        with Session(self.engine) as session:
            rows = session.execute(
                select(OutboxRow, AlertDestination)
                .join(AlertDestination, col(AlertDestination.id) == col(OutboxRow.destination_id))
                .where(
                    due,
                    col(OutboxRow.kind) == IMMEDIATE,
                    col(OutboxRow.next_attempt_at) <= now,
                    col(AlertDestination.active).is_(True),
                )
                .order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id))
                .limit(limit)
            ).all()
            taken: dict[int, int] = {}
            jobs = []
            for row, dest in rows:
                chat = row.chat_id if row.status == SENT and row.chat_id else dest.chat_id
                if dest.chat_id in busy_chats or taken.get(dest.chat_id, 0) >= per_chat:
                    continue
                result = session.execute(
                    update(OutboxRow)
                    .where(col(OutboxRow.id) == row.id, col(OutboxRow.next_attempt_at) <= now)
                    .values(next_attempt_at=lease_until)
                    .execution_options(synchronize_session=False)
                )
                if _rowcount(result) != 1:
                    continue
                taken[dest.chat_id] = taken.get(dest.chat_id, 0) + 1
                assert row.id is not None and dest.id is not None
                jobs.append(
                    Job(
                        row_id=row.id,
                        incident_id=row.incident_id,
                        destination_id=dest.id,
                        chat_id=chat,
                        kind=row.kind,
                        edit=row.status == SENT,
                        attempts=row.attempts,
                        review=bool(dest.filters.get("review")),
                        message_ids=tuple(row.message_ids or ()),
                        content_hash=row.content_hash,
                        plain=row.plain,
                    )
                )
            session.commit()
            return jobs

    def record_sent(
        self,
        row_id: int,
        chat_id: int,
        message_ids: Sequence[int],
        content_hash: str,
        plain: bool,
        now: datetime,
    ) -> None:
        self._update_row(
            row_id,
            status=SENT,
            chat_id=chat_id,
            message_ids=list(message_ids),
            content_hash=content_hash,
            plain=plain,
            sent_at=now,
            edit_pending=False,
            last_error=None,
            attempts=0,
        )

    def record_progress(self, row_id: int, message_ids: Sequence[int], plain: bool) -> None:
        """Parts of a multi-part alert already delivered, so a retry sends only the rest."""
        self._update_row(row_id, message_ids=list(message_ids), plain=plain)

    def record_edited(self, row_id: int, message_ids: Sequence[int], content_hash: str) -> None:
        self._update_row(
            row_id,
            message_ids=list(message_ids),
            content_hash=content_hash,
            edit_pending=False,
            attempts=0,
        )

    def record_retry(
        self, row_id: int, next_at: datetime, error: str, *, count_attempt: bool
    ) -> None:
        values: dict[str, Any] = {"next_attempt_at": next_at, "last_error": error[:2000]}
        if count_attempt:
            values["attempts"] = col(OutboxRow.attempts) + 1
        self._update_row(row_id, **values)

    def record_dead(self, row_id: int, error: str, *, edit: bool = False) -> None:
        """A send that gave up is dead; an edit that gave up leaves the sent message as is."""
        if edit:
            self._update_row(row_id, edit_pending=False, last_error=f"edit failed: {error}"[:2000])
        else:
            self._update_row(
                row_id, status=DEAD, attempts=col(OutboxRow.attempts) + 1, last_error=error[:2000]
            )

    def record_skipped(self, row_id: int, reason: str) -> None:
        self._update_row(row_id, status=SKIPPED, last_error=reason)

    def _update_row(self, row_id: int, **values: Any) -> None:
        with Session(self.engine) as session:
            session.execute(update(OutboxRow).where(col(OutboxRow.id) == row_id).values(**values))
            session.commit()

    # -- digests -----------------------------------------------------------------------------

    def claim_digests(
        self, now: datetime, interval: timedelta, lease_seconds: float
    ) -> list[DigestJob]:
        """Destinations whose digest is due and has something in it, leased by moving their
        next digest time forward (compare-and-set); a first digest is due one interval after
        the destination was created."""
        lease_until = now + timedelta(seconds=lease_seconds)
        with Session(self.engine) as session:
            dests = list(
                session.execute(
                    select(AlertDestination).where(col(AlertDestination.active).is_(True))
                ).scalars()
            )
            jobs = []
            for dest in dests:
                due_at = dest.next_digest_at or (dest.created_at + interval)
                if due_at > now:
                    continue
                rows = session.execute(
                    select(col(OutboxRow.id), col(OutboxRow.incident_id))
                    .where(
                        col(OutboxRow.destination_id) == dest.id,
                        col(OutboxRow.kind) == DIGEST,
                        col(OutboxRow.status) == PENDING,
                    )
                    .order_by(col(OutboxRow.id))
                ).all()
                if not rows:
                    continue
                old = dest.next_digest_at
                guard = (
                    col(AlertDestination.next_digest_at).is_(None)
                    if old is None
                    else col(AlertDestination.next_digest_at) == old
                )
                result = session.execute(
                    update(AlertDestination)
                    .where(col(AlertDestination.id) == dest.id, guard)
                    .values(next_digest_at=lease_until)
                    .execution_options(synchronize_session=False)
                )
                if _rowcount(result) != 1:
                    continue
                assert dest.id is not None
                jobs.append(
                    DigestJob(
                        dest.id,
                        dest.chat_id,
                        tuple(int(r[0]) for r in rows),
                        tuple(int(r[1]) for r in rows),
                    )
                )
            session.commit()
            return jobs

    def finish_digest(
        self,
        job: DigestJob,
        next_at: datetime,
        now: datetime,
        sent_row_ids: Sequence[int],
        skipped_row_ids: Sequence[int],
        message_ids: Sequence[int],
    ) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(AlertDestination)
                .where(col(AlertDestination.id) == job.destination_id)
                .values(next_digest_at=next_at)
            )
            if sent_row_ids:
                session.execute(
                    update(OutboxRow)
                    .where(col(OutboxRow.id).in_(list(sent_row_ids)))
                    .values(
                        status=SENT, chat_id=job.chat_id, message_ids=list(message_ids), sent_at=now
                    )
                )
            if skipped_row_ids:
                session.execute(
                    update(OutboxRow)
                    .where(col(OutboxRow.id).in_(list(skipped_row_ids)))
                    .values(status=SKIPPED, last_error="dismissed by an analyst")
                )
            session.commit()

    def postpone_digest(self, destination_id: int, next_at: datetime) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(AlertDestination)
                .where(col(AlertDestination.id) == destination_id)
                .values(next_digest_at=next_at)
            )
            session.commit()

    # -- review ------------------------------------------------------------------------------

    def decide(self, incident_id: int, status: str, by: str, now: datetime) -> Decision | None:
        """Store an analyst's decision once; a repeated press returns the first decision.

        A dismissal also withdraws the incident's alerts not yet sent, and every sent message
        of the incident is flagged for an edit that shows the decision.
        """
        with Session(self.engine) as session:
            result = session.execute(
                update(AlertIncident)
                .where(
                    col(AlertIncident.id) == incident_id,
                    col(AlertIncident.review_status).is_(None),
                )
                .values(review_status=status, reviewed_by=by[:200], reviewed_at=now)
            )
            applied = _rowcount(result) == 1
            incident = session.get(AlertIncident, incident_id)
            if incident is None or incident.review_status is None:
                return None
            if applied:
                if status == DISMISSED:
                    session.execute(
                        update(OutboxRow)
                        .where(
                            col(OutboxRow.incident_id) == incident_id,
                            col(OutboxRow.status) == PENDING,
                        )
                        .values(status=SKIPPED, last_error="dismissed by an analyst")
                    )
                session.execute(
                    update(OutboxRow)
                    .where(
                        col(OutboxRow.incident_id) == incident_id,
                        col(OutboxRow.status) == SENT,
                        col(OutboxRow.kind) == IMMEDIATE,
                    )
                    .values(edit_pending=True, next_attempt_at=now)
                )
            review = Review(
                incident.review_status,
                incident.reviewed_by or "?",
                incident.reviewed_at or now,
            )
            session.commit()
            return Decision(applied, review)


def _report(incident: IncidentRow, item: Item, feed_name: str | None) -> Report:
    source = Source(title=item.title or "", url=item.url, feed=feed_name)
    return Report.from_contract(incident.to_contract(), source)
