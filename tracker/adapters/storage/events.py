"""The events table: reports (incident rows) merged into one row per hostile act.

Recomputation is local: only the reports that could interact with the changed items (their
compatibility closure, grown from candidates the database finds by index: see
tracker.core.candidates) are clustered again, in one transaction, and the result is reconciled
with the stored events so that ids stay stable and splits and
absorptions are recorded for whoever announced the old event.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    null,
    or_,
    select,
    text,
)
from sqlmodel import Session, col

from tracker.adapters.storage.db import refresh_statistics
from tracker.adapters.storage.models import (
    REPLACED_EVENTS,
    EventRow,
    Feed,
    IncidentRow,
    IncidentToken,
    Item,
    MergeTrace,
    ShingleRank,
    contract_of,
)
from tracker.adapters.storage.types import UTCDateTime
from tracker.core import candidates, increment
from tracker.core.merge import (
    EventChanges,
    MergedEvent,
    Placement,
    Report,
    cluster_traced,
    compatible,
    incident_from_contract,
    merge,
    reconcile,
)

ACTIVE, MERGED, GONE = "active", "merged", "gone"
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


def _source(report: Report) -> tuple[Any, ...]:
    """What a report takes from its item and feed rows (compared with a fresh read)."""
    return (report.url, report.title, report.content_hash, report.outlet)


def _row_id(key: str) -> tuple[int, int]:
    """(item id, seq) back from a report key."""
    _, seq, item_id = key.rsplit("#", 2)
    return int(item_id), int(seq)


# (report, incident id, event id) of one stored incident.
_Found = tuple[Report, int, int | None]
_INCIDENTS = IncidentRow.__table__  # type: ignore[attr-defined]
_TOKENS = IncidentToken.__table__  # type: ignore[attr-defined]
_RANKS = ShingleRank.__table__  # type: ignore[attr-defined]
_TRACES = MergeTrace.__table__  # type: ignore[attr-defined]
_ITEMS = Item.__table__  # type: ignore[attr-defined]
_FEEDS = Feed.__table__  # type: ignore[attr-defined]
# Incident columns the merge rule (core.merge.compatible) never reads: a candidate is tested
# without decoding them.
_NOT_FOR_COMPATIBLE = frozenset({"reasons", "agreements", "zones"})
# Rounds of loading more events for a score between several clusters before giving up on
# the incremental path (tracker.core.increment.Missing).
_MISSING_ROUNDS = 3
_CLASSES = candidates.precision_classes()
# One row per report whose candidates are looked for (a temporary table of the session).
_EDGES = ("lat_low", "lat_high", "lon_low", "lon_high")
_BOXES = ("b1", "b2", "bw")  # candidates.BOXED_PRECISIONS, then any other precision
assert len(candidates.BOXED_PRECISIONS) == len(_BOXES) - 1
_PROBE = Table(
    "merge_probe",
    MetaData(),
    Column("k", Integer),
    Column("event_type", String(64)),
    *(c for n in range(len(_CLASSES)) for c in (Column(f"lo{n}", Date), Column(f"hi{n}", Date))),
    *(
        Column(f"{b}_{edge}", Float)
        for b in _BOXES
        for edge in _EDGES
    ),
    Column("place_key", String(200)),
    Column("sketch", BigInteger),
    Column("shingles", Integer),
    prefixes=["TEMPORARY"],
)
_PROBE_DDL = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS merge_probe (k INTEGER, event_type VARCHAR(64), "
    + "".join(f"lo{n} DATE, hi{n} DATE, " for n in range(len(_CLASSES)))
    + "".join(f"{b}_{e} FLOAT, " for b in _BOXES for e in _EDGES)
    + "place_key VARCHAR(200), sketch BIGINT, shingles INTEGER)"
)


def _in_box(b: str) -> str:
    return (
        f"(c.lat BETWEEN p.{b}_lat_low AND p.{b}_lat_high AND (p.{b}_lon_low IS NULL"
        f" OR c.lon BETWEEN p.{b}_lon_low AND p.{b}_lon_high))"
    )


_BOXED = ", ".join(str(p) for p in candidates.BOXED_PRECISIONS)
_PLACE_SQL = (
    "(p.bw_lat_low IS NULL OR c.place_key IS NULL OR c.place_name IS NULL OR c.lat IS NULL"
    " OR c.lon IS NULL OR c.place_key = p.place_key"
    + "".join(
        f" OR (c.location_precision = {precision} AND {_in_box(b)})"
        for precision, b in zip(candidates.BOXED_PRECISIONS, _BOXES, strict=False)
    )
    + f" OR ((c.location_precision IS NULL OR c.location_precision NOT IN ({_BOXED}))"
    f" AND {_in_box('bw')}))"
)


_PROBE_TOKEN_DDL = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS merge_probe_token (k INTEGER, token BIGINT)"
)
# What the candidate queries return of each candidate besides its probe: its id and its
# stamp and event (so the report cache need not read them again).
_STAMP_COLUMNS = "c.id, c.item_id, c.seq, c.created_at, c.event_id"
_STAMP_TYPES = {"created_at": UTCDateTime}  # read as the ORM reads it (the stamps compare)
_TOKEN_SQL = (
    f"SELECT DISTINCT p.k, {_STAMP_COLUMNS} FROM merge_probe_token pt CROSS JOIN merge_probe p"
    " CROSS JOIN incident_tokens t CROSS JOIN incidents c"
    " WHERE pt.k = p.k AND t.token = pt.token"
    # On the index alone (ix_incident_tokens_covering), before any incident is read.
    f" AND {candidates.may_be_copies_sql('p.sketch', 'p.shingles', 't.sketch', 't.shingles')}"
    " AND c.id = t.incident_id"
    f" AND c.event_type = p.event_type AND {_PLACE_SQL}"
)


def _candidate_sql(dialect: str) -> str:
    """(probe, incident) pairs: same kind, a date range per precision class (one index range
    each on ix_incidents_candidates), then the place box. SQLite's CROSS JOIN keeps the small
    probe table outside, so each probe row is one index lookup."""
    join = "merge_probe p CROSS JOIN incidents c"
    parts = []
    for n, (precisions, _, _) in enumerate(_CLASSES):
        if precisions is None:
            # Any other precision: below and above the known ones, two index ranges (a NOT
            # IN would read every row of the kind).
            known = candidates.known_precisions()
            assert list(known) == list(range(min(known), max(known) + 1))
            which = [f"c.date_precision < {min(known)}", f"c.date_precision > {max(known)}"]
            # SQLite would rather range over a year of dates on ix_incidents_kind_date; the
            # unary plus keeps it on the (normally empty) precision range.
            day = "+c.event_date" if dialect == "sqlite" else "c.event_date"
        else:
            which = [f"c.date_precision IN ({', '.join(str(p) for p in precisions)})"]
            day = "c.event_date"
        for condition in which:
            parts.append(
                f"SELECT p.k, {_STAMP_COLUMNS} FROM {join} WHERE c.event_type = p.event_type"
                f" AND {condition} AND {day} BETWEEN p.lo{n} AND p.hi{n} AND {_PLACE_SQL}"
            )
    # Date-less reports (ix_incidents_kind_date).
    parts.append(
        f"SELECT p.k, {_STAMP_COLUMNS} FROM {join} WHERE c.event_type = p.event_type"
        f" AND c.event_date IS NULL AND {_PLACE_SQL}"
    )
    return " UNION ".join(parts)


def _cached_bytes(report: Report) -> int:
    """About how many bytes a cached report holds: its strings (`sys.getsizeof`, so wide
    characters count as what they take) plus a fixed part for its objects. Strings shared
    with other reports are counted in each: an estimate on the high side."""
    incident = report.incident
    strings = [report.key, report.origin, report.url, report.title, report.content_hash,
               report.outlet, *incident.evidence, *incident.reasons]
    return _REPORT_OVERHEAD + sum(sys.getsizeof(s) for s in strings if s is not None)


def _script(conn: Any, *statements: str) -> None:
    """Run statements without parameters: on PostgreSQL in one round trip (psycopg sends
    them as one simple query), on SQLite one by one (its driver takes one at a time)."""
    if not statements:
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("; ".join(statements))
        return
    for statement in statements:
        conn.exec_driver_sql(statement)


def _fill_probes(conn: Any, rows: Sequence[dict[str, Any]]) -> None:
    """The probe table holds ``rows`` alone (PostgreSQL then learns its size: a few rows,
    so index lookups per probe rather than a hash join)."""
    conn.exec_driver_sql("DELETE FROM merge_probe")
    conn.execute(_PROBE.insert(), list(rows))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE merge_probe")


def _chunks(values: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# Called inside the transaction that recomputed events (session, the items, what changed,
# now): the alert outbox is written there, so events and alerts never disagree.
EventChangeHook = Callable[[Session, Sequence[int], EventChanges, datetime], None]


# Light reports (the merge rule's view of a stored incident) kept between recomputes: each
# batch of a cold pass tests most of the stored window as candidates, and the rows do not
# change (an incident is only ever deleted, with its item's reclassification, and inserted
# again). Bounded: the least recently used go first.
LIGHT_CACHE = 16_384
# ... and at most this many bytes (as `_cached_bytes` estimates them): a whole report holds
# its evidence and the decision's reasons, about 3 KB on the bench's short texts and more on
# long articles, so a bound by count alone let the cache hold 50 MB or more.
REPORT_CACHE_BYTES = 32 * 2**20
# What one cached report holds beyond its strings (the report, incident, location and actor
# objects, their tuples, the cache's entry): measured with tracemalloc on the bench's
# reports (about 930 bytes light, 1,110 whole), rounded up.
_REPORT_OVERHEAD = 1_300
# What identifies one stored version of an incident row: (item id, seq, created_at). A row
# deleted and inserted again (a reclassification) has another created_at, or is purged by
# recompute_in in this process; SQLite may reuse a deleted row's id.
_Stamp = tuple[int, int, Any]


class EventStore:
    def __init__(
        self,
        engine: Engine,
        light_cache: int = LIGHT_CACHE,
        cache_bytes: int = REPORT_CACHE_BYTES,
    ) -> None:
        self.engine = engine
        self.change_hooks: list[EventChangeHook] = []
        self._light_size = light_cache
        self._light_budget = cache_bytes
        # incident id -> (stamp, report, whole: not a light report, its estimated bytes)
        self._light: OrderedDict[int, tuple[_Stamp, Report, bool, int]] = OrderedDict()
        self._light_bytes = 0  # the sum of the cached entries' estimated bytes
        self._light_lock = threading.Lock()
        self.light_hits = 0
        self.whole_hits = 0

    # -- reading -------------------------------------------------------------------------

    def _reports(self, session: Session, *conditions: Any) -> dict[str, tuple[Report, int | None]]:
        found: dict[str, tuple[Report, int | None]] = {}
        for report, _, event_id in self._load(session, *conditions).values():
            found[report.key] = (report, event_id)
        return found

    def _load(
        self, session: Session, *conditions: Any, light: bool = False, remember: bool = False
    ) -> dict[int, _Found]:
        """Reports by incident id (Core statement and rows: no ORM object per row).

        ``light``: only what `tracker.core.merge.compatible` reads (the decision's reasons,
        agreements and zones are left empty, not decoded): for testing candidates, never
        for merging or storing. ``remember``: whole reports go into the report cache (a
        batch's new reports are the members later batches read)."""
        columns = [c for c in _INCIDENTS.c if not (light and c.name in _NOT_FOR_COMPATIBLE)]
        if light:
            columns += [null().label(name) for name in sorted(_NOT_FOR_COMPATIBLE)]
        query = (
            select(
                *columns,
                _ITEMS.c.url.label("item_url"),
                _ITEMS.c.title.label("item_title"),
                _ITEMS.c.content_hash.label("item_hash"),
                _FEEDS.c.name.label("outlet"),
            )
            .select_from(_INCIDENTS)
            .join(_ITEMS, _ITEMS.c.id == _INCIDENTS.c.item_id)
            .join(_FEEDS, _FEEDS.c.id == _ITEMS.c.feed_id)
            .where(*conditions)
        )
        found: dict[int, _Found] = {}
        for row in session.connection().execute(query):
            key = f"{row.item_url or 'hash:' + row.item_hash}#{row.seq}#{row.item_id}"
            report = Report(
                key=key,
                incident=incident_from_contract(contract_of(row)),  # type: ignore[arg-type]
                origin=f"item:{row.item_id}",
                url=row.item_url,
                title=row.item_title,
                content_hash=row.item_hash,
                outlet=row.outlet,
            )
            found[int(row.id)] = (report, int(row.id), row.event_id)
            if remember and not light:
                stamp = (int(row.item_id), int(row.seq), row.created_at)
                with self._light_lock:
                    self._keep(int(row.id), stamp, report, True)
        if remember:
            with self._light_lock:
                self._trim()
        return found

    def _keep(self, incident_id: int, stamp: _Stamp, report: Report, whole: bool) -> None:
        """Cache one report (the caller holds the lock and trims afterwards)."""
        if self._light_size <= 0 or self._light_budget <= 0:
            return
        cost = _cached_bytes(report)
        old = self._light.pop(incident_id, None)
        if old is not None:
            self._light_bytes -= old[3]
        self._light[incident_id] = (stamp, report, whole, cost)
        self._light_bytes += cost

    def _trim(self) -> None:
        """Drop the least recently used reports beyond the count and the byte bound."""
        while self._light and (
            len(self._light) > self._light_size or self._light_bytes > self._light_budget
        ):
            self._light_bytes -= self._light.popitem(last=False)[1][3]

    def _load_light(
        self,
        session: Session,
        ids: Iterable[int],
        known: Mapping[int, tuple[_Stamp, int | None]] | None = None,
    ) -> dict[int, _Found]:
        """`_load_ids(light=True)` through the report cache (see `_load_cached`); ``known``:
        stamps and event ids already read in this transaction (by `_candidates`)."""
        return self._load_cached(session, ids, light=True, known=known)

    def _load_whole(self, session: Session, ids: Iterable[int]) -> dict[int, _Found]:
        """`_load_ids` through the report cache: the members of the events a batch grows
        are read whole again and again by a cold pass (an event of eleven reports is loaded
        by every batch that adds one), and decoding their JSON was a tenth of its time."""
        return self._load_cached(session, ids, light=False)

    def _load_cached(
        self,
        session: Session,
        ids: Iterable[int],
        light: bool,
        known: Mapping[int, tuple[_Stamp, int | None]] | None = None,
    ) -> dict[int, _Found]:
        """Reports by incident id through the cache: the rows' stamps and event ids are read
        (no JSON), and only rows not cached in the same version are read and decoded.

        A whole report serves a light request too. A whole request also reads the item's
        URL, title and content hash and the feed's name (cheap columns, the item and feed
        rows can change without the incident's stamp): a cached report that differs in one
        of them is read again."""
        wanted = sorted(ids)
        if not wanted:
            return {}
        conn = session.connection()
        stamps: dict[int, tuple[_Stamp, int | None]] = {}
        if light and known:
            stamps.update({i: known[i] for i in wanted if i in known})
            wanted = [i for i in wanted if i not in stamps]
        sources: dict[int, tuple[Any, ...]] = {}
        c = _INCIDENTS.c
        for chunk in _chunks(wanted):
            if light:
                query = select(c.id, c.item_id, c.seq, c.created_at, c.event_id).where(
                    c.id.in_(chunk)
                )
                for incident_id, item_id, seq, created, event_id in conn.execute(query):
                    stamps[int(incident_id)] = ((int(item_id), int(seq), created), event_id)
                continue
            query = (
                select(
                    c.id, c.item_id, c.seq, c.created_at, c.event_id, _ITEMS.c.url,
                    _ITEMS.c.title, _ITEMS.c.content_hash, _FEEDS.c.name,
                )
                .select_from(_INCIDENTS)
                .join(_ITEMS, _ITEMS.c.id == c.item_id)
                .join(_FEEDS, _FEEDS.c.id == _ITEMS.c.feed_id)
                .where(c.id.in_(chunk))
            )
            for incident_id, item_id, seq, created, event_id, *source in conn.execute(query):
                stamps[int(incident_id)] = ((int(item_id), int(seq), created), event_id)
                sources[int(incident_id)] = tuple(source)
        out: dict[int, _Found] = {}
        missing: list[int] = []
        with self._light_lock:
            for incident_id, (stamp, event_id) in stamps.items():
                cached = self._light.get(incident_id)
                if (
                    cached is not None
                    and cached[0] == stamp
                    and (light or (cached[2] and _source(cached[1]) == sources[incident_id]))
                ):
                    self._light.move_to_end(incident_id)
                    out[incident_id] = (cached[1], incident_id, event_id)
                else:
                    missing.append(incident_id)
            if light:
                self.light_hits += len(out)
            else:
                self.whole_hits += len(out)
        loaded = self._load_ids(session, missing, light=light)
        with self._light_lock:
            for incident_id, found in loaded.items():
                stamp, event_id = stamps[incident_id]
                out[incident_id] = (found[0], incident_id, event_id)
                self._keep(incident_id, stamp, found[0], not light)
            self._trim()
        return out

    def _forget_light(self, item_ids: Sequence[int]) -> None:
        """Drop the cached light reports of these items (their incidents were replaced)."""
        origins = {f"item:{i}" for i in item_ids}
        with self._light_lock:
            stale = [i for i, (_, r, _, _) in self._light.items() if r.origin in origins]
            for incident_id in stale:
                self._light_bytes -= self._light.pop(incident_id)[3]

    def _load_ids(
        self, session: Session, ids: Iterable[int], light: bool = False
    ) -> dict[int, _Found]:
        out: dict[int, _Found] = {}
        for chunk in _chunks(sorted(ids)):
            out.update(self._load(session, _INCIDENTS.c.id.in_(chunk), light=light))
        return out

    def _scope(
        self, session: Session, item_ids: Sequence[int], replaced: Iterable[int] = ()
    ) -> tuple[list[Report], dict[int, EventRow], dict[str, tuple[int, int | None]]]:
        """The closed set of reports to cluster again, the stored events it touches, and
        (incident id, event id) of each report.

        Candidates come from the database (tracker.core.candidates describes a superset of
        what the merge rule can link), the merge rule decides: the work grows with the new
        reports and their neighbourhood, not with the history stored.
        """
        seeds: dict[int, _Found] = {}
        for chunk in _chunks(list(item_ids)):
            seeds.update(self._load(session, _INCIDENTS.c.item_id.in_(chunk), remember=True))
        self._write_tokens(session, seeds, replace=True)
        found: dict[int, _Found] = dict(seeds)
        rejected: dict[int, _Found] = {}
        touched: set[int] = set(replaced)
        frontier = list(seeds.values())
        while True:
            while frontier:
                stamps: dict[int, tuple[_Stamp, int | None]] = {}
                pairs = self._candidates(session, frontier, stamps)
                unknown = [i for i in pairs if i not in found and i not in rejected]
                # Tested as light reports; the ones that join are read whole.
                rejected.update(self._load_light(session, unknown, stamps))
                probes = {f[1]: f[0] for f in frontier}
                accepted: list[int] = []
                for incident_id, probe_ids in sorted(pairs.items()):
                    if incident_id in found or incident_id not in rejected:
                        continue
                    candidate = rejected[incident_id]
                    if any(compatible(probes[p], candidate[0]) for p in probe_ids):
                        del rejected[incident_id]
                        accepted.append(incident_id)
                whole = self._load_whole(session, accepted)
                frontier = [whole[i] for i in accepted]
                found.update(whole)
                self._write_tokens(session, {f[1]: f for f in frontier}, replace=False)
            touched |= {f[2] for f in found.values() if f[2] is not None}
            extra = self._members(session, touched, exclude=found)
            if not extra:
                break
            found.update(extra)
            for incident_id in extra:
                rejected.pop(incident_id, None)
            frontier = list(extra.values())
            self._write_tokens(session, extra, replace=False)
        events: dict[int, EventRow] = {}
        for chunk in _chunks(sorted(touched)):
            # By id alone: with "AND status = 'active'" SQLite read every active event
            # through ix_events_status_date (a scan that grew with history).
            query = select(EventRow).where(col(EventRow.id).in_(chunk))
            for event in session.execute(query).scalars():
                assert event.id is not None
                if event.status == ACTIVE:
                    events[event.id] = event
        linked = {f[0].key: (f[1], f[2]) for f in found.values()}
        reports = sorted((f[0] for f in found.values()), key=lambda r: r.key)
        return reports, events, linked

    def _members(
        self, session: Session, events: set[int], exclude: dict[int, _Found]
    ) -> dict[int, _Found]:
        out: dict[int, _Found] = {}
        for chunk in _chunks(sorted(events)):
            rows = self._load(session, _INCIDENTS.c.event_id.in_(chunk))
            out.update({k: v for k, v in rows.items() if k not in exclude})
        return out

    def _candidates(
        self,
        session: Session,
        probes: Sequence[_Found],
        stamps: dict[int, tuple[_Stamp, int | None]] | None = None,
    ) -> dict[int, set[int]]:
        """Incident id -> the probes (by incident id) it may be compatible with: a superset
        of what tracker.core.merge.compatible accepts, from indexes. ``stamps`` receives
        each candidate's stamp and event id (for `_load_cached`)."""
        found_stamps: dict[int, tuple[_Stamp, int | None]] = {} if stamps is None else stamps

        def collect(rows: Iterable[Any], probes_of: Callable[[Any], Iterable[int]]) -> None:
            for row in rows:
                incident_id = int(row.id)
                pairs.setdefault(incident_id, set()).update(probes_of(row))
                found_stamps[incident_id] = (
                    (int(row.item_id), int(row.seq), row.created_at),
                    row.event_id,
                )

        conn = session.connection()
        postgres = conn.dialect.name == "postgresql"
        _script(
            conn,
            _PROBE_DDL,
            "CREATE INDEX IF NOT EXISTS merge_probe_k ON merge_probe (k)",
            _PROBE_TOKEN_DDL,
            "DELETE FROM merge_probe_token",
        )
        rows = []
        for report, incident_id, _ in probes:
            values: dict[str, Any] = {"k": incident_id, "event_type": report.incident.event_type}
            for n, (low, high) in enumerate(candidates.date_ranges(report)):
                values[f"lo{n}"], values[f"hi{n}"] = low, high
            boxes = candidates.place_boxes(report)
            for n, b in enumerate(_BOXES):
                box = boxes[n] if boxes else None
                values[f"{b}_lat_low"] = box.lat_low if box else None
                values[f"{b}_lat_high"] = box.lat_high if box else None
                values[f"{b}_lon_low"] = box.lon_low if box else None
                values[f"{b}_lon_high"] = box.lon_high if box else None
            loc = report.incident.location
            values["place_key"] = candidates.place_key(loc.name) if loc else None
            values["sketch"], values["shingles"] = candidates.copy_sketch(report)
            rows.append(values)
        pairs: dict[int, set[int]] = {}
        chunks = list(_chunks(rows))
        for chunk in chunks:
            _fill_probes(conn, chunk)
            query = text(_candidate_sql(conn.dialect.name)).columns(**_STAMP_TYPES)
            collect(conn.execute(query), lambda row: (int(row.k),))
        kinds = sorted({r.incident.event_type for r, _, _ in probes})
        by_hash: dict[str, list[int]] = {}
        for report, incident_id, _ in probes:
            if report.content_hash:
                by_hash.setdefault(report.content_hash, []).append(incident_id)
        for chunk in _chunks(sorted(by_hash)):
            # CROSS JOIN: SQLite must not read every incident of the kinds first.
            query = (
                text(
                    f"SELECT i.content_hash, {_STAMP_COLUMNS} FROM items i CROSS JOIN incidents c"
                    " WHERE i.content_hash IN :hashes AND c.item_id = i.id"
                    " AND c.event_type IN :kinds"
                )
                .bindparams(bindparam("hashes", expanding=True), bindparam("kinds", expanding=True))
                .columns(**_STAMP_TYPES)
            )
            rows_found = conn.execute(query, {"hashes": list(chunk), "kinds": kinds})
            collect(rows_found, lambda row: by_hash[row.content_hash])
        # Syndicated copies (dates may differ): a shared prefix token, the same kind and a
        # compatible place, joined in the database so boilerplate shared by many reports of
        # other places never reaches Python.
        probe_ids = [incident_id for _, incident_id, _ in probes]
        _script(
            conn,
            *(
                "INSERT INTO merge_probe_token (k, token) SELECT incident_id, token"
                " FROM incident_tokens WHERE incident_id IN ("
                + ", ".join(str(int(i)) for i in chunk)
                + ")"
                for chunk in _chunks(probe_ids)
            ),
            *(["ANALYZE merge_probe_token"] if postgres else []),
        )
        for chunk in chunks:
            if len(chunks) > 1:  # else the probes are in the table already
                _fill_probes(conn, chunk)
            query = text(_TOKEN_SQL).columns(**_STAMP_TYPES)
            collect(conn.execute(query), lambda row: (int(row.k),))
        for incident_id in probe_ids:
            pairs.pop(incident_id, None)
            found_stamps.pop(incident_id, None)
        return pairs

    def _write_tokens(self, session: Session, found: dict[int, _Found], replace: bool) -> None:
        """Store the syndication tokens of reports (all of them with ``replace``, else only
        of those with none stored: rows from before the tokens existed)."""
        if not found:
            return
        conn = session.connection()
        ids = sorted(found)
        if replace:
            for chunk in _chunks(ids):
                conn.execute(_TOKENS.delete().where(_TOKENS.c.incident_id.in_(chunk)))
            todo = ids
        else:
            have: set[int] = set()
            for chunk in _chunks(ids):
                query = select(_TOKENS.c.incident_id).where(_TOKENS.c.incident_id.in_(chunk))
                have.update(int(i) for i in conn.execute(query).scalars())
            todo = [i for i in ids if i not in have]
        tokens = {i: candidates.shingle_tokens(found[i][0]) for i in todo}
        tokens = {i: t for i, t in tokens.items() if t}
        if not tokens:
            return
        every = Counter(t for ts in tokens.values() for t in ts)
        rank: dict[int, int] = {}
        for chunk in _chunks(sorted(every)):
            query = select(_RANKS.c.token, _RANKS.c.rank).where(_RANKS.c.token.in_(chunk))
            rank.update({int(t): int(r) for t, r in conn.execute(query)})
        new = sorted((t for t in every if t not in rank), key=lambda t: (-every[t], t))
        if new:
            top = conn.execute(select(func.max(_RANKS.c.rank))).scalar_one()
            base = int(top or 0) + 1
            # Commoner in this batch first: rarer shingles get the higher ranks.
            added = {t: base + n for n, t in enumerate(new)}
            conn.execute(_RANKS.insert(), [{"token": t, "rank": r} for t, r in added.items()])
            rank.update(added)
        sketches = {i: candidates.copy_sketch(found[i][0]) for i in tokens}
        rows = [
            {"incident_id": i, "token": t, "sketch": sketches[i][0], "shingles": sketches[i][1]}
            for i, ts in tokens.items()
            for t in candidates.copy_prefix(ts, rank)
        ]
        conn.execute(_TOKENS.insert(), rows)

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
        incidents just stored, their events and the change hooks' rows commit together.

        New reports are placed incrementally when they can be (tracker.core.increment:
        the work grows with them and what they are compatible with, not with the size of
        the events they join); otherwise their neighbourhood is clustered again. Both give
        what clustering every stored report at once gives.
        """
        if not item_ids:
            return EventChanges()
        if self.engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            refresh_statistics(session.connection())
        self._forget_light(item_ids)
        session.flush()
        replaced = session.info.pop(REPLACED_EVENTS, set())
        placed = None if replaced else self._extend(session, item_ids, now)
        if placed is None:
            changes = self._recluster(session, item_ids, now, replaced)
        else:
            changes, unsettled = placed
            if unsettled:
                changes.add(self._recluster(session, unsettled, now, set()))
        for hook in self.change_hooks:
            hook(session, item_ids, changes, now)
        return changes

    # -- the incremental path ------------------------------------------------------------

    def _extend(
        self, session: Session, item_ids: Sequence[int], now: datetime
    ) -> tuple[EventChanges, list[int]] | None:
        """Place the items' new reports among the stored events (tracker.core.increment):
        what changed, and the items whose reports could not be settled so (the caller
        clusters their neighbourhood again); None when nothing can be done so."""
        seeds: dict[int, _Found] = {}
        for chunk in _chunks(list(item_ids)):
            seeds.update(self._load(session, _INCIDENTS.c.item_id.in_(chunk), remember=True))
        if not seeds:
            return EventChanges(), []
        if any(f[2] is not None for f in seeds.values()):
            return None  # already placed once: not new
        self._write_tokens(session, seeds, replace=True)
        stamps: dict[int, tuple[_Stamp, int | None]] = {}
        pairs = self._candidates(session, list(seeds.values()), stamps)
        # Most candidates fail the merge rule: they are tested as light reports, and only
        # the events' members (below) are read whole.
        light = self._load_light(session, [i for i in pairs if i not in seeds], stamps)
        found: dict[int, _Found] = {}
        partner_events: set[int] = set()
        # Every compatible (new, stored) pair, handed to the core so it need not test them
        # again (a candidate the database did not find is compatible with no new report).
        stored_partners: dict[str, list[str]] = {}
        for incident_id, probe_ids in pairs.items():
            candidate = light.get(incident_id)
            if candidate is None or incident_id in seeds:
                continue
            linked = [p for p in probe_ids if compatible(seeds[p][0], candidate[0])]
            if linked:
                if candidate[2] is None:
                    return None
                partner_events.add(candidate[2])
                for p in linked:
                    stored_partners.setdefault(seeds[p][0].key, []).append(candidate[0].key)
        # Events a new report may join, and those of reports eligible for one of them.
        wanted = partner_events | self._events_of_referrers(session, partner_events)
        blocks: dict[int, list[increment.Stored]] = {}
        rows: dict[int, EventRow] = {}
        ids: dict[str, int] = {f[0].key: i for i, f in seeds.items()}
        new = [f[0] for f in seeds.values()]
        for _ in range(_MISSING_ROUNDS):
            if not self._load_blocks(session, wanted - set(blocks), blocks, rows, ids, found):
                return None
            result = increment.extend_parts(blocks, new, stored_partners)
            if not isinstance(result, increment.Missing):
                break
            wanted = set(result.blocks)
        if not isinstance(result, increment.Parts):
            return None
        changes = self._apply(session, result.extension, rows, ids, now, len(ids))
        unsettled = sorted({int(r.origin.removeprefix("item:")) for r in result.unsettled})
        return changes, unsettled

    def _events_of_referrers(self, session: Session, events: set[int]) -> set[int]:
        """Events of the reports whose trace names one of ``events``."""
        out: set[int] = set()
        conn = session.connection()
        for chunk in _chunks(sorted(events)):
            query = (
                select(_INCIDENTS.c.event_id)
                .select_from(_TRACES.join(_INCIDENTS, _INCIDENTS.c.id == _TRACES.c.incident_id))
                .where(_TRACES.c.event_id.in_(chunk), _INCIDENTS.c.event_id.is_not(None))
                .distinct()
            )
            out.update(int(e) for e in conn.execute(query).scalars())
        return out

    def _load_blocks(
        self,
        session: Session,
        events: set[int],
        blocks: dict[int, list[increment.Stored]],
        rows: dict[int, EventRow],
        ids: dict[str, int],
        cache: dict[int, _Found],
    ) -> bool:
        """Add the stored events ``events`` (every report, with its trace) to ``blocks``;
        False when one cannot serve the incremental path (no trace yet, or its row and its
        reports disagree)."""
        if not events:
            return True
        conn = session.connection()
        members: dict[int, int] = {}  # incident id -> event id
        for chunk in _chunks(sorted(events)):
            query = select(
                _INCIDENTS.c.id, _INCIDENTS.c.event_id, _INCIDENTS.c.merge_traced
            ).where(_INCIDENTS.c.event_id.in_(chunk))
            for incident_id, event_id, traced in conn.execute(query):
                if not traced:
                    return False
                members[int(incident_id)] = int(event_id)
        cache.update(self._load_whole(session, [i for i in members if i not in cache]))
        traces: dict[int, set[int]] = {i: set() for i in members}
        for chunk in _chunks(sorted(members)):
            query = select(_TRACES.c.incident_id, _TRACES.c.event_id).where(
                _TRACES.c.incident_id.in_(chunk)
            )
            for incident_id, event_id in conn.execute(query):
                traces[int(incident_id)].add(int(event_id))
        for chunk in _chunks(sorted(events)):
            query = select(EventRow).where(col(EventRow.id).in_(chunk))
            for event in session.execute(query).scalars():
                assert event.id is not None
                rows[event.id] = event
        by_event: dict[int, list[increment.Stored]] = {e: [] for e in events}
        for incident_id, event_id in members.items():
            report = cache[incident_id][0]
            trace = frozenset(traces[incident_id])
            by_event[event_id].append(increment.Stored(report, event_id, trace))
            ids[report.key] = incident_id
        for event_id, stored in by_event.items():
            row = rows.get(event_id)
            keys = {s.report.key for s in stored}
            if row is None or row.status != ACTIVE or set(row.report_keys) != keys:
                return False
            blocks[event_id] = stored
        return True

    def _apply(
        self,
        session: Session,
        result: increment.Extension,
        rows: dict[int, EventRow],
        ids: dict[str, int],
        now: datetime,
        reports: int,
    ) -> EventChanges:
        """Write what the extension changed: grown and new events, links, traces."""
        changes = EventChanges(reports=reports)
        made: dict[int, EventRow] = {}
        for block in sorted(result.grown, key=lambda b: (b > 0, -b if b < 0 else b)):
            values = event_values(merge(result.grown[block]))
            if block < 0:
                row = EventRow(**values, created_at=now, updated_at=now)
                session.add(row)
                made[block] = row
                continue
            row = rows[block]
            if any(getattr(row, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.revision += 1
                row.updated_at = now
                changes.updated.append(block)
        session.flush()
        event_id = {b: int(r.id) for b, r in made.items() if r.id is not None}
        changes.created.extend(event_id[b] for b in sorted(made, reverse=True))
        links = [
            {"b_id": ids[key], "b_event": event_id.get(b, b)} for key, b in result.placed.items()
        ]
        if links:
            session.connection().execute(
                _INCIDENTS.update()
                .where(_INCIDENTS.c.id == bindparam("b_id"))
                .values(event_id=bindparam("b_event"), merge_traced=True),
                links,
            )
        self._write_traces(
            session,
            {ids[key]: [event_id.get(b, b) for b in trace] for key, trace in result.traces.items()},
        )
        return changes

    def _write_traces(self, session: Session, traces: Mapping[int, Iterable[int]]) -> None:
        """Replace the trace rows of these incidents (incident id -> event ids)."""
        conn = session.connection()
        for chunk in _chunks(sorted(traces)):
            conn.execute(_TRACES.delete().where(_TRACES.c.incident_id.in_(chunk)))
        rows = [{"incident_id": i, "event_id": e} for i, es in traces.items() for e in set(es)]
        if rows:
            conn.execute(_TRACES.insert(), rows)

    # -- clustering the neighbourhood again ------------------------------------------------

    def _recluster(
        self, session: Session, item_ids: Sequence[int], now: datetime, replaced: set[int]
    ) -> EventChanges:
        """Cluster the closure of the items' reports again and reconcile it with the stored
        events; writes every trace of the closure."""
        reports, events, linked = self._scope(session, item_ids, replaced)
        old = {eid: frozenset(e.report_keys) for eid, e in events.items()}
        clusters, traces = cluster_traced(reports)
        plan = reconcile(old, [merge(c) for c in clusters])
        changes = EventChanges(reports=len(reports))
        created: list[tuple[EventRow, Placement]] = []
        targets: list[tuple[EventRow, Placement]] = []
        for placement in plan.placements:
            values = event_values(placement.event)
            if placement.event_id is None:
                row = EventRow(
                    **values, split_from=placement.split_from, created_at=now, updated_at=now
                )
                session.add(row)
                created.append((row, placement))
            else:
                row = events[placement.event_id]
                if any(getattr(row, k) != v for k, v in values.items()):
                    for name, value in values.items():
                        setattr(row, name, value)
                    row.revision += 1
                    row.updated_at = now
                    assert row.id is not None
                    changes.updated.append(row.id)
            targets.append((row, placement))
        session.flush()
        for row, placement in created:
            assert row.id is not None
            changes.created.append(row.id)
            if placement.split_from is not None:
                changes.split.append((row.id, placement.split_from))
        moves = [
            {"b_id": linked[key][0], "b_event": row.id}
            for row, placement in targets
            for key in placement.event.keys
            if linked[key][1] != row.id
        ]
        if moves:
            session.connection().execute(
                _INCIDENTS.update()
                .where(_INCIDENTS.c.id == bindparam("b_id"))
                .values(event_id=bindparam("b_event")),
                moves,
            )
        for event_id, heir in plan.retired.items():
            self._retire(session, events[event_id], heir, now)
            changes.retired.append(event_id)
        session.flush()
        event_of = [int(row.id or 0) for row, _ in targets]
        assert all(event_of)
        self._retrace(
            session,
            {linked[key][0]: [event_of[i] for i in trace] for key, trace in traces.items()},
            set(events) | replaced,
        )
        return changes

    def _retrace(
        self, session: Session, traces: dict[int, list[int]], old_events: set[int]
    ) -> None:
        """Store the closure's traces, and forget those of reports outside it that name
        one of its old events (possible only when reports were deleted: they are traced
        again when a recompute reaches them)."""
        self._write_traces(session, traces)
        conn = session.connection()
        for chunk in _chunks(sorted(traces)):
            conn.execute(
                _INCIDENTS.update().where(_INCIDENTS.c.id.in_(chunk)).values(merge_traced=True)
            )
        stale: set[int] = set()
        for chunk in _chunks(sorted(old_events)):
            query = select(_TRACES.c.incident_id).where(_TRACES.c.event_id.in_(chunk))
            stale.update(int(i) for i in conn.execute(query).scalars() if int(i) not in traces)
        for chunk in _chunks(sorted(stale)):
            conn.execute(_TRACES.delete().where(_TRACES.c.incident_id.in_(chunk)))
            conn.execute(
                _INCIDENTS.update().where(_INCIDENTS.c.id.in_(chunk)).values(merge_traced=False)
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
