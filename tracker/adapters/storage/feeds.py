"""The queries of the service, in one place, as short transactions.

Every method opens its own session so callers can run it in a worker thread without sharing
connections across threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from tracker.adapters.storage.db import relax_commit, upsert_insert
from tracker.adapters.storage.models import REPLACED_EVENTS, EventRow, Feed, IncidentRow, Item
from tracker.core.candidates import place_key
from tracker.core.feeds import FeedRef, FeedState, FeedSuccess, NewItem
from tracker.core.incident import read_contract

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedSpec:
    url: str
    name: str | None = None
    interval_seconds: int | None = None
    language: str | None = None


def _rowcount(result: Any) -> int:
    """DML results carry rowcount; the generic Result type does not say so."""
    return int(result.rowcount)


# The columns of a FeedRef, in its fields' order.
_REF_COLUMNS = (
    col(Feed.id),
    col(Feed.url),
    col(Feed.name),
    col(Feed.language),
    col(Feed.interval_seconds),
    col(Feed.etag),
    col(Feed.last_modified),
    col(Feed.consecutive_errors),
    col(Feed.state),
    col(Feed.body_digest),
)


# Called inside the transaction that stores incidents (session, item ids, now), so that what
# depends on incidents (their merged events, then the alert outbox) is written atomically
# with them. Hooks run in order; one that raises rolls the whole batch back.
ClassificationHook = Callable[[Session, list[int], datetime], object]


class FeedStore:
    """Feeds and their items, and the classifications stored against items: the storage of
    polling and classification (named like the other stores: AlertStore, EventStore ...)."""

    def __init__(self, engine: Engine, synchronous_ingest: bool = True) -> None:
        self.engine = engine
        self.classification_hooks: list[ClassificationHook] = []
        # False: the ingest writes (items, fetch state, classifications) commit without
        # waiting for the disk on PostgreSQL (`db.relax_commit`, setting
        # database.ingest_synchronous_commit); True keeps every commit synchronous.
        self.synchronous_ingest = synchronous_ingest

    def _ingest(self, session: Session) -> None:
        """Start an ingest transaction (see `synchronous_ingest`)."""
        if not self.synchronous_ingest:
            relax_commit(session.connection())

    # -- feeds ---------------------------------------------------------------------------

    def sync_feeds(self, specs: Iterable[FeedSpec], now: datetime) -> None:
        """Insert configured feeds that are missing and refresh their descriptive fields.

        A feed removed with `tracker feeds remove` stays disabled: configuration does not
        silently re-enable what a person turned off. One query per 500 configured feeds and
        an update only for a feed whose fields changed (a start-up with 1,000 feeds ran
        1,000 queries before).
        """
        specs = list(specs)
        if not specs:
            return
        fields = (col(Feed.id), col(Feed.url), col(Feed.name), col(Feed.interval_seconds),
                  col(Feed.language))
        with Session(self.engine) as session:
            stored: dict[str, tuple[int, str | None, int | None, str | None]] = {}
            urls = list(dict.fromkeys(spec.url for spec in specs))
            for start in range(0, len(urls), 500):
                query = select(*fields).where(col(Feed.url).in_(urls[start : start + 500]))
                for fid, url, name, interval, language in session.execute(query):
                    stored[url] = (fid, name, interval, language)
            # What each URL should hold once every spec is applied in order (a URL listed
            # twice: the later entry refreshes the earlier one, as it always did).
            wanted: dict[str, tuple[str | None, int | None, str | None]] = {}
            for spec in specs:
                before = wanted.get(spec.url)
                if before is None and spec.url in stored:
                    before = stored[spec.url][1:]
                if before is None:
                    wanted[spec.url] = (spec.name, spec.interval_seconds, spec.language)
                else:
                    wanted[spec.url] = (
                        spec.name or before[0], spec.interval_seconds, spec.language or before[2]
                    )
            new_rows = [
                {"url": url, "name": name, "interval_seconds": interval, "language": language,
                 "source": "config", "next_check_at": now, "created_at": now}
                for url, (name, interval, language) in wanted.items()
                if url not in stored
            ]
            if new_rows:
                session.execute(insert(Feed), new_rows)
            for url, values in wanted.items():
                if url in stored and stored[url][1:] != values:
                    name, interval, language = values
                    session.execute(
                        update(Feed)
                        .where(col(Feed.id) == stored[url][0])
                        .values(name=name, interval_seconds=interval, language=language)
                    )
            session.commit()

    def add_feed(self, spec: FeedSpec, now: datetime) -> tuple[Feed, bool]:
        """Add (or re-enable) a feed; returns the feed and whether it was new."""
        with Session(self.engine, expire_on_commit=False) as session:
            feed = session.execute(select(Feed).where(col(Feed.url) == spec.url)).scalars().first()
            created = feed is None
            if feed is None:
                feed = Feed(url=spec.url, source="cli", next_check_at=now, created_at=now)
                session.add(feed)
            feed.enabled = True
            feed.name = spec.name or feed.name
            feed.interval_seconds = spec.interval_seconds or feed.interval_seconds
            feed.language = spec.language or feed.language
            session.commit()
            session.refresh(feed)
            return feed, created

    def disable_feed(self, url: str) -> bool:
        with Session(self.engine) as session:
            result = session.execute(update(Feed).where(col(Feed.url) == url).values(enabled=False))
            session.commit()
            return bool(_rowcount(result))

    def list_feeds(self) -> list[Feed]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.execute(select(Feed).order_by(col(Feed.id))).scalars())

    def claim_due(self, now: datetime, default_interval: int, limit: int = 10_000) -> list[FeedRef]:
        """Pick the feeds that are due and push their next check forward *before* fetching,
        so a duplicate tick or a second instance does not fetch them again meanwhile.

        On PostgreSQL the rows are locked with SKIP LOCKED so two instances split the work.
        The columns a FeedRef needs are read (no ORM objects), and the claim is one update
        per lease length (a feed's interval) for the whole batch.
        """
        with Session(self.engine) as session:
            query = (
                select(*_REF_COLUMNS)
                .where(col(Feed.enabled).is_(True), col(Feed.next_check_at) <= now)
                .order_by(col(Feed.next_check_at))
                .limit(limit)
            )
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            refs = [FeedRef(*row) for row in session.execute(query)]
            by_lease: dict[int, list[int]] = {}
            for ref in refs:
                lease = ref.interval_seconds or default_interval
                if ref.state == FeedState.GONE:
                    lease = max(lease, 86400)
                by_lease.setdefault(lease, []).append(ref.id)
            claimed: set[int] = set()
            for lease, ids in by_lease.items():
                for chunk in _chunks(ids):
                    # Compare-and-set: only the pass whose update still sees a feed as due
                    # owns it. This is what keeps two concurrent passes (or instances)
                    # apart on SQLite.
                    result = session.execute(
                        update(Feed)
                        .where(col(Feed.id).in_(chunk), col(Feed.next_check_at) <= now)
                        .values(next_check_at=now + timedelta(seconds=lease), last_checked_at=now)
                        .returning(col(Feed.id))
                        .execution_options(synchronize_session=False)
                    )
                    claimed.update(int(i) for i in result.scalars())
            session.commit()
            return [ref for ref in refs if ref.id in claimed]

    def record_success(
        self,
        feed_id: int,
        now: datetime,
        status: int | None,
        etag: str | None,
        last_modified: str | None,
        next_check: datetime,
        modified: bool,
    ) -> None:
        self.record_successes(
            [FeedSuccess(feed_id, now, status, etag, last_modified, next_check, modified)]
        )

    def record_successes(self, successes: Sequence[FeedSuccess]) -> None:
        """`record_success` for many feeds in one transaction (a claim batch's fetches)."""
        if not successes:
            return
        common = {"consecutive_errors": 0, "state": FeedState.OK.value}
        plain = [s for s in successes if not s.modified]
        modified = [s for s in successes if s.modified]
        table = Feed.__table__  # type: ignore[attr-defined]
        with Session(self.engine) as session:
            self._ingest(session)
            if plain:
                session.execute(
                    update(table)
                    .where(table.c.id == bindparam("b_id"))
                    .values(last_success_at=bindparam("b_now"),
                            last_status=bindparam("b_status"),
                            next_check_at=bindparam("b_next"), **common),
                    [{"b_id": s.feed_id, "b_now": s.now, "b_status": s.status,
                      "b_next": s.next_check} for s in plain],
                )
            if modified:
                session.execute(
                    update(table)
                    .where(table.c.id == bindparam("b_id"))
                    .values(last_success_at=bindparam("b_now"),
                            last_status=bindparam("b_status"),
                            next_check_at=bindparam("b_next"),
                            etag=bindparam("b_etag"),
                            last_modified=bindparam("b_lm"),
                            body_digest=bindparam("b_digest"), **common),
                    [{"b_id": s.feed_id, "b_now": s.now, "b_status": s.status,
                      "b_next": s.next_check, "b_etag": s.etag, "b_lm": s.last_modified,
                      "b_digest": s.body_digest}
                     for s in modified],
                )
            session.commit()

    def record_failure(
        self,
        feed_id: int,
        now: datetime,
        error: str,
        status: int | None,
        next_check: datetime,
        state: FeedState,
        consecutive_errors: int,
    ) -> None:
        self._update_feed(
            feed_id,
            {
                "last_error": error[:2000],
                "last_error_at": now,
                "last_status": status,
                "consecutive_errors": consecutive_errors,
                "state": state.value,
                "next_check_at": next_check,
                "total_errors": col(Feed.total_errors) + 1,
            },
        )

    def _update_feed(self, feed_id: int, values: dict[str, Any]) -> None:
        with Session(self.engine) as session:
            session.execute(update(Feed).where(col(Feed.id) == feed_id).values(**values))
            session.commit()

    # -- items ---------------------------------------------------------------------------

    def store_items(self, feed_id: int, items: Sequence[NewItem]) -> list[int]:
        """Insert items, ignoring ones already stored (unique feed + entry key).

        Returns the ids of the rows that are new, so only they go on down the pipeline. When
        the database refuses the batch (a value it cannot hold), the rows are inserted one by
        one and the refused ones skipped and logged: one bad item never blocks its feed.
        """
        if not items:
            return []
        rows: dict[str, dict[str, Any]] = {}
        for item in items:
            rows.setdefault(item.entry_key, {**asdict(item), "feed_id": feed_id})
        with Session(self.engine) as session:
            self._ingest(session)
            existing = set(
                session.execute(
                    select(col(Item.entry_key)).where(
                        col(Item.feed_id) == feed_id,
                        col(Item.entry_key).in_(list(rows)),
                    )
                ).scalars()
            )
            fresh = [row for key, row in rows.items() if key not in existing]
            if not fresh:
                return []
            try:
                ids = self._insert_items(session, fresh)
            except DBAPIError as exc:
                session.rollback()
                log.warning(
                    "feed %s: batch insert refused (%s); inserting one by one",
                    feed_id,
                    type(exc.orig or exc).__name__,
                )
                ids = []
                for row in fresh:
                    try:
                        with session.begin_nested():
                            ids.extend(self._insert_items(session, [row]))
                    except DBAPIError as row_exc:
                        log.error(
                            "feed %s: item %r not stored: %s",
                            feed_id,
                            row["entry_key"][:80],
                            str(row_exc.orig or row_exc)[:200],
                        )
            if ids:
                session.execute(
                    update(Feed)
                    .where(col(Feed.id) == feed_id)
                    .values(items_count=col(Feed.items_count) + len(ids))
                )
            session.commit()
            return sorted(ids)

    def _insert_items(self, session: Session, rows: list[dict[str, Any]]) -> list[int]:
        stmt = (
            upsert_insert(self.engine, Item)
            .on_conflict_do_nothing(index_elements=["feed_id", "entry_key"])
            .returning(col(Item.id))
        )
        return [int(r) for r in session.execute(stmt, rows).scalars()]

    def items_by_ids(self, ids: Sequence[int]) -> list[Item]:
        if not ids:
            return []
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.execute(select(Item).where(col(Item.id).in_(list(ids)))).scalars())

    def set_item_text(self, item_id: int, text: str, source: str) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(Item)
                .where(col(Item.id) == item_id)
                .values(text=text, text_source=source, article_fetched=True)
            )
            session.commit()

    def mark_article_tried(self, item_id: int) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(Item).where(col(Item.id) == item_id).values(article_fetched=True)
            )
            session.commit()

    # -- incidents -----------------------------------------------------------------------

    def unclassified_item_ids(self, limit: int, seen_before: datetime | None = None) -> list[int]:
        """Unclassified items, fresh ones (alert-eligible) first, then in arrival order."""
        with Session(self.engine) as session:
            query = select(col(Item.id)).where(col(Item.classified_at).is_(None))
            if seen_before is not None:
                query = query.where(col(Item.first_seen_at) < seen_before)
            query = query.order_by(col(Item.alert_eligible).desc(), col(Item.id)).limit(limit)
            return [int(i) for i in session.execute(query).scalars()]

    def split_fresh(self, item_ids: Sequence[int]) -> tuple[list[int], list[int]]:
        """(fresh, backlog): items first seen within the backlog window of their publication
        (alert-eligible) and the rest, each in the order given."""
        fresh: set[int] = set()
        with Session(self.engine) as session:
            for start in range(0, len(item_ids), 500):
                chunk = list(item_ids[start : start + 500])
                query = select(col(Item.id)).where(
                    col(Item.id).in_(chunk), col(Item.alert_eligible).is_(True)
                )
                fresh.update(int(i) for i in session.execute(query).scalars())
        return [i for i in item_ids if i in fresh], [i for i in item_ids if i not in fresh]

    def backlog(self) -> tuple[int, datetime | None]:
        """(unclassified items, first-seen time of the oldest of them)."""
        with Session(self.engine) as session:
            query = select(func.count(), func.min(col(Item.first_seen_at))).where(
                col(Item.classified_at).is_(None)
            )
            count, oldest = session.execute(query).one()
        if isinstance(oldest, str):  # SQLite aggregates lose the column type
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        return int(count), oldest

    def item_ids_first_seen_since(self, since: datetime) -> list[int]:
        with Session(self.engine) as session:
            query = (
                select(col(Item.id)).where(col(Item.first_seen_at) >= since).order_by(col(Item.id))
            )
            return [int(i) for i in session.execute(query).scalars()]

    def save_classifications(
        self, results: Sequence[tuple[int, Sequence[dict[str, Any]]]], now: datetime
    ) -> int:
        """Replace the incidents of each item and mark it classified, in one transaction.

        Returns the number of incident rows written. The events that held the replaced
        incidents are left in ``session.info[REPLACED_EVENTS]`` for the classification hooks
        (the event store recomputes them even when no new report points back to them).
        """
        if not results:
            return 0
        item_ids = [item_id for item_id, _ in results]
        rows = [
            incident_values(item_id, seq, data, now)
            for item_id, incidents in results
            for seq, data in enumerate(incidents)
        ]
        with Session(self.engine) as session:
            self._ingest(session)
            replaced: set[int] = set()
            for chunk in _chunks(item_ids):
                replaced.update(
                    int(e)
                    for e in session.execute(
                        select(col(IncidentRow.event_id))
                        .where(
                            col(IncidentRow.item_id).in_(chunk),
                            col(IncidentRow.event_id).is_not(None),
                        )
                        .distinct()
                    ).scalars()
                )
                session.execute(delete(IncidentRow).where(col(IncidentRow.item_id).in_(chunk)))
                session.execute(
                    update(Item).where(col(Item.id).in_(chunk)).values(classified_at=now)
                )
            if rows:
                session.execute(insert(IncidentRow), rows)
            session.info[REPLACED_EVENTS] = replaced
            if self.classification_hooks:
                for hook in self.classification_hooks:
                    hook(session, item_ids, now)
            session.commit()
        return len(rows)

    def recent_places(self, since: datetime, limit: int = 500) -> list[tuple[str, float, float]]:
        """Distinct places of incidents stored since `since` (name, lat, lon): the places the
        feeds report on, for the start-up check of agreement coverage."""
        query = (
            select(col(IncidentRow.place_name), col(IncidentRow.lat), col(IncidentRow.lon))
            .where(col(IncidentRow.created_at) >= since, col(IncidentRow.place_name).is_not(None),
                   col(IncidentRow.lat).is_not(None), col(IncidentRow.lon).is_not(None))
            .distinct()
            .limit(limit)
        )
        with Session(self.engine) as session:
            return [(str(n), float(a), float(b)) for n, a, b in session.execute(query)]

    def incident_counts(self, since: datetime) -> dict[str, int]:
        """Totals for /status: incidents, violations, and violations recorded since `since`.

        Incidents of an event an analyst dismissed ("Not a violation") do not count as
        violations.
        """
        dismissed = exists().where(
            col(EventRow.id) == col(IncidentRow.event_id),
            col(EventRow.review_status) == "dismissed",
        )
        is_violation = and_(col(IncidentRow.violation).is_(True), ~dismissed)
        with Session(self.engine) as session:
            total = session.execute(select(func.count()).select_from(IncidentRow)).scalar_one()
            violations = session.execute(select(func.count()).where(is_violation)).scalar_one()
            recent = session.execute(
                select(func.count()).where(is_violation, col(IncidentRow.created_at) >= since)
            ).scalar_one()
            pending = session.execute(
                select(func.count()).where(col(Item.classified_at).is_(None))
            ).scalar_one()
        return {
            "incidents": int(total),
            "violations": int(violations),
            "violations_last_24h": int(recent),
            "items_awaiting_classification": int(pending),
        }


def _chunks(values: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def incident_values(item_id: int, seq: int, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Flatten one incident of the classifier's JSON contract into a row's columns, through
    the one contract reader (plain values for a bulk insert)."""
    c = read_contract(data)
    return {
        "item_id": item_id,
        "seq": seq,
        "violation": c.violation,
        "event_type": c.event_type,
        "sub_event_type": c.sub_event_type,
        "event_date": c.event_date,
        "date_precision": c.date_precision,
        "place_name": c.place_name,
        "place_key": place_key(c.place_name),
        "admin1": c.admin1,
        "lat": c.lat,
        "lon": c.lon,
        "location_precision": c.location_precision,
        "fatalities": c.fatalities,
        "fatalities_low": c.fatalities_low,
        "fatalities_high": c.fatalities_high,
        "injured": c.injured,
        "actors": list(c.actors),
        "agreements": list(c.agreements),
        "zones": list(c.zones),
        "severity": c.severity,
        "confidence": c.confidence,
        "reasons": list(c.reasons),
        "evidence": list(c.evidence),
        "created_at": now,
    }


def incident_row(item_id: int, seq: int, data: dict[str, Any], now: datetime) -> IncidentRow:
    """Flatten one incident of the classifier's JSON contract into a row."""
    return IncidentRow(**incident_values(item_id, seq, data, now))
