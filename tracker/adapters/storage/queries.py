"""Reading events for the outside world: filters to SQL, keyset pages, streaming iteration.

The read API and `tracker export` both go through `EventQueries`, so a CSV downloaded from
the API and one written by the command hold the same rows. Large exports are read page by
page (each page on a connection taken for it, in autocommit, continued after the last row's
sort key), so memory stays flat and no transaction is held open while a slow client
downloads.

Records are plain dicts of the events columns plus a summary of their reports (`sources`,
`outlets`, `first_seen`); tracker.core.export turns them into documents and files.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Engine,
    Integer,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlmodel import col

from tracker.adapters.storage.models import EventRow, Feed, IncidentRow, Item
from tracker.adapters.storage.types import UTCDateTime
from tracker.core.eventquery import Cursor, EventFilters

EVENTS = EventRow.__table__  # type: ignore[attr-defined]
ITEMS = Item.__table__  # type: ignore[attr-defined]
INCIDENTS = IncidentRow.__table__  # type: ignore[attr-defined]
STREAM_BATCH = 2000
DATED = ("date", "-date")
# Lists and exports never show these (long JSON lists, decoded for nothing on every row).
LIST_COLUMNS = [c for c in EVENTS.c if c.name not in ("report_keys", "merge_reasons")]
# Always read: the keyset cursor continues after the last row's id and sort key.
CURSOR_COLUMNS = frozenset({"id", "event_date", "updated_at"})
# JSON lists whose few distinct values repeat from event to event (the same actors, the same
# agreements and zones): decoded once per export, not once per row.
REPEATED_JSON = frozenset({"actors", "agreements", "zones", "reasons"})
JSON_MEMO_SIZE = 4096
# UTCDateTime's storage type without its per-value conversion (see _with_reports).
RAW_TIME = UTCDateTime.impl
_UTC = UTCDateTime()
JSON_NAMES = frozenset(c.name for c in LIST_COLUMNS if isinstance(c.type, JSON))


@dataclass
class Page:
    records: list[dict[str, Any]]
    has_more: bool


class JsonTexts:
    """Decodes JSON columns read as text (`CAST(... AS TEXT)`, so the driver leaves them be).

    The lists in REPEATED_JSON come from a memo keyed by their text (cleared when it holds
    JSON_MEMO_SIZE texts, so memory stays flat): rows with the same actors share one list,
    which readers must not modify (the documents and files built from records copy them)."""

    def __init__(self) -> None:
        self.memo: dict[str, Any] = {}
        self.loads = json.JSONDecoder().decode

    def repeated(self, value: str | None) -> Any:
        if value is None:
            return None
        found = self.memo.get(value, self)
        if found is self:
            if len(self.memo) >= JSON_MEMO_SIZE:
                self.memo.clear()
            found = self.memo[value] = self.loads(value)
        return found

    def once(self, value: str | None) -> Any:
        return None if value is None else self.loads(value)


def _selected(columns: Collection[str] | None) -> list[Any]:
    """The list columns to read (all, or `columns` and the cursor's), JSON ones as text."""
    wanted = [
        c for c in LIST_COLUMNS if columns is None or c.name in columns or c.name in CURSOR_COLUMNS
    ]
    return [cast(c, Text).label(c.name) if isinstance(c.type, JSON) else c for c in wanted]


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_pattern(value: str) -> str:
    return f"%{_like_escape(value.lower())}%"


def _json_text_pattern(value: str) -> str:
    """A LIKE pattern for `value` inside JSON text as stored (non-ASCII \\u-escaped)."""
    return _contains_pattern(json.dumps(value.lower())[1:-1])


class _Sql:
    """The dialect-specific pieces: membership in a JSON list and JSON object fields."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def list_has(self, column: str, param: str) -> str:
        if self.pg:
            return (
                f"EXISTS (SELECT 1 FROM json_array_elements_text(events.{column}) AS e(v) "
                f"WHERE e.v = :{param})"
            )
        return f"EXISTS (SELECT 1 FROM json_each(events.{column}) AS e WHERE e.value = :{param})"

    def actor_where(self, condition: str) -> str:
        """EXISTS over the event's actors; `condition` uses {name}, {side}, {role}."""
        if self.pg:
            source = "json_array_elements(events.actors) AS a(v)"
            fields = {k: f"(a.v ->> '{k}')" for k in ("name", "side", "role")}
        else:
            source = "json_each(events.actors) AS a"
            fields = {k: f"json_extract(a.value, '$.{k}')" for k in ("name", "side", "role")}
        return f"EXISTS (SELECT 1 FROM {source} WHERE {condition.format(**fields)})"

    def as_text(self, column: str) -> str:
        return f"CAST(events.{column} AS TEXT)" if self.pg else f"events.{column}"


def _not_dismissed() -> ColumnElement[bool]:
    return or_(col(EventRow.review_status).is_(None), col(EventRow.review_status) != "dismissed")


def status_condition(status: str) -> ColumnElement[bool]:
    if status == "merged":
        return col(EventRow.status) == "merged"
    active = col(EventRow.status) == "active"
    if status == "dismissed":
        return and_(active, col(EventRow.review_status) == "dismissed")
    return and_(active, _not_dismissed())


def _recorded_ids(since: date | None, until: date | None) -> Any:
    """Ids of events whose earliest report was first seen within [since, until] (UTC days)."""
    first = func.min(col(Item.first_seen_at))
    having = []
    if since is not None:
        having.append(first >= datetime.combine(since, time(), UTC))
    if until is not None:
        having.append(first < datetime.combine(until + timedelta(days=1), time(), UTC))
    return (
        select(col(IncidentRow.event_id))
        .join(Item, col(Item.id) == col(IncidentRow.item_id))
        .where(col(IncidentRow.event_id).is_not(None))
        .group_by(col(IncidentRow.event_id))
        .having(*having)
    )


def conditions(filters: EventFilters, dialect: str) -> list[Any]:
    """The WHERE clauses selecting `filters`' events (SQLite and PostgreSQL)."""
    sql = _Sql(dialect)
    where: list[Any] = [status_condition(filters.status)]
    if filters.violations_only:
        where += [col(EventRow.violation).is_(True), _not_dismissed()]
    if filters.since or filters.until:
        if filters.by == "recorded":
            where.append(col(EventRow.id).in_(_recorded_ids(filters.since, filters.until)))
        else:
            if filters.since:
                where.append(col(EventRow.event_date) >= filters.since)
            if filters.until:
                where.append(col(EventRow.event_date) <= filters.until)
    if filters.agreement is not None:
        where.append(
            text(sql.list_has("agreements", "f_agreement")).bindparams(
                f_agreement=filters.agreement
            )
        )
    if filters.zone is not None:
        where.append(text(sql.list_has("zones", "f_zone")).bindparams(f_zone=filters.zone))
    if filters.actor is not None:
        clause = sql.actor_where("lower({name}) LIKE :f_actor ESCAPE '\\'")
        where.append(text(clause).bindparams(f_actor=_contains_pattern(filters.actor)))
    if filters.side is not None:
        clause = sql.actor_where("{side} = :f_side AND {role} = 'attacker'")
        where.append(text(clause).bindparams(f_side=filters.side))
    if filters.event_type is not None:
        where.append(
            or_(
                col(EventRow.event_type) == filters.event_type,
                col(EventRow.sub_event_type) == filters.event_type,
            )
        )
    severities = filters.severities()
    if severities is not None:
        where.append(col(EventRow.severity).in_(severities))
    box = filters.box()
    if box is not None:
        w, s, e, n = box
        where += [
            col(EventRow.lon).between(w, e),
            col(EventRow.lat).between(s, n),
        ]
    if filters.q is not None:
        where.append(_text_search(sql, filters.q))
    return where


def _text_search(sql: _Sql, q: str) -> Any:
    clause = (
        f"(lower({sql.as_text('evidence')}) LIKE :f_q_json ESCAPE '\\' OR EXISTS ("
        "SELECT 1 FROM incidents AS qi JOIN items AS qt ON qt.id = qi.item_id "
        "WHERE qi.event_id = events.id AND lower(qt.title) LIKE :f_q ESCAPE '\\'))"
    )
    return text(clause).bindparams(f_q_json=_json_text_pattern(q), f_q=_contains_pattern(q))


def _sort_column(order: str) -> Any:
    key = order.lstrip("-")
    return {
        "date": col(EventRow.event_date),
        "updated": col(EventRow.updated_at),
        "id": col(EventRow.id),
    }[key]


def order_by(order: str) -> list[Any]:
    """Sort key then id; undated events come last in both directions."""
    column = _sort_column(order)
    ident = col(EventRow.id)
    if order.startswith("-"):
        first = column.desc().nulls_last() if order == "-date" else column.desc()
        return [first] if column is ident else [first, ident.desc()]
    first = column.asc().nulls_last() if order == "date" else column.asc()
    return [first] if column is ident else [first, ident.asc()]


def after(cursor: Cursor) -> Any:
    """Rows strictly after the cursor's row, among rows whose sort key is not null.

    A row-value comparison, so that the database continues the index range scan where the
    previous page stopped instead of filtering everything before it. Undated rows (which
    come last) are read by a second query, see `EventQueries._rows`."""
    column = _sort_column(cursor.order)
    ident = col(EventRow.id)
    descending = cursor.order.startswith("-")
    if column is ident:
        return ident < cursor.last_id if descending else ident > cursor.last_id
    if cursor.value is None:  # only undated rows are left, ordered by id
        beyond = ident < cursor.last_id if descending else ident > cursor.last_id
        return and_(column.is_(None), beyond)
    here = tuple_(column, ident)
    mark = tuple_(literal(cursor.value, column.type), literal(cursor.last_id))
    return here < mark if descending else here > mark


class EventQueries:
    """Read-only queries over events, reports and items for the API and exports."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    def page(
        self,
        filters: EventFilters,
        limit: int,
        cursor: Cursor | None = None,
        columns: Collection[str] | None = None,
        texts: JsonTexts | None = None,
    ) -> Page:
        """Up to `limit` events after `cursor`, and whether more follow.

        `columns`: the events columns the caller reads (default: all those of LIST_COLUMNS;
        the id and sort keys are always there); `texts`: a JSON decoder kept across pages."""
        selected = _selected(columns)
        with self._reading() as conn:
            rows = self._rows(conn, filters, limit + 1, cursor, selected, texts or JsonTexts())
            records = self._with_reports(conn, rows[:limit])
        return Page(records, len(rows) > limit)

    def _reading(self) -> Connection:
        """A connection for a page: its few SELECTs run without BEGIN and ROLLBACK (two
        round trips fewer per page). Under PostgreSQL's read committed, the default, each
        statement took a snapshot of its own anyway; SQLite reads outside transactions."""
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def stream(
        self,
        filters: EventFilters,
        cursor: Cursor | None = None,
        limit: int | None = None,
        batch: int | None = None,
        columns: Collection[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every selected event (or the first `limit`), read `batch` rows at a time.

        The next page is read in a worker thread while the caller formats this one, so the
        database's time overlaps ours; at most two pages are in memory. `columns` as in
        `page`: an export reads only the columns its format shows."""
        batch = batch or STREAM_BATCH
        texts = JsonTexts()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-page") as pool:
            size = batch if limit is None else min(batch, limit)
            pending: Future[Page] | None = pool.submit(
                self.page, filters, size, cursor, columns, texts
            )
            left = limit
            while pending is not None:
                page = pending.result()
                if left is not None:
                    left -= len(page.records)
                pending = None
                if page.has_more and page.records and (left is None or left > 0):
                    last = page.records[-1]
                    cursor = Cursor(filters.order, _raw_sort_value(filters.order, last), last["id"])
                    size = batch if left is None else min(batch, left)
                    pending = pool.submit(self.page, filters, size, cursor, columns, texts)
                yield from page.records

    def count(self, filters: EventFilters) -> int:
        """How many events `filters` select (the export's progress bar)."""
        query = select(func.count()).select_from(EVENTS).where(*conditions(filters, self.dialect))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def per_day(self, filters: EventFilters) -> list[tuple[date | None, int, int]]:
        """(event date, events, violations) of the selected events, one row a day (None for
        the undated): the dashboard's chart counts in the database, not row by row."""
        day = col(EventRow.event_date)
        query = (
            select(day, func.count(), func.sum(case((col(EventRow.violation), 1), else_=0)))
            .select_from(EVENTS)
            .where(*conditions(filters, self.dialect))
            .group_by(day)
        )
        with self._reading() as conn:
            return [(d, int(n), int(v or 0)) for d, n, v in conn.execute(query)]

    def _rows(
        self,
        conn: Connection,
        filters: EventFilters,
        limit: int,
        cursor: Cursor | None,
        selected: list[Any],
        texts: JsonTexts,
    ) -> list[dict[str, Any]]:
        where = conditions(filters, self.dialect)
        if cursor is not None:
            where.append(after(cursor))
        rows = self._select(conn, selected, where, filters.order, limit, texts)
        dated = cursor is not None and cursor.value is not None and filters.order in DATED
        if dated and len(rows) < limit:  # past the last dated row: the undated ones follow
            undated = [*conditions(filters, self.dialect), col(EventRow.event_date).is_(None)]
            rows += self._select(conn, selected, undated, filters.order, limit - len(rows), texts)
        return rows

    def _select(
        self,
        conn: Connection,
        selected: list[Any],
        where: list[Any],
        order: str,
        limit: int,
        texts: JsonTexts,
    ) -> list[dict[str, Any]]:
        """Rows as dicts, their JSON columns decoded (see JsonTexts)."""
        query = select(*selected).where(*where).order_by(*order_by(order)).limit(limit)
        keys = [c.name for c in selected]
        decode = [
            (c.name, texts.repeated if c.name in REPEATED_JSON else texts.once)
            for c in selected
            if c.name in JSON_NAMES
        ]
        rows = []
        for values in conn.execute(query).all():  # (one fetch; row by row costs more)
            row = dict(zip(keys, values, strict=True))
            for name, load in decode:
                row[name] = load(row[name])
            rows.append(row)
        return rows

    def _among(self, column: Any, ids: list[int]) -> Any:
        """`column IN ids`; on PostgreSQL one array parameter (`= ANY`) instead of a
        thousand, which costs more to render and send than the query takes to run. The
        array is sent as its text, `{1,2,3}`: the driver would check every element."""
        if self.dialect == "postgresql":
            literal_ids = "{" + ",".join(str(int(i)) for i in ids) + "}"
            return column == any_(cast(bindparam(None, literal_ids, type_=Text), ARRAY(Integer)))
        return column.in_(ids)

    def _with_reports(self, conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row plus its reports' links, outlets and first-seen time.

        Two key lookups (incidents by event, then items by id) rather than one join: for a
        page of a thousand events the planner would otherwise hash-join against a scan of
        every item. Only each event's earliest first-seen time is converted to UTC."""
        for row in rows:
            row.update(sources=[], outlets=[], first_seen=None)
        if not rows:
            return rows
        by_id = {r["id"]: r for r in rows}
        links = select(col(IncidentRow.event_id), col(IncidentRow.item_id)).where(
            self._among(col(IncidentRow.event_id), list(by_id))
        )
        events_of: dict[Any, list[Any]] = {}
        for event_id, item_id in conn.execute(links).all():
            events_of.setdefault(item_id, []).append(event_id)
        if not events_of:
            return rows
        seen_at = col(Item.first_seen_at)
        query = (
            select(col(Item.id), col(Item.url), col(Feed.name), type_coerce(seen_at, RAW_TIME))
            .join(Feed, col(Feed.id) == col(Item.feed_id))
            .where(self._among(col(Item.id), list(events_of)))
            .order_by(seen_at, col(Item.id))
        )
        urls: dict[Any, list[str]] = {event_id: [] for event_id in by_id}
        outlets: dict[Any, list[str]] = {event_id: [] for event_id in by_id}
        first: dict[Any, Any] = {}
        for found, url, outlet, seen in conn.execute(query).all():  # earliest first
            for event_id in events_of[found]:
                if url:
                    urls[event_id].append(url)
                if outlet:
                    outlets[event_id].append(outlet)
                if event_id not in first:
                    first[event_id] = seen
        dialect = conn.dialect
        for event_id, row in by_id.items():
            row["sources"] = _unique(urls[event_id])
            row["outlets"] = _unique(outlets[event_id])
            earliest = first.get(event_id)
            if earliest is not None:
                row["first_seen"] = _UTC.process_result_value(earliest, dialect)
        return rows

    # -- one event, one item ---------------------------------------------------------------

    def event(self, event_id: int) -> dict[str, Any] | None:
        """One event (any status) with its reports and what was split off or merged in."""
        with self.engine.connect() as conn:
            row = conn.execute(select(EVENTS).where(col(EventRow.id) == event_id)).mappings()
            found = row.first()
            if found is None:
                return None
            record = self._with_reports(conn, [dict(found)])[0]
            record["reports"] = self._reports(conn, event_id)
            record["split_off"] = self._ids(conn, col(EventRow.split_from) == event_id)
            record["absorbed"] = self._ids(conn, col(EventRow.merged_into) == event_id)
        return record

    def _ids(self, conn: Connection, condition: Any) -> list[int]:
        query = select(col(EventRow.id)).where(condition).order_by(col(EventRow.id))
        return [int(i) for i in conn.execute(query).scalars() if i is not None]

    def _reports(self, conn: Connection, event_id: int) -> list[dict[str, Any]]:
        query = (
            select(
                col(Item.id),
                col(Item.title),
                col(Feed.name),
                col(Item.url),
                col(Item.published_at),
                col(Item.first_seen_at),
                col(IncidentRow.seq),
                col(IncidentRow.event_date),
                col(IncidentRow.place_name),
                col(IncidentRow.fatalities),
                col(IncidentRow.violation),
            )
            .join(Item, col(Item.id) == col(IncidentRow.item_id))
            .join(Feed, col(Feed.id) == col(Item.feed_id))
            .where(col(IncidentRow.event_id) == event_id)
            .order_by(col(Item.first_seen_at), col(Item.id), col(IncidentRow.seq))
        )
        keys = (
            "item_id", "title", "outlet", "url", "published", "first_seen", "seq",
            "date", "place", "fatalities", "violation",
        )  # fmt: skip
        return [dict(zip(keys, r, strict=True)) for r in conn.execute(query)]

    def item(self, item_id: int) -> dict[str, Any] | None:
        """One stored item with its feed and the incidents read from it."""
        with self.engine.connect() as conn:
            found = (
                conn.execute(
                    select(
                        ITEMS,
                        col(Feed.name).label("feed_name"),
                        col(Feed.url).label("feed_url"),
                    )
                    .join(Feed, col(Feed.id) == col(Item.feed_id))
                    .where(col(Item.id) == item_id)
                )
                .mappings()
                .first()
            )
            if found is None:
                return None
            record = dict(found)
            incidents = conn.execute(
                select(INCIDENTS)
                .where(col(IncidentRow.item_id) == item_id)
                .order_by(col(IncidentRow.seq))
            ).mappings()
            record["incidents"] = [dict(i) for i in incidents]
        return record


def _unique(values: list[str]) -> list[str]:
    """The values in order, each once."""
    return values if len(values) < 2 else list(dict.fromkeys(values))


def _raw_sort_value(order: str, record: dict[str, Any]) -> Any:
    key = order.lstrip("-")
    return {"date": record["event_date"], "updated": record["updated_at"]}.get(key, record["id"])
