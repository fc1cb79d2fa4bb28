"""The alert tables: destinations, the outbox (one row per event and destination) and the
analysts' decisions (stored on the event).

Every state change of a delivery is a short transaction here, so that a crash between any
two steps leaves the outbox telling the truth: a row is `sent` only once Telegram returned
a message id, and a row being sent is leased (its next_attempt_at pushed forward with a
compare-and-set) so a second instance or a second loop iteration leaves it alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from tracker.adapters.storage.db import upsert_insert
from tracker.adapters.storage.models import (
    AlertDestination,
    EventRow,
    Feed,
    IncidentRow,
    Item,
    Lease,
    OutboxRow,
)
from tracker.core.alerts import (
    ACTIVE,
    DISMISSED,
    INSTANCE_LEASE_PREFIX,
    AlertView,
    Decision,
    DestinationSpec,
    Filters,
    Job,
    Review,
    Source,
    event_view,
    matches,
)
from tracker.core.channels import CHAT_CHANNELS, TELEGRAM, telegram_address
from tracker.core.merge import EventChanges

PENDING, SENT, DEAD, SKIPPED = "pending", "sent", "dead", "skipped"
IMMEDIATE = "immediate"


def _unindexed(column: Any) -> Any:
    """The column as an expression no index serves (``status || ''``): with an equality on
    the bare status, SQLite chose ix_alert_outbox_due and read every sent alert ever,
    instead of the few rows of the events at hand (the unique key starts with event_id)."""
    return column.concat("")


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


class AlertStore:
    def __init__(self, engine: Engine, allowed_chat_ids: Iterable[int] = ()) -> None:
        """`allowed_chat_ids` (telegram.allowed_chat_ids): when not empty, subscriptions in
        other chats are kept but get nothing queued or sent until the list admits them
        (configured destinations are always allowed)."""
        self.engine = engine
        self.allowed_chat_ids = frozenset(allowed_chat_ids)

    def _admitted(self) -> list[Any]:
        """The WHERE clause that keeps subscriptions outside the allow-list out (none when
        the list is empty)."""
        if not self.allowed_chat_ids:
            return []
        return [
            col(AlertDestination.chat_id).in_(sorted(self.allowed_chat_ids))
            | (col(AlertDestination.source) == "config")
        ]

    def excluded_destinations(self) -> list[AlertDestination]:
        """Active destinations the allow-list leaves out (for the log)."""
        if not self.allowed_chat_ids:
            return []
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(AlertDestination).where(
                col(AlertDestination.active).is_(True),
                col(AlertDestination.chat_id).not_in(sorted(self.allowed_chat_ids)),
                col(AlertDestination.source) != "config",
            )
            return list(session.execute(query.order_by(col(AlertDestination.id))).scalars())

    def _insert(self, model: type) -> Any:
        return upsert_insert(self.engine, model)

    # -- destinations ------------------------------------------------------------------------

    def sync_destinations(self, specs: Iterable[DestinationSpec], now: datetime) -> None:
        """Make the configured destinations active with their filters; configured ones no
        longer in the configuration are deactivated (self-service ones stay as they are).
        Destinations are matched on (channel, address), so chats and URLs share one table."""
        wanted = {s.key(): s for s in specs}
        with Session(self.engine) as session:
            existing = {
                (d.channel, d.address): d
                for d in session.execute(select(AlertDestination)).scalars()
            }
            for key, spec in wanted.items():
                dest = existing.get(key)
                if dest is None:
                    dest = AlertDestination(
                        chat_id=spec.chat_id,
                        channel=key[0],
                        address=key[1],
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(dest)
                dest.name = spec.name
                dest.source = "config"
                dest.active = True
                dest.consecutive_failures = 0
                dest.filters = spec.filters.to_mapping()
                dest.updated_at = now
            for key, dest in existing.items():
                if dest.source == "config" and key not in wanted and dest.active:
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
                dest = AlertDestination(
                    chat_id=chat_id,
                    channel=TELEGRAM,
                    address=telegram_address(chat_id),
                    created_at=now,
                    updated_at=now,
                )
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
                dest.address = telegram_address(new_chat_id)
            dest.updated_at = now
            session.commit()

    # -- the outbox writer (inside the classification transaction) ---------------------------

    def write_outbox(
        self, session: Session, item_ids: Sequence[int], changes: EventChanges, now: datetime
    ) -> None:
        """Queue every event the items' incidents now belong to for each destination whose
        filters it passes, and flag sent alerts of changed events for an edit.

        Runs in the transaction that stored the incidents and recomputed their events
        (`EventStore.change_hooks`), so incidents, events and outbox rows commit together or
        not at all. Rows are unique per (event, destination, kind): reclassifying an item or
        a new report of a known event never queues it again. An event is alerted when one of
        its reports comes from an item fresh enough to alert (`Item.alert_eligible`).
        """
        linked = session.execute(
            select(col(IncidentRow.event_id))
            .where(
                col(IncidentRow.item_id).in_(list(item_ids)), col(IncidentRow.event_id).is_not(None)
            )
            .distinct()
        ).scalars()
        touched = {int(e) for e in linked}
        touched |= set(changes.created) | set(changes.updated) | set(changes.retired)
        touched |= {origin for _, origin in changes.split}
        if not touched:
            return
        # Anything material (sources, toll, a split or merge) changed the rendered message;
        # an edit whose text comes out the same is recorded without calling Telegram.
        session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.event_id).in_(list(touched)),
                _unindexed(col(OutboxRow.status)) == SENT,
                col(OutboxRow.kind) == IMMEDIATE,
            )
            .values(edit_pending=True, next_attempt_at=now)
        )
        retired = [e for e in touched if e in set(changes.retired)]
        if retired:
            session.execute(
                update(OutboxRow)
                .where(
                    col(OutboxRow.event_id).in_(retired),
                    _unindexed(col(OutboxRow.status)) == PENDING,
                )
                .values(status=SKIPPED, last_error="merged into another incident before sending")
            )
        destinations = list(
            session.execute(
                select(AlertDestination).where(
                    col(AlertDestination.active).is_(True), *self._admitted()
                )
            ).scalars()
        )
        if not destinations:
            return  # nowhere to queue: no event needs its view read
        # One query for which events may alert, before any view (every source) is read.
        for event_id in sorted(self._eligible_of(session, touched)):
            view = self._view(session, event_id)
            if view is None or not view.active:
                continue
            self._queue(session, view, destinations, now)

    def _eligible_of(self, session: Session, event_ids: Iterable[int]) -> set[int]:
        """Those of the events with a report from an item fresh enough to alert."""
        found: set[int] = set()
        ids = sorted(event_ids)
        for start in range(0, len(ids), 500):
            query = (
                select(col(IncidentRow.event_id))
                .join(Item, col(Item.id) == col(IncidentRow.item_id))
                .where(
                    col(IncidentRow.event_id).in_(ids[start : start + 500]),
                    col(Item.alert_eligible).is_(True),
                )
                .distinct()
            )
            found.update(int(e) for e in session.execute(query).scalars())
        return found

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
            if filters.mode == "digest" or not matches(filters, view):
                continue
            values.append(
                {
                    "event_id": view.event_id,
                    "destination_id": dest.id,
                    "kind": IMMEDIATE,
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
                index_elements=["event_id", "destination_id", "kind"]
            )
            session.execute(stmt, values)

    def _view(self, session: Session, event_id: int) -> AlertView | None:
        event = session.get(EventRow, event_id)
        if event is None:
            return None
        rows = session.execute(
            select(col(Item.title), col(Item.url), col(Feed.name))
            .select_from(IncidentRow)
            .join(Item, col(Item.id) == col(IncidentRow.item_id))
            .join(Feed, col(Feed.id) == col(Item.feed_id))
            .where(col(IncidentRow.event_id) == event_id)
            .order_by(col(Item.first_seen_at), col(Item.id), col(IncidentRow.seq))
        ).all()
        if not rows and event.status == ACTIVE:
            return None
        split_into = session.execute(
            select(col(EventRow.id)).where(col(EventRow.split_from) == event_id)
        ).scalars()
        review = None
        if event.review_status and event.reviewed_at is not None:
            review = Review(event.review_status, event.reviewed_by or "?", event.reviewed_at)
        sources = [Source(title or "", url, feed) for title, url, feed in rows]
        return event_view(
            event_id,
            event.to_contract(),
            sources,
            review=review,
            status=event.status,
            merged_into=event.merged_into,
            split_from=event.split_from,
            split_into=[int(i) for i in split_into],
            source_count=event.source_count,
        )

    # -- reading -----------------------------------------------------------------------------

    def views(self, event_ids: Iterable[int]) -> dict[int, AlertView]:
        with Session(self.engine) as session:
            out = {}
            for event_id in dict.fromkeys(event_ids):
                view = self._view(session, event_id)
                if view is not None:
                    out[event_id] = view
            return out

    def latest(self, limit: int) -> list[AlertView]:
        """The latest events that are violations and not dismissed, newest first."""
        with Session(self.engine) as session:
            ids = session.execute(
                select(col(EventRow.id))
                .where(
                    col(EventRow.status) == ACTIVE,
                    col(EventRow.violation).is_(True),
                    (col(EventRow.review_status).is_(None))
                    | (col(EventRow.review_status) != DISMISSED),
                )
                .order_by(col(EventRow.id).desc())
                .limit(limit)
            ).scalars()
            out = []
            for event_id in list(ids):
                view = self._view(session, event_id)
                if view is not None:
                    out.append(view)
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

    # -- delivery ----------------------------------------------------------------------------

    def claim(
        self,
        now: datetime,
        lease_seconds: float,
        *,
        per_chat: int,
        limit: int = 500,
        busy_chats: frozenset[int] = frozenset(),
        instance: str = "",
        take_over: bool = False,
        channels: Collection[str] = CHAT_CHANNELS,
    ) -> list[Job]:
        """Lease due immediate rows (new sends and pending edits), at most `per_chat` per
        chat, skipping chats this process is already sending to.

        A claimed row names its `instance`. Rows still claimed are taken as well when their
        claimant is this instance (a sender of ours that stopped early, e.g. on a storage
        error) or, with `take_over`, an instance whose heartbeat lease has run out (it died):
        that is what lets a live instance resume a dead one's alerts within seconds instead
        of waiting out `lease_seconds`.

        Only rows of destinations on `channels` are taken (each channel has its own sender;
        chat channels by default), and `per_chat` applies per address on chatless ones.
        """
        lease_until = now + timedelta(seconds=lease_seconds)
        due = (col(OutboxRow.status) == PENDING) | (
            (col(OutboxRow.status) == SENT) & col(OutboxRow.edit_pending).is_(True)
        )
        with Session(self.engine) as session:
            live = self._live_instances(session, now) if take_over else set()
            rows = session.execute(
                select(OutboxRow, AlertDestination)
                .join(AlertDestination, col(AlertDestination.id) == col(OutboxRow.destination_id))
                .where(
                    due,
                    col(OutboxRow.kind) == IMMEDIATE,
                    (col(OutboxRow.next_attempt_at) <= now)
                    | col(OutboxRow.claimed_by).is_not(None),
                    col(AlertDestination.active).is_(True),
                    col(AlertDestination.channel).in_(sorted(channels)),
                    *self._admitted(),
                )
                .order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id))
                .limit(limit)
            ).all()
            taken: dict[int | str, int] = {}
            jobs = []
            for row, dest in rows:
                chat = row.chat_id if row.status == SENT and row.chat_id else dest.chat_id
                key: int | str = dest.address if dest.chat_id is None else dest.chat_id
                if key in busy_chats or taken.get(key, 0) >= per_chat:
                    continue
                holder = row.claimed_by
                if not self._claimable(row, instance, take_over, live, now):
                    continue
                if holder is None:
                    cas = col(OutboxRow.next_attempt_at) <= now
                else:  # the first of two instances taking it over wins
                    cas = col(OutboxRow.claimed_by) == holder
                result = session.execute(
                    update(OutboxRow)
                    .where(col(OutboxRow.id) == row.id, cas)
                    .values(next_attempt_at=lease_until, claimed_by=instance or None)
                    .execution_options(synchronize_session=False)
                )
                if _rowcount(result) != 1:
                    continue
                taken[key] = taken.get(key, 0) + 1
                assert row.id is not None and dest.id is not None
                jobs.append(
                    Job(
                        row_id=row.id,
                        event_id=row.event_id,
                        destination_id=dest.id,
                        chat_id=chat or 0,
                        kind=row.kind,
                        edit=row.status == SENT,
                        attempts=row.attempts,
                        review=bool(dest.filters.get("review")),
                        message_ids=tuple(row.message_ids or ()),
                        content_hash=row.content_hash,
                        plain=row.plain,
                        uncertain=row.status == PENDING and row.attempt_at is not None,
                        channel=dest.channel,
                        address=dest.address,
                    )
                )
            session.commit()
            return jobs

    @staticmethod
    def _claimable(
        row: OutboxRow, instance: str, take_over: bool, live: set[str], now: datetime
    ) -> bool:
        """Unclaimed rows when due. Our own claims whenever asked (the caller skips chats it
        is sending to). Another instance's claims only with `take_over`, which the caller
        grants once its own heartbeat has been steady for an expiry period, and then when
        that instance is dead or its claim ran out: right after a database outage a live
        owner first gets the time to record what it sent while the database was away."""
        holder = row.claimed_by
        if holder is None:
            return row.next_attempt_at <= now
        if holder == instance:
            return True
        return take_over and (holder not in live or row.next_attempt_at <= now)

    @staticmethod
    def _live_instances(session: Session, now: datetime) -> set[str]:
        """Instances whose heartbeat lease (`instance:<id>`) has not run out."""
        rows = session.execute(
            select(col(Lease.holder)).where(
                col(Lease.name).startswith(INSTANCE_LEASE_PREFIX), col(Lease.expires_at) > now
            )
        ).scalars()
        return set(rows)

    def begin_attempt(
        self, row_id: int, instance: str, now: datetime, lease_until: datetime | None = None
    ) -> bool:
        """Record that a message of this row is about to go out, before it goes: a crash
        between sending and recording then leaves a trace (`attempt_at`) instead of a row
        that looks untouched. The claim is renewed until `lease_until`, so the row being
        sent is never one whose claim ran out (e.g. during a database outage that the
        sender waited out). False when the row is no longer ours (another instance took it
        over): the caller must not send."""
        values: dict[str, Any] = {"attempt_at": now}
        if lease_until is not None:
            values["next_attempt_at"] = lease_until
        with Session(self.engine) as session:
            query = update(OutboxRow).where(col(OutboxRow.id) == row_id)
            if instance:
                query = query.where(col(OutboxRow.claimed_by) == instance)
            result = session.execute(query.values(**values))
            session.commit()
            return _rowcount(result) == 1

    def record_sent(
        self,
        row_id: int,
        chat_id: int | None,
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
            claimed_by=None,
            attempt_at=None,
        )

    def record_progress(self, row_id: int, message_ids: Sequence[int], plain: bool) -> None:
        """Parts of a multi-part alert already delivered, so a retry sends only the rest."""
        self._update_row(row_id, message_ids=list(message_ids), plain=plain, attempt_at=None)

    def record_edited(self, row_id: int, message_ids: Sequence[int], content_hash: str) -> None:
        self._update_row(
            row_id,
            message_ids=list(message_ids),
            content_hash=content_hash,
            edit_pending=False,
            attempts=0,
            claimed_by=None,
        )

    def record_retry(
        self,
        row_id: int,
        next_at: datetime,
        error: str,
        *,
        count_attempt: bool,
        resolved: bool = True,
    ) -> None:
        """Give the row back until `next_at`. `resolved`: this process's attempt ended with
        a known outcome (False when the row is released untried, which must keep the trace
        of an earlier attempt whose outcome is unknown)."""
        values: dict[str, Any] = {
            "next_attempt_at": next_at,
            "last_error": error[:2000],
            "claimed_by": None,
        }
        if resolved:
            values["attempt_at"] = None
        if count_attempt:
            values["attempts"] = col(OutboxRow.attempts) + 1
        self._update_row(row_id, **values)

    def record_dead(self, row_id: int, error: str, *, edit: bool = False) -> None:
        """A send that gave up is dead; an edit that gave up leaves the sent message as is."""
        if edit:
            self._update_row(
                row_id,
                edit_pending=False,
                last_error=f"edit failed: {error}"[:2000],
                claimed_by=None,
            )
        else:
            self._update_row(
                row_id,
                status=DEAD,
                attempts=col(OutboxRow.attempts) + 1,
                last_error=error[:2000],
                claimed_by=None,
                attempt_at=None,
            )

    def record_skipped(self, row_id: int, reason: str) -> None:
        self._update_row(row_id, status=SKIPPED, last_error=reason, claimed_by=None)

    def _update_row(self, row_id: int, **values: Any) -> None:
        with Session(self.engine) as session:
            session.execute(update(OutboxRow).where(col(OutboxRow.id) == row_id).values(**values))
            session.commit()

    # -- review ------------------------------------------------------------------------------

    def message_shows_event(self, chat_id: int, message_id: int, event_id: int) -> bool:
        """Is `message_id` in `chat_id` one of the sent messages of `event_id`'s alert there?

        A review button's data names an event; this ties it to the message it was pressed
        on, so forged data cannot decide an event that message never showed.
        """
        with Session(self.engine) as session:
            rows = session.execute(
                select(col(OutboxRow.message_ids)).where(
                    col(OutboxRow.event_id) == event_id,
                    col(OutboxRow.chat_id) == chat_id,
                    col(OutboxRow.kind) == IMMEDIATE,
                    col(OutboxRow.status) == SENT,
                )
            ).scalars()
            return any(message_id in (ids or ()) for ids in rows)

    def decide(self, event_id: int, status: str, by: str, now: datetime) -> Decision | None:
        """Store an analyst's decision on the event once; a repeated press returns the first.

        A dismissal also withdraws the event's alerts not yet sent, and every sent message
        of the event is flagged for an edit that shows the decision.
        """
        with Session(self.engine) as session:
            result = session.execute(
                update(EventRow)
                .where(col(EventRow.id) == event_id, col(EventRow.review_status).is_(None))
                .values(review_status=status, reviewed_by=by[:200], reviewed_at=now)
            )
            applied = _rowcount(result) == 1
            incident = session.get(EventRow, event_id)
            if incident is None or incident.review_status is None:
                return None
            if applied:
                if status == DISMISSED:
                    session.execute(
                        update(OutboxRow)
                        .where(
                            col(OutboxRow.event_id) == event_id,
                            col(OutboxRow.status) == PENDING,
                        )
                        .values(status=SKIPPED, last_error="dismissed by an analyst")
                    )
                session.execute(
                    update(OutboxRow)
                    .where(
                        col(OutboxRow.event_id) == event_id,
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
